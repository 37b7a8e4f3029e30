"""History through a reorganisation: the figures of abolished units mapped onto the units that took over.

On 1 July 2025 Hanoi's 526 wards and communes became 126 units and the
districts were abolished; `unit_lineage` says which old unit went into
which new one. For the frequency periods that ended before the change, a
new unit gets a *mapped* cell: its old units' cells combined by the
indicator's unit rule, exactly as children combine into a parent — sums
added, ratios recomputed from the summed numerators and denominators,
weighted means from values × weights and weights, means averaged, minima
and maxima taken, shares of units meeting their target recounted. An old
unit split between several new ones goes whole to its published default
successor, unless the lineage gives shares, in which case each new unit
takes that share of its parts (`mapping`: `whole`, `default_successor`,
`shares`). Ranks, scores, yes/no answers and indicators that do not
aggregate (`none`) cannot be mapped: a new unit has no history for them.

Mapped cells carry `value_source` = `mapped`, their coverage (the old units
expected and those with a value) and `_mf`, the old units they come from;
every span that uses one says so.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from hanoi_ctr.catalog import Catalog, with_levels
from hanoi_ctr.catalog.model import LATEST
from hanoi_ctr.declare import rules
from hanoi_ctr.engine.aggregate import CELL, RULE_COLUMNS
from hanoi_ctr.periods import Calendar
from hanoi_ctr.spans import window_ends

#: How an old unit's figures go to a new one.
MAPPINGS = ("whole", "default_successor", "shares")


def reorganisations(catalog: Catalog) -> list[date]:
    """Return the days on which the lineage takes effect, in order."""
    return sorted(set(catalog.unit_lineage["effective_on"].drop_nulls().to_list()))


def weights(catalog: Catalog) -> pl.DataFrame:
    """Return (old_code, new_code, effective_on, `_w`, mapping): the share of each old unit a new one takes.

    An old unit that went whole into one new unit gives it everything; one
    split between several gives everything to its default successor, unless
    shares are given for it.
    """
    lineage = catalog.unit_lineage
    if "share" not in lineage.columns:
        lineage = lineage.with_columns(share=pl.lit(None, pl.Float64))
    shared = pl.col("share").is_not_null().any().over("old_code", "effective_on")
    split = pl.col("split").fill_null(False) | (pl.len().over("old_code", "effective_on") > 1)
    return lineage.select(
        "old_code", "new_code", "effective_on",
        _w=pl.when(shared).then(pl.col("share").fill_null(0.0))
        .when(split).then(pl.when(pl.col("default_successor")).then(1.0).otherwise(0.0))
        .otherwise(1.0),
        mapping=pl.when(shared).then(pl.lit("shares")).when(split).then(pl.lit("default_successor"))
        .otherwise(pl.lit("whole")),
    )


def mappable(indicators: pl.DataFrame) -> pl.DataFrame:
    """Return (indicator_code, `_maps`): whether an indicator's history can be carried to new units."""
    return rules.rule_columns(indicators).select("indicator_code", "_maps")  # type: ignore[return-value]


def mapped_cells(grid: pl.DataFrame, catalog: Catalog, calendar: Calendar, until: date) -> pl.DataFrame:
    """Return the mapped cells of the new units for the frequency periods that ended before they opened.

    Only for the reorganisations that took effect by `until` (the requested period's last day): before
    that, the new units do not exist yet.
    """
    out = []
    units = with_levels(catalog.units)
    maps = mappable(catalog.indicators).filter(pl.col("_maps")).select("indicator_code")
    for day in (d for d in reorganisations(catalog) if d <= until):
        closed = units.filter(pl.col("valid_to") == day - timedelta(days=1)).select("unit_code", _vt="valid_to")
        opened = units.filter(pl.col("valid_from") == day).select(
            new_code="unit_code", _new_vt=pl.col("valid_to").fill_null(LATEST), _new_level="level",
            _new_parent="parent_code")
        links = weights(catalog).filter(pl.col("effective_on") == day, pl.col("_w") > 0)
        ends = window_ends(grid["_bl"].unique(), calendar).filter(pl.col("end_date") < day).rename(
            {"last": "_bl"}).select("_bl")
        old = (grid.join(closed, on=["unit_code", "_vt"], how="semi").join(ends, on="_bl", how="semi")
               .join(maps, on="indicator_code", how="semi")
               .join(links, left_on="unit_code", right_on="old_code"))
        if old.is_empty():
            continue
        out.append(_combine(old).join(opened, on="new_code"))
    if not out:
        return pl.DataFrame()
    rules_ = grid.select("indicator_code", "agg_units", "agg_time", "cumulative_scope", *RULE_COLUMNS).unique(
        "indicator_code")
    cells = pl.concat(out, how="vertical").join(rules_, on="indicator_code")
    value = rules.children_value(rules.Children(
        sum_a=pl.col("_sa"), sum_b=pl.col("_sb"), minimum=pl.col("_min"), maximum=pl.col("_max"),
        scale=pl.col("_scale")))
    cells = cells.with_columns(value=pl.when(pl.col("_nc") > 0).then(value))
    return cells.select(
        *CELL, "_bf", unit_level="_new_level", parent_code="_new_parent", _vt="_new_vt",
        value="value", value_source=pl.when(pl.col("value").is_not_null()).then(pl.lit("mapped")),
        _a=pl.when(~pl.col("_pooled")).then(pl.col("value")).otherwise(pl.col("_sa")),
        _b=pl.when(~pl.col("_pooled")).then(pl.when(pl.col("value").is_not_null()).then(1.0))
        .otherwise(pl.col("_sb")),
        n_expected="n_expected", n_reported="n_reported", _mf="_mf", mapping="mapping",
        _exp=pl.lit(False), _mismatch=pl.lit(False),
        **{c: c for c in ("agg_units", "agg_time", "cumulative_scope", *RULE_COLUMNS)},
    )


def _combine(old: pl.DataFrame) -> pl.DataFrame:
    """Return what each new unit's old units add up to, per indicator and frequency period.

    Each old unit brings what it would bring its parent (`_a`, `_b`), times
    the share the new unit takes; coverage counts the old units (each one
    report) and those with a value. The mapping is the most particular of
    its old units' (shares, else a default successor, else whole units).
    """
    has = pl.col("_a").is_not_null() & pl.col("_b").is_not_null()
    rank = pl.col("mapping").replace_strict({m: i for i, m in enumerate(MAPPINGS)}, return_dtype=pl.Int64)
    grouped = old.group_by("_bk", "_bf", "_bl", "indicator_code", unit_code="new_code").agg(
        _sa=(pl.col("_a") * pl.col("_w")).filter(has).sum(), _sb=(pl.col("_b") * pl.col("_w")).filter(has).sum(),
        _nc=has.sum(), _min=pl.col("value").min(), _max=pl.col("value").max(),
        n_expected=pl.len().cast(pl.Int64), n_reported=pl.col("value").is_not_null().sum().cast(pl.Int64),
        _mf=pl.col("unit_code").filter(pl.col("value").is_not_null()).unique().sort().str.join(", "),
        _rank=rank.max(),
    )
    return grouped.with_columns(
        new_code=pl.col("unit_code"), _mf=pl.when(pl.col("_mf") != "").then(pl.col("_mf")),
        mapping=pl.col("_rank").replace_strict(dict(enumerate(MAPPINGS)), return_dtype=pl.String)).drop("_rank")
