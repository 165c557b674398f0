"""The register: every label a secretariat issued, across its campaigns and years.

- config: where a register lives (register.yaml) and how a campaign finds it
- store: its SQLite database (with the ledger, the only SQL): certificates, withdrawals
- rules: the lifecycle on dates alone: validity, renewal, valid/expired/superseded/withdrawn
- lists: the list on a day, the labels due for renewal, a roster for the next campaign
- public: a certificate's verification address, and the digest a public page holds of its code
- publish: the public site: the list, a verification page per certificate, CSV, JSON, xlsx
- club: the directory of labelled cluster managers who agreed to be listed
"""
