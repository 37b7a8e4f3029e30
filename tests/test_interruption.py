"""Interrupted runs: a `kill -9` while ingesting or writing a rollup leaves the archive and the outputs
as they were before or as they are after, never in between, and the next run removes what it left."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from conftest import ROOT

from hanoi_ctr import pipeline
from hanoi_ctr.atomic import STALE_AFTER, temporaries
from hanoi_ctr.intake.ingest import ingest, list_submissions
from hanoi_ctr.intake.store import Store
from hanoi_ctr.settings import Settings

HISTORY = ROOT / "fixtures" / "submissions" / "history" / "2024"
QUARTER = ROOT / "fixtures" / "submissions" / "2024-Q4"
PERIOD = "2024-Q4"
#: Kills per scenario, at moments drawn from this seed (printed on failure).
KILLS, SEED = 3, 20241

# Each script prints `start` when the step that may be interrupted begins and `end` when it is done.
INGEST = """
import sys
from pathlib import Path
from hanoi_ctr import ingest, list_submissions, load_catalog
from hanoi_ctr.intake.store import Store
from hanoi_ctr.settings import Settings

commit = Store.commit
def announced(self, *args, **kwargs):
    print("start", flush=True)
    folder = commit(self, *args, **kwargs)
    print("end", flush=True)
    return folder
Store.commit = announced
ingest(list_submissions(sys.argv[1]), load_catalog(), Settings(archive_dir=Path(sys.argv[2])))
"""

WRITE = """
import sys
from pathlib import Path
from hanoi_ctr import load_catalog, pipeline
from hanoi_ctr.settings import Settings

settings = Settings(archive_dir=Path(sys.argv[1]), output_dir=Path(sys.argv[2]))
catalog = load_catalog()
results = pipeline.compute(catalog, settings, sys.argv[3])
print("start", flush=True)
pipeline.write_outputs(results, catalog, settings)
print("end", flush=True)
"""


def _run(script: str, *args: object, kill_after: float | None = None) -> float:
    """Run a script; kill it (SIGKILL) `kill_after` seconds after it says `start`; return start → end."""
    proc = subprocess.Popen([sys.executable, "-c", script, *map(str, args)], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "start"
    started = time.monotonic()
    if kill_after is not None:
        time.sleep(kill_after)
        proc.kill()
        proc.wait()
        return kill_after
    assert proc.stdout.readline().strip() == "end"
    assert proc.wait() == 0
    return time.monotonic() - started


def _values(archive: Path) -> pl.DataFrame:
    """Return the archive's values without their receipt times (which differ between runs), sorted."""
    frame = Store(archive).history().drop("received_at")
    return frame.sort(frame.columns, nulls_last=True)


def _batches_whole(archive: Path) -> None:
    """Assert that every committed batch has all its parts and every file its ledger lists."""
    store = Store(archive)
    for name in store.batch_names():
        folder = store.batches / name
        assert {p.name for p in folder.glob("*.parquet")} == {f"{part}.parquet" for part in
                                                               ("ledger", "values", "tasks", "issues")}
        ledger = pl.read_parquet(folder / "ledger.parquet")
        assert {p.name.split(".")[0] for p in (folder / "files").iterdir()} == set(ledger["sha256"])


@pytest.fixture(scope="module")
def archives(tmp_path_factory, catalog) -> dict[str, Path]:
    """An archive holding the 2024 history (before), and one where 2024-Q4 was ingested on top (after)."""
    root = tmp_path_factory.mktemp("interrupted")
    before, after = root / "before", root / "after"
    ingest(list_submissions(HISTORY), catalog, Settings(archive_dir=before))
    shutil.copytree(before, after)
    ingest(list_submissions(QUARTER), catalog, Settings(archive_dir=after))
    return {"before": before, "after": after}


def test_a_killed_ingest_leaves_the_archive_before_or_after(tmp_path, catalog, archives):
    calibration = tmp_path / "calibration"
    shutil.copytree(archives["before"], calibration)
    window = _run(INGEST, QUARTER, calibration)
    states = {"before": _values(archives["before"]), "after": _values(archives["after"])}
    rng = random.Random(SEED)
    for trial in range(KILLS):
        archive = tmp_path / f"killed-{trial}"
        shutil.copytree(archives["before"], archive)
        delay = rng.uniform(0, window)
        _run(INGEST, QUARTER, archive, kill_after=delay)
        where = f"killed {delay:.3f} s into a {window:.3f} s commit (seed {SEED})"
        _batches_whole(archive)
        values = _values(archive)
        assert values.equals(states["before"]) or values.equals(states["after"]), where
        ingest(list_submissions(QUARTER), catalog, Settings(archive_dir=archive))  # the next run
        assert list(Store(archive).batches.glob(".*")) == [], where
        assert _values(archive).equals(states["after"]), where


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_a_killed_rollup_write_leaves_each_output_before_or_after(tmp_path, catalog, archives):
    before_out, after_out = tmp_path / "before-out", tmp_path / "after-out"
    settings = Settings(archive_dir=archives["before"], output_dir=before_out)
    pipeline.write_outputs(pipeline.compute(catalog, settings, PERIOD), catalog, settings)
    window = _run(WRITE, archives["after"], after_out, PERIOD)
    before, after = _outputs(before_out), _outputs(after_out)
    assert set(before) == set(after) and all(before[n] != after[n] for n in before)
    rng = random.Random(SEED)
    for trial in range(KILLS):
        out = tmp_path / f"killed-{trial}"
        shutil.copytree(before_out, out)
        delay = rng.uniform(0, window)
        _run(WRITE, archives["after"], out, PERIOD, kill_after=delay)
        where = f"killed {delay:.3f} s into a {window:.3f} s write (seed {SEED})"
        for name, content in _outputs(out).items():
            if name in before:
                assert content in (before[name], after[name]), (name, where)
        _run(WRITE, archives["after"], out, PERIOD)  # the next run
        assert _outputs(out) == after and not [p for p in out.iterdir() if p.name.endswith(".tmp")], where


def test_the_next_ingest_removes_what_an_interrupted_commit_left(tmp_path, catalog, archives):
    archive = tmp_path / "archive"
    shutil.copytree(archives["before"], archive)
    left = Store(archive).batches / ".tmp-20241006T000000000000Z-0123abcd"
    (left / "files").mkdir(parents=True)
    (left / "ledger.parquet").write_bytes(b"PAR1")  # half written
    before = Store(archive).ledger().height
    batch = ingest(list_submissions(HISTORY), catalog, Settings(archive_dir=archive))  # nothing new
    assert (batch.ledger["outcome"] == "duplicate").all() and not left.exists()
    assert Store(archive).ledger().height == before
    assert _values(archive).equals(_values(archives["before"]))


def test_the_next_rollup_removes_its_own_temporaries_and_others_only_when_stale(tmp_path, catalog, archives):
    out = tmp_path / "out"
    settings = Settings(archive_dir=archives["before"], output_dir=out)
    out.mkdir()
    own = out / f".rollup-{PERIOD}.xlsx.k2j4h1.xlsx.tmp"  # this period's: written only under its lock
    fresh = out / ".missing-2024-Q4.csv.a1b2c3.csv.tmp"  # a reminder being written, under no lock
    stale = out / ".rollup-2024-Q3.xlsx.z9y8x7.xlsx.tmp"  # another period's, left long ago
    for path in (own, fresh, stale):
        path.write_bytes(b"half")
    old = (datetime.now(timezone.utc) - STALE_AFTER - timedelta(minutes=1)).timestamp()
    os.utime(stale, (old, old))
    pipeline.write_outputs(pipeline.compute(catalog, settings, PERIOD), catalog, settings)
    assert not own.exists() and not stale.exists() and fresh.exists()
    assert temporaries(out / "missing-2024-Q4.csv") == [fresh]
