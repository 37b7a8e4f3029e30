"""Write files atomically: a temporary file in the same folder, then a rename.

A reader (or a crash) never sees a half-written file where the last good
one was: the rename either happens completely or not at all. The file gets
the mode a plain `open` would give it, 0666 less the process's umask (0644
under the usual 022), not the 0600 of a temporary file. A process killed
mid-write leaves its temporary (`.<name>.<random><suffix>.tmp`) behind;
`remove_stale` clears those at the next run.
"""

from __future__ import annotations

import glob
import os
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Iterable, Iterator

#: A temporary untouched for this long belongs to no write still going on (writes take seconds).
STALE_AFTER = timedelta(hours=1)


@contextmanager
def atomic_path(path: Path | str, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix if suffix is not None else target.suffix + ".tmp",
        dir=target.parent,
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o666 & ~current_umask())
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def current_umask() -> int:
    """Return the process's umask without changing it (Linux reports it; elsewhere it is read and restored)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path | str, data: bytes) -> None:
    """Write bytes to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write UTF-8 text with LF line endings to `path` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def temporaries(path: Path | str) -> list[Path]:
    """Return the temporaries that atomic writes of `path` have left beside it."""
    target = Path(path)
    return sorted(target.parent.glob(f".{glob.escape(target.name)}.*.tmp"))


def remove_stale(folder: Path | str, written: Iterable[Path] = (), older_than: timedelta = STALE_AFTER
                 ) -> list[Path]:
    """Remove temporaries left in `folder`: those of `written` at any age, any other once stale.

    Call it holding the lock under which `written` are written: their temporaries can then
    belong to no write going on. Other temporaries in the folder may be another writer's, so
    only those untouched for `older_than` are removed. Return what was removed.
    """
    mine = {t for path in written for t in temporaries(path)}
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for tmp in sorted(Path(folder).glob(".*.tmp")):
        try:
            if tmp in mine or tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed.append(tmp)
        except FileNotFoundError:  # its writer finished (or cleaned) meanwhile
            continue
    return removed
