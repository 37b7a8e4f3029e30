"""Cell normalisation: numbers as offices type them, text, markers, dates."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hanoi_ctr.intake.normalize import (
    date,
    grouping_or_decimal,
    is_marker,
    lines,
    not_finite,
    number,
    text,
    thousands,
)


def _number(cell: str | None) -> float | None:
    return pl.DataFrame({"c": [cell]}, schema={"c": pl.String}).select(number(text("c"))).item()


def _grouped(integer: int, sep: str) -> str:
    digits = f"{integer:d}"
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return sep.join(groups)


amounts = st.decimals(min_value=Decimal("-999999999.999"), max_value=Decimal("999999999.999"), places=3,
                      allow_nan=False, allow_infinity=False)


@given(amounts, st.sampled_from(["plain", "vi", "en", "space"]), st.booleans(), st.booleans())
def test_numbers_in_any_office_spelling_parse_to_the_same_value(amount, style, percent, padded):
    sign = "-" if amount < 0 else ""
    integer, fraction = divmod(abs(amount), 1)
    frac = f"{fraction:.3f}"[2:].rstrip("0")
    grouped = int(integer) >= 1000 and style != "plain"
    seps = {"plain": ("", "."), "vi": (".", ","), "en": (",", "."), "space": (" ", ",")}[style]
    body = _grouped(int(integer), seps[0]) if grouped else f"{int(integer)}"
    # A single group separator without decimals is read as a decimal point: always add decimals when grouping.
    if grouped and not frac:
        frac = "5"
        amount = amount + (Decimal("0.5") if amount >= 0 else Decimal("-0.5"))
    cell = sign + body + (seps[1] + frac if frac else "") + ("%" if percent else "")
    if padded:
        cell = f"\u00a0 {cell} "
    assert _number(cell) == pytest.approx(float(amount), rel=1e-12, abs=1e-9), cell


@pytest.mark.parametrize("cell,expected", [
    ("90,5", 90.5), ("90.5", 90.5), ("90%", 90.0), ("1.234.567", 1234567.0), ("1,234,567", 1234567.0),
    ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1 234", 1234.0), ("1,234", 1.234), ("-3,5", -3.5),
    (".5", 0.5), ("1e3", 1000.0), ("abc", None), ("inf", None), ("nan", None), ("0x10", None), ("", None),
    ("1,2,3", None), ("12..5", None), (None, None), ("1e309", None), ("-1e400", None), ("Infinity", None),
])
def test_number_cases(cell, expected):
    assert _number(cell) == expected


def _each(expr, cells: list[str | None]) -> list:
    return pl.DataFrame({"c": cells}, schema={"c": pl.String}).select(expr(text("c"))).to_series().to_list()


def test_infinity_and_nan_are_found_in_every_spelling():
    cells = ["inf", "-Infinity", "NaN", "1e309", "1E+400", "∞", "1e308", "90", None, "abc"]
    assert _each(not_finite, cells) == [True] * 6 + [False] * 4


def test_one_separator_before_three_digits_is_flagged_with_its_other_reading():
    cells = ["2.000", "15,000", "1 234", "-1.234", "0.500", "1.234.567", "1.234,5", "12,5", "2.000%", "1234"]
    assert _each(grouping_or_decimal, cells) == [True, True, False, True, False, False, False, False, True, False]
    assert _each(thousands, ["2.000", "15,000", "-1.234"]) == [2000.0, 15000.0, -1234.0]


def test_notes_keep_their_line_breaks():
    frame = pl.DataFrame({"c": ["Dòng 1 \r\n  dòng\u00a0 2\n", "  ", "một dòng"]})
    assert frame.select(lines("c")).to_series().to_list() == ["Dòng 1\ndòng 2", None, "một dòng"]


@given(st.text(alphabet="aăâeêioôơuưyđAĂÂĐ ̣̀́̃̉ \t", max_size=30))
def test_text_is_nfc_with_single_spaces_and_empty_is_null(raw):
    out = pl.DataFrame({"c": [raw]}).select(text("c")).item()
    expected = " ".join(unicodedata.normalize("NFC", raw).split())
    assert out == (expected or None)


def test_markers_match_ignoring_case_and_spaces():
    frame = pl.DataFrame({"c": [" KBC ", "kbc", "Không Có Số Liệu", "0", None, "x"]})
    got = frame.select(is_marker(text("c"), ["KBC", "không có số liệu", "x"])).to_series().to_list()
    assert got == [True, True, True, False, False, True]


def test_dates_in_the_forms_offices_use():
    frame = pl.DataFrame({"c": ["03/10/2024", "2024-10-03", "2024-10-03 00:00:00", "3-10-2024", "31/02/2024"]})
    got = frame.select(date(text("c"))).to_series().to_list()
    assert [d.isoformat() if d else None for d in got] == ["2024-10-03"] * 4 + [None]
