"""The scheduled jobs as plain functions: the catalog and settings they are given, and what they list."""

from __future__ import annotations

from datetime import date

import polars as pl

from hanoi_ctr import pipeline
from hanoi_ctr.settings import Settings


def test_the_reminder_lists_only_units_in_force_under_their_parent_then(catalog, tmp_path):
    settings = Settings(data_dir=tmp_path)
    missing = pipeline.missing_submissions(catalog, settings, "2025-Q3")
    in_force = catalog.units_on(date(2025, 9, 30))
    assert missing.height > 100
    # Every unit listed is in force on the last day of 2025-Q3, with that day's name and parent.
    listed = missing.join(in_force.select("unit_code", name="name_vi", parent="parent_code"), on="unit_code")
    assert listed.height == missing.height
    assert (listed["name_vi"] == listed["name"]).all() and listed["parent_code"].eq_missing(listed["parent"]).all()
    # Code 00004 was Phường Trúc Bạch under district 001 and is Phường Ba Đình under the city from 1 July 2025.
    ba_dinh = missing.filter(pl.col("unit_code") == "00004").row(0, named=True)
    assert (ba_dinh["name_vi"], ba_dinh["parent_code"]) == ("Phường Ba Đình", "01")
    assert not missing["parent_code"].is_in(["001", "002", "268"]).any()


def test_the_reminder_before_the_reorganisation_names_the_old_wards(catalog, tmp_path):
    missing = pipeline.missing_submissions(catalog, Settings(data_dir=tmp_path), "2024-Q3")
    truc_bach = missing.filter(pl.col("unit_code") == "00004").row(0, named=True)
    assert (truc_bach["name_vi"], truc_bach["parent_code"]) == ("Phường Trúc Bạch", "001")


def test_wards_are_partitioned_with_their_district(catalog, tmp_path):
    names = ["2024-Q4_001.xlsx", "2024-Q4_00004.xlsx", "2024-Q4_00004_v2.xlsx", "2024-Q4_002.xlsx",
             "2024-Q4_00070.xlsx", "2024-Q4_SO-KHDT.xlsx"]
    groups = pipeline.partition([tmp_path / n for n in names], 3, catalog)
    where = {p.name: i for i, g in enumerate(groups) for p in g}
    assert where["2024-Q4_001.xlsx"] == where["2024-Q4_00004.xlsx"] == where["2024-Q4_00004_v2.xlsx"]
    assert where["2024-Q4_002.xlsx"] == where["2024-Q4_00070.xlsx"]
