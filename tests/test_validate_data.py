"""Every scenario file in tests/data/submissions raises exactly its expected issues."""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from conftest import ROOT

from hanoi_ctr.cli import main
from hanoi_ctr.intake.ingest import list_submissions, validate

DATA = ROOT / "tests" / "data"
NOW = datetime(2026, 1, 15, 3, 0, tzinfo=timezone.utc)


def _expected() -> set[tuple[str, str, int | None, str | None]]:
    with open(DATA / "expected.csv", encoding="utf-8") as fh:
        return {(r["file"], r["code"], int(r["row"]) if r["row"] else None, r["column"] or None)
                for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def batch(catalog):
    return validate(list_submissions(DATA / "submissions"), catalog, now=NOW)


def test_every_scenario_raises_exactly_its_issues(batch):
    found = {(r["file"], r["code"], r["row"], r["column"]) for r in batch.issues.iter_rows(named=True)}
    assert found == _expected()


def test_every_contract_code_of_intake_has_a_scenario():
    codes = {code for _, code, _, _ in _expected()}
    intake = ("file-unreadable file-too-large unsupported-format empty-file missing-column duplicate-file "
              "unknown-unit unit-inactive unknown-indicator indicator-not-assigned unknown-task invalid-period "
              "period-out-of-term period-mismatch future-period type-error missing-value out-of-range "
              "non-integer numerator-exceeds-denominator ratio-inconsistent duplicate-row late-submission")
    assert set(intake.split()) <= codes


def test_rows_read_equal_rows_accepted_plus_rows_rejected(batch):
    ledger = batch.ledger
    assert (ledger["rows_read"] == ledger["rows_accepted"] + ledger["rows_rejected"]).all()
    accepted = pl.concat([batch.values.select("sha256", "row"), batch.tasks.select("sha256", "row")])
    errors = batch.issues.filter(pl.col("severity") == "error", pl.col("row").is_not_null())
    for r in ledger.iter_rows(named=True):
        if r["outcome"] == "duplicate":  # a copy of a file already taken: nothing read from it again
            assert (r["rows_read"], r["rows_accepted"], r["rows_rejected"]) == (0, 0, 0), r["file_name"]
            continue
        assert accepted.filter(pl.col("sha256") == r["sha256"]).height == r["rows_accepted"], r["file_name"]
        rejected_rows = errors.filter(pl.col("sha256") == r["sha256"])["row"].n_unique()
        assert rejected_rows == r["rows_rejected"], r["file_name"]


def test_messages_in_both_languages_for_every_issue(batch):
    assert batch.issues["message_vi"].str.len_chars().min() > 5
    assert (batch.issues["message_vi"] != batch.issues["message_en"]).all()
    # What a reader or a check adds to a message is in the message's language too.
    english = r"\b(the|is|not|bytes|rows|workbook|reading|refused|save|sheet|cells|over|more than)\b"
    leaks = batch.issues.filter(pl.col("message_vi").str.replace_all(r"'[^']*'", "").str.contains(english))
    assert leaks.select("file", "code", "message_vi").rows() == []


def _values(batch, file: str) -> dict[str, tuple]:
    sha = batch.ledger.filter(pl.col("file_name") == file)["sha256"].item()
    rows = batch.values.filter(pl.col("sha256") == sha).sort("row")
    return {r["indicator_code"]: (r["value"], r["numerator"], r["denominator"], r["no_data_marker"], r["row"])
            for r in rows.iter_rows(named=True)}


def test_office_quirks_are_read_as_meant(batch):
    values = _values(batch, "submission-comma-decimals.csv")
    assert values["08.01"][0] == 90.5 and values["08.03"][0] == 95 and values["01.06"][0] == 1_234_567
    sha = batch.ledger.filter(pl.col("file_name") == "submission-comma-decimals.csv")["sha256"].item()
    notes = batch.values.filter(pl.col("sha256") == sha)["note"].drop_nulls().to_list()
    assert notes == ["Đã rà soát", "Số liệu ước tính"]  # NFC, as typed in NFD
    assert all(n == __import__("unicodedata").normalize("NFC", n) for n in notes)


def test_no_data_markers_are_not_reported_never_zero(batch):
    values = _values(batch, "submission-no-data-markers.csv")
    assert {code: (v[0], v[3]) for code, v in values.items()} == {
        "08.01": (None, "-"), "08.02": (None, "KBC"), "01.07": (None, "Không có số liệu")}


def test_plain_workbook_keeps_the_users_row_numbers_and_cached_formula_results(batch):
    values = _values(batch, "submission-long-table.xlsx")
    assert values["08.01"][0] == 90.5 and values["08.01"][4] == 4
    assert values["08.02"][0] == 41.25
    assert values["01.07"][:3] == (90.0, 45.0, 50.0) and values["01.07"][4] == 6


def test_submission_date_typed_by_the_unit_is_kept(batch):
    sha = batch.ledger.filter(pl.col("file_name") == "submission-late.csv")["sha256"].item()
    submitted = batch.values.filter(pl.col("sha256") == sha)["submitted_at"].item()
    assert submitted == datetime(2024, 11, 19, 17, 0, tzinfo=timezone.utc)  # 20/11/2024 00:00 in Hanoi


def test_the_scenario_files_are_what_the_generator_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_data", DATA / "make_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path / "submissions")
    committed = sorted(p.name for p in (DATA / "submissions").iterdir())
    assert sorted(p.name for p in (tmp_path / "submissions").iterdir()) == committed
    for name in committed:
        fresh, kept = tmp_path / "submissions" / name, DATA / "submissions" / name
        if name.startswith("template-"):  # saved by openpyxl with a timestamp: compare what the cells hold
            assert _cells(fresh) == _cells(kept), name
        else:
            assert fresh.read_bytes() == kept.read_bytes(), name
    assert (tmp_path / "expected.csv").read_text() == (DATA / "expected.csv").read_text()


def _cells(path: Path) -> dict[str, list]:
    import fastexcel

    reader = fastexcel.read_excel(path)
    return {name: reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_polars().rows()
            for name in reader.sheet_names}


def test_filled_template_scenario_is_clean(batch):
    ledger = batch.ledger.filter(pl.col("file_name") == "template-filled.xlsx").row(0, named=True)
    assert (ledger["format"], ledger["outcome"], ledger["rows_rejected"]) == ("template", "accepted", 0)
    assert ledger["rows_accepted"] > 0


def test_validate_command_prints_every_issue_and_exits_1(capsys):
    files = [str(p) for p in sorted((DATA / "submissions").iterdir())]
    assert main(["validate", "--lang", "en", *files]) == 1
    out = capsys.readouterr().out
    for file, code, row, column in _expected():
        tail = ":".join(str(p) for p in (row, column) if p is not None)
        assert any(line.startswith(file) and f"{tail}: " in line and f"[{code}]" in line
                   for line in out.splitlines()), (file, code)


def test_validate_command_json_and_clean_exit(capsys):
    import json

    clean = str(DATA / "submissions" / "submission-clean.csv")
    assert main(["validate", "--json", clean]) in (0, 1)
    issues = json.loads(capsys.readouterr().out)
    assert all(i["severity"] == "warning" for i in issues)  # at most late-submission against today's clock
    assert main(["validate", "--json", str(DATA / "submissions" / "submission-type-error.csv")]) == 1
    issues = json.loads(capsys.readouterr().out)
    assert [(i["code"], i["row"], i["column"]) for i in issues] == [("type-error", 2, "value")]
    assert main(["validate", "nowhere.csv"]) == 2


def test_validate_command_takes_a_folder(capsys):
    assert main(["validate", "--json", str(DATA / "submissions")]) == 1
    import json

    issues = json.loads(capsys.readouterr().out)
    assert {(i["file"], i["code"]) for i in issues} >= {("submission-type-error.csv", "type-error"),
                                                         ("template-edited-meta.xlsx", "template-mismatch")}


def test_numbers_are_read_as_the_cells_show_them(batch):
    assert _values(batch, "submission-percent-cells.xlsx")["08.01"][0] == 90.5  # 90.5% in a percent cell
    assert _values(batch, "submission-ambiguous-number.csv") == {"08.01": (90.5, None, None, None, 4)}


def test_a_quoted_decimal_comma_stays_in_its_field(batch):
    assert _values(batch, "submission-extra-fields.csv") == {"08.02": (3.25, None, None, None, 3)}


def test_unit_codes_typed_as_numbers_are_read_as_shown_or_refused(batch):
    sha = batch.ledger.filter(pl.col("file_name") == "submission-unit-code-as-number.xlsx")["sha256"].item()
    rows = batch.values.filter(pl.col("sha256") == sha).sort("row")
    assert rows.select("row", "unit_code").rows() == [(3, "00097"), (4, "00277")]  # row 2 (277) is ambiguous


def test_the_visible_copy_of_a_row_is_kept(batch):
    assert _values(batch, "submission-duplicate-on-hidden-row.xlsx") == {"08.01": (85.0, None, None, None, 3)}


def test_the_visible_sheets_are_read(batch):
    assert _values(batch, "submission-hidden-first-sheet.xlsx") == {"08.01": (85.0, None, None, None, 2)}
    sha = batch.ledger.filter(pl.col("file_name") == "submission-indicators-and-tasks.xlsx")["sha256"].item()
    assert batch.values.filter(pl.col("sha256") == sha).height == 1
    assert batch.tasks.filter(pl.col("sha256") == sha)["task_code"].to_list() == ["01.T01"]


def test_a_name_beside_its_code_is_read_as_the_units_name(batch):
    assert sorted(_values(batch, "submission-unit-name.csv")) == ["01.06", "03.05", "05.04"]


def test_a_trailing_nul_is_no_row(batch):
    assert _values(batch, "submission-trailing-nul.csv") == {"08.01": (90.0, None, None, None, 2)}


def test_files_not_read_are_reported_and_kept_out_of_the_ledger(batch):
    names = set(batch.ledger["file_name"])
    assert not names & {".submission-hidden.csv", "~$submission-open.xlsx", "submission-link-outside.csv"}
    refused = batch.issues.filter(pl.col("file") == "submission-link-outside.csv")
    assert refused["sha256"].to_list() == [None]  # the link's target is never read, not even hashed


def test_a_unit_not_in_force_at_the_end_of_the_period_names_its_successor(batch):
    issue = batch.issues.filter(pl.col("file") == "submission-unit-inactive-at-period-end.csv",
                                pl.col("code") == "unit-inactive").row(0, named=True)
    assert "00292 Phường Bạch Mai" in issue["message_en"] and "30/06/2025" in issue["message_vi"]


def test_hostile_workbooks_are_refused_quickly():
    import time

    from hanoi_ctr.intake.readers import read_file
    from hanoi_ctr.settings import Settings

    for name in ("submission-stray-cell.xlsx", "submission-understated-sizes.xlsx",
                 "submission-shared-strings-claim.xlsx", "submission-zip-bomb.xlsx"):
        started = time.perf_counter()
        raw = read_file(DATA / "submissions" / name, Settings())
        assert time.perf_counter() - started < 5, name
        assert [i.code for i in raw.issues] == ["file-too-large"], name
