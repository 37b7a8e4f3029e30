"""Comparison with targets: directions, statuses, baselines, milestones, comparability, projection.

Unless told otherwise the indicator is yearly and reported for the city by
agency SO-A; baseline 2020 and target 2025 lie 20 quarters apart, so at the
end of 2023 (12 quarters on) the expected progress is 12 / 20 = 0.6.
"""

from __future__ import annotations

import polars as pl
import pytest
from synthetic_catalog import indicator, make_catalog, pick, target, values

from hanoi_ctr.engine.results import rollup
from hanoi_ctr.settings import Settings


def _case(rules: dict | None = None, targets: list[dict] = (), rows: list[tuple] = ()) -> tuple:
    return {"frequency": "year", "agg_units": "none", **(rules or {})}, list(targets), list(rows)


def _batch(cases: dict[str, tuple], period: str) -> dict[str, dict]:
    """Roll up one city indicator per case (reported by agency SO-A) together; return each case's city row."""
    codes = {name: f"01.{i + 1:02d}" for i, name in enumerate(cases)}
    indicators, targets, rows = [], [], []
    for name, (rules, case_targets, case_rows) in cases.items():
        code = codes[name]
        indicators.append(indicator(code, **rules))
        targets += [{**t, "indicator_code": code} for t in case_targets]
        rows += [("SO-A", p, code, x) for p, x in case_rows]
    catalog = make_catalog(
        indicators, targets=targets, assignments=[(c, None, "SO-A") for c in codes.values()]
    )
    out = rollup(values(rows), catalog, period).results.filter(pl.col("unit_code") == "01")
    return {
        name: out.filter(pl.col("indicator_code") == code).row(0, named=True) for name, code in codes.items()
    }


UP = [target("01.01", target_value=60.0, baseline_value=40.0, baseline_year=2020)]
DOWN = [target("01.01", target_value=10.0, baseline_value=20.0, baseline_year=2020)]
RANK = {"value_type": "rank", "direction": "decrease"}
RANGE = [target("01.01", target_min=60.0, target_max=62.0, baseline_value=49.2, baseline_year=2020)]
GDP = [target("01.01", target_min=8300.0, target_max=8500.0, baseline_value=5420.0, baseline_year=2020)]
TREND = [("2021", 10.0), ("2022", 20.0), ("2023", 30.0)]
MILESTONES = [
    target("01.01", target_value=85.0, baseline_value=78.0, baseline_year=2020),
    target("01.01", year=2022, kind="milestone", target_value=80.0),
    target("01.01", year=2023, kind="milestone", target_value=82.0),
    target("01.01", year=2024, kind="milestone", target_value=84.0),
]
QUARTERLY = {"frequency": "quarter"}

CASES_2023 = {
    **{f"up_{x:g}": _case({}, UP, [("2023", x)]) for x in (60.0, 51.0, 49.0, 45.0)},
    **{f"down_{x:g}": _case(RANK, DOWN, [("2023", x)]) for x in (10.0, 14.0, 15.0, 18.0, 9.0)},
    "no_data": _case({}, UP, []),
    "no_target": _case({}, [], [("2023", 50.0)]),
    "baseline_only": _case({}, [target("01.01", baseline_value=40.0, baseline_year=2020)], [("2023", 50.0)]),
    **{f"range_{x:g}": _case({"direction": "range"}, RANGE, [("2023", x)]) for x in (61.0, 59.0, 63.0, 80.0)},
    **{f"gdp_{x:g}": _case({}, GDP, [("2023", x)]) for x in (8300.0, 9000.0, 7000.0)},
    "delta_earliest": _case(RANK, [target("01.01", target_delta=-2.0)], [("2021", 7.0), ("2023", 5.0)]),
    "delta_baseline_year": _case(
        RANK, [target("01.01", target_delta=-2.0)], [("2020", 8.0), ("2021", 7.0), ("2023", 7.0)]
    ),
    **{
        f"nobase_{x:g}": _case({}, [target("01.01", target_value=100.0)], [("2023", x)])
        for x in (95.0, 80.0, 50.0)
    },
    "running_total": _case(
        {"cumulative_scope": "term", "agg_units": "sum"},
        [target("01.01", target_value=80.0)],
        [("2023", 48.0)],
    ),
    "projection_45": _case({}, [target("01.01", target_value=45.0)], TREND),
    "projection_60": _case({}, [target("01.01", target_value=60.0)], TREND),
}
CASES_2024_Q2 = {
    "milestones": _case(QUARTERLY, MILESTONES, [("2024-Q2", 82.0)]),
    "linear": _case(QUARTERLY, MILESTONES[:1], [("2024-Q2", 82.0)]),
    "flow": _case(
        {**QUARTERLY, "agg_time": "sum"},
        [target("01.01", target_value=100.0, baseline_value=60.0, baseline_year=2020)],
        [("2024-Q1", 20.0), ("2024-Q2", 25.0)],
    ),
}


@pytest.fixture(scope="module")
def y2023() -> dict[str, dict]:
    return _batch(CASES_2023, "2023")


@pytest.fixture(scope="module")
def q2() -> dict[str, dict]:
    return _batch(CASES_2024_Q2, "2024-Q2")


@pytest.mark.parametrize(
    "value, progress, status",
    [
        (60.0, 1.0, "achieved"),
        (51.0, 0.55, "on_track"),
        (49.0, 0.45, "at_risk"),
        (45.0, 0.25, "off_track"),
    ],
)
def test_increase_statuses(y2023, value, progress, status):
    row = y2023[f"up_{value:g}"]
    assert row["expected_progress"] == pytest.approx(0.6)
    assert row["progress"] == pytest.approx(progress)
    assert row["achievement"] == pytest.approx(value / 60)
    assert row["result_status"] == status


@pytest.mark.parametrize(
    "value, status",
    [(10.0, "achieved"), (14.0, "on_track"), (15.0, "at_risk"), (18.0, "off_track"), (9.0, "achieved")],
)
def test_decrease_statuses_rank_lower_is_better(y2023, value, status):
    row = y2023[f"down_{value:g}"]
    assert row["result_status"] == status
    assert row["achievement"] == pytest.approx(10.0 / value)
    assert row["progress"] == pytest.approx((value - 20) / (10 - 20))


def test_no_data_and_no_target(y2023):
    assert y2023["no_data"]["result_status"] == "no_data"
    assert y2023["no_target"]["result_status"] == "no_target"
    assert y2023["baseline_only"]["result_status"] == "no_target"


@pytest.mark.parametrize(
    "value, met, achievement", [(61.0, True, 1.0), (59.0, False, 59 / 60), (63.0, False, 62 / 63)]
)
def test_range_is_met_inside(y2023, value, met, achievement):
    row = y2023[f"range_{value:g}"]
    assert (row["result_status"] == "achieved") is met
    assert row["achievement"] == pytest.approx(achievement)


def test_a_range_overshot_is_judged_by_achievement(y2023):
    row = y2023["range_80"]
    assert row["progress"] is None
    assert row["result_status"] == "at_risk"  # 62 / 80 = 0.775


def test_an_increase_target_given_as_a_range_is_met_at_its_minimum(y2023):
    assert y2023["gdp_8300"]["result_status"] == "achieved"
    assert y2023["gdp_9000"]["result_status"] == "achieved"
    assert y2023["gdp_7000"]["progress"] == pytest.approx((7000 - 5420) / (8300 - 5420))


def test_target_delta_from_the_earliest_value_in_the_term(y2023):
    # Rank 7 in 2021; target: up two places (−2) → 5.
    row = y2023["delta_earliest"]
    assert (row["baseline_value"], row["baseline_period"], row["baseline_source"]) == (
        7.0,
        "2021",
        "earliest_value",
    )
    assert row["target_value"] == 5.0
    assert row["result_status"] == "achieved"


def test_target_delta_from_the_value_in_the_baseline_year(y2023):
    row = y2023["delta_baseline_year"]
    assert (row["baseline_value"], row["baseline_source"], row["target_value"]) == (8.0, "baseline_year", 6.0)
    assert row["progress"] == pytest.approx(0.5)  # (7 − 8) / (6 − 8)
    assert row["result_status"] == "at_risk"  # 0.5 / 0.6 = 0.83


def test_expected_progress_follows_the_milestones(q2):
    row = q2["milestones"]
    # The end of 2024-Q2 is halfway from the 2023 milestone (82, end of 2023) to the 2024 one (84): 83.
    assert row["expected_progress"] == pytest.approx((83 - 78) / (85 - 78))
    assert row["progress"] == pytest.approx((82 - 78) / (85 - 78))
    assert row["result_status"] == "at_risk"  # (4/7) / (5/7) = 0.8
    assert row["milestone_value"] == 84.0
    assert row["milestone_achievement"] == pytest.approx(82 / 84)
    linear = q2["linear"]
    assert linear["expected_progress"] == pytest.approx(14 / 20)  # 3.5 of 5 years
    assert linear["result_status"] == "at_risk"  # (4/7) / 0.7 = 0.82


@pytest.mark.parametrize("value, status", [(95.0, "on_track"), (80.0, "at_risk"), (50.0, "off_track")])
def test_without_a_baseline_achievement_decides(y2023, value, status):
    row = y2023[f"nobase_{value:g}"]
    assert row["baseline_source"] is None and row["progress"] is None
    assert row["result_status"] == status


def test_a_running_total_over_the_term_starts_from_zero(y2023):
    row = y2023["running_total"]
    assert (row["baseline_value"], row["baseline_source"]) == (0.0, "running_total_start")
    assert row["progress"] == pytest.approx(0.6) and row["result_status"] == "on_track"


def test_an_annual_flow_is_compared_as_a_yearly_amount(q2):
    row = q2["flow"]
    assert row["value"] == 25.0
    assert row["compared_value"] == pytest.approx(90.0)  # (20 + 25) × 4 / 2
    assert row["progress"] == pytest.approx(0.75)  # (90 − 60) / (100 − 60)
    assert row["expected_progress"] == pytest.approx(0.7)  # 14 of 20 quarters
    assert row["result_status"] == "on_track"


def test_projection_meets_the_target_or_not(y2023):
    assert y2023["projection_45"]["projection"] == pytest.approx(50.0)
    assert y2023["projection_45"]["projection_meets_target"] is True
    assert y2023["projection_60"]["projection_meets_target"] is False


def test_thresholds_come_from_settings():
    catalog = make_catalog(
        [indicator("01.01", frequency="year", agg_units="none")],
        targets=UP,
        assignments=[("01.01", None, "SO-A")],
    )
    strict = rollup(
        values([("SO-A", "2023", "01.01", 51.0)]), catalog, "2023", settings=Settings(on_track=0.95)
    )
    assert pick(strict.results, "01", "01.01", "result_status") == "at_risk"


def _district(rows, targets, **rules):
    catalog = make_catalog(
        [indicator("01.01", frequency="year", **rules)],
        targets=targets,
        assignments=[("01.01", "district", None)],
    )
    return rollup(values(rows), catalog, "2023").results


def test_a_district_is_held_to_the_city_s_target_only_when_comparable():
    rows = [("001", "2023", "01.01", 70.0, 7.0, 10.0), ("002", "2023", "01.01", 50.0, 5.0, 10.0)]
    ratio = _district(rows, [target("01.01", target_value=60.0)], agg_units="ratio", value_type="percent")
    assert (pick(ratio, "001", "01.01", "target_source"), pick(ratio, "001", "01.01", "result_status")) == (
        "city",
        "achieved",
    )
    assert pick(ratio, "01", "01.01", "target_source") == "own"
    counts = _district(rows, [target("01.01", target_value=60.0)], agg_units="sum", value_type="count")
    assert pick(counts, "001", "01.01", "result_status") == "no_target"
    assert pick(counts, "01", "01.01", "value") == 120.0
    ranks = _district(
        rows, [target("01.01", target_value=3.0)], agg_units="none", value_type="rank", direction="decrease"
    )
    assert pick(ranks, "001", "01.01", "result_status") == "no_target"


def test_a_district_s_own_target_wins():
    rows = [("001", "2023", "01.01", 8.0), ("002", "2023", "01.01", 8.0)]
    out = _district(
        rows,
        [target("01.01", target_value=3.0), target("01.01", unit="001", target_max=10.0)],
        agg_units="none",
        value_type="rank",
        direction="decrease",
    )
    assert (pick(out, "001", "01.01", "target_source"), pick(out, "001", "01.01", "result_status")) == (
        "own",
        "achieved",
    )
    assert pick(out, "002", "01.01", "result_status") == "no_target"


def test_a_yes_no_ward_is_held_to_one():
    catalog = make_catalog(
        [indicator("01.01", frequency="year", value_type="boolean", agg_units="share_meeting_target")],
        targets=[target("01.01", target_min=90.0)],
        assignments=[("01.01", "ward", None)],
    )
    out = rollup(
        values(
            [
                ("00001", "2023", "01.01", 1.0),
                ("00002", "2021", "01.01", 0.0),  # a baseline: no progress since is off track
                ("00002", "2023", "01.01", 0.0),
                ("00003", "2023", "01.01", 1.0),
            ]
        ),
        catalog,
        "2023",
    ).results
    assert (pick(out, "00001", "01.01", "target_source"), pick(out, "00001", "01.01", "result_status")) == (
        "implicit",
        "achieved",
    )
    ward = out.filter(pl.col("unit_code") == "00002").row(0, named=True)
    # Baseline at the end of 2021, target at the end of 2025: at the end of 2023, half the way.
    assert (ward["target_year"], ward["progress"], ward["expected_progress"]) == (2025, 0.0, 0.5)
    assert ward["result_status"] == "off_track"
    assert pick(out, "01", "01.01", "value") == pytest.approx(200 / 3)
    assert pick(out, "01", "01.01", "result_status") != "achieved"
