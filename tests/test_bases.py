"""What a target measures: properties of each basis at and before its horizon.

Each indicator is the city's, reported by agency SO-A (see `synthetic_catalog`).
"""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_catalog import indicator, make_catalog, target, values

from hanoi_ctr.engine.results import rollup

YEARS = ["2021", "2022", "2023", "2024", "2025"]
QUARTERS_2025 = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
amounts = st.floats(0, 1000, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 1))
rates = st.floats(-5, 15, allow_nan=False).map(lambda x: round(x, 2))
goals = st.floats(0, 1000, allow_nan=False).map(lambda x: round(x, 1))
#: Compared values are judged as shown: to the indicator's decimals (1 here), half away from zero.
SHOWN = 0.05 + 1e-9


def _city(indicators: list[dict], targets: list[dict], rows: list[tuple], period: str) -> dict[str, dict]:
    catalog = make_catalog(indicators, targets=targets, assignments=[(i["indicator_code"], None, "SO-A")
                                                                       for i in indicators])
    out = rollup(values([("SO-A", *r) for r in rows]), catalog, period).results.filter(pl.col("unit_code") == "01")
    return {r["indicator_code"]: r for r in out.iter_rows(named=True)}


def _compound(xs: list[float]) -> float:
    total = 1.0
    for x in xs:
        total *= 1 + x / 100
    return (total ** (1 / len(xs)) - 1) * 100


@settings(max_examples=15)
@given(st.lists(amounts, min_size=5, max_size=5), goals)
def test_a_level_at_term_end_is_achieved_exactly_when_the_last_value_meets(series, goal):
    level = indicator("01.01", frequency="year", agg_units="none", agg_time="last")
    row = _city([level], [target("01.01", target_value=goal, target_basis="level")],
                [(y, "01.01", x) for y, x in zip(YEARS, series, strict=True)], "2025")["01.01"]
    assert row["closed"] and row["compared_value"] == series[-1]
    assert (row["result_status"] == "achieved") is (series[-1] >= goal)
    assert row["result_status"] in ("achieved", "off_track")
    assert row["projection_meets_target"] is (row["result_status"] == "achieved")


@settings(max_examples=15)
@given(st.lists(amounts, min_size=4, max_size=4), goals)
def test_a_year_total_is_the_sum_of_its_quarters_and_judged_at_the_year_end(quarters, goal):
    flow = indicator("01.01", frequency="quarter", agg_units="none", agg_time="sum")
    row = _city([flow], [target("01.01", target_value=goal, target_basis="period_total")],
                [(q, "01.01", x) for q, x in zip(QUARTERS_2025, quarters, strict=True)], "2025-Q4")["01.01"]
    assert row["compared_value"] == pytest.approx(sum(quarters), abs=SHOWN)
    assert row["compared_period"] == "2025" and row["annualised"] is False
    assert (row["result_status"] == "achieved") is (sum(quarters) >= goal)


@settings(max_examples=15)
@given(st.lists(amounts, min_size=4, max_size=4), amounts)
def test_a_year_figure_is_the_year_total_whatever_its_quarters_say(quarters, year):
    flow = indicator("01.01", frequency="quarter", agg_units="none", agg_time="sum")
    rows = [(q, "01.01", x) for q, x in zip(QUARTERS_2025, quarters, strict=True)] + [("2025", "01.01", year)]
    row = _city([flow], [target("01.01", target_value=100.0, target_basis="period_total")], rows,
                "2025")["01.01"]
    assert row["compared_value"] == pytest.approx(year, abs=SHOWN) and row["value"] == pytest.approx(year)


@settings(max_examples=15)
@given(st.lists(amounts, min_size=5, max_size=5), goals)
def test_a_term_total_adds_the_years_and_is_judged_at_term_end(series, goal):
    flow = indicator("01.01", frequency="year", agg_units="none", agg_time="sum")
    row = _city([flow], [target("01.01", target_value=goal, target_basis="term_total")],
                [(y, "01.01", x) for y, x in zip(YEARS, series, strict=True)], "2021-2025")["01.01"]
    assert row["compared_value"] == pytest.approx(sum(series), abs=SHOWN) and row["compared_period"] == "2021-2025"
    assert (row["result_status"] == "achieved") is (sum(series) >= goal)
    assert row["baseline_value"] == 0 and row["baseline_source"] == "running_total_start"


@settings(max_examples=15)
@given(st.lists(amounts, min_size=2, max_size=2), goals)
def test_a_term_total_before_its_end_is_judged_on_its_pace(series, goal):
    flow = indicator("01.01", frequency="year", agg_units="none", agg_time="sum")
    row = _city([flow], [target("01.01", target_value=goal, target_basis="term_total")],
                [(y, "01.01", x) for y, x in zip(YEARS[:2], series, strict=True)], "2022")["01.01"]
    to_date = sum(series)
    assert row["compared_value"] == pytest.approx(to_date, abs=SHOWN) and not row["closed"]
    to_date = row["compared_value"]  # judged as shown, to the indicator's decimal
    if goal > 0:
        assert row["progress"] == pytest.approx(to_date / goal)
        assert row["expected_progress"] == pytest.approx(2 / 5)
        assert row["needed"] == pytest.approx((goal - to_date) / 3)
    assert row["projection"] == pytest.approx(to_date * 5 / 2, abs=SHOWN)
    if to_date >= goal:
        assert row["result_status"] == "achieved"


@settings(max_examples=15)
@given(rates, st.integers(1, 5), st.sampled_from(["mean", "compound"]))
def test_a_term_average_of_constant_years_is_that_value(rate, years, time_rule):
    growth = indicator("01.01", frequency="year", agg_units="none", agg_time=time_rule, value_type="percent")
    row = _city([growth], [target("01.01", target_value=7.5, target_basis="term_average")],
                [(y, "01.01", rate) for y in YEARS[:years]], YEARS[years - 1])["01.01"]
    assert row["compared_value"] == pytest.approx(rate, abs=SHOWN)


@settings(max_examples=15)
@given(st.lists(rates, min_size=5, max_size=5), st.floats(0, 12, allow_nan=False).map(lambda x: round(x, 2)))
def test_a_term_average_at_term_end_is_achieved_exactly_when_it_meets(series, goal):
    growth = indicator("01.01", frequency="year", agg_units="none", agg_time="compound", value_type="percent")
    row = _city([growth], [target("01.01", target_min=goal, target_basis="term_average")],
                [(y, "01.01", x) for y, x in zip(YEARS, series, strict=True)], "2025")["01.01"]
    average = round(_compound(series), 1)  # judged as shown, to the indicator's decimal
    assert row["compared_value"] == pytest.approx(average, abs=SHOWN)
    if not math.isclose(average, goal, abs_tol=SHOWN):
        assert (row["result_status"] == "achieved") is (average >= goal)
    assert row["result_status"] in ("achieved", "off_track")
    assert row["projection"] == pytest.approx(row["compared_value"]) and row["needed"] is None


@settings(max_examples=15)
@given(st.lists(rates, min_size=1, max_size=4))
def test_an_average_met_before_the_term_ends_is_on_track_not_achieved(series):
    growth = indicator("01.01", frequency="year", agg_units="none", agg_time="compound", value_type="percent")
    row = _city([growth], [target("01.01", target_min=-10.0, target_basis="term_average")],
                [(y, "01.01", x) for y, x in zip(YEARS[:len(series)], series, strict=True)],
                YEARS[len(series) - 1])["01.01"]
    assert (row["closed"], row["result_status"]) == (False, "on_track")


def test_a_sum_over_part_of_its_wards_is_incomplete_and_a_rate_is_judged_and_marked():
    count = indicator("01.01", frequency="year", agg_units="sum", agg_time="last")
    rate = indicator("01.02", frequency="year", agg_units="ratio", agg_time="last", value_type="percent")
    catalog = make_catalog([count, rate], targets=[target("01.01", target_value=10.0, target_basis="level"),
                                                   target("01.02", target_value=50.0, target_basis="level")],
                           assignments=[("01.01", "ward", None), ("01.02", "ward", None)])
    rows = [("00001", "2024", "01.01", 40.0), ("00001", "2024", "01.02", 60.0, 6.0, 10.0)]
    out = {(r["unit_code"], r["indicator_code"]): r
           for r in rollup(values(rows), catalog, "2024").results.iter_rows(named=True)}
    district = out[("001", "01.01")]
    assert (district["value"], district["n_reported"], district["n_expected"]) == (40.0, 1, 2)
    assert (district["partial"], district["coverage_rate"]) == (True, 0.5)
    city = out[("01", "01.01")]  # 1 of the city's 3 wards: a total of 40 says nothing of the target
    assert (city["value"], city["partial"], city["result_status"]) == (40.0, True, "incomplete")
    assert city["coverage_rate"] == pytest.approx(1 / 3)
    share = out[("01", "01.02")]  # a rate on part of its wards is still a rate: judged, and marked
    assert share["partial"] is True and share["result_status"] == "achieved"
    ward = out[("00001", "01.01")]  # a ward's own figure covers itself
    assert (ward["coverage_rate"], ward["partial"]) == (1.0, False)


def test_a_district_that_reported_its_own_total_covers_its_wards():
    count = indicator("01.01", frequency="year", agg_units="sum", agg_time="last")
    catalog = make_catalog([count], assignments=[("01.01", "district", None), ("01.01", "ward", None)])
    rows = [("001", "2024", "01.01", 90.0), ("00001", "2024", "01.01", 40.0), ("002", "2024", "01.01", 10.0)]
    out = {r["unit_code"]: r for r in rollup(values(rows), catalog, "2024").results.iter_rows(named=True)
           if r["indicator_code"] == "01.01"}
    # The city: districts 001 and 002 sent their own totals, which cover their 3 wards.
    assert (out["01"]["value"], out["01"]["n_reported"], out["01"]["n_expected"]) == (100.0, 5, 5)
    assert out["01"]["partial"] is False
    # District 001's own figure stands; its wards' rollup (1 of 2) is beside it.
    assert (out["001"]["value_source"], out["001"]["rollup_value"], out["001"]["n_reported"]) == ("reported", 40.0, 1)


def test_a_year_figure_that_differs_from_its_quarters_is_a_warning():
    flow = indicator("01.01", frequency="quarter", agg_units="none", agg_time="sum")
    catalog = make_catalog([flow], targets=[target("01.01", target_value=100.0, target_basis="period_total")],
                           assignments=[("01.01", None, "SO-A")])
    quarters = [("SO-A", q, "01.01", 10.0) for q in QUARTERS_2025]
    for year, warned in ((40.0, False), (40.3, False), (55.0, True)):
        issues = rollup(values([*quarters, ("SO-A", "2025", "01.01", year)]), catalog, "2025").issues
        found = issues.filter(pl.col("code") == "period-total-mismatch")
        assert found.height == warned, year
        if warned:
            assert (found["value"][0], found["period"][0], found["column"][0]) == ("55", "2025", "value")
