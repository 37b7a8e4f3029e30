"""Aggregation across units: every rule computed by hand on a three-level hierarchy.

City 01 → district 001 (wards 00001, 00002) and district 002 (ward 00003).
"""

from __future__ import annotations

import math
from datetime import UTC, date

import polars as pl
import pytest
from synthetic_catalog import REORGANISED, indicator, make_catalog, pick, values

from hanoi_ctr.engine.results import rollup
from hanoi_ctr.settings import Settings

Q3 = "2024-Q3"


def _run(agg: str, rows: list[tuple], level: str = "ward", period: str = Q3, **rules):
    catalog = make_catalog([indicator("01.01", agg_units=agg, **rules)], assignments=[("01.01", level, None)])
    return rollup(values(rows), catalog, period)


def test_ratio_is_recomputed_from_numerators_and_denominators_not_averaged():
    # Ward percentages 90 % and 1.11 %: their average is 45.6 %, the district's real rate 10/100 = 10 %.
    out = _run(
        "ratio",
        [
            ("00001", Q3, "01.01", 90.0, 9.0, 10.0),
            ("00002", Q3, "01.01", 1.0 / 0.9, 1.0, 90.0),
            ("00003", Q3, "01.01", 25.0, 50.0, 200.0),
        ],
        value_type="percent",
    ).results
    assert pick(out, "001", "01.01") == pytest.approx(10.0)
    assert (pick(out, "001", "01.01", "numerator"), pick(out, "001", "01.01", "denominator")) == (10.0, 100.0)
    # City: (9 + 1 + 50) / (10 + 90 + 200) = 20 %, not the mean of the districts (10 %, 25 %) = 17.5 %
    # nor the mean of the wards (90 %, 1.1 %, 25 %) = 38.7 %.
    assert pick(out, "01", "01.01") == pytest.approx(20.0)
    assert pick(out, "01", "01.01", "value_source") == "rollup"


def test_ratio_scale_applies_at_every_level():
    out = _run(
        "ratio",
        [("00001", Q3, "01.01", None, 3.0, 20000.0), ("00003", Q3, "01.01", None, 1.0, 20000.0)],
        ratio_scale=10000.0,
    ).results
    assert pick(out, "001", "01.01") == pytest.approx(1.5)  # 3 beds per 20 000 people = 1.5 per 10 000
    assert pick(out, "01", "01.01") == pytest.approx(1.0)  # 4 / 40 000 × 10 000


def test_sum_counts_zero_and_ignores_missing():
    out = _run("sum", [("00001", Q3, "01.01", 0.0), ("00002", Q3, "01.01", None)]).results
    # Ward 00001 reported zero, 00002 sent the no-data marker, 00003 sent nothing.
    assert pick(out, "001", "01.01") == 0.0
    assert (pick(out, "001", "01.01", "n_expected"), pick(out, "001", "01.01", "n_reported")) == (2, 1)
    assert pick(out, "002", "01.01") is None
    assert pick(out, "002", "01.01", "value_source") is None
    assert pick(out, "01", "01.01") == 0.0
    assert (pick(out, "01", "01.01", "n_expected"), pick(out, "01", "01.01", "n_reported")) == (3, 1)


def test_mean_averages_the_direct_children():
    out = _run(
        "mean", [("00001", Q3, "01.01", 10.0), ("00002", Q3, "01.01", 20.0), ("00003", Q3, "01.01", 60.0)]
    ).results
    assert pick(out, "001", "01.01") == 15.0
    assert pick(out, "01", "01.01") == 37.5  # mean of the districts (15, 60), not of the wards (30)


def test_weighted_mean_weights_by_denominators():
    out = _run(
        "weighted_mean",
        [
            ("00001", Q3, "01.01", 10.0, None, 1.0),
            ("00002", Q3, "01.01", 20.0, None, 3.0),
            ("00003", Q3, "01.01", 40.0, None, 4.0),
        ],
    ).results
    assert pick(out, "001", "01.01") == pytest.approx((10 * 1 + 20 * 3) / 4)  # 17.5
    assert pick(out, "01", "01.01") == pytest.approx((10 * 1 + 20 * 3 + 40 * 4) / 8)  # 28.75
    assert pick(out, "01", "01.01", "denominator") == 8.0


@pytest.mark.parametrize("agg, district, city", [("min", 10.0, 10.0), ("max", 20.0, 60.0)])
def test_min_and_max(agg, district, city):
    out = _run(
        agg, [("00001", Q3, "01.01", 10.0), ("00002", Q3, "01.01", 20.0), ("00003", Q3, "01.01", 60.0)]
    ).results
    assert (pick(out, "001", "01.01"), pick(out, "01", "01.01")) == (district, city)


def test_share_meeting_target_counts_wards_meeting_their_own_target():
    # Yes/no wards without an own target: 1 meets, 0 does not.
    catalog = make_catalog(
        [indicator("01.01", agg_units="share_meeting_target", value_type="boolean", frequency="year")],
        assignments=[("01.01", "ward", None)],
    )
    out = rollup(
        values(
            [
                ("00001", "2024-Q4", "01.01", 1.0),
                ("00002", "2024-Q4", "01.01", 0.0),
                ("00003", "2024-Q4", "01.01", 1.0),
            ]
        ),
        catalog,
        "2024",
    ).results
    assert pick(out, "001", "01.01") == 50.0
    assert pick(out, "002", "01.01") == 100.0
    assert pick(out, "01", "01.01") == pytest.approx(200 / 3)  # 2 of 3 wards, recomputed from the wards
    assert (pick(out, "01", "01.01", "numerator"), pick(out, "01", "01.01", "denominator")) == (2.0, 3.0)


def test_share_meeting_target_uses_a_ward_s_own_target_when_it_has_one():
    catalog = make_catalog(
        [indicator("01.01", agg_units="share_meeting_target", value_type="score")],
        targets=[
            {
                "indicator_code": "01.01",
                "unit_code": "00001",
                "year": 2025,
                "target_kind": "term_end",
                "target_min": 5.0,
                "source": "t",
            }
        ],
        assignments=[("01.01", "ward", None)],
    )
    out = rollup(values([("00001", Q3, "01.01", 7.0), ("00002", Q3, "01.01", 9.0)]), catalog, Q3).results
    # 00001 meets its own target; 00002 has none and cannot be assessed: 1 of 1 assessable.
    assert pick(out, "001", "01.01") == 100.0
    assert pick(out, "001", "01.01", "n_reported") == 2


def test_none_is_shown_only_at_the_owning_level():
    out = _run(
        "none",
        [("001", Q3, "01.01", 3.0), ("002", Q3, "01.01", 7.0)],
        level="district",
        value_type="rank",
        direction="decrease",
    ).results
    assert set(out["unit_code"]) == {"001", "002"}
    assert pick(out, "001", "01.01") == 3.0


def test_a_district_s_own_figure_stands_beside_its_wards_rollup():
    catalog = make_catalog(
        [indicator("01.01")], assignments=[("01.01", "ward", None), ("01.01", "district", None)]
    )
    rows = [
        ("001", Q3, "01.01", 100.0),
        ("00001", Q3, "01.01", 40.0),
        ("00002", Q3, "01.01", 50.0),
        ("002", Q3, "01.01", 30.0),
        ("00003", Q3, "01.01", 30.2),
    ]
    result = rollup(values(rows), catalog, Q3)
    out = result.results
    assert (pick(out, "001", "01.01"), pick(out, "001", "01.01", "value_source")) == (100.0, "reported")
    assert pick(out, "001", "01.01", "rollup_value") == 90.0
    assert pick(out, "01", "01.01") == 130.0  # the districts' own figures, not the wards' 120.2
    warned = result.issues.filter(pl.col("code") == "rollup-mismatch")
    # 001 differs by 10 / 90 = 11 %; 002 by 0.2 / 30.2 = 0.66 %, inside the 1 % tolerance.
    assert warned.select("unit_code", "row", "severity").rows() == [("001", 2, "warning")]
    looser = rollup(values(rows), catalog, Q3, settings=Settings(rollup_tolerance=0.2))
    assert looser.issues.filter(pl.col("code") == "rollup-mismatch").is_empty()


def test_no_mismatch_warning_while_the_wards_rollup_is_incomplete():
    catalog = make_catalog(
        [indicator("01.01")], assignments=[("01.01", "ward", None), ("01.01", "district", None)]
    )
    out = rollup(values([("001", Q3, "01.01", 100.0), ("00001", Q3, "01.01", 40.0)]), catalog, Q3)
    assert pick(out.results, "001", "01.01", "rollup_value") == 40.0
    assert out.issues.filter(pl.col("code") == "rollup-mismatch").is_empty()


def test_an_agency_s_value_for_its_explicit_indicator_is_the_city_s():
    catalog = make_catalog(
        [indicator("02.01", frequency="year", agg_units="none")], assignments=[("02.01", None, "SO-A")]
    )
    out = rollup(values([("SO-A", "2024-Q4", "02.01", 7.2)]), catalog, "2024").results
    assert out.select("unit_code", "unit_level", "value", "value_source").rows() == [
        ("01", "city", 7.2, "reported")
    ]


def test_after_the_reorganisation_wards_hang_under_the_city_and_closed_units_are_not_expected():
    catalog = make_catalog([indicator("01.01")], assignments=[("01.01", "ward", None)], units=REORGANISED)
    rows = [
        ("00001", "2025-Q3", "01.01", 5.0),
        ("10001", "2025-Q3", "01.01", 7.0),
        ("00002", "2025-Q3", "01.01", 100.0),
    ]  # 00002 no longer exists: not expected, not counted
    out = rollup(values(rows), catalog, "2025-Q3").results
    assert set(out["unit_code"]) == {"01", "00001", "10001"}
    assert pick(out, "01", "01.01") == 12.0
    assert (pick(out, "01", "01.01", "n_expected"), pick(out, "01", "01.01", "n_reported")) == (2, 2)
    assert pick(out, "00001", "01.01", "unit_level") == "ward"


def test_a_unit_opening_mid_term_is_not_expected_before_it_exists():
    units = [
        ("01", "thanh_pho", None, None, None),
        ("001", "quan", "01", None, None),
        ("00001", "phuong", "001", None, None),
        ("00002", "phuong", "001", date(2024, 7, 1), None),
    ]
    catalog = make_catalog([indicator("01.01")], assignments=[("01.01", "ward", None)], units=units)
    before = rollup(values([("00001", "2024-Q2", "01.01", 4.0)]), catalog, "2024-Q2").results
    assert (pick(before, "001", "01.01", "n_expected"), pick(before, "001", "01.01", "n_reported")) == (1, 1)
    after = rollup(values([("00001", "2024-Q3", "01.01", 4.0)]), catalog, Q3).results
    assert (pick(after, "001", "01.01", "n_expected"), pick(after, "001", "01.01", "n_reported")) == (2, 1)


def test_latest_revision_wins_and_as_of_reproduces_the_past():
    from datetime import datetime

    catalog = make_catalog([indicator("01.01")], assignments=[("01.01", "ward", None)])
    first = values([("00001", Q3, "01.01", 10.0)], received_at=datetime(2024, 10, 1, tzinfo=UTC))
    second = values(
        [("00001", Q3, "01.01", 12.0)], received_at=datetime(2024, 10, 9, tzinfo=UTC), sha256="b" * 64
    )
    both = pl.concat([second, first])
    assert pick(rollup(both, catalog, Q3).results, "00001", "01.01") == 12.0
    earlier = rollup(both, catalog, Q3, as_of=datetime(2024, 10, 5, tzinfo=UTC)).results
    assert pick(earlier, "00001", "01.01") == 10.0


def test_missing_ratio_parts_leave_the_unit_out_of_the_aggregate():
    out = _run("ratio", [("00001", Q3, "01.01", 80.0), ("00002", Q3, "01.01", None, 1.0, 4.0)]).results
    assert pick(out, "00001", "01.01") == 80.0  # its own figure is still shown
    assert pick(out, "001", "01.01") == 25.0  # 1 / 4: the value without parts cannot be combined
    assert not math.isnan(pick(out, "01", "01.01"))
