"""The base every stage stands on: problems, words, files, spreadsheets, the contract, the ledger.

problems     the one catalogue of problem codes and the records stages report with
i18n         the workbooks' own words in every language, dates and numbers as each writes them
files        writing a file atomically, safe file names
spreadsheet  opens workbooks safely (hostile files) and yields cells with their places
sheetwriter  xlsxwriter helpers shared by every workbook excelcert writes
contract     the signed metadata that identifies a workbook excelcert issued
ledger       the campaign's SQLite ledger (all of its SQL is here)
"""
