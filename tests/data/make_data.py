"""Write the scenario files of tests/data/submissions and the issues each must raise (expected.csv).

One small file per issue code, named for its scenario. CSV files are plain
text; workbooks are written with xlsxwriter (fixed timestamps, so the bytes
are stable) and a few hostile files are built byte by byte. Run it from the
repository root after changing a scenario:

    python tests/data/make_data.py

`tests/test_validate_data.py` checks that validating every file here raises
exactly the issues in expected.csv, by (file, code, row, column).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent / "submissions"
HEADER = "unit_code,period,indicator_code,value,numerator,denominator,note,submitted_at"
CATEGORY_HEADER = "unit_code,period,indicator_code,category,value,numerator,denominator,note,submitted_at"
TASK_HEADER = "unit_code,period,task_code,status,completed_on,note,submitted_at"
ON_TIME = "2024-10-02"

# file name → (content lines, [(code, row, column)]) for CSV scenarios.
CSV_SCENARIOS: dict[str, tuple[list[str], list[tuple[str, int | None, str | None]]]] = {
    "submission-clean.csv": ([
        HEADER,
        f"00277,2024-Q3,01.07,,45,50,,{ON_TIME}",
        f"003,2024-Q3,01.06,12,,,,{ON_TIME}",
    ], []),
    "submission-unknown-unit.csv": ([HEADER, f"999,2024-Q3,08.01,90,,,,{ON_TIME}"],
                                    [("unknown-unit", 2, "unit_code")]),
    "submission-unit-inactive.csv": ([HEADER, "00277,2025-Q3,01.07,,45,50,,2025-10-02"],
                                     [("unit-inactive", 2, "unit_code")]),
    "submission-unknown-indicator.csv": ([HEADER, f"SO-LDTBXH,2024-Q3,99.99,90,,,,{ON_TIME}"],
                                         [("unknown-indicator", 2, "indicator_code")]),
    "submission-indicator-not-assigned.csv": ([HEADER, f"003,2024-Q3,01.07,,45,50,,{ON_TIME}"],
                                              [("indicator-not-assigned", 2, "indicator_code")]),
    "submission-invalid-period.csv": ([HEADER, f"SO-LDTBXH,Quý V/2024,08.01,90,,,,{ON_TIME}"],
                                      [("invalid-period", 2, "period")]),
    "submission-period-out-of-term.csv": ([HEADER, "SO-LDTBXH,Q4/2019,08.01,90,,,,2020-01-02"],
                                          [("period-out-of-term", 2, "period")]),
    "2024-Q3_submission-period-mismatch.csv": ([HEADER, "SO-LDTBXH,2024-Q2,08.01,90,,,,2024-07-02"],
                                               [("period-mismatch", 2, "period")]),
    "submission-future-period.csv": ([HEADER, "SO-LDTBXH,2099-Q1,08.01,90,,,,2099-04-02"],
                                     [("future-period", 2, "period"), ("period-out-of-term", 2, "period")]),
    "submission-type-error.csv": ([HEADER, f"SO-LDTBXH,2024-Q3,08.01,chín mươi,,,,{ON_TIME}"],
                                  [("type-error", 2, "value")]),
    "submission-missing-value.csv": ([HEADER, f"SO-LDTBXH,2024-Q3,08.01,,,,,{ON_TIME}"],
                                     [("missing-value", 2, "value")]),
    "submission-out-of-range.csv": ([HEADER, f"SO-LDTBXH,2024-Q3,08.01,120,,,,{ON_TIME}"],
                                    [("out-of-range", 2, "value")]),
    "submission-non-integer.csv": ([HEADER, f"003,2024-Q3,01.06,\"12,5\",,,,{ON_TIME}"],
                                   [("non-integer", 2, "value")]),
    "submission-numerator-exceeds-denominator.csv": ([HEADER, f"00277,2024-Q3,01.07,,60,50,,{ON_TIME}"],
                                                     [("numerator-exceeds-denominator", 2, "numerator")]),
    "submission-ratio-inconsistent.csv": ([HEADER, f"00277,2024-Q3,01.07,50,45,50,,{ON_TIME}"],
                                          [("ratio-inconsistent", 2, "value")]),
    "submission-categories.csv": ([
        CATEGORY_HEADER,
        f"003,2024-Q3,01.06,,12,,,,{ON_TIME}",
        f"003,2024-Q3,01.06,Nữ,5,,,,{ON_TIME}",
        f"003,2024-Q3,01.06,nam,7,,,,{ON_TIME}",
        "003,2024-Q4,01.02,,,70,100,,2025-01-02",
        "003,2024-Q4,01.02,sex=nam,,40,50,,2025-01-02",
        "003,2024-Q4,01.02,Giới tính: Nữ,,30,50,,2025-01-02",
    ], []),
    "submission-unknown-category.csv": ([CATEGORY_HEADER, f"003,2024-Q3,01.06,trẻ em,5,,,,{ON_TIME}"],
                                        [("unknown-category", 2, "category")]),
    "submission-disaggregation-mismatch.csv": ([
        CATEGORY_HEADER,
        f"003,2024-Q3,01.06,Tổng số,12,,,,{ON_TIME}",
        f"003,2024-Q3,01.06,Nữ,5,,,,{ON_TIME}",
        f"003,2024-Q3,01.06,Nam,6,,,,{ON_TIME}",
        "003,2024-Q4,01.02,,,75,100,,2025-01-02",
        "003,2024-Q4,01.02,sex=nam,,40,50,,2025-01-02",
        "003,2024-Q4,01.02,sex=nu,,30,49,,2025-01-02",
    ], [("disaggregation-mismatch", 2, "value"), ("disaggregation-mismatch", 5, "numerator"),
        ("disaggregation-mismatch", 5, "denominator")]),
    "submission-total-without-parts.csv": ([
        CATEGORY_HEADER,
        f"003,2024-Q3,01.06,,12,,,,{ON_TIME}",
        f"003,2024-Q3,01.06,Nữ,5,,,,{ON_TIME}",
        f"004,2024-Q3,01.06,,9,,,,{ON_TIME}",
    ], [("total-without-parts", 2, "category"), ("total-without-parts", 4, "category")]),
    "submission-parts-without-total.csv": ([
        CATEGORY_HEADER,
        f"003,2024-Q3,01.06,nữ,5,,,,{ON_TIME}",
        f"003,2024-Q3,01.06,nam,7,,,,{ON_TIME}",
    ], [("parts-without-total", 2, "category")]),
    "submission-duplicate-row.csv": ([HEADER, f"SO-LDTBXH,2024-Q3,08.01,90,,,,{ON_TIME}",
                                      f"SO-LDTBXH,Q3/2024,08.01,91,,,,{ON_TIME}"],
                                     [("duplicate-row", 3, "indicator_code")]),
    "submission-no-data-markers.csv": ([
        HEADER,
        f"SO-LDTBXH,2024-Q3,08.01,-,,,,{ON_TIME}",
        f"SO-LDTBXH,2024-Q3,08.02,KBC,,,,{ON_TIME}",
        f"00277,2024-Q3,01.07,,Không có số liệu,,,{ON_TIME}",
    ], []),
    "submission-blank-rows-trailing-columns.csv": ([
        HEADER + ",,",
        f"SO-LDTBXH,2024-Q3,08.01,90,,,,{ON_TIME},,",
        ",,,,,,,,,",
        "",
        f"SO-LDTBXH,2024-Q3,08.02,abc,,,,{ON_TIME},,",
    ], [("type-error", 5, "value")]),
    "submission-ignored-column.csv": ([HEADER + ",Ghi chú thêm", f"SO-LDTBXH,2024-Q3,08.01,90,,,,{ON_TIME},xem lại"],
                                      [("ignored-column", None, "Ghi chú thêm")]),
    "submission-late.csv": ([HEADER, "SO-LDTBXH,2024-Q3,08.01,90,,,,20/11/2024"],
                            [("late-submission", None, None)]),
    "submission-empty.csv": ([HEADER], [("empty-file", None, None)]),
    "submission-missing-column.csv": (["unit_code,period,indicator_code,note", "SO-LDTBXH,2024-Q3,08.01,x"],
                                      [("missing-column", None, "value")]),
    "submission-indicator-not-due.csv": ([HEADER, f"003,2024-Q3,01.03,5,,,,{ON_TIME}"],
                                         [("indicator-not-due", 2, "period")]),
    "submission-longer-period.csv": ([HEADER, "SO-LDTBXH,2024,08.01,90,,,,2025-01-05"],
                                     [("longer-period", 2, "period")]),
    "submission-baseline-year.csv": ([HEADER, "003,2020,01.03,7,,,,2021-01-05"],
                                     [("baseline-value", 2, "period")]),
    "submission-city-sends-its-statistic.csv": ([HEADER, f"01,2024-Q3,08.01,90,,,,{ON_TIME}"], []),
    "submission-tasks.csv": ([
        TASK_HEADER,
        f"TU-BTC,2024-Q3,01.T01,Đang thực hiện,,,{ON_TIME}",
        f"TU-BTC,2024-Q3,01.T02,completed,15/09/2024,,{ON_TIME}",
    ], []),
    "submission-tasks-unknown-task.csv": ([TASK_HEADER, f"TU-BTC,2024-Q3,01.T99,in_progress,,,{ON_TIME}"],
                                          [("unknown-task", 2, "task_code")]),
    "submission-tasks-not-lead.csv": ([TASK_HEADER, f"SO-KHDT,2024-Q3,01.T01,in_progress,,,{ON_TIME}"],
                                      [("task-not-assigned", 2, "task_code")]),
    # Two thousand or two? A count, a numerator and a denominator cannot tell; 90.500 % can only be 90.5.
    "submission-ambiguous-number.csv": ([
        HEADER,
        f"003,2024-Q3,01.06,2.000,,,,{ON_TIME}",
        f"00277,2024-Q3,01.07,,\"1,500\",2.000,,{ON_TIME}",
        f"SO-LDTBXH,2024-Q3,08.01,\"90,500\",,,,{ON_TIME}",
    ], [("ambiguous-number", 2, "value"), ("ambiguous-number", 3, "numerator"),
        ("ambiguous-number", 3, "denominator")]),
    "submission-not-finite.csv": ([
        HEADER,
        f"SO-LDTBXH,2024-Q3,08.01,1e309,,,,{ON_TIME}",
        f"SO-LDTBXH,2024-Q3,08.02,inf,,,,{ON_TIME}",
        f"SO-LDTBXH,2024-Q3,08.03,NaN,,,,{ON_TIME}",
        f"00277,2024-Q3,01.07,,45,1e400,,{ON_TIME}",
    ], [("not-finite", 2, "value"), ("not-finite", 3, "value"), ("not-finite", 4, "value"),
        ("not-finite", 5, "denominator")]),
    "submission-scale-mismatch.csv": ([HEADER, f"SO-LDTBXH,2024-Q3,08.01,\"0,9\",,,,{ON_TIME}"],
                                      [("scale-mismatch", 2, "value")]),
    # `3,25` unquoted in a comma CSV: the row has one field too many and every field after it has shifted.
    "submission-extra-fields.csv": ([HEADER, f"SO-LDTBXH,2024-Q3,08.01,3,25,,,,{ON_TIME}",
                                     f"SO-LDTBXH,2024-Q3,08.02,\"3,25\",,,,{ON_TIME}"],
                                    [("extra-fields", 2, "#9")]),
    "submission-duplicate-column.csv": (["unit_code,period,indicator_code,value,note,Giá trị",
                                         "SO-LDTBXH,2024-Q3,08.01,90,,91"],
                                        [("duplicate-column", None, "value")]),
    # `Đơn vị` beside `Mã đơn vị` is the unit's name: read, and checked against the catalog.
    "submission-unit-name.csv": ([
        "Mã đơn vị,Đơn vị,Kỳ báo cáo,Mã chỉ tiêu,Giá trị,Thời điểm gửi",
        f"003,Quận Tây Hồ,2024-Q3,01.06,12,{ON_TIME}",
        f"003,tây hồ,2024-Q3,03.05,2,{ON_TIME}",
        f"003,Quận Ba Đình,2024-Q3,05.04,3,{ON_TIME}",
    ], [("unit-name-mismatch", 4, "unit_name")]),
    # A ward abolished on 30 June 2025 sending the year 2025: in force on 1-30 June, not on 31 December.
    "submission-unit-inactive-at-period-end.csv": ([HEADER, "00277,2025,01.07,,45,50,,2026-01-05"],
                                                   [("unit-inactive", 2, "unit_code"), ("longer-period", 2, "period")]),
    "submission-tasks-implausible-dates.csv": ([
        TASK_HEADER,
        f"TU-BTC,2024-Q3,01.T01,completed,15/09/2042,,{ON_TIME}",
        f"TU-BTC,2024-Q3,01.T02,completed,01/01/1899,,{ON_TIME}",
    ], [("out-of-range", 2, "completed_on"), ("out-of-range", 3, "completed_on")]),
}


def write_csv_scenarios(expected: list[tuple[str, str, int | None, str | None]]) -> None:
    for name, (lines, issues) in CSV_SCENARIOS.items():
        (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        expected += [(name, code, row, column) for code, row, column in issues]
    # The same bytes as the clean file: the second one in a run is a duplicate.
    (HERE / "submission-duplicate-copy.csv").write_bytes((HERE / "submission-clean.csv").read_bytes())
    expected.append(("submission-duplicate-copy.csv", "duplicate-file", None, None))
    # Office quirks that are all valid: BOM, semicolons, comma decimals, percent, NFD text, spaces.
    quirks = ("\ufeffunit_code;period;indicator_code;value;numerator;denominator;note;submitted_at\n"
              f" SO-LDTBXH ;Quý III/2024;08.01;90,5%;;;Đã rà soát;02/10/2024\n"
              f"SO-LDTBXH;2024-Q3;08.03;\u00a095 ;;;{_nfd('Số liệu ước tính')};02/10/2024\n"
              f"003;2024-Q3;01.06;1.234.567;;;;02/10/2024\n")
    (HERE / "submission-comma-decimals.csv").write_text(quirks, encoding="utf-8")
    note = "unit_code,period,indicator_code,value,note,submitted_at\nSO-LDTBXH,2024-Q3,08.01,90,Đã rà soát,2024-10-02\n"
    (HERE / "submission-cp1258.csv").write_bytes(_nfd(note).encode("cp1258"))  # CP1258 composes tones
    (HERE / "submission-utf16.csv").write_bytes(note.encode("utf-16"))
    (HERE / "submission-utf16-no-bom.csv").write_bytes(note.encode("utf-16-le"))
    # Some exporters pad a file with NULs: ignored and said, never a row of its own, never "UTF-16".
    (HERE / "submission-trailing-nul.csv").write_bytes(note.encode("utf-8") + b"\x00\x00")
    expected += [("submission-cp1258.csv", "unsupported-encoding", None, None),
                 ("submission-utf16.csv", "unsupported-encoding", None, None),
                 ("submission-utf16-no-bom.csv", "unsupported-encoding", None, None),
                 ("submission-trailing-nul.csv", "trailing-bytes", None, None)]


def write_files_not_read(expected: list[tuple[str, str, int | None, str | None]]) -> None:
    """A hidden file, an Excel lock file and a link to a file outside the inbox: listed, reported, never read."""
    (HERE / ".submission-hidden.csv").write_text(HEADER + "\n", encoding="utf-8")
    (HERE / "~$submission-open.xlsx").write_bytes(b"\x0bNguyen Van A" + b"\x00" * 40)
    (HERE / "submission-link-outside.csv").symlink_to(Path("..") / "expected.csv")
    expected += [(".submission-hidden.csv", "file-skipped", None, None),
                 ("~$submission-open.xlsx", "file-skipped", None, None),
                 ("submission-link-outside.csv", "file-refused", None, None)]


def _nfd(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFD", text)


def _zip(path: Path, members: dict[str, bytes], deflate: bool = False) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            archive.writestr(info, data)
    path.write_bytes(buffer.getvalue())


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _minimal_workbook(rows: str, shared_strings: str | None = None, filler: int = 0) -> dict[str, bytes]:
    """Return the parts of a one-sheet workbook with `rows` as its sheet data (and `filler` spaces inside)."""
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
             '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
             '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    links = (f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
             + (f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
                if shared_strings else ""))
    parts = {
        "[Content_Types].xml": types.encode(),
        "_rels/.rels": ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                        '</Relationships>').encode(),
        "xl/workbook.xml": (f'<workbook {_NS} xmlns:r="{_REL}"><sheets><sheet name="Sheet1" sheetId="1" '
                            'r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                       f'relationships">{links}</Relationships>').encode(),
        "xl/worksheets/sheet1.xml": (f"<worksheet {_NS}><sheetData>{rows}</sheetData>".encode()
                                     + b" " * filler + b"</worksheet>"),
    }
    if shared_strings:
        parts["xl/sharedStrings.xml"] = shared_strings.encode()
    return parts


def _understated(path: Path) -> None:
    """Write a workbook whose zip headers say its sheet unpacks to 1 kB when it unpacks to 201 MB."""
    _zip(path, _minimal_workbook('<row r="1"><c r="A1" t="inlineStr"><is><t>unit_code</t></is></c></row>',
                                 filler=201 << 20), deflate=True)
    data, name = bytearray(path.read_bytes()), b"xl/worksheets/sheet1.xml"
    for signature, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):  # local, central
        at = data.index(signature)
        while data[at + name_at:at + name_at + len(name)] != name:
            at = data.index(signature, at + 4)
        data[at + size_at:at + size_at + 4] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(data))


def write_hostile_files(expected: list[tuple[str, str, int | None, str | None]]) -> None:
    (HERE / "submission-damaged.xlsx").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    _zip(HERE / "submission-macro.xlsm", {"[Content_Types].xml": b"<Types/>", "xl/vbaProject.bin": b"\0" * 64})
    _zip(HERE / "submission-macro-renamed.xlsx", {"[Content_Types].xml": b"<Types/>",
                                                  "xl/vbaProject.bin": b"\1" * 64})
    (HERE / "submission-old-format.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    (HERE / "submission-report.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    # 201 MB of zeros compress to ~200 kB: refused before anything is unpacked.
    bomb = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=(2024, 1, 1, 0, 0, 0))
    bomb.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(HERE / "submission-zip-bomb.xlsx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open(bomb, "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(201):
                member.write(chunk)
    # A 2 KB workbook whose one stray cell at XFD1048576 makes a 17-billion-cell range for the parser.
    _zip(HERE / "submission-stray-cell.xlsx", _minimal_workbook(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>unit_code</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'), deflate=True)
    # A shared-string table that claims four billion strings: the parser would reserve room for them all.
    _zip(HERE / "submission-shared-strings-claim.xlsx", _minimal_workbook(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared_strings=(
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" '
            'uniqueCount="4000000000"><si><t>unit_code</t></si></sst>')), deflate=True)
    _understated(HERE / "submission-understated-sizes.xlsx")
    expected += [
        ("submission-stray-cell.xlsx", "file-too-large", None, None),
        ("submission-shared-strings-claim.xlsx", "file-too-large", None, None),
        ("submission-understated-sizes.xlsx", "file-too-large", None, None),
        ("submission-damaged.xlsx", "file-unreadable", None, None),
        ("submission-macro.xlsm", "unsupported-format", None, None),
        ("submission-macro-renamed.xlsx", "unsupported-format", None, None),
        ("submission-old-format.xls", "unsupported-format", None, None),
        ("submission-report.pdf", "unsupported-format", None, None),
        ("submission-zip-bomb.xlsx", "file-too-large", None, None),
    ]


def write_long_workbook(expected: list[tuple[str, str, int | None, str | None]]) -> None:
    """A plain workbook: title rows above the header, numbers as text, a formula, a bad cell on row 7."""
    import xlsxwriter

    path = HERE / "submission-long-table.xlsx"
    workbook = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False})
    workbook.set_properties({"created": datetime(2024, 10, 1)})
    sheet = workbook.add_worksheet("Báo cáo")
    sheet.write(0, 0, "BÁO CÁO QUÝ III/2024")
    for col, name in enumerate(HEADER.split(",")):
        sheet.write(2, col, name)
    rows = [
        ["SO-LDTBXH", "2024-Q3", "08.01", "90,5", None, None, None, "02/10/2024"],
        ["SO-LDTBXH", "2024-Q3", "08.02", 41.25, None, None, None, datetime(2024, 10, 2)],
        ["00277", "2024-Q3", "01.07", None, 45, 50, None, "02/10/2024"],
        ["SO-LDTBXH", "2024-Q3", "08.03", "không rõ", None, None, None, "02/10/2024"],
    ]
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, date_format)
            elif value is not None:
                sheet.write(r, c, value)
    sheet.write_formula(5, 3, "=45/50*100", None, 90)  # a cached formula result is read, never evaluated
    workbook.close()
    expected.append(("submission-long-table.xlsx", "type-error", 7, "value"))


def _long_workbook(path: Path, sheets: list[tuple[str, list[list[object]]]], hidden_sheet: str | None = None,
                   hidden_rows: tuple[int, ...] = (), formats: dict[tuple[int, int], str] | None = None) -> None:
    """Write a plain workbook: per sheet, rows of cells (row 1 the header); some cells with a number format."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False})
    workbook.set_properties({"created": datetime(2024, 10, 1)})
    number_formats = {code: workbook.add_format({"num_format": code}) for code in set((formats or {}).values())}
    for name, rows in sheets:
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    code = (formats or {}).get((r + 1, c + 1)) if name == sheets[-1][0] else None
                    sheet.write(r, c, value, number_formats[code] if code else None)
        if name == hidden_sheet:
            sheet.hide()
        else:
            sheet.activate()
        for row in hidden_rows if name == sheets[-1][0] else ():
            sheet.set_row(row - 1, None, None, {"hidden": True})
    workbook.close()


def write_plain_workbooks(expected: list[tuple[str, str, int | None, str | None]]) -> None:
    """Workbooks whose cells say more than their values: number formats, hidden sheets and rows, several tables."""
    header = HEADER.split(",")
    # 277 as a number could be district 277 or ward 00277; 97 can only be 00097; `00000` shows the zeros.
    _long_workbook(HERE / "submission-unit-code-as-number.xlsx", [("Báo cáo", [
        header, [277, "2024-Q3", "01.06", 12, None, None, None, ON_TIME],
        [97, "2024-Q3", "01.07", None, 45, 50, None, ON_TIME],
        [277, "2024-Q3", "01.07", None, 40, 50, None, ON_TIME]])], formats={(4, 1): "00000"})
    expected += [("submission-unit-code-as-number.xlsx", "ambiguous-unit", 2, "unit_code"),
                 ("submission-unit-code-as-number.xlsx", "unit-code-padded", 3, "unit_code")]
    # 90.5% typed in a percent cell is 90.5; a count in a percent cell is not a count; 0.9 typed for a 0-100 rate.
    _long_workbook(HERE / "submission-percent-cells.xlsx", [("Báo cáo", [
        header, ["SO-LDTBXH", "2024-Q3", "08.01", 0.905, None, None, None, ON_TIME],
        ["003", "2024-Q3", "01.06", 0.12, None, None, None, ON_TIME],
        ["SO-LDTBXH", "2024-Q3", "08.02", 0.9, None, None, None, ON_TIME]])],
        formats={(2, 4): "0.0%", (3, 4): "0%"})
    expected += [("submission-percent-cells.xlsx", "percent-cell", 2, "value"),
                 ("submission-percent-cells.xlsx", "type-error", 3, "value"),
                 ("submission-percent-cells.xlsx", "scale-mismatch", 4, "value")]
    # An old copy on a hidden first sheet: the visible sheet is read, and the hidden one said.
    old = [header, ["SO-LDTBXH", "2024-Q3", "08.01", 80, None, None, None, ON_TIME]]
    new = [header, ["SO-LDTBXH", "2024-Q3", "08.01", 85, None, None, None, ON_TIME]]
    _long_workbook(HERE / "submission-hidden-first-sheet.xlsx", [("Bản cũ", old), ("Báo cáo", new)],
                   hidden_sheet="Bản cũ")
    _long_workbook(HERE / "submission-ambiguous-sheets.xlsx", [("Quý III", old), ("Quý III (sửa)", new)])
    tasks = [TASK_HEADER.split(","), ["TU-BTC", "2024-Q3", "01.T01", "in_progress", None, None, ON_TIME]]
    _long_workbook(HERE / "submission-indicators-and-tasks.xlsx", [("Chỉ tiêu", new), ("Nhiệm vụ", tasks)])
    expected += [("submission-hidden-first-sheet.xlsx", "sheet-skipped", None, None),
                 ("submission-ambiguous-sheets.xlsx", "ambiguous-sheet", None, None)]
    # The first copy of a row is on a hidden row: the visible copy is kept.
    _long_workbook(HERE / "submission-duplicate-on-hidden-row.xlsx", [("Báo cáo", [*old, new[1]])],
                   hidden_rows=(2,))
    expected += [("submission-duplicate-on-hidden-row.xlsx", "hidden-row", 2, None),
                 ("submission-duplicate-on-hidden-row.xlsx", "duplicate-row", 2, "indicator_code")]


def write_templates(expected: list[tuple[str, str, int | None, str | None]]) -> None:
    """A template filled by an officer, one whose hidden metadata was edited, one renamed to another period."""
    import sys
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from filling import edit_meta, fill_template

    from hanoi_ctr import load_catalog, make_templates
    from hanoi_ctr.intake.templates import Filled, template_specs, write_template

    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        [template] = make_templates(catalog, "2024-Q3", Path(tmp), units=["SO-LDTBXH"])
        fill_template(template, HERE / "template-filled.xlsx", catalog)
        edit_meta(HERE / "template-filled.xlsx", HERE / "template-edited-meta.xlsx", "unit_code", "SO-KHDT")
    expected.append(("template-edited-meta.xlsx", "template-mismatch", None, None))
    # The 2024-Q3 template saved under the name of the 2024-Q2 one (written by the library: the same bytes each time).
    spec = template_specs(catalog, "2024-Q3", units=["SO-LDTBXH"])["SO-LDTBXH"]
    write_template(spec, HERE / "2024-Q2_SO-LDTBXH.xlsx", Filled({"08.01": {"value": 90}}, submitted_on=ON_TIME))
    expected.append(("2024-Q2_SO-LDTBXH.xlsx", "template-mismatch", None, None))


def main(directory: Path = HERE) -> None:
    global HERE
    HERE = directory
    HERE.mkdir(exist_ok=True)
    for old in HERE.iterdir():
        old.unlink()
    expected: list[tuple[str, str, int | None, str | None]] = []
    write_csv_scenarios(expected)
    write_files_not_read(expected)
    write_hostile_files(expected)
    write_long_workbook(expected)
    write_plain_workbooks(expected)
    write_templates(expected)
    with open(HERE.parent / "expected.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file", "code", "row", "column"])
        writer.writerows(sorted((f, c, "" if r is None else r, col or "") for f, c, r, col in expected))


if __name__ == "__main__":
    main()
