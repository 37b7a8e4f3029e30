"""A catalog that passed is kept on disk by content and read back unchanged; a changed or damaged one is not."""

from __future__ import annotations

import os
import shutil

import pytest
from polars.testing import assert_frame_equal

from hanoi_ctr.catalog import bundled_catalog_dir, load
from hanoi_ctr.catalog import cache as cached
from hanoi_ctr.declare.tables import CATALOG_TABLES
from hanoi_ctr.errors import CatalogError


@pytest.fixture
def fresh(monkeypatch):
    """Forget the catalog kept in this process, so that each load goes to the disk cache or the files."""
    monkeypatch.setattr(load, "_LOADED", {})
    return lambda: load._LOADED.clear()


@pytest.fixture
def folder(tmp_path):
    copy = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), copy, ignore=shutil.ignore_patterns("submissions"))
    return copy


def _entries(cache):
    return sorted(p.name for p in cache.glob("catalog-*"))


def test_a_checked_catalog_is_read_back_from_the_cache_exactly(tmp_path, folder, fresh, monkeypatch):
    first = load.load_catalog(folder, cache=tmp_path / "cache")
    assert len(_entries(tmp_path / "cache")) == 1
    fresh()
    monkeypatch.setattr(load, "_load", lambda directory: pytest.fail("checked again"))
    again = load.load_catalog(folder, cache=tmp_path / "cache")
    assert again is not first and again.version == first.version and again.directory == first.directory
    for name in CATALOG_TABLES:
        assert_frame_equal(again.table(name), first.table(name), check_exact=True)


def test_a_changed_table_is_checked_again(tmp_path, folder, fresh):
    load.load_catalog(folder, cache=tmp_path / "cache")
    fresh()
    units = folder / "units.csv"
    units.write_text(units.read_text(encoding="utf8") + "999,,,\n", encoding="utf8")
    with pytest.raises(CatalogError):
        load.load_catalog(folder, cache=tmp_path / "cache")
    assert len(_entries(tmp_path / "cache")) == 1  # a broken catalog is never kept


@pytest.mark.parametrize("damage", ["truncate", "manifest", "missing", "garbage-manifest"])
def test_a_damaged_entry_is_ignored_and_the_catalog_checked(tmp_path, folder, fresh, damage, monkeypatch):
    cache = tmp_path / "cache"
    expected = load.load_catalog(folder, cache=cache)
    fresh()
    entry = next(cache.glob("catalog-*"))
    table = entry / "indicators.arrow"
    if damage == "truncate":
        table.write_bytes(table.read_bytes()[:100])
    elif damage == "manifest":
        (entry / "manifest.json").write_text((entry / "manifest.json").read_text().replace('"indicators": "',
                                                                                         '"indicators": "0'))
    elif damage == "missing":
        table.unlink()
    else:
        (entry / "manifest.json").write_bytes(b"\xff{not json")
    checked = []
    real = load._load
    monkeypatch.setattr(load, "_load", lambda directory: checked.append(directory) or real(directory))
    again = load.load_catalog(folder, cache=cache)
    assert checked == [folder]
    for name in CATALOG_TABLES:
        assert_frame_equal(again.table(name), expected.table(name), check_exact=True)


def test_another_software_version_has_another_key(monkeypatch):
    key = cached.entry_key("0" * 64)
    cached._code_digest.cache_clear()
    monkeypatch.setattr(cached, "__version__", "0.0.0-other")
    try:
        assert cached.entry_key("0" * 64) != key
    finally:
        cached._code_digest.cache_clear()


def test_an_unwritable_cache_is_left_alone(tmp_path, folder, fresh):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder would be")
    assert load.load_catalog(folder, cache=blocker).version  # loads, keeps nothing


def test_the_oldest_entries_beyond_the_limit_go(tmp_path, folder, fresh, monkeypatch):
    monkeypatch.setattr(cached, "KEPT", 2)
    catalog = load.load_catalog(folder)
    frames = {name: catalog.table(name) for name in CATALOG_TABLES}
    for i in range(4):
        cached.write(tmp_path, f"k{i}", frames)
        os.utime(tmp_path / f"catalog-k{i}" / "manifest.json", (1000 + i, 1000 + i))
    assert _entries(tmp_path) == ["catalog-k2", "catalog-k3"]
