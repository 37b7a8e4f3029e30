"""The rollup end to end: declared schemas on the bundled catalog, and properties of the arithmetic."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from synthetic_catalog import UNITS, frame, indicator, make_catalog, target, values

from hanoi_ctr.declare.schemas import pandera_schema
from hanoi_ctr.engine.aggregate import reports
from hanoi_ctr.engine.results import Results, rollup
from hanoi_ctr.periods import parse_period


@pytest.fixture(scope="module")
def catalog(xvii):
    """These tests are about term XVII: the catalog as it sees it."""
    return xvii

QUARTERS = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]


def bundled_values(catalog, quarters: list[str]) -> pl.DataFrame:
    """Return plausible values for everything due in the quarters, from a fixed seed (no I/O)."""
    due = pl.concat([catalog.due(parse_period(q)).with_columns(period=pl.lit(q)) for q in quarters])
    rules = catalog.indicators.select(
        "indicator_code", "value_type", "agg_units", "ratio_scale", "min_value", "max_value"
    )
    draw = (pl.concat_str("unit_code", "period", "indicator_code").hash(7) % 10_000) / 10_000
    low, high = pl.col("min_value").fill_null(0.0), pl.col("max_value").fill_null(1000.0)
    den = (draw * 900 + 100).floor()
    rows = due.join(rules, on="indicator_code").with_columns(
        denominator=pl.when(pl.col("agg_units") == "ratio").then(den),
        numerator=pl.when(pl.col("agg_units") == "ratio").then((den * (0.5 + draw / 2)).floor()),
        value=pl.when(pl.col("value_type") == "boolean")
        .then((draw > 0.3).cast(pl.Float64))
        .otherwise(low + draw * (high - low)),
    )
    rows = rows.with_columns(
        value=pl.when(pl.col("agg_units") == "ratio")
        .then(pl.col("ratio_scale") * pl.col("numerator") / pl.col("denominator"))
        .otherwise(pl.col("value"))
    )
    return rows.select(
        "unit_code",
        "period",
        "indicator_code",
        "value",
        "numerator",
        "denominator",
        sha256=pl.lit("c" * 64),
        sheet=pl.lit("Sheet1"),
        row=pl.int_range(2, pl.len() + 2),
        received_at=pl.lit(datetime(2025, 1, 2, tzinfo=UTC)),
    ).pipe(lambda f: pl.concat([frame("indicator_values", []), f], how="diagonal_relaxed"))


@pytest.fixture(scope="module")
def year_2024(catalog) -> Results:
    rows = bundled_values(catalog, QUARTERS)
    ledger = (
        rows.group_by("unit_code", "period")
        .agg(received_at=pl.col("received_at").first())
        .with_columns(
            sha256=pl.lit("c" * 64),
            file_name=pl.lit("x.csv"),
            format=pl.lit("csv"),
            rows_read=1,
            rows_accepted=1,
            rows_rejected=0,
            outcome=pl.lit("accepted"),
        )
    )
    progress = frame(
        "task_progress",
        [
            {
                "unit_code": "TU-BTC",
                "period": "2024-Q2",
                "task_code": "01.T01",
                "status": "completed",
                "sha256": "c" * 64,
                "received_at": datetime(2024, 7, 1, tzinfo=UTC),
            }
        ],
    )
    return rollup(
        rows,
        catalog,
        "2024-Q4",
        ledger=pl.concat([frame("ledger", []), ledger], how="diagonal_relaxed"),
        task_progress=progress,
    )


@pytest.mark.parametrize(
    "name", ["results", "trend", "completeness", "task_status", "task_summary", "issues"]
)
def test_every_frame_matches_its_declared_table(year_2024, name):
    frame_ = year_2024.frames()[name]
    assert not frame_.is_empty()
    pandera_schema(name).validate(frame_)


def test_bundled_rollup_arithmetic_holds(year_2024):
    out = year_2024.results
    # 03.05 (streets renovated, a district count summed over units and time): the city is the districts' sum.
    streets = out.filter(pl.col("indicator_code") == "03.05")
    city = streets.filter(pl.col("unit_code") == "01")["value"].item()
    assert city == pytest.approx(streets.filter(pl.col("unit_level") == "district")["value"].sum())
    # 01.07 (a ward ratio): the city's rate is its own numerator over its denominator, scaled.
    rate = out.filter(pl.col("indicator_code") == "01.07", pl.col("unit_code") == "01").row(0, named=True)
    assert rate["value"] == pytest.approx(100 * rate["numerator"] / rate["denominator"])
    assert year_2024.completeness.select(pl.col("reporting_rate").max()).item() <= 1.0
    assert year_2024.task_status.filter(pl.col("task_code") == "01.T01")["status"].item() == "completed"


def test_after_the_reorganisation_the_bundled_catalog_has_no_districts(catalog):
    out = rollup(frame("indicator_values", []), catalog, "2025-Q3")
    assert not out.results.is_empty()
    this_quarter = out.results.filter(pl.col("value_period") == "2025-Q3")
    assert not this_quarter.is_empty() and "district" not in this_quarter["unit_level"].to_list()
    assert "district" in out.results["unit_level"].to_list()  # yearly indicators still show 2024
    for name, frame_ in out.frames().items():
        pandera_schema(name).validate(frame_)


# --- properties ---------------------------------------------------------------

WARDS = ["00001", "00002", "00003"]
PARENT = {"00001": "001", "00002": "001", "00003": "002"}
KINDS = {"01.01": "sum", "01.02": "ratio", "01.03": "mean"}
SMALL = make_catalog(
    [indicator(code, agg_units=agg) for code, agg in KINDS.items()],
    assignments=[(code, "ward", None) for code in KINDS],
)
# A percent of wards, compared with the city's target of 50: once where more is better, once less.
DIRECTIONS = make_catalog(
    [
        indicator("01.01", agg_units="mean", value_type="percent"),
        indicator("01.02", agg_units="mean", value_type="percent", direction="decrease"),
    ],
    targets=[target("01.01", target_value=50.0), target("01.02", target_value=50.0)],
    assignments=[("01.01", "ward", None), ("01.02", "ward", None)],
)

parts = st.one_of(st.none(), st.tuples(st.integers(0, 40), st.integers(1, 40)))
reports_ = st.fixed_dictionaries({ward: parts for ward in WARDS})


def _rows(draw: dict, quarter: str = "2024-Q3") -> list[tuple]:
    rows = []
    for ward, got in draw.items():
        if got is None:
            continue
        num, den = float(got[0]), float(got[1])
        rows += [
            (ward, quarter, "01.01", num),
            (ward, quarter, "01.02", 100 * num / den, num, den),
            (ward, quarter, "01.03", num),
        ]
    return rows


def _value(out: pl.DataFrame, unit: str, code: str):
    found = out.filter(pl.col("unit_code") == unit, pl.col("indicator_code") == code)
    return found["value"].item() if found.height else None


@settings(max_examples=8)
@given(reports_)
def test_sums_ratios_and_means_agree_with_their_parts_at_every_level(draw):
    out = rollup(values(_rows(draw)), SMALL, "2024-Q3").results
    got = {w: p for w, p in draw.items() if p is not None}
    for unit, wards in {"001": ["00001", "00002"], "002": ["00003"], "01": WARDS}.items():
        mine = [got[w] for w in wards if w in got]
        total = sum(n for n, _ in mine)
        assert _value(out, unit, "01.01") == (pytest.approx(total) if mine else None)
        assert _value(out, unit, "01.02") == (
            pytest.approx(100 * total / sum(d for _, d in mine)) if mine else None
        )
    districts = [v for v in (_value(out, "001", "01.01"), _value(out, "002", "01.01")) if v is not None]
    assert _value(out, "01", "01.01") == (pytest.approx(sum(districts)) if districts else None)
    means = [v for v in (_value(out, "001", "01.03"), _value(out, "002", "01.03")) if v is not None]
    assert _value(out, "01", "01.03") == (pytest.approx(sum(means) / len(means)) if means else None)
    city = out.filter(pl.col("unit_code") == "01", pl.col("indicator_code") == "01.01").row(0, named=True)
    assert (city["n_expected"], city["n_reported"]) == (3, len(got))


@settings(max_examples=5)
@given(reports_, st.randoms(use_true_random=False))
def test_row_order_and_repeated_values_change_nothing(draw, rnd):
    rows = values(_rows(draw) + _rows({"00001": (1, 2)}, "2024-Q2"))
    once = rollup(rows, SMALL, "2024-Q3")
    doubled = pl.concat([rows, rows])
    shuffled = doubled[rnd.sample(range(doubled.height), doubled.height)]
    again = rollup(shuffled, SMALL, "2024-Q3")
    for name in ("results", "trend", "completeness", "issues"):
        assert_frame_equal(once.frames()[name], again.frames()[name])


@settings(max_examples=5)
@given(reports_)
def test_a_unit_that_reported_nothing_changes_coverage_only(draw):
    bigger = make_catalog(
        [indicator(code, agg_units=agg) for code, agg in KINDS.items()],
        assignments=[(code, "ward", None) for code in KINDS],
        units=UNITS + [("00004", "phuong", "001", None, None)],
    )
    rows = values(_rows(draw))
    before, after = rollup(rows, SMALL, "2024-Q3").results, rollup(rows, bigger, "2024-Q3").results
    joined = before.join(after, on=["unit_code", "indicator_code"], suffix="_after")
    assert joined.height == before.height
    assert joined["value"].to_list() == joined["value_after"].to_list()
    assert joined["n_reported"].to_list() == joined["n_reported_after"].to_list()
    grown = joined.filter(pl.col("unit_code").is_in(["001", "01"]))
    assert (grown["n_expected_after"] - grown["n_expected"]).to_list() == [1] * grown.height


RANK = {"off_track": 0, "at_risk": 1, "on_track": 2, "achieved": 3}


@settings(max_examples=8)
@given(st.lists(st.floats(1, 100, allow_nan=False), min_size=3, max_size=3))
def test_reversing_the_direction_reverses_the_status_order(numbers):
    rows = [
        (w, "2024-Q3", code, x) for w, x in zip(WARDS, numbers, strict=True) for code in ("01.01", "01.02")
    ]
    out = rollup(values(rows), DIRECTIONS, "2024-Q3").results.filter(pl.col("unit_level") == "ward")
    status = {
        (r["unit_code"], r["indicator_code"]): RANK[r["result_status"]] for r in out.iter_rows(named=True)
    }
    # Values are judged as shown, to the indicator's one decimal, half away from zero.
    shown = [math.floor(x * 10 + 0.5) / 10 for x in numbers]
    for a, x in zip(WARDS, shown, strict=True):
        assert (status[a, "01.01"] == 3) is (x >= 50) and (status[a, "01.02"] == 3) is (x <= 50)
        for b, y in zip(WARDS, shown, strict=True):
            if x < y:
                assert status[a, "01.01"] <= status[b, "01.01"]
                assert status[a, "01.02"] >= status[b, "01.02"]


def test_rolling_up_twice_gives_the_same_frames():
    rows = values(_rows({"00001": (3, 4), "00002": None, "00003": (0, 5)}))
    first, second = rollup(rows, SMALL, "2024-Q3"), rollup(rows, SMALL, "2024-Q3")
    for name, frame_ in first.frames().items():
        assert_frame_equal(frame_, second.frames()[name])


def test_the_period_may_be_given_as_text_in_any_accepted_spelling():
    rows = values(_rows({"00001": (3, 4), "00002": None, "00003": None}))
    assert_frame_equal(rollup(rows, SMALL, "Quý III/2024").results, rollup(rows, SMALL, "2024-Q3").results)


def test_reports_place_values_in_their_frequency_period():
    rows = values([("00001", "2024-Q4", "01.01", 1.0), ("00001", "2024", "01.01", 2.0)])
    placed = reports(rows, SMALL.indicators.with_columns(frequency=pl.lit("year")))
    assert placed.select("_bk", "_bl", "value").rows() == [("year", 2024 * 4 + 3, 2.0)]
