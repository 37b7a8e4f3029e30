"""Read submitted rows for the checks: periods, units, indicators, and each number as its cell shows it.

The raw text frames of a batch (see `readers`) are cleaned (`prepare`),
then read once per distinct spelling or code: periods parsed and placed in
their data window, units looked up and taken as in force on the period's
last day (as the engine takes them; a code that lost its leading zeros
read as the one unit it can be), indicators joined with their rules and
assignment, and values parsed as the cell shows them (a percent cell's 0.9
is 90 for a percent indicator). Where a number cannot be read one way
(`2.000` in a count, infinity, a count in a percent cell), it is not read
at all and `_why_<column>` says why: the checks in `checks` report it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare import rules
from hanoi_ctr.declare.vocabulary import TASK_STATUSES, YES_NO
from hanoi_ctr.intake.normalize import (
    choice,
    grouping_or_decimal,
    is_marker,
    lines,
    not_finite,
    number,
    text,
    thousands,
)
from hanoi_ctr.intake.normalize import date as parse_date
from hanoi_ctr.intake.readers import CELL_FACTS
from hanoi_ctr.periods import Calendar, PeriodError, parse_period, window

#: What offices type for a yes/no value (labels and synonyms) → 1.0 or 0.0.
_BOOLEANS = {spelling: float(value) for spelling, value in YES_NO.readings().items()}
#: What offices type for a task status (codes, labels and synonyms) → the status.
_STATUSES = TASK_STATUSES.readings()


@dataclass(frozen=True)
class Context:
    """What the checks need besides the rows: the catalog, today, the calendar, and values received before.

    `history` (the values in the archive, when ingesting) lets a check compare a value with the
    unit's earlier ones; validating files alone has none.
    """

    catalog: Catalog
    today: date
    calendar: Calendar = "calendar"
    history: pl.DataFrame | None = None


def prepare(raw: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """Number the rows, add the cell facts a frame lacks, and clean the text (a note keeps its line breaks)."""
    facts = {c: pl.lit(None, dtype) for c, dtype in CELL_FACTS.items() if c not in raw.columns}
    typed = {c: pl.lit(None, pl.String) for c in columns if c not in raw.columns}
    return raw.with_columns(**facts, **typed).with_columns(
        _rid=pl.int_range(pl.len(), dtype=pl.Int64),
        **{c: lines(c) if c == "note" else text(c) for c in columns})


def _read_periods(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Add `_period`, `_start`, `_end`, `_in_term`, `_baseline` and `_term`: each spelling parsed once.

    `_term` is the term whose programs the row is read against: the term of its period (its
    years, else its baseline year); null for a period outside every term (see `_settle_term`).
    """
    rows = []
    for spelled in f["period"].drop_nulls().unique().to_list():
        try:
            p = parse_period(spelled)
        except PeriodError:
            continue
        start, end = window(p, ctx.calendar)
        term = ctx.catalog.term_for(p)
        in_term = term is not None and any(
            t["start_year"] <= p.first_quarter.year and p.last_quarter.year <= t["end_year"]
            for t in ctx.catalog.terms.iter_rows(named=True))
        rows.append({"period": spelled, "_period": str(p), "_start": start, "_end": end, "_in_term": in_term,
                     "_baseline": term is not None and not in_term, "_term": term,
                     "_first": p.first_ordinal, "_last": p.last_ordinal})
    table = pl.DataFrame(rows, schema={"period": pl.String, "_period": pl.String, "_start": pl.Date,
                                       "_end": pl.Date, "_in_term": pl.Boolean, "_baseline": pl.Boolean,
                                       "_term": pl.String, "_first": pl.Int64, "_last": pl.Int64})
    return f.join(table, on="period", how="left")


def _settle_term(f: pl.DataFrame, table: pl.DataFrame, code: str, ctx: Context) -> pl.DataFrame:
    """Give a row whose period names no term (unreadable, or outside every term) the latest term that has
    its code, else the term in force today: its other problems are still named, none invented."""
    terms = ctx.catalog.terms.sort("start_year")["term"].to_list()
    latest = (table.select(code, _rank=pl.col("term").replace_strict({t: i for i, t in enumerate(terms)},
                                                                     return_dtype=pl.Int64), _t="term")
              .sort("_rank").group_by(code).agg(_latest=pl.col("_t").last()))
    today = ctx.catalog.term_for(parse_period(str(ctx.today.year))) or terms[-1]
    return f.join(latest, on=code, how="left").with_columns(
        _term=pl.coalesce("_term", "_latest", pl.lit(today))).drop("_latest")


def in_force(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Return (_period, unit_code, name_vi) of the units in force on the last day of each period of the batch."""
    frames = [ctx.catalog.units_at(parse_period(p), ctx.calendar).select("unit_code", "name_vi").with_columns(
        _period=pl.lit(p)) for p in f["_period"].drop_nulls().unique().to_list()]
    schema = {"unit_code": pl.String, "name_vi": pl.String, "_period": pl.String}
    return pl.concat([pl.DataFrame(schema=schema), *frames]).unique(["_period", "unit_code"])


def _read_units(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Add `_unit_known`, `_unit_inactive` and `_unit_ok`: a unit counts if in force on the period's last day.

    That is the day the engine takes its units from. A unit code that lost its leading zeros is
    first read as the unit it can be (`_unit_numbers`).
    """
    f = _unit_numbers(f, ctx)
    known = pl.col("unit_code").is_in(ctx.catalog.units["unit_code"].implode())
    f = f.join(in_force(f, ctx).select("_period", "unit_code", _in_force=pl.lit(True)), on=["_period", "unit_code"],
               how="left")
    ambiguous = pl.col("_unit_candidates").is_not_null()
    inactive = known & ~ambiguous & pl.col("_period").is_not_null() & pl.col("_in_force").is_null()
    return f.with_columns(_unit_known=known, _unit_inactive=inactive).with_columns(
        _unit_ok=pl.col("_unit_known") & ~pl.col("_unit_inactive") & ~ambiguous)


def _unit_numbers(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Read a unit code that lost its leading zeros as the one unit it can be, or keep its candidates.

    A code lost its zeros when it was a number cell, or is digits that are no code. Its candidates are the codes it makes padded to 2, 3 and 5 digits, among the units in force at
    the period's end (else among all). One candidate replaces the code (`_unit_padded`); several
    are kept in `_unit_candidates` for `ambiguous-unit`.
    """
    units = ctx.catalog.units
    codes = units["unit_code"].unique().implode()
    digits = pl.col("unit_code").str.contains(r"^[1-9][0-9]{0,4}$").fill_null(False)
    number_cell = (pl.col("unit_code_cell") == "number").fill_null(False)
    stripped = digits & (number_cell | ~pl.col("unit_code").is_in(codes))
    f = f.with_columns(_unit_typed=pl.col("unit_code"), _stripped=stripped)
    padded = (
        f.filter("_stripped").select("_rid", "_period", _code=pl.concat_list(
            [pl.col("unit_code").str.zfill(n) for n in (2, 3, 5)])).explode("_code").unique()
        .filter(pl.col("_code").is_in(codes))
        .join(in_force(f, ctx).select("_period", _code="unit_code", _now="name_vi"), on=["_period", "_code"],
              how="left")
        .with_columns(_any_now=pl.col("_now").is_not_null().any().over("_rid"))
        .filter(pl.col("_now").is_not_null() | ~pl.col("_any_now"))
        .join(_unit_names(units), left_on="_code", right_on="unit_code", how="left")
        .sort("_rid", pl.col("_code").str.len_chars(), "_code")
        .group_by("_rid", maintain_order=True).agg(
            _n=pl.len(), _one=pl.col("_code").first(),
            _candidates=pl.format("{} ({})", "_code", pl.coalesce("_now", "_name")))
    )
    return f.join(padded, on="_rid", how="left").with_columns(
        unit_code=pl.when(pl.col("_n") == 1).then("_one").otherwise("unit_code"),
        _unit_padded=(pl.col("_n") == 1) & (pl.col("_one") != pl.col("_unit_typed")),
        _unit_candidates=pl.when(pl.col("_n") > 1).then("_candidates"),
    ).drop("_stripped", "_n", "_one", "_candidates")


def _unit_names(units: pl.DataFrame) -> pl.DataFrame:
    """Return (unit_code, _name): the latest name of each code."""
    return (units.sort(pl.col("valid_from").fill_null(date.min)).group_by("unit_code")
            .agg(_name=pl.col("name_vi").last()))


def _assigned_pairs(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Return (_period, unit_code, indicator_code) assigned, for each period in the batch, in its term.

    What an agency reports for the city, the city may send under its own code.
    """
    def pairs(period: str, term: str) -> pl.DataFrame:
        catalog = ctx.catalog.for_term(term)
        assigned = catalog.assigned(parse_period(period), ctx.calendar)
        as_city = catalog.speaking_for(assigned).filter(pl.col("unit_code") == catalog.city)
        return pl.concat([assigned, as_city]).unique().with_columns(_period=pl.lit(period))

    frames = [pairs(p, t) for p, t in f.select("_period", "_term").drop_nulls().unique().iter_rows()]
    schema = {"unit_code": pl.String, "indicator_code": pl.String, "_period": pl.String}
    return pl.concat([pl.DataFrame(schema=schema), *frames], how="vertical")


def read_indicators(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Read indicator rows: periods, units, the indicator of the row's term with its rules, its assignment,
    the values typed."""
    f = _read_units(_read_periods(f, ctx), ctx)
    f = _settle_term(f, ctx.catalog.indicators.select("term", "indicator_code"), "indicator_code", ctx)
    indicators = rules.rule_columns(ctx.catalog.indicators).select(
        "indicator_code", "value_type", "unit_label", "frequency", "min_value", "max_value", "decimals",
        "ratio_scale", "_value_from_parts", "_needs_denominator", "_whole", "_boolean", "_percent", "_additive",
        _term="term", _indicator_known=pl.lit(True))
    assigned = _assigned_pairs(f, ctx).with_columns(_assigned=pl.lit(True))
    f = f.join(indicators, on=["_term", "indicator_code"], how="left").with_columns(
        _indicator_known=pl.col("_indicator_known").fill_null(False)).join(
        assigned, on=["_period", "unit_code", "indicator_code"], how="left")
    return _read_values(_read_categories(f, ctx), ctx)


#: What offices write for a total in the category column (an empty cell is a total too).
TOTAL_SPELLINGS = ("tổng", "tổng số", "tổng cộng", "cộng", "total", "tong", "tong so")


def _read_categories(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Add `_category` (dimension=category, null for a total) and `_category_ok` (a total, or a category of
    the indicator in the row's term, however it is spelled: `sex=nu`, `nu`, `Nữ`, `Giới tính: Nữ`)."""
    typed = pl.col("category").str.to_lowercase().str.replace_all(r"\s*[=:]\s*", "=")
    total = pl.col("category").is_null() | typed.is_in(list(TOTAL_SPELLINGS))
    f = f.with_columns(_spelled=typed).join(category_spellings(ctx.catalog), on=["_term", "indicator_code",
                                                                                 "_spelled"], how="left")
    return f.with_columns(_category=pl.when(~total).then("_spelled_as"),
                          _category_ok=total | pl.col("_spelled_as").is_not_null()).drop("_spelled", "_spelled_as")


def category_spellings(catalog: Catalog) -> pl.DataFrame:
    """Return (_term, indicator_code, _spelled, _spelled_as): each way of writing each category of each
    indicator, lower case, read as dimension=category. A spelling two dimensions share is left out."""
    dims = {d: (vi.lower(), (en or vi).lower()) for d, vi, en in
            catalog.dimensions.select("dimension", "name_vi", "name_en").iter_rows()}
    names = {(d, c): (vi.lower(), (en or vi).lower()) for d, c, vi, en in
             catalog.categories.select("dimension", "category_code", "name_vi", "name_en").iter_rows()}
    rows = []
    for term, code, dim, key in catalog.category_keys().select("term", "indicator_code", "dimension",
                                                               "category").iter_rows():
        cat = key.split("=", 1)[1]
        plain = {cat, *names[(dim, cat)]}
        rows += [(term, code, spelled, key) for d in (dim, *dims[dim]) for spelled in (f"{d}={p}" for p in plain)]
        rows += [(term, code, spelled, key) for spelled in plain]
    schema = {"_term": pl.String, "indicator_code": pl.String, "_spelled": pl.String, "_spelled_as": pl.String}
    table = pl.DataFrame(rows, schema=schema, orient="row").unique()
    shared = pl.col("_spelled_as").n_unique().over("_term", "indicator_code", "_spelled") > 1
    return table.filter(~shared)


def _read_values(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Add `_marker` (a no-data marker), `_value`, `_num`, `_den` and `_final` (the value used).

    A number is read as the cell shows it (a percent cell's 0.9 is 90 for a percent indicator),
    and not at all where it cannot be read one way: `_why_<column>` then says why (`not-finite`,
    `ambiguous`, `percent-cell`), for the checks to report.
    """
    markers = ctx.catalog.markers["marker"].to_list()
    f = f.with_columns(
        _marker=pl.when(is_marker("value", markers)).then(pl.col("value"))
        .when(pl.col("value").is_null() & is_marker("numerator", markers)).then(pl.col("numerator"))
        .when(pl.col("value").is_null() & is_marker("denominator", markers)).then(pl.col("denominator")),
        **{f"_why_{c}": _unreadable(c) for c in ("value", "numerator", "denominator")},
    )
    percent_cell = (pl.col("value_cell") == "percent").fill_null(False)
    f = f.with_columns(
        _value=pl.when(pl.col("_boolean")).then(choice("value", _BOOLEANS, pl.Float64))
        .when(pl.col("_why_value").is_not_null()).then(None)
        .when(percent_cell).then((number("value") * 100).round(9))
        .otherwise(number("value")),
        _num=pl.when(pl.col("_why_numerator").is_null()).then(number("numerator")),
        _den=pl.when(pl.col("_why_denominator").is_null()).then(number("denominator")),
    )
    return f.with_columns(_final=pl.when(pl.col("_value_from_parts") & pl.col("_value").is_null()
                                         & (pl.col("_den") > 0)).then(computed()).otherwise(pl.col("_value")))


def _unreadable(column: str) -> pl.Expr:
    """Return why a number cell is not read (`not-finite`, `ambiguous`, `percent-cell`), null when it is."""
    cell = pl.col(f"{column}_cell")
    typed = pl.col(column)
    ambiguous = grouping_or_decimal(typed) & cell.is_null() & ~pl.col("_boolean").fill_null(False)
    if column == "value":
        # A three-decimal reading fits an indicator reported with 3 decimals; a thousands reading its range.
        fits_thousands = (thousands(typed) >= pl.col("min_value").fill_null(float("-inf"))) & (
            thousands(typed) <= pl.col("max_value").fill_null(float("inf")))
        ambiguous = ambiguous & (pl.col("_whole") | ((pl.col("decimals") < 3) & fits_thousands))
        misplaced = (cell == "percent") & ~pl.col("_percent")
    else:
        misplaced = cell == "percent"
    return (pl.when(not_finite(typed)).then(pl.lit("not-finite"))
            .when(ambiguous.fill_null(False)).then(pl.lit("ambiguous"))
            .when(misplaced.fill_null(False)).then(pl.lit("percent-cell")))


def computed() -> pl.Expr:
    return pl.col("ratio_scale") * pl.col("_num") / pl.col("_den")


def read_tasks(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Read task rows: periods, units, the lead agency of the task of the row's term, the status and date typed."""
    f = _read_units(_read_periods(f, ctx), ctx)
    f = _settle_term(f, ctx.catalog.tasks.select("term", "task_code"), "task_code", ctx)
    tasks = ctx.catalog.tasks.select("task_code", "lead_unit_code", _term="term", _task_known=pl.lit(True))
    return f.join(tasks, on=["_term", "task_code"], how="left").with_columns(
        _task_known=pl.col("_task_known").fill_null(False),
        _status=choice("status", _STATUSES, pl.String), _done=parse_date("completed_on"))
