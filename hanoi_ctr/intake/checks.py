"""Check submitted rows against the catalog; accept the good, reject the bad, report all.

Input is the raw text frames of a whole batch of files, concatenated (with
`file`, `sha256`, `sheet` and `row` on every row), so every rule runs once
as a vectorised polars expression or join, and the declared pandera schema
validates the accepted rows once. Each problem is an `Issue` at the file,
sheet, row and column the user sees; a row with an error is rejected and
the rest of its file is kept. For every file: rows read = rows accepted +
rows rejected.

Allowed imports: the standard library, polars, `catalog`, `conform`,
`issues`, `layout`, `normalize`, `periods`, `readers`, `tables`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare import rules
from hanoi_ctr.declare.conform import Conformed, conform
from hanoi_ctr.declare.issues import CODES, Issue
from hanoi_ctr.declare.tables import TABLES
from hanoi_ctr.declare.vocabulary import TASK_STATUSES, YES_NO
from hanoi_ctr.intake.normalize import choice, is_marker, number, text
from hanoi_ctr.intake.normalize import date as parse_date
from hanoi_ctr.intake.readers import INDICATOR_RAW, TASK_RAW
from hanoi_ctr.periods import TIMEZONE, Calendar, PeriodError, parse_period, window

POSITION = ("file", "sha256", "sheet", "row")
#: What offices type for a yes/no value (labels and synonyms) → 1.0 or 0.0.
_BOOLEANS = {spelling: float(value) for spelling, value in YES_NO.readings().items()}
#: What offices type for a task status (codes, labels and synonyms) → the status.
_STATUSES = TASK_STATUSES.readings()


@dataclass(frozen=True)
class Checked:
    """Accepted rows (typed, declared columns), the issues, and per-file row counts."""

    values: pl.DataFrame
    tasks: pl.DataFrame
    issues: list[Issue]
    counts: pl.DataFrame


@dataclass(frozen=True)
class Context:
    """What the checks need besides the rows: the catalog, today, the calendar."""

    catalog: Catalog
    today: date
    calendar: Calendar = "calendar"


def check(indicators: pl.DataFrame, tasks: pl.DataFrame, ctx: Context) -> Checked:
    """Check raw indicator and task rows of a batch; see the module docstring.

    Both frames have the position columns, `expected_period` (the period a
    template was issued for, or null) and the raw text columns of `readers`.
    """
    ind_ok, ind_flags = _check_indicator_rows(_prepare(indicators, INDICATOR_RAW), ctx)
    task_ok, task_flags = _check_task_rows(_prepare(tasks, TASK_RAW), ctx)
    ind_issues = _to_issues(ind_flags, indicators)
    task_issues = _to_issues(task_flags, tasks)
    values = _accepted(ind_ok, ind_flags, "indicator_values")
    progress = _accepted(task_ok, task_flags, "task_progress")
    counts = _counts(indicators, tasks, values.frame, progress.frame)
    return Checked(values.frame, progress.frame, ind_issues + task_issues + values.issues + progress.issues,
                   counts)


def _prepare(raw: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    return raw.with_columns(_rid=pl.int_range(pl.len(), dtype=pl.Int64), **{c: text(c) for c in columns})


# --- flags: one frame of (_rid, code, column, value, detail) per rule -------------

_FLAG_SCHEMA = {"_rid": pl.Int64, "code": pl.String, "column": pl.String, "value": pl.String,
                "detail_vi": pl.String, "detail_en": pl.String}


def _flag(f: pl.DataFrame, mask: pl.Expr, code: str, column: str, value: pl.Expr | None = None,
          detail: str | pl.Expr | tuple[str | pl.Expr, str | pl.Expr] = "") -> pl.DataFrame:
    vi, en = detail if isinstance(detail, tuple) else (detail, detail)
    lit = lambda d: pl.lit(d) if isinstance(d, str) else d  # noqa: E731
    return f.filter(mask).select(
        "_rid", code=pl.lit(code), column=pl.lit(column),
        value=(pl.col(column) if value is None else value).cast(pl.String),
        detail_vi=lit(vi).cast(pl.String), detail_en=lit(en).cast(pl.String),
    )


def _flags(parts: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat([pl.DataFrame(schema=_FLAG_SCHEMA), *parts], how="vertical")


def _periods(f: pl.DataFrame, ctx: Context) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Parse periods once per distinct text; flag invalid, out-of-term, future and mismatched ones."""
    term = ctx.catalog.term
    rows = []
    for spelled in f["period"].drop_nulls().unique().to_list():
        try:
            p = parse_period(spelled)
        except PeriodError:
            continue
        start, end = window(p, ctx.calendar)
        in_term = term["start_year"] <= p.first_quarter.year and p.last_quarter.year <= term["end_year"]
        rows.append({"period": spelled, "_period": str(p), "_start": start, "_end": end, "_in_term": in_term})
    table = pl.DataFrame(rows, schema={"period": pl.String, "_period": pl.String, "_start": pl.Date,
                                       "_end": pl.Date, "_in_term": pl.Boolean})
    f = f.join(table, on="period", how="left")
    term_text = f"{term['start_year']}-{term['end_year']}"
    expected = pl.col("expected_period")
    flags = [
        _flag(f, pl.col("period").is_null(), "missing-value", "period"),
        _flag(f, pl.col("period").is_not_null() & pl.col("_period").is_null(), "invalid-period", "period"),
        _flag(f, ~pl.col("_in_term").fill_null(True), "period-out-of-term", "period", detail=term_text),
        _flag(f, pl.col("_start") > ctx.today, "future-period", "period"),
        _flag(f, expected.is_not_null() & pl.col("_period").is_not_null() & (pl.col("_period") != expected),
              "period-mismatch", "period", detail=expected),
    ]
    return f, flags


def _units(f: pl.DataFrame, ctx: Context) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Flag unknown units and units that did not exist during the period; mark the rest `_unit_ok`."""
    units = ctx.catalog.units
    known = pl.col("unit_code").is_in(units["unit_code"].implode())
    existed = (
        f.filter(pl.col("_start").is_not_null()).select("_rid", "unit_code", "_start", "_end")
        .join(units.select("unit_code", "valid_from", "valid_to"), on="unit_code")
        .filter(pl.col("valid_from").fill_null(date.min) <= pl.col("_end"),
                pl.col("valid_to").fill_null(date.max) >= pl.col("_start"))
        .select("_rid").unique()
    )
    inactive = known & pl.col("_start").is_not_null() & ~pl.col("_rid").is_in(existed["_rid"].implode())
    f = f.with_columns(_unit_ok=known & ~inactive)
    return f, [
        _flag(f, pl.col("unit_code").is_null(), "missing-value", "unit_code"),
        _flag(f, pl.col("unit_code").is_not_null() & ~known, "unknown-unit", "unit_code"),
        _flag(f, inactive, "unit-inactive", "unit_code", detail=pl.col("_period")),
    ]


def _assigned_pairs(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Return (_period, unit_code, indicator_code) assigned, for each period in the batch."""
    frames = [ctx.catalog.assigned(parse_period(p), ctx.calendar).with_columns(_period=pl.lit(p))
              for p in f["_period"].drop_nulls().unique().to_list()]
    schema = {"unit_code": pl.String, "indicator_code": pl.String, "_period": pl.String}
    return pl.concat([pl.DataFrame(schema=schema), *frames], how="vertical")


def _check_indicator_rows(f: pl.DataFrame, ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame]:
    f, flags = _periods(f, ctx)
    f, unit_flags = _units(f, ctx)
    flags += unit_flags
    indicators = rules.rule_columns(ctx.catalog.indicators).select(
        "indicator_code", "value_type", "min_value", "max_value", "decimals", "ratio_scale", "_value_from_parts",
        "_needs_denominator", "_whole", "_boolean")
    known = pl.col("indicator_code").is_in(indicators["indicator_code"].implode())
    flags += [
        _flag(f, pl.col("indicator_code").is_null(), "missing-value", "indicator_code"),
        _flag(f, pl.col("indicator_code").is_not_null() & ~known, "unknown-indicator", "indicator_code"),
    ]
    assigned = _assigned_pairs(f, ctx).with_columns(_assigned=pl.lit(True))
    f = f.join(indicators, on="indicator_code", how="left").join(
        assigned, on=["_period", "unit_code", "indicator_code"], how="left")
    flags.append(_flag(f, known & pl.col("_unit_ok") & pl.col("_period").is_not_null() & pl.col("_assigned").is_null(),
                       "indicator-not-assigned", "indicator_code", detail=pl.col("unit_code")))
    f, value_flags = _values(f.filter(known), ctx)
    flags += value_flags + [_duplicates(f, ("sha256", "unit_code", "_period", "indicator_code"), "indicator_code")]
    return f, _flags(flags)


def _values(f: pl.DataFrame, ctx: Context) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Parse value, numerator and denominator; flag type, range and ratio problems."""
    markers = ctx.catalog.markers["marker"].to_list()
    is_ratio, needs_weight = pl.col("_value_from_parts"), pl.col("_needs_denominator")
    f = f.with_columns(
        _marker=pl.when(is_marker("value", markers)).then(pl.col("value"))
        .when(pl.col("value").is_null() & is_marker("numerator", markers)).then(pl.col("numerator"))
        .when(pl.col("value").is_null() & is_marker("denominator", markers)).then(pl.col("denominator")),
        _value=pl.when(pl.col("_boolean")).then(choice("value", _BOOLEANS, pl.Float64))
        .otherwise(number("value")),
        _num=number("numerator"), _den=number("denominator"),
    )
    reported = pl.col("_marker").is_null()
    computed = pl.col("ratio_scale") * pl.col("_num") / pl.col("_den")
    f = f.with_columns(_final=pl.when(is_ratio & pl.col("_value").is_null() & (pl.col("_den") > 0))
                       .then(computed).otherwise(pl.col("_value")))
    tol = pl.max_horizontal(0.5 * pl.lit(10.0).pow(-pl.col("decimals")), 0.005 * computed.abs())
    whole = pl.col("_whole")
    rng = pl.format("[{} … {}]", pl.col("min_value").fill_null(float("-inf")),
                    pl.col("max_value").fill_null(float("inf")))
    boolean = pl.col("_boolean")
    expected_kind = (pl.when(boolean).then(pl.lit("Đạt/Không đạt")).otherwise(pl.lit("số")),
                     pl.when(boolean).then(pl.lit("yes/no")).otherwise(pl.lit("a number")))
    flags = [
        _flag(f, reported & pl.col("value").is_not_null() & pl.col("_value").is_null(), "type-error", "value",
              detail=expected_kind),
        *[_flag(f, reported & pl.col(c).is_not_null() & pl.col(n).is_null(), "type-error", c,
                detail=("số", "a number")) for c, n in (("numerator", "_num"), ("denominator", "_den"))],
        _flag(f, reported & pl.col("_final").is_null() & pl.col("value").is_null()
              & ~(is_ratio & pl.col("numerator").is_not_null() & pl.col("denominator").is_not_null()),
              "missing-value", "value"),
        *[_flag(f, reported & needs_weight & pl.col(c).is_null() & ~(~is_ratio & pl.lit(c == "numerator")),
                "missing-value", c) for c in ("numerator", "denominator")],
        _flag(f, reported & whole & (pl.col("_value") != pl.col("_value").round(0)), "non-integer", "value"),
        # A value computed from numerator/denominator is range-checked by the two rules below instead.
        _flag(f, reported & ((pl.col("_value") < pl.col("min_value")) | (pl.col("_value") > pl.col("max_value"))),
              "out-of-range", "value", detail=rng),
        _flag(f, reported & (pl.col("_num") < 0), "out-of-range", "numerator", detail="[0 …]"),
        _flag(f, reported & (pl.col("_den") <= 0), "out-of-range", "denominator", detail="(0 …]"),
        _flag(f, reported & is_ratio & (pl.col("max_value") <= pl.col("ratio_scale")) & (pl.col("_num") > pl.col("_den")),
              "numerator-exceeds-denominator", "numerator", value=pl.col("numerator"), detail=pl.col("denominator")),
        _flag(f, reported & is_ratio & pl.col("_value").is_not_null() & (pl.col("_den") > 0)
              & ((pl.col("_value") - computed).abs() > tol), "ratio-inconsistent", "value",
              detail=pl.format("{} × {}/{} = {}", pl.col("ratio_scale"), pl.col("_num"), pl.col("_den"),
                               computed.round(3))),
    ]
    return f, flags


def _duplicates(f: pl.DataFrame, key: tuple[str, ...], column: str) -> pl.DataFrame:
    """Flag the second and later rows with the same key in one file, naming the first."""
    f = f.with_columns(_first=pl.col("row").first().over(key), _n=pl.int_range(pl.len()).over(key))
    valid = pl.all_horizontal(pl.col(list(key)).is_not_null())
    return _flag(f, valid & (pl.col("_n") > 0), "duplicate-row", column, detail=pl.col("_first"))


def _check_task_rows(f: pl.DataFrame, ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame]:
    f, flags = _periods(f, ctx)
    f, unit_flags = _units(f, ctx)
    flags += unit_flags
    tasks = ctx.catalog.tasks.select("task_code", "lead_unit_code")
    known = pl.col("task_code").is_in(tasks["task_code"].implode())
    f = f.join(tasks, on="task_code", how="left").with_columns(
        _status=choice("status", _STATUSES, pl.String), _done=parse_date("completed_on"))
    statuses = ", ".join(TASK_STATUSES.labels("vi").values())
    flags += [
        _flag(f, pl.col("task_code").is_null(), "missing-value", "task_code"),
        _flag(f, pl.col("task_code").is_not_null() & ~known, "unknown-task", "task_code"),
        _flag(f, known & pl.col("_unit_ok") & (pl.col("lead_unit_code") != pl.col("unit_code")),
              "task-not-assigned", "task_code",
              detail=pl.col("unit_code")),
        _flag(f, pl.col("status").is_null(), "missing-value", "status"),
        _flag(f, pl.col("status").is_not_null() & pl.col("_status").is_null(), "invalid-choice", "status",
              detail=statuses),
        _flag(f, pl.col("completed_on").is_not_null() & pl.col("_done").is_null(), "type-error", "completed_on",
              detail=("ngày dạng dd/mm/yyyy", "a date dd/mm/yyyy")),
        _duplicates(f, ("sha256", "unit_code", "_period", "task_code"), "task_code"),
    ]
    return f, _flags(flags)


# --- results ----------------------------------------------------------------------


def _to_issues(flags: pl.DataFrame, raw: pl.DataFrame) -> list[Issue]:
    if flags.is_empty():
        return []
    positions = _prepare(raw, ()).select("_rid", *POSITION, "unit_code", "period")
    rows = flags.join(positions, on="_rid").sort("file", "row", "column")
    return [
        Issue(r["code"], file=r["file"], sheet=r["sheet"], row=r["row"], column=r["column"], value=r["value"],
              detail=(r["detail_vi"] or "", r["detail_en"] or ""), sha256=r["sha256"],
              unit_code=r["unit_code"], period=r["period"])
        for r in rows.iter_rows(named=True)
    ]


def _accepted(f: pl.DataFrame, flags: pl.DataFrame, table: str):
    """Build the declared table from rows without errors and validate it once."""
    ok = f.filter(~pl.col("_rid").is_in(flags.filter(pl.col("code").is_in(ERROR_CODES))["_rid"].implode()))
    if table == "indicator_values":
        ok = ok.with_columns(value="_final", numerator="_num", denominator="_den", no_data_marker="_marker")
    else:
        ok = ok.with_columns(status="_status", completed_on="_done")
    ok = ok.with_columns(period="_period", submitted_at=_submitted_at(pl.col("submitted_at")))
    result = conform(table, ok.select(*TABLES[table].field_names, "file"), duplicate_code="duplicate-row")
    # A row the schema rejects would be a bug upstream; it is still reported and not accepted.
    return Conformed(result.frame.filter(~result.rejected), result.issues, result.rejected)


def _submitted_at(expr: pl.Expr) -> pl.Expr:
    """Return a submission date typed by the unit as the start of that day in Hanoi, in UTC."""
    day = parse_date(expr)
    return day.cast(pl.Datetime("us")).dt.replace_time_zone(str(TIMEZONE)).dt.convert_time_zone("UTC")


def _counts(indicators: pl.DataFrame, tasks: pl.DataFrame, values: pl.DataFrame, progress: pl.DataFrame
            ) -> pl.DataFrame:
    """Return rows read, accepted and rejected per file (sha256)."""
    read = pl.concat([indicators.select("sha256"), tasks.select("sha256")]).group_by("sha256").agg(
        rows_read=pl.len())
    accepted = pl.concat([values.select("sha256"), progress.select("sha256")]).group_by("sha256").agg(
        rows_accepted=pl.len())
    return read.join(accepted, on="sha256", how="left").with_columns(
        pl.col("rows_accepted").fill_null(0).cast(pl.Int64), pl.col("rows_read").cast(pl.Int64)
    ).with_columns(rows_rejected=pl.col("rows_read") - pl.col("rows_accepted"))


ERROR_CODES = [code for code, spec in CODES.items() if spec.severity == "error"]
