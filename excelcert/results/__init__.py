"""The campaign's results: every cluster's final values scored, stored, and written as a workbook and CSV."""
