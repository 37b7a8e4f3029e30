"""What workbooks say beyond their values, and the bounds around parsing them."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
import xlsxwriter

from hanoi_ctr.intake import sandbox, sheetxml
from hanoi_ctr.intake.readers import read_file
from hanoi_ctr.settings import Settings

LIMITS = sheetxml.Limits(uncompressed_bytes=10_000_000, cells=1_000_000)


def _workbook(build) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    build(workbook)
    workbook.close()
    return buffer.getvalue()


def test_number_formats_hidden_rows_and_sheet_states_are_read():
    def build(wb):
        hidden = wb.add_worksheet("Cũ")
        hidden.write(0, 0, "x")
        sheet = wb.add_worksheet("Báo cáo")
        sheet.activate()
        hidden.hide()
        sheet.write(1, 1, 0.9, wb.add_format({"num_format": "0.0%"}))
        sheet.write(2, 1, 277, wb.add_format({"num_format": "00000"}))
        sheet.write(3, 1, 5, wb.add_format({"num_format": '0" %"'}))  # a literal % sign is not a percentage
        sheet.write(4, 1, "2.000")
        sheet.set_row(4, None, None, {"hidden": True})

    book = sheetxml.inspect(_workbook(build), LIMITS)
    old, sheet = book.sheets
    assert (old.name, old.state, old.visible) == ("Cũ", "hidden", False)
    assert (sheet.name, sheet.visible, sheet.rows, sheet.columns, sheet.first_column) == ("Báo cáo", True, 5, 2, 2)
    assert sheet.hidden_rows == {5}
    assert sheet.cells([2]) == {(2, 2): sheetxml.Cell("percent"), (3, 2): sheetxml.Cell("number", 5),
                                (4, 2): sheetxml.Cell("number"), (5, 2): sheetxml.Cell("text")}
    seen = sandbox.Sheet(sheet.name, sheet.state, sheet.rows, sheet.columns, first_column=sheet.first_column)
    assert (seen.column(0), seen.position(2), seen.letters(1)) == (2, 0, "C")


def test_cells_without_references_are_placed_as_parsers_place_them():
    xml = (b'<worksheet><sheetData><row><c t="s"><v>0</v></c><c><v>1</v></c></row>'
           b'<row r="7"><c r="C7"><v>2</v></c><c><v>3</v></c></row></sheetData></worksheet>')
    assert sheetxml._used_range(xml) == (7, 4, False)
    assert [ref for ref, _ in sheetxml._cells(xml)] == [("A", 1), ("B", 1), ("C", 7), ("D", 7)]


def _zip(members: dict[str, bytes], understate: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = bytearray(buffer.getvalue())
    if understate is not None:  # say every part unpacks to `understate` bytes, in both headers
        for signature, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            start = data.find(signature)
            while start >= 0:
                data[start + at:start + at + 4] = understate.to_bytes(4, "little")
                start = data.find(signature, start + 4)
    return bytes(data)


def test_sizes_are_measured_never_taken_from_the_zip_headers():
    honest = _zip({"xl/worksheets/sheet1.xml": b" " * 20_000_000})
    assert sheetxml.inspect(honest, LIMITS).code == "file-too-large"  # stated: refused before unpacking
    lying = _zip({"xl/worksheets/sheet1.xml": b" " * 20_000_000}, understate=100)
    started = time.perf_counter()
    refused = sheetxml.inspect(lying, LIMITS)
    assert refused.code == "file-too-large" and refused.detail == (
        "hơn 10.000.000 byte khi giải nén", "more than 10,000,000 bytes uncompressed")
    assert time.perf_counter() - started < 1


def test_absurd_ranges_and_string_tables_are_refused_before_parsing():
    def stray(wb):
        sheet = wb.add_worksheet()
        sheet.write(0, 0, "unit_code")
        sheet.write(1_048_575, 16_383, 1)

    refused = sheetxml.inspect(_workbook(stray), LIMITS)
    assert refused.code == "file-too-large" and "XFD1048576" in refused.detail[1]
    assert sheetxml._claimed_strings(b'<sst count="9" uniqueCount="4000000000"><si><t>a</t></si></sst>') == 4_000_000_000
    assert sheetxml._claimed_strings(b'<sst count="2" uniqueCount="1"><si><t>a</t></si></sst>') is None


def _wide(wb) -> None:
    """A sheet whose two cells span a range inside the cell limit but beyond a small memory limit."""
    sheet = wb.add_worksheet()
    sheet.write(0, 0, "unit_code")
    sheet.write(99_999, 39, 1)


def _clean(wb) -> None:
    sheet = wb.add_worksheet()
    sheet.write_row(0, 0, ["unit_code", "period", "indicator_code", "value", "submitted_at"])
    sheet.write_row(1, 0, ["SO-LDTBXH", "2024-Q3", "08.01", 90, "02/10/2024"])


def test_a_parse_past_its_memory_or_time_fails_alone_and_the_next_file_is_read(tmp_path, catalog):
    import hanoi_ctr

    wide = tmp_path / "wide.xlsx"
    wide.write_bytes(_workbook(_wide))
    clean = tmp_path / "clean.xlsx"
    clean.write_bytes(_workbook(_clean))
    tight = Settings(max_parse_memory_bytes=120_000_000)
    raw = read_file(wide, tight)
    assert [(i.code, i.detail) for i in raw.issues] == [("file-too-large", (
        "cần hơn 120.000.000 byte bộ nhớ để đọc", "reading needs more than 120,000,000 bytes"))]
    batch = hanoi_ctr.validate([wide, clean], catalog, tight)
    assert sorted(batch.ledger.select("file_name", "outcome").rows()) == [("clean.xlsx", "accepted"),
                                                                           ("wide.xlsx", "rejected")]
    roomy = sheetxml.Limits(uncompressed_bytes=10_000_000, cells=5_000_000)
    with sandbox.Workbook(clean.read_bytes(), roomy, 2_000_000_000, 10) as book:  # a child ready for that limit
        book.rows(["Sheet1"])
    with pytest.raises(sandbox.ParseFailed) as failed:
        with sandbox.Workbook(wide.read_bytes(), roomy, 2_000_000_000, 0.05) as book:
            assert book.refused is None
            book.rows(["Sheet1"])  # 4 million cells take longer than 0.05 s
    assert failed.value.reason == "time"
    assert read_file(clean, Settings()).rows_read == 1  # a fresh child takes over


def test_a_parser_process_that_cannot_start_makes_the_workbook_unreadable_not_the_run(tmp_path, monkeypatch):
    path = tmp_path / "clean.xlsx"
    path.write_bytes(_workbook(_clean))
    monkeypatch.setattr(sandbox.sys, "executable", str(tmp_path / "no-python"))
    raw = read_file(path, Settings(max_parse_memory_bytes=123_456_789))  # a limit no idle child has
    assert [i.code for i in raw.issues] == ["file-unreadable"]
    assert "cannot start" in raw.issues[0].message("en")


def test_children_started_ahead_read_the_next_workbooks_and_unused_ones_stop_at_once(tmp_path):
    path = tmp_path / "clean.xlsx"
    path.write_bytes(_workbook(_clean))
    memory = 234_567_890  # a limit of this test's own: its children are the ones started here
    sandbox.prestart(memory)
    started = list(sandbox._POOL._idle[memory])
    assert len(started) == 2 and not any(child.used for child in started)
    sandbox.prestart(memory)  # as many as there are reading threads, never more
    assert sandbox._POOL._idle[memory] == started
    assert read_file(path, Settings(max_parse_memory_bytes=memory)).rows_read == 1
    assert set(sandbox._POOL._idle[memory]) == set(started)  # one of them read it and is idle again
    assert sum(child.used for child in started) == 1
    waited = time.monotonic()
    sandbox._POOL.close()
    assert time.monotonic() - waited < 1.5  # the unused one is stopped, not waited for
    assert all(child.process.poll() is not None for child in started)


def test_the_command_starts_readers_ahead_only_for_workbooks_newer_than_the_archive(tmp_path, monkeypatch):
    import os

    from hanoi_ctr.cli import _start_readers
    from hanoi_ctr.intake.store import Store

    inbox, settings = tmp_path / "inbox", Settings(data_dir=tmp_path / "data")
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(_workbook(_clean))
    started = []
    monkeypatch.setattr(sandbox, "prestart", started.append)
    _start_readers(inbox, settings)  # no archive yet: the workbook is new
    assert started == [settings.max_parse_memory_bytes]
    Store(settings.archive).batches.mkdir(parents=True)
    os.utime(inbox / "a.xlsx", (1_000_000_000, 1_000_000_000))  # received before the archive's last change
    _start_readers(inbox, settings)
    assert len(started) == 1
    (inbox / "b.xlsx").write_bytes(_workbook(_clean))
    future = time.time() + 60
    os.utime(inbox / "b.xlsx", (future, future))
    _start_readers(inbox, settings)
    assert len(started) == 2


def test_readers_that_cannot_start_ahead_leave_it_to_each_workbook(tmp_path, monkeypatch):
    path = tmp_path / "clean.xlsx"
    path.write_bytes(_workbook(_clean))
    monkeypatch.setattr(sandbox.sys, "executable", str(tmp_path / "no-python"))
    sandbox.prestart(345_678_901)  # nothing started, nothing raised
    assert not sandbox._POOL._idle.get(345_678_901)
    raw = read_file(path, Settings(max_parse_memory_bytes=345_678_901))
    assert [i.code for i in raw.issues] == ["file-unreadable"]
