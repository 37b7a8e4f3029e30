"""Indicators reported by category: reading what offices type, revisions per category, archives from before."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

from hanoi_ctr.intake.ingest import ingest, validate
from hanoi_ctr.intake.store import Store
from hanoi_ctr.settings import Settings

T0 = datetime(2024, 10, 1, 2, 0, tzinfo=timezone.utc)
HEADER = "unit_code,period,indicator_code,category,value,numerator,denominator,note,submitted_at\n"


def _csv(folder: Path, name: str, rows: list[str], header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.mark.parametrize("typed", ["sex=nu", "nu", "Nữ", "nữ", "NỮ", "Women", "Giới tính: Nữ", "sex = nu",
                                   "Nu\u031b\u0303"])
def test_a_category_is_read_however_the_office_spells_it(tmp_path, catalog, typed):
    path = _csv(tmp_path, "a.csv", [f"003,2024-Q3,01.06,{typed},5,,,,02/10/2024",
                                    "003,2024-Q3,01.06,Nam,7,,,,02/10/2024"])
    batch = validate([path], catalog, now=T0)
    assert batch.issues.filter(pl.col("severity") == "error").is_empty()
    assert sorted(batch.values["category"].to_list()) == ["sex=nam", "sex=nu"]


@pytest.mark.parametrize("typed", ["", "Tổng", "tổng số", "Total"])
def test_an_empty_category_or_the_word_total_is_the_total(tmp_path, catalog, typed):
    path = _csv(tmp_path, "a.csv", [f"003,2024-Q3,01.06,{typed},12,,,,02/10/2024"])
    batch = validate([path], catalog, now=T0)
    assert batch.values["category"].to_list() == [None]


def test_a_category_of_an_indicator_without_categories_is_unknown(tmp_path, catalog):
    path = _csv(tmp_path, "a.csv", ["SO-LDTBXH,2024-Q3,08.01,Nữ,90,,,,02/10/2024"])
    batch = validate([path], catalog, now=T0)
    assert batch.issues.select("code", "row", "column").rows() == [("unknown-category", 2, "category")]
    assert batch.values.is_empty()


def test_a_file_without_a_category_column_sends_totals_without_a_warning(tmp_path, catalog):
    header = "unit_code,period,indicator_code,value,numerator,denominator,note,submitted_at\n"
    path = _csv(tmp_path, "a.csv", ["003,2024-Q3,01.06,12,,,,02/10/2024"], header)
    assert validate([path], catalog, now=T0).issues.is_empty()


def test_each_category_is_revised_on_its_own(tmp_path, catalog, settings):
    first = _csv(tmp_path / "in", "v1.csv", ["003,2024-Q3,01.06,,12,,,,02/10/2024",
                                             "003,2024-Q3,01.06,Nữ,5,,,,02/10/2024",
                                             "003,2024-Q3,01.06,Nam,7,,,,02/10/2024"])
    second = _csv(tmp_path / "in", "v2.csv", ["003,2024-Q3,01.06,Nữ,6,,,,03/10/2024"])
    ingest([first], catalog, settings, now=T0)
    batch = ingest([second], catalog, settings, now=T0 + timedelta(days=1))
    values = Store(settings.archive).values().sort("category", nulls_last=False)
    assert values.select("category", "value").rows() == [(None, 12.0), ("sex=nam", 7.0), ("sex=nu", 6.0)]
    superseded = batch.issues.filter(pl.col("code") == "superseded")
    assert superseded.select("row", "column").rows() == [(2, "value")]


def test_an_archive_written_before_categories_reads_as_totals(tmp_path, catalog, settings):
    path = _csv(tmp_path / "in", "v1.csv", ["003,2024-Q3,01.06,,12,,,,02/10/2024"])
    ingest([path], catalog, settings, now=T0)
    store = Store(settings.archive)
    for batch in store.batches.iterdir():  # as an archive of an earlier version wrote it
        values = batch / "values.parquet"
        pl.read_parquet(values).drop("category").write_parquet(values)
    later = _csv(tmp_path / "in", "v2.csv", ["003,2024-Q3,01.06,Nữ,5,,,,03/10/2024"])
    ingest([later], catalog, settings, now=T0 + timedelta(days=1))
    assert store.values().sort("category", nulls_last=False).select("category", "value").rows() == [
        (None, 12.0), ("sex=nu", 5.0)]
