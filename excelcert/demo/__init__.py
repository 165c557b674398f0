"""The demo: a whole campaign on the built-in example, with clusters and reviewers at work.

run      every stage in order, in excelcert-demo/
returns  the demo's clusters filling in and returning their workbooks
reviews  the demo's reviewers filling in theirs, and the secretariat's arbitration
"""
