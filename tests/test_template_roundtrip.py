"""Template round trip: generate → fill as an officer would → ingest → the same values, no issues."""

from __future__ import annotations

from datetime import datetime, timezone

import openpyxl
import polars as pl
import pytest
from filling import due_codes, edit_meta, fill_template

from hanoi_ctr import ingest, make_templates, parse_period, validate
from hanoi_ctr.intake import layout
from hanoi_ctr.settings import Settings


@pytest.fixture(scope="module")
def catalog(xvii):
    """These tests are about term XVII: the catalog as it sees it."""
    return xvii

NOW = datetime(2025, 1, 10, tzinfo=timezone.utc)
PERIOD = parse_period("2024-Q4")  # year-end: quarterly, half-yearly and yearly indicators are all due


@pytest.fixture(scope="module")
def templates(catalog, tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    return {p.stem.split("_")[1]: p for p in make_templates(catalog, PERIOD, out,
                                                               units=["003", "00277", "SO-LDTBXH", "TU-BTC"])}


@pytest.mark.parametrize("unit", ["003", "00277", "SO-LDTBXH"])
def test_filled_template_ingests_to_exactly_the_typed_values(catalog, templates, tmp_path, unit):
    filled = tmp_path / templates[unit].name
    typed = fill_template(templates[unit], filled, catalog, submitted=datetime(2025, 1, 3))
    assert {key.split("|")[0] for key in typed} == set(due_codes(catalog, PERIOD, unit)) and typed
    batch = ingest([filled], catalog, Settings(data_dir=tmp_path / "data"), now=NOW)
    assert batch.issues.is_empty(), batch.issues.select("code", "row", "column", "value").rows()
    ledger = batch.ledger.row(0, named=True)
    assert (ledger["format"], ledger["unit_code"], ledger["period"], ledger["outcome"]) == (
        "template", unit, "2024-Q4", "accepted")
    got = {r["indicator_code"] + (f"|{r['category']}" if r["category"] else ""): r
           for r in batch.values.iter_rows(named=True)}
    assert set(got) == set(typed)
    for code, cells in typed.items():
        row = got[code]
        assert (row["unit_code"], row["period"], row["reported_by"]) == (unit, "2024-Q4", "Nguyễn Văn A")
        assert row["submitted_at"] == datetime(2025, 1, 2, 17, 0, tzinfo=timezone.utc)
        if "numerator" in cells:
            assert (row["numerator"], row["denominator"]) == (cells["numerator"], cells["denominator"])
        if "value" in cells:
            expected = 1.0 if cells["value"] == "Đạt" else cells["value"]
            assert row["value"] == expected
        elif "numerator" in cells:
            scale = catalog.indicators.filter(pl.col("indicator_code") == code.split("|")[0])["ratio_scale"].item()
            assert row["value"] == pytest.approx(scale * cells["numerator"] / cells["denominator"])


def test_task_sheet_round_trip(catalog, templates, tmp_path):
    filled = tmp_path / templates["TU-BTC"].name
    fill_template(templates["TU-BTC"], filled, catalog, task_status="Đã hoàn thành")
    batch = validate([filled], catalog, now=NOW)
    assert batch.issues.filter(pl.col("severity") == "error").is_empty()
    led = catalog.tasks.filter(pl.col("lead_unit_code") == "TU-BTC")["task_code"].sort().to_list()
    assert batch.tasks["task_code"].sort().to_list() == led
    assert set(batch.tasks["status"]) == {"completed"}
    assert set(batch.tasks["reported_by"]) == {"Nguyễn Văn A"}


@pytest.mark.parametrize("key,value", [("unit_code", "001"), ("period", "2024-Q3"), ("indicator_codes", "01.01")])
def test_edited_metadata_is_a_template_mismatch(catalog, templates, tmp_path, key, value):
    edited = tmp_path / "edited.xlsx"
    edit_meta(templates["003"], edited, key, value)
    batch = validate([edited], catalog, now=NOW)
    assert batch.issues.select("code", "row", "column").rows() == [("template-mismatch", None, None)]
    assert batch.ledger["outcome"].to_list() == ["rejected"]


def test_an_edited_indicator_code_is_a_template_mismatch(catalog, templates, tmp_path):
    import openpyxl

    from hanoi_ctr.intake import layout

    workbook = openpyxl.load_workbook(templates["003"])
    workbook[layout.INDICATOR_SHEET].cell(layout.FIRST_DATA_ROW, 1, "01.05")
    workbook.save(tmp_path / "swapped.xlsx")
    batch = validate([tmp_path / "swapped.xlsx"], catalog, now=NOW)
    assert batch.issues["code"].to_list() == ["template-mismatch"]


def test_template_of_another_period_is_a_period_mismatch(catalog, templates, tmp_path):
    filled = tmp_path / templates["SO-LDTBXH"].name
    fill_template(templates["SO-LDTBXH"], filled, catalog, submitted=datetime(2025, 1, 3))
    batch = validate([filled], catalog, period="2025-Q1", now=NOW)
    assert set(batch.issues["code"]) == {"period-mismatch"}
    for _, rows in batch.issues.group_by("sheet"):
        assert sorted(rows["row"].to_list()) == list(range(6, 6 + rows.height))
    assert batch.values.is_empty() and batch.tasks.is_empty()


def test_a_blank_input_row_is_reported_missing_and_the_rest_kept(catalog, templates, tmp_path):
    codes = due_codes(catalog, PERIOD, "SO-LDTBXH")
    filled = tmp_path / "partial.xlsx"
    from filling import plausible_values

    typed = plausible_values(catalog, codes)
    typed.pop(codes[0])
    fill_template(templates["SO-LDTBXH"], filled, catalog, values=typed, submitted=datetime(2025, 1, 3))
    batch = validate([filled], catalog, now=NOW)
    assert batch.issues.select("code", "row", "column").rows() == [("missing-value", 6, "value")]
    assert batch.values.height == len(codes) - 1


def test_a_template_has_a_row_per_category_and_they_come_back_as_categories(catalog, templates, tmp_path):
    """003 reports 01.06 and 01.02 as a total and by sex."""
    sheet = openpyxl.load_workbook(templates["003"])[layout.INDICATOR_SHEET]
    last = len(layout.INDICATOR_COLUMNS) + 1
    assert sheet.cell(layout.MACHINE_HEADER_ROW, last).value == layout.CATEGORY_COLUMN
    rows = [(sheet.cell(r, 1).value, sheet.cell(r, last).value)
            for r in range(layout.FIRST_DATA_ROW, sheet.max_row + 1) if sheet.cell(r, 1).value]
    assert [r for r in rows if r[0] in ("01.02", "01.06")] == [
        ("01.02", "Tổng số"), ("01.02", "Nam"), ("01.02", "Nữ"), ("01.06", "Tổng số"), ("01.06", "Nam"),
        ("01.06", "Nữ")]
    value = layout.INDICATOR_COLUMNS.index("value") + 1
    assert sheet.cell(layout.FIRST_DATA_ROW, last).protection.locked
    assert sheet.cell(layout.FIRST_DATA_ROW, value).protection.locked is False
    filled = tmp_path / templates["003"].name
    typed = fill_template(templates["003"], filled, catalog, submitted=datetime(2025, 1, 3))
    batch = validate([filled], catalog, now=NOW)
    assert batch.issues.is_empty(), batch.issues.select("code", "row", "column").rows()
    got = batch.values.filter(pl.col("indicator_code") == "01.06").sort("category", nulls_last=False)
    assert got.select("category", "value").rows() == [
        (None, typed["01.06"]["value"]), ("sex=nam", typed["01.06|sex=nam"]["value"]),
        ("sex=nu", typed["01.06|sex=nu"]["value"])]


def test_a_template_without_categories_has_no_category_column(catalog, templates):
    sheet = openpyxl.load_workbook(templates["SO-LDTBXH"])[layout.INDICATOR_SHEET]
    assert sheet.cell(layout.MACHINE_HEADER_ROW, len(layout.INDICATOR_COLUMNS) + 1).value is None


def test_category_rows_left_empty_are_not_sent(catalog, templates, tmp_path):
    filled = tmp_path / templates["003"].name
    typed = fill_template(templates["003"], filled, catalog, submitted=datetime(2025, 1, 3))
    totals = {code: cells for code, cells in typed.items() if "|" not in code}
    fill_template(templates["003"], filled, catalog, submitted=datetime(2025, 1, 3), values=totals)
    batch = validate([filled], catalog, now=NOW)
    assert batch.issues.is_empty(), batch.issues.select("code", "row", "column").rows()
    assert batch.values["category"].null_count() == batch.values.height == len(totals)
