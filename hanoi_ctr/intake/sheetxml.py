"""Read from a workbook's XML what the spreadsheet parser does not say, before it is parsed.

An `.xlsx` is a zip of XML parts. fastexcel returns cell values only; this
module reads the rest, and measures the file first:

- every part is decompressed and counted (the sizes zip headers state are
  never trusted), stopping at the limit;
- `xl/workbook.xml`: the sheets in order and which are hidden;
- each sheet's cell references: its used range (a stray cell at XFD1048576
  makes a range no parser should allocate) and its hidden rows;
- `xl/styles.xml`: each cell style's number format, so that a cell shown as
  `90%` or `00277` is read as the officer sees it (`Sheet.cells`).

Parts are scanned with bounded regular expressions over bytes: no XML
parser, no entities, no DTD. Problems come back as `Refused`
(`file-too-large`, `file-unreadable`, `unsupported-format` for macros),
never as exceptions.
"""

from __future__ import annotations

import html
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from io import BytesIO
from typing import Collection, Iterator

_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL = re.compile(_PREFIX + rb"c(?=[\s/>])([^>]*)>")
# Cells as spreadsheet programs write them (`<c r="B7" …>`): one fast pass finds them all.
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_ODD_CELL_TAG = re.compile(rb"<c[^ a-zA-Z]")  # `<c>`, `<c/>`, `<c` and a tab or line break
# A cell holding a value: its first child is <v> or <is>, after an optional formula.
_VALUE = rb"""[^>]*(?<!/)>\s*(?:<(?:[A-Za-z_][\w.-]*:)?f\b[^>]*?(?:/>|>[^<]*</(?:[A-Za-z_][\w.-]*:)?f>)\s*)?"""
_VALUE += rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|is)[\s/>]"
_PLAIN_VALUED_CELL = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"' + _VALUE)
_PLAIN_VALUED_IN_A = re.compile(rb'<c r="A[0-9]{1,7}"' + _VALUE)
_VALUED_CELL = re.compile(_PREFIX + rb"""c\s[^>]*?\br\s*=\s*["']([A-Z]{1,3})[0-9]{1,7}["']""" + _VALUE)
_ROW_OR_CELL = re.compile(_PREFIX + rb"(row|c)(?=[\s/>])([^>]*)>")
_ROW = re.compile(_PREFIX + rb"row(?=[\s/>])([^>]*)>")
_PLAIN_HIDDEN_ROW = re.compile(rb'<row r="([0-9]{1,7})"[^>]*? hidden="(?:1|true)"')
_HIDDEN_ROW = re.compile(_PREFIX + rb"""row(\s[^>]*\bhidden\s*=\s*["'](?:1|true)["'][^>]*)>""")
_SHEET = re.compile(_PREFIX + rb"sheet\s([^>]*)>")
_RELATIONSHIP = re.compile(_PREFIX + rb"Relationship\s([^>]*)>")
_NUMFMT = re.compile(_PREFIX + rb"numFmt\s([^>]*)>")
_CELL_XFS = re.compile(_PREFIX + rb"cellXfs\b.*?</(?:[A-Za-z_][\w.-]*:)?cellXfs>", re.S)
_XF = re.compile(_PREFIX + rb"xf\b([^>]*)>")
_NUMFMT_ID = re.compile(rb"""\bnumFmtId\s*=\s*["']([0-9]{1,9})["']""")
_SST = re.compile(_PREFIX + rb"sst\b([^>]*)>")
_COLUMN = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_TYPE = re.compile(rb"""(?<![\w:.-])t\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_STYLE = re.compile(rb"""(?<![\w:.-])s\s*=\s*["']([0-9]{1,9})["']""")

#: Built-in number formats that show a percentage (ECMA-376 §18.8.30).
_PERCENT_FORMATS = {9, 10}
_CHUNK = 1 << 20
#: Parts kept while measuring, at most (a template is ~0.2 MB; a 100 000-row table, ~45 MB, is unpacked twice).
_KEPT_AT_ONCE = 16 << 20
#: The fewest bytes one shared string can take (`<si/>`): a table claiming more strings than that lies.
_MIN_STRING_BYTES = 5


@dataclass(frozen=True)
class Refused:
    """Why a workbook is not handed to the parser: an issue code and its detail."""

    code: str
    detail: str | tuple[str, str]


@dataclass(frozen=True)
class Cell:
    """What one cell held: `number`, `percent` (a number shown as a percentage), `text`, `bool` or `error`.

    `pad` is the number of digits a zero-padded number format shows (`00000` → 5), else 0.
    """

    kind: str
    pad: int = 0


_TEXT, _NUMBER = Cell("text"), Cell("number")


class SheetRange:
    """What a worksheet's state (`visible`, `hidden`, `veryHidden`) and used range tell; for the classes
    that have `state`, `rows` and `columns`."""

    state: str
    rows: int
    columns: int

    @property
    def visible(self) -> bool:
        """Return whether the sheet shows in the tab bar."""
        return self.state == "visible"

    @property
    def cell_count(self) -> int:
        """Return the size of the used range (rows × columns)."""
        return self.rows * self.columns


@dataclass(frozen=True)
class Sheet(SheetRange):
    """One worksheet: its name, state, used range and hidden rows, and the cells' formats on demand."""

    name: str
    state: str
    rows: int
    columns: int
    #: Every cell is written `<c r="…"`, as spreadsheet programs write them (else cells are found,
    #: and placed where they carry no reference, by a slower walk).
    plain: bool
    xml: bytes = field(repr=False)
    formats: tuple[Cell, ...] = field(repr=False)

    @cached_property
    def first_column(self) -> int:
        """Return the first column holding a value: the parser's rows start there (its position 0)."""
        if self.plain and _PLAIN_VALUED_IN_A.search(self.xml):  # most tables start in column A
            return 1
        letters = set((_PLAIN_VALUED_CELL if self.plain else _VALUED_CELL).findall(self.xml))
        return min((_column_number(c.decode()) for c in letters), default=1)

    @cached_property
    def hidden_rows(self) -> frozenset[int]:
        """Return the numbers of the hidden rows (by the user, or by a filter)."""
        if b"hidden" not in self.xml:
            return frozenset()
        if self.plain:  # rows written `<row r="…" … hidden="1">`, as spreadsheet programs write them
            plain = _PLAIN_HIDDEN_ROW.findall(self.xml)
            start, end = self.xml.find(b"<cols>"), self.xml.find(b"</cols>")
            in_columns = self.xml[start:end].count(b"hidden") if 0 <= start < end else 0
            # Every "hidden" in the sheet is one of those rows or a hidden column: nothing else is hidden.
            if self.xml.count(b"hidden") == len(plain) + in_columns:
                return frozenset(map(int, plain))
        return _hidden_rows(self.xml)

    def cells(self, columns: Collection[int]) -> dict[tuple[int, int], Cell]:
        """Return (row, column) → Cell for the cells of some columns (1-based, as the user sees them)."""
        if not columns:
            return {}
        if self.plain:  # find the wanted columns' cells directly, in one pass
            pattern = _cells_of(tuple(sorted(column_letters(c) for c in set(columns))))
            # Cells of a column share their letters, and most cells a few attribute strings: each is read once.
            numbers: dict[bytes, int] = {}
            kinds: dict[bytes, Cell] = {}
            out: dict[tuple[int, int], Cell] = {}
            for letters, row, attrs in pattern.findall(self.xml):
                column = numbers.get(letters)
                if column is None:
                    column = numbers[letters] = _column_number(letters.decode())
                kind = kinds.get(attrs)
                if kind is None:
                    kind = kinds[attrs] = _kind(attrs, self.formats)
                out[(int(row), column)] = kind
            return out
        wanted = {column_letters(c) for c in columns}
        return {(row, _column_number(letters)): _kind(attrs, self.formats)
                for (letters, row), attrs in _cells(self.xml) if letters in wanted}


@dataclass(frozen=True)
class Book:
    """A workbook's worksheets in tab order."""

    sheets: tuple[Sheet, ...]

    def sheet(self, name: str) -> Sheet | None:
        """Return the sheet of a name, or None."""
        return next((s for s in self.sheets if s.name == name), None)


@dataclass(frozen=True)
class Limits:
    """How much a workbook may unpack to, and how large a sheet's used range may be."""

    uncompressed_bytes: int
    cells: int


def inspect(data: bytes, limits: Limits) -> Book | Refused:
    """Measure a workbook and read its sheets, states, used ranges, hidden rows and number formats."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return Refused("file-unreadable", ("bảng tính bị hỏng, không mở được", f"damaged workbook ({exc})"))
    stated = sum(i.file_size for i in infos)
    if stated > limits.uncompressed_bytes:
        return Refused("file-too-large", (
            f"{stated:,} byte khi giải nén > {limits.uncompressed_bytes:,}".replace(",", "."),
            f"{stated:,} bytes uncompressed > {limits.uncompressed_bytes:,}"))
    names = tuple(i.filename for i in infos)
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return Refused("unsupported-format", ("bảng tính có macro; hãy lưu thành .xlsx không có macro",
                                              "the workbook contains macros; save as .xlsx without macros"))
    parts = _unpack(data, infos, limits.uncompressed_bytes)
    if isinstance(parts, Refused):
        return parts
    try:
        sheets = _sheets(parts)
    except ValueError as exc:
        return Refused("file-unreadable", ("bảng tính bị hỏng, không mở được", f"damaged workbook ({exc})"))
    return _bounded(Book(sheets), parts, limits)


# --- unpacking, measured -----------------------------------------------------------------


def _kept(name: str) -> bool:
    """Tell whether a part is read here (the others are only measured)."""
    return name.endswith((".xml", ".rels")) and not name.startswith(("xl/media/", "docProps/"))


def _unpack(data: bytes, infos: list[zipfile.ZipInfo], limit: int) -> dict[str, bytes] | Refused:
    """Measure every part by decompressing it, and keep the XML parts read here.

    Parts are kept while they come to at most `_KEPT_AT_ONCE` bytes; past that, measuring goes on
    without keeping and the kept parts are unpacked again once the whole is known to fit, so that
    a workbook unpacking past the limit costs little memory.
    """
    total, kept, keeping = 0, {}, True
    try:
        for info in infos:
            out: list[bytes] | None = [] if keeping and _kept(info.filename) else None
            size = 0 if info.is_dir() else _inflate(data, info, limit - total, out, _KEPT_AT_ONCE - total)
            if size is None:
                return Refused("file-too-large", (f"hơn {limit:,} byte khi giải nén".replace(",", "."),
                                                    f"more than {limit:,} bytes uncompressed"))
            total += size
            keeping = keeping and total <= _KEPT_AT_ONCE
            if out is not None and keeping:
                kept[info.filename] = b"".join(out)
        if not keeping:
            kept = {i.filename: _unpacked(data, i, limit) for i in infos if not i.is_dir() and _kept(i.filename)}
    except (zlib.error, ValueError, struct.error) as exc:
        return Refused("file-unreadable", ("bảng tính bị hỏng, không mở được", f"damaged workbook ({exc})"))
    return kept


def _unpacked(data: bytes, info: zipfile.ZipInfo, limit: int) -> bytes:
    out: list[bytes] = []
    _inflate(data, info, limit, out, limit)
    return b"".join(out)


def _inflate(data: bytes, info: zipfile.ZipInfo, budget: int, out: list[bytes] | None, keep: int) -> int | None:
    """Return the real uncompressed size of a part (None past `budget`).

    Its bytes are appended to `out` while they come to at most `keep` bytes; past that `out` is
    emptied and measuring goes on.
    """
    if info.flag_bits & 0x1:
        raise ValueError("encrypted part")
    raw = _compressed(data, info)
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) > budget:
            return None
        if out is not None and len(raw) <= keep:
            out.append(bytes(raw))
        return len(raw)
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise ValueError(f"compression method {info.compress_type} is not one spreadsheet programs use")
    inflater, size = zlib.decompressobj(-zlib.MAX_WBITS), 0
    for start in range(0, len(raw), _CHUNK):
        pending = raw[start:start + _CHUNK]
        while pending:
            # A bounded step (one byte over the budget is enough to refuse): memory stays small.
            chunk = inflater.decompress(pending, max(1, min(_CHUNK, budget - size + 1)))
            size += len(chunk)
            if size > budget:
                return None
            if out is not None:
                if size <= keep:
                    out.append(chunk)
                else:  # past what may be kept while measuring: let it go
                    out.clear()
                    out = None
            pending = inflater.unconsumed_tail
            if inflater.eof:
                return size
    return size


def _compressed(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """Return a part's compressed bytes, located by its local header."""
    offset = info.header_offset
    if data[offset:offset + 4] != b"PK\x03\x04":
        raise ValueError("bad local header")
    name_length, extra_length = struct.unpack("<HH", data[offset + 26:offset + 30])
    start = offset + 30 + name_length + extra_length
    if start + info.compress_size > len(data):
        raise ValueError("truncated part")
    return memoryview(data)[start:start + info.compress_size]


# --- workbook, relationships, styles --------------------------------------------------------


def _attrs(tag: bytes) -> dict[str, str]:
    """Return a tag's attributes by local name, entities decoded."""
    out = {}
    for name, double, single in _ATTR.findall(tag):
        local = name.decode("ascii", "replace").rsplit(":", 1)[-1]
        out.setdefault(local, html.unescape((double or single).decode("utf-8", "replace")))
    return out


def _relationships(parts: dict[str, bytes], owner: str) -> dict[str, tuple[str, str]]:
    """Return Id → (type, part name) of a part's relationships."""
    folder, name = posixpath.split(owner)
    rels = parts.get(posixpath.join(folder, "_rels", name + ".rels"), b"")
    out = {}
    for tag in _RELATIONSHIP.findall(rels):
        a = _attrs(tag)
        target = a.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[a.get("Id", "")] = (a.get("Type", ""), path)
    return out


def _workbook_part(parts: dict[str, bytes]) -> str:
    """Return the workbook part named by the package's relationships (`_rels/.rels`)."""
    for kind, path in _relationships(parts, "").values():
        if kind.endswith("/officeDocument"):
            return path
    return "xl/workbook.xml"


def _sheets(parts: dict[str, bytes]) -> tuple[Sheet, ...]:
    """Return the worksheets in tab order with their states, ranges, hidden rows and formats."""
    workbook = _workbook_part(parts)
    if workbook not in parts:
        raise ValueError("no workbook part")
    rels = _relationships(parts, workbook)
    formats = _formats(parts.get(_styles_part(rels), b""))
    sheets = []
    for tag in _SHEET.findall(parts[workbook]):
        a = _attrs(tag)
        kind, path = rels.get(a.get("id", ""), ("", ""))
        if not kind.endswith("/worksheet"):
            continue  # a chart sheet holds no cells
        xml = parts.get(path, b"")
        rows, columns, plain = _used_range(xml)
        sheets.append(Sheet(a.get("name", ""), a.get("state", "visible"), rows, columns, plain, xml, formats))
    return tuple(sheets)


def _styles_part(rels: dict[str, tuple[str, str]]) -> str:
    return next((path for kind, path in rels.values() if kind.endswith("/styles")), "xl/styles.xml")


def _formats(styles: bytes) -> tuple[Cell, ...]:
    """Return, per cell style index, the kind of number its format shows (percent, zero-padded, plain)."""
    codes = {}
    for tag in _NUMFMT.findall(styles):
        a = _attrs(tag)
        if a.get("numFmtId", "").isdigit():
            codes[int(a["numFmtId"])] = a.get("formatCode", "")
    block = _CELL_XFS.search(styles)
    out = []
    for tag in _XF.findall(block.group(0)) if block else []:
        number = _NUMFMT_ID.search(tag)
        out.append(_number_format(int(number.group(1)) if number else 0, codes))
    return tuple(out)


def _number_format(number: int, codes: dict[int, str]) -> Cell:
    """Return how a number format shows a number.

    >>> _number_format(9, {}), _number_format(164, {164: '00000'}), _number_format(165, {165: '0.0"%"'})
    (Cell(kind='percent', pad=0), Cell(kind='number', pad=5), Cell(kind='number', pad=0))
    """
    if number in _PERCENT_FORMATS:
        return Cell("percent")
    # The first section (positive numbers), without quoted text, escapes and [colour]/[condition] parts.
    shown = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", codes.get(number, "").split(";")[0])
    if "%" in shown:
        return Cell("percent")
    return Cell("number", len(shown) if re.fullmatch("0{2,}", shown) else 0)


def _claimed_strings(xml: bytes) -> int | None:
    """Return the number of strings a shared-string table claims when it is more than its size can hold."""
    match = _SST.search(xml[:4096])
    if not match:
        return None
    a = _attrs(match.group(1))
    claimed = max((int(a[k]) for k in ("count", "uniqueCount") if a.get(k, "").isdigit()), default=0)
    return claimed if claimed > len(xml) // _MIN_STRING_BYTES else None


# --- sheets: used range, hidden rows, cells ---------------------------------------------------


def column_letters(column: int) -> str:
    """Return a column's letters.

    >>> column_letters(1), column_letters(28), column_letters(16384)
    ('A', 'AB', 'XFD')
    """
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _used_range(xml: bytes) -> tuple[int, int, bool]:
    """Return (last row, last column) holding a cell, and whether every cell is plain (`<c r="…"`).

    Every cell counts, wherever it is. Where some cell is written otherwise (a namespace prefix,
    other spacing or quotes, no reference), all cells are walked, and those without a reference
    follow the one before, as parsers place them.
    """
    refs = _PLAIN_CELL.findall(xml)
    if _all_plain(xml, len(refs)):
        rows = max(map(int, {r for _, r in refs}), default=0)
        longest = max({c for c, _ in refs}, key=lambda c: (len(c), c), default=b"")
        return rows, _column_number(longest.decode()), True
    positions = [ref for ref, _ in _cells(xml)]
    return (max((r for _, r in positions), default=0),
            max((_column_number(c) for c, _ in positions), default=0), False)


def _all_plain(xml: bytes, plain: int) -> bool:
    """Tell whether the `plain` cells found are every cell of the sheet."""
    # Any other way of writing a cell tag (or a prefix anywhere) sends the sheet to the slow walk.
    return xml.count(b"<c ") == plain and b":c" not in xml and not _ODD_CELL_TAG.search(xml)


@lru_cache(maxsize=64)
def _cells_of(letters: tuple[str, ...]) -> re.Pattern[bytes]:
    """Return a pattern finding (letters, row, attributes) of the plain cells of some columns."""
    columns = b"|".join(c.encode() for c in letters)
    return re.compile(rb'<c r="(' + columns + rb')([0-9]{1,7})"([^>]*)>')


def _cells(xml: bytes) -> Iterator[tuple[tuple[str, int], bytes]]:
    """Yield ((column letters, row), attributes) of every cell, placing cells without a reference."""
    row, column = 0, 0
    for match in _ROW_OR_CELL.finditer(xml):
        tag, attrs = match.group(1), match.group(2)
        if tag == b"row":
            r = _attrs(attrs).get("r", "")
            row, column = (int(r) if r.isdigit() else row + 1), 0
            continue
        ref = _COLUMN.fullmatch(_attrs(attrs).get("r", ""))
        if ref:
            column, row = _column_number(ref.group(1)), int(ref.group(2))
        else:
            column += 1
        yield (column_letters(column), row), attrs


def _hidden_rows(xml: bytes) -> frozenset[int]:
    """Return the numbers of the hidden rows (by the user, or by a filter)."""
    tags = _HIDDEN_ROW.findall(xml)
    numbers = [_attrs(tag).get("r", "") for tag in tags]
    if all(n.isdigit() for n in numbers):
        return frozenset(map(int, numbers))
    hidden, row = set(), 0  # a hidden row without its number: count the rows before it
    for attrs in _ROW.findall(xml):
        a = _attrs(attrs)
        row = int(a["r"]) if a.get("r", "").isdigit() else row + 1
        if a.get("hidden") in ("1", "true"):
            hidden.add(row)
    return frozenset(hidden)


def _kind(attrs: bytes, formats: tuple[Cell, ...]) -> Cell:
    """Return what a cell held, from its type and its style's number format."""
    typed = _TYPE.search(attrs)
    t = (typed.group(1) or typed.group(2)) if typed else b"n"
    if t in (b"s", b"str", b"inlineStr"):
        return _TEXT
    if t in (b"b", b"e"):
        return Cell("bool" if t == b"b" else "error")
    styled = _STYLE.search(attrs)
    style = int(styled.group(1)) if styled else 0
    return formats[style] if style < len(formats) else _NUMBER


# --- the bounds ---------------------------------------------------------------------------


def _bounded(book: Book, parts: dict[str, bytes], limits: Limits) -> Book | Refused:
    """Refuse a workbook whose sheets span absurd ranges or whose shared strings claim too much."""
    for sheet in book.sheets:
        if sheet.cell_count > limits.cells:
            last = f"{column_letters(sheet.columns)}{sheet.rows}"
            return Refused("file-too-large", (
                f"trang '{sheet.name}' trải tới ô {last} ({sheet.rows:,} dòng × {sheet.columns:,} cột, "
                f"quá {limits.cells:,} ô)",
                f"sheet '{sheet.name}' reaches cell {last} ({sheet.rows:,} rows × {sheet.columns:,} columns, "
                f"over {limits.cells:,} cells)"))
    for name, xml in parts.items():
        if name.endswith("sharedStrings.xml"):
            claimed = _claimed_strings(xml)
            if claimed is not None:
                return Refused("file-too-large", (
                    f"bảng chuỗi dùng chung khai {claimed:,} chuỗi trong {len(xml):,} byte".replace(",", "."),
                    f"the shared strings claim {claimed:,} strings in {len(xml):,} bytes"))
    return book
