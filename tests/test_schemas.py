"""Generated schema files match the declarations; Frictionless accepts them."""

from __future__ import annotations

import json

import frictionless
import polars as pl
import pytest
from conftest import ROOT

from hanoi_ctr.declare.schemas import EXPORT_COMMAND, frictionless_schema, render_files
from hanoi_ctr.declare.tables import TABLES


def test_committed_schema_files_match_the_declarations():
    stale = [rel for rel, text in render_files().items()
             if not (ROOT / rel).is_file() or (ROOT / rel).read_text(encoding="utf-8") != text]
    assert not stale, f"generated files are out of date: {stale}; regenerate with `{EXPORT_COMMAND}`"


def test_no_stray_schema_files():
    expected = {f"{name}.json" for name in TABLES}
    assert {p.name for p in (ROOT / "schemas").glob("*.json")} == expected


@pytest.mark.parametrize("name", sorted(TABLES))
def test_frictionless_reads_every_table_schema(name):
    schema = frictionless.Schema.from_descriptor(frictionless_schema(name))
    assert schema.field_names == list(TABLES[name].field_names)
    report = frictionless.Schema.validate_descriptor(json.loads((ROOT / "schemas" / f"{name}.json").read_text()))
    assert report.valid, report.flatten(["type", "note"])


def test_frictionless_validates_the_bundled_data_package():
    report = frictionless.validate(str(ROOT / "fixtures" / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:20]


def test_frictionless_catches_what_the_schema_declares(tmp_path):
    """A required cell left empty is an error for Frictionless too."""
    (tmp_path / "markers.csv").write_text("marker,meaning_vi,meaning_en\n-,,none\n", encoding="utf-8")
    schema = frictionless.Schema.from_descriptor(frictionless_schema("markers"))
    resource = frictionless.Resource("markers.csv", basepath=str(tmp_path), schema=schema)
    report = resource.validate()
    assert [(e[0], e[1], e[2]) for e in report.flatten(["rowNumber", "fieldName", "type"])] == [
        (2, "meaning_vi", "constraint-error")]


def test_polars_schema_types():
    from hanoi_ctr.declare.schemas import polars_schema

    schema = polars_schema("targets")
    assert schema["year"] == pl.Int64 and schema["target_value"] == pl.Float64
    assert polars_schema("ledger")["received_at"] == pl.Datetime("us", "UTC")
