"""The few exceptions hanoi_ctr raises: configuration and catalog errors.

Problems in submitted data are never exceptions: they are `Issue` records.
An exception means the run cannot go on until someone fixes its set-up.
"""

from __future__ import annotations

from typing import Sequence

from hanoi_ctr.declare.issues import Issue


class HanoiCtrError(Exception):
    """Base class of the errors that stop a run."""


class ConfigError(HanoiCtrError):
    """The configuration is wrong: a setting, a missing directory, an unwritable path."""


class CatalogError(HanoiCtrError):
    """The catalog does not validate; every problem is listed with file, row and column."""

    def __init__(self, directory: str, issues: Sequence[Issue]) -> None:
        self.directory = directory
        self.issues = list(issues)
        lines = [f"catalog {directory} has {len(self.issues)} problem(s):"]
        lines += [f"  {i.where()}: [{i.code}] {i.message('en')}" for i in self.issues]
        super().__init__("\n".join(lines))
