"""The `duban` command line: one group, commands by theme (files, daily operations, local
servers). `main` is the console script."""

from flows.cli import files, local, mailbox, ops, portal  # noqa: F401  (registers the commands)
from flows.cli.group import main

__all__ = ["main"]
