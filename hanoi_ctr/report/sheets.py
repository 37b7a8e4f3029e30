"""The list sheets of the rollup workbook: units and tasks.

Every list sheet opens with its title and the period, then one table with
a filter, frozen and repeated header, and a printed header and footer.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from hanoi_ctr.catalog import with_levels
from hanoi_ctr.declare.tables import SHEETS
from hanoi_ctr.declare.vocabulary import STATUSES
from hanoi_ctr.report.inputs import ReportInputs
from hanoi_ctr.report.styles import (
    DATE,
    HEADER,
    INTEGER,
    NOTE,
    RATE,
    TEXT,
    WRAP,
    escape_header,
    headers,
    set_widths,
)
from hanoi_ctr.workbook.sheetspec import Conditional, Sheet, SheetBuilder, options, style

OVERDUE = style(border=1, bold=True, font_color="#C00000", valign="vcenter")


def list_sheet(text: dict, key: str, period: str) -> SheetBuilder:
    """Start a list sheet: its title and period on the first row, the table from the third."""
    b = SheetBuilder(text["sheets"][key])
    b.put(0, 0, f"{text['sheets'][key]} — {text['period']} {period}", style(bold=True, font_size=12))
    b.row = 2
    return b


def finish_list(b: SheetBuilder, text: dict, top: int, last: int, n_cols: int, period: str,
                freeze_cols: int = 0) -> None:
    """Give a list sheet its filter, frozen and repeated header, print area, header and footer."""
    b.options.update(freeze=(top + 1, freeze_cols), autofilter=(top, 0, max(last, top), n_cols - 1),
                     print_title_rows=(top, top), print_area=(0, 0, max(b.row - 1, last), n_cols - 1),
                     header=f"&L{escape_header(b.name)}&R{escape_header(period)}", footer=text["page"])


def units_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    """Return the units sheet: reporting and timeliness per unit (wards after their district), status counts.

    A unit is a record in force on a day (`units_on`): across the 2025 reorganisation an abolished ward
    and the new ward that reuses its code are two rows.
    """
    period = str(inputs.results.period)
    b = list_sheet(text, "units", period)
    comp = inputs.results.completeness.filter(pl.col("scope") == "unit")
    status = inputs.results.results.filter(pl.col("category").is_null()).group_by(
        "unit_code", "units_on", "result_status").len()
    counts: dict[tuple[str, date], dict[str, int]] = {}
    for r in status.iter_rows(named=True):
        counts.setdefault((r["unit_code"], r["units_on"]), {})[r["result_status"]] = r["len"]
    labels = headers("sheet_units", text["lang"]) + [text["status"][s] for s in STATUSES]
    units: dict[date, dict[str, dict]] = {}
    for day in comp["units_on"].unique().to_list():
        units[day] = {u["unit_code"]: u for u in with_levels(inputs.catalog.units_on(day)).iter_rows(named=True)}

    def place(r: dict) -> tuple:
        day = r["units_on"]
        mine = units[day]
        unit = mine.get(r["unit_code"], {})
        own = unit.get("display_order", 10**6)
        parent = mine.get(unit.get("parent_code") or "", {})
        group = parent.get("display_order", 10**6) if unit.get("level") == "ward" else own
        return day, group, unit.get("level") == "ward", own, r["unit_code"]

    rows = []
    for r in sorted(comp.iter_rows(named=True), key=place):
        unit = units[r["units_on"]].get(r["unit_code"], {})
        parent = units[r["units_on"]].get(unit.get("parent_code") or "", {})
        rows.append([r["unit_code"], unit.get("name_vi"), text["level"].get(unit.get("level") or "", None),
                     parent.get("name_vi"), r["units_on"], r["n_expected"], r["n_received"], r["n_on_time"],
                     r["n_late"], r["reporting_rate"], r["on_time_rate"], r["value_rate"],
                     *[counts.get((r["unit_code"], r["units_on"]), {}).get(s, 0) for s in STATUSES]])
    top, last = b.table(labels, rows, [TEXT, WRAP, TEXT, WRAP, DATE] + [INTEGER] * 4 + [RATE] * 3
                        + [INTEGER] * len(STATUSES), HEADER)
    b.height(top, 58)
    set_widths(b, "sheet_units")
    for col in range(len(SHEETS["sheet_units"].fields), len(labels)):
        b.width(col, 9)
    b.conditionals.append(Conditional(top + 1, 9, max(last, top + 1), 11, options(type="data_bar",
                                                                                 bar_color="#9BC2E6")))
    finish_list(b, text, top, last, len(labels), period, freeze_cols=2)
    return b.build()


def tasks_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    """Return the tasks sheet: every task with its lead agency, due period, status and overdue flag.

    Illustrative tasks are marked `*` and never overdue (their due period is illustrative too).
    """
    lang = text["lang"]
    period = str(inputs.results.period)
    b = list_sheet(text, "tasks", period)
    tasks = inputs.catalog.tasks.select("task_code", "title_vi", "title_en", "source")
    names = inputs.unit_names()
    status = inputs.results.task_status.join(tasks, on="task_code", how="left").sort("task_code")
    rows = []
    for r in status.iter_rows(named=True):
        title = r["title_vi"] if lang == "vi" else (r["title_en"] or f"{r['title_vi']} {text['no_title_en']}")
        if r["source"] == "illustrative":
            title += " *"
        rows.append([r["task_code"], r["program_code"], title, names.get(r["lead_unit_code"], r["lead_unit_code"]),
                     r["due_period"], text["task_status"][r["status"]], r["completed_on"],
                     text["overdue"] if r["overdue"] else None])
    top, last = b.table(headers("sheet_tasks", lang), rows, [TEXT, TEXT, WRAP, WRAP, TEXT, TEXT, DATE, OVERDUE],
                        HEADER)
    set_widths(b, "sheet_tasks")
    widths = dict(b.widths)
    for i, row in enumerate(rows, start=top + 1):
        b.fit(i, row[2], widths.get(2, 60))
        b.fit(i, row[3] or "", widths.get(3, 28))
    b.row = last + 2
    b.line(text["illustrative_task"], NOTE)
    b.line(text["no_due_note"], NOTE)
    finish_list(b, text, top, last, 8, period, freeze_cols=1)
    return b.build()
