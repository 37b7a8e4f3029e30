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

Allowed imports: the standard library, polars, `catalog`, `compare`,
`periods` and `spans`.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

import polars as pl

from hanoi_ctr.catalog import Catalog, with_levels
from hanoi_ctr.engine.compare import own_bounds
from hanoi_ctr.periods import Calendar, window
from hanoi_ctr.engine.spans import enclosing, end_of, first_of, window_ends, with_span

#: Aggregations that combine a numerator and a denominator rather than values.
POOLED = ("ratio", "weighted_mean", "share_meeting_target")
CELL = ["_bk", "_bl", "unit_code", "indicator_code"]
_EARLIEST, _LATEST = date(1900, 1, 1), date(2999, 12, 31)


def city_code(catalog: Catalog) -> str:
    """Return the code of the city (the unit of level `city`)."""
    return with_levels(catalog.units).filter(pl.col("level") == "city")["unit_code"][0]


def indicator_rules(indicators: pl.DataFrame) -> pl.DataFrame:
    """Return each indicator's arithmetic: aggregations, scope, frequency and `_scale`."""
    scale = (pl.when(pl.col("agg_units") == "ratio").then(pl.col("ratio_scale").fill_null(1.0))
             .when(pl.col("agg_units") == "share_meeting_target").then(100.0).otherwise(1.0))
    return indicators.select("indicator_code", "value_type", "agg_units", "agg_time", "cumulative_scope",
                             "frequency", _scale=scale)


def reports(values: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Place each value in its indicator's frequency period (`_bk`, `_bf`, `_bl`); the latest report wins.

    A yearly indicator in the 2024-Q4 report (or a long table's `2024`) is
    the 2024 value; when several reports fall in one frequency period, the
    one for the latest report period wins, then the latest received. A value
    whose report period is longer than the indicator's frequency period
    (a quarterly indicator in a year report) fits no cell and is not used.
    """
    placed = with_span(values, "period", "_r").join(
        indicators.select("indicator_code", _bk="frequency"), on="indicator_code")
    placed = placed.with_columns(_bf=first_of(pl.col("_bk"), pl.col("_r_last")),
                                 _bl=end_of(pl.col("_bk"), pl.col("_r_last")))
    placed = placed.filter(pl.col("_r_first") >= pl.col("_bf")).with_columns(
        reporter_code=pl.col("unit_code"))
    return _latest(placed)


def _latest(frame: pl.DataFrame) -> pl.DataFrame:
    order = ["_r_last", "received_at", "row"]
    return frame.sort(order, nulls_last=False).unique(CELL, keep="last", maintain_order=True)


def to_city(placed: pl.DataFrame, catalog: Catalog, city: str) -> pl.DataFrame:
    """Make an agency's values for indicators explicitly assigned to it the city's own values."""
    agencies = with_levels(catalog.units).filter(pl.col("level") == "agency").select("unit_code").unique()
    explicit = (catalog.assignments.drop_nulls("unit_code").join(agencies, on="unit_code", how="semi")
                .select("unit_code", "indicator_code").unique().with_columns(_city=pl.lit(True)))
    mapped = placed.join(explicit, on=["unit_code", "indicator_code"], how="left").with_columns(
        unit_code=pl.when(pl.col("_city")).then(pl.lit(city)).otherwise(pl.col("unit_code"))).drop("_city")
    return _latest(mapped)


def hierarchy(catalog: Catalog, lasts: pl.Series, calendar: Calendar) -> pl.DataFrame:
    """Return the units in force on the last day of each quarter ordinal in `lasts`, with their depth.

    Columns: `_bl`, unit_code, parent_code, unit_level, depth (city 0) and
    `_vt` (last day of the unit record). Agencies are not in the hierarchy.
    """
    ends = window_ends(lasts, calendar).rename({"last": "_bl"})
    units = (with_levels(catalog.units).filter(pl.col("level") != "agency")
             .select("unit_code", "parent_code", unit_level="level",
                     _vf=pl.col("valid_from").fill_null(_EARLIEST),
                     _vt=pl.col("valid_to").fill_null(_LATEST)))
    tree = ends.join(units, how="cross").filter(pl.col("_vf") <= pl.col("end_date"),
                                                pl.col("_vt") >= pl.col("end_date"))
    tree = tree.select("_bl", "unit_code", "parent_code", "unit_level", "_vt",
                       depth=pl.when(pl.col("parent_code").is_null()).then(pl.lit(0, pl.Int64)))
    for _ in range(8):  # each pass settles one more level
        if tree["depth"].null_count() == 0:
            break
        parents = tree.select("_bl", parent_code="unit_code", _pd="depth")
        tree = tree.join(parents, on=["_bl", "parent_code"], how="left").with_columns(
            depth=pl.coalesce("depth", pl.col("_pd") + 1)).drop("_pd")
    return tree.drop_nulls("depth")


def epochs(catalog: Catalog, lasts: list[int], calendar: Calendar) -> dict[int, int]:
    """Return, per quarter ordinal, the number of the stretch of time with one set of units in force.

    Units open and close on a few dates; quarters whose last day falls
    between the same two such dates share one set of units, so what is
    assigned need only be worked out once per stretch.
    """
    units = catalog.units
    boundaries = sorted(set(units["valid_from"].drop_nulls().to_list())
                        | {d + timedelta(days=1) for d in units["valid_to"].drop_nulls().to_list()})
    return {last: bisect_right(boundaries, window(enclosing("quarter", last), calendar)[1]) for last in lasts}


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
    agencies = with_levels(catalog.units).filter(pl.col("level") == "agency")["unit_code"].implode()
    return frame.with_columns(unit_code=pl.when(pl.col("unit_code").is_in(agencies)).then(pl.lit(city))
                              .otherwise(pl.col("unit_code"))).unique(CELL)


def own_measures(placed: pl.DataFrame, rules: pl.DataFrame, met: pl.DataFrame) -> pl.DataFrame:
    """Add each reported value's own figure `_own` and the parts `_oa`, `_ob` its parent combines.

    A ratio combines numerators and denominators; a weighted mean value ×
    weight and weight (weight = denominator); a share of units meeting their
    target counts 1 or 0 per unit that can be assessed (a yes/no value 1
    meets); everything else combines the value itself.
    """
    frame = placed.join(rules, on="indicator_code", how="left").join(met, on=["unit_code", "indicator_code"],
                                                                     how="left")
    num, den, agg = pl.col("numerator"), pl.col("denominator"), pl.col("agg_units")
    parts = num.is_not_null() & den.is_not_null()
    own = pl.coalesce(pl.col("value"), pl.when((agg == "ratio") & parts & (den > 0)).then(
        pl.col("_scale") * num / den))
    lo, hi = pl.col("_lo"), pl.col("_hi")
    meets = (lo.is_null() | (own >= lo)) & (hi.is_null() | (own <= hi))
    assessable = lo.is_not_null() | hi.is_not_null()
    a = (pl.when(agg == "ratio").then(pl.when(parts).then(num))
         .when(agg == "weighted_mean").then(pl.when(den.is_not_null()).then(own * den))
         .when(agg == "share_meeting_target").then(
             pl.when(parts).then(num).when(own.is_null()).then(None)
             .when(pl.col("value_type") == "boolean").then((own >= 1).cast(pl.Float64))
             .when(assessable).then(meets.cast(pl.Float64)))
         .otherwise(own))
    b = (pl.when(agg == "ratio").then(pl.when(parts).then(den))
         .when(agg == "weighted_mean").then(den)
         .when(agg == "share_meeting_target").then(
             pl.when(parts).then(den).when(a.is_not_null()).then(1.0))
         .otherwise(pl.when(own.is_not_null()).then(1.0)))
    return frame.with_columns(_own=own, _oa=a, _ob=b).drop("_lo", "_hi")


def cells(catalog: Catalog, placed: pl.DataFrame, due: pl.DataFrame, tree: pl.DataFrame) -> pl.DataFrame:
    """Return one cell per reported or expected unit × indicator × frequency period on the hierarchy.

    Reported values of units not in the hierarchy on the period's last day
    (closed, not yet open, or agencies for indicators not assigned to them)
    are left out; ingestion reports them as `unit-inactive` or
    `indicator-not-assigned`.
    """
    rules = indicator_rules(catalog.indicators)
    own = own_measures(placed, rules, own_bounds(catalog.targets, catalog.indicators)).select(
        *CELL, "_bf", "_own", "_oa", "_ob", _on="numerator", _od="denominator", _rp="period",
        reporter_code="reporter_code", sha256="sha256", sheet="sheet", row="row")
    frame = own.join(due.with_columns(_exp=pl.lit(True)), on=CELL, how="full", coalesce=True)
    frame = frame.join(tree, on=["_bl", "unit_code"], how="inner").with_columns(
        _exp=pl.col("_exp").fill_null(False), _bf=first_of(pl.col("_bk"), pl.col("_bl")))
    return frame.join(rules.drop("frequency", "value_type"), on="indicator_code", how="left")


def roll_up(frame: pl.DataFrame, tree: pl.DataFrame, tolerance: float) -> pl.DataFrame:
    """Roll cells up level by level, deepest first; return every cell with its value in force.

    Adds value, value_source, `_a`/`_b` (what the parent combines), `_roll`
    with `_ra`/`_rb` (the children's rollup), n_expected/n_reported
    (expected reports beneath and those that came with a value; null for a
    unit without children) and `_mismatch` (own figure differs from a
    complete rollup by more than `tolerance`, relative).
    """
    done, carry = [], None
    rules = frame.select("indicator_code", "agg_units", "agg_time", "cumulative_scope", "_scale").unique()
    for depth in range(int(frame["depth"].max() or 0), -1, -1):
        layer = frame.filter(pl.col("depth") == depth)
        if carry is not None:
            new = (carry.join(layer, on=CELL, how="anti").select(CELL)
                   .join(tree, on=["_bl", "unit_code"], how="inner").join(rules, on="indicator_code")
                   .with_columns(_exp=pl.lit(False), _bf=first_of(pl.col("_bk"), pl.col("_bl"))))
            layer = pl.concat([layer, new], how="diagonal_relaxed").join(carry, on=CELL, how="left")
        layer = _settle(layer, tolerance)
        done.append(layer)
        carry = _children(layer)
    return pl.concat(done, how="diagonal_relaxed")


def _children(layer: pl.DataFrame) -> pl.DataFrame:
    contributes = pl.col("_a").is_not_null() & pl.col("_b").is_not_null()
    return (layer.filter(pl.col("agg_units") != "none", pl.col("parent_code").is_not_null())
            .group_by("_bk", "_bl", "indicator_code", unit_code="parent_code")
            .agg(_sa=pl.col("_a").filter(contributes).sum(), _sb=pl.col("_b").filter(contributes).sum(),
                 _nc=contributes.sum(), _min=pl.col("value").min(), _max=pl.col("value").max(),
                 n_expected=(pl.col("_exp").cast(pl.Int64) + pl.col("n_expected").fill_null(0)).sum(),
                 n_reported=((pl.col("_exp") & pl.col("_own").is_not_null()).cast(pl.Int64)
                             + pl.col("n_reported").fill_null(0)).sum()))


def _settle(layer: pl.DataFrame, tolerance: float) -> pl.DataFrame:
    for column, dtype in (("_sa", pl.Float64), ("_sb", pl.Float64), ("_nc", pl.UInt32), ("_min", pl.Float64),
                          ("_max", pl.Float64), ("n_expected", pl.Int64), ("n_reported", pl.Int64)):
        if column not in layer.columns:
            layer = layer.with_columns(pl.lit(None, dtype).alias(column))
    agg, sa, sb = pl.col("agg_units"), pl.col("_sa"), pl.col("_sb")
    pooled = agg.is_in(POOLED)
    ratio = pl.when(sb > 0).then(sa / sb)
    roll = pl.when(pl.col("_nc") > 0).then(
        pl.when(agg == "sum").then(sa).when(agg == "mean").then(ratio).when(agg == "min").then(pl.col("_min"))
        .when(agg == "max").then(pl.col("_max")).when(agg.is_in(["ratio", "share_meeting_target"]))
        .then(pl.col("_scale") * ratio).when(agg == "weighted_mean").then(ratio))
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
