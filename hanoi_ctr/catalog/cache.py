"""Checked catalogs kept on disk, keyed by their content, so that a command does not check one again.

Checking a catalog (casting and validating every table, then the checks
across tables) costs about half a second; reading back a copy that passed
costs a few milliseconds. `load_catalog(directory, cache=folder)` keeps the
tables of a catalog that passed under `folder/catalog-<key>/`, one Arrow IPC
file per table. The key is the SHA-256 of the tables' bytes together with
the software version, the polars version and the source of the code that
checks a catalog (`declare/`, `catalog/`): a changed table, another version
or changed checks give another key, and an old entry is never read again.

A manifest lists every file of an entry with its own SHA-256, checked on
reading: an entry that does not read back exactly (missing, truncated,
edited by hand) is ignored, and the catalog is checked afresh. An entry is
written into a temporary folder and renamed into place, so a reader never
sees half of one; beyond `KEPT` entries the least recently used go. Only a
catalog that passed every check is kept; the files hold data, never code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from functools import lru_cache
from pathlib import Path

import polars as pl

from hanoi_ctr.declare.tables import CATALOG_TABLES
from hanoi_ctr.version import __version__

#: Entries kept in a cache folder (a catalog's entry is ~1 MB).
KEPT = 8
_MANIFEST = "manifest.json"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """Return a digest of the code a checked catalog depends on: versions and the checking modules' source."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"hanoi_ctr {__version__}\0polars {pl.__version__}\0".encode())
    for path in sorted([*(package / "declare").glob("*.py"), *(package / "catalog").glob("*.py")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def entry_key(tables_digest: str) -> str:
    """Return the key of a catalog's entry: its tables' digest with the code's."""
    return hashlib.sha256(f"{tables_digest}\0{_code_digest()}".encode()).hexdigest()


def read(folder: Path, key: str) -> dict[str, pl.DataFrame] | None:
    """Return the tables kept under `key`, or None when there is no entry or it does not read back exactly."""
    entry = folder / f"catalog-{key}"
    try:
        manifest = json.loads((entry / _MANIFEST).read_text(encoding="utf8"))
        if manifest.get("key") != key or sorted(manifest["files"]) != sorted(CATALOG_TABLES):
            return None
        frames = {}
        for name, expected in manifest["files"].items():
            data = (entry / f"{name}.arrow").read_bytes()
            if hashlib.sha256(data).hexdigest() != expected:
                return None
            frames[name] = pl.read_ipc(data)
        os.utime(entry / _MANIFEST)  # recently used: pruned last
        return frames
    except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError):
        return None


def write(folder: Path, key: str, frames: dict[str, pl.DataFrame]) -> None:
    """Keep the tables of a checked catalog under `key`; a folder that cannot be written is left alone."""
    entry = folder / f"catalog-{key}"
    if entry.is_dir():
        return
    tmp: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".catalog-", dir=folder))
        files = {}
        for name in CATALOG_TABLES:
            path = tmp / f"{name}.arrow"
            frames[name].write_ipc(path)
            files[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        (tmp / _MANIFEST).write_text(json.dumps({"key": key, "files": files}), encoding="utf8")
        os.rename(tmp, entry)  # fails if another process kept the same entry meanwhile: theirs stays
        tmp = None
        _prune(folder)
    except OSError:
        pass
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _prune(folder: Path) -> None:
    """Remove the least recently used entries beyond `KEPT`."""
    def used(entry: Path) -> float:
        try:
            return (entry / _MANIFEST).stat().st_mtime
        except OSError:
            return 0.0

    entries = sorted(folder.glob("catalog-*"), key=used, reverse=True)
    stale = time.time() - 3600  # a temporary untouched for an hour belongs to a writer that was killed
    left = [tmp for tmp in folder.glob(".catalog-*") if tmp.stat().st_mtime < stale]
    for entry in entries[KEPT:] + left:
        shutil.rmtree(entry, ignore_errors=True)
