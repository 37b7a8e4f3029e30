"""History across the 2025 reorganisation: old units' figures carried to the units that took them over.

The scenario, by hand: districts 001 (wards 00001, 00002) and 002 (ward
00003) close on 30 June 2025; from 1 July ward 10001 takes 00001 and most of
00002 (its default successor), ward 10002 takes 00003 and the rest of 00002.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from synthetic_catalog import indicator, make_catalog, pick, values

from hanoi_ctr.engine.lineage import weights
from hanoi_ctr.engine.results import rollup

CLOSED, OPENED = date(2025, 6, 30), date(2025, 7, 1)
UNITS = [
    ("01", "thanh_pho", None, None, None),
    ("001", "quan", "01", None, CLOSED),
    ("002", "huyen", "01", None, CLOSED),
    ("00001", "phuong", "001", None, CLOSED),
    ("00002", "phuong", "001", None, CLOSED),
    ("00003", "xa", "002", None, CLOSED),
    ("10001", "phuong", "01", OPENED, None),
    ("10002", "xa", "01", OPENED, None),
]
LINEAGE = [("00001", "10001", False, True), ("00002", "10001", True, True), ("00002", "10002", True, False),
           ("00003", "10002", False, True)]
SHARED = [("00001", "10001", False, True), ("00002", "10001", True, True, 0.25),
          ("00002", "10002", True, False, 0.75), ("00003", "10002", False, True)]
INDICATORS = [
    indicator("01.01", value_type="count", decimals=0),  # a sum
    indicator("01.02", value_type="percent", agg_units="ratio", ratio_scale=100),
    indicator("01.03", value_type="rank", agg_units="min", decimals=0),  # a rank: no history to carry
]
ASSIGNED = [(code, "ward", None) for code in ("01.01", "01.02", "01.03")]
ROWS = [
    ("00001", "2025-Q2", "01.01", 10), ("00002", "2025-Q2", "01.01", 20), ("00003", "2025-Q2", "01.01", 5),
    ("00001", "2025-Q2", "01.02", None, 45, 50), ("00002", "2025-Q2", "01.02", None, 30, 40),
    ("00003", "2025-Q2", "01.02", None, 10, 20),
    ("00001", "2025-Q2", "01.03", 3), ("00002", "2025-Q2", "01.03", 1), ("00003", "2025-Q2", "01.03", 2),
    ("10001", "2025-Q3", "01.01", 33), ("10002", "2025-Q3", "01.01", 27),
    ("10001", "2025-Q3", "01.02", None, 80, 100), ("10002", "2025-Q3", "01.02", None, 12, 20),
    ("10001", "2025-Q3", "01.03", 2), ("10002", "2025-Q3", "01.03", 1),
]


def _catalog(lineage=LINEAGE):
    return make_catalog(INDICATORS, assignments=ASSIGNED, units=UNITS, lineage=lineage)


def test_a_split_unit_goes_to_its_default_successor_unless_shares_are_given():
    plain = weights(_catalog()).sort("old_code", "new_code")
    assert plain.select("old_code", "new_code", "_w", "mapping").rows() == [
        ("00001", "10001", 1.0, "whole"), ("00002", "10001", 1.0, "default_successor"),
        ("00002", "10002", 0.0, "default_successor"), ("00003", "10002", 1.0, "whole")]
    shared = weights(_catalog(SHARED)).filter(pl.col("old_code") == "00002").sort("new_code")
    assert shared.select("_w", "mapping").rows() == [(0.25, "shares"), (0.75, "shares")]


def test_the_new_units_previous_quarter_is_their_old_units_figures():
    out = rollup(values(ROWS), _catalog(), "2025-Q3").results
    # Sums add: 10001 = 00001 + all of 00002 (its default successor); 10002 = 00003.
    assert (pick(out, "10001", "01.01", "previous_value"), pick(out, "10002", "01.01", "previous_value")) == (30, 5)
    assert pick(out, "10001", "01.01", "change") == 3
    # Ratios are recomputed from the summed parts: (45 + 30) / (50 + 40), not the mean of 90 % and 75 %.
    assert pick(out, "10001", "01.02", "previous_value") == pytest.approx(100 * 75 / 90)
    assert pick(out, "10002", "01.02", "previous_value") == pytest.approx(50.0)
    # A rank means nothing over another set of units: no history.
    assert pick(out, "10001", "01.03", "previous_value") is None


def test_shares_split_an_old_units_parts():
    out = rollup(values(ROWS), _catalog(SHARED), "2025-Q3").results
    assert pick(out, "10001", "01.01", "previous_value") == pytest.approx(10 + 0.25 * 20)
    assert pick(out, "10002", "01.01", "previous_value") == pytest.approx(5 + 0.75 * 20)
    assert pick(out, "10001", "01.02", "previous_value") == pytest.approx(100 * (45 + 7.5) / (50 + 10))
    assert pick(out, "10002", "01.02", "previous_value") == pytest.approx(100 * (10 + 22.5) / (20 + 30))


def test_every_mapped_value_says_so_and_from_which_units():
    year = rollup(values(ROWS), _catalog(), "2025-Q3").trend.filter(pl.col("unit_code") == "10001")
    mapped = year.filter(pl.col("period") == "2025-Q2", pl.col("indicator_code") == "01.01").row(0, named=True)
    assert (mapped["value"], mapped["value_source"], mapped["mapped_from"]) == (30, "mapped", "00001, 00002")
    own = year.filter(pl.col("period") == "2025-Q3", pl.col("indicator_code") == "01.01").row(0, named=True)
    assert (own["value_source"], own["mapped_from"]) == ("reported", None)
    rank = year.filter(pl.col("indicator_code") == "01.03", pl.col("period") == "2025-Q2")
    assert rank["value"].drop_nulls().is_empty()  # nothing carried for a rank


def test_a_mapped_total_over_old_units_that_did_not_all_report_is_partial():
    rows = [r for r in ROWS if not (r[0] == "00002" and r[1] == "2025-Q2")]
    trend = rollup(values(rows), _catalog(), "2025-Q3").trend
    q2 = trend.filter(pl.col("unit_code") == "10001", pl.col("period") == "2025-Q2",
                      pl.col("indicator_code") == "01.01").row(0, named=True)
    assert (q2["value"], q2["n_expected"], q2["n_reported"], q2["mapped_from"]) == (10, 2, 1, "00001")


def test_the_city_is_continuous_across_the_reorganisation():
    out = rollup(values(ROWS), _catalog(), "2025-Q3").trend.filter(pl.col("unit_code") == "01",
                                                                  pl.col("indicator_code") == "01.01")
    assert dict(out.filter(pl.col("period").is_in(["2025-Q2", "2025-Q3"])).select("period", "value").iter_rows()) == {
        "2025-Q2": 35, "2025-Q3": 60}


def test_a_year_across_the_reorganisation_shows_both_structures():
    out = rollup(values(ROWS), _catalog(), "2025").results.filter(pl.col("indicator_code") == "01.01")
    rows = {(r["unit_code"], r["units_on"]): r for r in out.iter_rows(named=True)}
    # The abolished units as they stood on 30 June 2025: their 2025-Q2 figures.
    assert (rows["00001", CLOSED]["value"], rows["00001", CLOSED]["value_period"]) == (10, "2025-Q2")
    assert (rows["001", CLOSED]["value"], rows["002", CLOSED]["value"]) == (30, 5)
    # The new units and the city as at the year's end, the new units with their mapped history.
    year_end = date(2025, 12, 31)
    assert {u for u, day in rows if day == year_end} == {"01", "10001", "10002"}
    assert {u for u, day in rows if day == CLOSED} == {"001", "002", "00001", "00002", "00003"}
    assert set(out["period"]) == {"2025"}


def test_a_code_reused_after_the_reorganisation_is_two_units():
    units = [u if u[0] != "10001" else ("00001", "phuong", "01", OPENED, None) for u in UNITS]
    lineage = [(old, "00001" if new == "10001" else new, split, default) for old, new, split, default in LINEAGE]
    catalog = make_catalog(INDICATORS, assignments=ASSIGNED, units=units, lineage=lineage)
    rows = [(("00001",) + r[1:]) if r[0] == "10001" else r for r in ROWS]
    out = rollup(values(rows), catalog, "2025").results.filter(pl.col("unit_code") == "00001",
                                                               pl.col("indicator_code") == "01.01")
    assert dict(out.select("units_on", "value_period").iter_rows()) == {CLOSED: "2025-Q2", date(2025, 12, 31): "2025"}
    q3 = rollup(values(rows), catalog, "2025-Q3").results.filter(pl.col("unit_code") == "00001",
                                                                 pl.col("indicator_code") == "01.01")
    assert q3.select("value", "previous_value").rows() == [(33, 30)]  # the new 00001, its history carried


def test_completeness_counts_each_unit_record_in_force_each_quarter():
    units = [u if u[0] != "10001" else ("00001", "phuong", "01", OPENED, None) for u in UNITS]
    lineage = [(old, "00001" if new == "10001" else new, split, default) for old, new, split, default in LINEAGE]
    catalog = make_catalog(INDICATORS, assignments=ASSIGNED, units=units, lineage=lineage)
    rows = [(("00001",) + r[1:]) if r[0] == "10001" else r for r in ROWS]
    comp = rollup(values(rows), catalog, "2025").completeness
    mine = comp.filter(pl.col("scope") == "unit", pl.col("unit_code") == "00001")
    # The old ward owed 2025-Q1 and Q2, the new ward of the same code Q3 and Q4.
    assert dict(mine.select("units_on", "n_expected").iter_rows()) == {CLOSED: 2, date(2025, 12, 31): 2}
    districts = comp.filter(pl.col("scope") == "district")
    assert set(districts["unit_code"]) == {"001", "002"} and set(districts["units_on"]) == {CLOSED}


def test_before_the_reorganisation_the_new_units_do_not_exist():
    out = rollup(values(ROWS), _catalog(), "2025-Q2")
    assert not {"10001", "10002"} & (set(out.results["unit_code"]) | set(out.trend["unit_code"]))
    assert "mapped" not in out.trend["value_source"].to_list()
