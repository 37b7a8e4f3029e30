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


CSV = """unit_code,period,indicator_code,category,value,numerator,denominator,note,submitted_at
003,2024-Q3,01.06,,12,,,,02/10/2024
003,2024-Q3,01.06,Nữ,5,,,,02/10/2024
003,2024-Q3,01.06,Nam,7,,,,02/10/2024
004,2024-Q3,01.06,Nữ,3,,,,02/10/2024
004,2024-Q3,01.06,Nam,1,,,,02/10/2024
"""


@pytest.fixture(scope="module")
def by_sex(xvii, tmp_path_factory):
    from datetime import datetime, timezone

    from hanoi_ctr import validate
    path = tmp_path_factory.mktemp("in") / "by-sex.csv"
    path.write_text(CSV, encoding="utf-8")
    batch = validate([path], xvii, now=datetime(2024, 10, 5, tzinfo=timezone.utc))
    return batch, rollup(batch.values, xvii, Q3, ledger=batch.ledger)


def test_the_results_parquet_has_a_category_column_empty_for_totals(by_sex, tmp_path):
    _, results = by_sex
    path = tmp_path / "results.parquet"
    results.results.write_parquet(path)
    back = pl.read_parquet(path).filter(pl.col("unit_code") == "01", pl.col("indicator_code") == "01.06")
    assert back.sort("category", nulls_last=False).select("category", "value").rows() == [
        (None, 16.0), ("sex=nam", 8.0), ("sex=nu", 8.0)]
    own = results.results.filter(pl.col("unit_code") == "004", pl.col("indicator_code") == "01.06",
                                 pl.col("category").is_null())
    assert own.select("value", "value_source").rows() == [(4.0, "from_parts")]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_program_sheet_shows_each_category_beneath_its_indicator(by_sex, xvii, tmp_path, lang):
    import openpyxl

    from hanoi_ctr.report.build import write_workbook
    from hanoi_ctr.report.program import program_sheet_name
    batch, results = by_sex
    path = write_workbook(results, tmp_path / "r.xlsx", lang, catalog=xvii, ledger=batch.ledger,
                          intake_issues=batch.issues)
    ws = openpyxl.load_workbook(path)[program_sheet_name("01-CTr/TU")]
    rows = [(ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 9).value) for r in range(1, ws.max_row + 1)
            if ws.cell(r, 1).value == "01.06"]
    share = {"vi": ("50,0% tổng số", "50,0% tổng số"), "en": ("50.0% of the total", "50.0% of the total")}[lang]
    labels = {"vi": ("Nam", "Nữ"), "en": ("Men", "Women")}[lang]
    assert [(r[1], r[2]) for r in rows[1:3]] == [(f"– {labels[0]} ({share[0]})", 8), (f"– {labels[1]} ({share[1]})", 8)]
    assert rows[0][2] == 16
