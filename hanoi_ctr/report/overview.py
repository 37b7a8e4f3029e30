"""The overview sheet: status counts per program with a chart, completeness and timeliness, legend."""

from __future__ import annotations

from datetime import timezone

import polars as pl

from hanoi_ctr.declare.vocabulary import STATUSES
from hanoi_ctr.periods import deadline, window
from hanoi_ctr.report.inputs import ReportInputs
from hanoi_ctr.report.labels import STATUS_COLORS
from hanoi_ctr.report.styles import HEADER, HEADING, INTEGER, RATE, TEXT, TITLE, headers, legend
from hanoi_ctr.workbook.sheetspec import Chart, Sheet, SheetBuilder, options, style


def overview_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    """Return the overview sheet."""
    b = SheetBuilder(text["sheets"]["overview"])
    period, settings = inputs.results.period, inputs.settings
    start, end = window(period, settings.calendar)
    due = deadline(period, settings.calendar, settings.deadline_rule)
    b.line(text["title"], TITLE, span=10)
    for label, value, cell_style in (
        (text["period"], str(period), None), (text["window"], f"{start:%d/%m/%Y} – {end:%d/%m/%Y}", None),
        (text["deadline"], due, style(num_format="dd/mm/yyyy", align="left")),
        (text["generated"], inputs.generated_at.astimezone(timezone.utc).replace(tzinfo=None),
         style(num_format="dd/mm/yyyy hh:mm", align="left")),
    ):
        b.put(b.row, 0, label, style(bold=True))
        b.put(b.row, 1, value, cell_style)
        b.row += 1
    b.row += 1
    b.line(text["status_by_program"], HEADING)
    _status_table(b, inputs, text)
    b.line(text["completeness"], HEADING)
    _rates_table(b, inputs, text)
    b.row += 1
    legend(b, text)
    b.options.update(freeze=(1, 0), print_title_rows=(0, 0))
    return b.build()


def _status_table(b: SheetBuilder, inputs: ReportInputs, text: dict) -> None:
    counts = status_counts(inputs)
    statuses = STATUSES.values
    labels = [text["program"]] + [text["status"][s] for s in statuses] + [text["total"]]
    rows = [[code, *[row[s] for s in statuses], sum(row[s] for s in statuses)] for code, row in counts.items()]
    top, last = b.table(labels, rows, [TEXT] + [INTEGER] * (len(statuses) + 1), HEADER)
    b.width(0, 24)
    for col in range(1, len(labels)):
        b.width(col, 13)
    if rows:
        series = tuple(options(name=[b.name, top, 1 + i, top, 1 + i], categories=[b.name, top + 1, 0, last, 0],
                               values=[b.name, top + 1, 1 + i, last, 1 + i],
                               fill={"color": STATUS_COLORS[s]}, border={"color": "#7F7F7F"})
                       for i, s in enumerate(statuses))
        b.charts.append(Chart(top, len(labels) + 1, "bar", series, options(
            title={"name": text["status_by_program"]}, legend={"position": "bottom"},
            size={"width": 620, "height": 420}), subtype="stacked"))
    b.row = max(b.row, top + 22) + 1


def status_counts(inputs: ReportInputs) -> dict[str, dict[str, int]]:
    """Return, per program, how many of its city-level indicators have each status."""
    rows = inputs.results.results.filter(pl.col("unit_code") == inputs.catalog.city).join(
        inputs.catalog.indicators.select("indicator_code", "program_code"), on="indicator_code")
    counts = {p: {s: 0 for s in STATUSES} for p in inputs.catalog.programs.sort("number")["program_code"]}
    for r in rows.group_by("program_code", "result_status").len().iter_rows(named=True):
        counts[r["program_code"]][r["result_status"]] = r["len"]
    return counts


def _rates_table(b: SheetBuilder, inputs: ReportInputs, text: dict) -> None:
    comp = inputs.results.completeness
    city = comp.filter(pl.col("scope") == "city")
    programs = comp.filter(pl.col("scope") == "program").sort("program_code")
    rows = [[text["city"] if r["scope"] == "city" else r["program_code"], r["n_expected"], r["n_received"],
             r["n_on_time"], r["reporting_rate"], r["on_time_rate"], r["value_rate"]]
            for r in pl.concat([city, programs]).iter_rows(named=True)]
    b.table(headers("sheet_rates", text["lang"]), rows, [TEXT, INTEGER, INTEGER, INTEGER, RATE, RATE, RATE], HEADER)
