"""Review level by level: a ward's report to its district, a district's to the city; states, refusals."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from hanoi_ctr import pipeline
from hanoi_ctr.cli import main
from hanoi_ctr.errors import ConfigError, Refused
from hanoi_ctr.intake.ingest import ingest
from hanoi_ctr.intake.review import accept, approve, awaiting, decide, return_, review_states
from hanoi_ctr.intake.store import Store
from hanoi_ctr.settings import Settings

T0 = datetime(2024, 10, 2, 2, 0, tzinfo=timezone.utc)  # 09:00 Hanoi time, 2 October 2024
DAY = timedelta(days=1)
HEADER = "unit_code,period,indicator_code,value,numerator,denominator,note,submitted_at\n"
WARD, DISTRICT, OTHER_DISTRICT, OTHER_WARD = "00004", "001", "002", "00037"  # 00004 in 001, 00037 in 002


def _csv(folder: Path, name: str, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _ingest(tmp_path: Path, catalog, settings: Settings, name: str, rows: list[str], now: datetime):
    return ingest([_csv(tmp_path / "inbox" / name.split(".")[0], name, rows)], catalog, settings, now=now)


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture()
def received(tmp_path, catalog, settings) -> Settings:
    """2024-Q3 reports of a ward of 001, a ward of 002 and both districts (08.08, a count summed up)."""
    for unit, value in ((WARD, 5), (OTHER_WARD, 7), (DISTRICT, 10), (OTHER_DISTRICT, 20)):
        row = f"{unit},2024-Q3,08.08,{value},,,,02/10/2024"
        _ingest(tmp_path, catalog, settings, f"2024-Q3_{unit}.csv", [row], T0)
    return settings


def _state(catalog, settings, unit: str, **kw) -> dict:
    rows = review_states(catalog, settings, period="2024-Q3", **kw).filter(pl.col("unit_code") == unit)
    return rows.row(0, named=True)


def test_from_receipt_to_approval_with_a_return_in_between(tmp_path, catalog, received):
    settings = received
    assert _state(catalog, settings, WARD)["review_state"] == "checked"
    assert _state(catalog, settings, WARD)["reviewer_code"] == DISTRICT
    assert awaiting(catalog, settings, DISTRICT)["unit_code"].to_list() == [WARD]

    returned, = return_(catalog, settings, [WARD], "2024-Q3", reviewer=DISTRICT, by="Lan",
                        reason="08.08 thiếu", now=T0 + DAY)
    assert (returned.before, returned.after) == ("checked", "returned")
    said = "00004 2024-Q3: checked → returned (001, by Lan, 03/10/2024 09:00 Hanoi time)"
    assert said in returned.describe()
    state = _state(catalog, settings, WARD)
    assert (state["review_state"], state["decided_by"], state["reason"]) == ("returned", "Lan", "08.08 thiếu")
    assert awaiting(catalog, settings, DISTRICT).is_empty()
    # Beside the reason, the officer gets their own file back with its problems marked.
    folder = settings.output / "returned" / "2024-Q3" / WARD
    reason = (folder / "ly-do-tra-lai.txt").read_text(encoding="utf-8")
    assert "Lý do: 08.08 thiếu" in reason and "bởi Lan" in reason
    copies = sorted(p.name for p in folder.glob("*_gop-y.xlsx"))
    assert len(copies) == 1
    # The returned report stays in the archive; the ward's next file is its revision and restarts at checked.
    store = Store(settings.archive)
    first = store.ledger().filter(pl.col("unit_code") == WARD)["sha256"].item()
    assert store.file_path(first) is not None
    _ingest(tmp_path, catalog, settings, "2024-Q3_00004_v2.csv", [f"{WARD},2024-Q3,08.08,6,,,,04/10/2024"],
            T0 + 2 * DAY)
    state = _state(catalog, settings, WARD)
    assert (state["review_state"], state["n_files"], state["reason"]) == ("checked", 2, None)

    accepted, = accept(catalog, settings, [WARD], "2024-Q3", reviewer=DISTRICT, by="Lan", now=T0 + 3 * DAY)
    assert accepted.after == "accepted" and _state(catalog, settings, WARD)["review_state"] == "accepted"
    assert WARD in awaiting(catalog, settings)["unit_code"].to_list()  # the city's approval is next
    approved, = approve(catalog, settings, [WARD], "2024-Q3", by="Thành phố", now=T0 + 4 * DAY)
    assert (approved.before, approved.after) == ("accepted", "approved")
    assert _state(catalog, settings, WARD)["approved_at"] == approved.entry.at

    entries = store.audit.entries()
    assert [(e.action, e.unit_code, e.reviewer, e.by) for e in entries] == [
        ("return", WARD, DISTRICT, "Lan"), ("accept", WARD, DISTRICT, "Lan"),
        ("approve", WARD, "01", "Thành phố")]
    assert entries[0].files == (first,) and len(entries[1].files) == 2  # what was decided on
    # The states as they were at any moment.
    assert _state(catalog, settings, WARD, as_of=T0 + DAY + timedelta(hours=1))["review_state"] == "returned"
    assert _state(catalog, settings, WARD, as_of=T0 + timedelta(hours=1))["review_state"] == "checked"


def test_the_city_reviews_districts_and_approves_them_directly(catalog, received):
    settings = received
    assert _state(catalog, settings, DISTRICT)["reviewer_code"] == "01"
    assert set(awaiting(catalog, settings)["unit_code"]) == {DISTRICT, OTHER_DISTRICT}
    approved = approve(catalog, settings, [DISTRICT, OTHER_DISTRICT], "2024-Q3", by="city", now=T0 + DAY)
    assert [(d.unit_code, d.before, d.after) for d in approved] == [
        (DISTRICT, "checked", "approved"), (OTHER_DISTRICT, "checked", "approved")]


@pytest.mark.parametrize("action,units,kw,why", [
    ("accept", [WARD], {"reviewer": OTHER_DISTRICT}, "it is reviewed by 001, not by 002"),
    ("return", [OTHER_WARD], {"reviewer": DISTRICT, "reason": "x"}, "it is reviewed by 002, not by 001"),
    ("approve", [WARD], {}, "it awaits acceptance by 001 first"),
    ("approve", [WARD], {"reviewer": DISTRICT}, "only the city (01) approves"),
    ("accept", ["00001"], {"reviewer": DISTRICT}, "nothing was ever received from 00001 for 2024-Q3"),
])
def test_refused_actions_say_why_and_write_nothing(catalog, received, action, units, kw, why):
    store = Store(received.archive)
    with pytest.raises(Refused) as err:
        decide(catalog, received, action, units, "2024-Q3", by="x", now=T0 + DAY, **kw)
    assert why in str(err.value) and "\n" not in str(err.value)
    assert store.audit.entries() == ()


def test_a_second_approval_is_refused(catalog, received):
    approve(catalog, received, [DISTRICT], "2024-Q3", by="city", now=T0 + DAY)
    with pytest.raises(Refused, match="already approved by city on 03/10/2024 09:00 Hanoi time"):
        approve(catalog, received, [DISTRICT], "2024-Q3", by="city", now=T0 + 2 * DAY)
    with pytest.raises(Refused, match="an approved report is final"):
        return_(catalog, received, [DISTRICT], "2024-Q3", reason="late thoughts", now=T0 + 2 * DAY)


def test_a_batch_with_one_refusal_writes_none_of_it(catalog, received):
    with pytest.raises(Refused) as err:
        accept(catalog, received, [WARD, OTHER_WARD], "2024-Q3", reviewer=DISTRICT, now=T0 + DAY)
    assert err.value.reasons == [f"{OTHER_WARD} 2024-Q3: cannot accept: it is reviewed by 002, not by 001"]
    assert Store(received.archive).audit.entries() == ()
    assert _state(catalog, received, WARD)["review_state"] == "checked"


@pytest.mark.parametrize("units,period,kw,message", [
    (["99999"], "2024-Q3", {}, "unknown unit '99999'"),
    ([WARD], "2031-Q1", {}, "no term of the catalog covers 2031-Q1"),
    ([WARD], "2024-Q3", {"reviewer": "ABC"}, "unknown unit 'ABC'"),
    ([WARD], "2025-Q4", {"reviewer": DISTRICT}, "unit 001 is not in force at the end of 2025-Q4"),
])
def test_unknown_units_and_periods_are_usage_errors(catalog, received, units, period, kw, message):
    with pytest.raises(ConfigError, match=message):
        accept(catalog, received, units, period, now=T0 + DAY, **kw)


def test_a_return_needs_a_reason(catalog, received):
    with pytest.raises(ConfigError, match="reason"):
        return_(catalog, received, [WARD], "2024-Q3", reviewer=DISTRICT, reason="  ")


def test_after_july_2025_the_city_reviews_the_communes(tmp_path, catalog, settings):
    now = datetime(2025, 10, 2, 2, tzinfo=timezone.utc)
    _ingest(tmp_path, catalog, settings, "2025-Q3_00004.csv", ["00004,2025-Q3,08.08,3,,,,02/10/2025"], now)
    state = review_states(catalog, settings, period="2025-Q3").row(0, named=True)
    assert (state["unit_code"], state["unit_level"], state["reviewer_code"]) == ("00004", "ward", "01")
    with pytest.raises(ConfigError, match="not in force at the end of 2025-Q3"):
        accept(catalog, settings, ["00004"], "2025-Q3", reviewer=DISTRICT, now=now + DAY)
    done, = accept(catalog, settings, ["00004"], "2025-Q3", now=now + DAY)
    assert done.after == "accepted"


# --- rollups by approval ------------------------------------------------------------------------


def _city(catalog, settings) -> float:
    results = pipeline.compute(catalog, settings, "2024-Q3").results
    return results.filter(pl.col("indicator_code") == "08.08", pl.col("unit_level") == "city")["value"].item()


def test_rollups_with_and_without_the_approved_only_setting(tmp_path, catalog, received):
    only = received.replace(approved_only=True)
    assert _city(catalog, received) == 30  # 001 (10) and 002 (20): the districts' own figures stand
    approve(catalog, received, [DISTRICT], "2024-Q3", by="city", now=T0 + DAY)
    assert _city(catalog, received) == 30 and _city(catalog, only) == 10
    # A revision after the approval is in the all-data rollup at once, in the approved one only once approved.
    _ingest(tmp_path, catalog, received, "2024-Q3_001_v2.csv", ["001,2024-Q3,08.08,12,,,,04/10/2024"],
            T0 + 2 * DAY)
    assert _city(catalog, received) == 32 and _city(catalog, only) == 10
    assert _state(catalog, received, DISTRICT)["review_state"] == "checked"
    approve(catalog, received, [DISTRICT, OTHER_DISTRICT], "2024-Q3", by="city", now=T0 + 3 * DAY)
    assert _city(catalog, only) == 32
    # As of a moment between the approvals, the approved-only rollup is what was approved then.
    before = pipeline.compute(catalog, only, "2024-Q3", as_of=T0 + 2 * DAY + timedelta(hours=1)).results
    city = before.filter(pl.col("indicator_code") == "08.08", pl.col("unit_level") == "city")
    assert city["value"].item() == 10


def test_the_workbook_shows_each_units_review_state_and_marks_values_not_approved(tmp_path, catalog,
                                                                                  received):
    accept(catalog, received, [WARD], "2024-Q3", reviewer=DISTRICT, by="Lan", now=T0 + DAY)
    return_(catalog, received, [OTHER_DISTRICT], "2024-Q3", by="city", reason="Thiếu số liệu", now=T0 + DAY)
    approve(catalog, received, [DISTRICT], "2024-Q3", by="city", now=T0 + 2 * DAY)
    settings = received.replace(output_dir=tmp_path / "out")
    outputs = pipeline.write_outputs(pipeline.compute(catalog, settings, "2024-Q3"), catalog, settings)
    wb = openpyxl.load_workbook(outputs.workbook)
    ws = wb["Duyệt số liệu"]
    rows = [r for r in ws.iter_rows(min_row=1, values_only=True) if r[0] is not None]
    header = rows.index(next(r for r in rows if r[0] == "Mã"))
    states = {r[0]: (r[4], r[5], r[10], r[11]) for r in rows[header + 1:]}
    assert states == {DISTRICT: ("01", "Thành phố đã phê duyệt", "city", None),
                      WARD: (DISTRICT, "Cấp trên đã chấp nhận", "Lan", None),
                      OTHER_DISTRICT: ("01", "Trả lại để sửa", "city", "Thiếu số liệu"),
                      OTHER_WARD: (OTHER_DISTRICT, "Đã kiểm tra, chờ duyệt", None, None)}
    assert "mọi số liệu đã tiếp nhận" in rows[1][0]
    sources = wb["Số liệu nguồn"]
    head = next(r for r in sources.iter_rows(min_row=1) if r[0].value == "Chỉ tiêu")
    labels = [c.value for c in head]
    approved_col, value_col = labels.index("Đã phê duyệt"), labels.index("Giá trị")
    marks = {}
    for row in sources.iter_rows(min_row=head[0].row + 1):
        if row[0].value != "08.08":
            continue
        cell = row[value_col]
        color = cell.font.color.rgb if cell.font.color else None
        marks[row[1].value] = (row[approved_col].value, bool(cell.font.i), color)
    assert marks[DISTRICT] == ("Đã phê duyệt", False, marks[DISTRICT][2])
    assert marks[WARD][:2] == ("Chưa phê duyệt", True) and marks[WARD][2].endswith("7F7F7F")
    assert marks[OTHER_DISTRICT][:2] == ("Chưa phê duyệt", True)


# --- the command line ----------------------------------------------------------------------------


def test_the_review_commands(catalog, received, capsys, monkeypatch):
    archive = str(received.archive)
    assert main(["review", "--as", DISTRICT, "--archive", archive]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[1].split()[:3] == [WARD, "2024-Q3", "checked"] and "1 report(s)" in out.err
    assert main(["review", "accept", "--as", OTHER_DISTRICT, "--unit", WARD, "--period", "2024-Q3",
                 "--archive", archive]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == ["hanoi-ctr: refused: 00004 2024-Q3: cannot accept: it is reviewed by 001, not by 002"]
    assert main(["review", "accept", "--as", DISTRICT, "--awaiting", "--period", "2024-Q3", "--by", "Lan",
                 "--archive", archive]) == 0
    assert capsys.readouterr().out.startswith("00004 2024-Q3: checked → accepted (001, by Lan, ")
    assert main(["review", "return", "--unit", OTHER_DISTRICT, "--period", "2024-Q3", "--reason", "Sai số",
                 "--archive", archive]) == 0
    assert "checked → returned" in capsys.readouterr().out
    assert main(["review", "approve", "--unit", WARD, "--unit", DISTRICT, "--period", "2024-Q3",
                 "--archive", archive]) == 0
    assert capsys.readouterr().out.count("→ approved") == 2
    assert main(["review", "approve", "--unit", WARD, "--period", "2024-Q3", "--archive", archive]) == 1
    assert "already approved" in capsys.readouterr().err
    assert main(["review", "approve", "--unit", "99999", "--period", "2024-Q3", "--archive", archive]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["review", "approve", "--unit", WARD, "--period", "2024-Q7", "--archive", archive]) == 2
    assert main(["review", "--all", "--json", "--archive", archive]) == 0
    listed = {r["unit_code"]: r["review_state"] for r in json.loads(capsys.readouterr().out)}
    assert listed == {WARD: "approved", DISTRICT: "approved", OTHER_DISTRICT: "returned",
                      OTHER_WARD: "checked"}


def test_a_form_of_decisions_returns_each_file_and_reads_the_archive_once(catalog, received, monkeypatch):
    """A review form's returns each get their reason and feedback copy; the archive's issues are read once."""
    from hanoi_ctr.intake import review

    settings = received
    reads = []
    issues = Store.issues
    monkeypatch.setattr(Store, "issues", lambda self, *a, **kw: reads.append(1) or issues(self, *a, **kw))
    lines = review.apply(catalog, settings, None, [
        (DISTRICT, "2024-Q3", "return", "08.08 thiếu"), (OTHER_DISTRICT, "2024-Q3", "return", "08.08 sai"),
        (DISTRICT, "2024-Q3", "approve", "")], by="Thành phố", now=T0 + DAY)
    assert len(reads) == 1
    for unit, reason in ((DISTRICT, "08.08 thiếu"), (OTHER_DISTRICT, "08.08 sai")):
        folder = settings.output / "returned" / "2024-Q3" / unit
        assert f"Lý do: {reason}" in (folder / "ly-do-tra-lai.txt").read_text(encoding="utf-8")
        assert len(list(folder.glob("*_gop-y.xlsx"))) == 1
        assert sum(f"→ {folder}" in line for line in lines) == 2  # the reason and the copy
    assert lines[-1].startswith("refused:")  # a returned report is not approved until revised
