"""Intake, the mailroom: returned workbooks of every role come in here.

batch        hash, archive, read (in parallel), check against the campaign, record in the ledger
read         open a returned workbook and hand it to its stage's reader, by role
status       where every cluster stands; a cluster's history
corrections  what each cluster must fix, as a workbook in its language
report       an import run, and its report workbook
"""
