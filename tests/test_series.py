"""Aggregation over time: flows, stocks, running totals, ratios, value periods, trend and projection.

Most cases are one indicator each, reported by ward 00001 alone and rolled
up together for one period; `_batch` returns each case's row for the ward.
"""

from __future__ import annotations

import polars as pl
import pytest
from synthetic_catalog import REORGANISED, indicator, make_catalog, pick, values

from hanoi_ctr.engine.results import Results, rollup
from hanoi_ctr.engine.series import value_period
from hanoi_ctr.periods import Period, parse_period


def _quarters(year: int, numbers: list[float | None]) -> list[tuple]:
    return [(f"{year}-Q{i + 1}", x) for i, x in enumerate(numbers) if x is not None]


def _batch(cases: dict[str, tuple[dict, list[tuple]]], period: str) -> tuple[dict[str, dict], Results]:
    codes = {name: f"01.{i + 1:02d}" for i, name in enumerate(cases)}
    catalog = make_catalog(
        [indicator(codes[name], **rules) for name, (rules, _) in cases.items()],
        assignments=[(code, None, "00001") for code in codes.values()],
    )
    rows = [
        ("00001", p, codes[name], *rest) for name, (_, case_rows) in cases.items() for p, *rest in case_rows
    ]
    result = rollup(values(rows), catalog, period)
    ward = result.results.filter(pl.col("unit_code") == "00001")
    return {
        name: ward.filter(pl.col("indicator_code") == code).row(0, named=True) for name, code in codes.items()
    }, result


SUM, MEAN = {"agg_time": "sum"}, {"agg_time": "mean"}
YEARLY = {"frequency": "year"}
FIFTEEN = [(f"{y}-Q{q}", 1.0) for y in range(2021, 2025) for q in range(1, 5)][:15]  # 2021-Q1 … 2024-Q3


@pytest.fixture(scope="module")
def year_2024() -> dict[str, dict]:
    return _batch(
        {
            "flow": (SUM, _quarters(2024, [1.0, 2.0, 3.0, 4.0])),
            "flow_gap": (SUM, _quarters(2024, [1.0, 2.0, None, 4.0])),
            "stock": ({}, _quarters(2024, [5.0, 6.0, 7.0, 8.0])),
            "stock_no_q4": ({}, _quarters(2024, [5.0, 6.0, 7.0, None])),
            "running": ({"cumulative_scope": "year"}, _quarters(2024, [10.0, 25.0, 40.0, 60.0])),
            "mean": (MEAN, _quarters(2024, [30.0, 40.0, 50.0, 60.0])),
        },
        "2024",
    )[0]


@pytest.fixture(scope="module")
def h1_2024() -> dict[str, dict]:
    return _batch(
        {
            "flow": (SUM, _quarters(2024, [1.0, 2.0, 3.0, 4.0])),
            "ratio": (
                {**SUM, "agg_units": "ratio", "value_type": "percent"},
                [("2024-Q1", 90.0, 9.0, 10.0), ("2024-Q2", 100 / 90, 1.0, 90.0)],
            ),
        },
        "2024-H1",
    )[0]


YEAR_REPORTS = [("2024-Q3", 70.0), ("2024-Q4", 75.0), ("2023", 60.0)]


@pytest.fixture(scope="module")
def q3_2024() -> tuple[dict[str, dict], Results]:
    return _batch(
        {
            "yearly": (YEARLY, YEAR_REPORTS),
            "to_date": (SUM, FIFTEEN),
            "to_date_gap": (SUM, FIFTEEN[:3] + FIFTEEN[4:]),  # 2021-Q4 missing
            "trend_yearly": (YEARLY, [("2021-Q4", 1.0), ("2022-Q4", 2.0), ("2023-Q4", 3.0)]),
            "flow_projection": (SUM, _quarters(2024, [5.0, 5.0, 5.0])),
            "running_projection": ({"cumulative_scope": "year"}, _quarters(2024, [10.0, 20.0, 30.0])),
        },
        "2024-Q3",
    )


def test_flows_add_up_to_the_half_and_the_year(year_2024, h1_2024):
    assert h1_2024["flow"]["value"] == 3.0
    assert year_2024["flow"]["value"] == 10.0


def test_a_flow_with_a_missing_quarter_has_no_total(year_2024):
    row = year_2024["flow_gap"]
    assert row["value"] is None
    assert (row["n_periods_expected"], row["n_periods_reported"]) == (4, 3)


def test_stocks_take_the_last_quarter(year_2024):
    assert year_2024["stock"]["value"] == 8.0
    assert year_2024["stock_no_q4"]["value"] is None


def test_running_totals_are_not_summed(year_2024):
    # New members since 1 January: 10, 25, 40, 60. The year is 60, not 10 + 25 + 40 + 60 = 135.
    assert year_2024["running"]["value"] == 60.0


def test_means_over_time(year_2024):
    assert year_2024["mean"]["value"] == 45.0


def test_ratios_over_time_pool_numerators_and_denominators(h1_2024):
    row = h1_2024["ratio"]
    assert row["value"] == pytest.approx(10.0)  # 10 / 100, not the mean of 90 % and 1.1 % = 45.6 %
    assert (row["numerator"], row["denominator"]) == (10.0, 100.0)


def test_a_flow_at_the_city_counts_every_expected_report():
    catalog = make_catalog([indicator("01.01", agg_time="sum")], assignments=[("01.01", "ward", None)])
    rows = [(w, p, "01.01", 1.0) for w in ("00001", "00002", "00003") for p in ("2024-Q1", "2024-Q2")]
    out = rollup(values(rows[:-1]), catalog, "2024-H1").results  # 00003 misses Q2
    assert pick(out, "00003", "01.01") is None
    assert pick(out, "001", "01.01") == 4.0
    # The city's quarters: Q1 = 3 (3 of 3 wards), Q2 = 2 (2 of 3): 5 from 5 of the 6 expected reports.
    assert pick(out, "01", "01.01") == 5.0
    assert (pick(out, "01", "01.01", "n_expected"), pick(out, "01", "01.01", "n_reported")) == (6, 5)


@pytest.mark.parametrize(
    "period, frequency, shown",
    [
        ("2024-Q3", "year", "2023"),
        ("2024-Q4", "year", "2024"),
        ("2024-Q3", "half", "2024-H1"),
        ("2024-Q2", "half", "2024-H1"),
        ("2024-H1", "year", "2023"),
        ("2024", "quarter", "2024"),
        ("2021-2025", "year", "2021-2025"),
    ],
)
def test_value_period(period, frequency, shown):
    assert str(value_period(parse_period(period), frequency)) == shown
    assert str(value_period(Period.term(2021, 2025), "quarter")) == "2021-2025"


def test_a_yearly_indicator_takes_the_latest_report_in_its_year(q3_2024):
    q4, _ = _batch(
        {"yearly": (YEARLY, YEAR_REPORTS), "quarterly_in_year_report": ({}, [("2024", 9.0)])}, "2024-Q4"
    )
    row = q4["yearly"]
    assert (row["value"], row["value_period"]) == (75.0, "2024")
    assert (row["previous_value"], row["change"]) == (60.0, 15.0)
    assert (
        q4["quarterly_in_year_report"]["value"] is None
    )  # a quarterly indicator fits no quarter of a year report
    earlier = q3_2024[0]["yearly"]
    assert (earlier["value"], earlier["value_period"]) == (60.0, "2023")


def test_term_to_date_and_trend(q3_2024):
    rows, result = q3_2024
    assert rows["to_date"]["term_to_date"] == 15.0
    assert rows["to_date_gap"]["term_to_date"] is None
    trend = result.trend.filter(pl.col("indicator_code") == "01.02")
    ward = trend.filter(pl.col("unit_code") == "00001")
    assert ward["period"].to_list()[:2] == ["2021-Q1", "2021-Q2"]
    assert ward.height == 15 and ward["value"].sum() == 15.0
    assert set(trend["unit_code"]) == {"00001", "001", "01"}  # the ward and its rollups


def test_trend_of_a_yearly_indicator_in_a_quarterly_rollup_is_yearly(q3_2024):
    trend = q3_2024[1].trend.filter(pl.col("unit_code") == "00001", pl.col("indicator_code") == "01.04")
    assert trend.select("period", "value").rows() == [("2021", 1.0), ("2022", 2.0), ("2023", 3.0)]


def test_projection_of_a_flow_is_a_yearly_amount(q3_2024):
    row = q3_2024[0]["flow_projection"]
    assert row["projection"] == pytest.approx(20.0)  # 5 a quarter → 20 a year
    assert row["compared_value"] == pytest.approx(15.0 * 4 / 3)  # year to date, annualised
    running = q3_2024[0]["running_projection"]  # 10, 20, 30 since 1 January: 10 a quarter
    assert (running["projection"], running["compared_value"]) == (pytest.approx(40.0), pytest.approx(40.0))


def test_projection_of_a_stock_follows_the_trend_to_the_term_end():
    rows = [("2021-Q4", 10.0), ("2022-Q4", 20.0), ("2023-Q4", 30.0)]
    steep = [("2021-Q4", 60.0), ("2022-Q4", 80.0), ("2023-Q4", 100.0)]
    out, _ = _batch(
        {
            "three": (YEARLY, rows),
            "two": (YEARLY, rows[1:]),
            "capped": ({**YEARLY, "min_value": 0.0, "max_value": 100.0}, steep),
        },
        "2023",
    )
    assert out["three"]["projection"] == pytest.approx(50.0)  # +10 a year to 2025
    assert out["two"]["projection"] is None  # fewer than three points
    assert out["capped"]["projection"] == 100.0  # 60, 80, 100 would reach 140 %: kept within 0-100


def test_a_year_across_the_reorganisation_adds_each_quarter_on_its_own_hierarchy():
    catalog = make_catalog(
        [indicator("01.01", agg_time="sum")], assignments=[("01.01", "ward", None)], units=REORGANISED
    )
    rows = [(w, q, "01.01", 1.0) for w in ("00001", "00002", "00003") for q in ("2025-Q1", "2025-Q2")] + [
        (w, q, "01.01", 10.0) for w in ("00001", "10001") for q in ("2025-Q3", "2025-Q4")
    ]
    out = rollup(values(rows), catalog, "2025").results
    assert pick(out, "01", "01.01") == 3 * 2 * 1.0 + 2 * 2 * 10.0
    # Code 00001 is a new ward from 1 July: its year is Q3 + Q4 only, complete for its lifetime.
    assert pick(out, "00001", "01.01") == 20.0
    assert pick(out, "00001", "01.01", "n_periods_expected") == 2
    assert "001" not in out["unit_code"].to_list()


def test_term_rollup_trend_is_yearly():
    rows, result = _batch(
        {"term": (YEARLY, [(f"{y}-Q4", float(y - 2020)) for y in range(2021, 2026)])}, "2021-2025"
    )
    assert rows["term"]["value"] == 5.0
    ward = result.trend.filter(pl.col("unit_code") == "00001")
    assert ward["period"].to_list() == ["2021", "2022", "2023", "2024", "2025"]
    assert ward.filter(pl.col("period") == "2023")["value"].item() == 3.0


def test_a_reused_code_is_a_new_unit_without_the_old_one_s_history():
    catalog = make_catalog([indicator("01.01")], assignments=[("01.01", "ward", None)], units=REORGANISED)
    rows = [("00001", q, "01.01", 100.0) for q in ("2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2")]
    result = rollup(values(rows + [("00001", "2025-Q3", "01.01", 5.0)]), catalog, "2025-Q3")
    new_ward = result.results.filter(pl.col("unit_code") == "00001").row(0, named=True)
    assert (new_ward["value"], new_ward["previous_value"], new_ward["term_to_date"]) == (5.0, None, 5.0)
    assert new_ward["projection"] is None  # one value of its own, not five of the old ward's
    history = result.trend.filter(pl.col("unit_code") == "00001", pl.col("value").is_not_null())
    assert history.select("period", "value").rows()[-2:] == [("2025-Q2", 100.0), ("2025-Q3", 5.0)]
