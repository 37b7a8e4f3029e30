"""The rollup: values in, results compared with targets out, in pure polars.

`rollup(values, catalog, period)` resolves revisions, places every value in
its indicator's frequency period, rolls units up (ward → district → city),
combines periods over time, compares with targets, counts completeness and
timeliness, follows the tasks and raises the plausibility warnings. It reads
no file and writes none; every frame it returns matches a declared output
table (`results`, `trend`, `completeness`, `task_status`, `task_summary`,
`issues`). The rules, with worked examples, are in docs/METHOD.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import polars as pl

from hanoi_ctr.catalog import Catalog, with_levels
from hanoi_ctr.catalog.model import LATEST
from hanoi_ctr.catalog.targets import own_bounds
from hanoi_ctr.declare.issues import Issue, issues_frame
from hanoi_ctr.declare.schemas import polars_schema
from hanoi_ctr.declare.tables import TABLES
from hanoi_ctr.engine import categories
from hanoi_ctr.engine.aggregate import (
    agencies_to_city,
    cells,
    expected,
    hierarchy,
    indicator_rules,
    own_measures,
    period_reports,
    reports,
    roll_up,
    to_city,
)
from hanoi_ctr.engine.compare import Term, compare, to_decimals
from hanoi_ctr.engine.coverage import completeness, ledger_from_values
from hanoi_ctr.engine.lineage import mapped_cells, reorganisations
from hanoi_ctr.engine.outliers import cumulative_decreases, outliers, period_mismatches, rollup_mismatches
from hanoi_ctr.engine.series import (
    UNIT,
    at,
    earliest,
    over_time,
    period_checks,
    plan,
    projection,
    trend,
    year_values,
)
from hanoi_ctr.engine.tasks import task_status, task_summary
from hanoi_ctr.engine.trace import source_values, used_spans
from hanoi_ctr.intake.revisions import current
from hanoi_ctr.periods import Calendar, Period, parse_period, window
from hanoi_ctr.settings import Settings
from hanoi_ctr.spans import QUARTERS_IN, bounds, first_of


@dataclass(frozen=True)
class Results:
    """What a rollup returns: one DataFrame per declared output table."""

    period: Period
    results: pl.DataFrame
    sources: pl.DataFrame
    trend: pl.DataFrame
    completeness: pl.DataFrame
    task_status: pl.DataFrame
    task_summary: pl.DataFrame
    issues: pl.DataFrame
    #: The instant the data is as of: the `as_of` asked for, else the last file received (None: nothing yet).
    as_of: datetime | None = None
    #: (sha256, period): the periods each file received by then sent values or task reports for.
    file_periods: pl.DataFrame | None = None
    #: What the caller read the values from (`pipeline.compute`: the archive's state and the as-of asked
    #: for), recorded beside the outputs so that an unchanged re-run can keep them.
    inputs: tuple[tuple[str, object], ...] = ()

    def frames(self) -> dict[str, pl.DataFrame]:
        """Return the frames keyed by their table name."""
        names = {"results": "results", "source_values": "sources", "trend": "trend", "completeness": "completeness",
                 "task_status": "task_status", "task_summary": "task_summary", "issues": "issues"}
        return {table: getattr(self, attr) for table, attr in names.items()}


def rollup(values: pl.DataFrame, catalog: Catalog, period: Period | str, *,
           ledger: pl.DataFrame | None = None, task_progress: pl.DataFrame | None = None,
           settings: Settings | None = None, as_of: datetime | None = None) -> Results:
    """Roll the values up for a period and compare them with their targets.

    Args:
        values: rows of the `indicator_values` table, all versions (revisions are resolved here).
        catalog: the loaded catalog; the rollup uses the term the period belongs to.
        period: the period to report on (`2024-Q3`, `2024-H1`, `2024`, `2021-2025`).
        ledger: rows of the `ledger` table; without it, submissions are read off the values.
        task_progress: rows of the `task_progress` table.
        settings: calendar, deadlines, status thresholds, tolerances (default: `Settings()`).
        as_of: reproduce the rollup as known at this (timezone-aware) instant.
    """
    period = period if isinstance(period, Period) else parse_period(period)
    settings = settings or Settings()
    history = values if as_of is None else values.filter(pl.col("received_at") <= as_of)
    split = categories.split(values, of_term(history, catalog, catalog.term_named(period)),
                             catalog.for_period(period))
    totals = _rollup(split.totals, catalog, period, ledger=ledger, task_progress=task_progress, settings=settings,
                     as_of=as_of)
    marked = {"results": categories.mark_from_parts(totals.results, split.from_parts, "value_period"),
              "trend": categories.mark_from_parts(totals.trend, split.from_parts, "period")}
    if split.catalog is None or split.parts.is_empty():
        return replace(totals, **{name: _shape(frame, name) for name, frame in marked.items()})
    parts = _rollup(split.parts, split.catalog, period, ledger=ledger, task_progress=None, settings=settings,
                    as_of=as_of)
    # Completeness, tasks and warnings are the totals' (each unit's report counts once).
    joined = {name: _shape(pl.concat([frame, categories.category_columns(getattr(parts, name))],
                                     how="diagonal_relaxed"), name) for name, frame in marked.items()}
    sources = pl.concat([totals.sources, categories.category_columns(parts.sources)], how="diagonal_relaxed")
    return replace(totals, sources=_shape(sources, "source_values"), **joined)


def _rollup(values: pl.DataFrame, catalog: Catalog, period: Period, *, ledger: pl.DataFrame | None,
            task_progress: pl.DataFrame | None, settings: Settings, as_of: datetime | None) -> Results:
    """Roll the values of one catalog's indicators up (see `rollup`)."""
    whole, catalog = catalog, catalog.for_period(period)
    term = _term(catalog)
    history = values if as_of is None else values.filter(pl.col("received_at") <= as_of)
    in_force = of_term(current(history), whole, catalog.terms["term"][0])
    placed = reports(in_force, catalog.indicators)
    schedule = plan(catalog.indicators, period)
    grid, due, tree = _grid(catalog, placed, schedule, term, settings, period)
    longer = _period_values(catalog, in_force, schedule)
    spans = over_time(grid, schedule, term.first, list(term.baseline_years), settings.calendar, longer)
    trend_rows = trend(spans, schedule, term.first)
    status = task_status(catalog.tasks, period, task_progress, as_of)
    files = ledger_from_values(history) if ledger is None else ledger
    coverage = completeness(catalog, period, placed, files, due=due, tree=tree,
                            calendar=settings.calendar,
                            rule=settings.deadline_rule, as_of=as_of)
    observed = grid.filter(pl.col("value_source").ne_missing("mapped"))  # warnings look at what was sent
    # The day whose units a row is about: the period's end, or the last day of a unit closed before it.
    units_on = pl.min_horizontal(pl.col("_vt"), pl.lit(window(period, settings.calendar)[1]))
    results = _results(spans, trend_rows, grid, schedule, catalog, term, settings, period).with_columns(
        units_on=units_on)
    trend_rows = trend_rows.with_columns(units_on=units_on)
    del spans, grid, placed  # the largest frames, not needed below: a term's peak memory is lower without them
    for closed in _closed_within(catalog, period, settings.calendar):
        # Units abolished during the period are shown as they stood on their last day.
        before = _rollup(values, catalog, Period.quarter(closed.year, (closed.month - 1) // 3 + 1), ledger=ledger,
                        task_progress=task_progress, settings=settings, as_of=as_of)
        gone = _closed_units(catalog, closed)
        results = pl.concat([results, _as_closed(before.results, gone, period, closed)], how="diagonal_relaxed")
        trend_rows = pl.concat([trend_rows, _as_closed(before.trend, gone, None, closed)], how="diagonal_relaxed")
    return Results(
        period=period,
        results=_shape(results, "results"),
        sources=_shape(source_values(history, in_force, catalog, used_spans(catalog, schedule, term.first), period,
                                     settings.calendar, _file_names(ledger)), "source_values"),
        trend=_shape(trend_rows, "trend"),
        completeness=_shape(coverage, "completeness"),
        task_status=_shape(status, "task_status"),
        task_summary=_shape(task_summary(status, period), "task_summary"),
        issues=issues_frame(_warnings(observed, catalog.indicators, period, settings, ledger)
                            + period_mismatches(period_checks(observed, longer, schedule), longer, *bounds(period),
                                                settings.rollup_tolerance, _file_names(ledger))),
        as_of=as_of if as_of is not None else _last_receipt(history, task_progress, ledger),
        file_periods=_file_periods(history, task_progress, as_of),
    )


def _closed_within(catalog: Catalog, period: Period, calendar: Calendar) -> list[date]:
    """Return the last days of units abolished by a reorganisation that takes effect inside the period."""
    first, last = window(period, calendar)
    return [day - timedelta(days=1) for day in reorganisations(catalog) if first < day <= last]


def _closed_units(catalog: Catalog, closed: date) -> pl.DataFrame:
    """Return (unit_code) of the districts and wards whose last day is `closed`."""
    return with_levels(catalog.units).filter(pl.col("valid_to") == closed, pl.col("level").is_in(
        ["district", "ward"])).select("unit_code").unique()


def _as_closed(frame: pl.DataFrame, gone: pl.DataFrame, period: Period | None, closed: date) -> pl.DataFrame:
    """Return the rows of the abolished units, as of their last day, for the requested period."""
    rows = frame.join(gone, on="unit_code", how="semi").with_columns(units_on=pl.lit(closed))
    return rows if period is None else rows.with_columns(period=pl.lit(str(period)))


def _file_periods(history: pl.DataFrame, tasks: pl.DataFrame | None, as_of: datetime | None) -> pl.DataFrame:
    """Return the distinct (sha256, period) of the values and task reports received by `as_of`."""
    frames = [history.select("sha256", "period")]
    if tasks is not None and tasks.height:
        received = tasks if as_of is None else tasks.filter(pl.col("received_at") <= as_of)
        frames.append(received.select("sha256", "period"))
    return pl.concat(frames).unique().sort("sha256", "period")


def _last_receipt(*frames: pl.DataFrame | None) -> datetime | None:
    """Return the latest receipt time in the frames given (None when nothing was received)."""
    times: list[datetime] = [f["received_at"].max() for f in frames  # type: ignore[misc]
                             if f is not None and f.height and "received_at" in f.columns]
    return max((t for t in times if t is not None), default=None)


def _period_values(catalog: Catalog, values: pl.DataFrame, schedule: pl.DataFrame) -> pl.DataFrame:
    """Return the values sent for periods longer than their frequency, as their unit's own figures.

    Agencies' figures become the city's, as in the frequency cells; only
    periods ending by the value period's end count.
    """
    longer = period_reports(values, catalog.indicators)
    longer = catalog.speaking_for(longer).join(schedule.select("indicator_code", "_el"), on="indicator_code")
    longer = longer.filter(pl.col("_r_last") <= pl.col("_el")).sort("received_at", "row", nulls_last=False).unique(
        ["unit_code", "indicator_code", "_r_first", "_r_last"], keep="last", maintain_order=True)
    measured = own_measures(longer, indicator_rules(catalog.indicators),
                            own_bounds(catalog.targets, catalog.indicators))
    return measured.select("unit_code", "indicator_code", _af="_r_first", _al="_r_last", value="_own", _a="_oa",
                           _b="_ob", period="period", reporter_code="reporter_code", sha256="sha256",
                           sheet="sheet", row="row")


def _file_names(ledger: pl.DataFrame | None) -> dict[str, str]:
    if ledger is None:
        return {}
    firsts = ledger.filter(pl.col("outcome") != "duplicate").sort("received_at")  # a copy names no value
    return dict(firsts.select("sha256", "file_name").unique("sha256", keep="first", maintain_order=True).iter_rows())


def of_term(values: pl.DataFrame, catalog: Catalog, term: str) -> pl.DataFrame:
    """Return the values of periods that belong to a term (its years, or its baseline year when no other
    term's years hold it): a code may name another indicator in another term."""
    periods = [p for p in values["period"].unique().to_list() if catalog.term_for(parse_period(p)) == term]
    return values.filter(pl.col("period").is_in(periods))


def _term(catalog: Catalog) -> Term:
    """Return the catalog's term in quarter ordinals, with the years baselines may come from."""
    term = catalog.term
    start, end = int(term["start_year"]), int(term["end_year"])  # type: ignore[call-overload]
    baseline = int(term["baseline_year"] or start)  # type: ignore[call-overload]
    years = tuple(sorted({baseline, *catalog.targets["baseline_year"].drop_nulls().to_list()}))
    return Term(start * 4, end * 4 + 4, start, end, baseline, years)


def _grid(catalog: Catalog, placed: pl.DataFrame, schedule: pl.DataFrame, term: Term,
          settings: Settings, period: Period) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Return (cells rolled up across units, cells due as assigned, hierarchy) for every frequency period."""
    calendar = settings.calendar
    city = catalog.city
    bases = _frequency_periods(schedule, term.baseline_years[0] * 4)
    tree = hierarchy(catalog, bases["_bl"], calendar)
    due = expected(catalog, bases.filter(pl.col("_bl") >= term.first), calendar)
    ends = schedule.select("indicator_code", "_el")
    mapped = (to_city(placed, catalog).join(ends, on="indicator_code")
              .filter(pl.col("_bl") <= pl.col("_el")).drop("_el"))
    grid = roll_up(cells(catalog, mapped, agencies_to_city(due, catalog, city), tree), tree,
                   settings.rollup_tolerance)
    history = mapped_cells(grid, catalog, calendar, window(period, calendar)[1])  # abolished units' figures
    grid = pl.concat([grid, history], how="diagonal_relaxed") if history.height else grid
    if "_mf" not in grid.columns:
        grid = grid.with_columns(_mf=pl.lit(None, pl.String))
    return grid, due, tree


def _warnings(grid: pl.DataFrame, indicators: pl.DataFrame, period: Period, settings: Settings,
              ledger: pl.DataFrame | None) -> list[Issue]:
    """Return the plausibility warnings on values of frequency periods ending within the period."""
    files = _file_names(ledger)
    first, last = bounds(period)
    return (outliers(grid, indicators, first, last, settings.outlier_z, files, settings.outlier_floor_share)
            + cumulative_decreases(grid, first, last, files) + rollup_mismatches(grid, first, last, files))


def _frequency_periods(schedule: pl.DataFrame, first: int) -> pl.DataFrame:
    """Return (`_bk`, `_bl`): each frequency period from quarter ordinal `first` to its value period's end."""
    rows = []
    for kind, last in schedule.group_by("frequency").agg(pl.col("_el").max()).iter_rows():
        step = QUARTERS_IN[kind]
        rows += [(kind, end) for end in range(first + step - 1, last + 1, step)]
    return pl.DataFrame(rows, schema={"_bk": pl.String, "_bl": pl.Int64}, orient="row")


def _results(spans: pl.DataFrame, trend_rows: pl.DataFrame, grid: pl.DataFrame, schedule: pl.DataFrame,
             catalog: Catalog, term: Term, settings: Settings, period: Period) -> pl.DataFrame:
    """Return the value period's rows with their companions (previous, to date, projection), compared."""
    term_first = term.first
    shown = at(spans, schedule, pl.col("_ef"), pl.col("_el"))
    ytd_first = first_of(pl.lit("year"), pl.col("_el"))

    def beside(first: pl.Expr, last: pl.Expr, name: str) -> pl.DataFrame:
        return at(spans, schedule, first, last).select(*UNIT, pl.col("value").alias(name))

    # Every companion value is joined on the unit record too: a reused code is another unit.
    rows = (shown.join(schedule.select("indicator_code", "_elabel", "_el", "_flow"), on="indicator_code")
            .join(beside(pl.col("_pf"), pl.col("_pl"), "previous_value"), on=UNIT, how="left")
            .join(beside(pl.lit(term_first), pl.col("_el"), "term_to_date"), on=UNIT, how="left")
            .join(beside(ytd_first, pl.col("_el"), "_ytd"), on=UNIT, how="left")
            .join(projection(trend_rows, grid, schedule, term_first, term.end, settings.calendar),
                  on=UNIT, how="left"))
    # The parent of the unit record the row is about (codes are reused after 2025-07-01).
    records = catalog.units.select("unit_code", "parent_code", _vt=pl.col("valid_to").fill_null(LATEST)).unique(
        ["unit_code", "_vt"])
    rows = rows.join(records, on=["unit_code", "_vt"], how="left")
    limits = catalog.indicators.select("indicator_code", _min="min_value", _max="max_value")
    within = pl.min_horizontal(pl.max_horizontal("_proj", "_min"), "_max")  # horizontal ops skip nulls
    rows = rows.join(limits, on="indicator_code", how="left").with_columns(
        _proj=pl.when(pl.col("_proj").is_not_null()).then(within))
    has_children = pl.col("n_expected").is_not_null() & (pl.col("n_expected") > 0)
    rows = rows.with_columns(
        period=pl.lit(str(period)), value_period=pl.col("_elabel"),
        change=pl.col("value") - pl.col("previous_value"),
        _elapsed=pl.col("_el") - first_of(pl.lit("year"), pl.col("_el")) + 1,
        _t=pl.col("_el") + 1,
        # A unit's own figure covers everything beneath it; a rollup covers what its children supplied.
        coverage_rate=pl.when(pl.col("value_source") == "reported").then(1.0)
        .when(has_children).then(pl.col("n_reported") / pl.col("n_expected")),
        _partial=pl.col("value_source").is_in(["rollup", "mapped"]) & has_children
        & (pl.col("n_reported") < pl.col("n_expected")),
    ).with_columns(partial=pl.when(pl.col("value").is_not_null()).then(pl.col("_partial")))
    return compare(rows, catalog.targets, catalog.indicators, city_code=catalog.city, term=term,
                   year_values=year_values(spans), earliest=earliest(spans, trend_rows, schedule, term_first),
                   settings=settings)


#: Columns written to the indicator's decimals, and shares (1 = 100 %) written to 0.01 %.
_VALUES = ("value", "rollup_value", "previous_value", "change", "term_to_date", "compared_value", "baseline_value",
           "milestone_value", "projection", "needed")
_PARTS = ("numerator", "denominator")
_SHARES = ("achievement", "progress", "expected_progress", "milestone_achievement", "coverage_rate")


def rounded(frame: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Return a results or trend frame rounded as written: values to their indicator's decimals.

    Shares (1 = 100 %) go to 0.01 %, numerators and denominators to 6
    decimals, so that the same inputs give the same bytes whatever the order
    in which floating-point sums were taken.
    """
    out = frame.join(indicators.select("indicator_code", "decimals"), on="indicator_code", how="left")
    return out.with_columns(
        [to_decimals(pl.col(c)).alias(c) for c in _VALUES if c in out.columns]
        + [pl.col(c).round(6).alias(c) for c in _PARTS if c in out.columns]
        + [pl.col(c).round(4).alias(c) for c in _SHARES if c in out.columns]).drop("decimals")


def _shape(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Return the frame with exactly the declared columns, types and order, sorted by its key."""
    schema = polars_schema(table)
    shaped = frame.select([
        pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
        for name, dtype in schema.items()])
    key = list(TABLES[table].primary_key)
    return shaped.sort(key, nulls_last=True) if key else shaped
