"""excelcert: run a cluster-management excellence label campaign from spreadsheets.

The package is laid out as the pipeline it implements; each stage takes and returns
plain data (dataclasses):

    scheme      indicator definitions and label rules (YAML or XLSForm-style workbook)
    problems    the one catalogue of problem codes every stage reports with
    spreadsheet the adapter that opens workbooks safely and yields cells with coordinates
    cli         the click command line, a thin layer over the stages
"""

__version__ = "0.1.0"
