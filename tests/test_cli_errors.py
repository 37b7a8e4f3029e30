"""`hanoi-ctr` fails cleanly: every expected failure is one line on stderr and exit 2 (never a traceback)."""

from __future__ import annotations

import errno
import os
import shutil

import polars as pl
import pytest
from conftest import ROOT

from hanoi_ctr import __version__
from hanoi_ctr.cli import main

DATA = ROOT / "tests" / "data" / "submissions"


def _fails(capsys, argv: list[str], code: int = 2) -> str:
    """Run the command; assert it exits with `code` and one line on stderr; return that line."""
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("hanoi-ctr: ") and "Traceback" not in err, err
    return err.strip()


@pytest.fixture()
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(DATA / "submission-clean.csv", folder)
    return folder


def test_version_is_the_one_declared(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out == f"hanoi-ctr {__version__}\n"


@pytest.mark.parametrize("argv", [
    ["rollup", "--period", "2024-Q5"],
    ["validate", "--period", "2024-Q5", str(DATA / "submission-clean.csv")],
    ["ingest", "--period", "2024-Q5"],
    ["template", "--period", "2024-Q5", "--out", "templates"],
])
def test_a_bad_period_is_one_line(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    message = _fails(capsys, argv)
    assert message.startswith("hanoi-ctr: --period '2024-Q5' is not a reporting period (quarter number 5")
    assert not (tmp_path / "hanoi-ctr-data").exists() and not (tmp_path / "templates").exists()


def test_a_period_no_term_covers_is_one_line(capsys, tmp_path):
    message = _fails(capsys, ["rollup", "--period", "2031-Q1", "--archive", str(tmp_path / "a"),
                              "--out", str(tmp_path / "out")])
    assert "2031-Q1" in message


def test_a_rollup_of_an_archive_that_holds_nothing_is_refused(capsys, tmp_path):
    archive = tmp_path / "nowhere"
    message = _fails(capsys, ["rollup", "--period", "2024-Q3", "--archive", str(archive),
                              "--out", str(tmp_path / "out")])
    assert message == (f"hanoi-ctr: archive {archive} holds no submissions: ingest an inbox first "
                       f"(hanoi-ctr ingest INBOX --archive {archive}) or pass --inbox")
    assert not (tmp_path / "out").exists()


def test_validating_a_folder_without_submissions_says_there_was_nothing_to_check(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "~$locked.xlsx").write_text("")  # an Excel lock file is not a submission
    assert _fails(capsys, ["validate", str(empty)]) == (
        f"hanoi-ctr: no submission files in {empty}: nothing to check (1 skipped: ~$locked.xlsx)")
    assert _fails(capsys, ["validate", str(tmp_path / "nothing-here")]).startswith("hanoi-ctr: no such file")


def test_file_names_are_printed_as_printable_text(capsys, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "bad\x1b[2J.pdf".replace("\\x1b", "\x1b")).write_bytes(b"%PDF-1.4")
    assert main(["validate", str(inbox)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "bad\\x1b[2J.pdf: error [unsupported-format]" in out


def test_a_missing_file_is_one_line(capsys, tmp_path):
    assert _fails(capsys, ["validate", str(tmp_path / "gone.csv")]) == f"hanoi-ctr: no such file: {tmp_path / 'gone.csv'}"


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["workbook", "parquet"])
def test_a_full_output_disk_is_one_line(capsys, tmp_path, inbox, monkeypatch, where):
    out = tmp_path / "out"
    assert main(["ingest", str(inbox), "--archive", str(tmp_path / "a")]) == 0
    if where == "workbook":
        monkeypatch.setattr(os, "fsync", _disk_full)  # every output is flushed before its rename
    else:
        monkeypatch.setattr(pl.DataFrame, "write_parquet", _disk_full)
    capsys.readouterr()
    message = _fails(capsys, ["rollup", "--period", "2024-Q3", "--archive", str(tmp_path / "a"), "--out", str(out)])
    assert message == (f"hanoi-ctr: cannot write the outputs in {out}: No space left on device; "
                       "free some space or choose another folder (--out, HANOI_CTR_OUTPUT_DIR)")
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_a_full_archive_disk_is_one_line(capsys, tmp_path, inbox, monkeypatch):
    monkeypatch.setattr(pl.DataFrame, "write_parquet", _disk_full)
    archive = tmp_path / "a"
    message = _fails(capsys, ["ingest", str(inbox), "--archive", str(archive)])
    assert message == (f"hanoi-ctr: cannot write the archive {archive}: No space left on device; "
                       "free some space or choose another folder (--archive, HANOI_CTR_ARCHIVE_DIR)")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_one_line(capsys, tmp_path, inbox):
    out = tmp_path / "out"
    out.mkdir()
    assert main(["ingest", str(inbox), "--archive", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    out.chmod(0o555)
    try:
        message = _fails(capsys, ["rollup", "--period", "2024-Q3", "--archive", str(tmp_path / "a"),
                                  "--out", str(out)])
    finally:
        out.chmod(0o755)
    assert message.startswith(f"hanoi-ctr: cannot write the outputs in {out}: Permission denied")


def test_a_read_only_file_system_is_one_line(capsys, tmp_path, inbox, monkeypatch):
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    assert main(["ingest", str(inbox), "--archive", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    monkeypatch.setattr(tempfile, "mkstemp", read_only)  # where every output's temporary is made
    message = _fails(capsys, ["rollup", "--period", "2024-Q3", "--archive", str(tmp_path / "a"),
                              "--out", str(tmp_path / "out")])
    assert message.startswith(f"hanoi-ctr: cannot write the outputs in {tmp_path / 'out'}: Read-only file system")


def test_templates_on_a_full_disk_are_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(os, "fsync", _disk_full)
    message = _fails(capsys, ["template", "--period", "2024-Q3", "--unit", "003", "--out", str(tmp_path / "t")])
    assert message.startswith(f"hanoi-ctr: cannot write the templates in {tmp_path / 't'}: No space left on device")


def test_a_broken_catalog_stops_any_command_without_a_traceback(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HANOI_CTR_CATALOG_DIR", str(tmp_path / "no-catalog"))
    assert main(["validate", str(DATA / "submission-clean.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hanoi-ctr: ") and "Traceback" not in err


def test_an_archive_that_cannot_be_created_is_one_line(capsys, tmp_path, inbox, monkeypatch):
    from pathlib import Path

    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(Path, "mkdir", read_only)
    message = _fails(capsys, ["ingest", str(inbox), "--archive", str(tmp_path / "a")])
    assert message == (f"hanoi-ctr: cannot write the lock {tmp_path / 'a' / '.lock'}: Read-only file system; "
                       "make it writable or choose another folder")
