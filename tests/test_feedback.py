"""Feedback files: the officer's file back with each issue on its cell, read back with openpyxl and LibreOffice.

Three files: a template with an empty and an out-of-range value, a plain
long-table workbook with a word for a number, and a CSV with a formula-like
value and a column the format does not have.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import ROOT

from hanoi_ctr import validate
from hanoi_ctr.cli import main
from hanoi_ctr.intake import layout as L
from hanoi_ctr.intake.feedback import CSV_SHEETS, feedback_file, feedback_name, write_feedback
from hanoi_ctr.intake.templates import Filled, template_specs, write_template
from hanoi_ctr.workbook.annotate import AUTHOR, FILLS

DATA = ROOT / "tests" / "data" / "submissions"
NOW = datetime(2024, 10, 10, tzinfo=timezone.utc)
RED, YELLOW = FILLS["error"], FILLS["warning"]
CSV = (
    "unit_code,period,indicator_code,value,numerator,denominator,note,submitted_at,Ghi chú thêm\n"
    "SO-LDTBXH,2024-Q3,08.01,=1+1,,,,02/10/2024,\n"
    "SO-LDTBXH,2024-Q3,08.02,\"41,5\",,,\"@note, with a comma\",02/10/2024,xem lại\n"
)


@pytest.fixture(scope="module")
def sent(catalog, tmp_path_factory) -> dict[str, Path]:
    """The files as the officers sent them: a template, a plain long table, a CSV."""
    folder = tmp_path_factory.mktemp("sent")
    spec = template_specs(catalog, "2024-Q3", units=["SO-LDTBXH"])["SO-LDTBXH"]
    filled = Filled({"08.02": {"value": 1e9}, "08.03": {"value": 60}},  # 08.01 left empty
                    tasks={t.code: {"status": "Đang thực hiện"} for t in spec.tasks},
                    reported_by="Nguyễn Văn A", submitted_on="2024-10-02")
    template = write_template(spec, folder / "2024-Q3_SO-LDTBXH.xlsx", filled)
    long = folder / "submission-long-table.xlsx"
    shutil.copy(DATA / long.name, long)
    csv = folder / "2024-Q3_bao-cao.csv"
    csv.write_text(CSV, encoding="utf-8")
    return {"template": template, "long": long, "csv": csv}


@pytest.fixture(scope="module")
def batch(catalog, sent):
    return validate(list(sent.values()), catalog, now=NOW)


@pytest.fixture(scope="module")
def hashes(sent) -> dict[str, str]:
    return {kind: _sha(path) for kind, path in sent.items()}


@pytest.fixture(scope="module")
def written(sent, batch, hashes, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("feedback")
    done = write_feedback(batch, list(sent.values()), out)
    return {kind: f.written for kind, f in zip(sent, done)}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _book(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def _marked(wb: openpyxl.Workbook) -> dict[tuple[str, str], tuple[str, str]]:
    """Return (sheet, cell) → (fill colour, comment text) of every cell commented by the library."""
    return {(ws.title, c.coordinate): (c.fill.fgColor.rgb, c.comment.text)
            for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.comment is not None and c.comment.author == AUTHOR}


def _fill(cell) -> tuple:
    fill = cell.fill
    return fill.fill_type, fill.fgColor.type, fill.fgColor.value, fill.bgColor.type, fill.bgColor.value


def _listing(wb: openpyxl.Workbook) -> list[tuple]:
    return [r for r in wb.worksheets[0].iter_rows(max_col=4, values_only=True) if any(r)]


def _message(batch, file: str, code: str) -> str:
    return batch.issues.filter(pl.col("file") == file, pl.col("code") == code)["message_vi"].item()


def test_files_are_named_after_the_file_they_are_about(sent, written):
    assert {kind: p.name for kind, p in written.items()} == {
        "template": "2024-Q3_SO-LDTBXH_gop-y.xlsx", "long": "submission-long-table_gop-y.xlsx",
        "csv": "2024-Q3_bao-cao_gop-y.xlsx"}
    assert feedback_name("a.b.xlsx") == "a.b_gop-y.xlsx"


def test_template_cells_are_marked_at_their_row_and_column(batch, written):
    wb = _book(written["template"])
    assert wb.sheetnames[0] == L.FEEDBACK_SHEETS["vi"] and wb.active.title == L.FEEDBACK_SHEETS["vi"]
    marked = _marked(wb)
    assert set(marked) == {(L.INDICATOR_SHEET, "F6"), (L.INDICATOR_SHEET, "F7")}
    name = "2024-Q3_SO-LDTBXH.xlsx"
    for cell, code in (("F6", "missing-value"), ("F7", "out-of-range")):
        fill, text = marked[(L.INDICATOR_SHEET, cell)]
        assert fill == RED and f"[{code}]" in text and _message(batch, name, code) in text


def test_template_keeps_its_protection_validations_and_metadata(sent, written):
    before, after = _book(sent["template"]), _book(written["template"])
    assert after.sheetnames[1:] == before.sheetnames
    for old in before.worksheets:
        new = after[old.title]
        assert new.sheet_state == old.sheet_state
        assert (new.protection.sheet, new.protection.password, new.protection.formatColumns,
                new.protection.selectLockedCells) == (old.protection.sheet, old.protection.password,
                                                      old.protection.formatColumns, old.protection.selectLockedCells)
        assert [(str(d.sqref), d.type, d.operator, d.formula1, d.formula2) for d in new.data_validations.dataValidation
                ] == [(str(d.sqref), d.type, d.operator, d.formula1, d.formula2)
                      for d in old.data_validations.dataValidation]
        assert {c.coordinate: (c.value, c.protection.locked) for row in new.iter_rows() for c in row} == {
            c.coordinate: (c.value, c.protection.locked) for row in old.iter_rows() for c in row}
    indicators = after[L.INDICATOR_SHEET]
    assert indicators.protection.sheet and not indicators["F6"].protection.locked
    assert indicators["A6"].protection.locked and indicators.data_validations.dataValidation
    meta = after[L.META_SHEET]
    assert meta.sheet_state == "veryHidden"
    assert list(meta.values) == list(before[L.META_SHEET].values)


def test_the_listing_comes_first_and_says_what_is_wrong(batch, written):
    rows = _listing(_book(written["template"]))
    assert rows[0][0] == f"{L.FEEDBACK_TITLES['vi']} 2024-Q3_SO-LDTBXH.xlsx"
    assert any(r[0] == "2 lỗi, 0 cảnh báo; 2 dòng có vấn đề, trong đó 2 dòng có lỗi (không được nhận)." for r in rows)
    assert ("Lỗi", "out-of-range", f"{L.INDICATOR_SHEET}!F7",
            _message(batch, "2024-Q3_SO-LDTBXH.xlsx", "out-of-range")) in rows


def test_a_long_table_is_marked_through_the_header_the_reader_found(batch, written):
    wb = _book(written["long"])
    assert wb.sheetnames == [L.FEEDBACK_SHEETS["vi"], "Báo cáo"]
    fill, text = _marked(wb)[("Báo cáo", "D7")]  # header on row 3: value is its fourth column
    assert fill == RED and "[type-error]" in text and _message(batch, "submission-long-table.xlsx", "type-error") in text
    assert len(_marked(wb)) == 1


def test_a_csv_is_rendered_as_typed_at_the_rows_the_reader_numbers(batch, written):
    wb = _book(written["csv"])
    ws = wb[CSV_SHEETS["vi"]]
    records = [line.split(",") for line in CSV.replace('"41,5"', "41;5").replace('"@note, with a comma"', "@note; w")
               .splitlines()]
    assert ws["D2"].value == "=1+1" and ws["D2"].data_type == "s"  # text, never a formula
    assert ws["D3"].value == "41,5" and ws["G3"].value == "@note, with a comma"
    assert [ws.cell(1, c + 1).value for c in range(len(records[0]))] == records[0]
    marked = _marked(wb)
    fill, text = marked[(CSV_SHEETS["vi"], "D2")]
    assert fill == RED and "[type-error]" in text
    fill, text = marked[(CSV_SHEETS["vi"], "I1")]  # a column with data the format does not have: its header
    assert fill == YELLOW and "[ignored-column]" in text
    whole = _listing(wb)
    assert ("Cảnh báo", "ignored-column", "I1", _message(batch, "2024-Q3_bao-cao.csv", "ignored-column")) in whole


def test_several_issues_of_one_cell_share_its_comment(catalog, tmp_path):
    csv = tmp_path / "two.csv"
    csv.write_text("unit_code,period,indicator_code,value\n00277,2099-Q3,08.01,1\n", encoding="utf-8")
    batch = validate([csv], catalog, now=NOW)
    period = batch.issues.filter(pl.col("row") == 2, pl.col("column") == "period")
    assert period.height >= 2
    fill, text = _marked(_book(feedback_file(csv, batch.issues, tmp_path / "out")))[(CSV_SHEETS["vi"], "B2")]
    assert fill == RED and all(f"[{code}] {message}" in text for code, message in period.select(
        "code", "message_vi").rows())


def test_the_originals_are_never_changed(sent, hashes, written):
    assert all(written.values())
    assert {kind: _sha(path) for kind, path in sent.items()} == hashes


def test_the_same_inputs_give_the_same_bytes(sent, batch, written, tmp_path):
    import zipfile

    again = write_feedback(batch, list(sent.values()), tmp_path)
    for (kind, first), second in zip(written.items(), again):
        assert second.written.read_bytes() == first.read_bytes(), kind
    # Dated as the source says (the template: the start of its period), never by the clock.
    with zipfile.ZipFile(written["template"]) as copy:
        assert '<dcterms:modified xsi:type="dcterms:W3CDTF">2024-07-01T00:00:00Z<' in copy.read(
            "docProps/core.xml").decode()
        assert {info.date_time for info in copy.infolist()} == {(2024, 7, 1, 0, 0, 0)}


def test_feedback_files_are_readable_by_the_group_as_the_umask_says(sent, batch, tmp_path):
    previous = os.umask(0o027)
    try:
        path = feedback_file(sent["csv"], batch.issues, tmp_path)
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o640


def test_each_copy_is_read_back_as_the_file_it_copies(catalog, sent, batch, written):
    """Sent back uncorrected, a copy gives the same issues: the listing sheet is not read."""
    for kind, path in written.items():
        again = validate([path], catalog, now=NOW)
        assert not again.issues.filter(pl.col("code").is_in(["template-mismatch", "ambiguous-sheet"])).height
        original = batch.issues.filter(pl.col("file") == sent[kind].name)
        assert sorted(again.issues.select("code", "row", "column").rows(), key=str) == sorted(
            original.select("code", "row", "column").rows(), key=str), kind
    assert validate([written["template"]], catalog, now=NOW).ledger["format"].to_list() == ["template"]


def test_a_corrected_template_copy_validates_cleanly(catalog, written, tmp_path):
    wb = _book(written["template"])
    wb[L.INDICATOR_SHEET]["F6"] = 55
    wb[L.INDICATOR_SHEET]["F7"] = 40
    corrected = tmp_path / written["template"].name
    wb.save(corrected)
    again = validate([corrected], catalog, now=NOW)
    assert again.issues.is_empty(), again.issues.select("code", "sheet", "row", "column").rows()
    ledger = again.ledger.row(0, named=True)
    assert (ledger["format"], ledger["unit_code"], ledger["period"], ledger["outcome"]) == (
        "template", "SO-LDTBXH", "2024-Q3", "accepted")


def test_a_copy_of_a_copy_shows_only_what_is_still_wrong(catalog, sent, written, tmp_path):
    """The officer fixed one value: the next copy marks the other only and puts the fixed cell back."""
    wb = _book(written["template"])
    wb[L.INDICATOR_SHEET]["F6"] = 55
    partly = tmp_path / "2024-Q3_SO-LDTBXH_gop-y.xlsx"
    wb.save(partly)
    batch = validate([partly], catalog, now=NOW)
    assert batch.issues.select("code", "row").rows() == [("out-of-range", 7)]
    again = _book(feedback_file(partly, batch.issues, tmp_path / "again"))
    assert again.sheetnames.count(L.FEEDBACK_SHEETS["vi"]) == 1 and len(again.sheetnames) == len(wb.sheetnames)
    assert set(_marked(again)) == {(L.INDICATOR_SHEET, "F7")}
    original = _book(sent["template"])[L.INDICATOR_SHEET]["F6"]
    fixed = again[L.INDICATOR_SHEET]["F6"]
    assert fixed.comment is None and _fill(fixed) == _fill(original) and fixed.value == 55


def test_an_officers_own_comment_is_kept_beside_the_issue(catalog, sent, tmp_path):
    wb = _book(sent["long"])
    wb["Báo cáo"]["D7"].comment = openpyxl.comments.Comment("Số liệu đang chờ xác minh", "Chuyên viên")
    commented = tmp_path / "commented.xlsx"
    wb.save(commented)
    batch = validate([commented], catalog, now=NOW)
    cell = _book(feedback_file(commented, batch.issues, tmp_path / "out"))["Báo cáo"]["D7"]
    assert cell.comment.text.startswith("Số liệu đang chờ xác minh\n") and "[type-error]" in cell.comment.text


def test_a_file_that_cannot_be_read_gets_no_copy(catalog, tmp_path):
    files = [DATA / "submission-damaged.xlsx", DATA / "submission-report.pdf", DATA / "submission-utf16.csv",
             DATA / "submission-clean.csv"]
    batch = validate(files, catalog, now=NOW)
    done = write_feedback(batch, files, tmp_path)
    assert [(f.written, f.reason) for f in done] == [(None, "unreadable")] * 3 + [(None, "clean")]
    assert feedback_file(DATA / "submission-damaged.xlsx", batch.issues, tmp_path) is None
    assert not list(tmp_path.iterdir())


def test_a_clean_file_asked_for_gets_a_copy_that_says_so(catalog, tmp_path):
    batch = validate([DATA / "submission-clean.csv"], catalog, now=NOW)
    wb = _book(feedback_file(DATA / "submission-clean.csv", batch.issues, tmp_path))
    assert not _marked(wb) and ("0 lỗi, 0 cảnh báo.",) + (None,) * 3 in _listing(wb)


def test_files_of_the_same_name_get_numbered_copies(catalog, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(DATA / "submission-type-error.csv", tmp_path / folder / "bao-cao.csv")
    (tmp_path / "b" / "bao-cao.csv").write_text(
        (tmp_path / "b" / "bao-cao.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    files = [tmp_path / "a" / "bao-cao.csv", tmp_path / "b" / "bao-cao.csv"]
    done = write_feedback(validate(files, catalog, now=NOW), files, tmp_path / "out")
    assert [f.written.name for f in done] == ["bao-cao_gop-y.xlsx", "bao-cao_gop-y-2.xlsx"]


def test_english_feedback_on_request(sent, batch, tmp_path):
    wb = _book(feedback_file(sent["long"], batch.issues, tmp_path, lang="en"))
    assert wb.sheetnames[0] == L.FEEDBACK_SHEETS["en"]
    message = batch.issues.filter(pl.col("code") == "type-error", pl.col("file") == sent["long"].name)["message_en"]
    assert message.item() in _marked(wb)[("Báo cáo", "D7")][1]


def test_validate_feedback_writes_one_file_per_file_with_issues(sent, tmp_path, capsys):
    files = [sent["long"], DATA / "submission-clean.csv", DATA / "submission-damaged.xlsx"]
    assert main(["validate", *map(str, files), "--feedback", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"tệp góp ý: {tmp_path / 'submission-long-table_gop-y.xlsx'}" in out
    assert "submission-damaged.xlsx: không đọc được tệp nên không có tệp góp ý" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["submission-long-table_gop-y.xlsx"]


def test_validate_feedback_keeps_json_on_stdout(sent, tmp_path, capsys):
    import json

    assert main(["validate", str(sent["csv"]), "--json", "--feedback", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out) and "2024-Q3_bao-cao_gop-y.xlsx" in captured.err


def test_a_feedback_folder_that_cannot_be_made_is_one_line(sent, tmp_path, capsys):
    taken = tmp_path / "a-file"
    taken.write_text("", encoding="utf-8")
    assert main(["validate", str(sent["csv"]), "--feedback", str(taken)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"hanoi-ctr: cannot write the feedback files in {taken}")


def test_a_feedback_file_prints_through_libreoffice(written, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) must be installed in CI")
        pytest.skip("LibreOffice (soffice) is not installed here; .ci/run installs it")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(written["template"])],
                   check=True, capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", str(tmp_path / f"{written['template'].stem}.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert f"{L.FEEDBACK_TITLES['vi']} 2024-Q3_SO-LDTBXH.xlsx" in text
    assert "Cột 'value' bị bỏ trống." in text and f"{L.INDICATOR_SHEET}!F7" in text


def _png() -> bytes:
    """Return a 1×1 white PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + \
        chunk(b"IEND", b"")


def test_what_a_copy_cannot_keep_is_said_and_text_stays_text(catalog, tmp_path):
    import io

    import xlsxwriter

    path = tmp_path / "bao-cao-co-logo.xlsx"
    workbook = xlsxwriter.Workbook(path, {"strings_to_formulas": False})
    sheet = workbook.add_worksheet("Báo cáo")
    for col, value in enumerate(["unit_code", "period", "indicator_code", "value", "note"]):
        sheet.write_string(0, col, value)
    for col, value in enumerate(["SO-LDTBXH", "2024-Q3", "08.01", "chín mươi", "=HYPERLINK(\"x\")"]):
        sheet.write_string(1, col, value)
    sheet.insert_image("G1", "logo.png", {"image_data": io.BytesIO(_png())})
    workbook.close()
    batch = validate([path], catalog, now=NOW)
    wb = _book(feedback_file(path, batch.issues, tmp_path / "out"))
    note = wb["Báo cáo"]["E2"]
    assert (note.value, note.data_type) == ("=HYPERLINK(\"x\")", "s")
    assert ("Bản sao này không giữ được hình ảnh của tệp gốc: nếu cần giữ, hãy sửa trên tệp gốc.",) + (None,) * 3 \
        in _listing(wb)


def test_a_row_split_by_a_decimal_comma_stays_refused_in_its_copy(catalog, tmp_path):
    """The copy of a CSV row wider than its header is a sheet row wider than its header: still refused."""
    csv = tmp_path / "split.csv"
    csv.write_text("unit_code,period,indicator_code,value,numerator,denominator,note,submitted_at\n"
                   "SO-LDTBXH,2024-Q3,08.01,3,25,,,,02/10/2024\n", encoding="utf-8")
    first = validate([csv], catalog, now=NOW)
    copy = feedback_file(csv, first.issues, tmp_path / "out")
    again = validate([copy], catalog, now=NOW)
    for batch in (first, again):
        refused = batch.issues.filter(pl.col("code") == "extra-fields")
        assert refused.select("row", "column").rows() == [(2, "#9")]
        assert batch.values.is_empty() and batch.ledger["rows_rejected"].to_list() == [1]
    assert not again.issues.filter(pl.col("code") == "ignored-column").height
