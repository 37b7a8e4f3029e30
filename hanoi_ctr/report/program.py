"""The program sheets: each indicator at city level against its target, then the indicator × unit matrix."""

from __future__ import annotations

import polars as pl

from hanoi_ctr.periods import parse_period
from hanoi_ctr.report.inputs import ReportInputs
from hanoi_ctr.report.styles import (
    HEADER,
    HEADING,
    RATE,
    TEXT,
    WRAP,
    headers,
    is_percent,
    legend,
    scaled,
    set_widths,
    status_style,
    value_style,
)
from hanoi_ctr.workbook.display import target_text
from hanoi_ctr.workbook.sheetspec import Sheet, SheetBuilder, Sparkline, options, style

TREND_COLUMN = 40  # hidden cells that feed the sparklines start here


def program_sheet_name(program_code: str) -> str:
    """Return the sheet name of a program, built from its code.

    >>> program_sheet_name("01-CTr/TU")
    'CTr 01'
    """
    return f"CTr {program_code[:2]}"


def program_sheet(inputs: ReportInputs, text: dict, program: dict, include_wards: bool) -> Sheet:
    """Return the sheet of one program."""
    b = SheetBuilder(program_sheet_name(program["program_code"]))
    b.height(0, 40)  # long program titles wrap onto two lines
    b.line(f"{program['program_code']} — {program['title_vi']}", style(bold=True, font_size=13, text_wrap=True,
                                                                        valign="top"), span=14)
    b.line(f"{text['period']}: {inputs.results.period}", style(italic=True))
    indicators = inputs.catalog.indicators.filter(pl.col("program_code") == program["program_code"]).sort(
        "display_order")
    city = inputs.catalog.city
    results = inputs.results.results.filter(pl.col("unit_code") == city)
    mine = pl.col("indicator_code").is_in(indicators["indicator_code"].implode())
    by_code = {r["indicator_code"]: r for r in results.filter(mine).iter_rows(named=True)}
    trend = inputs.results.trend.filter(pl.col("unit_code") == city)
    periods = sorted(trend["period"].unique().to_list(), key=lambda p: parse_period(p).sort_key)
    # One pass over this program's trend rows (not one filter per indicator).
    trend_of: dict[str, dict] = {}
    for code, period, value in trend.filter(mine).select("indicator_code", "period", "value").iter_rows():
        trend_of.setdefault(code, {})[period] = value
    b.line(text["indicators"], HEADING)
    top = b.row
    b.height(top, 32)
    for c, label in enumerate(headers("sheet_indicators", text["lang"])):
        b.put(top, c, label, HEADER)
    for c, p in enumerate(periods):
        b.put(top, TREND_COLUMN + c, p)
    for i, ind in enumerate(indicators.iter_rows(named=True), start=top + 1):
        b.height(i, 30)  # indicator names wrap onto two lines
        _indicator_row(b, i, ind, by_code.get(ind["indicator_code"]), text)
        series = trend_of.get(ind["indicator_code"], {})
        for c, p in enumerate(periods):
            b.put(i, TREND_COLUMN + c, series.get(p))
        if periods:
            b.sparklines.append(Sparkline(i, 13, i, TREND_COLUMN, i, TREND_COLUMN + len(periods) - 1,
                                          options(type="line", markers=True)))
    last = top + indicators.height
    set_widths(b, "sheet_indicators")
    b.options.update(hidden_columns=tuple(range(TREND_COLUMN, TREND_COLUMN + len(periods))),
                     freeze=(top + 1, 2), autofilter=(top, 0, last, 13), print_title_rows=(top, top))
    for c in range(len(periods)):
        b.width(TREND_COLUMN + c, 8)
    b.row = last + 1
    if (indicators["source"] == "illustrative").any():
        b.line(text["illustrative"], style(italic=True, font_size=9))
    b.row += 1
    legend(b, text)
    # Printed: the indicator table and legend; the unit matrix below is for the screen (and filters).
    b.options["print_area"] = (0, 0, b.row - 1, 13)
    _matrix(b, inputs, text, indicators, include_wards)
    return b.build()


def _indicator_row(b: SheetBuilder, row: int, ind: dict, res: dict | None, text: dict) -> None:
    res = res or {}
    percent = is_percent(ind, res.get("value_source"))
    number = value_style(ind, percent)
    status = res.get("result_status") or "no_data"
    meets = res.get("projection_meets_target")
    # Illustrative catalog entries are marked, never passed off as sourced facts.
    name = ind["name_vi"] + (" *" if ind["source"] == "illustrative" else "")
    cells = [
        (ind["indicator_code"], TEXT), (name, WRAP), (ind["unit_label"], TEXT),
        (scaled(res.get("baseline_value"), percent), number), (target_text(res, text["lang"], "%" if percent else "") or None, TEXT),
        (scaled(res.get("value"), percent), number), (scaled(res.get("previous_value"), percent), number),
        (scaled(res.get("change"), percent), number), (res.get("achievement"), RATE),
        (text["status"][status], status_style(status)), (scaled(res.get("projection"), percent), number),
        (None if meets is None else (text["yes"] if meets else text["no"]), TEXT),
        (f"{res['n_reported']}/{res['n_expected']}" if res.get("n_expected") else None, TEXT),
    ]
    for col, (value, cell_style) in enumerate(cells):
        b.put(row, col, value, cell_style)


def _matrix(b: SheetBuilder, inputs: ReportInputs, text: dict, indicators: pl.DataFrame,
            include_wards: bool) -> None:
    levels = ["district", "ward"] if include_wards else ["district"]
    results = inputs.results.results.filter(pl.col("unit_level").is_in(levels))
    units = inputs.units().join(results.select("unit_code").unique(), on="unit_code", how="semi").sort(
        "display_order")
    if units.is_empty():
        return
    b.line(text["matrix"], HEADING)
    top = b.row
    b.height(top, 110)  # unit names written vertically
    b.put(top, 0, headers("sheet_indicators", text["lang"])[0], HEADER)
    b.put(top, 1, headers("sheet_indicators", text["lang"])[1], HEADER)
    for c, u in enumerate(units.iter_rows(named=True), start=2):
        b.put(top, c, u["name_vi"], style(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, rotation=90))
    # Only this program's indicators and the columns the matrix shows (the results hold every program).
    cells = {(r["indicator_code"], r["unit_code"]): r for r in results.filter(
        pl.col("indicator_code").is_in(indicators["indicator_code"].implode())).select(
        "indicator_code", "unit_code", "value", "value_source", "result_status").iter_rows(named=True)}
    codes = units["unit_code"].to_list()
    for r, ind in enumerate(indicators.iter_rows(named=True), start=top + 1):
        b.put(r, 0, ind["indicator_code"], TEXT)
        b.put(r, 1, ind["name_vi"], WRAP)
        for c, code in enumerate(codes, start=2):
            res = cells.get((ind["indicator_code"], code))
            if res is None:
                b.put(r, c, None, style(border=1, bg_color="#F2F2F2"))
                continue
            percent = is_percent(ind, res["value_source"])
            base = value_style(ind, percent)
            b.put(r, c, scaled(res["value"], percent), status_style(res["result_status"], base))
    b.row = top + indicators.height + 2


