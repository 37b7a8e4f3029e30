"""An unchanged re-run keeps the outputs it would write again, and says so; any changed input rolls up again."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import ROOT

from hanoi_ctr import pipeline
from hanoi_ctr.catalog import bundled_catalog_dir, load_catalog
from hanoi_ctr.cli import main
from hanoi_ctr.settings import Settings

SUBMISSIONS = ROOT / "tests" / "data" / "submissions"
PERIOD = "2024-Q3"
FIRST = datetime(2024, 10, 3, 2, 0, tzinfo=timezone.utc)


@pytest.fixture()
def settings(catalog, tmp_path) -> Settings:
    """An archive holding one clean ward file, and its rollup written once."""
    settings = Settings(archive_dir=tmp_path / "archive", output_dir=tmp_path / "out", inbox_dir=tmp_path / "inbox")
    settings.inbox.mkdir()
    shutil.copy(SUBMISSIONS / "submission-clean.csv", settings.inbox / "2024-Q3_00277.csv")
    pipeline.ingest_files(pipeline.inbox_files(settings), catalog, settings, now=FIRST)
    pipeline.write_outputs(pipeline.compute(catalog, settings, PERIOD), catalog, settings)
    return settings


def _written(settings: Settings) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(settings.output.iterdir()) if p.is_file()}


def test_the_outputs_record_what_they_were_made_from_and_are_kept(catalog, settings):
    before = _written(settings)
    assert "made-from-2024-Q3.json" in before
    kept = pipeline.unchanged(catalog, settings, PERIOD)
    assert kept is not None and kept.kept
    assert kept.workbook == settings.output / "rollup-2024-Q3.xlsx" and set(kept.tables) == {
        "results", "values", "trend", "completeness", "tasks", "issues"}
    written = pipeline.write_outputs(pipeline.compute(catalog, settings, PERIOD), catalog, settings)
    assert (kept.status_counts, kept.issue_counts) == (written.status_counts, written.issue_counts)
    assert not written.kept
    assert {n: b for n, (b, _) in _written(settings).items()} == {n: b for n, (b, _) in before.items()}


def _catalog_with_another_name(tmp_path: Path):
    other = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), other, ignore=shutil.ignore_patterns("submissions"))
    terms = other / "terms.csv"
    terms.write_text(terms.read_text(encoding="utf8").replace("Hanoi Party Committee, 17th term",
                                                              "Hanoi Party Committee, XVII"), encoding="utf8")
    return load_catalog(other)


@pytest.mark.parametrize("change", ["new file", "catalog", "settings", "language", "as-of", "wards",
                                    "output edited", "output removed", "record removed"])
def test_a_changed_input_or_output_rolls_up_again(catalog, settings, tmp_path, change):
    kwargs: dict = {}
    used = catalog
    if change == "new file":
        shutil.copy(SUBMISSIONS / "submission-type-error.csv", settings.inbox / "2024-Q3_00277_v2.csv")
        pipeline.ingest_files(pipeline.inbox_files(settings), catalog, settings)
    elif change == "catalog":
        used = _catalog_with_another_name(tmp_path)
        assert used.version != catalog.version
    elif change == "settings":
        settings = settings.replace(on_track=0.95)
    elif change == "language":
        kwargs["lang"] = "en"
    elif change == "as-of":
        kwargs["as_of"] = pipeline.parse_as_of("2024-10-05")
    elif change == "wards":
        kwargs["include_wards"] = True
    elif change == "output edited":
        (settings.output / "trend-2024-Q3.parquet").write_bytes(b"PAR1 edited")
    elif change == "output removed":
        (settings.output / "rollup-2024-Q3.xlsx").unlink()
    else:
        (settings.output / "made-from-2024-Q3.json").unlink()
    assert pipeline.unchanged(used, settings, PERIOD, **kwargs) is None


def test_a_rollup_of_other_values_than_the_archive_records_nothing(catalog, settings):
    results = pipeline.compute(catalog, settings, PERIOD)
    pipeline.write_outputs(type(results)(**{**results.__dict__, "inputs": ()}), catalog, settings)
    assert not (settings.output / "made-from-2024-Q3.json").exists()
    assert pipeline.unchanged(catalog, settings, PERIOD) is None


def test_the_command_line_says_it_kept_the_outputs(settings, capsys):
    args = ["rollup", "--period", PERIOD, "--archive", str(settings.archive), "--out", str(settings.output)]
    assert main(args) == 0
    capsys.readouterr()
    before = _written(settings)
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(settings.output / "rollup-2024-Q3.xlsx")
    assert "unchanged" in err and "kept" in err
    assert _written(settings) == before  # not even rewritten
    assert main([*args, "--lang", "en"]) == 0
    assert "unchanged" not in capsys.readouterr().err
    assert os.path.getmtime(settings.output / "rollup-2024-Q3.xlsx") * 1e9 != before["rollup-2024-Q3.xlsx"][1]


def test_the_flow_keeps_unchanged_outputs_and_rolls_up_after_a_new_file(prefect_harness, monkeypatch, settings,
                                                                         catalog):
    from flows.pipelines import quarterly_rollup

    for name, value in (("INBOX_DIR", settings.inbox), ("ARCHIVE_DIR", settings.archive),
                        ("OUTPUT_DIR", settings.output)):
        monkeypatch.setenv(f"HANOI_CTR_{name}", str(value))
    workbook = quarterly_rollup(period=PERIOD)  # the flow's own settings: written once more
    before = _written(settings)
    assert quarterly_rollup(period=PERIOD) == workbook
    assert _written(settings) == before
    shutil.copy(SUBMISSIONS / "submission-type-error.csv", settings.inbox / "2024-Q3_00277_v2.csv")
    quarterly_rollup(period=PERIOD)
    assert _written(settings)["issues-2024-Q3.parquet"][0] != before["issues-2024-Q3.parquet"][0]
