"""Hostile and mangled inputs never crash the readers; conservation holds on messy files."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import polars as pl
import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from hanoi_ctr.declare.issues import CODES
from hanoi_ctr.intake.ingest import validate
from hanoi_ctr.intake.readers import read_file
from hanoi_ctr.settings import Settings

NOW = datetime(2026, 1, 15, tzinfo=timezone.utc)
CLEAN_XLSX = (ROOT / "tests" / "data" / "submissions" / "submission-long-table.xlsx").read_bytes()


def _outcome_is_accounted(raw) -> bool:
    file_level = [i for i in raw.issues if i.row is None and CODES[i.code].level == "file"]
    return bool(file_level) or raw.rows_read > 0


@settings(max_examples=40)
@given(st.binary(max_size=2000), st.sampled_from([".csv", ".xlsx", ".xlsm", ".xls", ".bin"]))
def test_random_bytes_never_crash_a_reader(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"random{suffix}"
    path.write_bytes(data)
    raw = read_file(path, Settings())
    assert _outcome_is_accounted(raw)


@settings(max_examples=25)
@given(st.integers(min_value=0, max_value=len(CLEAN_XLSX) - 1))
def test_truncated_workbooks_are_unreadable_not_crashes(tmp_path_factory, cut):
    path = tmp_path_factory.mktemp("cut") / "cut.xlsx"
    path.write_bytes(CLEAN_XLSX[:cut])
    raw = read_file(path, Settings())
    assert any(i.code in ("file-unreadable", "empty-file", "missing-column") for i in raw.issues)


def _workbook_with(cells: list[list[object]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet()
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


cell = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                 st.floats(allow_nan=False, allow_infinity=False, width=32), st.text(max_size=8))


@settings(max_examples=25)
@given(st.lists(st.lists(cell, min_size=1, max_size=9), min_size=1, max_size=8))
def test_random_cell_types_under_a_real_header(tmp_path_factory, catalog, rows):
    header = ["unit_code", "period", "indicator_code", "value", "numerator", "denominator", "note"]
    path = tmp_path_factory.mktemp("cells") / "cells.xlsx"
    path.write_bytes(_workbook_with([header, *rows]))
    batch = validate([path], catalog, now=NOW)
    ledger = batch.ledger.row(0, named=True)
    assert ledger["rows_read"] == ledger["rows_accepted"] + ledger["rows_rejected"]


# --- conservation on generated messy long tables ----------------------------------

units = st.sampled_from(["SO-LDTBXH", "00277", "003", "999", "", " so-ldtbxh "])
periods = st.sampled_from(["2024-Q3", "Quý III/2024", "Q3/2024", "2024-Q5", "", "2019-Q1", "2024"])
indicators = st.sampled_from(["08.01", "08.02", "01.07", "01.06", "99.99", ""])
values = st.sampled_from(["90", "90,5", "1.234,5", "-", "KBC", "", "abc", "120", "12,5", "85%", "0"])
parts = st.sampled_from(["", "45", "50", "60", "0", "-1", "x"])


@settings(max_examples=40)
@given(st.lists(st.tuples(units, periods, indicators, values, parts, parts), min_size=1, max_size=25))
def test_rows_read_equal_accepted_plus_rejected_on_messy_files(tmp_path_factory, catalog, rows):
    lines = ["unit_code,period,indicator_code,value,numerator,denominator"]
    lines += [",".join(f'"{c}"' for c in row) for row in rows]
    path = tmp_path_factory.mktemp("messy") / "messy.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = validate([path], catalog, now=NOW)
    if batch.ledger.is_empty() or batch.ledger["outcome"].item() == "rejected" and batch.ledger["rows_read"].item() == 0:
        assert any(batch.issues["row"].is_null())
        return
    ledger = batch.ledger.row(0, named=True)
    data_rows = sum(1 for r in rows if any(c.strip() for c in r))
    assert ledger["rows_read"] == data_rows
    errors = batch.issues.filter(pl.col("severity") == "error", pl.col("row").is_not_null())
    assert ledger["rows_rejected"] == errors["row"].n_unique()
    assert ledger["rows_accepted"] == batch.values.height
    assert not set(batch.values["row"]) & set(errors["row"])


# --- what a person reading the cell reads is what is stored, or the row is refused --------------

from decimal import Decimal  # noqa: E402

#: (unit, indicator, kind) rows a file can hold once each: percentages on 0-100, counts, a plain number.
ROWS = [("SO-LDTBXH", "08.01", "percent"), ("SO-LDTBXH", "08.02", "percent"), ("SO-LDTBXH", "08.03", "percent"),
        ("003", "01.06", "count"), ("003", "03.05", "count"), ("003", "05.05", "count"), ("003", "05.04", "number")]
_SEPARATORS = {"plain": ("", "."), "vi": (".", ","), "en": (",", "."), "space": (" ", ",")}


def _spelled(amount: Decimal, style: str, percent_sign: bool) -> str:
    """Write an amount as an office in `style` types it: grouped thousands, its decimal separator."""
    group, point = _SEPARATORS[style]
    whole, _, fraction = f"{amount:f}".partition(".")
    digits = f"{int(whole):,}".replace(",", group) if style != "plain" else whole
    return digits + (point + fraction if fraction else "") + ("%" if percent_sign else "")


def _amounts(kind: str):
    # Round thousands (2 000, 15 000) are what one separator before three digits makes ambiguous.
    thousands = st.integers(1, 999).map(lambda k: Decimal(k * 1000))
    if kind == "count":
        return st.one_of(st.integers(0, 10**7).map(Decimal), thousands, st.decimals(0, 1000, places=1))
    if kind == "percent":
        return st.integers(0, 3).flatmap(lambda places: st.decimals(0, 100, places=places))
    return st.one_of(st.decimals(0, 10**6, places=2), st.integers(1000, 999_999).map(Decimal), thousands)


@st.composite
def typed_cells(draw, workbook: bool):
    """Draw rows of (unit, indicator, kind, intended amount, how the cell holds it)."""
    chosen = draw(st.lists(st.sampled_from(ROWS), min_size=1, max_size=len(ROWS), unique=True))
    cells = []
    for unit, indicator, kind in chosen:
        amount = draw(_amounts(kind))
        holds = draw(st.sampled_from(["text", "number", "grouped", "percent"] if workbook else ["text"]))
        style = draw(st.sampled_from(sorted(_SEPARATORS)))
        sign = kind == "percent" and draw(st.booleans())
        cells.append((unit, indicator, kind, amount, holds, _spelled(amount, style, sign)))
    return cells


def _write(path, cells, workbook: bool) -> None:
    header = ["unit_code", "period", "indicator_code", "value", "submitted_at"]
    if not workbook:
        lines = [",".join(header)] + [",".join([u, "2024-Q3", i, f'"{text}"', "2024-10-02"])
                                      for u, i, _, _, _, text in cells]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False})
    formats = {"grouped": book.add_format({"num_format": "#,##0.###"}), "percent": book.add_format(
        {"num_format": "0.0##%"})}
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    for r, (unit, indicator, _, amount, holds, text) in enumerate(cells, start=1):
        sheet.write_row(r, 0, [unit, "2024-Q3", indicator])
        if holds == "text":
            sheet.write_string(r, 3, text)
        elif holds == "percent":  # typed as 90,5 % into a percent cell: the cell stores 0.905
            sheet.write_number(r, 3, float(amount) / 100, formats["percent"])
        else:
            sheet.write_number(r, 3, float(amount), formats.get(holds))
        sheet.write_string(r, 4, "2024-10-02")
    book.close()


@settings(max_examples=40, deadline=None)
@given(st.booleans(), st.data())
def test_an_accepted_value_is_what_a_person_reads_in_the_cell(tmp_path_factory, catalog, workbook, data):
    cells = data.draw(typed_cells(workbook))
    path = tmp_path_factory.mktemp("typed") / ("typed.xlsx" if workbook else "typed.csv")
    _write(path, cells, workbook)
    batch = validate([path], catalog, now=NOW)
    stored = {r["row"]: r["value"] for r in batch.values.iter_rows(named=True)}
    refused = set(batch.issues.filter(pl.col("severity") == "error", pl.col("row").is_not_null())["row"])
    for row, (_, indicator, kind, amount, holds, text) in enumerate(cells, start=2):
        if row in stored:
            assert stored[row] == pytest.approx(float(amount), rel=1e-9, abs=1e-9), (indicator, holds, text)
        else:
            assert row in refused, (indicator, holds, text)
    ledger = batch.ledger.row(0, named=True)
    assert ledger["rows_read"] == len(cells) == ledger["rows_accepted"] + ledger["rows_rejected"]
