"""Indicators reported by category: each category rolled up as an indicator of its own, by the same rules.

The engine's arithmetic is not repeated here. For the period's term, each
category of a disaggregated indicator becomes a derived indicator with the
indicator's rules, assignments and the targets set for that category, under
an internal code (`01.06|sex=nu`) that no output shows: the values sent for
the category are keyed to it, the rollup runs over the derived indicators as
over any other, and `category_columns` splits the code back into
`indicator_code` and `category` (null for the total).

Where a unit sent every category of a dimension but no total, its total is
derived from the categories by the indicator's own rule (counts and other
additive figures add up; a ratio's numerators and denominators add up and
the ratio is recomputed); its results say `value_source = from_parts`. A
reported total is always the total. Other rules (means, extremes, ranks)
derive no total: the categories alone do not say how the total is made.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare import rules
from hanoi_ctr.intake.revisions import current
from hanoi_ctr.periods import parse_period

#: Between an indicator's code and its category in the internal code of a derived indicator.
SEPARATOR = "|"


@dataclass(frozen=True)
class Split:
    """The values of a rollup split into totals and categories, and the catalog of the categories."""

    #: Values of totals: all versions sent, and the totals derived from complete categories.
    totals: pl.DataFrame
    #: Values of categories, keyed by their derived indicator's code (`category` null).
    parts: pl.DataFrame
    #: (unit_code, indicator_code, period) of the totals derived from the categories.
    from_parts: pl.DataFrame
    #: The catalog of the derived indicators (None: the term has no disaggregated indicator).
    catalog: Catalog | None


def derived(code: pl.Expr, category: pl.Expr) -> pl.Expr:
    """Return the internal code of an indicator's category: code|dimension=category."""
    return pl.concat_str([code, pl.lit(SEPARATOR), category])


def split(values: pl.DataFrame, received: pl.DataFrame, catalog: Catalog) -> Split:
    """Split the values (all versions) for a rollup of a one-term catalog.

    `received` are the values of the term's periods received by the rollup's instant: the totals
    derived from categories are those of the categories in force then.
    """
    values, received = (f if "category" in f.columns else f.with_columns(category=pl.lit(None, pl.String))
                        for f in (values, received))
    keys = catalog.category_keys()
    totals = values.filter(pl.col("category").is_null())
    empty = pl.DataFrame(schema={"unit_code": pl.String, "indicator_code": pl.String, "period": pl.String})
    if keys.is_empty():
        return Split(totals, values.clear(), empty, None)
    sent = values.filter(pl.col("category").is_not_null()).join(
        keys.select("indicator_code", "category"), on=["indicator_code", "category"], how="semi")
    whole = _totals_from_parts(current(received), keys, catalog)
    parts = sent.with_columns(indicator_code=derived(pl.col("indicator_code"), pl.col("category")),
                              category=pl.lit(None, pl.String))
    return Split(pl.concat([totals, whole.select(values.columns)], how="vertical_relaxed"), parts,
                 whole.select("unit_code", "indicator_code", "period"), _derived_catalog(catalog, keys))


def _totals_from_parts(in_force: pl.DataFrame, keys: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Return a total for each unit × period × indicator sent by every category of a dimension and without
    a total in force, by the indicator's rule (additive: the sum; a ratio: from summed parts)."""
    how = rules.rule_columns(catalog.indicators).select("indicator_code", "ratio_scale", "_additive",
                                                        "_value_from_parts")
    dims = keys.group_by("indicator_code", "dimension").agg(_n=pl.len())
    parts = (in_force.filter(pl.col("category").is_not_null(), pl.col("value").is_not_null())
             .join(keys.select("indicator_code", "category", "dimension"), on=["indicator_code", "category"])
             .join(how, on="indicator_code"))
    reported = in_force.filter(pl.col("category").is_null()).select("unit_code", "period", "indicator_code")
    group = ["unit_code", "period", "indicator_code", "dimension"]
    both = pl.col("numerator").is_not_null() & pl.col("denominator").is_not_null()
    summed = parts.sort("received_at", "row", nulls_last=False).group_by(group).agg(
        _seen=pl.col("category").n_unique(), _value=pl.col("value").sum(),
        numerator=pl.when(both.all()).then(pl.col("numerator").sum()),
        denominator=pl.when(both.all()).then(pl.col("denominator").sum()),
        _additive=pl.col("_additive").first(), _ratio=pl.col("_value_from_parts").first(),
        _scale=pl.col("ratio_scale").first(), received_at=pl.col("received_at").max(),
        sha256=pl.col("sha256").last(), submitted_at=pl.col("submitted_at").max(),
        reported_by=pl.col("reported_by").last())
    order = catalog.dimensions.select("dimension", _order="display_order")
    whole = (summed.join(dims, on=["indicator_code", "dimension"]).filter(pl.col("_seen") == pl.col("_n"))
             .join(reported, on=["unit_code", "period", "indicator_code"], how="anti")
             .join(order, on="dimension", how="left").sort("_order")
             .unique(["unit_code", "period", "indicator_code"], keep="first", maintain_order=True))
    value = (pl.when(pl.col("_ratio")).then(pl.col("_scale") * pl.col("numerator") / pl.col("denominator"))
             .when(pl.col("_additive")).then(pl.col("_value")))
    whole = whole.with_columns(value=value).filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
    return whole.with_columns(
        category=pl.lit(None, pl.String), no_data_marker=pl.lit(None, pl.String),
        note=pl.format("= {}", "dimension"), sheet=pl.lit(None, pl.String), row=pl.lit(None, pl.Int64),
        numerator=pl.when(pl.col("_ratio")).then("numerator"),
        denominator=pl.when(pl.col("_ratio")).then("denominator"))


def _derived_catalog(catalog: Catalog, keys: pl.DataFrame) -> Catalog:
    """Return the catalog whose indicators are the categories: each with its indicator's rules and
    assignments, and the targets set for that category."""
    pairs = keys.select("indicator_code", "category")

    def each_category(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.join(pairs, on="indicator_code").with_columns(
            indicator_code=derived(pl.col("indicator_code"), pl.col("category"))).drop("category")

    targets = catalog.category_targets.join(pairs, on=["indicator_code", "category"], how="semi").with_columns(
        indicator_code=derived(pl.col("indicator_code"), pl.col("category")), category=pl.lit(None, pl.String))
    return replace(catalog, indicators=each_category(catalog.indicators),
                   assignments=each_category(catalog.assignments), targets=targets, tasks=catalog.tasks.clear(),
                   disaggregations=catalog.disaggregations.clear())


def category_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Return a results, trend or source frame with the internal code split into indicator_code and category."""
    code = pl.col("indicator_code")
    return frame.with_columns(indicator_code=code.str.split(SEPARATOR).list.first(),
                              category=code.str.split(SEPARATOR).list.get(1, null_on_oob=True))


def mark_from_parts(frame: pl.DataFrame, from_parts: pl.DataFrame, period_column: str) -> pl.DataFrame:
    """Say `from_parts` where a unit's own total (`reported`) was derived from its categories."""
    if from_parts.is_empty():
        return frame
    # A total sent in the report that closes a period is that period's (a yearly indicator in 2024-Q4 is 2024's).
    last = {p: parse_period(p).last_ordinal for p in {*from_parts["period"], *frame[period_column].drop_nulls()}}
    marks = from_parts.select("unit_code", "indicator_code", _last=_last_of("period", last), _fp=pl.lit(True)).unique()
    return frame.with_columns(_last=_last_of(period_column, last)).join(
        marks, on=["unit_code", "indicator_code", "_last"], how="left").drop("_last").with_columns(
        value_source=pl.when(pl.col("_fp").fill_null(False) & (pl.col("value_source") == "reported"))
        .then(pl.lit("from_parts")).otherwise("value_source")).drop("_fp")


def _last_of(column: str, last: dict[str, int]) -> pl.Expr:
    return pl.col(column).replace_strict(last, default=None, return_dtype=pl.Int64)
