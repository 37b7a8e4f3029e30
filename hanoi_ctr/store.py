"""The archive: received files kept unchanged, and what became of them, in Parquet.

Layout under the archive directory:

    files/<aa>/<sha256><suffix>   every received file, unchanged, content-addressed
    batches/<id>/ledger.parquet   one row per file received in that ingest run
    batches/<id>/values.parquet   indicator values accepted, with provenance
    batches/<id>/tasks.parquet    task progress accepted, with provenance
    batches/<id>/issues.parquet   every issue found in that run

An ingest run writes its batch into a hidden temporary folder and renames
it into place, so a crash leaves the store exactly as it was: a batch is
either all there or not there. History is never rewritten; the values in
force are derived with `revisions.current`.

Allowed imports: the standard library, polars, `atomic`, `revisions`, `schemas`.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from hanoi_ctr.atomic import atomic_path
from hanoi_ctr.revisions import INDICATOR_KEY, TASK_KEY, current
from hanoi_ctr.schemas import empty_frame

_PARTS = {"ledger": "ledger", "values": "indicator_values", "tasks": "task_progress", "issues": "issues"}


class Store:
    """A content-addressed archive of submissions with an append-only batch log."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.files = self.root / "files"
        self.batches = self.root / "batches"

    def _batch_dirs(self) -> list[Path]:
        if not self.batches.is_dir():
            return []
        return sorted(p for p in self.batches.iterdir() if p.is_dir() and not p.name.startswith("."))

    def _read(self, part: str) -> pl.DataFrame:
        paths = [d / f"{part}.parquet" for d in self._batch_dirs() if (d / f"{part}.parquet").is_file()]
        if not paths:
            return empty_frame(_PARTS[part])
        return pl.read_parquet(paths)

    def ledger(self) -> pl.DataFrame:
        """Return every ledger row, oldest first."""
        return self._read("ledger")

    def known_files(self) -> set[str]:
        """Return the SHA-256 of every file already received."""
        return set(self.ledger()["sha256"].to_list())

    def history(self) -> pl.DataFrame:
        """Return every indicator value ever accepted, revisions included."""
        return self._read("values")

    def values(self, as_of: datetime | None = None) -> pl.DataFrame:
        """Return the indicator values in force (as known at `as_of`, default now)."""
        return current(self.history(), INDICATOR_KEY, as_of)

    def task_progress(self, as_of: datetime | None = None) -> pl.DataFrame:
        """Return the task progress in force (as known at `as_of`, default now)."""
        return current(self._read("tasks"), TASK_KEY, as_of)

    def issues(self) -> pl.DataFrame:
        """Return every issue recorded by every ingest run."""
        return self._read("issues")

    def archive_file(self, path: Path, sha256: str) -> Path:
        """Keep a received file unchanged under its SHA-256; return where it is."""
        target = self.files / sha256[:2] / f"{sha256}{path.suffix.lower()}"
        if not target.exists():
            with atomic_path(target) as tmp:
                shutil.copyfile(path, tmp)
        return target

    def commit(self, frames: dict[str, pl.DataFrame], received_at: datetime) -> Path:
        """Write one batch (ledger, values, tasks, issues) atomically; return its folder."""
        stamp = received_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        final = self.batches / f"{stamp}-{uuid.uuid4().hex[:8]}"
        tmp = self.batches / f".tmp-{final.name}"
        tmp.mkdir(parents=True)
        try:
            for part, table in _PARTS.items():
                frame = frames.get(part, empty_frame(table))
                frame.select(empty_frame(table).columns).write_parquet(tmp / f"{part}.parquet")
            os.rename(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
        return final
