"""Read submission files into raw text frames, keeping the row the user sees and what each cell showed.

Three formats: the template workbook the library generates, a plain
long-table `.xlsx` (its visible sheets, header row) and a long-table CSV
(UTF-8 with or without BOM; comma, semicolon or tab separated).
Workbooks are opened in a child process bounded in memory and time
(`sandbox`), which measures them and reads what values alone do not say
(`sheetxml`: hidden sheets and rows, number formats, used ranges) before
parsing them with fastexcel/calamine, which returns formula results as
cached and never evaluates them.

A reader never raises on bad content: what it cannot read becomes a
file-level issue (`file-too-large`, `unsupported-format`,
`unsupported-encoding`, `file-unreadable`, `file-refused`, `empty-file`,
`missing-column`, `duplicate-column`, `ambiguous-sheet`,
`template-mismatch`), and what it skips is said (`file-skipped`,
`sheet-skipped`, `trailing-bytes`). Every value it returns is text, with
`sheet` and `row` (1-based, as the user sees it) beside it and the
`CELL_FACTS` of its row; typing and checking happen in `checks`. Where
each table's header was found (`HeaderRow`) is kept on the `RawFile`, so
that an issue's column can be shown on the cell the user sees.

The first sheet of a feedback copy (`layout.is_feedback_sheet`: the list
of issues the library wrote for an earlier version of the file) is not
read: what the officer sends back is read as if it were not there.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Collection

import polars as pl

from hanoi_ctr.declare.issues import Issue, printable
from hanoi_ctr.intake import layout
from hanoi_ctr.intake.columns import (
    INDICATOR_RAW,
    INDICATOR_REQUIRED,
    TASK_RAW,
    TASK_REQUIRED,
    Header,
    known,
    read_header,
)
from hanoi_ctr.settings import Settings

if TYPE_CHECKING:
    from hanoi_ctr.intake import sandbox, sheetxml

__all__ = ["CELL_FACTS", "INDICATOR_RAW", "TASK_RAW", "HeaderRow", "RawFile", "csv_records", "read_file",
           "sha256_of"]

#: What a row's cells were besides their text: whether the row is hidden, how the unit code and the
#: numbers were stored (`number`, `percent`; null for text and CSV), and the fields of a CSV row
#: beyond its header (joined by the delimiter) with the number of the first.
CELL_FACTS = {"row_hidden": pl.Boolean, "unit_code_cell": pl.String, "value_cell": pl.String,
              "numerator_cell": pl.String, "denominator_cell": pl.String, "extra_fields": pl.String,
              "extra_from": pl.Int64}
_FACT_COLUMNS = ("unit_code", "value", "numerator", "denominator")
#: Codes of files that were not received at all: not archived, not in the ledger.
NOT_RECEIVED = ("file-skipped", "file-refused")
_HEADER_SEARCH_ROWS = 20


@dataclass(frozen=True)
class HeaderRow:
    """Where a table's header is on its sheet: its row (1-based, as the user sees it), its labels, and the
    sheet column (1-based) of the first label."""

    row: int
    labels: tuple[str, ...]
    first_column: int = 1

    def column(self, position: int) -> int:
        """Return the sheet column (1-based) of a position in the header."""
        return self.first_column + position


@dataclass
class RawFile:
    """What one file held: text frames with positions, and file-level issues."""

    path: Path
    sha256: str
    size: int
    format: str = "unknown"
    issues: list[Issue] = field(default_factory=list)
    indicators: pl.DataFrame | None = None
    tasks: pl.DataFrame | None = None
    meta: dict[str, str] = field(default_factory=dict)
    #: The header of each table read, by sheet (None for a CSV).
    headers: dict[str | None, HeaderRow] = field(default_factory=dict)

    @property
    def rejected(self) -> bool:
        """Return whether a file-level error rejects the whole file."""
        return any(i.severity == "error" for i in self.issues if i.row is None)

    @property
    def received(self) -> bool:
        """Return whether the file was taken in at all (not skipped, not refused before reading)."""
        return not any(i.code in NOT_RECEIVED for i in self.issues)

    def issue(self, code: str, **kw: object) -> None:
        """Record a file-level issue for this file."""
        self.issues.append(Issue(code, file=self.path.name, sha256=self.sha256 or None, **kw))  # type: ignore[arg-type]

    @property
    def rows_read(self) -> int:
        """Return the number of data rows read (blank rows are not data)."""
        return sum(f.height for f in (self.indicators, self.tasks) if f is not None)


def sha256_of(data: bytes) -> str:
    """Return the hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_file(path: Path | str, settings: Settings, known: Collection[str] = ()) -> RawFile:
    """Read one submission file; problems become issues on the returned RawFile.

    A file whose SHA-256 is in `known` (already received) is hashed but not parsed: the RawFile
    has its path, hash and size only. A link, a hidden or lock file is not read at all.
    """
    path = Path(path)
    refusal = _not_read(path)
    if refusal:
        raw = RawFile(path, sha256="", size=0, format="skipped")
        raw.issue(refusal[0], detail=refusal[1])
        return raw
    size = path.stat().st_size
    if size > settings.max_file_bytes:
        raw = RawFile(path, sha256=_sha256_of_file(path), size=size)
        raw.issue("file-too-large", detail=(f"{size:,} byte > {settings.max_file_bytes:,}".replace(",", "."),
                                                   f"{size:,} bytes > {settings.max_file_bytes:,}"))
        return raw
    data = path.read_bytes()
    raw = RawFile(path, sha256=sha256_of(data), size=size)
    if raw.sha256 in known:
        return raw
    suffix = path.suffix.lower()
    if not data:
        raw.issue("empty-file")
    elif suffix in (".csv", ".txt"):
        raw.format = "csv"
        _read_csv(raw, data)
    elif suffix == ".xlsm":
        raw.issue("unsupported-format", detail=("bảng tính có macro (.xlsm) không được nhận; hãy lưu thành .xlsx",
                                                 "macro-enabled workbook (.xlsm) refused; save as .xlsx"))
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raw.issue("unsupported-format", detail=("tệp Excel 97-2003 cũ (.xls); hãy lưu thành .xlsx",
                                                 "old Excel 97-2003 file (.xls); save as .xlsx"))
    elif suffix == ".xlsx":
        _read_xlsx(raw, data, settings)
    else:
        raw.issue("unsupported-format", detail=(f"'{printable(suffix or path.name)}' không phải .xlsx hoặc .csv",
                                                 f"'{printable(suffix or path.name)}' is not .xlsx or .csv"))
    _check_rows(raw, settings)
    return raw


def _not_read(path: Path) -> tuple[str, tuple[str, str]] | None:
    """Return why a path is not read (an issue code and its detail), or None for a file to read."""
    if path.is_symlink():
        target = os.readlink(path)
        return "file-refused", (f"đây là liên kết (symlink) tới '{target}'; hãy chép chính tệp vào thư mục nhận",
                                f"it is a link (symlink) to '{target}'; copy the file itself into the inbox")
    if path.name.startswith("~$"):
        return "file-skipped", ("tệp khóa Excel để lại khi một bảng tính đang mở",
                                "an Excel lock file, left while a workbook is open")
    if path.name.startswith(".") and path.is_dir():
        count = sum(1 for p in path.rglob("*") if p.is_file())
        return "file-skipped", (f"thư mục ẩn ({count} tệp bên trong)", f"a hidden folder ({count} files inside)")
    if path.name.startswith("."):
        return "file-skipped", ("tệp ẩn (tên bắt đầu bằng dấu chấm); đổi tên nếu đây là báo cáo",
                                "a hidden file (its name starts with a dot); rename it if it is a report")
    if not path.is_file():
        return "file-refused", ("không phải một tệp thông thường", "it is not a regular file")
    return None


def _check_rows(raw: RawFile, settings: Settings) -> None:
    if raw.rejected:
        raw.indicators = raw.tasks = None
    elif raw.rows_read > settings.max_rows:
        raw.issue("file-too-large", detail=(f"{raw.rows_read:,} dòng > {settings.max_rows:,}".replace(",", "."),
                                                   f"{raw.rows_read:,} rows > {settings.max_rows:,}"))
        raw.indicators = raw.tasks = None
    elif raw.rows_read == 0:
        raw.issue("empty-file")


# --- CSV ----------------------------------------------------------------------


def _utf16(data: bytes) -> str | None:
    """Return 'UTF-16 LE/BE' when the bytes are UTF-16: a byte-order mark, or NULs in every other byte."""
    if data.startswith(b"\xff\xfe"):
        return "UTF-16 LE"
    if data.startswith(b"\xfe\xff"):
        return "UTF-16 BE"
    sample = data[:4000]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0:2 * pairs:2].count(0), sample[1:2 * pairs:2].count(0)
    # Latin text in UTF-16 has a NUL in one byte of most pairs and almost never in the other.
    if odd > 0.3 * pairs and even < 0.05 * pairs:
        return "UTF-16 LE"
    if even > 0.3 * pairs and odd < 0.05 * pairs:
        return "UTF-16 BE"
    return None


def _decode(raw: RawFile, data: bytes) -> str | None:
    encoding = _utf16(data)
    if encoding:
        raw.issue("unsupported-encoding", detail=encoding)
        return None
    trimmed = data.rstrip(b"\x00\x1a")
    if len(trimmed) < len(data):
        n = len(data) - len(trimmed)
        raw.issue("trailing-bytes", detail=(f"{n} byte NUL/Ctrl-Z", f"{n} NUL/Ctrl-Z byte(s)"))
    try:
        return trimmed.decode("utf-8-sig")
    except UnicodeDecodeError:
        raw.issue("unsupported-encoding", detail=("Windows-1258 hoặc bảng mã cũ khác",
                                                  "Windows-1258 or another legacy code page"))
        return None


def _read_csv(raw: RawFile, data: bytes) -> None:
    text = _decode(raw, data)
    if text is None:
        return
    try:
        records, delimiter = _split(text)
    except csv.Error as exc:
        raw.issue("file-unreadable", detail=("tệp CSV không đọc được", f"CSV: {exc}"))
        return
    _from_records(raw, records, None, _header_index(records), delimiter=delimiter)


def _split(text: str) -> tuple[list[list[str]], str]:
    """Return a CSV's records and its delimiter (the commonest of `,` `;` tab on the first line)."""
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)), delimiter


def csv_records(data: bytes) -> list[list[str]] | None:
    """Return a CSV's records as the reader reads them (record i is the user's row i + 1), or None when
    it cannot be read."""
    text = _decode(RawFile(Path(), sha256="", size=len(data)), data)
    if text is None:
        return None
    try:
        return _split(text)[0]
    except csv.Error:
        return None


def _header_index(records: list[list[str]]) -> int | None:
    """Return the index of the header: the first row naming at least two known columns.

    Office files often carry a title or a note above the header. Without a
    recognisable header, the first non-blank row is taken (and its missing
    columns are reported).
    """
    for i, record in enumerate(records[:_HEADER_SEARCH_ROWS]):
        if sum(known(c) for c in record if c) >= 2:
            return i
    return next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)


def _has_header(records: list[list[str]]) -> bool:
    return any(sum(known(c) for c in r if c) >= 2 for r in records[:_HEADER_SEARCH_ROWS])


# --- plain and template workbooks ------------------------------------------------

#: The sheets read from a template (a workbook holding the first is one); other workbooks' visible sheets.
_TEMPLATE_SHEETS = (layout.META_SHEET, layout.INDICATOR_SHEET, layout.TASK_SHEET)
#: Where in a template's sheets the cells whose storage matters are (`_cells`): the child tells only those.
_TEMPLATE_POSITIONS = {layout.META_SHEET: [], **{sheet: [i for i, name in enumerate(columns) if name in _FACT_COLUMNS]
                                                 for sheet, columns in ((layout.INDICATOR_SHEET, layout.INDICATOR_COLUMNS),
                                                                        (layout.TASK_SHEET, layout.TASK_COLUMNS))}}


def _read_xlsx(raw: RawFile, data: bytes, settings: Settings) -> None:
    from hanoi_ctr.intake import sandbox, sheetxml  # a check of CSV files never needs them

    limits = sheetxml.Limits(settings.max_uncompressed_bytes, settings.max_cells)
    try:
        with sandbox.Workbook(data, limits, settings.max_parse_memory_bytes, settings.max_parse_seconds,
                              template=_TEMPLATE_SHEETS, positions=_TEMPLATE_POSITIONS) as book:
            if book.refused:
                raw.issue(book.refused.code, detail=book.refused.detail)
                return
            template = book.sheet(layout.META_SHEET) is not None
            wanted = ([s.name for s in book.sheets if s.name in _TEMPLATE_SHEETS]
                      if template else [s.name for s in book.sheets if s.visible])
            sheets = {name: [["" if c is None else c for c in row] for row in rows]
                      for name, rows in book.rows(wanted).items()}
            if not template:
                sheets = {name: rows for name, rows in sheets.items() if not _feedback(rows)}
            raw.format = "template" if template else "xlsx"
            (_read_template if template else _read_plain)(raw, sheets, book)
    except sandbox.ParseFailed as failed:
        _unparsed(raw, failed, settings)


def _unparsed(raw: RawFile, failed: sandbox.ParseFailed, settings: Settings) -> None:
    """Record why a workbook could not be read in its child process: the bound it passed, or the parser's failure."""
    if failed.reason == "memory":
        raw.issue("file-too-large", detail=(
            f"cần hơn {settings.max_parse_memory_bytes:,} byte bộ nhớ để đọc".replace(",", "."),
            f"reading needs more than {settings.max_parse_memory_bytes:,} bytes"))
    elif failed.reason == "time":
        raw.issue("file-too-large", detail=(
            f"đọc lâu hơn {settings.max_parse_seconds:g} giây", f"reading takes longer than {settings.max_parse_seconds:g} s"))
    else:
        raw.issue("file-unreadable", detail=(
            "bảng tính bị hỏng, không mở được", f"damaged workbook ({failed.detail or failed.reason})"))


def _read_plain(raw: RawFile, sheets: dict[str, list[list[str]]], book: sandbox.Workbook) -> None:
    """Read the visible sheets holding a long table: one of indicators, one of tasks; say what was skipped."""
    if not sheets:
        raw.issue("file-unreadable", detail=("bảng tính không có trang tính nào hiển thị",
                                                "the workbook has no visible sheet"))
        return
    tables = {name: records for name, records in sheets.items() if _has_header(records)}
    if not tables:  # no recognisable header: the first visible sheet, whose missing columns are reported
        first = next(iter(sheets))
        tables = {first: sheets[first]}
    by_kind: dict[str, list[str]] = {}
    for name, records in tables.items():
        by_kind.setdefault(_kind_of(records), []).append(name)
    for kind, names in by_kind.items():
        if len(names) > 1:
            raw.issue("ambiguous-sheet", detail=", ".join(f"'{printable(n)}'" for n in names))
            return
    read = ", ".join(f"'{printable(n)}'" for n in tables)
    for sheet in book.sheets:
        if not sheet.visible and sheet.cell_count:
            raw.issue("sheet-skipped", sheet=printable(sheet.name), value=sheet.name,
                      detail=(f"đã đọc trang {read}", f"read: {read}"))
    for name, records in tables.items():
        _from_records(raw, records, name, _header_index(records), book)


def _feedback(records: list[list[str]]) -> bool:
    """Tell whether a sheet is the list of issues of a feedback copy (its first cell says so)."""
    return bool(records and records[0] and layout.is_feedback_sheet(records[0][0]))


def _kind_of(records: list[list[str]]) -> str:
    index = _header_index(records)
    labels = records[index] if index is not None else []
    names = read_header(labels).positions
    return "tasks" if "task_code" in names and "indicator_code" not in names else "indicators"


def _read_template(raw: RawFile, sheets: dict[str, list[list[str]]], book: sandbox.Workbook) -> None:
    meta = {r[0]: r[1] for r in sheets[layout.META_SHEET] if len(r) >= 2 and r[0]}
    raw.meta = meta
    problem = _template_problem(meta, sheets) or _renamed(raw.path.name, meta)
    if problem:
        raw.issue("template-mismatch", detail=problem)
        return
    records = sheets[layout.INDICATOR_SHEET]
    # Who reported and when is asked once, on the indicator sheet, for the whole file.
    reporter = records[layout.REPORTER_ROW - 1] if len(records) >= layout.REPORTER_ROW else []
    header = {"unit_code": meta["unit_code"], "period": meta["period"],
              "submitted_at": _cell(reporter, layout.SUBMITTED_ON_COLUMN),
              "reported_by": _cell(reporter, layout.REPORTED_BY_COLUMN)}
    _from_template_sheet(raw, records, layout.INDICATOR_SHEET, layout.INDICATOR_COLUMNS + (layout.CATEGORY_COLUMN,),
                         "indicators", header, book)
    if layout.TASK_SHEET in sheets:
        _from_template_sheet(raw, sheets[layout.TASK_SHEET], layout.TASK_SHEET, layout.TASK_COLUMNS, "tasks",
                             header, book)
    # Every row's code, a category's row left empty (and so not read) included.
    codes = ";".join(code for row in records[layout.FIRST_DATA_ROW - 1:] if (code := _cell(row, 1)).strip())
    if codes != meta.get("indicator_codes", ""):
        raw.issue("template-mismatch", detail=("mã chỉ tiêu trong trang tính khác với biểu mẫu đã phát hành",
                                               "the indicator codes in the sheet differ from the issued template"))


def _template_problem(meta: dict[str, str], sheets: dict[str, list[list[str]]]) -> str | tuple[str, str]:
    if meta.get("template_version") != layout.TEMPLATE_VERSION:
        return (f"phiên bản biểu mẫu '{meta.get('template_version')}' không được hỗ trợ",
                f"template version '{meta.get('template_version')}' is not supported")
    if meta.get("digest") != layout.meta_digest(meta):
        return ("thông tin ẩn của biểu mẫu đã bị sửa", "the template's hidden metadata was edited")
    for name, columns in ((layout.INDICATOR_SHEET, layout.INDICATOR_COLUMNS),
                          (layout.TASK_SHEET, layout.TASK_COLUMNS)):
        if name not in sheets:
            if name == layout.TASK_SHEET and not meta.get("task_codes"):
                continue
            return (f"thiếu trang tính '{name}'", f"sheet '{name}' is missing")
        rows = sheets[name]
        header = rows[layout.MACHINE_HEADER_ROW - 1] if len(rows) >= layout.MACHINE_HEADER_ROW else []
        if tuple(header[: len(columns)]) != columns:
            return (f"cấu trúc cột của trang '{name}' đã bị thay đổi", f"the columns of sheet '{name}' were changed")
    return ""


def _renamed(file_name: str, meta: dict[str, str]) -> tuple[str, str] | None:
    """Return what a template's file name says against its metadata (period, unit), if they disagree."""
    named = layout.named_in(file_name)
    said = {"period": meta.get("period"), "unit": meta.get("unit_code")}
    clashes = [(key, named[key], said[key]) for key in ("period", "unit") if named.get(key) and named[key] != said[key]]
    if not clashes:
        return None
    vi = {"period": "kỳ", "unit": "đơn vị"}
    return ("; ".join(f"tên tệp ghi {vi[k]} {a} nhưng biểu mẫu dành cho {vi[k]} {b}" for k, a, b in clashes),
            "; ".join(f"the file name says {k} {a} but the template is for {k} {b}" for k, a, b in clashes))


def _from_template_sheet(raw: RawFile, records: list[list[str]], sheet: str, columns: tuple[str, ...],
                         kind: str, header: dict[str, str], book: sandbox.Workbook) -> None:
    positions = {name: i for i, name in enumerate(columns)}
    facts = book.sheet(sheet)
    raw.headers[sheet] = HeaderRow(layout.MACHINE_HEADER_ROW, columns, facts.first_column if facts else 1)
    cells = _cells(book, facts, positions)
    width = len(columns)
    body = [i for i in range(layout.FIRST_DATA_ROW - 1, len(records))
            if any(v.strip() for v in records[i][:width]) and not _category_left_empty(records[i], positions)]
    wanted = INDICATOR_RAW if kind == "indicators" else TASK_RAW
    data: dict[str, list] = {}
    for name in wanted:  # the template's metadata names who and when for every row
        data[name] = [header[name]] * len(body) if name in header else _column(records, body, positions.get(name))
    setattr(raw, kind, _frame(sheet, body, data, wanted, _facts(body, positions, cells, facts)))


def _category_left_empty(record: list[str], positions: dict[str, int]) -> bool:
    """Tell whether a template row is a category's with nothing typed in: it is not sent."""
    def cell(name: str) -> str:
        position = positions.get(name)
        return record[position].strip() if position is not None and position < len(record) else ""
    label = cell(layout.CATEGORY_COLUMN)
    return bool(label) and label != layout.TOTAL_LABEL and not any(cell(c) for c in layout.INDICATOR_INPUTS)


def _cell(row: list[str], column: int) -> str:
    return row[column - 1] if len(row) >= column else ""


def _from_records(raw: RawFile, records: list[list[str]], sheet: str | None, header_index: int | None,
                  book: sandbox.Workbook | None = None, delimiter: str = ",") -> None:
    """Turn a long table (header row, then data) into a raw frame."""
    if header_index is None:
        return
    facts = book.sheet(sheet) if book and sheet is not None else None
    labels = records[header_index]
    raw.headers[sheet] = HeaderRow(header_index + 1, tuple(labels), facts.first_column if facts else 1)
    header = read_header(labels)
    if _named_twice(raw, header, labels, facts, sheet):
        return
    names = header.positions
    kind = "tasks" if "task_code" in names and "indicator_code" not in names else "indicators"
    wanted, required = (TASK_RAW, TASK_REQUIRED) if kind == "tasks" else (INDICATOR_RAW, INDICATOR_REQUIRED)
    missing = [c for c in required if c not in names]
    for column in missing:
        raw.issue("missing-column", column=column, sheet=_shown(sheet))
    if missing:
        return
    # A sheet's rows are as wide as its used range: what lies right of the last header is beyond the header.
    width = len(labels) if facts is None else max((i + 1 for i, c in enumerate(labels) if c.strip()), default=0)
    _flag_unused_columns(raw, records, header_index, header, sheet, width)
    positions = {name: p for name, p in names.items() if name in wanted}
    cells = _cells(book, facts, positions)
    body = [i for i in range(header_index + 1, len(records)) if any(c.strip() for c in records[i])]
    data = {name: _column(records, body, positions.get(name)) for name in wanted}
    row_facts = _facts(body, positions, cells, facts, data.get("unit_code"))
    extra = [[c for c in records[i][width:] if c.strip()] for i in body]
    row_facts["extra_fields"] = [delimiter.join(e) or None for e in extra]
    row_facts["extra_from"] = [width + 1 if e else None for e in extra]
    setattr(raw, kind, _frame(sheet, body, data, wanted, row_facts))


def _column(records: list[list[str]], body: list[int], position: int | None) -> list[str | None]:
    """Return one column's cells of the body rows (None where a row is shorter or the column absent)."""
    if position is None:
        return [None] * len(body)
    return [records[i][position] if position < len(records[i]) else None for i in body]


def _named_twice(raw: RawFile, header: Header, labels: list[str], facts: sandbox.Sheet | None,
                 sheet: str | None) -> bool:
    """Report each column the header names more than once (`duplicate-column`); tell whether any was."""
    for name, positions in header.duplicates.items():
        where = ", ".join(f"'{printable(labels[p].strip())}' ({_column_label(p, facts)})" for p in positions)
        raw.issue("duplicate-column", sheet=_shown(sheet), column=name, detail=where)
    return bool(header.duplicates)


def _column_label(position: int, facts: sandbox.Sheet | None) -> str:
    """Return how the user names a column: its letters in a workbook, its number in a CSV."""
    return facts.letters(position) if facts else f"#{position + 1}"


def _shown(sheet: str | None) -> str | None:
    return None if sheet is None else printable(sheet)


def _cells(book: sandbox.Workbook | None, facts: sandbox.Sheet | None, positions: dict[str, int]
           ) -> dict[tuple[int, int], sheetxml.Cell]:
    """Return the formats of the cells whose storage matters (unit code, numbers), by (row, position)."""
    if book is None or facts is None:
        return {}
    wanted = [facts.column(positions[n]) for n in _FACT_COLUMNS if n in positions]
    return {(row, facts.position(column)): cell for (row, column), cell in book.cells(facts.name, wanted).items()}


def _facts(body: list[int], positions: dict[str, int], cells: dict[tuple[int, int], sheetxml.Cell],
           facts: sandbox.Sheet | None, unit_codes: list[str | None] | None = None) -> dict[str, list]:
    """Return the CELL_FACTS of the body rows (indexes into the records, a row's number less one).

    A unit code typed as a number and shown with zero padding (`00000`) is read as shown: changed in
    `unit_codes` (a template's unit comes from its metadata, so it passes none).
    """
    rows = [i + 1 for i in body]
    hidden = facts.hidden_rows if facts is not None else frozenset()
    out: dict[str, list] = {"row_hidden": [facts is not None and row in hidden for row in rows]}
    for name in _FACT_COLUMNS:
        position = positions.get(name)
        found = [cells.get((row, position)) for row in rows] if position is not None and cells else [None] * len(rows)
        out[f"{name}_cell"] = [c.kind if c and c.kind in ("number", "percent") else None for c in found]
    position = positions.get("unit_code")
    if unit_codes is not None and position is not None and cells:
        for k, row in enumerate(rows):
            cell, typed = cells.get((row, position)), unit_codes[k] or ""
            if cell and cell.kind == "number" and typed.isdigit() and cell.pad:
                unit_codes[k] = typed.zfill(cell.pad)
                out["unit_code_cell"][k] = None
    return out


def _flag_unused_columns(raw: RawFile, records: list[list[str]], header_index: int, header: Header,
                         sheet: str | None, width: int) -> None:
    """Warn about columns with data that no declared column matches (never silently ignored).

    Data beyond the header's `width` is no column: each such row is `extra-fields`.
    """
    labels = records[header_index]
    for position in range(min(len(labels), width)):
        if header.name_at(position) is not None:
            continue
        has_data = any(len(r) > position and r[position].strip() for r in records[header_index + 1:])
        if has_data:
            label = labels[position].strip() if position < len(labels) else ""
            raw.issue("ignored-column", sheet=_shown(sheet), column=printable(label) or f"#{position + 1}")


def _frame(sheet: str | None, body: list[int], data: dict[str, list], wanted: tuple[str, ...],
           facts: dict[str, list]) -> pl.DataFrame:
    """Return the raw frame of the body rows: sheet, row, the wanted columns' text and the CELL_FACTS."""
    schema = {"sheet": pl.String, "row": pl.Int64} | {c: pl.String for c in wanted} | CELL_FACTS
    columns = {"sheet": [sheet] * len(body), "row": [i + 1 for i in body], **data, **facts}
    # Rows of tuples: polars reads them in one pass (a dict of lists is built column by column in Python).
    rows = list(zip(*(columns.get(c, [None] * len(body)) for c in schema)))
    return pl.DataFrame(rows, schema=schema, orient="row")
