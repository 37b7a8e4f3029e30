"""The column and table declarations hold together."""

from __future__ import annotations

import re

import pytest

from hanoi_ctr.declare.fields import FIELDS, LEVELS, UNIT_KINDS
from hanoi_ctr.declare.issues import CODES
from hanoi_ctr.declare.schemas import POLARS_TYPES, pandera_schema, polars_schema
from hanoi_ctr.declare.tables import LEVEL_OF_KIND, SHEETS, TABLES

CONTRACT_CODES = {
    "file": "file-unreadable file-too-large unsupported-format empty-file missing-column "
            "template-mismatch duplicate-file",
    "row": "unknown-unit unit-inactive unknown-indicator indicator-not-assigned unknown-task "
           "invalid-period period-out-of-term period-mismatch future-period type-error missing-value "
           "out-of-range non-integer numerator-exceeds-denominator ratio-inconsistent duplicate-row",
    "warning": "late-submission outlier cumulative-decrease superseded rollup-mismatch",
}


@pytest.mark.parametrize("level", CONTRACT_CODES)
def test_contract_issue_codes_exist_with_their_level(level):
    for code in CONTRACT_CODES[level].split():
        assert CODES[code].level == level, code
        assert CODES[code].severity == ("warning" if level == "warning" else "error")


def test_issue_codes_are_kebab_case_and_messages_bilingual():
    for code, spec in CODES.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", code)
        assert spec.message_vi and spec.message_en and spec.message_vi != spec.message_en


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_builds_and_its_keys_are_its_fields(name):
    table = TABLES[name]
    assert set(table.field_names) <= set(FIELDS)
    assert len(set(table.field_names)) == len(table.field_names)
    assert set(table.primary_key) <= set(table.field_names)
    assert set(table.overrides) <= set(table.field_names)
    assert list(polars_schema(name)) == list(table.field_names)
    assert list(pandera_schema(name).columns) == list(table.field_names)


@pytest.mark.parametrize("name", sorted(SHEETS))
def test_every_sheet_table_names_declared_fields_with_headers_in_both_languages(name):
    table = SHEETS[name]
    assert table.kind == "sheet" and set(table.field_names) <= set(FIELDS)
    assert set(table.overrides) <= set(table.field_names)
    for f in table.fields:
        assert f.label_vi and f.label_en and f.label_vi != f.label_en or f.label_vi == "SHA-256", f.name


@pytest.mark.parametrize("name", sorted(TABLES))
def test_foreign_keys_point_at_real_columns_of_the_same_type(name):
    table = TABLES[name]
    for fk in table.foreign_keys:
        target = TABLES[fk.table]
        assert len(fk.fields) == len(fk.ref_fields)
        for mine, theirs in zip(fk.fields, fk.ref_fields):
            assert theirs in target.field_names
            assert table.field(mine).type == target.field(theirs).type


def test_every_field_is_used_and_typed():
    used = {n for t in (*TABLES.values(), *SHEETS.values()) for n in t.field_names}
    assert used == set(FIELDS), set(FIELDS) - used
    for f in FIELDS.values():
        assert f.type in POLARS_TYPES and f.description and f.label_vi and f.label_en


def test_every_unit_kind_has_a_level():
    assert set(LEVEL_OF_KIND) == set(UNIT_KINDS)
    assert set(LEVEL_OF_KIND.values()) == set(LEVELS)


def test_table_overrides_change_only_that_table():
    assert TABLES["issues"].field("value").type == "string"
    assert TABLES["indicator_values"].field("value").type == "number"
    assert TABLES["units"].field("kind").enum != TABLES["tasks"].field("kind").enum
