"""Feedback files: the officer's own file back, with every problem on its cell, in Vietnamese.

`feedback_file(path, issues, directory)` writes `<directory>/<stem>_gop-y.xlsx`
(`feedback_name`; "góp ý" is feedback): a copy of the officer's workbook,
or an `.xlsx` rendering of their CSV, where every cell with an issue is
filled (red: an error, the row is not accepted; yellow: a warning) and
carries a comment with the issue's code and message, several issues of one
cell in one comment. A first sheet (`Góp ý`, the one the copy opens on)
says how many errors and warnings there are and on how many rows, lists
the issues of the whole file, then every issue of a cell with the cell's
address. Nothing else changes: values, formulas, styles, the template's
protection, validations and its very hidden `_meta` sheet are kept, so the
officer can correct the copy and send it back; the reader leaves the
`Góp ý` sheet out (`layout.is_feedback_sheet`), and a copy made from an
earlier copy replaces the earlier marks and sheet. The original file is
only read.

Where a cell is: the row an issue carries is the row the user sees; its
column is found through the header the reader found on that sheet
(`readers.HeaderRow`): a declared column (`value`), a header's text (an
`ignored-column`), or a field number (`#9`, an `extra-fields`). An issue
with a row but no column is shown on the row's first cell; one with a
column but no row (`duplicate-column`, `ignored-column`) on the header
cell; one with neither is listed on the first sheet only.

A CSV is rendered as one sheet whose rows are its records at the numbers
the reader gives them (record i on row i + 1), every field as text exactly
as typed (`=1+1` stays text). A file that cannot be read (not a workbook
or CSV, damaged, refused by a guard of the reader) gets no copy: `None`.
The workbook is opened only after the reader has opened it in its bounded
child process and found it within the limits.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import polars as pl

from hanoi_ctr.declare.issues import printable
from hanoi_ctr.errors import writing
from hanoi_ctr.intake import layout
from hanoi_ctr.intake.columns import read_header
from hanoi_ctr.intake.readers import HeaderRow, RawFile, csv_records, read_file, sha256_of
from hanoi_ctr.intake.sheetxml import column_letters
from hanoi_ctr.settings import Settings
from hanoi_ctr.workbook.annotate import Copy, Listing, Mark, Table
from hanoi_ctr.workbook.render import render
from hanoi_ctr.workbook.sheetspec import Cell, Sheet, WorkbookSpec

if TYPE_CHECKING:
    from hanoi_ctr.intake.ingest import Batch

__all__ = ["SUFFIX", "Feedback", "feedback_file", "feedback_name", "write_feedback"]

#: What a feedback file's name adds to the stem of the file it is about.
SUFFIX = "_gop-y"
#: Codes of files that cannot be copied: nothing of them was read.
UNREADABLE = ("file-unreadable", "file-too-large", "file-refused", "file-skipped", "unsupported-format",
              "unsupported-encoding")
_FORMATS = ("template", "xlsx", "csv")
#: The sheet a CSV is rendered on, by language.
CSV_SHEETS = {"vi": "Dữ liệu", "en": "Data"}
_CREATED = (("created", datetime(2000, 1, 1)),)  # a CSV states no time: its rendering gets a fixed one

_WORDS = {
    "vi": {
        "error": "Lỗi", "warning": "Cảnh báo", "source": "Tệp gốc: {name} · SHA-256 {sha}…",
        "counts": "{errors} lỗi, {warnings} cảnh báo",
        "rows": "; {rows} dòng có vấn đề, trong đó {rejected} dòng có lỗi (không được nhận).",
        "rejected": "Cả tệp bị từ chối: hãy sửa các vấn đề của cả tệp dưới đây rồi gửi lại.",
        "accepted": "Không có lỗi: mọi dòng được nhận.",
        "legend": "Ô tô đỏ có lỗi, ô tô vàng có cảnh báo; di chuột vào ô để đọc góp ý (bảng dưới liệt kê đủ).",
        "resend": "Sửa ngay trên tệp này rồi gửi lại; trang «{sheet}» này không được đọc.",
        "csv": "Đây là bản .xlsx của tệp CSV đã gửi, các dòng đúng số dòng trong tệp CSV: có thể sửa và gửi lại "
               "tệp này hoặc tệp CSV; trang «{sheet}» này không được đọc.",
        "lost": "Bản sao này không giữ được {what} của tệp gốc: nếu cần giữ, hãy sửa trên tệp gốc.",
        "file_issues": "Vấn đề của cả tệp", "cell_issues": "Vấn đề tại từng dòng",
        "none": "Không có.", "severity": "Mức độ", "code": "Mã", "where": "Vị trí", "cell": "Ô",
        "message": "Nội dung", "sheet": "trang {sheet}", "column": "cột {column}",
        "images": "hình ảnh", "shapes": "hình vẽ", "extensions": "một số định dạng mở rộng",
        "threaded-comments": "các chuỗi bình luận (chỉ còn ghi chú)", "slicers": "bộ lọc slicer",
        "form-controls": "các nút điều khiển", "embedded-objects": "đối tượng nhúng", "charts": "một số biểu đồ",
        "other": "một số thành phần khác",
    },
    "en": {
        "error": "Error", "warning": "Warning", "source": "Original file: {name} · SHA-256 {sha}…",
        "counts": "{errors} error(s), {warnings} warning(s)",
        "rows": "; {rows} row(s) with a problem, {rejected} of them with an error (not accepted).",
        "rejected": "The whole file is rejected: correct the problems of the whole file below and send it again.",
        "accepted": "No error: every row is accepted.",
        "legend": "Red cells have an error, yellow cells a warning; hover over a cell to read its comment (the "
                  "table below lists them all).",
        "resend": "Correct this file and send it again; this «{sheet}» sheet is not read.",
        "csv": "This is an .xlsx rendering of the CSV file sent, its rows numbered as in the CSV: correct and send "
               "this file or the CSV; this «{sheet}» sheet is not read.",
        "lost": "This copy does not keep the original's {what}: to keep them, correct the original file.",
        "file_issues": "Problems of the whole file", "cell_issues": "Problems of a row",
        "none": "None.", "severity": "Severity", "code": "Code", "where": "Where", "cell": "Cell",
        "message": "Message", "sheet": "sheet {sheet}", "column": "column {column}",
        "images": "images", "shapes": "shapes", "extensions": "some extended features",
        "threaded-comments": "comment threads (kept as notes)", "slicers": "slicers",
        "form-controls": "form controls", "embedded-objects": "embedded objects", "charts": "some charts",
        "other": "some other parts",
    },
}


@dataclass(frozen=True)
class Feedback:
    """What became of one file of a run: the feedback file written, or why there is none."""

    source: Path
    written: Path | None
    #: Why no file was written: `clean` (no issue) or `unreadable` (nothing of the file could be read).
    reason: str | None = None


def feedback_name(name: str) -> str:
    """Return the name of the feedback file about a file.

    >>> feedback_name("2024-Q3_003.xlsx"), feedback_name("bao-cao.csv")
    ('2024-Q3_003_gop-y.xlsx', 'bao-cao_gop-y.xlsx')
    """
    return f"{Path(name).stem}{SUFFIX}.xlsx"


def feedback_file(path: Path | str, issues: pl.DataFrame, directory: Path | str, *, name: str | None = None,
                  lang: str = "vi", settings: Settings | None = None) -> Path | None:
    """Write the feedback file about one file; return its path, or None when the file cannot be read.

    Args:
        issues: issue records (the `issues` table); those of other files (another SHA-256, or another
            file name than `name`) are left out. A file without issues gets a copy saying so.
        name: the name the officer gave the file (default: the path's), for a file kept under another
            name, such as the archive's `<sha256>.<ext>`.
        lang: `vi` (default) or `en`, for the comments and the first sheet.
        settings: the reader's limits (None: the defaults).
    """
    path = Path(path)
    name = name or path.name
    return _write(path, issues, Path(directory) / feedback_name(name), name, lang, settings or Settings())


def write_feedback(batch: "Batch", paths: Iterable[Path | str], directory: Path | str, *, lang: str = "vi",
                   settings: Settings | None = None) -> list[Feedback]:
    """Write a feedback file for each file of a validate or ingest run that has issues, in `paths` order.

    A file without issues gets none (`clean`). Two files whose feedback files would have the same
    name (`a/bao-cao.xlsx`, `b/bao-cao.xlsx`) get `bao-cao_gop-y.xlsx` and `bao-cao_gop-y-2.xlsx`.
    """
    settings = settings or Settings()
    taken: dict[str, int] = {}
    done = []
    for path in map(Path, paths):
        if batch.issues.filter(pl.col("file") == path.name).is_empty():
            done.append(Feedback(path, None, "clean"))
            continue
        target = Path(directory) / _unique(feedback_name(path.name), taken)
        written = _write(path, batch.issues, target, path.name, lang, settings)
        done.append(Feedback(path, written, None if written else "unreadable"))
    return done


def _unique(name: str, taken: dict[str, int]) -> str:
    taken[name] = taken.get(name, 0) + 1
    n = taken[name]
    return name if n == 1 else f"{Path(name).stem}-{n}.xlsx"


def _write(path: Path, issues: pl.DataFrame, target: Path, name: str, lang: str, settings: Settings
           ) -> Path | None:
    raw = read_file(path, settings)
    if raw.format not in _FORMATS or any(i.code in UNREADABLE for i in raw.issues):
        return None
    data = path.read_bytes()
    if sha256_of(data) != raw.sha256:  # replaced since the reader read it: what it read is gone
        return None
    mine = issues.filter(pl.col("sha256") == raw.sha256, pl.col("file").is_null() | (pl.col("file") == name))
    with tempfile.TemporaryDirectory() as tmp:
        source = data if raw.format != "csv" else _csv_workbook(data, Path(tmp) / "csv.xlsx", lang)
        if source is None:
            return None
        copy = Copy(source)
        for sheet in copy.sheet_names:
            if layout.is_feedback_sheet(copy.first_cell(sheet)):
                copy.forget(sheet)
        placed = _place(mine, raw, copy.sheet_names, lang)
        records = copy.mark(Mark(sheet, row, col, issue["severity"], _comment(issue, lang))
                            for issue, cells in placed for sheet, row, col in cells)
        copy.put_first(_listing(name, raw, placed, copy.lost, lang), records)
        with writing(f"the feedback file {target}"):
            return copy.save(target)


def _csv_workbook(data: bytes, target: Path, lang: str) -> bytes | None:
    """Render a CSV's records as text cells at the rows the reader numbers them; None when unreadable."""
    records = csv_records(data)
    if records is None:
        return None
    cells = tuple(Cell(r, c, value) for r, record in enumerate(records) for c, value in enumerate(record) if value)
    widths: dict[int, float] = {}
    for cell in cells:
        widths[cell.col] = min(max(widths.get(cell.col, 8), len(str(cell.value)) + 2), 50)
    sheet = Sheet(CSV_SHEETS[lang], cells, widths=tuple(sorted(widths.items())))
    return render(WorkbookSpec((sheet,), properties=_CREATED), target).read_bytes()


# --- where each issue is --------------------------------------------------------------


Placed = list[tuple[dict, list[tuple[str, int, int]]]]


def _place(issues: pl.DataFrame, raw: RawFile, sheets: tuple[str, ...], lang: str) -> Placed:
    """Return each issue with the cells (sheet, row, column) it is shown on (none: the whole file)."""
    shown = {printable(s): s for s in sheets}
    placed = []
    for issue in issues.iter_rows(named=True):
        if raw.format == "csv":
            sheet, header = CSV_SHEETS[lang], raw.headers.get(None)
        else:
            sheet = shown.get(issue["sheet"]) if issue["sheet"] is not None else None
            header = raw.headers.get(sheet)
        cells = _cells(issue["row"], issue["column"], header) if sheet and header else []
        placed.append((issue, [(sheet, row, col) for row, col in cells]))
    # Issues of cells in the order of the workbook: sheet by sheet, row by row, left to right.
    return sorted(placed, key=lambda p: (sheets.index(p[1][0][0]), *p[1][0][1:]) if p[1] else (-1, 0, 0))


def _cells(row: int | None, column: str | None, header: HeaderRow) -> list[tuple[int, int]]:
    """Return the cells an issue is shown on: its row at its column (else the row's first cell), or the
    header cells of its column when it has no row."""
    columns = _columns(column, header)
    if row is None:
        return [(header.row, c) for c in columns]
    return [(row, (columns or [header.first_column])[0])]


def _columns(column: str | None, header: HeaderRow) -> list[int]:
    """Return the sheet columns an issue's column names: a declared column (each header cell naming it, when
    several do), a header's text, or a field number `#n`."""
    if not column:
        return []
    if re.fullmatch(r"#\d+", column):
        return [header.column(int(column[1:]) - 1)]
    named = read_header(list(header.labels))
    if column in named.positions:
        return [header.column(named.positions[column])]
    if column in named.duplicates:
        return [header.column(p) for p in named.duplicates[column]]
    return [header.column(p) for p, label in enumerate(header.labels) if printable(label.strip()) == column][:1]


# --- what is written -------------------------------------------------------------------


def _comment(issue: dict, lang: str) -> str:
    return f"[{issue['code']}] {issue[f'message_{lang}']}"


def _listing(name: str, raw: RawFile, placed: Placed, lost: tuple[str, ...], lang: str) -> Listing:
    """Return the first sheet: the summary, the issues of the whole file, then those of each row."""
    w = _WORDS[lang]
    sheet_name = layout.FEEDBACK_SHEETS[lang]
    issues = [issue for issue, _ in placed]
    errors = sum(i["severity"] == "error" for i in issues)
    lines = [w["source"].format(name=printable(name), sha=raw.sha256[:12]), _counts(issues, w)]
    if any(i["severity"] == "error" and i["row"] is None for i in issues):
        lines.append(w["rejected"])
    elif not errors:
        lines.append(w["accepted"])
    if any(cells for _, cells in placed):
        lines.append(w["legend"])
    lines.append(w["csv" if raw.format == "csv" else "resend"].format(sheet=sheet_name))
    if lost:
        lines.append(w["lost"].format(what=", ".join(w[what] for what in lost)))
    whole = [(i, cells) for i, cells in placed if i["row"] is None]
    at_rows = [(i, cells) for i, cells in placed if i["row"] is not None]
    tables = tuple(
        Table(w[heading], (w["severity"], w["code"], w[where], w["message"]),
              tuple((w[i["severity"]], i["code"], _where(i, cells, raw.format, w), i[f"message_{lang}"])
                    for i, cells in part), tuple(i["severity"] for i, _ in part), w["none"], wrapped=3)
        for heading, where, part in (("file_issues", "where", whole), ("cell_issues", "cell", at_rows)))
    return Listing(sheet_name, f"{layout.FEEDBACK_TITLES[lang]} {printable(name)}", tuple(lines), tables,
                   widths=(11, 26, 24, 95))


def _counts(issues: list[dict], w: dict[str, str]) -> str:
    """Return the summary: errors and warnings, and the rows with a problem (those with an error are not
    accepted)."""
    errors = sum(i["severity"] == "error" for i in issues)
    rows = {(i["sheet"], i["row"]) for i in issues if i["row"] is not None}
    rejected = {(i["sheet"], i["row"]) for i in issues if i["row"] is not None and i["severity"] == "error"}
    text = w["counts"].format(errors=errors, warnings=len(issues) - errors)
    return text + (w["rows"].format(rows=len(rows), rejected=len(rejected)) if rows else ".")


def _where(issue: dict, cells: list[tuple[str, int, int]], fmt: str, w: dict[str, str]) -> str:
    """Return where an issue is: the cells it is shown on, else its sheet and column."""
    if cells:
        return ", ".join(_address(c, fmt) for c in cells)
    parts = [w["sheet"].format(sheet=issue["sheet"]) if issue["sheet"] else None,
             w["column"].format(column=printable(issue["column"])) if issue["column"] else None]
    return ", ".join(p for p in parts if p)


def _address(cell: tuple[str, int, int], fmt: str) -> str:
    sheet, row, col = cell
    return f"{column_letters(col)}{row}" if fmt == "csv" else f"{printable(sheet)}!{column_letters(col)}{row}"
