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
from hanoi_ctr.settings import Settings
from hanoi_ctr.workbook.sheetspec import HEADER_FILL, Merge, SheetBuilder, Style, style

TITLE = style(bold=True, font_size=14)
HEADING = style(bold=True, font_size=12)
HEADER = style(bold=True, bg_color=HEADER_FILL, border=1, text_wrap=True, valign="vcenter")
TEXT = style(border=1, valign="vcenter")
WRAP = style(border=1, text_wrap=True, valign="vcenter")
INTEGER = style(border=1, num_format="#,##0", valign="vcenter")
RATE = style(border=1, num_format="0%", valign="vcenter")
DATE = style(border=1, num_format="dd/mm/yyyy")
TIMESTAMP = style(border=1, num_format="dd/mm/yyyy hh:mm")
NOTE = style(italic=True, font_size=9)


def escape_header(text: str) -> str:
    """Return text safe inside a printed header or footer (`&` is a code there)."""
    return text.replace("&", "&&")


def indicator_name(indicator: dict, lang: str) -> str:
    """Return an indicator's name in the workbook's language (its Vietnamese name where no English is recorded)."""
    return (indicator.get("name_en") or indicator["name_vi"]) if lang == "en" else indicator["name_vi"]


def unit_label(indicator: dict, lang: str) -> str:
    """Return an indicator's unit of measure in the workbook's language (Vietnamese where no English)."""
    return (indicator.get("unit_label_en") or indicator["unit_label"]) if lang == "en" else indicator["unit_label"]


def program_title(program: dict, text: dict) -> str:
    """Return a program's title in the workbook's language, saying so when its full title is not recorded."""
    lang = text["lang"]
    title = (program.get("title_en") or program["title_vi"]) if lang == "en" else program["title_vi"]
    status = program.get("title_status") or "confirmed"
    return title if status == "confirmed" else f"{title} {text['title_notes'][status]}"


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


def legend(b: SheetBuilder, text: dict, settings: Settings, label_cols: int, last_col: int, width: float) -> None:
    """Write the status legend at the current row: each status in its colour and why a row gets it.

    The label spans the first `label_cols` columns, the reason the columns after it up to `last_col`
    (`width` wide in all, for the row heights).
    """
    b.line(text["legend"], HEADING)
    for status in STATUSES:
        reason = text["reasons"][status].format(on=settings.on_track, risk=settings.at_risk)
        label = status_style(status, style(border=1, bold=True, valign="vcenter"))
        if label_cols > 1:
            b.merges.append(Merge(b.row, 0, b.row, label_cols - 1, text["status"][status], label))
        else:
            b.put(b.row, 0, text["status"][status], label)
        b.merges.append(Merge(b.row, label_cols, b.row, last_col, reason, WRAP))
        b.fit(b.row, reason, width)
        b.row += 1
    b.row += 1
