"""`hanoi-ctr ingest` in plain output: per unit what was accepted, and which files were rejected and why."""

from __future__ import annotations

import shutil

from conftest import ROOT

from hanoi_ctr.cli import main

DATA = ROOT / "tests" / "data" / "submissions"


def test_rejected_files_are_named_with_their_reasons(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("submission-clean.csv", "submission-empty.csv", "submission-report.pdf",
                 "submission-unknown-unit.csv"):
        shutil.copy(DATA / name, inbox / name)
    code = main(["ingest", str(inbox), "--archive", str(tmp_path / "archive"), "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 1
    rejected = out[out.index("Rejected files:"):].splitlines()[1:]
    assert [line.split(":")[0].strip() for line in rejected] == [
        "submission-empty.csv", "submission-report.pdf", "submission-unknown-unit.csv"]
    assert "[empty-file]" in rejected[0] and "[unsupported-format]" in rejected[1]
    assert "every row rejected: unknown-unit × " in rejected[2]


def test_rejected_files_are_listed_in_vietnamese_by_default(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DATA / "submission-empty.csv", inbox)
    main(["ingest", str(inbox), "--archive", str(tmp_path / "archive")])
    out = capsys.readouterr().out
    assert "Tệp bị từ chối:" in out and "submission-empty.csv: [empty-file]" in out


def test_nothing_rejected_prints_no_list(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DATA / "submission-clean.csv", inbox)
    assert main(["ingest", str(inbox), "--archive", str(tmp_path / "archive"), "--lang", "en"]) == 0
    assert "Rejected" not in capsys.readouterr().out
