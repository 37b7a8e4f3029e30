"""Normalise what real offices type into cells: text, numbers, dates, markers.

All functions return polars expressions over text columns, so a whole batch
of submissions is normalised in one vectorised pass.

Numbers accept comma or dot decimals (`90,5`, `90.5`), a trailing percent
sign (`90%`), thousands separators (`1.234.567`, `1,234,567`, `1 234`) and
both at once (`1.234,5`, `1,234.5`: the last separator is the decimal one).
A single separator is read as the decimal one — Vietnamese offices write
`90,5`. Where a single separator is followed by exactly three digits
(`2.000`, `1,234`) it may as well group thousands: `grouping_or_decimal`
finds those cells and `thousands` gives their other reading, so that the
checks can refuse to choose where both readings fit the indicator. Infinity
and NaN are never numbers (`not_finite` finds them, `1e309` included).

Notes keep their line breaks (`lines`); every other cell is one line.
"""

from __future__ import annotations

import unicodedata
from typing import Iterable

import polars as pl

# Non-breaking, thin and zero-width spaces that spreadsheets and web forms leave behind.
_INVISIBLE = "[\u00a0\u2007\u202f\u200b\ufeff]"
_THOUSANDS_DOT = r"^[+-]?\d{1,3}(\.\d{3}){2,}(,\d+)?$|^[+-]?\d{1,3}(\.\d{3})+,\d+$"
_THOUSANDS_COMMA = r"^[+-]?\d{1,3}(,\d{3}){2,}(\.\d+)?$|^[+-]?\d{1,3}(,\d{3})+\.\d+$"
# One separator, then exactly three digits: `2.000` is two in English and two thousand in Vietnamese.
_GROUP_OR_DECIMAL = r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$"
_NOT_FINITE = r"^[+-]?(inf|infinity|nan|∞)$"


def text(column: str | pl.Expr) -> pl.Expr:
    """Return the cell as NFC text with stray spaces removed; empty becomes null."""
    expr = pl.col(column) if isinstance(column, str) else column
    cleaned = (
        expr.cast(pl.String)
        .str.normalize("NFC")
        .str.replace_all(_INVISIBLE, " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    return pl.when(cleaned != "").then(cleaned)


def lines(column: str | pl.Expr) -> pl.Expr:
    """Return the cell as NFC text keeping its line breaks, stray spaces removed; empty becomes null."""
    expr = pl.col(column) if isinstance(column, str) else column
    cleaned = (
        expr.cast(pl.String)
        .str.normalize("NFC")
        .str.replace_all("\r\n?", "\n")
        .str.replace_all(_INVISIBLE, " ")
        .str.replace_all(r"[ \t]+", " ")
        .str.replace_all(r" ?\n ?", "\n")
        .str.strip_chars()
    )
    return pl.when(cleaned != "").then(cleaned)


def fold(value: str) -> str:
    """Return a key for matching labels: NFC, lower case, single spaces.

    >>> fold("  Mã  Đơn vị ") == fold("mã đơn vị")
    True
    """
    return " ".join(unicodedata.normalize("NFC", value).lower().split())


def number(column: str | pl.Expr) -> pl.Expr:
    """Return the cell parsed as a number (null when it is not one).

    The input should already be cleaned with `text`.
    """
    canonical = _canonical(column)
    # Only plain decimal notation: no 'inf', 'nan' or hex sneaking through a float cast.
    valid = canonical.str.contains(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
    parsed = canonical.cast(pl.Float64, strict=False)
    return pl.when(valid & parsed.is_finite()).then(parsed)


def not_finite(column: str | pl.Expr) -> pl.Expr:
    """Return whether the (cleaned) cell spells infinity or NaN, or a number too large for any value (`1e309`)."""
    canonical = _canonical(column)
    named = canonical.str.to_lowercase().str.contains(_NOT_FINITE)
    overflow = canonical.str.contains(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$") & canonical.cast(
        pl.Float64, strict=False).is_infinite()
    return (named | overflow).fill_null(False)


def grouping_or_decimal(column: str | pl.Expr) -> pl.Expr:
    """Return whether the (cleaned) cell has one separator followed by exactly three digits (`2.000`, `1,234`)."""
    return _compact(column).str.contains(_GROUP_OR_DECIMAL).fill_null(False)


def thousands(column: str | pl.Expr) -> pl.Expr:
    """Return the cell read with its one separator as a thousands separator (`2.000` → 2000)."""
    return _compact(column).str.replace_all(r"[.,]", "").cast(pl.Float64, strict=False)


def _compact(column: str | pl.Expr) -> pl.Expr:
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.str.replace_all(r"\s", "").str.strip_suffix("%")


def _canonical(column: str | pl.Expr) -> pl.Expr:
    """Return the cell in plain decimal notation: spaces and thousands separators out, a dot for decimals."""
    s = _compact(column)
    return (
        pl.when(s.str.contains(_THOUSANDS_DOT))
        .then(s.str.replace_all(r"\.", "").str.replace(",", "."))
        .when(s.str.contains(_THOUSANDS_COMMA))
        .then(s.str.replace_all(",", ""))
        .otherwise(s.str.replace(",", "."))
    )


def is_marker(column: str | pl.Expr, markers: Iterable[str]) -> pl.Expr:
    """Return whether the (cleaned) cell is a declared no-data marker, ignoring case."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.str.to_lowercase().is_in([fold(m) for m in markers]).fill_null(False)


def date(column: str | pl.Expr) -> pl.Expr:
    """Return the cell as a date: dd/mm/yyyy, yyyy-mm-dd, or a spreadsheet date-time."""
    expr = pl.col(column) if isinstance(column, str) else column
    return pl.coalesce(
        expr.str.to_date("%d/%m/%Y", strict=False),
        expr.str.to_date("%d-%m-%Y", strict=False),
        expr.str.to_date("%Y-%m-%d", strict=False),
        expr.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
    )


def choice(column: str | pl.Expr, mapping: dict[str, object], dtype: pl.DataType) -> pl.Expr:
    """Return the cell mapped through `mapping` (keys matched with `fold`); null when unmatched."""
    expr = pl.col(column) if isinstance(column, str) else column
    folded = {fold(k): v for k, v in mapping.items()}
    return expr.str.to_lowercase().replace_strict(folded, default=None, return_dtype=dtype)
