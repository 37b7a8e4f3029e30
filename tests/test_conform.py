"""conform checks a frame in polars first and asks pandera only where a constraint breaks."""

from __future__ import annotations

import subprocess
import sys

import polars as pl
import pytest
from conftest import ROOT

from hanoi_ctr.catalog import bundled_catalog_dir
from hanoi_ctr.declare.conform import conform, passes
from hanoi_ctr.declare.schemas import pandera_schema
from hanoi_ctr.declare.tables import CATALOG_TABLES, TABLES


def _typed(name: str) -> pl.DataFrame:
    path = bundled_catalog_dir() / TABLES[name].path
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    return conform(name, raw).frame


def _pandera_passes(name: str, frame: pl.DataFrame) -> bool:
    import pandera.errors

    try:
        pandera_schema(name).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors:
        return False
    return True


@pytest.mark.parametrize("name", CATALOG_TABLES)
def test_a_valid_table_passes_in_polars_and_in_pandera(name):
    frame = _typed(name)
    assert passes(TABLES[name], frame) and _pandera_passes(name, frame)


def _spoiled(name: str) -> list[tuple[str, pl.DataFrame]]:
    """Return frames of a table each breaking one declared constraint."""
    frame, table = _typed(name), TABLES[name]
    out = []
    for f in table.fields:
        if f.required:
            out.append((f"{f.name} null", frame.with_columns(pl.lit(None, frame.schema[f.name]).alias(f.name))))
        if f.enum is not None:
            out.append((f"{f.name} enum", frame.with_columns(pl.lit("not-a-choice").alias(f.name))))
        if f.minimum is not None:
            out.append((f"{f.name} min", frame.with_columns((pl.lit(f.minimum - 1)).cast(frame.schema[f.name])
                                                             .alias(f.name))))
        if f.maximum is not None:
            out.append((f"{f.name} max", frame.with_columns((pl.lit(f.maximum + 1)).cast(frame.schema[f.name])
                                                             .alias(f.name))))
        if f.pattern is not None:
            out.append((f"{f.name} pattern", frame.with_columns(pl.lit("  ?!").alias(f.name))))
    if table.primary_key and frame.height:
        out.append(("duplicate key", pl.concat([frame, frame.head(1)])))
    out.append(("a column of another type", frame.with_columns(pl.lit(1, pl.Int8).alias(table.fields[0].name))))
    return out


@pytest.mark.parametrize("name", ["units", "indicators", "targets", "assignments", "indicator_values"])
def test_a_frame_breaking_a_constraint_is_left_to_pandera(name):
    if name == "indicator_values":
        frame = conform(name, pl.DataFrame({"unit_code": ["001"], "period": ["2024-Q4"], "indicator_code": ["01.02"],
                                            "value": ["90"], "sha256": ["a" * 64], "sheet": ["s"], "row": ["2"],
                                            "received_at": ["2025-01-02T00:00:00Z"]}), strict_columns=False).frame
        cases = [("value NaN", frame.with_columns(value=pl.lit(float("nan"))))]
    else:
        cases = _spoiled(name)
    assert cases
    for label, spoiled in cases:
        if spoiled.height == 0:
            continue
        assert not passes(TABLES[name], spoiled), label
        assert not _pandera_passes(name, spoiled) or label == "value NaN", label


def test_loading_the_catalog_and_validating_a_file_never_import_pandera(tmp_path):
    data = tmp_path / "2024-Q4_001.csv"
    data.write_text("unit_code,period,indicator_code,value\n001,2024-Q4,01.02,91.5\n", encoding="utf8")
    code = ("import sys\n"
            "from hanoi_ctr.catalog import load_catalog\n"
            "from hanoi_ctr.intake.ingest import validate\n"
            f"validate([{str(data)!r}], load_catalog())\n"
            "assert 'pandera' not in sys.modules, sorted(m for m in sys.modules if 'pandera' in m)[:5]\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_a_batch_without_rows_gives_the_tables_the_checks_would(catalog):
    from datetime import date

    from polars.testing import assert_frame_equal

    from hanoi_ctr.intake import checks
    from hanoi_ctr.intake.ingest import _concat
    from hanoi_ctr.intake.readers import INDICATOR_RAW, TASK_RAW
    from hanoi_ctr.intake.rows import Context

    ctx = Context(catalog, date(2025, 1, 10))
    indicators, tasks = _concat([], [], "indicators", INDICATOR_RAW, None), _concat([], [], "tasks", TASK_RAW, None)
    quick, full = checks.check(indicators, tasks, ctx), checks._checked_rows(indicators, tasks, ctx)
    for name in ("values", "tasks", "counts"):
        assert_frame_equal(getattr(quick, name), getattr(full, name))
    assert quick.issues == full.issues == []
