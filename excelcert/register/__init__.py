"""The register: every label a secretariat issued, across its campaigns and years.

config  where a register lives (register.yaml) and how a campaign finds it
store   its SQLite database (with the ledger, the only SQL): certificates, withdrawals
rules   the lifecycle on dates alone: validity, renewal, valid/expired/superseded/withdrawn
lists   the list on a day, the labels due for renewal, a roster for the next campaign
"""
