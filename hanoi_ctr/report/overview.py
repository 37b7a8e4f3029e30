"""The overview sheet: dates, status counts per program with a chart, how much of each program is
tracked, completeness and timeliness (city, programs, districts with their wards), the legend."""

from __future__ import annotations

import polars as pl

from hanoi_ctr.declare.tables import SHEETS
from hanoi_ctr.declare.vocabulary import STATUSES
from hanoi_ctr.periods import deadline, window
from hanoi_ctr.report.inputs import ReportInputs, hanoi_time
from hanoi_ctr.report.labels import STATUS_COLORS
from hanoi_ctr.report.program import tracked_counts
from hanoi_ctr.report.styles import (
    HEADER,
    HEADING,
    INTEGER,
    NOTE,
    RATE,
    TEXT,
    WRAP,
    escape_header,
    headers,
    legend,
)
from hanoi_ctr.workbook.sheetspec import (
    CellValue,
    Chart,
    Merge,
    Sheet,
    SheetBuilder,
    merge_styles,
    options,
    style,
)

#: Rows the status chart takes below its table (380 points of chart at 20 px a row, and a margin).
_CHART_ROWS = 21


def overview_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    """Return the overview sheet."""
    b = SheetBuilder(text["sheets"]["overview"])
    period, settings = inputs.results.period, inputs.settings
    start, end = window(period, settings.calendar)
    due = deadline(period, settings.calendar, settings.deadline_rule)
    b.line(text["title"], style(bold=True, font_size=14, text_wrap=True, valign="top"), span=9)
    b.fit(0, text["title"], 118, font_size=14, bold=True)
    day = style(num_format="dd/mm/yyyy", align="left")
    for label, value, cell_style in (
        (text["period"], str(period), None), (text["window"], f"{start:%d/%m/%Y} – {end:%d/%m/%Y}", None),
        (text["deadline"], due, day), (text["generated"], inputs.generated_on, day),
        (text["as_of"], hanoi_time(inputs.results.as_of), style(num_format="dd/mm/yyyy hh:mm", align="left")),
    ):
        b.put(b.row, 0, label, style(bold=True))
        b.merges.append(Merge(b.row, 1, b.row, 3, value if value is not None else "—", cell_style))
        b.row += 1
    b.row += 1
    b.line(text["status_by_program"], HEADING)
    _status_table(b, inputs, text)
    b.line(text["tracking"], HEADING)
    _tracking_table(b, inputs, text)
    b.line(text["completeness"], HEADING)
    _rates_table(b, inputs, text)
    b.row += 1
    legend(b, text, inputs.settings, 1, 8, 88)
    b.width(0, 30)
    b.options.update(freeze=(1, 0), print_title_rows=(0, 0), print_area=(0, 0, b.row, 8), landscape=False,
                     header=f"&L{escape_header(text['title_short'])}&R{escape_header(str(period))}",
                     footer=text["page"])
    return b.build()


def _status_table(b: SheetBuilder, inputs: ReportInputs, text: dict) -> None:
    counts = status_counts(inputs)
    statuses = STATUSES.values
    labels = [text["program"]] + [text["status"][s] for s in statuses] + [text["total"]]
    rows = [[code, *[row[s] for s in statuses], sum(row[s] for s in statuses)] for code, row in counts.items()]
    top, last = b.table(labels, rows, [TEXT] + [INTEGER] * (len(statuses) + 1), HEADER)
    b.height(top, 46)
    for col in range(1, len(labels)):
        b.width(col, 11)
    if rows:
        series = tuple(options(name=[b.name, top, 1 + i, top, 1 + i], categories=[b.name, top + 1, 0, last, 0],
                               values=[b.name, top + 1, 1 + i, last, 1 + i],
                               fill={"color": STATUS_COLORS[s]}, border={"color": "#7F7F7F"})
                       for i, s in enumerate(statuses))
        b.charts.append(Chart(last + 2, 0, "bar", series, options(
            title={"name": text["status_by_program"], "name_font": {"size": 11}}, legend={"position": "bottom"},
            size={"width": 820, "height": 380}), subtype="stacked"))
        b.row = last + 2 + _CHART_ROWS


def status_counts(inputs: ReportInputs) -> dict[str, dict[str, int]]:
    """Return, per program, how many of its indicators have each status at city level.

    Every indicator of the program is counted, those without a city row as `no_data`, so that the
    counts add up to the indicators on the program's sheet.
    """
    city = inputs.results.results.filter(pl.col("unit_code") == inputs.catalog.city,
                                         pl.col("category").is_null()).select(
        "indicator_code", "result_status")
    rows = inputs.catalog.indicators.select("indicator_code", "program_code").join(
        city, on="indicator_code", how="left").with_columns(pl.col("result_status").fill_null("no_data"))
    counts = {p: {s: 0 for s in STATUSES} for p in inputs.catalog.programs.sort("number")["program_code"]}
    for r in rows.group_by("program_code", "result_status").len().iter_rows(named=True):
        counts[r["program_code"]][r["result_status"]] = r["len"]
    return counts


def _tracking_table(b: SheetBuilder, inputs: ReportInputs, text: dict) -> None:
    """Write, per program, its stated size beside what the catalog tracks of it."""
    rows: list[list[CellValue]] = []
    for program in inputs.catalog.programs.sort("number").iter_rows(named=True):
        n = tracked_counts(inputs, program)
        rows.append([program["program_code"], program["stated_indicators"], n["held"], n["sourced"],
                     n["illustrative"], program["stated_tasks"], n["tasks"], n["illustrative_tasks"]])
    top, _ = b.table(text["tracking_cols"], rows, [TEXT] + [INTEGER] * 7, HEADER)
    b.height(top, 46)
    b.fit(b.row, text["tracking_note"], 118, font_size=9)
    b.line(text["tracking_note"], merge_styles(NOTE, style(text_wrap=True, valign="top")), span=9, skip=2)


def _rates_table(b: SheetBuilder, inputs: ReportInputs, text: dict) -> None:
    """Write completeness and timeliness: the city, each program, each district with its wards."""
    comp = inputs.results.completeness
    names = inputs.unit_names()
    order = dict(inputs.units().select("unit_code", "display_order").iter_rows())
    groups = [
        (None, comp.filter(pl.col("scope") == "city"), lambda r: text["city"]),
        (text["by_program"], comp.filter(pl.col("scope") == "program").sort("program_code"),
         lambda r: r["program_code"]),
        (text["by_district"], comp.filter(pl.col("scope") == "district").sort(
            pl.col("unit_code").replace_strict(order, default=10**6, return_dtype=pl.Int64), "unit_code"),
         lambda r: names.get(r["unit_code"], r["unit_code"])),
    ]
    fields = SHEETS["sheet_rates"].fields
    labels = headers("sheet_rates", text["lang"])
    number_styles = [INTEGER if f.type == "integer" else RATE for f in fields[1:]]
    top = b.row
    b.height(top, 46)
    for c, label in enumerate(labels):
        b.put(top, c, label, HEADER)
    r = top + 1
    for caption, frame, name in groups:
        if frame.is_empty():
            continue
        if caption:
            b.put(r, 0, caption, style(bold=True, italic=True))
            r += 1
        for row in frame.iter_rows(named=True):
            label = name(row)
            b.put(r, 0, label, WRAP)
            b.fit(r, label, 30)
            for c, (f, cell_style) in enumerate(zip(fields[1:], number_styles, strict=True), start=1):
                b.put(r, c, row[f.name], cell_style)
            r += 1
    b.row = r + 1
