"""Render the declared tables as polars, pandera and Frictionless schemas.

The JSON files in `schemas/` and the catalog's `datapackage.json` are
outputs of `render_files`; `hanoi-ctr schemas export` writes them and a
test fails when what is committed differs from what the code renders.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from hanoi_ctr.declare.fields import Field
from hanoi_ctr.declare.tables import CATALOG_TABLES, TABLES, Table

if TYPE_CHECKING:
    import pandera.polars as pa

POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "number": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us", "UTC"),
}

TABLESCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
EXPORT_COMMAND = "hanoi-ctr schemas export"


def _table(table: Table | str) -> Table:
    return TABLES[table] if isinstance(table, str) else table


def polars_schema(table: Table | str) -> pl.Schema:
    """Return the polars schema of a declared table."""
    return pl.Schema({f.name: POLARS_TYPES[f.type] for f in _table(table).fields})


def empty_frame(table: Table | str) -> pl.DataFrame:
    """Return an empty DataFrame with a declared table's columns and types."""
    return pl.DataFrame(schema=polars_schema(table))


# --- pandera --------------------------------------------------------------

#: Issue code raised when a column check of this kind fails.
CHECK_CODES = {"range": "out-of-range", "enum": "invalid-choice", "pattern": "invalid-format"}


def field_checks(f: Field) -> list[tuple[str, Any]]:
    """Return (issue code, pandera Check) pairs for a field's constraints, in order."""
    import pandera.polars as pa

    checks: list[tuple[str, Any]] = []
    if f.enum is not None:
        checks.append(("invalid-choice", pa.Check.isin(list(f.enum))))
    if f.minimum is not None:
        checks.append(("out-of-range", pa.Check.ge(f.minimum)))
    if f.maximum is not None:
        checks.append(("out-of-range", pa.Check.le(f.maximum)))
    if f.pattern is not None:
        checks.append(("invalid-format", pa.Check.str_matches(f.pattern)))
    return checks


@lru_cache(maxsize=None)
def pandera_schema(name: str) -> "pa.DataFrameSchema":
    """Return the pandera (polars backend) schema of a declared table."""
    import pandera.polars as pa

    table = TABLES[name]
    columns = {
        f.name: pa.Column(
            POLARS_TYPES[f.type],
            nullable=not f.required,
            checks=[check for _, check in field_checks(f)],
            description=f.description,
            title=f.label_en,
        )
        for f in table.fields
    }
    return pa.DataFrameSchema(
        columns,
        name=name,
        strict=True,
        unique=list(table.primary_key) or None,
        description=table.description,
    )


# --- Frictionless -----------------------------------------------------------


def _frictionless_field(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name, "type": f.type, "title": f.label_en, "description": f.description}
    if f.type == "boolean":
        out["trueValues"], out["falseValues"] = ["true"], ["false"]
    constraints: dict[str, Any] = {}
    if f.required:
        constraints["required"] = True
    if f.enum is not None:
        constraints["enum"] = list(f.enum)
    if f.minimum is not None:
        constraints["minimum"] = f.minimum
    if f.maximum is not None:
        constraints["maximum"] = f.maximum
    if f.pattern is not None:
        constraints["pattern"] = f.pattern
    if constraints:
        out["constraints"] = constraints
    return out


def frictionless_schema(table: Table | str) -> dict[str, Any]:
    """Return the Frictionless Table Schema (v2) of a declared table."""
    t = _table(table)
    schema: dict[str, Any] = {
        "$schema": TABLESCHEMA_PROFILE,
        "fields": [_frictionless_field(f) for f in t.fields],
        "missingValues": [""],
    }
    # Frictionless requires primary-key cells to be non-empty; keys with a
    # nullable part (a unit's open-ended valid_from) are checked by the loader.
    if t.primary_key and all(t.field(n).required for n in t.primary_key):
        schema["primaryKey"] = list(t.primary_key)
    if t.foreign_keys:
        schema["foreignKeys"] = [
            {
                "fields": list(fk.fields),
                "reference": {"fields": list(fk.ref_fields)}
                | ({} if fk.table == t.name else {"resource": fk.table}),
            }
            for fk in t.foreign_keys
        ]
    return schema


def datapackage() -> dict[str, Any]:
    """Return the catalog's Frictionless data package descriptor."""
    return {
        "$schema": DATAPACKAGE_PROFILE,
        "name": "hanoi-ctr-catalog",
        "title": "Hanoi Party Committee work programs: catalog",
        "description": (
            "Programs, indicators, targets, units, tasks and assignments of the Hanoi Party "
            "Committee's work programs. Generated by `" + EXPORT_COMMAND + "`; edit the CSV "
            "files, not the schemas."
        ),
        "resources": [
            {
                "name": name,
                "path": TABLES[name].path,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": TABLES[name].description,
                "schema": frictionless_schema(name),
            }
            for name in CATALOG_TABLES
        ],
    }


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def render_files() -> dict[str, str]:
    """Return the generated files, keyed by path relative to the repository root."""
    files = {f"schemas/{name}.json": _dump(frictionless_schema(name)) for name in TABLES}
    files["fixtures/datapackage.json"] = _dump(datapackage())
    return files


def export(root: Path) -> list[Path]:
    """Write the generated schema files under `root`; return the paths written."""
    from hanoi_ctr.atomic import write_text_atomic

    written = []
    for rel, text in render_files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
        written.append(path)
    return written
