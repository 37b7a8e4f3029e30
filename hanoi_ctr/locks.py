"""Exclusive file locks, so that two runs cannot interleave their writes.

An ingest run holds the archive's lock from "which files are new?" to its
commit, so that two runs never both take the same file; a rollup holds the
lock of its period while it writes the workbook and Parquet files. The lock
is an OS file lock (`flock`): it works the same with or without a Prefect
server, across processes and machines sharing a POSIX file system, and it is
released by the OS if the process dies.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from hanoi_ctr.errors import HanoiCtrError, writing


class LockTimeout(HanoiCtrError):
    """Another run held the lock for longer than we were willing to wait."""


@contextmanager
def exclusive(path: Path | str, timeout: float = 900.0, poll: float = 0.2) -> Iterator[Path]:
    """Hold an exclusive lock on `path` (created if needed) for the duration of the block."""
    path = Path(path)
    with writing(f"the lock {path}"):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(f"{path} is held by another run (waited {timeout:.0f} s)") from None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock
