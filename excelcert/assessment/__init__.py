"""The self-assessment: the workbook a cluster fills in, generating it, reading a returned one.

workbook  the self-assessment workbook (xlsxwriter): sheets, validation, formulas
generate  one workbook per cluster of the roster, in parallel
values    what a typed answer means (numbers, percents, dates, choices in any language)
read      a returned workbook's answers by indicator id, and the helpers reviews share
"""
