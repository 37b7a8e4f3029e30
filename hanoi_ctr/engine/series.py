"""Aggregation over time: from frequency periods to the value period, trend, term to date.

Each results row describes a *value period*: the requested period, or for an
indicator reported less often, its latest period ended by then (a yearly
indicator in the 2024-Q3 rollup shows 2023). Cells of frequency periods are
combined per unit into spans of quarters: the value period, each period of
the trend, the previous period, the years (for baselines), the year to date
and the term to date. `sum` adds, `last` takes the final frequency period,
`mean` averages; ratios, weighted means and shares pool their numerators and
denominators. A span with a frequency period missing has no value (`last`:
when its final period is missing): a total is never presented as complete
when it is not; the counts say what is there.
"""

from __future__ import annotations

import polars as pl

from hanoi_ctr.declare import rules
from hanoi_ctr.engine.aggregate import RULE_COLUMNS, indicator_rules
from hanoi_ctr.periods import Calendar, Period
from hanoi_ctr.spans import (
    KIND_RANK,
    QUARTERS_IN,
    bounds,
    coarser,
    enclosing,
    end_of,
    first_of,
    label,
    window_ends,
)

SPAN = ["indicator_code", "unit_code", "_sf", "_sl"]
#: A unit is a code and the record in force (its last day, `_vt`): codes are reused after 2025-07-01.
UNIT = ["unit_code", "indicator_code", "_vt"]


def value_period(period: Period, frequency: str) -> Period:
    """Return the period a results row shows for an indicator of this frequency.

    >>> str(value_period(Period.quarter(2024, 3), "year")), str(value_period(Period.quarter(2024, 4), "year"))
    ('2023', '2024')
    >>> str(value_period(Period.of_year(2024), "quarter"))
    '2024'
    """
    if KIND_RANK[frequency] <= KIND_RANK[period.kind]:
        return period
    last = bounds(period)[1]
    candidate = enclosing(frequency, last)  # type: ignore[arg-type]
    return candidate if bounds(candidate)[1] == last else candidate.previous()


def trend_kind(period: Period, frequency: str) -> str:
    """Return the kind of the trend periods: the coarser of frequency and period, years for a term."""
    return coarser(frequency, "year" if period.kind == "term" else period.kind)


def plan(indicators: pl.DataFrame, period: Period) -> pl.DataFrame:
    """Return per indicator its rules, value period (`_ef`, `_el`, `_elabel`), previous and trend kind.

    `_flow` marks annual flows, compared with their targets as yearly
    amounts: totals over time (`sum`, not pooled) and running totals since
    1 January (`cumulative_scope = year`).
    """
    rows = []
    for frequency in QUARTERS_IN:
        shown = value_period(period, frequency)
        previous = None if shown.kind == "term" else shown.previous()
        rows.append({
            "frequency": frequency, "_elabel": str(shown), "_ef": bounds(shown)[0], "_el": bounds(shown)[1],
            "_tk": trend_kind(period, frequency),
            "_pf": previous and bounds(previous)[0], "_pl": previous and bounds(previous)[1],
        })
    schedule = pl.DataFrame(rows, schema={
        "frequency": pl.String, "_elabel": pl.String, "_ef": pl.Int64, "_el": pl.Int64, "_tk": pl.String,
        "_pf": pl.Int64, "_pl": pl.Int64})
    return indicator_rules(indicators).join(schedule, on="frequency")


def _memberships(cells: pl.DataFrame, schedule: pl.DataFrame, term_first: int, baseline_years: list[int],
                 calendar: Calendar) -> pl.DataFrame:
    """Return which spans each frequency period of each indicator belongs to.

    Whole years are needed for baselines: the baseline years, and for annual
    flows every year of the term (their earliest whole year).
    """
    bases = cells.select("indicator_code", "_bk", "_bf", "_bl").unique().join(
        schedule.select("indicator_code", "_tk", "_ef", "_el", "_flow"), on="indicator_code").filter(
        pl.col("_bl") <= pl.col("_el"))
    wanted_year = pl.col("_flow") | (pl.col("_bl") // 4).is_in(baseline_years)
    year_first = first_of(pl.lit("year"), pl.col("_bl"))
    ytd_first = first_of(pl.lit("year"), pl.col("_el"))
    parts = [
        bases.with_columns(_sf=first_of(pl.col("_tk"), pl.col("_bl")),
                           _sl=end_of(pl.col("_tk"), pl.col("_bl"))),
        bases.filter(wanted_year).with_columns(_sf=year_first, _sl=year_first + 3).filter(
            pl.col("_sl") <= pl.col("_el")),
        bases.filter(pl.col("_bf") >= term_first).with_columns(_sf=pl.lit(term_first, pl.Int64),
                                                              _sl=pl.col("_el")),
        bases.with_columns(_sf=ytd_first, _sl=pl.col("_el")).filter(pl.col("_bf") >= pl.col("_sf")),
        bases.filter(pl.col("_bf") >= pl.col("_ef")).with_columns(_sf=pl.col("_ef"), _sl=pl.col("_el")),
    ]
    member = pl.concat(parts).select("indicator_code", "_bk", "_bl", "_sf", "_sl").unique()
    ends = window_ends(member["_sl"], calendar).rename({"last": "_sl", "end_date": "_send"})
    return member.join(ends, on="_sl")


def over_time(cells: pl.DataFrame, schedule: pl.DataFrame, term_first: int, baseline_years: list[int],
              calendar: Calendar, periods: pl.DataFrame | None = None) -> pl.DataFrame:
    """Return one row per indicator × unit × span with its value over time and its coverage.

    A unit's span takes the cells of the unit record in force on the span's
    last day (a code reused after the 2025 reorganisation starts afresh).
    `periods` holds values sent for a period longer than the indicator's
    frequency (unit_code, indicator_code, `_af`, `_al`, value, `_a`, `_b`):
    such a value stands for its whole period in every span that contains it,
    in place of the unit's own frequency periods within it.
    """
    member = _memberships(cells, schedule, term_first, baseline_years, calendar)
    keep = ["_bk", "_bf", "_bl", "indicator_code", "unit_code", "unit_level", "_vt", "value", "value_source", "_a",
            "_b", "_roll", "_ra", "_rb", "n_expected", "n_reported", "_mf"]
    rows = (cells.select(keep).join(member, on=["indicator_code", "_bk", "_bl"])
            .filter(pl.col("_vt") >= pl.col("_send")).with_columns(_w=pl.lit(1, pl.Int64)))
    if periods is not None and periods.height:
        rows = _with_period_values(rows, cells, periods)
    # Sorted by period: `last` is then the final period of the span.
    rows = rows.sort("_bl", maintain_order=True)
    return _choose(_group(rows).join(schedule.select("indicator_code", "agg_units", "agg_time", *RULE_COLUMNS),
                                     on="indicator_code"))


def _with_period_values(rows: pl.DataFrame, cells: pl.DataFrame, periods: pl.DataFrame) -> pl.DataFrame:
    """Put each longer period's own figure in the spans that hold it, in place of the periods it covers."""
    freq = cells.select("indicator_code", "_bk").unique("indicator_code")
    held = (rows.select("indicator_code", "unit_code", "_sf", "_sl").unique()
            .join(periods, on=["indicator_code", "unit_code"])
            .filter(pl.col("_sf") <= pl.col("_af"), pl.col("_al") <= pl.col("_sl")))
    covered = (rows.with_row_index("_rid").join(held.select("indicator_code", "unit_code", "_sf", "_sl", "_af", "_al"),
                                               on=["indicator_code", "unit_code", "_sf", "_sl"])
               .filter(pl.col("_bf") >= pl.col("_af"), pl.col("_bl") <= pl.col("_al"))["_rid"].unique())
    kept = rows.with_row_index("_rid").filter(~pl.col("_rid").is_in(covered.implode())).drop("_rid")
    # The unit's level and record come from its cell that ends the period.
    where = cells.select("indicator_code", "unit_code", _al="_bl", unit_level="unit_level", _vt="_vt").unique(
        ["indicator_code", "unit_code", "_al"])
    pseudo = (held.join(where, on=["indicator_code", "unit_code", "_al"]).join(freq, on="indicator_code")
              .join(rows.select("_sl", "_send").unique(), on="_sl")
              .filter(pl.col("_vt") >= pl.col("_send"))
              .select("_bk", _bf="_af", _bl="_al", indicator_code="indicator_code", unit_code="unit_code",
                      unit_level="unit_level", _vt="_vt", value="value", value_source=pl.lit("reported"),
                      _a="_a", _b="_b", _sf="_sf", _sl="_sl", _send="_send",
                      _w=((pl.col("_al") - pl.col("_af") + 1) // pl.col("_bk").replace_strict(QUARTERS_IN)
                          .cast(pl.Int64))))
    return pl.concat([kept, pseudo], how="diagonal_relaxed")


def period_checks(cells: pl.DataFrame, periods: pl.DataFrame, schedule: pl.DataFrame) -> pl.DataFrame:
    """Return, for each longer period's own figure, what the unit's frequency periods within it add up to.

    Columns: unit_code, indicator_code, `_af`, `_al`, value (of the periods, as the time rule combines them)
    and the periods expected and reported within it.
    """
    schema = {"unit_code": pl.String, "indicator_code": pl.String, "_af": pl.Int64, "_al": pl.Int64,
              "value": pl.Float64, "n_periods_expected": pl.Int64, "n_periods_reported": pl.Int64}
    if periods.height == 0:
        return pl.DataFrame(schema=schema)
    keep = ["_bk", "_bf", "_bl", "indicator_code", "unit_code", "unit_level", "_vt", "value", "value_source", "_a",
            "_b", "_roll", "_ra", "_rb", "n_expected", "n_reported", "_mf"]
    rows = (cells.select(keep).join(periods.select("unit_code", "indicator_code", "_af", "_al"),
                                    on=["unit_code", "indicator_code"])
            .filter(pl.col("_bf") >= pl.col("_af"), pl.col("_bl") <= pl.col("_al"))
            .with_columns(_sf=pl.col("_af"), _sl=pl.col("_al"), _w=pl.lit(1, pl.Int64)).sort("_bl"))
    combined = _choose(_group(rows).join(schedule.select("indicator_code", "agg_units", "agg_time", *RULE_COLUMNS),
                                         on="indicator_code"))
    return combined.select("unit_code", "indicator_code", _af="_sf", _al="_sl", value="value",
                           n_periods_expected="n_periods_expected", n_periods_reported="n_periods_reported")


def _group(rows: pl.DataFrame) -> pl.DataFrame:
    """Return what the periods of each span add up to, each period weighted by the periods it stands for."""
    w, has = pl.col("_w"), pl.col("value").is_not_null()
    both = pl.col("_a").is_not_null() & pl.col("_b").is_not_null()
    grouped = rows.group_by(SPAN).agg(
        n_periods_expected=w.sum().cast(pl.Int64),
        n_periods_reported=w.filter(has).sum().cast(pl.Int64),
        unit_level=pl.col("unit_level").last(), _vt=pl.col("_vt").last(),
        _v_last=pl.col("value").last(), _a_last=pl.col("_a").last(), _b_last=pl.col("_b").last(),
        _src_last=pl.col("value_source").last(),
        _v_sum=pl.col("value").sum(), _v_mean=_weighted_mean(pl.col("value")),
        _v_log=_weighted_mean((1 + pl.col("value") / 100).log()),
        _a_sum=pl.col("_a").filter(both).sum(), _b_sum=pl.col("_b").filter(both).sum(),
        _n_ab=w.filter(both).sum(),
        _all_reported=(pl.col("value_source") == "reported").all(), _final=pl.col("_bl").last(),
        # Periods before a unit opened may carry its old units' figures (engine.lineage).
        _mapped=(pl.col("value_source") == "mapped").any(),
    )
    # Which old units those were, joined per span over the few rows that name any (a string
    # aggregation over every span would cost more than all the others together).
    mapped_from = rows.filter(pl.col("_mf").is_not_null()).group_by(SPAN).agg(
        _mf=pl.col("_mf").str.split(", ").explode().unique().sort().str.join(", "))
    grouped = grouped.join(mapped_from, on=SPAN, how="left")
    # Coverage and the children's rollup exist only for units with children: a much smaller group.
    rolled_both = pl.col("_ra").is_not_null() & pl.col("_rb").is_not_null()
    has_children = pl.col("n_expected").is_not_null() | pl.col("_roll").is_not_null()
    parents = rows.filter(has_children).group_by(SPAN).agg(
        _r_last=pl.col("_roll").last(), _ra_last=pl.col("_ra").last(), _rb_last=pl.col("_rb").last(),
        _ne_last=pl.col("n_expected").last(), _nr_last=pl.col("n_reported").last(),
        _r_sum=pl.col("_roll").sum(), _r_mean=pl.col("_roll").mean(), _r_log=_log_growth("_roll"),
        _n_r=pl.col("_roll").is_not_null().sum(),
        _ra_sum=pl.col("_ra").filter(rolled_both).sum(), _rb_sum=pl.col("_rb").filter(rolled_both).sum(),
        _n_rab=rolled_both.sum(), _ne_sum=pl.col("n_expected").sum(), _nr_sum=pl.col("n_reported").sum(),
        _kids=pl.col("n_expected").is_not_null().any(), _parent_final=pl.col("_bl").last(),
    )
    return grouped.join(parents, on=SPAN, how="left").with_columns(
        # `last` of the children's side counts only if the span's final period has one.
        [pl.when(pl.col("_parent_final") == pl.col("_final")).then(pl.col(c)).alias(c)
         for c in ("_r_last", "_ra_last", "_rb_last", "_ne_last", "_nr_last")])


def _weighted_mean(x: pl.Expr) -> pl.Expr:
    """Return the mean of x over the periods with a value, each weighted by the periods it stands for."""
    w = pl.col("_w").filter(x.is_not_null())
    return (x * pl.col("_w")).sum() / w.sum()


def _log_growth(column: str) -> pl.Expr:
    """Return the mean of ln(1 + x / 100): what compound growth averages."""
    return (1 + pl.col(column) / 100).log().mean()


def _choose(g: pl.DataFrame) -> pl.DataFrame:
    takes_last, pooled = pl.col("_takes_last"), pl.col("_pooled")
    n = pl.col("n_periods_expected")

    def combine(last: str, total: str, mean: str, log: str, a: str, b: str, n_ab: str, n_have: pl.Expr) -> pl.Expr:
        return rules.span_value(rules.Span(
            last=pl.col(last), total=pl.col(total), mean=pl.col(mean), log_growth=pl.col(log), sum_a=pl.col(a),
            sum_b=pl.col(b), n_periods=n, n_values=n_have, n_parts=pl.col(n_ab), scale=pl.col("_scale"),
            pooled=pooled))

    value = combine("_v_last", "_v_sum", "_v_mean", "_v_log", "_a_sum", "_b_sum", "_n_ab",
                    pl.col("n_periods_reported"))
    rolled = combine("_r_last", "_r_sum", "_r_mean", "_r_log", "_ra_sum", "_rb_sum", "_n_rab", pl.col("_n_r"))
    out = g.with_columns(value=value, _rolled=rolled).with_columns(
        numerator=pl.when(pooled & pl.col("value").is_not_null()).then(
            pl.when(takes_last).then(pl.col("_a_last")).otherwise(pl.col("_a_sum"))),
        denominator=pl.when(pooled & pl.col("value").is_not_null()).then(
            pl.when(takes_last).then(pl.col("_b_last")).otherwise(pl.col("_b_sum"))),
        value_source=pl.when(pl.col("value").is_null()).then(None)
        .when(takes_last).then(pl.col("_src_last"))
        .when(pl.col("_mapped")).then(pl.lit("mapped"))
        .when(pl.col("_all_reported")).then(pl.lit("reported")).otherwise(pl.lit("rollup")),
        mapped_from=pl.when(pl.col("_mf") != "").then(pl.col("_mf")),
        n_expected=pl.when(takes_last).then(pl.col("_ne_last"))
        .when(pl.col("_kids")).then(pl.col("_ne_sum")),
        n_reported=pl.when(takes_last).then(pl.col("_nr_last"))
        .when(pl.col("_kids")).then(pl.col("_nr_sum")),
    )
    return out.with_columns(
        rollup_value=pl.when(pl.col("value_source") == "reported").then(pl.col("_rolled"))).select(
        *SPAN, "_vt", "unit_level", "value", "numerator", "denominator", "value_source", "rollup_value",
        "n_expected", "n_reported", "n_periods_expected", "n_periods_reported", "mapped_from")


def at(spans: pl.DataFrame, schedule: pl.DataFrame, first: pl.Expr, last: pl.Expr) -> pl.DataFrame:
    """Return the span rows whose bounds are `first`, `last` (expressions on the schedule) per indicator."""
    wanted = schedule.select("indicator_code", _sf=first, _sl=last).drop_nulls()
    return spans.join(wanted, on=["indicator_code", "_sf", "_sl"])


def trend(spans: pl.DataFrame, schedule: pl.DataFrame, term_first: int) -> pl.DataFrame:
    """Return the trend rows: periods of the trend kind from the term's start to the value period."""
    rows = spans.join(schedule.select("indicator_code", "_tk", "_el"), on="indicator_code")
    shaped = (pl.col("_sf") == first_of(pl.col("_tk"), pl.col("_sl"))) & (
        pl.col("_sl") == end_of(pl.col("_tk"), pl.col("_sl")))
    return rows.filter(shaped, pl.col("_sf") >= term_first, pl.col("_sl") <= pl.col("_el")).with_columns(
        period=label(pl.col("_tk"), pl.col("_sl"))).drop("_tk", "_el")


def year_values(spans: pl.DataFrame) -> pl.DataFrame:
    """Return (unit_code, indicator_code, `_vt`, year, value) for every whole year."""
    years = spans.filter(pl.col("_sf") % 4 == 0, pl.col("_sl") == pl.col("_sf") + 3)
    return years.select(*UNIT, year=pl.col("_sf") // 4, value="value").drop_nulls("value")


def earliest(spans: pl.DataFrame, trend_rows: pl.DataFrame, schedule: pl.DataFrame,
             term_first: int) -> pl.DataFrame:
    """Return each unit's earliest value in the term before the value period (UNIT, period, t, value).

    Levels use the trend periods (`trend_rows`); annual flows use whole years
    before the value period's year.
    """
    levels = trend_rows.join(schedule.select("indicator_code", "_flow", "_el"),
                                                     on="indicator_code")
    levels = levels.filter(~pl.col("_flow"), pl.col("_sl") < pl.col("_el"))
    whole_year = (pl.col("_sf") % 4 == 0) & (pl.col("_sl") == pl.col("_sf") + 3)
    years = (spans.join(schedule.select("indicator_code", "_flow", "_el"), on="indicator_code")
             .filter(pl.col("_flow"), whole_year, pl.col("_sf") >= term_first,
                     pl.col("_sl") < first_of(pl.lit("year"), pl.col("_el")))
             .with_columns(period=(pl.col("_sf") // 4).cast(pl.String)))
    columns = [*UNIT, "period", "_sl", "value"]
    both = pl.concat([levels.select(columns), years.select(columns)])
    return (both.drop_nulls("value").sort("_sl").group_by(UNIT)
            .agg(pl.col("period").first(), t=pl.col("_sl").first() + 1, value=pl.col("value").first()))


def fit(points: pl.DataFrame, at_t: int, minimum: int = 3) -> pl.DataFrame:
    """Return (UNIT…, `_fit`, `_slope`): the least-squares line through (t, y) per unit, at `at_t`."""
    x, y = pl.col("t") - at_t, pl.col("y")
    # Sorted, so that the sums (and the last digit of the fit) do not depend on the rows' order.
    g = points.drop_nulls("y").sort(*UNIT, "t").group_by(UNIT, maintain_order=True).agg(
        _n=pl.len(), _sx=x.sum(), _sy=y.sum(), _sxx=(x * x).sum(), _sxy=(x * y).sum())
    det = pl.col("_n") * pl.col("_sxx") - pl.col("_sx") ** 2
    slope = (pl.col("_n") * pl.col("_sxy") - pl.col("_sx") * pl.col("_sy")) / det
    intercept = (pl.col("_sy") - slope * pl.col("_sx")) / pl.col("_n")
    ok = (pl.col("_n") >= minimum) & (det.abs() > 1e-12)
    return g.select(*UNIT, _fit=pl.when(ok).then(intercept), _slope=pl.when(ok).then(slope))


def projection(trend_rows: pl.DataFrame, cells: pl.DataFrame, schedule: pl.DataFrame, term_first: int,
               term_end: int, calendar: Calendar) -> pl.DataFrame:
    """Return (unit_code, indicator_code, `_vt`, `_proj`, `_slope`) at the term's end from the values so far.

    Levels: the line through the trend values, at the end of the term (and
    its slope per quarter). Annual flows: the line through the per-period
    amounts (increments of a running total), at the term's last period,
    times periods per year.
    """
    levels = trend_rows.join(schedule.select("indicator_code", "_flow"), on="indicator_code").filter(
        ~pl.col("_flow"))
    level_fit = fit(levels.select(*UNIT, t=pl.col("_sl") + 1, y="value"), term_end)
    ends = window_ends(schedule["_el"], calendar).rename({"last": "_el", "end_date": "_eend"})
    flows = (cells.select("unit_code", "indicator_code", "_bf", "_bl", "_vt", "value")
             .join(schedule.filter(pl.col("_flow")).select("indicator_code", "_el", "cumulative_scope"),
                   on="indicator_code").join(ends, on="_el")
             .filter(pl.col("_bf") >= term_first, pl.col("_bl") <= pl.col("_el"),
                     pl.col("_vt") >= pl.col("_eend")))
    # A running total since 1 January becomes per-period amounts: each value minus the one before it.
    running = flows.filter(pl.col("cumulative_scope") == "year")
    before = running.select(*UNIT, _bf=pl.col("_bl") + 1, _prev=pl.col("value"))
    amount = (pl.when(pl.col("_bf") % 4 == 0).then(pl.col("value"))
              .otherwise(pl.col("value") - pl.col("_prev")))
    amounts = pl.concat([
        flows.filter(pl.col("cumulative_scope") != "year").select(*UNIT, "_bl", y=pl.col("value")),
        running.join(before, on=[*UNIT, "_bf"], how="left").select(*UNIT, "_bl", y=amount),
    ])
    flow_fit = fit(amounts.select(*UNIT, "y", t=pl.col("_bl") + 1), term_end).join(
        schedule.select("indicator_code", _per_year=4 / pl.col("frequency").replace_strict(QUARTERS_IN)),
        on="indicator_code").with_columns(_fit=pl.col("_fit") * pl.col("_per_year"), _slope=None).drop(
        "_per_year")
    return pl.concat([level_fit, flow_fit], how="vertical_relaxed").rename({"_fit": "_proj"})
