"""Check submitted rows against the catalog; accept the good, reject the bad, report all.

Input is the raw text frames of a whole batch of files, concatenated (with
`file`, `sha256`, `sheet` and `row` on every row). The rows are first read
(`rows`: periods parsed once per spelling, units and indicators looked up,
values parsed as their cells show them), then every named row check runs once over the whole batch as
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

from hanoi_ctr.declare.conform import Conformed, conform
from hanoi_ctr.declare.issues import CODES, Issue
from hanoi_ctr.declare.schemas import empty_frame
from hanoi_ctr.declare.tables import TABLES
from hanoi_ctr.declare.vocabulary import LEVELS, TASK_STATUSES
from hanoi_ctr.intake.normalize import date as parse_date
from hanoi_ctr.intake.normalize import fold, number, thousands
from hanoi_ctr.intake.readers import INDICATOR_RAW, TASK_RAW
from hanoi_ctr.intake.rows import Context, computed, prepare, read_indicators, read_tasks
from hanoi_ctr.periods import TIMEZONE, parse_period, window
from hanoi_ctr.spans import end_of, first_of

__all__ = ["Checked", "Context", "ROW_CHECKS", "RowCheck", "check", "checks_for", "row_check"]

POSITION = ("file", "sha256", "sheet", "row")
Rows = Literal["indicators", "tasks"]


@dataclass(frozen=True)
class Checked:
    """Accepted rows (typed, declared columns), the issues, and per-file row counts."""

    values: pl.DataFrame
    tasks: pl.DataFrame
    issues: list[Issue]
    counts: pl.DataFrame


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
    A batch without a row (every file already received, say) has nothing to check: its empty
    tables are made from their declarations, without the ~50 queries of the checks.
    """
    if indicators.is_empty() and tasks.is_empty():
        return Checked(empty_frame("indicator_values"), empty_frame("task_progress"), [],
                       pl.DataFrame(schema=_COUNTS_SCHEMA))
    return _checked_rows(indicators, tasks, ctx)


#: The per-file row counts of `_counts`.
_COUNTS_SCHEMA = {"sha256": pl.String, "rows_read": pl.Int64, "rows_accepted": pl.Int64, "rows_rejected": pl.Int64}


def _checked_rows(indicators: pl.DataFrame, tasks: pl.DataFrame, ctx: Context) -> Checked:
    ind = read_indicators(prepare(indicators, INDICATOR_RAW), ctx)
    task = read_tasks(prepare(tasks, TASK_RAW), ctx)
    ind_flags, task_flags = _run(ind, ctx, "indicators"), _run(task, ctx, "tasks")
    values = _accepted(ind.filter(pl.col("_indicator_known")), ind_flags, "indicator_values")
    progress = _accepted(task, task_flags, "task_progress")
    counts = _counts(indicators, tasks, values.frame, progress.frame)
    issues = _to_issues(ind_flags, indicators) + _to_issues(task_flags, tasks) + values.issues + progress.issues
    return Checked(values.frame, progress.frame, issues, counts)


def _run(f: pl.DataFrame, ctx: Context, rows: Rows) -> pl.DataFrame:
    """Return the flags of every check that applies to these rows."""
    return _flags([flag for c in ROW_CHECKS if rows in c.rows for flag in c.run(f, ctx)])


# --- flags: one frame of (_rid, code, column, value, detail) per finding ------------

_FLAG_SCHEMA = {"_rid": pl.Int64, "code": pl.String, "column": pl.String, "value": pl.String,
                "detail_vi": pl.String, "detail_en": pl.String}


def _flag(f: pl.DataFrame, mask: pl.Expr, code: str, column: str | pl.Expr | None, value: pl.Expr | None = None,
          detail: str | pl.Expr | tuple[str | pl.Expr, str | pl.Expr] = "") -> pl.LazyFrame:
    """Return the flags of the rows matching `mask`, at `column`, with that column's text as the value.

    `column` is a name, an expression where it varies by row, or None for the whole row. The flags
    are a query, run with every other check's in one plan (`_flags`): a query costs ~1 ms to plan.
    """
    vi, en = detail if isinstance(detail, tuple) else (detail, detail)
    lit = lambda d: pl.lit(d, pl.String) if isinstance(d, str) or d is None else d  # noqa: E731
    if value is None:
        value = pl.col(column) if isinstance(column, str) else pl.lit(None, pl.String)
    return f.lazy().filter(mask).select(
        "_rid", code=pl.lit(code), column=lit(column).cast(pl.String), value=value.cast(pl.String),
        detail_vi=lit(vi).cast(pl.String), detail_en=lit(en).cast(pl.String),
    )


def _flags(parts: list[pl.DataFrame | pl.LazyFrame]) -> pl.DataFrame:
    return pl.concat([pl.LazyFrame(schema=_FLAG_SCHEMA), *(p.lazy() for p in parts)], how="vertical").collect()


# --- periods and units (indicator and task rows) ----------------------------------------


@row_check("missing-value", "invalid-period")
def period_readable(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The period is given and reads as a quarter, half year, year or term."""
    return [_flag(f, pl.col("period").is_null(), "missing-value", "period"),
            _flag(f, pl.col("period").is_not_null() & pl.col("_period").is_null(), "invalid-period", "period")]


@row_check("period-out-of-term")
def period_in_term(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The period lies within a term of the catalog (or, for an indicator, in a term's baseline year)."""
    spans = ", ".join(f"{t['start_year']}-{t['end_year']}" for t in
                      ctx.catalog.terms.sort("start_year").iter_rows(named=True))
    baseline = pl.col("_baseline").fill_null(False) & pl.lit("indicator_code" in f.columns)
    return [_flag(f, ~pl.col("_in_term").fill_null(True) & ~baseline, "period-out-of-term", "period",
                  detail=spans)]


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
    """The unit is given, in the catalog, and in force on the period's last day (else its successors are named)."""
    unknown = pl.col("unit_code").is_not_null() & ~pl.col("_unit_known") & pl.col("_unit_candidates").is_null()
    inactive = f.filter("_unit_inactive").join(_inactive_details(f, ctx), on=["unit_code", "_period"],
                                                how="left")
    return [_flag(f, pl.col("unit_code").is_null(), "missing-value", "unit_code"),
            _flag(f, unknown, "unknown-unit", "unit_code"),
            _flag(inactive, pl.lit(True), "unit-inactive", "unit_code", value=pl.col("_unit_typed"),
                  detail=(pl.col("_inactive_vi"), pl.col("_inactive_en")))]


def _inactive_details(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Return (unit_code, _period, _inactive_vi, _inactive_en): the period's end, the unit's dates, its successors."""
    rows = []
    for code, period in f.filter("_unit_inactive").select("unit_code", "_period").unique().iter_rows():
        end = window(parse_period(period), ctx.calendar)[1]
        records = ctx.catalog.units.filter(pl.col("unit_code") == code)
        ended = records.filter(pl.col("valid_to") < end)["valid_to"].max()
        starts = records.filter(pl.col("valid_from") > end)["valid_from"].min()
        vi, en = [f"kỳ {period} kết thúc ngày {end:%d/%m/%Y}"], [f"period {period} ends on {end:%d/%m/%Y}"]
        if ended is not None:
            vi.append(f"đơn vị ngừng hoạt động từ sau ngày {ended:%d/%m/%Y}")
            en.append(f"the unit ceased after {ended:%d/%m/%Y}")
        elif starts is not None:
            vi.append(f"đơn vị hoạt động từ ngày {starts:%d/%m/%Y}")
            en.append(f"the unit is in force from {starts:%d/%m/%Y}")
        successors = _successor_names(code, end, ctx)
        if successors:
            vi.append(f"đơn vị kế thừa: {successors}")
            en.append(f"succeeded by {successors}")
        rows.append({"unit_code": code, "_period": period, "_inactive_vi": "; ".join(vi),
                     "_inactive_en": "; ".join(en)})
    return pl.DataFrame(rows, schema={"unit_code": pl.String, "_period": pl.String, "_inactive_vi": pl.String,
                                      "_inactive_en": pl.String})


def _successor_names(code: str, day: date, ctx: Context) -> str:
    """Return the units that took over from `code` and are in force on `day`, as 'code name'."""
    successors = ctx.catalog.successors(code)
    if successors.is_empty():
        return ""
    named = ctx.catalog.units_on(day).select("unit_code", "name_vi").join(
        successors.rename({"new_code": "unit_code"}), on="unit_code").sort(
        pl.col("default_successor").not_(), "unit_code")
    return ", ".join(f"{c} {n}" for c, n in named.select("unit_code", "name_vi").iter_rows())


@row_check("ambiguous-unit", "unit-code-padded")
def unit_code_as_shown(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A unit code that lost its leading zeros is read as the one unit it can be, never chosen among several."""
    candidates = pl.col("_unit_candidates")
    return [_flag(f, candidates.is_not_null(), "ambiguous-unit", "unit_code", value=pl.col("_unit_typed"),
                  detail=(candidates.list.join(" hoặc "), candidates.list.join(" or "))),
            _flag(f, pl.col("_unit_padded").fill_null(False), "unit-code-padded", "unit_code",
                  value=pl.col("_unit_typed"), detail=pl.col("unit_code"))]


@row_check("unit-name-mismatch")
def unit_named_as_in_catalog(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A unit's name, where the file gives one beside its code, is the catalog's (with or without its kind)."""
    named = f.filter(pl.col("unit_name").is_not_null() & pl.col("_unit_ok"))
    if named.is_empty():
        return []
    names = _catalog_names(ctx.catalog.units)
    # `unit_name` is already clean text (NFC, single spaces): lower case makes it a `fold` key.
    checked = named.select("_rid", "unit_code", "unit_name").join(names, on="unit_code", how="left").group_by(
        "_rid").agg(_matches=(pl.col("_folded") == pl.col("unit_name").str.to_lowercase()).any(),
                    _catalog=pl.col("name_vi").last())
    f = f.join(checked, on="_rid", how="left")
    return [_flag(f, pl.col("_matches").is_not_null() & ~pl.col("_matches"), "unit-name-mismatch", "unit_name",
                  detail=pl.format("{}: {}", "unit_code", "_catalog"))]


def _catalog_names(units: pl.DataFrame) -> pl.DataFrame:
    """Return (unit_code, name_vi, _folded): each name a code has had, folded, with and without its kind."""
    kinds = sorted({fold(k) for k in ("Thành phố", "Quận", "Huyện", "Thị xã", "Phường", "Xã", "Thị trấn")},
                   key=len, reverse=True)
    rows = []
    for code, name in units.select("unit_code", "name_vi").unique().iter_rows():
        folded = fold(name)
        rows.append((code, name, folded))
        rows += [(code, name, folded[len(k):].strip()) for k in kinds if folded.startswith(k + " ")]
    return pl.DataFrame(rows, schema={"unit_code": pl.String, "name_vi": pl.String, "_folded": pl.String},
                        orient="row")


@row_check("extra-fields")
def fields_within_header(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A CSV row has no more fields than its header (an unquoted `3,25` splits a number and shifts the row)."""
    return [_flag(f, pl.col("extra_fields").is_not_null(), "extra-fields", pl.format("#{}", "extra_from"),
                  value=pl.col("extra_fields"))]


@row_check("hidden-row")
def hidden_rows_said(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A row hidden in the sheet is read all the same, and said so (the officer may not see it)."""
    return [_flag(f, pl.col("row_hidden").fill_null(False), "hidden-row", None)]


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
    return [_flag(f.join(who, on=["_term", "indicator_code"], how="left"), mask, "indicator-not-assigned", "indicator_code",
                  detail=(pl.format("{}; {}", pl.col("unit_code"), pl.col("_who_vi")),
                          pl.format("{}; {}", pl.col("unit_code"), pl.col("_who_en"))))]


def _reporters(ctx: Context) -> pl.DataFrame:
    """Return per term and indicator who reports it, in words: levels and named units (an agency also as
    the city)."""
    a = ctx.catalog.assignments
    city = ctx.catalog.city
    out = []
    # One pass over the assignments, each indicator's rows in their catalog order.
    grouped = a.group_by("term", "indicator_code", maintain_order=True).agg(
        pl.col("level").drop_nulls(), pl.col("unit_code").drop_nulls()).sort("term", "indicator_code")
    for term, code, level_values, units in grouped.iter_rows():
        levels = [LEVELS.label(v) for v in level_values]
        levels_en = [LEVELS.label(v, "en") for v in level_values]
        as_city = [u for u in units if u in ctx.catalog.agencies]
        vi = ", ".join(levels + units) + (f" (hoặc gửi dưới mã {city} của Thành phố)" if as_city else "")
        en = ", ".join(levels_en + units) + (f" (or sent as the city, {city})" if as_city else "")
        out.append({"_term": term, "indicator_code": code, "_who_vi": "đơn vị báo cáo: " + vi,
                    "_who_en": "reported by: " + en})
    return pl.DataFrame(out, schema={"_term": pl.String, "indicator_code": pl.String, "_who_vi": pl.String,
                                     "_who_en": pl.String})


def _reported() -> pl.Expr:
    """Rows of a known indicator that report a figure (not a no-data marker)."""
    return pl.col("_indicator_known") & pl.col("_marker").is_null()


_NUMBER_COLUMNS = (("value", "_value"), ("numerator", "_num"), ("denominator", "_den"))


@row_check("type-error", rows=("indicators",))
def values_are_numbers(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """Value, numerator and denominator are numbers (yes/no for a yes/no indicator), not percent cells of counts."""
    boolean = pl.col("_boolean")
    expected_kind = (pl.when(boolean).then(pl.lit("Đạt/Không đạt")).otherwise(pl.lit("số")),
                     pl.when(boolean).then(pl.lit("yes/no")).otherwise(pl.lit("a number")))
    out = [_flag(f, _reported() & pl.col("value").is_not_null() & pl.col("_value").is_null()
                 & pl.col("_why_value").is_null(), "type-error", "value", detail=expected_kind)]
    out += [_flag(f, _reported() & pl.col(c).is_not_null() & pl.col(n).is_null() & pl.col(f"_why_{c}").is_null(),
                  "type-error", c, detail=("số", "a number")) for c, n in _NUMBER_COLUMNS[1:]]
    shown = pl.format("{}%", _shown((number(pl.col("value")) * 100).round(6)))
    out += [_flag(f, _reported() & (pl.col(f"_why_{c}") == "percent-cell"), "type-error", c,
                  detail=(pl.format("số tính bằng {} (ô được định dạng phần trăm, hiển thị {})", "unit_label", shown),
                          pl.format("a number of {} (the cell is formatted as a percentage and shows {})",
                                    "unit_label", shown)))
            for c, _ in _NUMBER_COLUMNS]
    return out


@row_check("not-finite", rows=("indicators",))
def numbers_finite(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """No number is infinite or NaN (`inf`, `nan`, `1e309`): they are never stored."""
    return [_flag(f, _reported() & (pl.col(f"_why_{c}") == "not-finite"), "not-finite", c)
            for c, _ in _NUMBER_COLUMNS]


@row_check("ambiguous-number", rows=("indicators",))
def numbers_read_one_way(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A number typed with one separator and three digits (`2.000`) is refused where both readings fit.

    For a count or rank, a numerator or a denominator, both readings always fit; for another value,
    where the indicator is reported with fewer than 3 decimals and the thousands reading is in its range.
    """
    out = []
    for c, _ in _NUMBER_COLUMNS:
        decimal, grouped = _shown(number(pl.col(c))), _shown(thousands(pl.col(c)))
        out.append(_flag(f, _reported() & (pl.col(f"_why_{c}") == "ambiguous"), "ambiguous-number", c, detail=(
            pl.format("{} (số thập phân) hoặc {} (số nguyên)", decimal.str.replace(".", ",", literal=True), grouped),
            pl.format("{} (a decimal point) or {} (a thousands separator)", decimal, grouped))))
    return out


def _shown(x: pl.Expr) -> pl.Expr:
    """Return a number as text without a trailing `.0`."""
    return pl.when(x == x.round(0)).then(x.cast(pl.Int64).cast(pl.String)).otherwise(x.cast(pl.String))


@row_check("percent-cell", rows=("indicators",))
def percent_cells_read_as_shown(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A percent cell of a percent indicator is read as it shows (0.9 shown as 90% is 90), and said so."""
    mask = _reported() & (pl.col("value_cell") == "percent") & pl.col("_percent") & pl.col("_value").is_not_null()
    return [_flag(f, mask, "percent-cell", "value", detail=_shown(pl.col("_value")))]


#: A value this many times smaller than what is expected of it looks like a 0-1 fraction of it.
_FRACTION_OF_EXPECTED = 20


@row_check("scale-mismatch", rows=("indicators",))
def percent_on_its_scale(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A value of at most 1 for a 0-100 percent indicator is questioned where far more is expected of it.

    What is expected: the unit's earlier values (when ingesting), else the indicator's targets and
    baselines in the catalog; an indicator whose figures are that small (a rate under 1 %) is not
    questioned. A value sent with its numerator and denominator is checked against them instead.
    """
    f = f.join(_earlier_median(ctx), on=["_term", "unit_code", "indicator_code"], how="left").join(
        _planned_median(ctx), on=["_term", "indicator_code"], how="left")
    expected = pl.coalesce("_earlier", "_planned")
    parts = pl.col("_num").is_not_null() & pl.col("_den").is_not_null()
    typed = (_reported() & pl.col("_percent") & (pl.col("max_value") == 100) & ~parts
             & (pl.col("value_cell") != "percent").fill_null(True))
    small = (pl.col("_value") > 0) & (pl.col("_value") <= 1)
    unlike = expected >= _FRACTION_OF_EXPECTED * pl.col("_value")
    meant, about = _shown((pl.col("_value") * 100).round(6)), _shown(expected.round(2))
    earlier = pl.col("_earlier").is_not_null()
    return [_flag(f, typed & small & unlike.fill_null(False), "scale-mismatch", "value", detail=(
        pl.when(earlier).then(pl.format("có phải {}? (các kỳ trước: khoảng {})", meant, about))
        .otherwise(pl.format("có phải {}? (mục tiêu, giá trị cơ sở: khoảng {})", meant, about)),
        pl.when(earlier).then(pl.format("did you mean {}? (earlier periods: about {})", meant, about))
        .otherwise(pl.format("did you mean {}? (its targets and baselines: about {})", meant, about))))]


def _earlier_median(ctx: Context) -> pl.DataFrame:
    """Return (_term, unit_code, indicator_code, _earlier): the median of each unit's values received before,
    per term (a code may mean another indicator in another term)."""
    schema = {"_term": pl.String, "unit_code": pl.String, "indicator_code": pl.String, "_earlier": pl.Float64}
    if ctx.history is None or ctx.history.is_empty():
        return pl.DataFrame(schema=schema)
    history = ctx.history.drop_nulls("value")
    terms = {p: ctx.catalog.term_for(parse_period(p)) for p in history["period"].unique().to_list()}
    return history.with_columns(_term=pl.col("period").replace_strict(terms, return_dtype=pl.String)).group_by(
        "_term", "unit_code", "indicator_code").agg(_earlier=pl.col("value").median()).select(list(schema)).cast(
        schema)


def _planned_median(ctx: Context) -> pl.DataFrame:
    """Return (_term, indicator_code, _planned): the median of the catalog's targets and baselines of each
    indicator."""
    figures = ctx.catalog.targets.select(
        "indicator_code", _term="term",
        _planned=pl.concat_list("target_value", "target_min", "target_max", "baseline_value"))
    return figures.explode("_planned").drop_nulls("_planned").group_by("_term", "indicator_code").agg(
        pl.col("_planned").median())


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
    expected = computed()
    tol = pl.max_horizontal(0.5 * pl.lit(10.0).pow(-pl.col("decimals")), 0.005 * expected.abs())
    mask = (_reported() & pl.col("_value_from_parts") & pl.col("_value").is_not_null() & (pl.col("_den") > 0)
            & ((pl.col("_value") - expected).abs() > tol))
    return [_flag(f, mask, "ratio-inconsistent", "value",
                  detail=pl.format("{} × {}/{} = {}", pl.col("ratio_scale"), pl.col("_num"), pl.col("_den"),
                                   expected.round(3)))]


@row_check("unknown-category", rows=("indicators",))
def category_of_the_indicator(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A category is one the indicator is reported by (`sex=nu`, or as labelled: `Nữ`); empty or `Tổng` is the total."""
    keys = ctx.catalog.category_keys().group_by("term", "indicator_code").agg(
        _cats=pl.col("category").sort().str.join(", ")).rename({"term": "_term"})
    f = f.join(keys, on=["_term", "indicator_code"], how="left")
    none = ("chỉ tiêu không báo cáo theo phân tổ", "the indicator is not reported by category")
    return [_flag(f, pl.col("_indicator_known") & ~pl.col("_category_ok"), "unknown-category", "category",
                  detail=(pl.coalesce("_cats", pl.lit(none[0])), pl.coalesce("_cats", pl.lit(none[1]))))]


def _category_groups(f: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Return the readable rows of disaggregated indicators, each with its group (file, unit, period,
    indicator, dimension) and what the group holds: `_is_total`, `_n_parts` of `_n_cats`, `_has_total`,
    the parts' sums `_sv`, `_sn`, `_sd` (null unless every part has one), `_missing` categories."""
    keys = ctx.catalog.category_keys()
    dims = keys.group_by("term", "indicator_code", "dimension").agg(
        _n_cats=pl.len(), _total_reported=pl.col("total_reported").first(), _all=pl.col("category"))
    dims = dims.rename({"term": "_term"})
    f = f.with_columns(_file_has_categories=pl.col("_category").is_not_null().any().over("sha256"))
    rows = f.filter(pl.col("_indicator_known") & pl.col("_category_ok") & pl.col("_unit_ok")
                    & pl.col("_period").is_not_null() & pl.col("_marker").is_null())
    rows = rows.with_columns(_is_total=pl.col("_category").is_null(),
                             _dimension=pl.col("_category").str.split("=").list.first())
    totals = rows.filter("_is_total").join(dims, on=["_term", "indicator_code"]).rename({"dimension": "_dim"})
    parts = rows.filter(~pl.col("_is_total")).join(dims, left_on=["_term", "indicator_code", "_dimension"],
                                                   right_on=["_term", "indicator_code", "dimension"])
    parts = parts.with_columns(_dim="_dimension")
    group = ["sha256", "unit_code", "_period", "indicator_code", "_dim"]
    both = pl.concat([totals, parts], how="diagonal_relaxed").sort("row").unique(
        [*group, "_category"], keep="first", maintain_order=True)
    part = ~pl.col("_is_total")

    def part_sum(column: str) -> pl.Expr:
        return pl.when(pl.col(column).filter(part).null_count() == 0).then(pl.col(column).filter(part).sum())

    facts = both.group_by(group).agg(
        _n_parts=part.sum(), _has_total=pl.col("_is_total").any(), _sv=part_sum("_final"), _sn=part_sum("_num"),
        _sd=part_sum("_den"), _seen=pl.col("_category").filter(part), _first_part=pl.col("row").filter(part).min())
    return both.join(facts, on=group).with_columns(
        _missing=pl.col("_all").list.set_difference("_seen").list.sort().list.join(", "))


def _differs(total: pl.Expr, parts: pl.Expr, tolerance: pl.Expr | float) -> pl.Expr:
    return (total.is_not_null() & parts.is_not_null() & ((total - parts).abs() > tolerance)).fill_null(False)


@row_check("disaggregation-mismatch", rows=("indicators",))
def parts_add_up_to_the_total(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A total sent with all its categories is what they add up to: counts add, ratios add their numerators
    and denominators."""
    g = _category_groups(f, ctx).filter(pl.col("_is_total") & (pl.col("_n_parts") == pl.col("_n_cats")))
    tol = 0.5 * pl.lit(10.0).pow(-pl.col("decimals"))
    say = lambda x: _shown(x.round(6))  # noqa: E731
    return [
        _flag(g, pl.col("_additive") & _differs(pl.col("_final"), pl.col("_sv"), tol), "disaggregation-mismatch",
              "value", value=say(pl.col("_final")), detail=say(pl.col("_sv"))),
        *[_flag(g, pl.col("_value_from_parts") & _differs(pl.col(own), pl.col(sums), 1e-6),
                "disaggregation-mismatch", column, value=say(pl.col(own)), detail=say(pl.col(sums)))
          for column, own, sums in (("numerator", "_num", "_sn"), ("denominator", "_den", "_sd"))],
    ]


@row_check("total-without-parts", "parts-without-total", rows=("indicators",))
def totals_and_parts_together(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A total without all its categories, or categories without the total where one is reported beside them,
    are accepted and said so (a total is derived from the categories only when all of them are there).

    A file that sends no category at all (no category column, or a template's category rows left
    empty) sends totals only, as before categories existed: its totals are not questioned."""
    g = _category_groups(f, ctx)
    incomplete = pl.col("_n_parts") < pl.col("_n_cats")
    alone = ~pl.col("_is_total") & ~pl.col("_has_total") & (pl.col("row") == pl.col("_first_part"))
    derived = ("tổng số được tính từ các nhóm", "the total is derived from them")
    return [
        _flag(g, pl.col("_is_total") & incomplete & pl.col("_file_has_categories"), "total-without-parts",
              "category", detail=pl.col("_missing")),
        _flag(g, alone & (incomplete | pl.col("_total_reported")), "parts-without-total", "category",
              detail=(pl.when(incomplete).then(pl.format("thiếu {}, tổng số không được tính", "_missing"))
                      .otherwise(pl.lit(derived[0])),
                      pl.when(incomplete).then(pl.format("{} missing, no total is derived", "_missing"))
                      .otherwise(pl.lit(derived[1])))),
    ]


def _duplicates(f: pl.DataFrame, key: tuple[str, ...], column: str) -> pl.DataFrame:
    """Flag every row with the same key in one file but the one kept: the first visible row, else the first.

    A copy on a hidden row never wins over the copy the officer sees.
    """
    hidden = pl.col("row_hidden").fill_null(False)
    f = f.sort(hidden, "row").with_columns(_kept=pl.col("row").first().over(key),
                                           _n=pl.int_range(pl.len()).over(key))
    valid = pl.all_horizontal(pl.col([k for k in key if k != "_category"]).is_not_null())  # a total's is null
    return _flag(f, valid & (pl.col("_n") > 0), "duplicate-row", column, detail=(
        pl.format("{} trong cùng tệp", "_kept") + pl.when(hidden).then(
            pl.lit("; dòng này đang ẩn nên dòng đang hiện được giữ")).otherwise(pl.lit("")),
        pl.format("{} of the same file", "_kept") + pl.when(hidden).then(
            pl.lit("; this row is hidden, so the visible row is kept")).otherwise(pl.lit(""))))


@row_check("duplicate-row", rows=("indicators",))
def indicator_once_per_file(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A file gives each unit × period × indicator (× category) once."""
    return [_duplicates(f.filter(pl.col("_indicator_known")), ("sha256", "unit_code", "_period", "indicator_code",
                                                               "_category"), "indicator_code")]


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


@row_check("type-error", "out-of-range", rows=("tasks",))
def completion_date_readable(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """The completion date is a date, from a year before the row's term began up to today."""
    starts = {t: date(y - 1, 1, 1) for t, y in ctx.catalog.terms.select("term", "start_year").iter_rows()}
    earliest = pl.col("_term").replace_strict(starts, return_dtype=pl.Date)
    done = pl.col("_done")
    return [_flag(f, pl.col("completed_on").is_not_null() & done.is_null(), "type-error",
                  "completed_on", detail=("ngày dạng dd/mm/yyyy", "a date dd/mm/yyyy")),
            _flag(f, (done < earliest) | (done > ctx.today), "out-of-range", "completed_on",
                  detail=pl.format("[{} … {}]", earliest.dt.strftime("%d/%m/%Y"),
                                   pl.lit(f"{ctx.today:%d/%m/%Y}")))]


@row_check("duplicate-row", rows=("tasks",))
def task_once_per_file(f: pl.DataFrame, ctx: Context) -> list[pl.DataFrame]:
    """A file gives each unit × period × task once."""
    return [_duplicates(f, ("sha256", "unit_code", "_period", "task_code"), "task_code")]


# --- results ----------------------------------------------------------------------


def _to_issues(flags: pl.DataFrame, raw: pl.DataFrame) -> list[Issue]:
    if flags.is_empty():
        return []
    positions = prepare(raw, ()).select("_rid", *POSITION, "unit_code", "period")
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
        ok = ok.with_columns(value="_final", numerator="_num", denominator="_den", no_data_marker="_marker",
                             category="_category")
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
