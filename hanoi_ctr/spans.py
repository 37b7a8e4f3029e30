"""Periods as spans of quarters, for vectorised period arithmetic in polars.

A period is the run of quarters it covers, numbered consecutively across
years (``ordinal = year × 4 + quarter − 1``): 2024-Q3 is 8098–8098, 2024-H1
is 8096–8097, 2024 is 8096–8099. Spans let the engine map report periods to
an indicator's frequency period, test containment and order periods with
plain integer joins instead of parsing strings row by row.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from hanoi_ctr.periods import Calendar, Period, PeriodKind, window

#: Quarters in a period of each kind that tiles the calendar.
QUARTERS_IN = {"quarter": 1, "half": 2, "year": 4}
KIND_RANK = {"quarter": 0, "half": 1, "year": 2, "term": 3}


def bounds(period: Period) -> tuple[int, int]:
    """Return the first and last quarter ordinals of a period (`Period.first_ordinal`, `last_ordinal`).

    >>> bounds(Period.half(2024, 1)), bounds(Period.of_year(2024))
    ((8096, 8097), (8096, 8099))
    """
    return period.first_ordinal, period.last_ordinal


def enclosing(kind: PeriodKind, last: int) -> Period:
    """Return the period of a kind (quarter, half, year) that holds the quarter `last`.

    >>> str(enclosing("half", 8098)), str(enclosing("year", 8098))
    ('2024-H2', '2024')
    """
    quarter = Period.from_ordinal(last)
    return quarter if kind == "quarter" else quarter.parent(kind)


def parse_expr(column: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Return (kind, first, last) expressions for a column of canonical period strings."""
    text = pl.col(column)
    year = text.str.slice(0, 4).cast(pl.Int64, strict=False)
    number = text.str.slice(6, 1).cast(pl.Int64, strict=False)
    end_year = text.str.slice(5, 4).cast(pl.Int64, strict=False)
    is_quarter, is_half = text.str.contains("-Q"), text.str.contains("-H")
    is_year = text.str.len_chars() == 4
    kind = (pl.when(is_quarter).then(pl.lit("quarter")).when(is_half).then(pl.lit("half"))
            .when(is_year).then(pl.lit("year")).otherwise(pl.lit("term")))
    first = (pl.when(is_quarter).then(year * 4 + number - 1).when(is_half).then(year * 4 + 2 * number - 2)
             .otherwise(year * 4))
    last = (pl.when(is_quarter).then(year * 4 + number - 1).when(is_half).then(year * 4 + 2 * number - 1)
            .when(is_year).then(year * 4 + 3).otherwise(end_year * 4 + 3))
    return kind, first, last


def with_span(frame: pl.DataFrame, column: str, prefix: str) -> pl.DataFrame:
    """Add `<prefix>_kind`, `<prefix>_first` and `<prefix>_last` parsed from a period column."""
    kind, first, last = parse_expr(column)
    return frame.with_columns(kind.alias(f"{prefix}_kind"), first.alias(f"{prefix}_first"),
                              last.alias(f"{prefix}_last"))


def first_of(kind: pl.Expr, last: pl.Expr) -> pl.Expr:
    """Return the first quarter of the quarter/half/year period (of `kind`) that holds quarter `last`."""
    return (pl.when(kind == "quarter").then(last).when(kind == "half").then(last - last % 2)
            .otherwise(last - last % 4))


def end_of(kind: pl.Expr, last: pl.Expr) -> pl.Expr:
    """Return the last quarter of the quarter/half/year period (of `kind`) that holds quarter `last`."""
    return first_of(kind, last) + kind.replace_strict(QUARTERS_IN, return_dtype=pl.Int64) - 1


def label(kind: pl.Expr, last: pl.Expr) -> pl.Expr:
    """Return the canonical string of the quarter/half/year period ending in quarter `last`."""
    year = (last // 4).cast(pl.String)
    quarter = last % 4 + 1
    return (pl.when(kind == "quarter").then(pl.concat_str(year, pl.lit("-Q"), quarter.cast(pl.String)))
            .when(kind == "half").then(pl.concat_str(year, pl.lit("-H"),
                                                     ((quarter + 1) // 2).cast(pl.String)))
            .otherwise(year))


def window_ends(lasts: pl.Series, calendar: Calendar) -> pl.DataFrame:
    """Return (`last`, `end_date`): the last day of the data window of each quarter ordinal."""
    distinct = sorted(set(lasts.drop_nulls().to_list()))
    ends: list[date] = [window(enclosing("quarter", n), calendar)[1] for n in distinct]
    return pl.DataFrame({"last": distinct, "end_date": ends}, schema={"last": pl.Int64, "end_date": pl.Date})


def coarser(kind_a: str, kind_b: str) -> str:
    """Return the coarser of two period kinds.

    >>> coarser("quarter", "year"), coarser("half", "quarter")
    ('year', 'half')
    """
    return kind_a if KIND_RANK[kind_a] >= KIND_RANK[kind_b] else kind_b
