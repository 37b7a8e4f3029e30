"""Check submitted rows against the catalog; accept the good, reject the bad, report all.

Input is the raw text frames of a whole batch of files, concatenated (with
`file`, `sha256`, `sheet` and `row` on every row). The rows are first read
(`_read_*`: periods parsed once per spelling, units and indicators looked up,
values parsed), then every named row check runs once over the whole batch as
a vectorised polars expression, and the declared pandera schema validates
the accepted rows once. Each check is a function registered with the issue
codes it raises (`ROW_CHECKS`, `checks_for(code)`), so a rule is found by its
code. Each problem is an `Issue` at the file, sheet, row and column the user
sees; a row with an error is rejected and the rest of its file is kept. For
every file: rows read = rows accepted + rows rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Literal

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare import rules
from hanoi_ctr.declare.conform import Conformed, conform
from hanoi_ctr.declare.issues import CODES, Issue
from hanoi_ctr.declare.tables import TABLES
from hanoi_ctr.declare.vocabulary import LEVELS, TASK_STATUSES, YES_NO
from hanoi_ctr.intake.normalize import choice, is_marker, lines, number, text
from hanoi_ctr.intake.normalize import date as parse_date
from hanoi_ctr.intake.readers import INDICATOR_RAW, TASK_RAW
from hanoi_ctr.periods import TIMEZONE, Calendar, PeriodError, parse_period, window
from hanoi_ctr.spans import end_of, first_of

POSITION = ("file", "sha256", "sheet", "row")
#: What offices type for a yes/no value (labels and synonyms) → 1.0 or 0.0.
_BOOLEANS = {spelling: float(value) for spelling, value in YES_NO.readings().items()}
#: What offices type for a task status (codes, labels and synonyms) → the status.
_STATUSES = TASK_STATUSES.readings()

Rows = Literal["indicators", "tasks"]


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


# --- the registry of row checks ---------------------------------------------------


@dataclass(frozen=True)
class RowCheck:
    """One named rule over rows: the codes it raises, the rows it applies to, and the check itself."""

    name: str
    codes: tuple[str, ...]
    rows: tuple[Rows, ...]
    run: Callable[[pl.DataFrame, Context], list[pl.DataFrame]]

    @property
    def description(self) -> str:
        """Return what the check checks (its docstring's first line)."""
        return (self.run.__doc__ or "").strip().splitlines()[0]


ROW_CHECKS: list[RowCheck] = []


def row_check(*codes: str, rows: tuple[Rows, ...] = ("indicators", "tasks")
              ) -> Callable[[Callable[[pl.DataFrame, Context], list[pl.DataFrame]]],
                            Callable[[pl.DataFrame, Context], list[pl.DataFrame]]]:
    """Register a row check raising `codes` on the given rows."""
    unknown = [c for c in codes if c not in CODES]
    if unknown:
        raise KeyError(f"unknown issue codes {unknown}")

    def register(run: Callable[[pl.DataFrame, Context], list[pl.DataFrame]]
                 ) -> Callable[[pl.DataFrame, Context], list[pl.DataFrame]]:
        ROW_CHECKS.append(RowCheck(run.__name__, codes, rows, run))
        return run

    return register


def checks_for(code: str) -> list[RowCheck]:
    """Return the row checks that raise an issue code."""
    return [c for c in ROW_CHECKS if code in c.codes]


def check(indicators: pl.DataFrame, tasks: pl.DataFrame, ctx: Context) -> Checked:
    """Check raw indicator and task rows of a batch; see the module docstring.

    Both frames have the position columns, `expected_period` (the period a
    template was issued for, or null) and the raw text columns of `readers`.
    """
    ind = _read_indicators(_prepare(indicators, INDICATOR_RAW), ctx)
    task = _read_tasks(_prepare(tasks, TASK_RAW), ctx)
    ind_flags, task_flags = _run(ind, ctx, "indicators"), _run(task, ctx, "tasks")
    values = _accepted(ind.filter(pl.col("_indicator_known")), ind_flags, "indicator_values")
    progress = _accepted(task, task_flags, "task_progress")
    counts = _counts(indicators, tasks, values.frame, progress.frame)
    issues = _to_issues(ind_flags, indicators) + _to_issues(task_flags, tasks) + values.issues + progress.issues
    return Checked(values.frame, progress.frame, issues, counts)


def _run(f: pl.DataFrame, ctx: Context, rows: Rows) -> pl.DataFrame:
    """Return the flags of every check that applies to these rows."""
    return _flags([flag for c in ROW_CHECKS if rows in c.rows for flag in c.run(f, ctx)])


def _prepare(raw: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """Number the rows and clean their text (a note keeps its line breaks)."""
    return raw.with_columns(_rid=pl.int_range(pl.len(), dtype=pl.Int64),
                            **{c: lines(c) if c == "note" else text(c) for c in columns})


# --- flags: one frame of (_rid, code, column, value, detail) per finding ------------

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


# --- reading the rows: what the checks look at --------------------------------------


def _read_periods(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Add `_period`, `_start`, `_end`, `_in_term`: each period parsed once per distinct spelling."""
    term = ctx.catalog.term
    rows = []
    for spelled in f["period"].drop_nulls().unique().to_list():
        try:
            p = parse_period(spelled)
        except PeriodError:
            continue
        start, end = window(p, ctx.calendar)
        in_term = term["start_year"] <= p.first_quarter.year and p.last_quarter.year <= term["end_year"]
        baseline = p.first_quarter.year == p.last_quarter.year == term["baseline_year"]
        rows.append({"period": spelled, "_period": str(p), "_start": start, "_end": end, "_in_term": in_term,
                     "_baseline": baseline, "_first": p.first_ordinal, "_last": p.last_ordinal})
    table = pl.DataFrame(rows, schema={"period": pl.String, "_period": pl.String, "_start": pl.Date,
                                       "_end": pl.Date, "_in_term": pl.Boolean, "_baseline": pl.Boolean,
                                       "_first": pl.Int64, "_last": pl.Int64})
    return f.join(table, on="period", how="left")


def _read_units(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Add `_unit_known`, `_unit_inactive` (no record of it during the period) and `_unit_ok`."""
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
    return f.with_columns(_unit_known=known, _unit_inactive=inactive).with_columns(
        _unit_ok=pl.col("_unit_known") & ~pl.col("_unit_inactive"))


def _assigned_pairs(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Return (_period, unit_code, indicator_code) assigned, for each period in the batch.

    What an agency reports for the city, the city may send under its own code.
    """
    def pairs(period: str) -> pl.DataFrame:
        assigned = ctx.catalog.assigned(parse_period(period), ctx.calendar)
        as_city = ctx.catalog.speaking_for(assigned).filter(pl.col("unit_code") == ctx.catalog.city)
        return pl.concat([assigned, as_city]).unique().with_columns(_period=pl.lit(period))

    frames = [pairs(p) for p in f["_period"].drop_nulls().unique().to_list()]
    schema = {"unit_code": pl.String, "indicator_code": pl.String, "_period": pl.String}
    return pl.concat([pl.DataFrame(schema=schema), *frames], how="vertical")


def _read_indicators(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Read indicator rows: periods, units, the indicator's rules and assignment, the values typed."""
    f = _read_units(_read_periods(f, ctx), ctx)
    indicators = rules.rule_columns(ctx.catalog.indicators).select(
        "indicator_code", "value_type", "frequency", "min_value", "max_value", "decimals", "ratio_scale",
        "_value_from_parts", "_needs_denominator", "_whole", "_boolean")
    assigned = _assigned_pairs(f, ctx).with_columns(_assigned=pl.lit(True))
    f = f.with_columns(_indicator_known=pl.col("indicator_code").is_in(indicators["indicator_code"].implode()))
    f = f.join(indicators, on="indicator_code", how="left").join(
        assigned, on=["_period", "unit_code", "indicator_code"], how="left")
    return _read_values(f, ctx)


def _read_values(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Add `_marker` (a no-data marker), `_value`, `_num`, `_den` and `_final` (the value used)."""
    markers = ctx.catalog.markers["marker"].to_list()
    f = f.with_columns(
        _marker=pl.when(is_marker("value", markers)).then(pl.col("value"))
        .when(pl.col("value").is_null() & is_marker("numerator", markers)).then(pl.col("numerator"))
        .when(pl.col("value").is_null() & is_marker("denominator", markers)).then(pl.col("denominator")),
        _value=pl.when(pl.col("_boolean")).then(choice("value", _BOOLEANS, pl.Float64))
        .otherwise(number("value")),
        _num=number("numerator"), _den=number("denominator"),
    )
    return f.with_columns(_final=pl.when(pl.col("_value_from_parts") & pl.col("_value").is_null()
                                         & (pl.col("_den") > 0)).then(_computed()).otherwise(pl.col("_value")))


def _computed() -> pl.Expr:
    return pl.col("ratio_scale") * pl.col("_num") / pl.col("_den")


def _read_tasks(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Read task rows: periods, units, the task's lead agency, the status and date typed."""
    f = _read_units(_read_periods(f, ctx), ctx)
    tasks = ctx.catalog.tasks.select("task_code", "lead_unit_code")
    return f.with_columns(_task_known=pl.col("task_code").is_in(tasks["task_code"].implode())).join(
        tasks, on="task_code", how="left").with_columns(
        _status=choice("status", _STATUSES, pl.String), _done=parse_date("completed_on"))


# --- periods and units (indicator and task rows) ----------------------------------------


@row_check("missing-value", "invalid-period")
def period_readable(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The period is given and reads as a quarter, half year, year or term."""
    return [_flag(f, pl.col("period").is_null(), "missing-value", "period"),
            _flag(f, pl.col("period").is_not_null() & pl.col("_period").is_null(), "invalid-period", "period")]


@row_check("period-out-of-term")
def period_in_term(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The period lies within the catalog's term (or, for an indicator, in its baseline year)."""
    term = ctx.catalog.term
    baseline = pl.col("_baseline").fill_null(False) & pl.lit("indicator_code" in f.columns)
    return [_flag(f, ~pl.col("_in_term").fill_null(True) & ~baseline, "period-out-of-term", "period",
                  detail=f"{term['start_year']}-{term['end_year']}")]


@row_check("baseline-value", rows=("indicators",))
def baseline_year_value(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A figure for the year before the term is kept as baseline data, and said so."""
    return [_flag(f, pl.col("_baseline").fill_null(False) & pl.col("_indicator_known"), "baseline-value", "period")]


@row_check("future-period")
def period_started(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The period has started."""
    return [_flag(f, pl.col("_start") > ctx.today, "future-period", "period")]


@row_check("period-mismatch")
def period_of_the_file(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The period is the one the file (its template or its name) or the caller declares."""
    expected = pl.col("expected_period")
    return [_flag(f, expected.is_not_null() & pl.col("_period").is_not_null() & (pl.col("_period") != expected),
                  "period-mismatch", "period", detail=expected)]


@row_check("missing-value", "unknown-unit", "unit-inactive")
def unit_in_force(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The unit is given, in the catalog, and existed during the period."""
    return [_flag(f, pl.col("unit_code").is_null(), "missing-value", "unit_code"),
            _flag(f, pl.col("unit_code").is_not_null() & ~pl.col("_unit_known"), "unknown-unit", "unit_code"),
            _flag(f, pl.col("_unit_inactive"), "unit-inactive", "unit_code", detail=pl.col("_period"))]


# --- indicator rows -----------------------------------------------------------------------


@row_check("missing-value", "unknown-indicator", rows=("indicators",))
def indicator_known(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The indicator is given and in the catalog."""
    return [_flag(f, pl.col("indicator_code").is_null(), "missing-value", "indicator_code"),
            _flag(f, pl.col("indicator_code").is_not_null() & ~pl.col("_indicator_known"), "unknown-indicator",
                  "indicator_code")]


_FREQUENCY_WORDS = {
    "quarter": ("theo quý", "quarterly"),
    "half": ("6 tháng một lần, trong báo cáo quý II, quý IV, 6 tháng hoặc năm",
             "half-yearly, in the Q2, Q4, half-year or year report"),
    "year": ("theo năm, trong báo cáo quý IV, 6 tháng cuối năm hoặc cả năm",
             "yearly, in the Q4, second-half or year report"),
}


def _frequency_words(index: int) -> pl.Expr:
    return pl.col("frequency").replace_strict({k: v[index] for k, v in _FREQUENCY_WORDS.items()}, default="")


@row_check("indicator-not-due", rows=("indicators",))
def indicator_due(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A report for a period shorter than the indicator's frequency closes one of its periods (Q4 for a year)."""
    closes = pl.col("_last") == end_of(pl.col("frequency"), pl.col("_last"))
    mask = pl.col("_indicator_known") & pl.col("_last").is_not_null() & ~closes
    return [_flag(f, mask, "indicator-not-due", "period", value=pl.col("indicator_code"),
                  detail=(_frequency_words(0), _frequency_words(1)))]


@row_check("longer-period", rows=("indicators",))
def period_longer_than_frequency(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A figure for a period longer than the indicator's frequency stands for that whole period, and is said so."""
    longer = (pl.col("_first") < first_of(pl.col("frequency"), pl.col("_last")))
    closes = pl.col("_last") == end_of(pl.col("frequency"), pl.col("_last"))
    return [_flag(f, pl.col("_indicator_known") & longer.fill_null(False) & closes.fill_null(False),
                  "longer-period", "period", value=pl.col("_period"), detail=(_frequency_words(0),
                                                                              _frequency_words(1)))]


@row_check("indicator-not-assigned", rows=("indicators",))
def indicator_assigned(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The indicator is assigned to the unit in the period."""
    mask = (pl.col("_indicator_known") & pl.col("_unit_ok") & pl.col("_period").is_not_null()
            & pl.col("_assigned").is_null())
    who = _reporters(ctx)
    return [_flag(f.join(who, on="indicator_code", how="left"), mask, "indicator-not-assigned", "indicator_code",
                  detail=(pl.format("{}; {}", pl.col("unit_code"), pl.col("_who_vi")),
                          pl.format("{}; {}", pl.col("unit_code"), pl.col("_who_en"))))]


def _reporters(ctx: Context) -> pl.DataFrame:
    """Return per indicator who reports it, in words: levels and named units (an agency also as the city)."""
    a = ctx.catalog.assignments
    city = ctx.catalog.city
    out = []
    for code in a["indicator_code"].unique().sort().to_list():
        rows = a.filter(pl.col("indicator_code") == code)
        levels = [LEVELS.label(v) for v in rows["level"].drop_nulls().to_list()]
        levels_en = [LEVELS.label(v, "en") for v in rows["level"].drop_nulls().to_list()]
        units = rows["unit_code"].drop_nulls().to_list()
        as_city = [u for u in units if u in ctx.catalog.agencies]
        vi = ", ".join(levels + units) + (f" (hoặc gửi dưới mã {city} của Thành phố)" if as_city else "")
        en = ", ".join(levels_en + units) + (f" (or sent as the city, {city})" if as_city else "")
        out.append({"indicator_code": code, "_who_vi": "đơn vị báo cáo: " + vi, "_who_en": "reported by: " + en})
    return pl.DataFrame(out, schema={"indicator_code": pl.String, "_who_vi": pl.String, "_who_en": pl.String})


def _reported() -> pl.Expr:
    """Rows of a known indicator that report a figure (not a no-data marker)."""
    return pl.col("_indicator_known") & pl.col("_marker").is_null()


@row_check("type-error", rows=("indicators",))
def values_are_numbers(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """Value, numerator and denominator are numbers (or yes/no for a yes/no indicator)."""
    boolean = pl.col("_boolean")
    expected_kind = (pl.when(boolean).then(pl.lit("Đạt/Không đạt")).otherwise(pl.lit("số")),
                     pl.when(boolean).then(pl.lit("yes/no")).otherwise(pl.lit("a number")))
    return [
        _flag(f, _reported() & pl.col("value").is_not_null() & pl.col("_value").is_null(), "type-error", "value",
              detail=expected_kind),
        *[_flag(f, _reported() & pl.col(c).is_not_null() & pl.col(n).is_null(), "type-error", c,
                detail=("số", "a number")) for c, n in (("numerator", "_num"), ("denominator", "_den"))],
    ]


@row_check("missing-value", rows=("indicators",))
def values_given(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A figure is given: the value (or a ratio's parts), and the parts the indicator's rule needs."""
    is_ratio, needs_weight = pl.col("_value_from_parts"), pl.col("_needs_denominator")
    return [
        _flag(f, _reported() & pl.col("_final").is_null() & pl.col("value").is_null()
              & ~(is_ratio & pl.col("numerator").is_not_null() & pl.col("denominator").is_not_null()),
              "missing-value", "value"),
        *[_flag(f, _reported() & needs_weight & pl.col(c).is_null() & ~(~is_ratio & pl.lit(c == "numerator")),
                "missing-value", c) for c in ("numerator", "denominator")],
    ]


@row_check("non-integer", rows=("indicators",))
def whole_numbers(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """Counts and ranks are whole numbers."""
    return [_flag(f, _reported() & pl.col("_whole") & (pl.col("_value") != pl.col("_value").round(0)),
                  "non-integer", "value")]


@row_check("out-of-range", rows=("indicators",))
def values_in_range(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The value lies in the indicator's range; numerators are ≥ 0 and denominators > 0."""
    rng = pl.format("[{} … {}]", pl.col("min_value").fill_null(float("-inf")),
                    pl.col("max_value").fill_null(float("inf")))
    # A value computed from numerator/denominator is range-checked by the two rules below instead.
    outside = (pl.col("_value") < pl.col("min_value")) | (pl.col("_value") > pl.col("max_value"))
    return [_flag(f, _reported() & outside, "out-of-range", "value", detail=rng),
            _flag(f, _reported() & (pl.col("_num") < 0), "out-of-range", "numerator", detail="[0 …]"),
            _flag(f, _reported() & (pl.col("_den") <= 0), "out-of-range", "denominator", detail="(0 …]")]


@row_check("numerator-exceeds-denominator", rows=("indicators",))
def share_within_its_whole(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A share (its maximum at most its scale) cannot count more than its denominator."""
    share = pl.col("_value_from_parts") & (pl.col("max_value") <= pl.col("ratio_scale"))
    return [_flag(f, _reported() & share & (pl.col("_num") > pl.col("_den")), "numerator-exceeds-denominator",
                  "numerator", value=pl.col("numerator"), detail=pl.col("denominator"))]


@row_check("ratio-inconsistent", rows=("indicators",))
def ratio_consistent(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A value sent with its parts agrees with scale × numerator ÷ denominator to the indicator's decimals."""
    computed = _computed()
    tol = pl.max_horizontal(0.5 * pl.lit(10.0).pow(-pl.col("decimals")), 0.005 * computed.abs())
    mask = (_reported() & pl.col("_value_from_parts") & pl.col("_value").is_not_null() & (pl.col("_den") > 0)
            & ((pl.col("_value") - computed).abs() > tol))
    return [_flag(f, mask, "ratio-inconsistent", "value",
                  detail=pl.format("{} × {}/{} = {}", pl.col("ratio_scale"), pl.col("_num"), pl.col("_den"),
                                   computed.round(3)))]


def _duplicates(f: pl.DataFrame, key: tuple[str, ...], column: str) -> pl.DataFrame:
    """Flag the second and later rows with the same key in one file, naming the first."""
    f = f.with_columns(_first=pl.col("row").first().over(key), _n=pl.int_range(pl.len()).over(key))
    valid = pl.all_horizontal(pl.col(list(key)).is_not_null())
    return _flag(f, valid & (pl.col("_n") > 0), "duplicate-row", column, detail=pl.col("_first"))


@row_check("duplicate-row", rows=("indicators",))
def indicator_once_per_file(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A file gives each unit × period × indicator once."""
    return [_duplicates(f.filter(pl.col("_indicator_known")), ("sha256", "unit_code", "_period", "indicator_code"),
                        "indicator_code")]


# --- task rows ------------------------------------------------------------------------------


@row_check("missing-value", "unknown-task", rows=("tasks",))
def task_known(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The task is given and in the catalog."""
    return [_flag(f, pl.col("task_code").is_null(), "missing-value", "task_code"),
            _flag(f, pl.col("task_code").is_not_null() & ~pl.col("_task_known"), "unknown-task", "task_code")]


@row_check("task-not-assigned", rows=("tasks",))
def task_led_by_the_unit(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The unit is the task's lead agency."""
    return [_flag(f, pl.col("_task_known") & pl.col("_unit_ok") & (pl.col("lead_unit_code") != pl.col("unit_code")),
                  "task-not-assigned", "task_code", detail=pl.col("unit_code"))]


@row_check("missing-value", "invalid-choice", rows=("tasks",))
def task_status_known(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The status is given and is one of the task statuses."""
    statuses = ", ".join(TASK_STATUSES.labels("vi").values())
    return [_flag(f, pl.col("status").is_null(), "missing-value", "status"),
            _flag(f, pl.col("status").is_not_null() & pl.col("_status").is_null(), "invalid-choice", "status",
                  detail=statuses)]


@row_check("type-error", rows=("tasks",))
def completion_date_readable(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The completion date is a date."""
    return [_flag(f, pl.col("completed_on").is_not_null() & pl.col("_done").is_null(), "type-error",
                  "completed_on", detail=("ngày dạng dd/mm/yyyy", "a date dd/mm/yyyy"))]


@row_check("duplicate-row", rows=("tasks",))
def task_once_per_file(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A file gives each unit × period × task once."""
    return [_duplicates(f, ("sha256", "unit_code", "_period", "task_code"), "task_code")]


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
