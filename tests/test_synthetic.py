"""Synthetic submissions: deterministic, plausible, and read back by ingestion exactly as generated."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from hanoi_ctr.intake.ingest import list_submissions, validate
from hanoi_ctr.synthetic.files import BAD_CODES, write_submissions
from hanoi_ctr.synthetic.values import Mix, generate


@pytest.fixture(scope="module")
def catalog(xvii):
    """These tests are about term XVII: the catalog as it sees it."""
    return xvii

# A district, a rural district with its own targets, a ward, and agencies that report and lead tasks.
UNITS = ["003", "279", "00277", "SO-LDTBXH", "SO-KHDT", "TU-BTC", "SO-KHCN"]
QUARTERS = ["2024-Q3", "2024-Q4"]
ALL_QUARTERS = [f"{y}-Q{q}" for y in range(2021, 2026) for q in range(1, 5)]
VALUE_COLUMNS = ["sha256", "sheet", "row", "unit_code", "period", "indicator_code", "value", "numerator",
                 "denominator", "no_data_marker", "note", "submitted_at", "reported_by"]
TASK_COLUMNS = ["sha256", "sheet", "row", "unit_code", "period", "task_code", "status", "completed_on",
                "note", "submitted_at", "reported_by"]
LABEL = ["file", "row", "column", "code"]
# Revisions, markers and late files in every small sample, so each test sees them.
BUSY = Mix(late=0.3, missing=0.1, revised=0.3, no_data=0.1)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _labels(frame: pl.DataFrame) -> Counter:
    return Counter(frame.select(LABEL).iter_rows())


def _check_read_back(catalog, written, out: Path) -> None:
    """Validating the files raises exactly the labelled issues and accepts exactly the truth."""
    batch = validate(list_submissions(out), catalog)
    # A drawn share at most 1 where ~17 is planned is questioned as a 0-1 fraction, rightly, and kept
    # (the values below are the truth): a warning the generator does not label.
    questioned = batch.issues.filter(pl.col("code") == "scale-mismatch")
    assert (questioned["value"].cast(pl.Float64) <= 1).all() and (questioned["severity"] == "warning").all()
    assert _labels(batch.issues.filter(pl.col("code") != "scale-mismatch")) == _labels(written.expected)
    assert batch.values.select(VALUE_COLUMNS).sort("sha256", "row").equals(
        written.values.select(VALUE_COLUMNS).sort("sha256", "row"))
    assert batch.tasks.select(TASK_COLUMNS).sort("sha256", "row").equals(
        written.tasks.select(TASK_COLUMNS).sort("sha256", "row"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "template"])
def test_the_same_seed_gives_the_same_bytes(catalog, tmp_path, fmt):
    for run in ("a", "b"):
        synthetic = generate(catalog, QUARTERS, UNITS, seed=7, mix=BUSY)
        write_submissions(synthetic, catalog, tmp_path / run, format=fmt, messy=0.3, bad=0.1)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert len(_files(tmp_path / "a")) > len(UNITS)


def test_another_seed_gives_other_values(catalog):
    a, b = (generate(catalog, QUARTERS, UNITS, seed=s).cells for s in (1, 2))
    joined = a.join(b, on=["unit_code", "period", "version", "indicator_code"])
    assert joined.height > 20
    assert (joined["value"] != joined["value_right"]).mean() > 0.5


def test_a_units_values_do_not_depend_on_the_other_units_asked_for(catalog):
    alone = generate(catalog, QUARTERS, ["003"], seed=3).values
    among = generate(catalog, QUARTERS, UNITS, seed=3).values.filter(pl.col("unit_code") == "003")
    assert alone.equals(among)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "template"])
def test_messy_files_read_back_as_the_truth(catalog, tmp_path, fmt):
    synthetic = generate(catalog, QUARTERS, UNITS, seed=11, mix=BUSY)
    written = write_submissions(synthetic, catalog, tmp_path, format=fmt, messy=0.5)
    assert written.messy.height > 10
    assert set(written.expected["code"]) <= {"late-submission"}
    _check_read_back(catalog, written, tmp_path)
    # Everything generated and sent arrives: the truth is the generator's, file by file.
    truth = synthetic.cells.join(synthetic.submissions, on=["unit_code", "period", "version"])
    assert written.values.filter(pl.col("category").is_null()).height == truth.height  # and their categories


@settings(max_examples=5)
@given(seed=st.integers(0, 2**31))
def test_every_bad_row_raises_exactly_its_code_at_its_row(catalog, tmp_path_factory, seed):
    out = tmp_path_factory.mktemp("bad")
    synthetic = generate(catalog, ["2024-Q4"], UNITS, seed=seed, mix=BUSY)
    written = write_submissions(synthetic, catalog, out, format="csv", messy=0.2, bad=0.25)
    _check_read_back(catalog, written, out)


def test_bad_rows_cover_every_code_and_templates_carry_value_problems(catalog, tmp_path):
    more = ["001", "00004", "00007", "00013", "SO-XD", "UBND-BCSD"]
    synthetic = generate(catalog, QUARTERS, UNITS + more, seed=5)
    long = write_submissions(synthetic, catalog, tmp_path / "csv", format="csv", bad=0.5)
    assert set(long.expected["code"]) >= set(BAD_CODES)
    templates = write_submissions(synthetic, catalog, tmp_path / "xlsx", format="template", bad=0.5)
    assert {"type-error", "out-of-range", "numerator-exceeds-denominator"} <= set(templates.expected["code"])
    assert not {"unknown-unit", "duplicate-row"} & set(templates.expected["code"])
    _check_read_back(catalog, templates, tmp_path / "xlsx")


def test_missing_submissions_have_no_file_and_late_ones_are_flagged(catalog, tmp_path):
    synthetic = generate(catalog, QUARTERS, UNITS + ["001", "002", "00004", "00007"], seed=2,
                         mix=Mix(late=0.4, missing=0.25))
    written = write_submissions(synthetic, catalog, tmp_path, format="csv")
    sent = set(written.files.select("unit_code", "period").iter_rows())
    assert synthetic.missing.height > 0
    assert not sent & set(synthetic.missing.iter_rows())
    assert sent == set(synthetic.submissions.select("unit_code", "period").iter_rows())
    late_files = set(written.files.filter("late")["file"])
    on_time_files = set(written.files.filter(~pl.col("late"))["file"])
    assert late_files and on_time_files
    flagged = set(validate(list_submissions(tmp_path), catalog).issues.filter(
        pl.col("code") == "late-submission")["file"])
    assert flagged == late_files


def test_revisions_change_a_few_values_and_fill_in_markers(catalog):
    synthetic = generate(catalog, QUARTERS, UNITS, seed=4, mix=Mix(revised=1.0, no_data=0.1))
    key = ["unit_code", "period", "indicator_code"]
    first, second = (synthetic.cells.filter(pl.col("version") == v).drop("version") for v in (1, 2))
    both = first.join(second, on=key)
    changed = both.filter(pl.col("value").ne_missing(pl.col("value_right")))
    assert both.height == first.height and 0 < changed.height < both.height / 2
    assert second["no_data_marker"].null_count() == second.height
    # The truth is what the latest version says.
    assert synthetic.values.select(*key, "value").sort(key).equals(second.select(*key, "value").sort(key))


@settings(max_examples=4)
@given(seed=st.integers(0, 2**31))
def test_the_truth_follows_the_catalogs_arithmetic(catalog, seed):
    # Districts with running totals for the year, agencies with one for the term, a ward with ratios.
    units = ["003", "268", "279", "00277", "SO-KHDT", "SO-KHCN", "SO-LDTBXH"]
    cells = generate(catalog, ALL_QUARTERS, units, seed=seed).cells.drop_nulls("value")
    rules = cells.join(catalog.indicators, on="indicator_code")
    # Values stay in bounds; counts, ranks and yes/no are whole; yes/no is 0 or 1.
    outside = (pl.col("value") < pl.col("min_value")) | (pl.col("value") > pl.col("max_value"))
    assert rules.filter(outside).is_empty()
    whole = rules.filter(pl.col("value_type").is_in(["count", "rank", "boolean"]))
    assert (whole["value"] == whole["value"].round(0)).all()
    assert rules.filter(pl.col("value_type") == "boolean")["value"].is_in([0.0, 1.0]).all()
    # Ratios come from whole numerators and denominators; shares never exceed their whole.
    ratios = rules.filter(pl.col("agg_units") == "ratio")
    assert (ratios["numerator"] == ratios["numerator"].round(0)).all() and (ratios["denominator"] > 0).all()
    shares = ratios.filter(pl.col("max_value") <= pl.col("ratio_scale"))
    assert (shares["numerator"] <= shares["denominator"]).all()
    recomputed = ratios["ratio_scale"] * ratios["numerator"] / ratios["denominator"]
    assert ((ratios["value"] - recomputed).abs() <= 0.5 * 10.0 ** -ratios["decimals"] + 1e-9).all()
    assert rules.filter(pl.col("agg_units") == "weighted_mean")["denominator"].min() > 0
    # Running totals never decrease within their scope (a year, or the whole term).
    running = rules.filter(pl.col("cumulative_scope").is_in(["year", "term"])).with_columns(
        scope=pl.when(pl.col("cumulative_scope") == "year").then(pl.col("period").str.slice(0, 4))
        .otherwise(pl.lit("term")))
    assert running.height > 50
    steps = running.sort("period").group_by("unit_code", "indicator_code", "scope").agg(
        (pl.col("value").diff() < 0).any().alias("decreases"))
    assert not steps["decreases"].any()


def test_paces_spread_pairs_across_ahead_on_track_lagging_and_off_track(catalog):
    pairs = generate(catalog, ["2024-Q3"], seed=0).pairs
    shares = pairs["pace_class"].value_counts(normalize=True)
    assert set(shares["pace_class"]) == {"ahead", "on_track", "lagging", "off_track", "away"}
    assert shares["proportion"].min() > 0.05
    only = generate(catalog, ["2024-Q4"], ["003"], seed=0, mix=Mix(paces={"ahead": 1})).pairs
    assert set(only["pace_class"]) == {"ahead"}


def test_generating_refuses_what_it_cannot_do(catalog, tmp_path):
    with pytest.raises(ValueError, match="quarter"):
        generate(catalog, ["2024-H1"])
    with pytest.raises(ValueError, match="999"):
        generate(catalog, QUARTERS, ["999"])
    with pytest.raises(ValueError, match="paces"):
        Mix(paces={"fast": 1.0})
    synthetic = generate(catalog, ["2024-Q4"], ["003"])
    with pytest.raises(ValueError, match="format"):
        write_submissions(synthetic, catalog, tmp_path, format="ods")
    with pytest.raises(ValueError, match="one submission"):
        write_submissions(generate(catalog, QUARTERS, ["003"], mix=Mix(missing=0)), catalog, tmp_path,
                          format="template", name=lambda unit, period, version: unit)


def test_bundled_demo_data_raises_only_its_deliberate_issues(catalog):
    """`tools/make_demo_data.py` wrote the demo inbox and, beside it, the issues it must raise."""
    inbox = ROOT / "fixtures" / "submissions"
    with open(ROOT / "fixtures" / "demo-expected" / "issues.csv", encoding="utf-8") as fh:
        expected = Counter((r["file"], int(r["row"]) if r["row"] else None, r["column"] or None, r["code"])
                           for r in csv.DictReader(fh))
    batch = validate(list_submissions(inbox), catalog)
    assert _labels(batch.issues) == expected
