"""The command line: click commands over the stages, the session they share, and the terminal's tables.

commands  the click commands: options, one stage function, print
session   the campaign, scheme, roster, reviewers, key, ledger and register, opened once, lazily
terminal  rich tables
"""

from excelcert.cli.commands import cli, main

__all__ = ["cli", "main"]
