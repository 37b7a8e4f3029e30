"""The review sheet: where each unit's report for the period stands, and the mark on values not approved.

Shown in workbooks rolled up from an archive (`ReportInputs.review`): one
row per unit × period reported for the period (the quarter, or the year
report closing it), wards after their district, with the unit reviewing it,
its state (coloured), the files applied and held, the last decision since
its latest file (who, when, why) and when the city last approved it. Above
the table, whether the rollup used every value accepted or only approved
ones (`Settings.approved_only`). On the source-values sheet a value not
approved (`not_approved`) is written in grey italics.
"""

from __future__ import annotations

import polars as pl

from hanoi_ctr.report.files import belongs
from hanoi_ctr.report.inputs import ReportInputs, hanoi_time
from hanoi_ctr.report.sheets import finish_list, list_sheet
from hanoi_ctr.report.styles import HEADER, INTEGER, NOTE, TEXT, TIMESTAMP, WRAP, headers, set_widths
from hanoi_ctr.workbook.sheetspec import Sheet, merge_styles, style

#: Fill of each review state.
STATE_COLORS = {"received": "#D9D9D9", "checked": "#FFF2CC", "returned": "#F4B084", "accepted": "#BDD7EE",
                "approved": "#C6EFCE"}
#: How a value not approved is written on the source-values sheet.
NOT_APPROVED = style(italic=True, font_color="#7F7F7F")


def period_states(inputs: ReportInputs) -> pl.DataFrame:
    """Return the review states of the reports that belong to the workbook's period."""
    if inputs.review is None:
        return pl.DataFrame()
    period, calendar = inputs.results.period, inputs.settings.calendar
    keep = [belongs(period, p, None, calendar) for p in inputs.review["period"].to_list()]
    return inputs.review.filter(pl.Series(keep, dtype=pl.Boolean)) if inputs.review.height else inputs.review


def not_approved(inputs: ReportInputs, unit: str | None, period: str | None, received_at: object) -> bool:
    """Tell whether a source value is not approved: no approval of its report since it was received."""
    if inputs.review is None:
        return False
    approved = _approvals(inputs).get((unit, period))
    return approved is None or received_at is None or received_at > approved  # type: ignore[operator]


def _approvals(inputs: ReportInputs) -> dict:
    cache = inputs.__dict__.setdefault("_approvals", None)
    if cache is None:
        rows = inputs.review.drop_nulls("approved_at") if inputs.review is not None else pl.DataFrame()
        cache = {(u, p): at for u, p, at in rows.select("unit_code", "period", "approved_at").iter_rows()} \
            if rows.height else {}
        inputs.__dict__["_approvals"] = cache
    return cache


def review_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    """Return the review sheet."""
    period = str(inputs.results.period)
    b = list_sheet(text, "review", period)
    b.line(text["review_mode"][inputs.settings.approved_only], style(bold=True))
    b.line(text["review_note"], NOTE)
    b.row += 1
    order = dict(inputs.units().select("unit_code", "display_order").iter_rows())
    parents = dict(inputs.units().select("unit_code", "parent_code").iter_rows())

    def place(r: dict) -> tuple:
        own = order.get(r["unit_code"], 10**6)
        group = order.get(parents.get(r["unit_code"]) or "", own) if r["unit_level"] == "ward" else own
        return r["period"], group, r["unit_level"] == "ward", own, r["unit_code"]

    rows = sorted(period_states(inputs).iter_rows(named=True), key=place)
    top = b.row
    labels = headers("sheet_review", text["lang"])
    b.height(top, 32)
    for c, label in enumerate(labels):
        b.put(top, c, label, HEADER)
    set_widths(b, "sheet_review")
    for i, r in enumerate(rows, start=top + 1):
        state = merge_styles(TEXT, style(bg_color=STATE_COLORS[r["review_state"]]))
        values = [(r["unit_code"], TEXT), (inputs.name_at(r["unit_code"], r["period"]), WRAP),
                  (text["level"].get(r["unit_level"] or "", None), TEXT), (r["period"], TEXT),
                  (r["reviewer_code"], TEXT), (text["review_state"][r["review_state"]], state),
                  (r["n_files"], INTEGER), (r["n_held"], INTEGER), (hanoi_time(r["received_at"]), TIMESTAMP),
                  (hanoi_time(r["decided_at"]), TIMESTAMP), (r["decided_by"], TEXT), (r["reason"], WRAP),
                  (hanoi_time(r["approved_at"]), TIMESTAMP)]
        for c, (value, cell_style) in enumerate(values):
            b.put(i, c, value, cell_style)
    last = top + len(rows)
    b.row = last + 2
    finish_list(b, text, top, last, len(labels), period, freeze_cols=2)
    return b.build()
