"""Which target a unit is held to: the one resolver the rollup and the templates both ask.

A unit × indicator is held to its own term-end target row when it has one;
a yes/no indicator of a unit without children to 1 (met) by the end of the
term; otherwise to the city's term-end target, but only when the indicator
means the same at every level (a rate, an average, a worst or best case:
`rules.comparable`); otherwise to nothing. A template shows each unit exactly
this target and nothing else as its target; the rollup judges it against the
same.
"""

from __future__ import annotations

import polars as pl

from hanoi_ctr.declare import rules

#: The target columns a target row may set (any of them makes it a target).
TARGET_NUMBERS = ("target_value", "target_min", "target_max", "target_delta")
_KEY = ["unit_code", "indicator_code"]


def bounds(direction: pl.Expr, value: pl.Expr, low: pl.Expr, high: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Return (lo, hi): the interval a value must lie in to meet a target (a null bound is open).

    `increase` is met from the target value, or from the bottom of a range;
    `decrease` up to the target value, or the top of a range; `range` inside
    [min, max] (a single value is the range [value, value]).
    """
    lo = (pl.when(direction == "increase").then(pl.coalesce(value, low, high))
          .when(direction == "range").then(pl.coalesce(low, value)))
    hi = (pl.when(direction == "decrease").then(pl.coalesce(value, high, low))
          .when(direction == "range").then(pl.coalesce(high, value)))
    return lo, hi


def target_rows(targets: pl.DataFrame, indicators: pl.DataFrame) -> pl.LazyFrame:
    """Return each unit's term-end target row (the latest year) with the indicator's direction."""
    term_end = (targets.lazy().filter(pl.col("target_kind") == "term_end").sort("year")
                .unique(_KEY, keep="last"))
    return term_end.join(indicators.lazy().select("indicator_code", "direction"), on="indicator_code")


def own_bounds(targets: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Return (unit_code, indicator_code, _lo, _hi): what meets each unit's own term-end target.

    Used by `share_meeting_target`; rows given only as a change from the
    baseline are skipped (they need the unit's data to resolve).
    """
    rows = target_rows(targets, indicators)
    lo, hi = bounds(pl.col("direction"), pl.col("target_value"), pl.col("target_min"), pl.col("target_max"))
    return rows.select(*_KEY, _lo=lo, _hi=hi).filter(
        pl.col("_lo").is_not_null() | pl.col("_hi").is_not_null()).collect()


def held_to(rows: pl.LazyFrame, targets: pl.DataFrame, indicators: pl.DataFrame, city_code: str,
            end_year: int) -> pl.LazyFrame:
    """Add the target each row's unit is held to: `target_source`, year, value/min/max/delta/text, basis.

    `rows` has unit_code, indicator_code and `_leaf` (the unit has no
    children reporting the indicator). Also adds `_row_baseline` and
    `_row_baseline_year`, the baseline of the unit's own target row, and the
    indicator's direction, value type and unit rule.
    """
    ends = target_rows(targets, indicators).with_columns(
        _has=pl.any_horizontal(pl.col(c).is_not_null() for c in TARGET_NUMBERS))
    picked = (*TARGET_NUMBERS, "target_text", "target_basis", "year")
    own = ends.select(*_KEY, *[pl.col(c).alias(f"_own_{c}") for c in (*picked, "baseline_value",
                                                                       "baseline_year", "_has")])
    city = ends.filter(pl.col("unit_code") == city_code, pl.col("_has")).select(
        "indicator_code", *[pl.col(c).alias(f"_city_{c}") for c in picked])
    ind = rules.rule_columns(indicators.lazy()).select(
        "indicator_code", "direction", "value_type", "agg_units", "_comparable", "_boolean")
    out = rows.lazy().join(ind, on="indicator_code", how="left").join(own, on=_KEY, how="left").join(
        city, on="indicator_code", how="left")
    source = (pl.when(pl.col("_own__has").fill_null(False)).then(pl.lit("own"))
              .when(pl.col("_boolean") & pl.col("_leaf")).then(pl.lit("implicit"))
              .when((pl.col("unit_code") != city_code) & pl.col("_comparable") & pl.col("_city_year").is_not_null())
              .then(pl.lit("city")))
    out = out.with_columns(target_source=source)
    pick = {c: pl.when(pl.col("target_source") == "own").then(pl.col(f"_own_{c}"))
            .when(pl.col("target_source") == "city").then(pl.col(f"_city_{c}")) for c in picked}
    implicit = pl.col("target_source") == "implicit"
    pick["target_value"] = pl.when(implicit).then(1.0).otherwise(pick["target_value"])
    pick["year"] = pl.when(implicit).then(pl.lit(end_year)).otherwise(pick["year"])
    pick["target_basis"] = pl.when(implicit).then(pl.lit("level")).otherwise(pick["target_basis"])
    return out.with_columns(
        **{k: v for k, v in pick.items() if k != "year"},
        target_year=pick["year"],
        _row_baseline=pl.col("_own_baseline_value"),
        _row_baseline_year=pl.col("_own_baseline_year"),
    ).drop(pl.selectors.starts_with("_own_", "_city_"), "_comparable", "_boolean")


def milestone_points(targets: pl.DataFrame, indicators: pl.DataFrame) -> pl.LazyFrame:
    """Return every target row as a point (owner, indicator, year, value/min/max/delta, direction).

    `owner` is the unit whose rows they are; a unit held to the city's target
    follows the city's milestones too.
    """
    directions = indicators.lazy().select("indicator_code", "direction")
    return targets.lazy().join(directions, on="indicator_code").select(
        owner=pl.col("unit_code"), indicator_code="indicator_code", year="year", direction="direction",
        m_value="target_value", m_min="target_min", m_max="target_max", m_delta="target_delta",
        m_basis="target_basis")
