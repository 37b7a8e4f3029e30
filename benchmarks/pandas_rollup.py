"""The comparison: a plain pandas + openpyxl script that reads the same long tables and rolls them up.

    python benchmarks/pandas_rollup.py --inbox DIR --catalog DIR --out FILE.xlsx

What an analyst might write without the library: every `.xlsx` of the inbox
read with `pandas.read_excel` (openpyxl), the indicator rows stacked, values
made numbers, each ward's rows added to its district and every unit's to the
city by the indicator's unit rule (sum, mean, ratio of summed parts, else the
mean), and a small workbook written with openpyxl: one sheet of district ×
indicator values and one of the city's. No validation, no archive, no
targets, no history: it reads what it can of the inputs (the long tables'
first sheet; task files are skipped) and nothing else. Run as its own
process by `benchmarks/run.py`, which times it whole.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", type=Path, required=True)
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    import pandas as pd

    frames = []
    for path in sorted(args.inbox.rglob("*.xlsx")):
        frame = pd.read_excel(path, engine="openpyxl", dtype=str)
        if "indicator_code" in frame.columns:
            frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    for column in ("value", "numerator", "denominator"):
        rows[column] = pd.to_numeric(rows[column].str.replace(",", ".", regex=False), errors="coerce")

    units = pd.read_csv(args.catalog / "units.csv", dtype=str)
    indicators = pd.read_csv(args.catalog / "indicators.csv", dtype=str)
    indicators = indicators[indicators["term"] == "XVII"][["indicator_code", "agg_units", "ratio_scale"]]
    indicators["ratio_scale"] = pd.to_numeric(indicators["ratio_scale"], errors="coerce").fillna(1.0)
    parent = units.drop_duplicates("unit_code", keep="last").set_index("unit_code")["parent_code"]
    rows = rows.merge(indicators, on="indicator_code", how="inner")
    rows["district"] = rows["unit_code"].where(rows["unit_code"].str.len() == 3, rows["unit_code"].map(parent))

    districts = _roll(rows, ["district", "indicator_code"])
    city = _roll(rows, ["indicator_code"])
    matrix = districts.pivot_table(index="district", columns="indicator_code", values="value")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(args.out, engine="openpyxl") as writer:
        matrix.to_excel(writer, sheet_name="Districts")
        city.to_excel(writer, sheet_name="City", index=False)
    print(f"{len(frames)} files, {len(rows)} rows, {len(districts)} district results, {len(city)} city results")
    return 0


def _roll(rows, keys: list[str]):
    """Return one value per group by the indicator's unit rule (sum, mean, ratio of parts; else the mean)."""
    grouped = rows.groupby(keys + ["agg_units"], as_index=False).agg(
        total=("value", "sum"), mean=("value", "mean"), num=("numerator", "sum"), den=("denominator", "sum"),
        scale=("ratio_scale", "first"))
    ratio = grouped["scale"] * grouped["num"] / grouped["den"].where(grouped["den"] != 0)
    grouped["value"] = grouped["mean"]
    grouped.loc[grouped["agg_units"] == "sum", "value"] = grouped["total"]
    grouped.loc[grouped["agg_units"] == "ratio", "value"] = ratio
    return grouped[keys + ["value"]]


if __name__ == "__main__":
    sys.exit(main())
