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
from hanoi_ctr.report.inputs import ReportInputs, hanoi_times
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
from hanoi_ctr.workbook.sheetspec import Sheet, Style, merge_styles, style

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
    if inputs.review is not None:  # the approval column, wide enough for "Chưa phê duyệt" / "Not approved"
        b.width(len(labels) - 1, 15)
    plain = style(border=1, num_format="#,##0.##", valign="vcenter")
    shown = sources.head(SOURCE_ROWS).with_columns(_received_hanoi=hanoi_times("received_at"))
    c = {name: shown[name].to_list() for name in (
        "indicator_code", "unit_code", "unit_level", "parent_code", "value_period", "value", "numerator",
        "denominator", "no_data_marker", "file_name", "sheet", "row", "received_at", "_received_hanoi",
        "replaced_value", "replaced_file")}
    # A row's styles follow from its indicator, whether it is a revision and whether it is approved.
    revised = [v is not None or f is not None for v, f in zip(c["replaced_value"], c["replaced_file"])]
    pending = [not_approved(inputs, u, p, r) for u, p, r in zip(c["unit_code"], c["value_period"], c["received_at"])]
    keys = list(zip(c["indicator_code"], revised, pending))
    kinds = {key: _row_styles(indicators.get(key[0]), key[1], key[2], plain) for key in set(keys)}
    styles = [kinds[key] for key in keys]
    percent = [s[0] for s in styles]
    columns = [
        (c["indicator_code"], TEXT), (c["unit_code"], TEXT),
        ([inputs.name_at(u, p) for u, p in zip(c["unit_code"], c["value_period"])], WRAP),
        ([text["level"].get(level or "", None) for level in c["unit_level"]], TEXT),
        ([inputs.name_at(u, p) for u, p in zip(c["parent_code"], c["value_period"])], WRAP),
        (c["value_period"], TEXT), (list(map(scaled, c["value"], percent)), [s[1] for s in styles]),
        (c["numerator"], plain), (c["denominator"], plain), (c["no_data_marker"], TEXT), (c["file_name"], WRAP),
        (c["sheet"], TEXT), (c["row"], INTEGER), (c["_received_hanoi"], TIMESTAMP),
        (list(map(scaled, c["replaced_value"], percent)), [s[2] for s in styles]),
        (c["replaced_file"], [s[3] for s in styles]),
    ] + ([([text["approved"][not p] for p in pending], TEXT)] if inputs.review is not None else [])
    b.put_columns(top + 1, columns)
    row = top + shown.height
    b.row = row + 2
    if sources.height > SOURCE_ROWS:
        b.line(text["more_rows"].format(n=sources.height - SOURCE_ROWS, file=f"values-{period}.parquet"), NOTE)
    b.line(text["sources_note"], NOTE)
    finish_list(b, text, top, row, len(labels), period, freeze_cols=2)
    return b.build()


def _row_styles(ind: dict | None, revised: bool, pending: bool, plain: Style) -> tuple[bool, Style, Style, Style]:
    """Return whether a row's values are percentages, and the styles of its value, replaced value and replaced file:
    the indicator's number format, filled for a revision, in grey italics when not approved."""
    percent = ind is not None and rules.value_type(ind["value_type"]).percent
    number = value_style(ind, percent) if ind is not None else plain
    marked = merge_styles(number, REVISED) if revised else number
    return (percent, merge_styles(marked, NOT_APPROVED) if pending else marked, marked,
            merge_styles(WRAP, REVISED) if revised else WRAP)
