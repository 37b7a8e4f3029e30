"""The rollup by category: every rule per category, totals from parts, targets for a category."""

from __future__ import annotations

import random
from dataclasses import replace

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_catalog import frame, indicator, make_catalog, target, values

from hanoi_ctr.engine.results import rollup

Q3 = "2024-Q3"
WARDS = ("00001", "00002", "00003")
SEX = ("sex=nam", "sex=nu")


def _catalog(agg: str = "sum", total_reported: bool = False, targets: list[dict] = (), **rules: object):
    base = make_catalog([indicator("01.01", agg_units=agg, **rules)], targets=list(targets),
                        assignments=[("01.01", "ward", None)])
    catalog = replace(
        base,
        dimensions=frame("dimensions", [{"dimension": "sex", "name_vi": "Giới tính", "name_en": "Sex",
                                         "display_order": 1, "source": "test"}]),
        categories=frame("categories", [
            {"dimension": "sex", "category_code": c, "name_vi": vi, "name_en": en, "display_order": i + 1,
             "source": "test"} for i, (c, vi, en) in enumerate((("nam", "Nam", "Men"), ("nu", "Nữ", "Women")))]),
        disaggregations=frame("disaggregations", [{"term": "XVII", "indicator_code": "01.01", "dimension": "sex",
                                                   "total_reported": total_reported, "source": "test"}]),
    )
    by_category = pl.col("category").is_not_null()
    return replace(catalog, targets=catalog.targets.filter(~by_category),
                   category_targets=catalog.targets.filter(by_category))


def _values(rows: list[tuple]) -> pl.DataFrame:
    """Values from (unit, category, value[, numerator, denominator]) rows for Q3."""
    frames = [values([(unit, Q3, "01.01", *rest)]).with_columns(category=pl.lit(cat, pl.String),
                                                                 row=pl.lit(n + 2, pl.Int64))
              for n, (unit, cat, *rest) in enumerate(rows)]
    return pl.concat(frames)


def _at(results: pl.DataFrame, unit: str, category: str | None, column: str = "value") -> object:
    found = results.filter(pl.col("unit_code") == unit, pl.col("indicator_code") == "01.01",
                           pl.col("category").eq_missing(category))
    assert found.height == 1, found
    return found[column][0]


counts = st.integers(0, 500).map(float)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(counts, counts), min_size=3, max_size=3))
def test_the_categories_of_a_sum_add_up_to_the_total_of_the_totals(parts):
    rows = [(w, c, v) for w, pair in zip(WARDS, parts) for c, v in zip(SEX, pair)]
    by_parts = rollup(_values(rows), _catalog(), Q3).results
    by_totals = rollup(_values([(w, None, sum(pair)) for w, pair in zip(WARDS, parts)]), _catalog(), Q3).results
    for unit in ("01", "001", "002"):
        total = _at(by_totals, unit, None)
        assert sum(_at(by_parts, unit, c) for c in SEX) == pytest.approx(total)
        assert _at(by_parts, unit, None) == pytest.approx(total)
    assert _at(by_parts, "00001", None, "value_source") == "from_parts"
    assert _at(by_parts, "00001", "sex=nu", "value_source") == "reported"


parts_of_a_ratio = st.tuples(st.integers(0, 50), st.integers(1, 50)).map(
    lambda p: (float(min(p)), float(max(p))))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(parts_of_a_ratio, parts_of_a_ratio), min_size=3, max_size=3))
def test_a_ratio_is_recomputed_per_category_and_its_total_from_the_summed_parts(parts):
    rows = [(w, c, 100 * a / b, a, b) for w, pair in zip(WARDS, parts) for c, (a, b) in zip(SEX, pair)]
    out = rollup(_values(rows), _catalog("ratio", value_type="percent", ratio_scale=100,
                                         numerator_label_vi="a", denominator_label_vi="b"), Q3).results
    for i, category in enumerate(SEX):
        a = sum(pair[i][0] for pair in parts)
        b = sum(pair[i][1] for pair in parts)
        assert _at(out, "01", category) == pytest.approx(100 * a / b)
    a = sum(x[0] for pair in parts for x in pair)
    b = sum(x[1] for pair in parts for x in pair)
    assert _at(out, "01", None) == pytest.approx(100 * a / b)
    assert (_at(out, "01", None, "numerator"), _at(out, "01", None, "denominator")) == pytest.approx((a, b))


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(counts, counts), min_size=3, max_size=3), st.randoms(use_true_random=False))
def test_the_order_of_the_rows_changes_nothing(parts, rnd: random.Random):
    rows = [(w, c, v) for w, pair in zip(WARDS, parts) for c, v in zip(SEX, pair)]
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    first = rollup(_values(rows), _catalog(), Q3).results.drop("units_on")
    again = rollup(_values(shuffled), _catalog(), Q3).results.drop("units_on")
    assert first.equals(again)


def test_a_reported_total_is_the_total_and_incomplete_parts_derive_none():
    rows = [("00001", None, 10.0), ("00001", "sex=nu", 4.0), ("00001", "sex=nam", 5.0),
            ("00002", "sex=nu", 3.0)]
    out = rollup(_values(rows), _catalog(total_reported=True), Q3).results
    assert (_at(out, "00001", None), _at(out, "00001", None, "value_source")) == (10.0, "reported")
    assert _at(out, "00002", None) is None and _at(out, "00002", "sex=nu") == 3.0
    assert _at(out, "001", None) == 10.0 and _at(out, "001", "sex=nu") == 7.0


def test_a_target_may_be_set_for_a_category():
    goal = {**target("01.01", target_value=40.0), "category": "sex=nu"}
    rows = [(w, c, 10.0) for w in WARDS for c in SEX]
    out = rollup(_values(rows), _catalog(targets=[goal]), Q3).results
    assert _at(out, "01", "sex=nu", "target_value") == 40.0
    assert _at(out, "01", "sex=nam", "target_value") is None and _at(out, "01", None, "target_value") is None
    assert _at(out, "01", "sex=nu", "result_status") not in ("no_target", "no_data")


def test_values_without_a_category_column_roll_up_as_before():
    catalog = _catalog()
    rows = values([(w, Q3, "01.01", 5.0) for w in WARDS])
    out = rollup(rows, catalog, Q3).results
    assert _at(out, "01", None) == 15.0 and out["category"].null_count() == out.height
