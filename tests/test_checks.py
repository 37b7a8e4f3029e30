"""The row checks are named, carry their issue codes, and are found by them."""

from __future__ import annotations

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
