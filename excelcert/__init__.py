"""excelcert: run a cluster-management excellence label campaign from spreadsheets.

The package is laid out as the pipeline it implements, one package per stage, in order.
A stage imports only the stages above it in this list (import-linter checks it: see
pyproject.toml), and stages hand each other plain data (dataclasses):

    base        problems (the one catalogue of problem codes), i18n, files, spreadsheet
                (opens workbooks safely), sheetwriter, contract (the signed metadata),
                ledger (the campaign's SQLite ledger: all of its SQL)
    scheme      indicator definitions and label rules (YAML or workbook form), answers as text
    scoring     the scheme's rules on values alone: tally, labels, thresholds, gaps
    campaign    the campaign folder and config, its key, the roster, the reviewers
    register    the labels across campaigns: numbers, validity, renewals, withdrawals, lists
    assessment  the self-assessment workbook, generating it, reading a returned one
    review      assignment, reviewer workbooks, reading reviews, reconciliation, arbitration,
                final values
    intake      the mailroom: import returned workbooks (hash, archive, dispatch by role,
                record), status, history, corrections, the import report
    results     the campaign's scores and labels, stored, as a workbook and CSV
    benchmark   each cluster against its peers (the register's history): groups, quartiles,
                suppression below k; training needs; the campaign report (workbook, HTML)
    documents   certificates, feedback and correction letters (Word), verification, PDF
    mail        the messages out: workbooks, reviews, corrections, reminders, documents, in each
                recipient's language; the outbox (.eml), SMTP, each message recorded in the ledger
    demo        the whole campaign on the built-in example
    cli         the click command line, the session its commands share, its terminal tables

scoring and campaign are independent of each other, as are intake and results.
"""

__version__ = "0.1.0"
