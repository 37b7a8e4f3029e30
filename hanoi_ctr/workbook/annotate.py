"""Mark a copy of a workbook: fill and comment the cells with an issue, and put a sheet listing them first.

`render` writes new workbooks; a feedback copy must instead be the
officer's own workbook with nothing else changed, so it is loaded and saved
with openpyxl, which no other module of the library imports. It carries
through values and formulas, styles, merged cells, widths and heights,
hidden rows, columns and sheets (very hidden ones too), sheet protection
and each cell's lock, data validations, conditional formats, defined names,
print settings, charts and the comments already there. What it cannot
carry (shapes, images, features kept in extension lists, threaded
comments, form controls, slicers, embedded objects) is found when the
workbook is opened and named in `Copy.lost`, so that the listing can say
so. Formulas keep their text but not their cached results, which openpyxl
does not write; the workbook asks the spreadsheet to compute them when it
is opened.

A mark replaces a cell's fill (red for an error, yellow for a warning) and
adds a comment, after any comment of the officer's. What each marked cell
was before is recorded in a hidden column of the listing sheet, so that
marking a copy again (`forget`) first puts back what an earlier copy
changed. The copy is written atomically, and the same workbook and marks
give the same bytes: the document's timestamps are the source's own, and
the zip entries carry the same time.
"""

from __future__ import annotations

import io
import json
import math
import re
import warnings
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from hanoi_ctr.atomic import write_bytes_atomic
from hanoi_ctr.workbook.sheetspec import HEADER_FILL, SEVERITY_FILLS

__all__ = ["AUTHOR", "FILLS", "Copy", "Listing", "Mark", "Table"]


def _argb(color: str) -> str:
    """Return an RGB colour (`#DDEBF7`) as openpyxl writes it (`FFDDEBF7`)."""
    return "FF" + color.removeprefix("#")


#: Who the comments of a mark are from; comments by this author are the library's.
AUTHOR = "hanoi-ctr"
#: The fill of a marked cell by the severity of its issues (an error wins over a warning).
FILLS = {severity: _argb(color) for severity, color in SEVERITY_FILLS.items()}
_HEADER_FILL = _argb(HEADER_FILL)
#: The hidden column of the listing sheet that records what each marked cell was before.
_RECORD_COLUMN = 40
#: Timestamp of a workbook that states none (zip entries cannot be older than 1980).
_NO_DATE = datetime(2000, 1, 1)
_COMMENT_WIDTH, _COMMENT_CHARS = 330, 55  # points, characters per line at that width
_LOST_PARTS = {"xl/media/": "images", "xl/threadedComments/": "threaded-comments", "xl/slicers/": "slicers",
               "xl/timelines/": "slicers", "xl/ctrlProps/": "form-controls", "xl/embeddings/": "embedded-objects",
               "xl/activeX/": "form-controls"}
_LOST_WARNINGS = {"DrawingML support is incomplete": "shapes", "extension is not supported": "extensions",
                  "will be removed": "extensions", "Unable to read chart": "charts"}
_HARMLESS_WARNINGS = ("no default style",)


@dataclass(frozen=True)
class Mark:
    """One issue to show on a cell (row and column 1-based): several on one cell share its comment."""

    sheet: str
    row: int
    column: int
    severity: str
    text: str


@dataclass(frozen=True)
class Table:
    """A table of the listing sheet: a heading, a header row and rows; `severities` colours each row's
    first cell, and `empty` is written under the header when there are no rows."""

    heading: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str | int | None, ...], ...]
    severities: tuple[str, ...]
    empty: str
    #: The column (0-based) whose text wraps: the messages.
    wrapped: int | None = None


@dataclass(frozen=True)
class Listing:
    """The sheet put first: a title, lines of summary under it, then tables; `widths` of its columns."""

    name: str
    title: str
    lines: tuple[str, ...]
    tables: tuple[Table, ...]
    widths: tuple[float, ...]


class Copy:
    """A workbook (its bytes) opened to be marked and saved under another name."""

    def __init__(self, source: bytes) -> None:
        import openpyxl  # imported when a copy is made: `import hanoi_ctr` stays light

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.book = openpyxl.load_workbook(io.BytesIO(source), rich_text=True, keep_vba=False,
                                               keep_links=True)
        #: What the copy does not carry of the source (`images`, `shapes`, `extensions`, …), sorted.
        self.lost = tuple(sorted(_lost_parts(source) | _lost_warnings(str(w.message) for w in caught)))
        # openpyxl puts the time of loading where the source states no time: take them from the source.
        created, modified = _stated_times(source)
        self.stamp = max(modified or created or _NO_DATE, _NO_DATE)
        self.book.properties.created = created or self.stamp

    @property
    def sheet_names(self) -> tuple[str, ...]:
        """Return the names of the sheets, in tab order."""
        return tuple(self.book.sheetnames)

    def first_cell(self, sheet: str) -> str:
        """Return the text of a sheet's first cell (A1), or '' (a chart sheet has none)."""
        cell = _cells(self.book[sheet]).get((1, 1))
        return cell.value if cell is not None and isinstance(cell.value, str) else ""

    def forget(self, listing: str) -> None:
        """Remove an earlier copy's listing sheet and put its marked cells back as they were.

        Comments by `AUTHOR` left anywhere (their record lost with a deleted listing) are removed too.
        """
        records = self.book[listing]
        for (value,) in records.iter_rows(min_col=_RECORD_COLUMN, max_col=_RECORD_COLUMN, values_only=True):
            if isinstance(value, str) and value.startswith("{"):
                self._restore(json.loads(value))
        self.book.remove(records)
        for ws in self.book.worksheets:
            for cell in _cells(ws).values():
                if cell.comment is not None and cell.comment.author == AUTHOR:
                    cell.comment = None

    def mark(self, marks: Iterable[Mark]) -> list[dict[str, Any]]:
        """Fill and comment each marked cell; return what each cell was before (for the listing)."""
        by_cell: dict[tuple[str, int, int], list[Mark]] = defaultdict(list)
        for m in marks:
            ws = self.book[m.sheet]
            by_cell[(m.sheet, *_anchor(ws, m.row, m.column))].append(m)
        records = []
        for (sheet, row, column), group in sorted(by_cell.items(), key=lambda kv: (
                self.book.sheetnames.index(kv[0][0]), kv[0][1], kv[0][2])):
            from openpyxl.styles import PatternFill

            cell = self.book[sheet].cell(row, column)
            records.append(_record(sheet, cell))
            severity = "error" if any(m.severity == "error" for m in group) else "warning"
            cell.fill = PatternFill("solid", fgColor=FILLS[severity])
            text = "\n".join(dict.fromkeys(m.text for m in group))
            if cell.comment is not None and cell.comment.author != AUTHOR:
                text = f"{cell.comment.text}\n—\n{text}"
            cell.comment = _comment(text)
        return records

    def put_first(self, listing: Listing, records: Iterable[dict[str, Any]] = ()) -> None:
        """Insert the listing as the first sheet and open the workbook on it."""
        from openpyxl.utils import get_column_letter

        ws = self.book.create_sheet(listing.name, 0)
        _write_listing(ws, listing)
        for row, record in enumerate(records, start=1):
            ws.cell(row, _RECORD_COLUMN, json.dumps(record, ensure_ascii=False, sort_keys=True))
        ws.column_dimensions[get_column_letter(_RECORD_COLUMN)].hidden = True
        for other in self.book.worksheets:
            other.sheet_view.tabSelected = False
        ws.sheet_view.tabSelected = True
        self.book.active = 0

    def save(self, target: Path) -> Path:
        """Write the copy to `target` atomically (mode by the umask); return the path."""
        buffer = io.BytesIO()
        self.book.save(buffer)
        write_bytes_atomic(target, _repack(buffer.getvalue(), self.stamp))
        return target

    def _restore(self, record: dict[str, Any]) -> None:
        from openpyxl.comments import Comment

        if record.get("sheet") not in self.book.sheetnames:
            return
        cell = self.book[record["sheet"]][record["cell"]]
        if _is_mark(cell.fill):  # still the mark: the officer did not restyle the cell
            cell.fill = _fill(record.get("fill"))
        comment = record.get("comment")
        cell.comment = Comment(comment["text"], comment["author"], comment["height"], comment["width"]) \
            if comment else None


def _cells(ws: Any) -> dict[tuple[int, int], Any]:
    """Return the cells a sheet holds by (row, column), without creating any (`iter_rows` and `cell` would
    add empty cells to what is saved); a chart sheet holds none."""
    return getattr(ws, "_cells", {})


def _anchor(ws: Any, row: int, column: int) -> tuple[int, int]:
    """Return the cell that shows a position: the first cell of a merged range holding it."""
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
            return merged.min_row, merged.min_col
    return row, column


def _comment(text: str) -> Any:
    from openpyxl.comments import Comment

    lines = sum(max(1, math.ceil(len(line) / _COMMENT_CHARS)) for line in text.split("\n"))
    return Comment(text, AUTHOR, height=min(20 + 15 * lines, 400), width=_COMMENT_WIDTH)


def _pattern(fill: Any) -> bool:
    """Tell whether a fill is a pattern fill (a cell's style gives it behind a proxy, never a gradient's)."""
    return getattr(fill, "tagname", None) == "patternFill"


def _is_mark(fill: Any) -> bool:
    return _pattern(fill) and fill.fill_type == "solid" and fill.fgColor.rgb in FILLS.values()


def _record(sheet: str, cell: Any) -> dict[str, Any]:
    """Return what a cell is before it is marked: its fill and its comment."""
    comment = cell.comment
    return {"sheet": sheet, "cell": cell.coordinate, "fill": _fill_record(cell.fill),
            "comment": None if comment is None else {"text": comment.text, "author": comment.author,
                                                     "height": comment.height, "width": comment.width}}


def _fill_record(fill: Any) -> dict[str, Any] | None:
    if not _pattern(fill):
        return None
    return {"type": fill.fill_type, "fg": _color_record(fill.fgColor), "bg": _color_record(fill.bgColor)}


def _color_record(color: Any) -> dict[str, Any] | None:
    return None if color is None else {"type": color.type, "value": color.value, "tint": color.tint}


def _fill(record: dict[str, Any] | None) -> Any:
    from openpyxl.styles import Color, PatternFill

    if not record:
        return PatternFill()
    colors = {key: Color(**{c["type"]: c["value"]}, tint=c["tint"]) for key, c in
              (("fgColor", record["fg"]), ("bgColor", record["bg"])) if c}
    return PatternFill(record["type"], **colors)


def _write_listing(ws: Any, listing: Listing) -> None:
    """Write the title, the summary lines and the tables; set widths and the page."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.cell(1, 1, listing.title).font = Font(bold=True, size=14)
    row = 2
    for line in listing.lines:
        ws.cell(row, 1, line)
        row += 1
    for table in listing.tables:
        row += 1
        ws.cell(row, 1, table.heading).font = Font(bold=True, size=12)
        row += 1
        for col, label in enumerate(table.headers, start=1):
            cell = ws.cell(row, col, label)
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=_HEADER_FILL)
        row += 1
        if not table.rows:
            ws.cell(row, 1, table.empty)
            row += 1
        for values, severity in zip(table.rows, table.severities):
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row, col)
                _text(cell, value)
                cell.alignment = Alignment(vertical="top", wrap_text=col - 1 == table.wrapped)
            ws.cell(row, 1).fill = PatternFill("solid", fgColor=FILLS[severity])
            row += 1
    for col, width in enumerate(listing.widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _text(cell: Any, value: str | int | None) -> None:
    """Write a value; text is always text (openpyxl would take '=…' for a formula)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _stated_times(source: bytes) -> tuple[datetime | None, datetime | None]:
    """Return the creation and modification times the source's document properties state (naive UTC)."""
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        core = archive.read("docProps/core.xml").decode("utf-8", "replace") \
            if "docProps/core.xml" in archive.namelist() else ""
    return tuple(_w3c(re.search(rf"<dcterms:{name}[^>]*>([^<]+)<", core)) for name in ("created", "modified"))


def _w3c(found: re.Match[str] | None) -> datetime | None:
    if found is None:
        return None
    try:
        when = datetime.fromisoformat(found.group(1).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when


def _lost_parts(source: bytes) -> set[str]:
    from openpyxl.drawing.image import PILImage

    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        names = archive.namelist()
    lost = {what for prefix, what in _LOST_PARTS.items() if any(n.startswith(prefix) for n in names)}
    return lost - {"images"} if PILImage else lost  # openpyxl keeps images only with Pillow


def _lost_warnings(messages: Iterable[str]) -> set[str]:
    lost = set()
    for message in messages:
        if any(h in message for h in _HARMLESS_WARNINGS):
            continue
        lost.add(next((what for words, what in _LOST_WARNINGS.items() if words in message), "other"))
    return lost


def _repack(data: bytes, stamp: datetime) -> bytes:
    """Return the zip with every entry dated `stamp`, and the document modified then (openpyxl writes the
    time of saving), so that the same content gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)",
                                 rb"\g<1>" + f"{stamp:%Y-%m-%dT%H:%M:%SZ}".encode() + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()
