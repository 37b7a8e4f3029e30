"""Completeness and timeliness: expected versus received submissions and values.

A submission is expected from a unit for a report quarter when anything is
due from it then (what `Catalog.due` lists: the cells whose frequency period
ends with the quarter, see `aggregate.expected`): a unit that did not exist on the quarter's
last day is not expected, so rates never exceed 100 %. A submission counts as
received when the ledger holds an accepted or partly accepted file from the
unit for that quarter (a year or half-year file counts for the quarter that
closes it), and as on time when it was submitted (else received) before the
deadline of the period it was sent for. Values are counted per unit ×
indicator due in the quarter; a value left empty (a no-data marker) was not
reported, a ratio sent as numerator and denominator was.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.intake.lateness import on_time, with_deadlines
from hanoi_ctr.periods import Calendar, DeadlineRule, Period, window
from hanoi_ctr.spans import bounds, with_span

_Q = ["_q", "unit_code"]


def submissions(ledger: pl.DataFrame, period: Period, calendar: Calendar, rule: DeadlineRule,
                as_of: datetime | None) -> pl.DataFrame:
    """Return (`_q`, unit_code, `_on_time`) for every unit with a usable file for a report quarter."""
    files = ledger.filter(pl.col("outcome").is_in(["accepted", "partial"]), pl.col("unit_code").is_not_null(),
                          pl.col("period").is_not_null())
    if as_of is not None:
        files = files.filter(pl.col("received_at") <= as_of)
    first, last = bounds(period)
    files = with_span(files, "period", "_r").filter(pl.col("_r_last").is_between(first, last))
    return (with_deadlines(files, calendar, rule).with_columns(_on_time=on_time())
            .group_by(_q="_r_last", unit_code="unit_code").agg(pl.col("_on_time").any()))


def ledger_from_values(values: pl.DataFrame) -> pl.DataFrame:
    """Return a minimal ledger (one accepted file per unit, period and SHA-256) built from the values."""
    return values.group_by("unit_code", "period", "sha256").agg(
        submitted_at=pl.col("submitted_at").min(), received_at=pl.col("received_at").min()).with_columns(
        outcome=pl.lit("accepted"))


def completeness(catalog: Catalog, period: Period, placed: pl.DataFrame, ledger: pl.DataFrame, *,
                 due: pl.DataFrame, tree: pl.DataFrame, calendar: Calendar, rule: DeadlineRule,
                 as_of: datetime | None = None) -> pl.DataFrame:
    """Return completeness rows per unit, per district with its wards, per program and for the city.

    `due` holds the cells due (`aggregate.expected`): a report quarter asks
    for every cell whose frequency period ends with it. `tree` is the
    hierarchy (`aggregate.hierarchy`) for at least those quarters. `placed`
    holds the values in force per reporting unit and frequency period, as
    sent (agency codes, not yet the city's).
    """
    first, last = bounds(period)
    pairs = due.filter(pl.col("_bl").is_between(first, last)).with_columns(_q=pl.col("_bl"))
    sent = pl.col("value").is_not_null() | (
        pl.col("numerator").is_not_null() & pl.col("denominator").is_not_null())
    got = placed.filter(sent).select("unit_code", "indicator_code", "_bl").unique()
    pairs = pairs.join(got.with_columns(_has=pl.lit(True)), on=["unit_code", "indicator_code", "_bl"],
                       how="left").with_columns(_has=pl.col("_has").fill_null(False))
    expected = pairs.group_by(_Q).agg(n_values_expected=pl.len(), n_values_reported=pl.col("_has").sum())
    received = submissions(ledger, period, calendar, rule, as_of)
    expected = expected.join(received, on=_Q, how="left").with_columns(
        _received=pl.col("_on_time").is_not_null(), _on_time=pl.col("_on_time").fill_null(False))
    # A unit is its record in force that quarter: a code reused after the 2025 reorganisation is another unit.
    end = window(period, calendar)[1]
    records = tree.select(_q="_bl", unit_code="unit_code", units_on=pl.min_horizontal(pl.col("_vt"), pl.lit(end)))
    expected = expected.join(records, on=_Q, how="left").with_columns(pl.col("units_on").fill_null(end))
    by_unit = _count(expected, ["unit_code", "units_on"]).with_columns(scope=pl.lit("unit"),
                                                                       program_code=pl.lit(None, pl.String))
    by_district = _count(expected.drop("units_on").join(_districts(tree), on=_Q).with_columns(
        units_on=pl.min_horizontal(pl.col("units_on"), pl.lit(end))), ["district", "units_on"]).rename({"district": "unit_code"}).with_columns(
        scope=pl.lit("district"), program_code=pl.lit(None, pl.String))
    by_city = _count(expected, []).with_columns(scope=pl.lit("city"), unit_code=pl.lit(None, pl.String),
                                                program_code=pl.lit(None, pl.String), units_on=pl.lit(end))
    programs = pairs.join(catalog.indicators.select("indicator_code", "program_code"), on="indicator_code")
    per_program = programs.group_by(*_Q, "program_code").agg(
        n_values_expected=pl.len(), n_values_reported=pl.col("_has").sum()).join(
        expected.select(*_Q, "_received", "_on_time"), on=_Q)
    by_program = _count(per_program, ["program_code"]).with_columns(scope=pl.lit("program"),
                                                                     unit_code=pl.lit(None, pl.String),
                                                                     units_on=pl.lit(end))
    out = pl.concat([by_city, by_district, by_unit, by_program], how="diagonal_relaxed")
    return out.with_columns(period=pl.lit(str(period)))


def _districts(tree: pl.DataFrame) -> pl.DataFrame:
    """Return (`_q`, unit_code, district, units_on): the district a unit belongs to that quarter (itself or
    parent), and the district's record."""
    parents = tree.select("_bl", parent_code="unit_code", _parent_level="unit_level", _pvt="_vt")
    tree = tree.join(parents, on=["_bl", "parent_code"], how="left")
    district = (pl.when(pl.col("unit_level") == "district").then(pl.col("unit_code"))
                .when(pl.col("_parent_level") == "district").then(pl.col("parent_code")))
    record = pl.when(pl.col("unit_level") == "district").then(pl.col("_vt")).otherwise(pl.col("_pvt"))
    return tree.select(_q="_bl", unit_code="unit_code", district=district, units_on=record).drop_nulls("district")


def _count(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    n = pl.len().cast(pl.Int64)
    counted = (frame.group_by(keys) if keys else frame.group_by(pl.lit(1).alias("_all"))).agg(
        n_expected=n, n_received=pl.col("_received").sum().cast(pl.Int64),
        n_on_time=(pl.col("_received") & pl.col("_on_time")).sum().cast(pl.Int64),
        n_values_expected=pl.col("n_values_expected").sum().cast(pl.Int64),
        n_values_reported=pl.col("n_values_reported").sum().cast(pl.Int64))
    rate = {"reporting_rate": ("n_received", "n_expected"), "on_time_rate": ("n_on_time", "n_expected"),
            "value_rate": ("n_values_reported", "n_values_expected")}
    return counted.with_columns(
        n_late=pl.col("n_received") - pl.col("n_on_time"),
        **{k: pl.when(pl.col(d) > 0).then(pl.col(n) / pl.col(d)) for k, (n, d) in rate.items()},
    ).drop("_all", strict=False)

