"""The files a rollup writes: every table as Parquet beside the workbook, the same bytes for the same inputs,
readable by the user's group, and a past rollup reproduced with --as-of."""

from __future__ import annotations

import os
import shutil
import stat
import warnings
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import ROOT

from hanoi_ctr import pipeline
from hanoi_ctr.cli import main
from hanoi_ctr.declare.schemas import pandera_schema
from hanoi_ctr.settings import Settings

SUBMISSIONS = ROOT / "tests" / "data" / "submissions"
FIRST = datetime(2024, 10, 3, 2, 0, tzinfo=timezone.utc)
SECOND = datetime(2024, 10, 9, 2, 0, tzinfo=timezone.utc)


def _settings(tmp_path: Path, out: str = "out") -> Settings:
    return Settings(archive_dir=tmp_path / "archive", output_dir=tmp_path / out, inbox_dir=tmp_path / "inbox")


@pytest.fixture()
def archive(catalog, tmp_path) -> Settings:
    """An archive holding one clean file received on 3 October 2024 and a revision received on 9 October."""
    settings = _settings(tmp_path)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    shutil.copy(SUBMISSIONS / "submission-clean.csv", first / "2024-Q3_00277.csv")
    shutil.copy(SUBMISSIONS / "submission-type-error.csv", second / "2024-Q3_00277_v2.csv")
    pipeline.ingest_files(sorted(first.iterdir()), catalog, settings, now=FIRST)
    pipeline.ingest_files(sorted(second.iterdir()), catalog, settings, now=SECOND)
    return settings


def test_every_table_is_written_as_parquet_matching_its_schema(catalog, archive):
    results = pipeline.compute(catalog, archive, "2024-Q3")
    outputs = pipeline.write_outputs(results, catalog, archive, generated_on=date(2024, 10, 10))
    assert set(outputs.tables) == {"results", "values", "trend", "completeness", "tasks", "issues"}
    tables = {"results": "results", "values": "source_values", "trend": "trend", "completeness": "completeness",
              "tasks": "task_status", "issues": "issues"}
    for name, path in outputs.tables.items():
        assert path == archive.output / f"{name}-2024-Q3.parquet"
        frame = pl.read_parquet(path)
        pandera_schema(tables[name]).validate(frame)
    values = pl.read_parquet(outputs.tables["values"])
    ward = values.filter(pl.col("unit_code") == "00277", pl.col("indicator_code") == "01.07")
    assert ward.select("numerator", "denominator", "file_name").row(0) == (45.0, 50.0, "2024-Q3_00277.csv")
    # Results are rounded as shown, each value to its indicator's decimals.
    shown = pl.read_parquet(outputs.tables["results"]).join(catalog.indicators.select("indicator_code", "decimals"),
                                                            on="indicator_code").drop_nulls("value")
    assert shown.height and all(round(v, d) == v for v, d in shown.select("value", "decimals").iter_rows())


def test_the_same_inputs_give_the_same_bytes(catalog, archive, tmp_path):
    written = []
    for out in ("one", "two"):
        settings = archive.replace(output_dir=tmp_path / out)
        results = pipeline.compute(catalog, settings, "2024-Q3")
        outputs = pipeline.write_outputs(results, catalog, settings, generated_on=date(2024, 10, 10))
        written.append({p.name: p.read_bytes() for p in (outputs.workbook, *outputs.tables.values())})
    assert written[0].keys() == written[1].keys() and len(written[0]) == 7
    assert [n for n in written[0] if written[0][n] != written[1][n]] == []


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_outputs_are_created_with_the_process_umask(catalog, archive, umask, mode):
    previous = os.umask(umask)
    try:
        results = pipeline.compute(catalog, archive, "2024-Q3")
        outputs = pipeline.write_outputs(results, catalog, archive, generated_on=date(2024, 10, 10))
        reminder = pipeline.write_reminder(pipeline.missing_submissions(catalog, archive, "2024-Q3"), archive,
                                           "2024-Q3")
        templates = pipeline.issue_templates(catalog, archive, "2024-Q3")[:2]
    finally:
        os.umask(previous)
    for path in (outputs.workbook, *outputs.tables.values(), reminder, *templates):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path.name


def _files_sheet(path: Path) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ws = openpyxl.load_workbook(path)["Files received"]
    return [ws.cell(r, 1).value for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value]


def test_as_of_reproduces_the_rollup_known_then(catalog, archive, tmp_path, capsys):
    before = archive.replace(output_dir=tmp_path / "before")
    code = main(["rollup", "--period", "2024-Q3", "--archive", str(archive.archive), "--out", str(before.output),
                 "--lang", "en", "--as-of", "2024-10-05"])
    assert code == 0
    past = pipeline.compute(catalog, archive, "2024-Q3", pipeline.parse_as_of("2024-10-05"))
    assert past.as_of == datetime(2024, 10, 5, 16, 59, 59, 999999, tzinfo=timezone.utc)
    now = pipeline.compute(catalog, archive, "2024-Q3")
    assert now.as_of == SECOND
    ward = (pl.col("unit_code") == "00277") & (pl.col("indicator_code") == "01.07")
    assert past.results.filter(ward)["value"].item() == 90.0
    assert _files_sheet(before.output / "rollup-2024-Q3.xlsx") == ["2024-Q3_00277.csv"]
    issues = pl.read_parquet(before.output / "issues-2024-Q3.parquet")
    assert "type-error" not in issues["code"].to_list()  # the revision had not arrived
    after = tmp_path / "after"
    assert main(["rollup", "--period", "2024-Q3", "--archive", str(archive.archive), "--out", str(after),
                 "--lang", "en"]) == 0
    assert _files_sheet(after / "rollup-2024-Q3.xlsx") == ["2024-Q3_00277.csv", "2024-Q3_00277_v2.csv"]
    capsys.readouterr()


def test_a_bad_as_of_is_a_usage_error(archive, capsys):
    assert main(["rollup", "--period", "2024-Q3", "--archive", str(archive.archive), "--as-of", "5/10/2024"]) == 2
    assert "--as-of" in capsys.readouterr().err
