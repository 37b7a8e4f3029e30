"""The lineage sheet: how the units abolished in a reorganisation map onto the new ones, and what carries.

Shown when a workbook's numbers cross a reorganisation (the period spans it,
or a new unit's history before it is used): which old unit went into which
new one and how (whole, to its default successor, or a share), and for each
indicator whether its history can be carried (`declare.rules.maps`).
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from hanoi_ctr.catalog import with_levels
from hanoi_ctr.declare import rules
from hanoi_ctr.engine.lineage import reorganisations, weights
from hanoi_ctr.periods import window
from hanoi_ctr.report.inputs import ReportInputs
from hanoi_ctr.report.sheets import finish_list, list_sheet
from hanoi_ctr.report.styles import DATE, HEADER, NOTE, TEXT, WRAP, indicator_name
from hanoi_ctr.workbook.sheetspec import Sheet, SheetBuilder, merge_styles, style


def crosses(inputs: ReportInputs) -> bool:
    """Tell whether the workbook's numbers cross a reorganisation of the catalog."""
    if inputs.results.trend.filter(pl.col("value_source") == "mapped").height:
        return True
    end = window(inputs.results.period, inputs.settings.calendar)[1]
    return bool(inputs.results.results.filter(pl.col("units_on") < end).height) and bool(
        reorganisations(inputs.catalog))


def lineage_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    """Return the lineage sheet."""
    period = str(inputs.results.period)
    b = list_sheet(text, "lineage", period)
    words = text["lineage"]
    b.line(words["intro"], merge_styles(NOTE, style(text_wrap=True, valign="top")), span=8)
    b.fit(b.row - 1, words["intro"], 150, font_size=9)
    b.row += 1
    top, last = _links(b, inputs, text)
    b.row = last + 2
    _carried(b, inputs, text)
    finish_list(b, text, top, last, 8, period, freeze_cols=2)
    return b.build()


def _links(b: SheetBuilder, inputs: ReportInputs, text: dict) -> tuple[int, int]:
    words = text["lineage"]
    links = weights(inputs.catalog)
    rows = []
    for day in reorganisations(inputs.catalog):
        old = {u["unit_code"]: u for u in with_levels(inputs.catalog.units_on(day - _ONE_DAY)).iter_rows(named=True)}
        new = {u["unit_code"]: u for u in with_levels(inputs.catalog.units_on(day)).iter_rows(named=True)}
        mine = links.filter(pl.col("effective_on") == day).sort("new_code", "old_code")
        for r in mine.iter_rows(named=True):
            before = old.get(r["old_code"], {})
            district = old.get(before.get("parent_code") or "", {})
            how = words["how"][r["mapping"]] if r["mapping"] != "shares" else words["share"].format(r["_w"])
            if r["mapping"] == "default_successor" and r["_w"] == 0:
                how = words["not_default"]
            rows.append([r["new_code"], new.get(r["new_code"], {}).get("name_vi"), r["old_code"],
                         before.get("name_vi"), district.get("name_vi"), how, day])
    b.put(b.row, 0, words["links"], style(bold=True, font_size=12))
    b.row += 1
    top, last = b.table(words["link_cols"], rows, [TEXT, WRAP, TEXT, WRAP, WRAP, TEXT, DATE], HEADER)
    for col, width in enumerate((9, 24, 9, 24, 22, 52, 11)):  # how it maps reads on one line
        b.width(col, width)
    return top, last


def _carried(b: SheetBuilder, inputs: ReportInputs, text: dict) -> None:
    """Write, per indicator, whether its history carries to the new units, and why not."""
    words = text["lineage"]
    lang = text["lang"]
    b.put(b.row, 0, words["indicators"], style(bold=True, font_size=12))
    b.row += 1
    rows = []
    for ind in inputs.catalog.indicators.sort("program_code", "display_order").iter_rows(named=True):
        unit_rule, kind = rules.unit_rule(ind["agg_units"]), rules.value_type(ind["value_type"])
        carried = rules.maps(ind["agg_units"], ind["value_type"])
        why = (words["why_rule"].format(rule=unit_rule.label_vi if lang == "vi" else unit_rule.label_en)
               if not unit_rule.maps else words["why_type"].format(
                   kind=kind.label_vi if lang == "vi" else kind.label_en) if not kind.maps else None)
        rows.append([ind["indicator_code"], indicator_name(ind, lang), words["carried"][carried], why])
    top, last = b.table(words["indicator_cols"], rows, [TEXT, WRAP, TEXT, WRAP], HEADER)
    for r, row in enumerate(rows, start=top + 1):
        b.fit(r, row[1], 24)
    b.row = last + 2
    b.line(words["note"], NOTE)


_ONE_DAY = timedelta(days=1)
