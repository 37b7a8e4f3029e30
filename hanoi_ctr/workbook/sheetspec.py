"""A workbook as plain data: what goes in which cell, with which style.

Every workbook the library writes (the analysts' rollup, the per-unit
submission templates, the synthetic long tables) is built as a
`WorkbookSpec` in pure code — sheets holding cells, merges, column widths
and row heights, hidden rows, tables, conditional formats, charts,
sparklines and data validations at absolute positions, with page set-up,
protection and visibility — and rendered once by `render.render`. The spec
is immutable and comparable, so a test can snapshot it and review the diff.

Styles are tuples of (xlsxwriter format property, value) pairs, so that the
renderer can cache one format per distinct style; other xlsxwriter options
are frozen the same way by `options` and thawed by the renderer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain, repeat
from typing import Any, Mapping, NamedTuple, Sequence

CellValue = str | int | float | bool | date | datetime | None
Style = tuple[tuple[str, Any], ...]

#: Excel's limits that a spec must respect.
MAX_SHEET_NAME = 31
MAX_CELL_TEXT = 32_767
#: How a sheet shows in the tab bar: very hidden sheets can be unhidden only by a macro.
SHEET_STATES = ("visible", "hidden", "very_hidden")
#: xlsxwriter's paper size for A4.
A4 = 9
#: The fills every workbook the library writes shares: table headers, and cells with an error or a warning
#: (the issues of a feedback copy).
HEADER_FILL = "#DDEBF7"
SEVERITY_FILLS = {"error": "#FFC7CE", "warning": "#FFEB9C"}
#: Characters of 11-point body text that fit in one unit of column width (a little below one: a margin).
CHARS_PER_WIDTH = 1.05


def style(**props: Any) -> Style:
    """Return a style from xlsxwriter format properties, in a canonical order.

    >>> style(bold=True, num_format="0%")
    (('bold', True), ('num_format', '0%'))
    """
    return tuple(sorted(props.items()))


def merge_styles(*styles: Style | None) -> Style:
    """Return the styles combined, later ones winning."""
    props: dict[str, Any] = {}
    for s in styles:
        props.update(dict(s or ()))
    return style(**props)


class Cell(NamedTuple):
    """One cell: a value written with its own type (text is always text) and a style.

    A named tuple, immutable and comparable like the other parts of a spec: a workbook holds
    hundreds of thousands of cells, and a tuple is made in a third of a dataclass's time.
    """

    row: int
    col: int
    value: CellValue
    style: Style | None = None


@dataclass(frozen=True)
class Merge:
    """A merged range holding one value."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    value: CellValue
    style: Style | None = None


@dataclass(frozen=True)
class Conditional:
    """A conditional format on a range; `options` are xlsxwriter's, with `style` for the format."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    options: tuple[tuple[str, Any], ...]
    style: Style | None = None


@dataclass(frozen=True)
class Chart:
    """A chart inserted at a cell: its type, series (as ranges on this workbook) and options."""

    row: int
    col: int
    type: str
    series: tuple[tuple[tuple[str, Any], ...], ...]
    options: tuple[tuple[str, Any], ...] = ()
    subtype: str | None = None


@dataclass(frozen=True)
class Sparkline:
    """A sparkline in one cell, drawn from a range of the same sheet."""

    row: int
    col: int
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    options: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Validation:
    """A data validation on a range (one cell where first and last agree); `options` are xlsxwriter's."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    options: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Protection:
    """Sheet protection: a password (empty for none) and xlsxwriter's `protect` options."""

    password: str = ""
    options: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Sheet:
    """One worksheet and everything placed on it.

    `heights` sets rows' heights in points and `hidden_rows` hides rows
    (keeping any height set); `paper` is xlsxwriter's paper size, or None to
    leave the printer's default; `state` is one of `SHEET_STATES`.
    """

    name: str
    cells: tuple[Cell, ...] = ()
    merges: tuple[Merge, ...] = ()
    widths: tuple[tuple[int, float], ...] = ()
    heights: tuple[tuple[int, float], ...] = ()
    hidden_columns: tuple[int, ...] = ()
    conditionals: tuple[Conditional, ...] = ()
    charts: tuple[Chart, ...] = ()
    sparklines: tuple[Sparkline, ...] = ()
    autofilter: tuple[int, int, int, int] | None = None
    freeze: tuple[int, int] | None = None
    print_title_rows: tuple[int, int] | None = None
    print_area: tuple[int, int, int, int] | None = None
    landscape: bool = True
    fit_width: bool = True
    paper: int | None = A4
    tab_color: str | None = None
    hidden_rows: tuple[int, ...] = ()
    validations: tuple[Validation, ...] = ()
    protection: Protection | None = None
    state: str = "visible"
    #: Printed header and footer, in xlsxwriter's codes (`&L`, `&C`, `&R`, `&P` page, `&N` pages).
    header: str | None = None
    footer: str | None = None

    def __post_init__(self) -> None:
        if not 0 < len(self.name) <= MAX_SHEET_NAME or any(c in self.name for c in "[]:*?/\\"):
            raise ValueError(f"invalid sheet name {self.name!r}")
        if self.state not in SHEET_STATES:
            raise ValueError(f"sheet state must be one of {', '.join(SHEET_STATES)}, not {self.state!r}")


@dataclass(frozen=True)
class WorkbookSpec:
    """A whole workbook: its sheets in order, its document properties and the sheet it opens on."""

    sheets: tuple[Sheet, ...]
    properties: tuple[tuple[str, Any], ...] = ()
    #: The sheet shown when the file is opened (the first one if None); it must be visible.
    active: str | None = None

    def __post_init__(self) -> None:
        visible = {s.name for s in self.sheets if s.state == "visible"}
        if self.active is not None and self.active not in visible:
            raise ValueError(f"the active sheet {self.active!r} is not a visible sheet of the workbook")

    def sheet(self, name: str) -> Sheet:
        """Return a sheet by name."""
        return next(s for s in self.sheets if s.name == name)


@dataclass
class SheetBuilder:
    """Accumulate the content of one sheet top to bottom, then freeze it into a `Sheet`."""

    name: str
    row: int = 0
    cells: list[Cell] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    conditionals: list[Conditional] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    sparklines: list[Sparkline] = field(default_factory=list)
    validations: list[Validation] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    def put(self, row: int, col: int, value: CellValue, cell_style: Style | None = None) -> None:
        """Place a value in a cell."""
        self.cells.append(Cell(row, col, value, cell_style))

    def put_row(self, row: int, values: Sequence[tuple[CellValue, Style | None]], first_col: int = 0) -> None:
        """Place (value, style) pairs in consecutive cells of a row, from `first_col` on."""
        # The tuple made directly: a third faster than the named tuple's own constructor, for list sheets' rows.
        new = tuple.__new__
        self.cells.extend(new(Cell, (row, col, value, cell_style))
                          for col, (value, cell_style) in enumerate(values, start=first_col))

    def put_columns(self, first_row: int, columns: Sequence[tuple[Sequence[CellValue], Style | list[Style | None] | None]],
                    first_col: int = 0) -> None:
        """Place a block of cells given column by column, row after row from `first_row`: each column its
        values and either one style for all of them or a list with a style per value. The cells are placed
        in row order, as `put_row` row after row would, without a Python step per cell (a list sheet has
        300,000)."""
        if not columns:
            return
        height = len(columns[0][0])
        if any(len(values) != height or isinstance(styles, list) and len(styles) != height for values, styles in columns):
            raise ValueError("every column of a block holds as many values (and styles) as the first")
        rows = range(first_row, first_row + height)
        new = tuple.__new__
        made = [map(new, repeat(Cell), zip(rows, repeat(col), values, styles if isinstance(styles, list)
                                           else repeat(styles)))
                for col, (values, styles) in enumerate(columns, start=first_col)]
        self.cells.extend(chain.from_iterable(zip(*made)))

    def line(self, value: CellValue, cell_style: Style | None = None, span: int = 1, skip: int = 1) -> int:
        """Write a line of text at the current row (merged over `span` columns); return its row."""
        row = self.row
        if span > 1:
            self.merges.append(Merge(row, 0, row, span - 1, value, cell_style))
        else:
            self.put(row, 0, value, cell_style)
        self.row += skip
        return row

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[CellValue]],
              styles: Sequence[Style | None], header_style: Style | None = None,
              first_col: int = 0) -> tuple[int, int]:
        """Write a header row and data rows at the current row; return (header row, last row)."""
        top = self.row
        self.height(top, 32)  # room for two lines of wrapped header text
        for c, label in enumerate(headers):
            self.put(top, first_col + c, label, header_style)
        for r, values in enumerate(rows, start=top + 1):
            for c, value in enumerate(values):
                self.put(r, first_col + c, value, styles[c])
        self.row = top + len(rows) + 1
        return top, top + len(rows)

    def height(self, row: int, height: float) -> None:
        """Set a row's height in points (for wrapped header rows)."""
        self.heights[row] = height

    def hide_row(self, row: int) -> None:
        """Hide a row (its height, if set, is kept)."""
        if row not in self.hidden_rows:
            self.hidden_rows.append(row)

    def validate(self, row: int, col: int, rule: Mapping[str, Any]) -> None:
        """Validate what is typed into one cell with xlsxwriter's `data_validation` options."""
        self.validations.append(Validation(row, col, row, col, options(**rule)))

    def width(self, col: int, width: float) -> None:
        """Set a column's width (the widest setting wins)."""
        self.widths[col] = max(width, self.widths.get(col, 0))

    def fit(self, row: int, text: str, width: float, points: float = 15.0, font_size: float = 11,
            bold: bool = False) -> None:
        """Make a row tall enough for `text` wrapped in a column `width` wide (the tallest need wins).

        Spreadsheets do not grow rows for wrapped text when a file sets them,
        and LibreOffice does not either when it prints: the height is set.
        Larger or bold type fits fewer characters in a line and needs taller lines.
        """
        per_line = max(width * CHARS_PER_WIDTH * 11 / font_size * (0.9 if bold else 1.0), 1)
        lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
        line = max(points, 15.0 * font_size / 11)
        self.heights[row] = max(self.heights.get(row, points), line * lines)

    def build(self) -> Sheet:
        """Return the finished, immutable sheet."""
        return Sheet(
            self.name, tuple(self.cells), tuple(self.merges), tuple(sorted(self.widths.items())),
            heights=tuple(sorted(self.heights.items())), conditionals=tuple(self.conditionals),
            charts=tuple(self.charts), sparklines=tuple(self.sparklines),
            hidden_rows=tuple(sorted(self.hidden_rows)), validations=tuple(self.validations), **self.options,
        )


def options(**kw: Any) -> tuple[tuple[str, Any], ...]:
    """Return keyword options as a hashable, ordered tuple (nested dicts become tuples too)."""
    return tuple(sorted((k, _freeze(v)) for k, v in kw.items()))


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Turn frozen options back into the dicts and lists xlsxwriter expects."""
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str)
                                                  for v in value):
        return {k: thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


__all__ = [
    "A4", "HEADER_FILL", "SEVERITY_FILLS", "SHEET_STATES", "Cell", "CellValue", "Chart", "Conditional", "Merge",
    "Protection", "Sheet", "SheetBuilder", "Sparkline", "Style", "Validation", "WorkbookSpec", "merge_styles",
    "options", "style", "thaw",
]
