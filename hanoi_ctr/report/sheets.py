"""The list sheets of the rollup workbook: units, tasks, data issues and the method."""

from __future__ import annotations

import polars as pl

from hanoi_ctr.declare.tables import SHEETS
from hanoi_ctr.declare.vocabulary import STATUSES
from hanoi_ctr.report.inputs import ReportInputs
from hanoi_ctr.report.method import method_sections
from hanoi_ctr.report.styles import (
    DATE,
    HEADER,
    HEADING,
    INTEGER,
    RATE,
    TEXT,
    TIMESTAMP,
    WRAP,
    headers,
    legend,
    set_widths,
)
from hanoi_ctr.workbook.sheetspec import Conditional, Sheet, SheetBuilder, options, style


def units_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    """Return the units sheet: reporting and timeliness per unit, and its status counts."""
    b = SheetBuilder(text["sheets"]["units"])
    comp = inputs.results.completeness.filter(pl.col("scope") == "unit")
    units = inputs.units()
    names = dict(units.select("unit_code", "name_vi").iter_rows())
    parents = dict(units.select("unit_code", "parent_code").iter_rows())
    levels = dict(inputs.results.results.select("unit_code", "unit_level").unique("unit_code").iter_rows())
    order = dict(units.select("unit_code", "display_order").iter_rows())
    status = inputs.results.results.group_by("unit_code", "result_status").len()
    counts: dict[str, dict[str, int]] = {}
    for r in status.iter_rows(named=True):
        counts.setdefault(r["unit_code"], {})[r["result_status"]] = r["len"]
    labels = headers("sheet_units", text["lang"]) + [text["status"][s] for s in STATUSES]
    rows = [
        [r["unit_code"], names.get(r["unit_code"]), levels.get(r["unit_code"]),
         names.get(parents.get(r["unit_code"]) or "", None), r["n_expected"], r["n_received"], r["n_on_time"],
         r["n_late"], r["reporting_rate"], r["on_time_rate"], r["value_rate"],
         *[counts.get(r["unit_code"], {}).get(s, 0) for s in STATUSES]]
        for r in sorted(comp.iter_rows(named=True), key=lambda r: order.get(r["unit_code"], 0))
    ]
    top, last = b.table(labels, rows, [TEXT, TEXT, TEXT, TEXT] + [INTEGER] * 4 + [RATE] * 3
                        + [INTEGER] * len(STATUSES), HEADER)
    set_widths(b, "sheet_units")
    for col in range(len(SHEETS["sheet_units"].fields), len(labels)):
        b.width(col, 10)
    b.conditionals.append(Conditional(top + 1, 8, max(last, top + 1), 10, options(type="data_bar",
                                                                                 bar_color="#9BC2E6")))
    b.options.update(freeze=(top + 1, 2), autofilter=(top, 0, max(last, top), len(labels) - 1),
                     print_title_rows=(top, top))
    return b.build()


def tasks_sheet(inputs: ReportInputs, text: dict, lang: str) -> Sheet:
    """Return the tasks sheet: every task with its lead agency, due period, status and overdue flag."""
    b = SheetBuilder(text["sheets"]["tasks"])
    tasks = inputs.catalog.tasks.select("task_code", "title_vi", "title_en")
    names = dict(inputs.units().select("unit_code", "name_vi").iter_rows())
    status = inputs.results.task_status.join(tasks, on="task_code", how="left").sort("task_code")
    rows = [
        [r["task_code"], r["program_code"], r["title_vi"] if lang == "vi" else (r["title_en"] or r["title_vi"]),
         names.get(r["lead_unit_code"], r["lead_unit_code"]), r["due_period"], text["task_status"][r["status"]],
         r["completed_on"], text["overdue"] if r["overdue"] else None]
        for r in status.iter_rows(named=True)
    ]
    top, last = b.table(headers("sheet_tasks", lang), rows, [TEXT, TEXT, WRAP, WRAP, TEXT, TEXT, DATE,
                                                             style(border=1, bold=True, font_color="#C00000")],
                        HEADER)
    set_widths(b, "sheet_tasks")
    b.options.update(freeze=(top + 1, 1), autofilter=(top, 0, max(last, top), 7), print_title_rows=(top, top))
    return b.build()


def issues_sheet(inputs: ReportInputs, text: dict, lang: str) -> Sheet:
    """Return the data-issues sheet: every issue of the period's files and of the rollup."""
    b = SheetBuilder(text["sheets"]["issues"])
    issues = pl.concat([inputs.intake_issues, inputs.results.issues], how="vertical").sort(
        "file", "sheet", "row", "column", "code", "period", "unit_code", "message_en", nulls_last=False)
    rows = [[r["file"], r["sheet"], r["row"], r["column"], r["value"], r["code"], text["severity"][r["severity"]],
             r[f"message_{lang}"]] for r in issues.iter_rows(named=True)]
    top, last = b.table(headers("sheet_issues", lang), rows, [TEXT, TEXT, INTEGER, TEXT, TEXT, TEXT, TEXT, WRAP],
                        HEADER)
    set_widths(b, "sheet_issues")
    b.options.update(freeze=(top + 1, 0), autofilter=(top, 0, max(last, top), 7), print_title_rows=(top, top))
    return b.build()


def method_sheet(inputs: ReportInputs, text: dict, lang: str) -> Sheet:
    """Return the method sheet: every rule from docs/METHOD.md, thresholds, legend, versions and inputs."""
    b = SheetBuilder(text["sheets"]["method"])
    b.width(0, 110)
    for title, body in method_sections(lang):
        b.line(title, HEADING)
        for paragraph in [p.strip() for p in body.split("\n\n") if p.strip()]:
            b.line(paragraph, style(text_wrap=True, valign="top"))
        b.row += 1
    b.line(text["thresholds"], HEADING)
    b.line(text["on_track_rule"].format(inputs.settings.on_track))
    b.line(text["at_risk_rule"].format(inputs.settings.at_risk), skip=2)
    legend(b, text)
    b.line(f"{text['catalog']}: {inputs.catalog.version}")
    b.line(f"{text['software']}: hanoi_ctr {inputs.software_version}", skip=2)
    b.line(text["inputs"], HEADING)
    ledger = inputs.ledger.sort("received_at", "file_name")
    rows = [[r["file_name"], r["sha256"], r["received_at"], r["unit_code"], r["period"], r["outcome"]]
            for r in ledger.iter_rows(named=True)]
    b.table(headers("sheet_inputs", lang), rows, [TEXT, TEXT, TIMESTAMP, TEXT, TEXT, TEXT], HEADER)
    return b.build()
