"""Benchmark: one quarterly rollup at city scale.

Run with `python benchmarks/bench_rollup.py [--runs N] [--period 2024-Q3]`.
The bundled catalog (30 districts, 526 wards, 15 agencies) gets a second copy
of every indicator, assignment and target (codes `NN.5x`), about 150
indicators in all; every unit reports everything due in the quarter, with a
ledger row per unit. Only `rollup` is timed; the median of the runs is
printed, with the size of what went in and came out.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from datetime import UTC, datetime

import polars as pl

from hanoi_ctr import load_catalog, parse_period
from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare.schemas import empty_frame
from hanoi_ctr.engine.results import rollup


def doubled(catalog: Catalog) -> Catalog:
    """Return the catalog with a copy of every indicator (and its assignments and targets) as NN.5x."""

    def copy(frame: pl.DataFrame) -> pl.DataFrame:
        shifted = frame.with_columns(
            indicator_code=pl.concat_str(
                pl.col("indicator_code").str.slice(0, 3),
                (pl.col("indicator_code").str.slice(3, 2).cast(pl.Int64) + 50).cast(pl.String),
            )
        )
        return pl.concat([frame, shifted])

    indicators = copy(catalog.indicators)
    indicators = indicators.with_columns(display_order=pl.int_range(1, indicators.height + 1))
    return dataclasses.replace(
        catalog, indicators=indicators, assignments=copy(catalog.assignments), targets=copy(catalog.targets)
    )


def quarter_values(catalog: Catalog, period: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (values, ledger): a plausible value for everything due in the quarter, from a fixed hash."""
    due = catalog.due(parse_period(period)).with_columns(period=pl.lit(period))
    rules = catalog.indicators.select(
        "indicator_code", "value_type", "agg_units", "ratio_scale", "min_value", "max_value"
    )
    draw = (pl.concat_str("unit_code", "indicator_code").hash(11) % 10_000) / 10_000
    low, high = pl.col("min_value").fill_null(0.0), pl.col("max_value").fill_null(1000.0)
    den = (draw * 900 + 100).floor()
    is_ratio = pl.col("agg_units") == "ratio"
    received = datetime(2024, 10, 3, tzinfo=UTC)
    rows = (
        due.join(rules, on="indicator_code")
        .with_columns(
            denominator=pl.when(is_ratio).then(den),
            numerator=pl.when(is_ratio).then((den * (0.5 + draw / 2)).floor()),
        )
        .with_columns(
            value=pl.when(is_ratio)
            .then(pl.col("ratio_scale") * pl.col("numerator") / pl.col("denominator"))
            .when(pl.col("value_type") == "boolean")
            .then((draw > 0.3).cast(pl.Float64))
            .otherwise(low + draw * (high - low))
        )
    )
    values = pl.concat(
        [
            empty_frame("indicator_values"),
            rows.select(
                "unit_code",
                "period",
                "indicator_code",
                "value",
                "numerator",
                "denominator",
                sha256=pl.col("unit_code").hash(3).cast(pl.String).str.pad_start(64, "0"),
                sheet=pl.lit("Chỉ tiêu"),
                row=pl.int_range(2, pl.len() + 2).over("unit_code"),
                received_at=pl.lit(received),
            ),
        ],
        how="diagonal_relaxed",
    )
    ledger = (
        values.group_by("unit_code", "period", "sha256")
        .agg(pl.len().alias("rows_read"))
        .with_columns(
            received_at=pl.lit(received),
            file_name=pl.col("unit_code") + ".xlsx",
            format=pl.lit("template"),
            rows_accepted=pl.col("rows_read"),
            rows_rejected=pl.lit(0),
            outcome=pl.lit("accepted"),
        )
    )
    ledger = pl.concat([empty_frame("ledger"), ledger], how="diagonal_relaxed")
    return values, ledger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--period", default="2024-Q3")
    args = parser.parse_args()
    catalog = doubled(load_catalog())
    values, ledger = quarter_values(catalog, args.period)
    rollup(values, catalog, args.period, ledger=ledger)  # warm-up
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = rollup(values, catalog, args.period, ledger=ledger)
        times.append(time.perf_counter() - start)
    units = catalog.units_on(datetime(2024, 9, 30).date()).height
    print(
        f"catalog: {catalog.indicators.height} indicators, {units} units in force; "
        f"{values.height} values in {ledger.height} files for {args.period}"
    )
    print(
        f"results: {result.results.height} rows, trend {result.trend.height}, "
        f"completeness {result.completeness.height}, issues {result.issues.height}"
    )
    print(
        f"rollup median {statistics.median(times):.3f} s over {args.runs} runs "
        f"(min {min(times):.3f} s, max {max(times):.3f} s)"
    )


if __name__ == "__main__":
    main()
