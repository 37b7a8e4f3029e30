"""The archive: received files kept unchanged, and what became of them, in Parquet.

Layout under the archive directory:

    batches/<id>/files/<sha256><suffix>   every file received in that run, unchanged
    batches/<id>/ledger.parquet   one row per file received in that run
    batches/<id>/values.parquet   indicator values accepted, with provenance
    batches/<id>/tasks.parquet    task progress accepted, with provenance
    batches/<id>/issues.parquet   every issue found in that run
    batches/<id>/held.parquet     indicator values held because their period was locked (`period_locks`),
    batches/<id>/held_tasks.parquet   and task progress held likewise (each only when it holds rows)
    audit.jsonl, audit.head       the hash-chained log of review decisions and lock exceptions (`audit`)

An ingest run writes its batch into a hidden temporary folder and renames
it into place, so a crash leaves the store exactly as it was: a batch is
either all there or not there; the hidden folder of a run killed while
committing is removed by the next run (`remove_temporaries`). Batches are
committed under the archive's lock and received then (`next_receipt`), each
after the last: a batch's name starts with its receipt time, so name order
is commit order. A file
is received once (a second copy is a duplicate and changes nothing), so
each file is kept exactly once. History is never rewritten; the values in
force are derived with `revisions.current`. Held rows join the history
when a lock exception in the audit log applies them, as received then;
the ledger then lists their file again, as accepted at that moment.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl

from hanoi_ctr.declare.schemas import empty_frame
from hanoi_ctr.errors import writing
from hanoi_ctr.intake.audit import AuditLog
from hanoi_ctr.intake.period_locks import applied, exceptions
from hanoi_ctr.intake.revisions import INDICATOR_KEY, TASK_KEY, current

_PARTS = {"ledger": "ledger", "values": "indicator_values", "tasks": "task_progress", "issues": "issues",
          "held": "indicator_values", "held_tasks": "task_progress"}
#: Parts a batch has only when they hold rows (most batches hold nothing back).
_ONLY_WITH_ROWS = {"held", "held_tasks"}


@dataclass(frozen=True)
class Receipt:
    """The first receipt of a file's content: what a later copy of it duplicates."""

    file_name: str
    received_at: datetime | None = None
    unit_code: str | None = None
    period: str | None = None


class Store:
    """A content-addressed archive of submissions with an append-only batch log."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.batches = self.root / "batches"
        self.lock_path = self.root / ".lock"
        self.audit = AuditLog(self.root)

    def _batch_dirs(self) -> list[Path]:
        if not self.batches.is_dir():
            return []
        return sorted(p for p in self.batches.iterdir() if p.is_dir() and not p.name.startswith("."))

    def changed_at(self) -> float | None:
        """Return when a batch was last committed or cleared away (the batches folder's modification time,
        in seconds since the epoch); None before the first."""
        try:
            return self.batches.stat().st_mtime
        except OSError:
            return None

    def batch_names(self) -> list[str]:
        """Return the names of the committed batches (a change means another run committed)."""
        return [d.name for d in self._batch_dirs()]

    def _read(self, part: str) -> pl.DataFrame:
        paths = [d / f"{part}.parquet" for d in self._batch_dirs() if (d / f"{part}.parquet").is_file()]
        if not paths:
            return empty_frame(_PARTS[part])
        # A batch written before a column was declared (values' `category`) reads it as null.
        declared = empty_frame(_PARTS[part])
        frames = [pl.read_parquet(p) for p in paths]
        return pl.concat([declared, *frames], how="diagonal_relaxed").select(declared.columns)

    def received(self) -> pl.DataFrame:
        """Return the ledger as the batches wrote it: one row per file received, oldest first."""
        return self._read("ledger")

    def ledger(self) -> pl.DataFrame:
        """Return every ledger row, oldest first, and a held file again where a lock exception applied it.

        The second row of a held file is received when its exception was recorded, with the outcome
        (`accepted`, `partial`) the file would have had then.
        """
        ledger = self._read("ledger")
        held = ledger.filter(pl.col("outcome") == "held")
        if held.is_empty():
            return ledger
        shas = pl.concat([f.select("sha256", "received_at") for f in self._applied()])
        when = shas.group_by("sha256").agg(pl.col("received_at").min().alias("_applied"))
        released = held.join(when, on="sha256").with_columns(
            received_at=pl.col("_applied"),
            outcome=pl.when(pl.col("rows_rejected") > 0).then(pl.lit("partial"))
            .otherwise(pl.lit("accepted")))
        return pl.concat([ledger, released.select(ledger.columns)]).sort("received_at", maintain_order=True)

    def _applied(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Return the held values and task rows that lock exceptions have applied, as received then."""
        excepted = exceptions(self.audit.entries())
        return (applied(self._read("held"), excepted, INDICATOR_KEY),
                applied(self._read("held_tasks"), excepted, TASK_KEY))

    def held(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Return every value and task row ever held by a period lock (applied since or not), as received."""
        return self._read("held"), self._read("held_tasks")

    def known_files(self) -> set[str]:
        """Return the SHA-256 of every file already received."""
        return set(self.ledger()["sha256"].to_list())

    def receipts(self) -> dict[str, Receipt]:
        """Return, per SHA-256 received, the first file that brought it: name, receipt, unit and period."""
        ledger = self.ledger().filter(pl.col("outcome") != "duplicate").sort("received_at")
        return {r["sha256"]: Receipt(r["file_name"], r["received_at"], r["unit_code"], r["period"])
                for r in ledger.unique("sha256", keep="first", maintain_order=True).iter_rows(named=True)}

    def history(self) -> pl.DataFrame:
        """Return every indicator value ever accepted, revisions and held values applied since included."""
        return pl.concat([self._read("values"), self._applied()[0]])

    def values(self, as_of: datetime | None = None) -> pl.DataFrame:
        """Return the indicator values in force (as known at `as_of`, default now)."""
        return current(self.history(), INDICATOR_KEY, as_of)

    def task_history(self) -> pl.DataFrame:
        """Return every task progress row ever accepted, revisions and held rows applied since included."""
        return pl.concat([self._read("tasks"), self._applied()[1]])

    def task_progress(self, as_of: datetime | None = None) -> pl.DataFrame:
        """Return the task progress in force (as known at `as_of`, default now)."""
        return current(self.task_history(), TASK_KEY, as_of)

    def issues(self) -> pl.DataFrame:
        """Return every issue recorded by every ingest run."""
        return self._read("issues")

    def remove_temporaries(self) -> list[Path]:
        """Remove the folders that interrupted commits left; call it holding the archive's lock.

        Only a run holding the lock writes one, so under the lock every one found is stale.
        """
        left = sorted(self.batches.glob(".tmp-*")) if self.batches.is_dir() else []
        for folder in left:
            shutil.rmtree(folder, ignore_errors=True)
        return left

    def next_receipt(self, now: datetime) -> datetime:
        """Return the receipt time of a batch committed now: `now`, but after every file already received
        and every decision already recorded.

        Call it under the archive's lock: receipt times then follow the order of commits and decisions,
        whatever the clocks of the machines that commit.
        """
        last = [t for t in (self.last_receipt(), self.audit.last_at()) if t is not None]
        return max(now, max(last) + timedelta(microseconds=1)) if last else now

    def last_receipt(self) -> datetime | None:
        """Return when the last committed batch was received (None: nothing yet)."""
        dirs = self._batch_dirs()
        if not dirs:
            return None
        return pl.read_parquet(dirs[-1] / "ledger.parquet", columns=["received_at"])["received_at"].max()

    def file_path(self, sha256: str) -> Path | None:
        """Return where a received file is kept, or None if it was never received."""
        found = sorted(self.batches.glob(f"[!.]*/files/{sha256}*")) if self.batches.is_dir() else []
        return found[0] if found else None

    def commit(self, frames: dict[str, pl.DataFrame], files: dict[str, Path], received_at: datetime) -> Path:
        """Write one batch (received files, ledger, values, tasks, issues) atomically; return its folder.

        `files` maps each new file's SHA-256 to where it is now; it is copied
        unchanged to `files/<sha256><suffix>` inside the batch.
        """
        stamp = received_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        final = self.batches / f"{stamp}-{uuid.uuid4().hex[:8]}"
        tmp = self.batches / f".tmp-{final.name}"
        with writing(f"the archive {self.root}", "--archive, HANOI_CTR_ARCHIVE_DIR"):
            try:
                (tmp / "files").mkdir(parents=True)
                for sha256, source in files.items():
                    shutil.copyfile(source, tmp / "files" / f"{sha256}{source.suffix.lower()}")
                for part, table in _PARTS.items():
                    frame = frames.get(part, empty_frame(table))
                    if part in _ONLY_WITH_ROWS and frame.is_empty():
                        continue
                    frame.select(empty_frame(table).columns).write_parquet(tmp / f"{part}.parquet")
                _fsync_tree(tmp)
                os.rename(tmp, final)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        return final


def _fsync_tree(folder: Path) -> None:
    """Flush every file of a folder to disk before the rename publishes it."""
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
