"""Load the catalog from a directory of CSV files: cast, validate, check across tables.

`load_catalog()` reads every catalog table from a directory (by default the
one bundled with the package), casts and validates it against the declared
schemas, then runs the cross-table checks of `catalog.checks`. Every problem
is collected; a broken catalog raises one `CatalogError` listing each with
file, row and column.

Checking a catalog costs about half a second and hashing it a few
milliseconds, so `load_catalog` keeps the last catalog it checked, keyed by
folder and content hash: loading the same unchanged catalog again returns the
same object, and a changed file is a new catalog. Entry points load the
catalog once and pass it down; that cache only spares a script or a notebook
that calls `load_catalog` again. Across processes, `cache=folder` (the
entry points pass `Settings.cache_dir`) keeps each catalog that passed on
disk, keyed by its tables' SHA-256 and the code's version (`catalog.cache`),
so that a command does not check an unchanged catalog again.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import polars as pl

from hanoi_ctr.catalog import cache as cached
from hanoi_ctr.catalog.checks import check_catalog
from hanoi_ctr.catalog.model import Catalog
from hanoi_ctr.declare.conform import conform
from hanoi_ctr.declare.issues import CODES, Issue
from hanoi_ctr.declare.schemas import empty_frame
from hanoi_ctr.declare.tables import CATALOG_TABLES, OPTIONAL_TABLES, TABLES
from hanoi_ctr.errors import CatalogError, ConfigError


def bundled_catalog_dir() -> Path:
    """Return the catalog shipped with the package (or with a source checkout)."""
    installed = Path(str(resources.files("hanoi_ctr"))) / "_fixtures"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "fixtures"


def catalog_version(directory: Path) -> str:
    """Return a short content hash of the catalog tables (changes when any table changes)."""
    return _digest(directory)[:12]


def _digest(directory: Path) -> str:
    """Return the SHA-256 of the catalog tables' names and bytes."""
    digest = hashlib.sha256()
    for name in CATALOG_TABLES:
        path = directory / TABLES[name].path
        if name in OPTIONAL_TABLES and not path.is_file():
            continue  # a catalog without categories hashes as it did before they existed
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_catalog(path: Path | str | None = None, *, cache: Path | str | None = None) -> Catalog:
    """Load, validate and return the catalog in `path` (default: the bundled catalog).

    `cache` is a folder where catalogs that passed are kept by content (`catalog.cache`); one
    found there is not checked again. None keeps nothing on disk.

    Raises:
        ConfigError: the directory does not exist.
        CatalogError: any table is missing, malformed or inconsistent.
    """
    directory = Path(path) if path is not None else bundled_catalog_dir()
    if not directory.is_dir():
        raise ConfigError(f"catalog directory {directory} does not exist; pass a catalog directory "
                          "or set HANOI_CTR_CATALOG_DIR")
    # A run loads the catalog in several steps; checking it costs ~0.5 s, hashing it ~5 ms.
    digest = _digest_or_none(directory)
    key = (str(directory.resolve()), digest[:12] if digest else None)
    if key in _LOADED:
        return _LOADED[key]
    catalog = _kept(directory, digest, Path(cache)) if cache is not None and digest else None
    if catalog is None:
        catalog = _load(directory)
        if cache is not None and digest and catalog.version == digest[:12]:  # unchanged while it was read
            cached.write(Path(cache), cached.entry_key(digest), _frames(catalog))
    if key[1] is not None:
        _LOADED.clear()  # keep one catalog: a changed catalog replaces the old one
        _LOADED[key] = catalog
    return catalog


_LOADED: dict[tuple[str, str | None], Catalog] = {}


def _digest_or_none(directory: Path) -> str | None:
    try:
        return _digest(directory)
    except OSError:
        return None  # a missing table: `_load` reports it


def _kept(directory: Path, digest: str, cache: Path) -> Catalog | None:
    """Return the catalog kept in the cache for these tables, or None."""
    frames = cached.read(cache, cached.entry_key(digest))
    return None if frames is None else _assembled(directory, digest[:12], frames)


def _frames(catalog: Catalog) -> dict[str, pl.DataFrame]:
    """Return the catalog's tables as its files hold them (targets by category among the targets)."""
    frames = {name: catalog.table(name) for name in CATALOG_TABLES}
    frames["targets"] = pl.concat([catalog.targets, catalog.category_targets], how="vertical")
    return frames


def _assembled(directory: Path, version: str, frames: dict[str, pl.DataFrame]) -> Catalog:
    """Return the catalog of checked tables; targets set for a category are kept apart (`category_targets`)."""
    frames = dict(frames)
    by_category = pl.col("category").is_not_null()
    frames["category_targets"] = frames["targets"].filter(by_category)
    frames["targets"] = frames["targets"].filter(~by_category)
    return Catalog(directory=directory, version=version, **frames)


def _load(directory: Path) -> Catalog:
    frames, issues = {}, []
    for name in CATALOG_TABLES:
        frame, table_issues = _load_table(directory, name)
        frames[name] = frame
        issues += table_issues
    # Cross-table checks need every table with all its columns; row-level
    # problems do not stop them, so one run lists as much as possible.
    if not any(CODES[i.code].level == "file" for i in issues):
        issues += check_catalog(frames)
    if issues:
        raise CatalogError(str(directory), issues)
    return _assembled(directory, catalog_version(directory), {name: frame.drop("_row") for name, frame in frames.items()})


def _load_table(directory: Path, name: str) -> tuple[pl.DataFrame, list[Issue]]:
    table = TABLES[name]
    path = directory / table.path
    if not path.is_file() and name in OPTIONAL_TABLES:
        return empty_frame(name).with_columns(_row=pl.lit(None, pl.Int64)), []
    if not path.is_file():
        return pl.DataFrame(), [Issue("file-unreadable", file=table.path, detail="file not found")]
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8", raise_if_empty=False)
    except (pl.exceptions.ComputeError, UnicodeDecodeError) as exc:
        return pl.DataFrame(), [Issue("file-unreadable", file=table.path, detail=str(exc).splitlines()[0])]
    raw = raw.with_columns(row=pl.int_range(2, raw.height + 2, dtype=pl.Int64), file=pl.lit(table.path))
    result = conform(table, raw, file=table.path)
    rows = raw["row"] if result.frame.height == raw.height else pl.Series(dtype=pl.Int64)
    return result.frame.with_columns(rows.alias("_row")), result.issues


