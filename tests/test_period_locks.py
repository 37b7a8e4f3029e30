"""Period locks: a closed period keeps its figures until a recorded exception applies the file that waited."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

from hanoi_ctr import pipeline
from hanoi_ctr.cli import main
from hanoi_ctr.errors import ConfigError, Refused
from hanoi_ctr.intake.ingest import ingest, validate
from hanoi_ctr.intake.lock_exceptions import grant, lock_status
from hanoi_ctr.intake.period_locks import locked_from
from hanoi_ctr.intake.review import review_states
from hanoi_ctr.intake.store import Store
from hanoi_ctr.settings import Settings

HEADER = "unit_code,period,indicator_code,value,numerator,denominator,note,submitted_at\n"
FIRST = datetime(2023, 4, 3, 2, 0, tzinfo=timezone.utc)       # the 2023-Q1 report, on time
REVISION = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)   # its revision, three and a half years later
DECISION = datetime(2026, 12, 10, 2, 0, tzinfo=timezone.utc)  # the lock exception
UNIT = "001"
DAY = timedelta(days=1)


def _csv(folder: Path, name: str, value: float, sent: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + f"{UNIT},2023-Q1,08.08,{value:g},,,,{sent}\n", encoding="utf-8")
    return path


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", lock_days=90)


@pytest.fixture()
def revised(tmp_path, catalog, settings):
    """2023-Q1 sent with 1 on time, then a revision saying 999 in December 2026."""
    ingest([_csv(tmp_path / "in1", "2023-Q1_001.csv", 1, "03/04/2023")], catalog, settings, now=FIRST)
    return ingest([_csv(tmp_path / "in2", "2023-Q1_001_v2.csv", 999, "01/12/2026")], catalog, settings,
                  now=REVISION)


def _value(settings: Settings, as_of: datetime | None = None) -> float:
    values = Store(settings.archive).values(as_of=as_of)
    return values.filter(pl.col("unit_code") == UNIT, pl.col("indicator_code") == "08.08")["value"].item()


def test_a_period_locks_lock_days_after_its_deadline():
    lock = locked_from("2023-Q1", Settings(lock_days=90))  # deadline 5 April 2023, passed on the 6th
    assert lock == datetime(2023, 7, 4, 17, 0, tzinfo=timezone.utc)  # 5 July 2023, 00:00 Hanoi time
    assert locked_from("2023-Q1", Settings()) is None


def test_a_file_for_a_locked_period_is_kept_but_not_applied(catalog, settings, revised):
    assert revised.ledger.select("file_name", "outcome", "rows_read", "rows_accepted").rows() == [
        ("2023-Q1_001_v2.csv", "held", 1, 1)]
    codes = sorted(revised.issues["code"].to_list())
    assert codes == ["late-submission", "period-locked"]  # nothing is superseded
    locked = revised.issues.filter(pl.col("code") == "period-locked").row(0, named=True)
    assert (locked["unit_code"], locked["period"], locked["severity"]) == (UNIT, "2023-Q1", "warning")
    assert "locked on 05/07/2023" in locked["message_en"]
    assert "khóa sổ từ ngày 05/07/2023" in locked["message_vi"]
    store = Store(settings.archive)
    sha = revised.ledger["sha256"].item()
    assert store.file_path(sha).read_text(encoding="utf-8").endswith("999,,,,01/12/2026\n")  # kept unchanged
    assert _value(settings) == 1 and revised.values.is_empty() and revised.held["value"].to_list() == [999]
    assert review_states(catalog, settings, period="2023-Q1").row(0, named=True)["n_held"] == 1


def test_a_lock_exception_applies_the_held_file_from_the_moment_it_is_recorded(catalog, settings, revised):
    decision = grant(catalog, settings, UNIT, "2023-Q1", until="2026-12-31", reason="QĐ 123/QĐ-TU", by="city",
                     now=DECISION)
    assert "locked → open until 31/12/2026" in decision.describe()
    assert "applied 2023-Q1_001_v2.csv (1 rows held since 01/12/2026 09:00 Hanoi time)" in decision.describe()
    assert _value(settings) == 999
    assert _value(settings, as_of=DECISION - timedelta(seconds=1)) == 1  # history: what was in force then
    ledger = Store(settings.archive).ledger().filter(pl.col("file_name") == "2023-Q1_001_v2.csv")
    assert ledger.select("outcome", "received_at").rows() == [("held", REVISION), ("accepted", DECISION)]
    entry = Store(settings.archive).audit.entries()[-1]
    assert (entry.action, entry.unit_code, entry.period, entry.until, entry.reason) == (
        "lock-exception", UNIT, "2023-Q1", date(2026, 12, 31), "QĐ 123/QĐ-TU")
    assert entry.files == tuple(revised.ledger["sha256"])
    # A rollup as of any time reproduces what was in force then.
    def city(as_of):
        results = pipeline.compute(catalog, settings, "2023-Q1", as_of=as_of).results
        city = results.filter(pl.col("indicator_code") == "08.08", pl.col("unit_level") == "city")
        return city["value"].item()
    assert city(DECISION - DAY) == 1 and city(None) == 999
    assert review_states(catalog, settings, period="2023-Q1").row(0, named=True)["review_state"] == "checked"


def test_within_the_exception_files_apply_and_after_it_they_are_held_again(tmp_path, catalog, settings,
                                                                           revised):
    grant(catalog, settings, UNIT, "2023-Q1", until="2026-12-31", reason="QĐ 123/QĐ-TU", now=DECISION)
    within = ingest([_csv(tmp_path / "in3", "2023-Q1_001_v3.csv", 500, "20/12/2026")], catalog, settings,
                    now=DECISION + 10 * DAY)
    assert within.ledger["outcome"].to_list() == ["accepted"] and _value(settings) == 500
    assert "superseded" in within.issues["code"].to_list()
    after = ingest([_csv(tmp_path / "in4", "2023-Q1_001_v4.csv", 7, "02/01/2027")], catalog, settings,
                   now=datetime(2027, 1, 2, 2, tzinfo=timezone.utc))
    assert after.ledger["outcome"].to_list() == ["held"] and _value(settings) == 500
    assert lock_status(catalog, settings, "2023-Q1").held["file_name"].to_list() == ["2023-Q1_001_v4.csv"]


def test_periods_that_are_not_locked_take_files_as_before(tmp_path, catalog, settings):
    batch = ingest([_csv(tmp_path / "in", "2023-Q1_001.csv", 1, "03/04/2023")], catalog, settings,
                   now=FIRST + 60 * DAY)  # late, but before the lock
    assert batch.ledger["outcome"].to_list() == ["accepted"] and "period-locked" not in batch.issues["code"]
    never = settings.replace(lock_days=None, data_dir=tmp_path / "other")
    batch = ingest([_csv(tmp_path / "in", "2023-Q1_001.csv", 1, "03/04/2023")], catalog, never, now=REVISION)
    assert batch.ledger["outcome"].to_list() == ["accepted"]
    # Validating a file alone holds nothing back: the lock is the archive's matter.
    checked = validate([_csv(tmp_path / "in", "2023-Q1_001.csv", 1, "03/04/2023")], catalog, settings,
                       now=REVISION)
    assert "period-locked" not in checked.issues["code"].to_list()


def test_lock_exceptions_refused_or_wrong(catalog, settings, revised):
    with pytest.raises(Refused, match=r"2024-Q4 is not locked \(it locks on 06/04/2025\)"):
        grant(catalog, settings, UNIT, "2024-Q4", until="2025-01-31", reason="x",
              now=datetime(2025, 1, 10, tzinfo=timezone.utc))
    with pytest.raises(Refused, match="periods never lock"):
        grant(catalog, settings.replace(lock_days=None), UNIT, "2023-Q1", until="2027-01-31", reason="x",
              now=DECISION)
    with pytest.raises(ConfigError, match="in the past"):
        grant(catalog, settings, UNIT, "2023-Q1", until="2026-01-31", reason="x", now=DECISION)
    with pytest.raises(ConfigError, match="not a date"):
        grant(catalog, settings, UNIT, "2023-Q1", until="31/01/2027", reason="x", now=DECISION)
    with pytest.raises(ConfigError, match="unknown unit"):
        grant(catalog, settings, "X1", "2023-Q1", until="2027-01-31", reason="x", now=DECISION)
    assert Store(settings.archive).audit.entries() == () and _value(settings) == 1


def test_the_lock_commands(tmp_path, catalog, settings, capsys, monkeypatch):
    monkeypatch.setenv("HANOI_CTR_LOCK_DAYS", "90")
    monkeypatch.setenv("HANOI_CTR_ARCHIVE_DIR", str(settings.archive))
    ingest([_csv(tmp_path / "in1", "2023-Q1_001.csv", 1, "03/04/2023")], catalog, settings, now=FIRST)
    inbox = tmp_path / "in2"
    _csv(inbox, "2023-Q1_001_v2.csv", 999, "01/12/2026")
    assert main(["ingest", str(inbox)]) == 0
    out = capsys.readouterr().out
    assert "Held files (period locked):" in out or "Tệp tạm giữ (kỳ đã khóa sổ):" in out
    assert main(["lock", "status", "--period", "2023-Q1"]) == 0
    assert "held 001: 2023-Q1_001_v2.csv" in capsys.readouterr().out
    assert main(["lock", "exception", "--unit", UNIT, "--period", "2030-Q1", "--until", "2099-01-31",
                 "--reason", "x"]) == 2
    monkeypatch.setenv("HANOI_CTR_LOCK_DAYS", "100000")
    capsys.readouterr()
    assert main(["lock", "exception", "--unit", UNIT, "--period", "2023-Q1", "--until", "2099-01-31",
                 "--reason", "x"]) == 1
    assert "2023-Q1 is not locked (it locks on" in capsys.readouterr().err
    monkeypatch.setenv("HANOI_CTR_LOCK_DAYS", "90")
    assert main(["lock", "exception", "--unit", UNIT, "--period", "2023-Q1", "--until", "2099-01-31",
                 "--reason", "QĐ 5", "--by", "city"]) == 0
    assert "applied 2023-Q1_001_v2.csv" in capsys.readouterr().out
    assert _value(settings) == 999
    monkeypatch.setenv("HANOI_CTR_LOCK_DAYS", "")
    assert main(["lock", "exception", "--unit", UNIT, "--period", "2023-Q1", "--until", "2099-01-31",
                 "--reason", "x"]) == 1
    assert "periods never lock" in capsys.readouterr().err
