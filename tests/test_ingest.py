"""Ingest: archive, ledger, duplicates, revisions, history, as-of replay, crash safety."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from conftest import ROOT
from polars.testing import assert_frame_equal

from hanoi_ctr.cli import main
from hanoi_ctr.intake.ingest import ingest, list_submissions
from hanoi_ctr.intake.readers import sha256_of
from hanoi_ctr.intake.store import Store
from hanoi_ctr.settings import Settings

T0 = datetime(2024, 10, 1, 2, 0, tzinfo=timezone.utc)
HEADER = "unit_code,period,indicator_code,value,numerator,denominator,note,submitted_at\n"


def _csv(folder: Path, name: str, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_ingest_keeps_the_file_unchanged_with_a_ledger_row_and_provenance(tmp_path, catalog, settings):
    path = _csv(tmp_path / "inbox", "so-ldtbxh.csv", ["SO-LDTBXH,2024-Q3,08.01,90,,,,02/10/2024",
                                                      "SO-LDTBXH,2024-Q3,08.02,abc,,,,02/10/2024"])
    batch = ingest([path], catalog, settings, now=T0)
    store = Store(settings.archive)
    sha = sha256_of(path.read_bytes())
    assert store.file_path(sha).read_bytes() == path.read_bytes()
    ledger = store.ledger().row(0, named=True)
    assert (ledger["sha256"], ledger["unit_code"], ledger["period"], ledger["format"]) == (
        sha, "SO-LDTBXH", "2024-Q3", "csv")
    assert (ledger["rows_read"], ledger["rows_accepted"], ledger["rows_rejected"], ledger["outcome"]) == (
        2, 1, 1, "partial")
    value = store.values().row(0, named=True)
    assert (value["indicator_code"], value["value"], value["sha256"], value["row"]) == ("08.01", 90.0, sha, 2)
    assert store.issues()["code"].to_list() == ["type-error"] == batch.issues["code"].to_list()


def test_the_same_file_twice_is_a_recorded_duplicate_that_changes_no_value(tmp_path, catalog, settings):
    path = _csv(tmp_path / "inbox", "a.csv", ["SO-LDTBXH,2024-Q3,08.01,90,,,,02/10/2024"])
    ingest([path], catalog, settings, now=T0)
    store = Store(settings.archive)
    values, files = store.history(), {p.name for p in settings.archive.rglob("files/*")}
    copy = shutil.copy(path, tmp_path / "a-copy.csv")
    batch = ingest([copy], catalog, settings, now=T0 + timedelta(days=1))
    issue = batch.issues.row(0, named=True)
    assert batch.issues.height == 1 and (issue["code"], issue["file"]) == ("duplicate-file", "a-copy.csv")
    # It names the file it repeats and when that arrived (Hanoi time).
    assert "identical to 'a.csv', received 01/10/2024 09:00 Hanoi time" in issue["message_en"]
    assert "giống hệt tệp 'a.csv' đã nhận lúc 01/10/2024 09:00" in issue["message_vi"]
    row = batch.ledger.row(0, named=True)
    assert (row["file_name"], row["outcome"], row["rows_read"], row["unit_code"], row["period"]) == (
        "a-copy.csv", "duplicate", 0, "SO-LDTBXH", "2024-Q3")
    # Recorded in the ledger and the issues, it changes no value and stores no second copy.
    assert store.ledger()["outcome"].to_list() == ["accepted", "duplicate"]
    assert store.issues()["code"].to_list() == ["duplicate-file"]
    assert_frame_equal(store.history(), values)
    assert {p.name for p in settings.archive.rglob("files/*")} == files
    assert store.receipts()[row["sha256"]].file_name == "a.csv"


def test_a_file_twice_in_one_delivery_names_the_other(tmp_path, catalog, settings):
    path = _csv(tmp_path / "inbox", "a.csv", ["SO-LDTBXH,2024-Q3,08.01,90,,,,02/10/2024"])
    copy = shutil.copy(path, tmp_path / "inbox" / "b.csv")
    batch = ingest([path, copy], catalog, settings, now=T0)
    assert batch.ledger.sort("file_name").select("file_name", "outcome").rows() == [
        ("a.csv", "accepted"), ("b.csv", "duplicate")]
    assert "identical to 'a.csv' in the same delivery" in batch.issues["message_en"].item()
    assert batch.values.height == 1


def test_a_revision_supersedes_row_by_row_and_history_replays_as_of(tmp_path, catalog, settings):
    v1 = _csv(tmp_path / "inbox", "v1.csv", ["SO-LDTBXH,2024-Q3,08.01,80,,,,02/10/2024",
                                             "SO-LDTBXH,2024-Q3,08.02,40,,,,02/10/2024"])
    v2 = _csv(tmp_path / "inbox", "v2.csv", ["SO-LDTBXH,2024-Q3,08.01,85,,,,03/10/2024",
                                             "SO-LDTBXH,2024-Q3,08.02,40,,,,03/10/2024"])
    ingest([v1], catalog, settings, now=T0)
    batch = ingest([v2], catalog, settings, now=T0 + timedelta(days=1))
    superseded = batch.issues.filter(pl.col("code") == "superseded")
    assert superseded.select("file", "row", "column").rows() == [("v2.csv", 2, "value")]
    assert "08.01: 80 → 85" in superseded["message_en"].item()
    store = Store(settings.archive)
    now = dict(store.values().select("indicator_code", "value").iter_rows())
    assert now == {"08.01": 85.0, "08.02": 40.0}
    then = dict(store.values(as_of=T0 + timedelta(hours=1)).select("indicator_code", "value").iter_rows())
    assert then == {"08.01": 80.0, "08.02": 40.0}
    assert store.history().height == 4


def test_a_later_partial_file_keeps_the_rows_it_does_not_repeat(tmp_path, catalog, settings):
    v1 = _csv(tmp_path / "inbox", "v1.csv", ["SO-LDTBXH,2024-Q3,08.01,80,,,,02/10/2024",
                                             "SO-LDTBXH,2024-Q3,08.02,40,,,,02/10/2024"])
    v2 = _csv(tmp_path / "inbox", "v2.csv", ["SO-LDTBXH,2024-Q3,08.02,-,,,,03/10/2024"])
    ingest([v1], catalog, settings, now=T0)
    ingest([v2], catalog, settings, now=T0 + timedelta(days=1))
    current = {r["indicator_code"]: (r["value"], r["no_data_marker"])
               for r in Store(settings.archive).values().iter_rows(named=True)}
    assert current == {"08.01": (80.0, None), "08.02": (None, "-")}


def test_a_crash_while_committing_leaves_the_store_as_it_was(tmp_path, catalog, settings, monkeypatch):
    first = _csv(tmp_path / "inbox", "a.csv", ["SO-LDTBXH,2024-Q3,08.01,80,,,,02/10/2024"])
    ingest([first], catalog, settings, now=T0)
    before = _tree(settings.archive)
    second = _csv(tmp_path / "inbox", "b.csv", ["SO-LDTBXH,2024-Q3,08.01,85,,,,03/10/2024"])
    calls = {"n": 0}
    real = pl.DataFrame.write_parquet

    def crash_on_third_part(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", crash_on_third_part)
    with pytest.raises(OSError, match="disk full"):
        ingest([second], catalog, settings, now=T0 + timedelta(days=1))
    assert _tree(settings.archive) == before
    monkeypatch.undo()
    ingest([second], catalog, settings, now=T0 + timedelta(days=2))  # and it can simply be run again
    assert Store(settings.archive).values()["value"].to_list() == [85.0]


def test_template_period_and_caller_period_mismatch(tmp_path, catalog, settings):
    path = _csv(tmp_path / "inbox", "q2.csv", ["SO-LDTBXH,2024-Q2,08.01,80,,,,02/07/2024"])
    batch = ingest([path], catalog, settings, period="2024-Q3", now=T0)
    assert batch.issues.select("code", "row", "column").rows() == [("period-mismatch", 2, "period")]


def test_hidden_lock_and_linked_files_are_listed_and_reported_never_archived(tmp_path, catalog, settings):
    inbox = tmp_path / "inbox"
    for name in ("b.csv", "a.xlsx", "~$a.xlsx", ".hidden.csv", "sub/c.csv", ".git/x.csv"):
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_text(name)
    outside = _csv(tmp_path / "elsewhere", "secret.csv", ["SO-LDTBXH,2024-Q3,08.01,80,,,,02/10/2024"])
    (inbox / "link.csv").symlink_to(outside)
    (inbox / "linked-folder").symlink_to(outside.parent, target_is_directory=True)
    listed = [p.relative_to(inbox).as_posix() for p in list_submissions(inbox)]
    assert listed == [".git", ".hidden.csv", "a.xlsx", "b.csv", "link.csv", "linked-folder", "sub/c.csv", "~$a.xlsx"]
    batch = ingest(list_submissions(inbox), catalog, settings, now=T0)
    said = {(r["file"], r["code"], r["severity"]) for r in batch.issues.iter_rows(named=True)
            if r["code"] in ("file-skipped", "file-refused")}
    assert said == {(".git", "file-skipped", "warning"), (".hidden.csv", "file-skipped", "warning"),
                    ("~$a.xlsx", "file-skipped", "warning"), ("link.csv", "file-refused", "error"),
                    ("linked-folder", "file-refused", "error")}
    assert sorted(batch.ledger["file_name"].to_list()) == ["a.xlsx", "b.csv", "c.csv"]
    archived = [p.read_bytes() for p in settings.archive.rglob("files/*")]
    assert outside.read_bytes() not in archived and len(archived) == 3


def test_ingest_command_summarises_per_unit(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    shutil.copy(ROOT / "tests" / "data" / "submissions" / "submission-clean.csv", inbox.mkdir() or inbox)
    code = main(["ingest", str(inbox), "--archive", str(tmp_path / "archive"), "--lang", "en"])
    out = capsys.readouterr()
    assert code == 0
    lines = {line.split()[0]: line.split()[1:] for line in out.out.splitlines()[1:]}
    assert lines == {"00277": ["1", "1", "0"], "003": ["1", "1", "0"]}  # submitted on time, by its date
    assert "1 file(s) ingested (0 rejected)" in out.err
    assert main(["ingest", str(tmp_path / "nowhere")]) == 2


def test_two_ingests_of_the_same_inbox_at_once_take_each_file_once(tmp_path, catalog, settings):
    from concurrent.futures import ThreadPoolExecutor

    files = [_csv(tmp_path / "inbox", f"{unit}.csv", [f"{unit},2024-Q3,08.01,9{i},,,,02/10/2024"])
             for i, unit in enumerate(["SO-LDTBXH"])]
    files += [_csv(tmp_path / "inbox", f"w{i}.csv", [f"00277,2024-Q3,01.07,,4{i},50,,02/10/2024"])
              for i in range(3)]
    with ThreadPoolExecutor(2) as pool:
        batches = list(pool.map(lambda _: ingest(files, catalog, settings, now=T0), range(2)))
    store = Store(settings.archive)
    # Each file is taken once; the other run meets it again under its own name: a duplicate it reports,
    # that adds nothing to the archive.
    assert sorted(store.ledger()["file_name"].to_list()) == sorted(p.name for p in files)
    duplicates = sum(int((b.issues["code"] == "duplicate-file").sum()) for b in batches)
    assert duplicates == len(files) and store.history().height == len(files)
    assert "duplicate-file" not in store.issues()["code"].to_list()


def test_a_held_lock_times_out_with_a_clear_error(tmp_path):
    from hanoi_ctr.locks import LockTimeout, exclusive

    with exclusive(tmp_path / "x.lock"):
        import subprocess
        import sys

        code = ("from hanoi_ctr.locks import exclusive, LockTimeout\n"
                f"try:\n    exclusive({str(tmp_path / 'x.lock')!r}, timeout=0.3).__enter__()\n"
                "except LockTimeout as e:\n    print('timeout', e)\n")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.startswith("timeout") and "held by another run" in out
    with exclusive(tmp_path / "x.lock", timeout=0.3):  # released when the holder leaves
        pass
    assert LockTimeout.__mro__[1].__name__ == "HanoiCtrError"


def test_a_revision_in_the_same_run_supersedes_by_file_name_order(tmp_path, catalog, settings):
    v1 = _csv(tmp_path / "inbox", "2024-Q3_SO-LDTBXH.csv", ["SO-LDTBXH,2024-Q3,08.01,80,,,,02/10/2024"])
    v2 = _csv(tmp_path / "inbox", "2024-Q3_SO-LDTBXH_v2.csv", ["SO-LDTBXH,2024-Q3,08.01,85,,,,03/10/2024"])
    batch = ingest([v2, v1], catalog, settings, now=T0)
    assert Store(settings.archive).values()["value"].to_list() == [85.0]
    superseded = batch.issues.filter(pl.col("code") == "superseded")
    assert superseded.select("file", "row").rows() == [("2024-Q3_SO-LDTBXH_v2.csv", 2)]
    assert "80 → 85" in superseded["message_en"].item()


def test_a_wards_revision_beats_the_district_file_it_revises_whatever_the_names(tmp_path, catalog, settings):
    district = _csv(tmp_path / "inbox", "2024_007.csv", ["00277,2024-Q3,01.07,,40,50,,02/10/2024"])
    revision = _csv(tmp_path / "inbox", "2024-Q3_00277_v2.csv", ["00277,2024-Q3,01.07,,45,50,,09/10/2024"])
    assert revision.name < district.name  # name order alone would let the original win
    ingest([district, revision], catalog, settings, now=T0)
    assert Store(settings.archive).values()["numerator"].to_list() == [45.0]


def test_partition_keeps_a_district_and_its_wards_together(catalog):
    from hanoi_ctr.pipeline import partition

    files = [Path(n) for n in ("2024_007.csv", "2024-Q3_00277_v2.csv", "2024-Q4_003.xlsx", "2024-Q4_SO-KHDT.xlsx",
                               "2024-Q4_001.xlsx", "2024-Q4_00004.xlsx")]
    groups = partition(files, 8, catalog)
    together = [g for g in groups if Path("2024_007.csv") in g][0]
    assert Path("2024-Q3_00277_v2.csv") in together
    assert sorted(p for g in groups for p in g) == sorted(files)


def test_progress_is_reported_per_file(tmp_path, catalog, settings):
    files = [_csv(tmp_path / "inbox", f"{i}.csv", [f"SO-LDTBXH,2024-Q3,08.01,9{i},,,,02/10/2024"]) for i in range(3)]
    seen = []
    ingest(files, catalog, settings, now=T0, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_the_progress_bar_draws_on_a_terminal(capsys):
    from hanoi_ctr.cli import _progress_bar

    bar = _progress_bar(width=10)
    bar(1, 2)
    bar(2, 2)
    assert capsys.readouterr().err == "\r[#####     ] 1/2\r[##########] 2/2\n"


def test_a_run_that_started_first_but_committed_last_is_received_last(tmp_path, catalog, settings, monkeypatch):
    import threading
    from contextlib import contextmanager

    import hanoi_ctr.intake.ingest as ingest_module

    early = _csv(tmp_path / "early", "early.csv", ["SO-LDTBXH,2024-Q3,08.01,80,,,,02/10/2024"])
    late = _csv(tmp_path / "late", "late.csv", ["SO-LDTBXH,2024-Q3,08.01,85,,,,02/10/2024"])
    waiting, go = threading.Event(), threading.Event()
    lock = ingest_module.exclusive

    @contextmanager
    def held_back(path):
        if threading.current_thread().name == "early":  # it has read and checked its file: hold it there
            waiting.set()
            go.wait(30)
        with lock(path) as held:
            yield held

    monkeypatch.setattr(ingest_module, "exclusive", held_back)
    runs = {}
    first = threading.Thread(name="early", target=lambda: runs.update(early=ingest([early], catalog, settings)))
    first.start()
    assert waiting.wait(30)
    runs["late"] = ingest([late], catalog, settings)  # starts after the early run, commits before it
    go.set()
    first.join(30)
    committed_first = runs["late"].ledger["received_at"].item()
    committed_last = runs["early"].ledger["received_at"].item()
    assert committed_first < committed_last
    store = Store(settings.archive)
    assert store.values()["value"].to_list() == [80.0]  # the later commit is in force
    superseded = runs["early"].issues.filter(pl.col("code") == "superseded")
    assert "08.01: 85 → 80" in superseded["message_en"].item()
    between = committed_first + (committed_last - committed_first) / 2
    assert store.values(as_of=between)["value"].to_list() == [85.0]
    assert store.values(as_of=committed_first - timedelta(microseconds=1)).is_empty()
    assert store.ledger()["file_name"].to_list() == ["late.csv", "early.csv"]  # batches in commit order


def test_receipt_times_follow_commits_even_when_the_clock_goes_back(tmp_path, catalog, settings):
    a = _csv(tmp_path / "inbox", "a.csv", ["SO-LDTBXH,2024-Q3,08.01,80,,,,02/10/2024"])
    b = _csv(tmp_path / "inbox", "b.csv", ["SO-LDTBXH,2024-Q3,08.01,85,,,,03/10/2024"])
    ingest([a], catalog, settings, now=T0)
    batch = ingest([b], catalog, settings, now=T0 - timedelta(hours=1))  # another machine, a slow clock
    assert batch.ledger["received_at"].item() == T0 + timedelta(microseconds=1)
    assert Store(settings.archive).values()["value"].to_list() == [85.0]


def test_revision_ten_comes_after_revision_nine(tmp_path, catalog, settings):
    files = [_csv(tmp_path / "inbox", f"2024-Q3_SO-LDTBXH_v{v}.csv", [f"SO-LDTBXH,2024-Q3,08.01,{80 + v},,,,"])
             for v in (10, 9, 2)]
    ingest(files, catalog, settings, now=T0)
    assert Store(settings.archive).values()["value"].to_list() == [90.0]


def test_a_fraction_is_questioned_unless_the_units_earlier_values_are_as_small(tmp_path, catalog, settings):
    ingest([_csv(tmp_path / "inbox", "q2.csv", ["SO-LDTBXH,2024-Q2,08.01,88,,,,02/07/2024",
                                                "SO-LDTBXH,2024-Q2,08.02,0.7,,,,02/07/2024"])],
           catalog, settings, now=T0)
    batch = ingest([_csv(tmp_path / "inbox", "q3.csv", ["SO-LDTBXH,2024-Q3,08.01,0.9,,,,02/10/2024",
                                                        "SO-LDTBXH,2024-Q3,08.02,0.8,,,,02/10/2024"])],
                   catalog, settings, now=T0 + timedelta(days=1))
    flagged = batch.issues.filter(pl.col("code") == "scale-mismatch")
    assert flagged["row"].to_list() == [2]  # 08.01 was 88 last quarter; 08.02 was 0.7
    assert "did you mean 90? (earlier periods: about 88)" in flagged["message_en"].item()
    assert sorted(Store(settings.archive).values()["value"].to_list()) == [0.7, 0.8, 0.9, 88.0]  # warned, kept


def test_notes_keep_their_line_breaks_and_messages_escape_control_characters(tmp_path, catalog, settings):
    path = tmp_path / "inbox" / "notes.csv"
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + 'SO-LDTBXH,2024-Q3,08.01,90,,,"Đã rà soát\r\ndòng 2",02/10/2024\n'
                    "SO-LDTBXH,2024-Q3,08.02,\x1b[2J9\x1b[0m,,,,02/10/2024\n", encoding="utf-8")
    batch = ingest([path], catalog, settings, now=T0)
    assert Store(settings.archive).values()["note"].to_list() == ["Đã rà soát\ndòng 2"]
    issue = batch.issues.filter(pl.col("code") == "type-error").row(0, named=True)
    assert issue["value"] == "\x1b[2J9\x1b[0m"  # the record keeps what was sent
    assert "'\\x1b[2J9\\x1b[0m'" in issue["message_en"] and "\x1b" not in issue["message_en"] + issue["message_vi"]
