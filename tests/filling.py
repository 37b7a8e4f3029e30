"""Fill a generated template as a reporting officer would (openpyxl), for tests and test data."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.intake import layout


def plausible_values(catalog: Catalog, codes: list[str]) -> dict[str, dict[str, object]]:
    """Return valid cell inputs for each indicator code (code|category for a category's row): value and/or
    numerator and denominator; a total reported beside its categories is what they add up to."""
    indicators = {r["indicator_code"]: r for r in catalog.indicators.iter_rows(named=True)}
    filled: dict[str, dict[str, object]] = {}
    for i, key in enumerate(codes):
        ind = indicators[key.split("|")[0]]
        code = key
        low = ind["min_value"] if ind["min_value"] is not None else 0.0
        high = ind["max_value"] if ind["max_value"] is not None else low + 1000.0
        if ind["agg_units"] == "ratio":
            filled[code] = {"numerator": 40 + i, "denominator": 50 + i}
        elif ind["value_type"] == "boolean":
            filled[code] = {"value": "Đạt"}
        elif ind["value_type"] in ("count", "rank"):
            filled[code] = {"value": int(min(high, low + 3 + i))}
        else:
            filled[code] = {"value": round(low + (high - low) * 0.6, 1)}
        if ind["agg_units"] == "weighted_mean":
            filled[code]["denominator"] = 1000 + i
    for code in [c for c in filled if "|" not in c]:
        parts = [cells for key, cells in filled.items() if key.startswith(code + "|")]
        if parts and indicators[code]["agg_units"] in ("sum", "ratio"):
            filled[code] = {name: sum(p[name] for p in parts) for name in filled[code]}  # type: ignore[misc]
    return filled


def fill_template(path: Path, out: Path, catalog: Catalog, *, reporter: str = "Nguyễn Văn A",
                  submitted: datetime = datetime(2024, 10, 2), values: dict | None = None,
                  task_status: str = "Đang thực hiện") -> dict[str, dict[str, object]]:
    """Type values into the input cells of a template and save it as `out`; return what was typed."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[layout.INDICATOR_SHEET]
    sheet.cell(layout.REPORTER_ROW, layout.REPORTED_BY_COLUMN, reporter)
    sheet.cell(layout.REPORTER_ROW, layout.SUBMITTED_ON_COLUMN, submitted)
    categories = {label: key for key, (label, _) in catalog.category_labels().items()}
    category_column = len(layout.INDICATOR_COLUMNS) + 1

    def key(row: int) -> str:
        label = sheet.cell(row, category_column).value
        code = sheet.cell(row, 1).value
        return f"{code}|{categories[label]}" if label in categories else code

    codes = [key(r) for r in range(layout.FIRST_DATA_ROW, sheet.max_row + 1) if sheet.cell(r, 1).value]
    typed = values if values is not None else plausible_values(catalog, codes)
    column = {name: i + 1 for i, name in enumerate(layout.INDICATOR_COLUMNS)}
    for offset, code in enumerate(codes):
        for name, value in typed.get(code, {}).items():
            sheet.cell(layout.FIRST_DATA_ROW + offset, column[name], value)
    if layout.TASK_SHEET in workbook.sheetnames:
        tasks = workbook[layout.TASK_SHEET]
        status = layout.TASK_COLUMNS.index("status") + 1
        for r in range(layout.FIRST_DATA_ROW, tasks.max_row + 1):
            if tasks.cell(r, 1).value:
                tasks.cell(r, status, task_status)
    workbook.save(out)
    return typed


def edit_meta(path: Path, out: Path, key: str, value: str) -> None:
    """Change one value of the hidden metadata sheet, as a curious user might."""
    workbook = openpyxl.load_workbook(path)
    meta = workbook[layout.META_SHEET]
    for row in meta.iter_rows():
        if row[0].value == key:
            row[1].value = value
    workbook.save(out)


def due_codes(catalog: Catalog, period, unit: str) -> list[str]:
    """Return the indicator codes due from a unit in a period, in display order."""
    due = catalog.due(period).filter(pl.col("unit_code") == unit)
    return catalog.indicators.join(due, on="indicator_code", how="semi").sort("display_order")[
        "indicator_code"].to_list()
