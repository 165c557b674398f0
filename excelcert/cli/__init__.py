"""The command line: click commands over the stages, and the terminal's tables."""

from excelcert.cli.commands import cli, main

__all__ = ["cli", "main"]
