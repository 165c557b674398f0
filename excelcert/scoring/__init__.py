"""The scheme's scoring rules, on the scheme and values alone: tally, labels, thresholds, gaps.

Nothing here knows a campaign, a ledger or a file: the self-assessment workbook shows a
provisional score with these rules, and the campaign's results apply them to final values.
"""
