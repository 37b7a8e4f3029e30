"""The source-values sheet: which units, files and rows every number of the period is made of.

One row per value in force that the period's results use (the `source_values`
frame): the unit and its parent then, the value as sent (percentages with a
percent format, as on the program sheets; with numerator and denominator,
or the no-data marker), the file, sheet and row it came from,
when it was received, and for a revision the value and file it replaced
(and, in a workbook rolled up from an archive, whether the city approved
it: a value not approved is in grey italics, `report.review`).
Sorted by indicator, then by the units' display order, so that a district's
wards follow it; filter the parent column to see what makes a district's
number. Revised values are filled pale yellow. At most `SOURCE_ROWS` rows are written; all are in
`values-<period>.parquet`.
"""

from __future__ import annotations

import polars as pl

from hanoi_ctr.declare import rules
from hanoi_ctr.report.inputs import ReportInputs, hanoi_time
from hanoi_ctr.report.review import NOT_APPROVED, not_approved
from hanoi_ctr.report.sheets import finish_list, list_sheet
from hanoi_ctr.report.styles import (
    HEADER,
    INTEGER,
    NOTE,
    TEXT,
    TIMESTAMP,
    WRAP,
    headers,
    scaled,
    set_widths,
    value_style,
)
from hanoi_ctr.workbook.sheetspec import Sheet, merge_styles, style

#: Rows written to the sheet at most (a term over every ward would not fit a printable sheet).
SOURCE_ROWS = 20_000
REVISED = style(bg_color="#FFF2CC")


def sources_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    """Return the source-values sheet."""
    lang = text["lang"]
    period = str(inputs.results.period)
    b = list_sheet(text, "sources", period)
    order = dict(inputs.units().select("unit_code", "display_order").iter_rows())
    indicators = {r["indicator_code"]: r for r in inputs.catalog.indicators.iter_rows(named=True)}
    sources = inputs.results.sources.filter(pl.col("category").is_null()).with_columns(
        _o=pl.col("unit_code").replace_strict(order, default=10**6, return_dtype=pl.Int64)).sort(
        "indicator_code", "_o", "unit_code", "value_period")
    labels = headers("sheet_sources", lang) + ([text["approved_col"]] if inputs.review is not None else [])
    top = b.row
    b.height(top, 32)
    for c, label in enumerate(labels):
        b.put(top, c, label, HEADER)
    set_widths(b, "sheet_sources")
    plain = style(border=1, num_format="#,##0.##", valign="vcenter")
    row = top
    for r in sources.head(SOURCE_ROWS).iter_rows(named=True):
        row += 1
        ind = indicators.get(r["indicator_code"])
        percent = ind is not None and rules.value_type(ind["value_type"]).percent
        number = value_style(ind, percent) if ind is not None else plain
        revised = r["replaced_value"] is not None or r["replaced_file"] is not None
        mark = (lambda s: merge_styles(s, REVISED)) if revised else (lambda s: s)
        pending = not_approved(inputs, r["unit_code"], r["value_period"], r["received_at"])
        shown = merge_styles(mark(number), NOT_APPROVED) if pending else mark(number)
        values = [
            (r["indicator_code"], TEXT), (r["unit_code"], TEXT), (inputs.name_at(r["unit_code"], r["value_period"]), WRAP),
            (text["level"].get(r["unit_level"] or "", None), TEXT),
            (inputs.name_at(r["parent_code"], r["value_period"]), WRAP),
            (r["value_period"], TEXT), (scaled(r["value"], percent), shown), (r["numerator"], plain),
            (r["denominator"], plain), (r["no_data_marker"], TEXT), (r["file_name"], WRAP), (r["sheet"], TEXT),
            (r["row"], INTEGER), (hanoi_time(r["received_at"]), TIMESTAMP),
            (scaled(r["replaced_value"], percent), mark(number)),
            (r["replaced_file"], mark(WRAP)),
        ] + ([(text["approved"][not pending], TEXT)] if inputs.review is not None else [])
        b.put_row(row, values)
    b.row = row + 2
    if sources.height > SOURCE_ROWS:
        b.line(text["more_rows"].format(n=sources.height - SOURCE_ROWS, file=f"values-{period}.parquet"), NOTE)
    b.line(text["sources_note"], NOTE)
    finish_list(b, text, top, row, len(labels), period, freeze_cols=2)
    return b.build()
