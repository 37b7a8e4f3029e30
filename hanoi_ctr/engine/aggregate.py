"""Aggregation across units: ward → district → city, for every frequency period.

The grain is a *cell*: one unit × indicator × frequency period (the quarter,
half or year the indicator is reported for). Each report value lands in the
cell of the frequency period that contains its report period (the latest
report wins), values that agencies report for indicators explicitly assigned
to them become the city's, and every unit that is due gets a cell even when
it sent nothing. Cells are then rolled up level by level on the hierarchy in
force on the last day of that period: a unit's own figure stands, its
children's rollup is kept beside it, and coverage counts the expected reports
beneath it. Missing stays missing: a child without a value changes no
aggregate, only its coverage.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.catalog.model import EARLIEST, LATEST
from hanoi_ctr.catalog.targets import own_bounds
from hanoi_ctr.declare import rules
from hanoi_ctr.periods import Calendar, window
from hanoi_ctr.spans import enclosing, end_of, first_of, window_ends, with_span

CELL = ["_bk", "_bl", "unit_code", "indicator_code"]
#: The rule properties every stage of the engine carries with an indicator (see `rules.rule_columns`).
RULE_COLUMNS = ["_scale", "_pooled", "_rolls_up", "_value_from_parts", "_takes_last", "_flow", "_boolean"]


def indicator_rules(indicators: pl.DataFrame) -> pl.DataFrame:
    """Return each indicator's arithmetic: its rules, scope, frequency and their properties."""
    return rules.rule_columns(indicators).select(
        "indicator_code", "value_type", "agg_units", "agg_time", "cumulative_scope", "frequency", *RULE_COLUMNS)


def _placed(values: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Add each value's report span (`_r_*`) and the frequency period its report ends in (`_bk`, `_bf`, `_bl`)."""
    placed = with_span(values, "period", "_r").join(
        indicators.select("indicator_code", _bk="frequency"), on="indicator_code")
    return placed.with_columns(_bf=first_of(pl.col("_bk"), pl.col("_r_last")),
                               _bl=end_of(pl.col("_bk"), pl.col("_r_last")), reporter_code=pl.col("unit_code"))


def reports(values: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Place each value in its indicator's frequency period (`_bk`, `_bf`, `_bl`); the latest report wins.

    A value belongs to the frequency period its report closes: a yearly
    indicator in the 2024-Q4 (or 2024-H2, or `2024`) report is the 2024 value.
    When several reports close one frequency period, the one for the latest
    report period wins, then the latest received. A report that does not
    close the indicator's period (a yearly indicator in a Q3 report) is
    refused at intake (`indicator-not-due`) and not used; one for a longer
    period than the frequency is a period's own figure (`period_reports`).
    """
    placed = _placed(values, indicators)
    return _latest(placed.filter(pl.col("_r_first") >= pl.col("_bf"), pl.col("_r_last") == pl.col("_bl")))


def period_reports(values: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Return the values sent for a period longer than their indicator's frequency, with their span.

    Such a value (a quarterly indicator's year total, a yearly one's term
    figure) is authoritative for its span (`_r_first` … `_r_last`); the
    latest received wins per unit × indicator × span.
    """
    placed = _placed(values, indicators)
    longer = placed.filter(pl.col("_r_first") < pl.col("_bf"), pl.col("_r_last") == pl.col("_bl"))
    return longer.sort("received_at", "row", nulls_last=False).unique(
        ["unit_code", "indicator_code", "_r_first", "_r_last"], keep="last", maintain_order=True)


def _latest(frame: pl.DataFrame) -> pl.DataFrame:
    order = ["_r_last", "received_at", "row"]
    return frame.sort(order, nulls_last=False).unique(CELL, keep="last", maintain_order=True)


def to_city(placed: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Make an agency's values for indicators explicitly assigned to it the city's own values."""
    return _latest(catalog.speaking_for(placed))


def hierarchy(catalog: Catalog, lasts: pl.Series, calendar: Calendar) -> pl.DataFrame:
    """Return the units in force on the last day of each quarter ordinal in `lasts`, with their depth.

    Columns: `_bl`, unit_code, parent_code, unit_level, depth (city 0) and
    `_vt` (last day of the unit record). Agencies are not in the hierarchy.
    """
    ends = window_ends(lasts, calendar)
    # Days between the same two dates on which units open or close share one tree: built once per stretch.
    boundaries = _boundaries(catalog)
    by_stretch: dict[int, pl.DataFrame] = {}
    trees = {}
    for day in ends["end_date"].unique().sort().to_list():
        stretch = bisect_right(boundaries, day)
        if stretch not in by_stretch:
            by_stretch[stretch] = catalog.hierarchy_on(day)
        trees[day] = by_stretch[stretch]
    records = catalog.units.select("unit_code", "valid_from", _vt=pl.col("valid_to").fill_null(LATEST))
    parts = []
    for last, day in ends.iter_rows():
        # The record in force that day: its last day tells a reused code's units apart.
        tree = trees[day].join(records.filter(pl.col("valid_from").fill_null(EARLIEST) <= day,
                                              pl.col("_vt") >= day).drop("valid_from"), on="unit_code")
        parts.append(tree.select(pl.lit(last, pl.Int64).alias("_bl"), "unit_code", "parent_code",
                                 unit_level="level", _vt="_vt", depth="depth"))
    schema = {"_bl": pl.Int64, "unit_code": pl.String, "parent_code": pl.String, "unit_level": pl.String,
              "_vt": pl.Date, "depth": pl.Int64}
    return pl.concat([pl.DataFrame(schema=schema), *parts], how="vertical")


def epochs(catalog: Catalog, lasts: list[int], calendar: Calendar) -> dict[int, int]:
    """Return, per quarter ordinal, the number of the stretch of time with one set of units in force.

    Units open and close on a few dates; quarters whose last day falls
    between the same two such dates share one set of units, so what is
    assigned need only be worked out once per stretch.
    """
    boundaries = _boundaries(catalog)
    return {last: bisect_right(boundaries, window(enclosing("quarter", last), calendar)[1]) for last in lasts}


def _boundaries(catalog: Catalog) -> list[date]:
    """Return the days on which some unit opens or stops being in force, in order."""
    units = catalog.units
    return sorted(set(units["valid_from"].drop_nulls().to_list())
                  | {d + timedelta(days=1) for d in units["valid_to"].drop_nulls().to_list()})


def expected(catalog: Catalog, bases: pl.DataFrame, calendar: Calendar) -> pl.DataFrame:
    """Return the cells due: (`_bk`, `_bl`, unit_code, indicator_code) for each frequency period in `bases`.

    A unit is expected for an indicator of its frequency when the indicator
    is assigned to it on the period's last day (`Catalog.assigned`); what is
    due in a report quarter is then every cell whose period ends with it.
    """
    stretch = epochs(catalog, bases["_bl"].unique().to_list(), calendar)
    if not stretch:
        return pl.DataFrame(schema={c: pl.Int64 if c == "_bl" else pl.String for c in CELL})
    sample = {epoch: last for last, epoch in sorted(stretch.items())}  # one quarter per stretch
    assigned = pl.concat([
        catalog.assigned(enclosing("quarter", last), calendar, on_window_end=True).with_columns(
            _epoch=pl.lit(epoch, pl.Int64))
        for epoch, last in sorted(sample.items())])
    periods = bases.select("_bk", "_bl", _epoch=pl.col("_bl").replace_strict(stretch, return_dtype=pl.Int64))
    due = (assigned.join(catalog.indicators.select("indicator_code", _bk="frequency"), on="indicator_code")
           .join(periods, on=["_epoch", "_bk"]))
    return due.select(CELL)


def agencies_to_city(frame: pl.DataFrame, catalog: Catalog, city: str) -> pl.DataFrame:
    """Return the frame with agency codes replaced by the city's (for cells due from agencies)."""
    agencies = pl.Series(sorted(catalog.agencies), dtype=pl.String).implode()
    return frame.with_columns(unit_code=pl.when(pl.col("unit_code").is_in(agencies)).then(pl.lit(city))
                              .otherwise(pl.col("unit_code"))).unique(CELL)


def own_measures(placed: pl.DataFrame, rules_: pl.DataFrame, met: pl.DataFrame) -> pl.DataFrame:
    """Add each reported value's own figure `_own` and the parts `_oa`, `_ob` its parent combines.

    What a unit contributes is its unit rule's (`rules.UNIT_RULES`): a ratio
    its numerator and denominator, a weighted mean value × weight and weight,
    a share of units meeting their target 1 or 0 per unit that can be judged,
    everything else its value.
    """
    frame = placed.join(rules_, on="indicator_code", how="left").join(met, on=["unit_code", "indicator_code"],
                                                                      how="left")
    num, den = pl.col("numerator"), pl.col("denominator")
    own = rules.own_value(pl.col("value"), num, den)
    a, b = rules.contributions(rules.Parts(own=own, numerator=num, denominator=den, lo=pl.col("_lo"),
                                           hi=pl.col("_hi"), boolean=pl.col("_boolean")))
    return frame.with_columns(_own=own, _oa=a, _ob=b).drop("_lo", "_hi")


def cells(catalog: Catalog, placed: pl.DataFrame, due: pl.DataFrame, tree: pl.DataFrame) -> pl.DataFrame:
    """Return one cell per reported or expected unit × indicator × frequency period on the hierarchy.

    Reported values of units not in the hierarchy on the period's last day
    (closed, not yet open, or agencies for indicators not assigned to them)
    are left out; ingestion reports them as `unit-inactive` or
    `indicator-not-assigned`.
    """
    rule_frame = indicator_rules(catalog.indicators)
    own = own_measures(placed, rule_frame, own_bounds(catalog.targets, catalog.indicators)).select(
        *CELL, "_bf", "_own", "_oa", "_ob", _on="numerator", _od="denominator", _rp="period",
        reporter_code="reporter_code", sha256="sha256", sheet="sheet", row="row")
    frame = own.join(due.with_columns(_exp=pl.lit(True)), on=CELL, how="full", coalesce=True)
    frame = frame.join(tree, on=["_bl", "unit_code"], how="inner").with_columns(
        _exp=pl.col("_exp").fill_null(False), _bf=first_of(pl.col("_bk"), pl.col("_bl")))
    return frame.join(rule_frame.drop("frequency", "value_type"), on="indicator_code", how="left")


def roll_up(frame: pl.DataFrame, tree: pl.DataFrame, tolerance: float) -> pl.DataFrame:
    """Roll cells up level by level, deepest first; return every cell with its value in force.

    Adds value, value_source, `_a`/`_b` (what the parent combines), `_roll`
    with `_ra`/`_rb` (the children's rollup), n_expected/n_reported
    (expected reports beneath and those that came with a value; null for a
    unit without children) and `_mismatch` (own figure differs from a
    complete rollup by more than `tolerance`, relative).
    """
    done, carry = [], None
    rules_ = frame.select("indicator_code", "agg_units", "agg_time", "cumulative_scope", *RULE_COLUMNS).unique()
    for depth in range(int(frame["depth"].max() or 0), -1, -1):
        layer = frame.filter(pl.col("depth") == depth)
        if carry is not None:
            new = (carry.join(layer, on=CELL, how="anti").select(CELL)
                   .join(tree, on=["_bl", "unit_code"], how="inner").join(rules_, on="indicator_code")
                   .with_columns(_exp=pl.lit(False), _bf=first_of(pl.col("_bk"), pl.col("_bl"))))
            layer = pl.concat([layer, new], how="diagonal_relaxed").join(carry, on=CELL, how="left")
        layer = _settle(layer, tolerance)
        done.append(layer)
        carry = _children(layer)
    return pl.concat(done, how="diagonal_relaxed")


def _children(layer: pl.DataFrame) -> pl.DataFrame:
    """Return what each parent's children add up to, and the coverage they bring.

    Coverage is counted at the level that supplied each figure: a child that
    reported its own value covers every report expected of it and beneath it
    (a district's own total covers its wards); otherwise it brings the
    coverage of its own children.
    """
    contributes = pl.col("_a").is_not_null() & pl.col("_b").is_not_null()
    expected = pl.col("_exp").cast(pl.Int64) + pl.col("n_expected").fill_null(0)
    covered = pl.when(pl.col("_own").is_not_null()).then(expected).otherwise(pl.col("n_reported").fill_null(0))
    return (layer.filter(pl.col("_rolls_up"), pl.col("parent_code").is_not_null())
            .group_by("_bk", "_bl", "indicator_code", unit_code="parent_code")
            .agg(_sa=pl.col("_a").filter(contributes).sum(), _sb=pl.col("_b").filter(contributes).sum(),
                 _nc=contributes.sum(), _min=pl.col("value").min(), _max=pl.col("value").max(),
                 n_expected=expected.sum(), n_reported=covered.sum()))


def _settle(layer: pl.DataFrame, tolerance: float) -> pl.DataFrame:
    for column, dtype in (("_sa", pl.Float64), ("_sb", pl.Float64), ("_nc", pl.UInt32), ("_min", pl.Float64),
                          ("_max", pl.Float64), ("n_expected", pl.Int64), ("n_reported", pl.Int64)):
        if column not in layer.columns:
            layer = layer.with_columns(pl.lit(None, dtype).alias(column))
    sa, sb = pl.col("_sa"), pl.col("_sb")
    pooled = pl.col("_pooled")
    roll = pl.when(pl.col("_nc") > 0).then(rules.children_value(rules.Children(
        sum_a=sa, sum_b=sb, minimum=pl.col("_min"), maximum=pl.col("_max"), scale=pl.col("_scale"))))
    layer = layer.with_columns(_roll=roll)
    own, rolled = pl.col("_own"), pl.col("_roll")
    gap = (own - rolled).abs()
    return layer.with_columns(
        value=pl.coalesce(own, rolled),
        value_source=pl.when(own.is_not_null()).then(pl.lit("reported"))
        .when(rolled.is_not_null()).then(pl.lit("rollup")),
        _a=pl.when(~pooled).then(pl.coalesce(own, rolled)).when(own.is_not_null()).then(pl.col("_oa"))
        .when(rolled.is_not_null()).then(sa),
        _b=pl.when(~pooled).then(pl.when(pl.coalesce(own, rolled).is_not_null()).then(1.0))
        .when(own.is_not_null()).then(pl.col("_ob")).when(rolled.is_not_null()).then(sb),
        _ra=pl.when(pooled).then(sa).otherwise(rolled),
        _rb=pl.when(pooled).then(sb).otherwise(pl.when(rolled.is_not_null()).then(1.0)),
        _mismatch=(own.is_not_null() & rolled.is_not_null() & (pl.col("n_expected") > 0)
                   & (pl.col("n_reported") == pl.col("n_expected"))
                   & (gap > tolerance * rolled.abs())).fill_null(False),
    )
