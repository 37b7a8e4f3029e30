"""The few exceptions hanoi_ctr raises: configuration and catalog errors, actions refused.

Problems in submitted data are never exceptions: they are `Issue` records.
An exception means the run cannot go on until someone fixes its set-up.
"""

from __future__ import annotations

import errno
from contextlib import contextmanager
from typing import Iterator, Sequence

from hanoi_ctr.declare.issues import Issue


class HanoiCtrError(Exception):
    """Base class of the errors that stop a run."""


class ConfigError(HanoiCtrError):
    """The configuration is wrong: a setting, a missing directory, an unwritable path."""


class Refused(HanoiCtrError):
    """An action that cannot be taken as asked: out of the hierarchy, on nothing received, done already.

    Nothing was written; the message says why, in one line per action refused (`reasons`).
    """

    def __init__(self, reasons: str | list[str]) -> None:
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__("; ".join(self.reasons))


class StorageError(ConfigError, OSError):
    """A folder the run writes to cannot take its files: full, read-only or not allowed.

    It is an `OSError` too, so that a scheduler that retries I/O errors retries it.
    """


@contextmanager
def writing(what: str, options: str | None = None) -> Iterator[None]:
    """Turn an `OSError` raised while writing `what` into a `StorageError` that says what to fix.

    `options` name where the folder is chosen (e.g. `--out, HANOI_CTR_OUTPUT_DIR`).
    """
    try:
        yield
    except StorageError:
        raise
    except OSError as exc:
        remedy = "free some space" if exc.errno == errno.ENOSPC else "make it writable"
        where = f" ({options})" if options else ""
        raise StorageError(f"cannot write {what}: {exc.strerror or exc}; {remedy} or choose another "
                           f"folder{where}") from exc


class CatalogError(HanoiCtrError):
    """The catalog does not validate; every problem is listed with file, row and column."""

    def __init__(self, directory: str, issues: Sequence[Issue]) -> None:
        self.directory = directory
        self.issues = list(issues)
        lines = [f"catalog {directory} has {len(self.issues)} problem(s):"]
        lines += [f"  {i.where()}: [{i.code}] {i.message('en')}" for i in self.issues]
        super().__init__("\n".join(lines))
