"""The mailroom's way out: the messages to clusters and reviewers, in their language, with
their workbooks, corrections, reminders and documents attached; written as .eml files into
the campaign's outbox, or sent through its SMTP server, each recorded in the ledger.

`templates` (the texts, per message and language), `compose` (what goes to whom),
`send` (the outbox, SMTP, the record). What comes back by e-mail is read by
`intake.mailbox`.
"""
