"""Render a `WorkbookSpec` with xlsxwriter: the one module that writes workbooks.

The analysts' rollup, the per-unit submission templates and the synthetic
long tables are all specs rendered here, and no other module imports
xlsxwriter.

Safe by construction: text is written with `write_string` (a note starting
with `=`, `+`, `-` or `@` stays text, never a formula), numbers with
`write_number` (NaN and ±inf become empty cells), and the workbook is created
with `strings_to_formulas`, `strings_to_urls` and `strings_to_numbers` off.
One format object is cached per distinct style. A data validation that
xlsxwriter refuses (it would silently drop it) is an error. The document
timestamp comes from the spec, so the same spec gives the same bytes. The
file is written to a temporary path beside the target and renamed into place.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence

from hanoi_ctr.atomic import atomic_path
from hanoi_ctr.workbook.sheetspec import (
    MAX_CELL_TEXT,
    Cell,
    CellValue,
    Sheet,
    Style,
    Validation,
    WorkbookSpec,
    thaw,
)

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": False,
    "in_memory": True,
}


class _Formats:
    """One xlsxwriter format per distinct style, per workbook."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.cache: dict[Style, Any] = {}
        # Most cells share a few style objects: found by identity first, without hashing the style
        # (the object is kept with its format, so its id cannot be taken by another).
        self.by_id: dict[int, tuple[Style, Any]] = {}

    def __call__(self, cell_style: Style | None) -> Any:
        if not cell_style:
            return None
        hit = self.by_id.get(id(cell_style))
        if hit is not None and hit[0] is cell_style:
            return hit[1]
        if cell_style not in self.cache:
            self.cache[cell_style] = self.workbook.add_format(dict(cell_style))
        self.by_id[id(cell_style)] = (cell_style, self.cache[cell_style])
        return self.cache[cell_style]


def render(spec: WorkbookSpec, path: Path | str) -> Path:
    """Write the workbook described by `spec` to `path` atomically; return the path."""
    import xlsxwriter
    import xlsxwriter.exceptions

    _keep_sparkline_styles()
    path = Path(path)
    with atomic_path(path) as tmp:
        workbook = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
        workbook.set_properties(dict(spec.properties))
        formats = _Formats(workbook)
        sheets = {s.name: workbook.add_worksheet(s.name) for s in spec.sheets}
        for sheet in spec.sheets:
            _render_sheet(workbook, sheets[sheet.name], sheet, formats)
        if spec.active is not None:
            sheets[spec.active].activate()
        try:
            workbook.close()
        except xlsxwriter.exceptions.FileCreateError as exc:  # the OSError beneath: the disk, not the spec
            raise exc.args[0] from None
    return path


def _keep_sparkline_styles() -> None:
    """Make xlsxwriter build its table of sparkline styles once, not once per sparkline.

    `add_sparkline` builds all 36 styles (252 theme colours) to pick one, ~3 ms a sparkline; the
    table never changes and is only read, so each style is built once and copied for each call:
    the same colours, the same bytes.
    """
    import xlsxwriter.worksheet as xw

    build = getattr(xw, "_get_sparkline_style", None)
    if build is None or getattr(build, "kept", False):
        return
    styles: dict[int, dict] = {}

    def kept(style_id: int) -> dict:
        if style_id not in styles:
            styles[style_id] = build(style_id)
        return dict(styles[style_id])

    kept.kept = True  # type: ignore[attr-defined]
    xw._get_sparkline_style = kept


def _render_sheet(workbook: Any, ws: Any, sheet: Sheet, formats: _Formats) -> None:
    """Write one sheet: its grid, content, page set-up and guards."""
    _grid(ws, sheet)
    _content(workbook, ws, sheet, formats)
    _page(ws, sheet)
    _guards(ws, sheet)


def _grid(ws: Any, sheet: Sheet) -> None:
    """Set column widths, row heights and hidden rows and columns."""
    for col, width in sheet.widths:
        ws.set_column(col, col, width, None, {"hidden": col in sheet.hidden_columns})
    heights = dict(sheet.heights)
    # One set_row call per row: a second call would undo the first's height or hidden flag.
    for row in sorted(heights.keys() | set(sheet.hidden_rows)):
        ws.set_row(row, heights.get(row), None, {"hidden": row in sheet.hidden_rows})


def _content(workbook: Any, ws: Any, sheet: Sheet, formats: _Formats) -> None:
    """Write cells, merged ranges, conditional formats, charts and sparklines."""
    _cells(ws, sheet.cells, formats)
    for m in sheet.merges:
        ws.merge_range(m.first_row, m.first_col, m.last_row, m.last_col, "", formats(m.style))
        write_value(ws, m.first_row, m.first_col, m.value, formats(m.style))
    for c in sheet.conditionals:
        rule = thaw(c.options)
        if c.style:
            rule["format"] = formats(c.style)
        ws.conditional_format(c.first_row, c.first_col, c.last_row, c.last_col, rule)
    for chart in sheet.charts:
        _insert_chart(workbook, ws, chart)
    for s in sheet.sparklines:
        ws.add_sparkline(s.row, s.col, {
            "range": _range(sheet.name, s.first_row, s.first_col, s.last_row, s.last_col), **thaw(s.options)})


def _page(ws: Any, sheet: Sheet) -> None:
    """Set the filter, frozen panes, print titles and area, orientation, paper and tab colour."""
    if sheet.autofilter:
        ws.autofilter(*sheet.autofilter)
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    if sheet.print_title_rows:
        ws.repeat_rows(*sheet.print_title_rows)
    if sheet.print_area:
        ws.print_area(*sheet.print_area)
    if sheet.landscape:
        ws.set_landscape()
    if sheet.fit_width:
        ws.fit_to_pages(1, 0)
    if sheet.paper is not None:
        ws.set_paper(sheet.paper)
    if sheet.tab_color:
        ws.set_tab_color(sheet.tab_color)
    if sheet.header:
        ws.set_header(sheet.header)
    if sheet.footer:
        ws.set_footer(sheet.footer)


def _guards(ws: Any, sheet: Sheet) -> None:
    """Add the data validations, protect the sheet and set whether it shows."""
    for validation in sheet.validations:
        _validate(ws, validation)
    guard = sheet.protection
    if guard is not None:
        ws.protect(guard.password, thaw(guard.options) if guard.options else {})
    if sheet.state == "hidden":
        ws.hide()
    elif sheet.state == "very_hidden":
        ws.very_hidden()


def _validate(ws: Any, v: Validation) -> None:
    """Add one data validation; fail loudly where xlsxwriter would drop it with a warning."""
    rule = thaw(v.options)
    if ws.data_validation(v.first_row, v.first_col, v.last_row, v.last_col, rule) != 0:
        where = _range(ws.name, v.first_row, v.first_col, v.last_row, v.last_col)
        raise RuntimeError(f"data validation at {where} refused by xlsxwriter: {rule}")


def _cells(ws: Any, cells: Sequence[Cell], formats: _Formats) -> None:
    """Write cells, taking the common types (text, numbers, blanks) by their exact type.

    The calls go to the writers beneath xlsxwriter's public ones, which only turn an `A1` reference
    into a row and a column (every cell here has both), when this xlsxwriter has them.
    """
    string, number, blank, moment = (getattr(ws, f"_write_{kind}", getattr(ws, f"write_{kind}"))
                                     for kind in ("string", "number", "blank", "datetime"))
    by_id = formats.by_id
    for row, col, value, cell_style in cells:
        # A format is found by its style object (most cells share a few), else by the style.
        hit = by_id.get(id(cell_style))
        fmt = hit[1] if hit is not None and hit[0] is cell_style else formats(cell_style)
        kind = type(value)
        if kind is str:
            string(row, col, value[:MAX_CELL_TEXT], fmt)
        elif kind is float:
            if math.isfinite(value):
                number(row, col, value, fmt)
            else:
                blank(row, col, None, fmt)
        elif kind is int:
            number(row, col, value, fmt)
        elif value is None:
            blank(row, col, None, fmt)
        elif kind is datetime:
            moment(row, col, value.replace(tzinfo=None), fmt)
        else:
            write_value(ws, row, col, value, fmt)


def write_value(ws: Any, row: int, col: int, value: CellValue, fmt: Any = None) -> None:
    """Write one value with the writer for its type; text is never interpreted."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_number(row, col, value, fmt)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value.replace(tzinfo=None), fmt)
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
    else:
        ws.write_string(row, col, str(value)[:MAX_CELL_TEXT], fmt)


def _range(sheet: str, r1: int, c1: int, r2: int, c2: int) -> str:
    from xlsxwriter.utility import xl_range_abs

    return f"'{sheet}'!{xl_range_abs(r1, c1, r2, c2)}"


def _insert_chart(workbook: Any, ws: Any, chart: Any) -> None:
    kind = {"type": chart.type} | ({"subtype": chart.subtype} if chart.subtype else {})
    xl_chart = workbook.add_chart(kind)
    for series in chart.series:
        xl_chart.add_series(thaw(series))
    opts = thaw(chart.options) if chart.options else {}
    for key, setter in (("title", xl_chart.set_title), ("x_axis", xl_chart.set_x_axis),
                        ("y_axis", xl_chart.set_y_axis), ("legend", xl_chart.set_legend),
                        ("size", xl_chart.set_size)):
        if key in opts:
            setter(opts[key])
    ws.insert_chart(chart.row, chart.col, xl_chart)
