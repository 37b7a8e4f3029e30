"""The program sheets: each indicator at city level against its target, with what decided its status.

Each row shows the baseline, the target (from, to, year), the value and its
period, the value compared with the target and what it is in words, the
achievement, the progress against the progress expected (or what the
remaining years need), the reports covered of those expected, the status,
the projection and a sparkline of the indicator's own periods. Below it the
indicator × unit matrix, with a unit's own figure and, where its children's
rollup exists beside it, that rollup on a row of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from hanoi_ctr.declare import rules
from hanoi_ctr.declare.tables import SHEETS
from hanoi_ctr.periods import parse_period
from hanoi_ctr.report.inputs import ReportInputs
from hanoi_ctr.report.labels import PARTIAL_COLOR, compared_words
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
    indicator_name,
    is_percent,
    legend,
    program_title,
    scaled,
    set_widths,
    status_style,
    unit_label,
    value_style,
)
from hanoi_ctr.workbook.sheetspec import Sheet, SheetBuilder, Sparkline, merge_styles, options, style

#: Hidden cells that feed the sparklines start in this column, one row's periods per row.
TREND_COLUMN = 40
TRACKED = style(italic=True, text_wrap=True, valign="top")
CENTER = style(border=1, align="center", valign="vcenter")
#: Columns the title and the tracked sentence are merged over.
SPAN = 18


def span_width(columns: int) -> float:
    """Return the width of the indicator table's first `columns` columns."""
    return sum(f.width or 8 for f in SHEETS["sheet_indicators"].fields[:columns])


def program_sheet_name(program_code: str) -> str:
    """Return the sheet name of a program, built from its code.

    >>> program_sheet_name("01-CTr/TU")
    'CTr 01'
    """
    return f"CTr {program_code[:2]}"


@dataclass(frozen=True)
class CityRows:
    """The city's results and trends by (indicator, category), which indicators compound, and each
    disaggregated indicator's categories: what every program sheet looks up, found once per workbook."""

    results: dict[tuple[str, str | None], dict]
    trend: dict[tuple[str, str | None], list[tuple[str, float | None]]]
    compounds: dict[str, bool]
    categories: dict[str, list[tuple[str, str]]]


def city_rows(inputs: ReportInputs, lang: str) -> CityRows:
    """Return the city's rows of every indicator, for the program sheets of a workbook in `lang`."""
    city = inputs.catalog.city
    results = inputs.results.results.filter(pl.col("unit_code") == city)
    compounds = dict(rules.rule_columns(inputs.catalog.indicators).select("indicator_code", "_compounds").iter_rows())
    return CityRows({(r["indicator_code"], r["category"]): r for r in results.iter_rows(named=True)},
                    _trend_of(inputs, city), compounds, _categories_of(inputs, lang))


def program_sheet(inputs: ReportInputs, text: dict, program: dict, include_wards: bool,
                  city: CityRows | None = None) -> Sheet:
    """Return the sheet of one program (`city`: the city's rows, when the workbook has found them)."""
    lang = text["lang"]
    name = program_sheet_name(program["program_code"])
    b = SheetBuilder(name)
    title = f"{program['program_code']} — {program_title(program, text)}"
    b.line(title, style(bold=True, font_size=13, text_wrap=True, valign="top"), span=SPAN)
    b.fit(0, title, span_width(SPAN), font_size=13, bold=True)
    b.line(f"{text['period']}: {inputs.results.period}", style(italic=True))
    indicators = inputs.catalog.indicators.filter(pl.col("program_code") == program["program_code"]).sort(
        "display_order")
    sentence = tracked_sentence(inputs, text, program)
    b.fit(b.row, sentence, span_width(SPAN))
    b.line(sentence, TRACKED, span=SPAN)
    b.line(text["indicators"], HEADING)
    top, last = _indicator_table(b, inputs, text, indicators, city or city_rows(inputs, lang))
    b.row = last + 2
    if (indicators["source"] == "illustrative").any():
        b.line(text["illustrative"], NOTE)
    if indicators.join(inputs.catalog.disaggregations, on="indicator_code", how="semi").height:
        b.line(text["categories_note"], NOTE)
    b.line(text["partial_note"], NOTE)
    b.row += 1
    legend(b, text, inputs.settings, 2, 12, span_width(13) - span_width(2))
    matrix_from = b.row
    _matrix(b, inputs, text, indicators, include_wards)
    # The indicator table's header repeats on its own pages; pages of the units' matrices below it
    # repeat only the sheet's title (a sheet has one range of repeated rows).
    repeated = (top, top) if b.row == matrix_from else (0, 0)
    b.options.update(freeze=(top + 1, 2), autofilter=(top, 0, last, len(headers("sheet_indicators", lang)) - 1),
                     print_title_rows=repeated, print_area=(0, 0, max(b.row - 1, last), _last_column(b)),
                     header=f"&L{escape_header(program['program_code'])}&R{escape_header(str(inputs.results.period))}",
                     footer=text["page"])
    return b.build()


def tracked_sentence(inputs: ReportInputs, text: dict, program: dict) -> str:
    """Return how much of a program the catalog tracks: its stated size, and what the catalog holds of it."""
    counts = tracked_counts(inputs, program)
    stated = [text[f"stated_{kind}"].format(n=program[f"stated_{kind}"])
              for kind in ("indicators", "tasks") if program.get(f"stated_{kind}") is not None]
    opening = text["stated"].format(what=text["and"].join(stated)) if stated else text["size_unknown"]
    return text["tracked"].format(stated=opening, **counts)


def tracked_counts(inputs: ReportInputs, program: dict) -> dict[str, int]:
    """Return how many indicators and tasks of a program the catalog holds, sourced and illustrative."""
    out: dict[str, int] = {}
    for kind, frame in (("", inputs.catalog.indicators), ("_tasks", inputs.catalog.tasks)):
        mine = frame.filter(pl.col("program_code") == program["program_code"])
        illustrative = int((mine["source"] == "illustrative").sum())
        out |= {f"held{kind}" if kind else "held": mine.height, f"sourced{kind}": mine.height - illustrative,
                f"illustrative{kind}": illustrative}
    out["tasks"] = out.pop("held_tasks")
    return out


def _indicator_table(b: SheetBuilder, inputs: ReportInputs, text: dict, indicators: pl.DataFrame,
                     city: CityRows) -> tuple[int, int]:
    """Write the header and one row per indicator at the city level; return (header row, last row)."""
    lang = text["lang"]
    by_code, trend, compounds, categories = city.results, city.trend, city.compounds, city.categories
    top = b.row
    labels = headers("sheet_indicators", lang)
    b.height(top, 58)  # headers wrap onto up to four lines
    for c, label in enumerate(labels):
        b.put(top, c, label, HEADER)
    spark_col = len(labels) - 1
    set_widths(b, "sheet_indicators")
    widths = [f.width or 8 for f in SHEETS["sheet_indicators"].fields]
    i = top
    for ind in indicators.iter_rows(named=True):
        code = ind["indicator_code"]
        total = by_code.get((code, None), {})
        name = indicator_name(ind, lang) + (" *" if ind["source"] == "illustrative" else "")
        # The total's row, then one row per category beneath it (indicators reported by category).
        for category, res, row_name in [(None, total, name), *(
                (c, by_code.get((code, c), {}), _category_name(text, label, by_code.get((code, c), {}), total, ind))
                for c, label in categories.get(code, []))]:
            i += 1
            for col, value in _indicator_row(b, i, ind, res, text, row_name, compounds.get(code, False)):
                b.fit(i, value, widths[col])
            _sparkline(b, i, spark_col, ind, trend.get((code, category), []))
    return top, i


def _categories_of(inputs: ReportInputs, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Return each disaggregated indicator's categories in order, with their labels in the workbook's language."""
    labels = inputs.catalog.category_labels()
    out: dict[str, list[tuple[str, str]]] = {}
    for code, category in inputs.catalog.category_keys().select("indicator_code", "category").iter_rows():
        out.setdefault(code, []).append((category, labels[category][1 if lang == "en" else 0]))
    return out


def _category_name(text: dict, label: str, res: dict, total: dict, ind: dict) -> str:
    """Return a category's row name: its label and its share of the total (of the total's denominator for a
    ratio: the weight the category has in it)."""
    additive = rules.UNIT_RULES[ind["agg_units"]].additive
    part, whole = (("value", "value") if additive else ("denominator", "denominator"))
    if res.get(part) is None or not total.get(whole):
        return f"– {label}"
    share = f"{res[part] / total[whole]:.1%}"
    share = share.replace(".", ",") if text["lang"] == "vi" else share
    return f"– {label} ({text['share_of_total' if additive else 'share_of_base'].format(share=share)})"


def _trend_of(inputs: ReportInputs, city: str) -> dict[tuple[str, str | None], list[tuple[str, float | None]]]:
    """Return each indicator's (and each of its categories') own trend periods at the city level, in order."""
    rows = inputs.results.trend.filter(pl.col("unit_code") == city).select(
        "indicator_code", "category", "period", "value")
    out: dict[tuple[str, str | None], list[tuple[str, float | None]]] = {}
    for code, category, period, value in rows.iter_rows():
        out.setdefault((code, category), []).append((period, value))
    return {code: sorted(series, key=lambda p: parse_period(p[0]).sort_key) for code, series in out.items()}


def _indicator_row(b: SheetBuilder, row: int, ind: dict, res: dict, text: dict, name: str,
                   compounds: bool) -> list[tuple[int, str]]:
    """Write one indicator's row; return the (column, text) of its wrapped cells, to size the row."""
    percent = is_percent(ind, res.get("value_source"))
    number = value_style(ind, percent)
    status = res.get("result_status") or "no_data"
    meets = res.get("projection_meets_target")
    low, high = _target_bounds(ind, res)
    counted = merge_styles(INTEGER, style(bg_color=PARTIAL_COLOR)) if res.get("partial") else INTEGER
    cells = [
        (ind["indicator_code"], TEXT), (name, WRAP), (unit_label(ind, text["lang"]), WRAP),
        (scaled(res.get("baseline_value"), percent), number), (_year(res.get("baseline_period")), CENTER),
        (scaled(low, percent), number), (scaled(high, percent), number), (res.get("target_year"), CENTER),
        (scaled(res.get("value"), percent), number), (res.get("value_period"), CENTER),
        (scaled(res.get("previous_value"), percent), number), (scaled(res.get("change"), percent), number),
        (scaled(res.get("compared_value"), percent), number),
        (compared_words(text, res.get("target_basis"), res.get("compared_period"), res.get("annualised"),
                        compounds), WRAP),
        (res.get("achievement"), RATE), (res.get("progress"), RATE), (res.get("expected_progress"), RATE),
        (scaled(res.get("needed"), percent), number),
        (res.get("n_reported"), counted), (res.get("n_expected"), counted),
        (text["status"][status], status_style(status, WRAP)),
        (scaled(res.get("projection"), percent), number),
        (None if meets is None else (text["yes"] if meets else text["no"]), CENTER),
    ]
    wrapped = []
    for col, (value, cell_style) in enumerate(cells):
        b.put(row, col, value, cell_style)
        if isinstance(value, str) and dict(cell_style).get("text_wrap"):
            wrapped.append((col, value))
    return wrapped


def _target_bounds(ind: dict, res: dict) -> tuple[float | None, float | None]:
    """Return the target as (from, to): a single value is a floor, a ceiling, or both, by direction."""
    value, low, high = res.get("target_value"), res.get("target_min"), res.get("target_max")
    if value is None:
        return low, high
    direction = ind["direction"]
    return (value if direction != "decrease" else None, value if direction != "increase" else None)


def _year(period: str | None) -> int | None:
    """Return a baseline period as a year number when it is one (written as a number, not text)."""
    return int(period) if period and period.isdigit() else None


def _sparkline(b: SheetBuilder, row: int, col: int, ind: dict, series: list[tuple[str, float | None]]) -> None:
    """Write the row's own periods in hidden cells and draw its sparkline over them, on the shown scale."""
    if not series:
        return
    percent = rules.value_type(ind["value_type"]).percent
    for c, (_, value) in enumerate(series):
        b.put(row, TREND_COLUMN + c, scaled(value, percent))
        b.width(TREND_COLUMN + c, 6)
    last = TREND_COLUMN + len(series) - 1
    b.sparklines.append(Sparkline(row, col, row, TREND_COLUMN, row, last,
                                  options(type="line", markers=True, show_hidden=True)))
    b.options["hidden_columns"] = tuple(sorted(set(b.options.get("hidden_columns", ())) | set(
        range(TREND_COLUMN, last + 1))))


def _last_column(b: SheetBuilder) -> int:
    """Return the last column printed: the table's or the matrix's, never the hidden trend cells."""
    return max((c.col for c in b.cells if c.col < TREND_COLUMN), default=0)


def _matrix(b: SheetBuilder, inputs: ReportInputs, text: dict, indicators: pl.DataFrame,
            include_wards: bool) -> None:
    """Write the unit × indicator matrix: each unit's value, and beneath it its children's rollup if any.

    Units are rows and indicators columns (headed by their codes, named in the table above), so that
    the matrix prints within the width of the indicator table.
    """
    mine = inputs.results.results.filter(pl.col("indicator_code").is_in(indicators["indicator_code"].implode()),
                                         pl.col("category").is_null())
    days = sorted(set(mine.filter(pl.col("unit_level").is_in(["district", "ward"]))["units_on"]))
    for day in days:  # one matrix per set of units: before and after a reorganisation within the period
        _matrix_on(b, inputs, text, indicators, mine.filter(pl.col("units_on") == day), day, include_wards,
                   len(days) > 1)


def _matrix_on(b: SheetBuilder, inputs: ReportInputs, text: dict, indicators: pl.DataFrame,
               mine: pl.DataFrame, day: date, include_wards: bool, dated: bool) -> None:
    """Write the matrix of the units in force on `day`: the level under the city (and the wards)."""
    units = inputs.units_on(day)
    under_city = units.filter(pl.col("parent_code") == inputs.catalog.city, pl.col("level") != "agency")
    top_level = "district" if (under_city["level"] == "district").any() else "ward"
    levels = [top_level] + (["ward"] if include_wards and top_level == "district" else [])
    results = mine.filter(pl.col("unit_level").is_in(levels))
    units = units.join(results.select("unit_code").unique(), on="unit_code", how="semi").sort("display_order")
    if units.is_empty():  # a program reported by the city and its agencies only
        return
    b.line(text["matrix_on"].format(day=f"{day:%d/%m/%Y}") if dated else text["matrix"], HEADING)
    top = b.row
    b.height(top, 32)
    present = set(results["indicator_code"])
    codes = [c for c in indicators["indicator_code"] if c in present]
    indicators = indicators.filter(pl.col("indicator_code").is_in(codes))
    b.put(top, 0, text["unit_code"], HEADER)
    b.put(top, 1, text["unit"], HEADER)
    for c, code in enumerate(codes, start=2):
        b.put(top, c, code, HEADER)
    # Only this program's indicators and the columns the matrix shows (the results hold every program).
    cells = {(r["unit_code"], r["indicator_code"]): r for r in results.filter(
        pl.col("indicator_code").is_in(codes)).select(
        "indicator_code", "unit_code", "value", "value_source", "rollup_value", "result_status",
        "partial").iter_rows(named=True)}
    by_code = {ind["indicator_code"]: ind for ind in indicators.iter_rows(named=True)}
    r = top + 1
    for unit in units.iter_rows(named=True):
        b.put(r, 0, unit["unit_code"], TEXT)
        b.put(r, 1, unit["name_vi"], TEXT)
        rollups = _matrix_row(b, r, unit["unit_code"], codes, by_code, cells)
        r += 1
        if rollups:  # a unit's own figure stands; its children's rollup is shown beneath it
            b.put(r, 0, None, TEXT)
            b.put(r, 1, f"… {text['rollup_row']}", style(border=1, italic=True, font_color="#595959", indent=1))
            for c, (code, value) in rollups.items():
                percent = is_percent(by_code[code], "rollup")
                b.put(r, c, scaled(value, percent), merge_styles(value_style(by_code[code], percent),
                                                                 style(italic=True, font_color="#595959")))
            r += 1
    b.row = r + 1


def _matrix_row(b: SheetBuilder, r: int, unit: str, codes: list[str], by_code: dict, cells: dict
                ) -> dict[int, tuple[str, float]]:
    """Write one unit's value per indicator; return the children's rollups shown beside own figures."""
    rollups = {}
    for c, code in enumerate(codes, start=2):
        res = cells.get((unit, code))
        if res is None:
            b.put(r, c, None, style(border=1, bg_color="#F2F2F2"))
            continue
        percent = is_percent(by_code[code], res["value_source"])
        base = value_style(by_code[code], percent)
        b.put(r, c, scaled(res["value"], percent), status_style(res["result_status"], base))
        if res["value_source"] == "reported" and res["rollup_value"] is not None:
            rollups[c] = (code, res["rollup_value"])
    return rollups
