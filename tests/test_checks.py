"""The row checks are named, carry their issue codes, and are found by them."""

from __future__ import annotations

import polars as pl

from hanoi_ctr.declare.issues import CODES
from hanoi_ctr.declare.schemas import CHECK_CODES
from hanoi_ctr.intake.checks import ROW_CHECKS, checks_for


def test_every_check_has_a_name_codes_and_a_description():
    names = [c.name for c in ROW_CHECKS]
    assert len(names) == len(set(names))
    for c in ROW_CHECKS:
        assert c.codes and all(CODES[code].level in ("row", "warning") for code in c.codes), c.name
        assert c.description and c.rows, c.name


def test_every_row_code_is_raised_by_a_named_check_or_a_declared_constraint():
    row_codes = {code for code, spec in CODES.items() if spec.level == "row"}
    by_checks = {code for c in ROW_CHECKS for code in c.codes}
    assert row_codes - by_checks <= set(CHECK_CODES.values()), sorted(row_codes - by_checks)


def test_a_rule_is_found_by_its_code():
    assert [c.name for c in checks_for("unit-inactive")] == ["unit_in_force"]
    assert [c.name for c in checks_for("ratio-inconsistent")] == ["ratio_consistent"]
    assert {c.name for c in checks_for("duplicate-row")} == {"indicator_once_per_file", "task_once_per_file"}
    assert checks_for("late-submission") == []


def test_a_row_for_an_indicator_not_assigned_says_who_reports_it(catalog, tmp_path):
    import hanoi_ctr

    path = tmp_path / "wrong-unit.csv"
    path.write_text("unit_code,period,indicator_code,value,submitted_at\n"
                    "003,2024-Q3,08.01,90,2024-10-02\n00277,2024-Q4,02.10,20,2025-01-02\n", encoding="utf-8")
    issues = hanoi_ctr.validate([path], catalog).issues.filter(pl.col("code") == "indicator-not-assigned")
    by_row = {r["row"]: (r["message_vi"], r["message_en"]) for r in issues.iter_rows(named=True)}
    assert "SO-LDTBXH" in by_row[2][0] and "hoặc gửi dưới mã 01" in by_row[2][0]
    assert "reported by: SO-LDTBXH (or sent as the city, 01)" in by_row[2][1]
    assert "SO-CT" in by_row[3][1]


def test_a_yearly_indicator_is_due_in_the_reports_that_close_its_year(catalog, tmp_path):
    import hanoi_ctr

    path = tmp_path / "yearly.csv"
    rows = [f"003,{p},01.03,5,2025-01-02" for p in ("2024-Q1", "2024-Q3", "2024-H1", "2024-Q4", "2024-H2", "2024")]
    path.write_text("unit_code,period,indicator_code,value,submitted_at\n" + "\n".join(rows) + "\n", encoding="utf-8")
    issues = hanoi_ctr.validate([path], catalog).issues
    not_due = issues.filter(pl.col("code") == "indicator-not-due")
    assert sorted(not_due["row"].to_list()) == [2, 3, 4]  # Q1, Q3 and H1 do not close the year
    assert "theo năm" in not_due["message_vi"][0] and "yearly, in the Q4" in not_due["message_en"][0]


def _validate_csv(tmp_path, catalog, rows: list[str], settings=None):
    import hanoi_ctr

    path = tmp_path / "rows.csv"
    path.write_text("unit_code,period,indicator_code,value,numerator,denominator,submitted_at\n"
                    + "\n".join(rows) + "\n", encoding="utf-8")
    return hanoi_ctr.validate([path], catalog, settings)


def test_a_unit_code_without_its_zeros_is_read_only_when_it_can_be_one_unit(tmp_path, catalog):
    batch = _validate_csv(tmp_path, catalog, ["97,2024-Q3,01.07,,45,50,2024-10-02",  # only ward 00097
                                              "4,2024-Q3,01.07,,45,50,2024-10-02",  # district 004 or ward 00004
                                              "277,2024-Q3,01.06,3,,,2024-10-02"])  # a code as typed
    assert batch.issues.select("code", "row").rows() == [("unit-code-padded", 2), ("ambiguous-unit", 3)]
    assert "004 (Quận Long Biên) or 00004 (Phường Trúc Bạch)" in batch.issues["message_en"][1]
    assert batch.values.select("row", "unit_code").sort("row").rows() == [(2, "00097"), (4, "277")]


def test_after_the_reorganisation_a_code_is_padded_among_the_units_then_in_force(tmp_path, catalog):
    # 4 is district 004 or ward 00004 before July 2025; from then only the new ward 00004 exists.
    batch = _validate_csv(tmp_path, catalog, ["4,2025-Q3,01.07,,45,50,2025-10-02"])
    assert batch.issues.select("code").to_series().to_list() == ["unit-code-padded"]


def test_a_ward_abolished_mid_window_is_inactive_for_that_window(tmp_path, catalog):
    from hanoi_ctr.settings import Settings

    # Decree 09 windows: 2025-Q3 runs 15 June - 14 September; 00277 existed until 30 June.
    batch = _validate_csv(tmp_path, catalog, ["00277,2025-Q3,01.07,,45,50,2025-09-20"],
                          Settings(calendar="decree09"))
    assert batch.issues.select("code", "row", "column").rows() == [("unit-inactive", 2, "unit_code")]
    assert batch.values.is_empty()


def test_a_two_thousand_in_a_count_is_refused_and_a_three_decimal_indicator_reads_decimals(tmp_path, catalog):
    batch = _validate_csv(tmp_path, catalog, ["003,2024-Q3,01.06,15.000,,,2024-10-02",
                                              "SO-LDTBXH,2024-Q3,08.01,\"12,345\",,,2024-10-02"])
    issue = batch.issues.row(0, named=True)
    assert (issue["code"], issue["row"]) == ("ambiguous-number", 2) and batch.issues.height == 1
    assert "15 (a decimal point) or 15000 (a thousands separator)" in issue["message_en"]
    assert "15 (số thập phân) hoặc 15000 (số nguyên)" in issue["message_vi"]
    assert batch.values["value"].to_list() == [12.345]  # 12345 is no percentage
