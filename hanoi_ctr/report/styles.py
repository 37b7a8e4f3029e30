"""How the rollup workbook looks: cell styles, number formats and column headers from declarations.

A column's header, width and number format come from its declaration (the
sheet tables of `declare.tables.SHEETS`, which name declared fields); an
indicator's values take the indicator's decimals, and percent indicators are
written as fractions with a percent format (90.5 → 90.5 %).
"""

from __future__ import annotations

from hanoi_ctr.declare import rules
from hanoi_ctr.declare.tables import SHEETS
from hanoi_ctr.declare.vocabulary import STATUSES
from hanoi_ctr.report.labels import STATUS_COLORS
from hanoi_ctr.workbook.sheetspec import SheetBuilder, Style, style

TITLE = style(bold=True, font_size=14)
HEADING = style(bold=True, font_size=12)
HEADER = style(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, valign="vcenter")
TEXT = style(border=1, valign="vcenter")
WRAP = style(border=1, text_wrap=True, valign="vcenter")
INTEGER = style(border=1, num_format="#,##0", valign="vcenter")
RATE = style(border=1, num_format="0%", valign="vcenter")
DATE = style(border=1, num_format="dd/mm/yyyy")
TIMESTAMP = style(border=1, num_format="dd/mm/yyyy hh:mm")


def headers(table: str, lang: str) -> list[str]:
    """Return the column headers of a sheet table in one language."""
    return [f.label_vi if lang == "vi" else f.label_en for f in SHEETS[table].fields]


def set_widths(b: SheetBuilder, table: str, first_col: int = 0) -> None:
    """Give each column of a sheet table its declared width."""
    for col, f in enumerate(SHEETS[table].fields, start=first_col):
        if f.width is not None:
            b.width(col, f.width)


def status_style(status: str | None, base: Style = TEXT) -> Style:
    """Return `base` filled with the status's colour."""
    fill = STATUS_COLORS.get(status or "no_data", "#FFFFFF")
    return tuple(sorted({**dict(base), "bg_color": fill}.items()))


def value_style(indicator: dict, percent: bool) -> Style:
    """Return the number style of an indicator's values: its decimals, as a percent where it is one."""
    decimals = int(indicator["decimals"] or 0)
    zeros = "." + "0" * decimals if decimals else ""
    if percent:
        return style(border=1, num_format=f"0{zeros}%", valign="vcenter")
    return style(border=1, num_format=f"#,##0{zeros}", valign="vcenter")


def is_percent(indicator: dict, value_source: str | None) -> bool:
    """Tell whether a value shows as a percent: percent indicators, and rollups that are shares of units."""
    return rules.value_type(indicator["value_type"]).percent or (
        rules.unit_rule(indicator["agg_units"]).rollup_is_percent and value_source == "rollup")


def scaled(value: float | None, percent: bool) -> float | None:
    """Return a value as written to a percent-formatted cell (a fraction) or unchanged."""
    return None if value is None else (value / 100 if percent else value)


def legend(b: SheetBuilder, text: dict) -> None:
    """Write the status legend at the current row."""
    b.line(text["legend"], HEADING)
    for col, status in enumerate(STATUSES):
        b.put(b.row, col, text["status"][status], status_style(status))
        b.width(col, 14)
    b.row += 2
