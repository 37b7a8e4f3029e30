"""The trace: which values, sent by whom, in which file and row, a rollup's results are made of.

For each indicator the results compare a span (the value period, the year
to date, or the term to date, as its targets' bases say); every value in
force whose report period lies in that span is listed, with the unit's
parent then, the file, sheet and row it came from, when it was sent and
received, and the value it replaced when it was a revision.
"""

from __future__ import annotations

import polars as pl

from hanoi_ctr.catalog import Catalog, with_levels
from hanoi_ctr.catalog.model import EARLIEST, LATEST
from hanoi_ctr.declare import rules
from hanoi_ctr.intake.revisions import INDICATOR_KEY
from hanoi_ctr.periods import Calendar, Period
from hanoi_ctr.spans import first_of, window_ends, with_span

#: In the engine a category is part of the indicator code it is rolled up under (engine.categories).
_KEY = [k for k in INDICATOR_KEY if k != "category"]


def used_spans(catalog: Catalog, schedule: pl.DataFrame, term_first: int) -> pl.DataFrame:
    """Return (indicator_code, `_uf`, `_el`): the quarters whose values the results of each indicator use.

    The longest span any of its targets compares: the term so far for term
    totals and averages, the year so far for year totals, else the value
    period; an indicator without a target by its natural basis.
    """
    natural = rules.rule_columns(catalog.indicators).select("indicator_code", target_basis="_default_basis")
    bases = pl.concat([catalog.targets.select("indicator_code", "target_basis"), natural]).unique()
    reach = {"value": 0, "year_total": 1, "term_to_date": 2}
    widest = (bases.with_columns(**rules.basis_columns())
              .with_columns(_reach=pl.col("_compared_from").replace_strict(reach, return_dtype=pl.Int64))
              .group_by("indicator_code").agg(pl.col("_reach").max()))
    spans = schedule.select("indicator_code", "_ef", "_el").join(widest, on="indicator_code")
    first = (pl.when(pl.col("_reach") == 2).then(pl.lit(term_first, pl.Int64))
             .when(pl.col("_reach") == 1).then(first_of(pl.lit("year"), pl.col("_el")))
             .otherwise(pl.col("_ef")))
    return spans.select("indicator_code", _uf=pl.min_horizontal(first, pl.col("_ef")), _el="_el")


def source_values(history: pl.DataFrame, in_force: pl.DataFrame, catalog: Catalog, spans: pl.DataFrame,
                  period: Period, calendar: Calendar, file_names: dict[str, str]) -> pl.DataFrame:
    """Return the `source_values` rows: the values in force within each indicator's used span."""
    rows = with_span(in_force, "period", "_r").join(spans, on="indicator_code").filter(
        pl.col("_r_first") >= pl.col("_uf"), pl.col("_r_last") <= pl.col("_el"))
    rows = _with_parents(rows, catalog, calendar)
    rows = rows.join(_replaced(history), on=[*_KEY, "received_at", "sha256", "row"], how="left")
    names = pl.DataFrame({"sha256": list(file_names), "file_name": list(file_names.values())},
                         schema={"sha256": pl.String, "file_name": pl.String})
    rows = rows.join(names, on="sha256", how="left").join(
        names.rename({"sha256": "_old_sha", "file_name": "replaced_file"}), on="_old_sha", how="left")
    return rows.with_columns(value_period=pl.col("period"), period=pl.lit(str(period)))


def _with_parents(rows: pl.DataFrame, catalog: Catalog, calendar: Calendar) -> pl.DataFrame:
    """Add the unit's level and its parent in force at the end of the period the value was sent for."""
    ends = window_ends(rows["_r_last"], calendar).rename({"last": "_r_last", "end_date": "_day"})
    units = with_levels(catalog.units).select("unit_code", "parent_code", unit_level="level",
                                              _vf=pl.col("valid_from").fill_null(EARLIEST),
                                              _vt=pl.col("valid_to").fill_null(LATEST))
    with_day = rows.join(ends, on="_r_last", how="left")
    found = (with_day.select(*_KEY, "_day").unique().join(units, on="unit_code")
             .filter(pl.col("_vf") <= pl.col("_day"), pl.col("_vt") >= pl.col("_day"))
             .select(*_KEY, "parent_code", "unit_level"))
    return with_day.join(found, on=_KEY, how="left")


def _replaced(history: pl.DataFrame) -> pl.DataFrame:
    """Return, for each received value, the value of the same key received just before it."""
    order = [*_KEY, "received_at", "row"]
    ordered = history.sort(order, nulls_last=False, maintain_order=True)
    return ordered.select(
        *_KEY, "received_at", "sha256", "row",
        replaced_value=pl.col("value").shift(1).over(_KEY),
        _old_sha=pl.col("sha256").shift(1).over(_KEY),
    )
