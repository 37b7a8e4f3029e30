"""Load and check the catalog: the data package of what is measured.

`load_catalog()` reads every catalog table from a directory (by default the
one bundled with the package), casts and validates it against the declared
schemas, then checks the rules that span tables: foreign keys, one target
per indicator × unit × year, ranges with min ≤ max, parents that exist for
the same dates. Every problem is collected; a broken catalog raises one
`CatalogError` listing each with file, row and column.

Allowed imports: the standard library, polars, `atomic`, `conform`,
`errors`, `fields`, `issues`, `periods`, `schemas`, `tables`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import polars as pl

from hanoi_ctr.declare.conform import conform
from hanoi_ctr.errors import CatalogError, ConfigError
from hanoi_ctr.declare.issues import CODES, Issue
from hanoi_ctr.periods import Calendar, Period, parse_period, window
from hanoi_ctr.declare.tables import CATALOG_TABLES, LEVEL_OF_KIND, TABLES

# Open validity bounds compare as if the unit existed forever.
_EARLIEST, _LATEST = date(1900, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class Catalog:
    """The validated catalog tables as typed polars DataFrames."""

    directory: Path
    version: str
    terms: pl.DataFrame
    programs: pl.DataFrame
    units: pl.DataFrame
    unit_lineage: pl.DataFrame
    indicators: pl.DataFrame
    targets: pl.DataFrame
    tasks: pl.DataFrame
    assignments: pl.DataFrame
    markers: pl.DataFrame

    def table(self, name: str) -> pl.DataFrame:
        """Return a catalog table by name."""
        if name not in CATALOG_TABLES:
            raise KeyError(f"{name!r} is not a catalog table ({', '.join(CATALOG_TABLES)})")
        return getattr(self, name)

    @property
    def term(self) -> dict[str, object]:
        """Return the catalog's term (the first row of `terms`) as a dict."""
        return self.terms.row(0, named=True)

    def units_on(self, day: date) -> pl.DataFrame:
        """Return the units in force on a day, with their level."""
        return with_levels(self.units).filter(
            pl.col("valid_from").fill_null(_EARLIEST) <= day,
            pl.col("valid_to").fill_null(_LATEST) >= day,
        )

    def units_during(self, period: Period, calendar: Calendar = "calendar") -> pl.DataFrame:
        """Return the units that existed on any day of the period's window, with their level."""
        start, end = window(period, calendar)
        return with_levels(self.units).filter(
            pl.col("valid_from").fill_null(_EARLIEST) <= end,
            pl.col("valid_to").fill_null(_LATEST) >= start,
        )

    def assigned(self, period: Period, calendar: Calendar = "calendar", *, on_window_end: bool = False
                 ) -> pl.DataFrame:
        """Return (unit_code, indicator_code) for every indicator assigned to a unit in a period.

        Units count if they existed during the window, or only those that
        exist on its last day when `on_window_end` (what is *expected*: a ward
        merged away mid-period is not expected to report for it).
        """
        units = self.units_on(window(period, calendar)[1]) if on_window_end else self.units_during(
            period, calendar)
        units = units.select("unit_code", "level").unique("unit_code")
        by_level = (self.assignments.filter(pl.col("level").is_not_null()).drop("unit_code")
                    .join(units, on="level"))
        by_unit = self.assignments.filter(pl.col("unit_code").is_not_null()).join(
            units, on="unit_code", how="semi")
        return (
            pl.concat([by_level.select("unit_code", "indicator_code"), by_unit.select("unit_code", "indicator_code")])
            .unique()
            .sort("unit_code", "indicator_code")
        )

    def due(self, period: Period, calendar: Calendar = "calendar") -> pl.DataFrame:
        """Return (unit_code, indicator_code) expected in a quarterly/half/year report for the period.

        Quarterly indicators are due every quarter, half-yearly ones in the
        quarter that closes a half (Q2, Q4), yearly ones in Q4; a half-year
        report asks for quarterly and half-yearly indicators, a year report
        for all.
        """
        frequencies = due_frequencies(period)
        due = self.indicators.filter(pl.col("frequency").is_in(frequencies)).select("indicator_code")
        return self.assigned(period, calendar, on_window_end=True).join(due, on="indicator_code", how="semi")

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={self.table(name).height}" for name in CATALOG_TABLES)
        return f"Catalog({self.directory}, version={self.version}, {counts})"


def due_frequencies(period: Period) -> list[str]:
    """Return the indicator frequencies a report for this period asks for.

    >>> due_frequencies(parse_period("2024-Q3")), due_frequencies(parse_period("2024-Q4"))
    (['quarter'], ['quarter', 'half', 'year'])
    """
    if period.kind == "quarter":
        closes_half, closes_year = period.index in (2, 4), period.index == 4
    else:
        closes_half, closes_year = True, period.kind != "half" or period.index == 2
    return ["quarter"] + ["half"] * closes_half + ["year"] * closes_year


def with_levels(units: pl.DataFrame) -> pl.DataFrame:
    """Add each unit's level (city, district, ward, agency) from its kind."""
    return units.with_columns(level=pl.col("kind").replace_strict(LEVEL_OF_KIND, return_dtype=pl.String))


def bundled_catalog_dir() -> Path:
    """Return the catalog shipped with the package (or with a source checkout)."""
    installed = Path(str(resources.files("hanoi_ctr"))) / "_fixtures"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "fixtures"


def catalog_version(directory: Path) -> str:
    """Return a short content hash of the catalog tables (changes when any table changes)."""
    digest = hashlib.sha256()
    for name in CATALOG_TABLES:
        digest.update(name.encode() + b"\0" + (directory / TABLES[name].path).read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Load, validate and return the catalog in `path` (default: the bundled catalog).

    Raises:
        ConfigError: the directory does not exist.
        CatalogError: any table is missing, malformed or inconsistent.
    """
    directory = Path(path) if path is not None else bundled_catalog_dir()
    if not directory.is_dir():
        raise ConfigError(f"catalog directory {directory} does not exist; pass a catalog directory "
                          "or set HANOI_CTR_CATALOG_DIR")
    # A run loads the catalog in several steps; checking it costs ~0.5 s, hashing it ~5 ms.
    key = (str(directory.resolve()), _version_or_none(directory))
    if key in _LOADED:
        return _LOADED[key]
    catalog = _load(directory)
    if key[1] is not None:
        _LOADED.clear()  # keep one catalog: a changed catalog replaces the old one
        _LOADED[key] = catalog
    return catalog


_LOADED: dict[tuple[str, str | None], Catalog] = {}


def _version_or_none(directory: Path) -> str | None:
    try:
        return catalog_version(directory)
    except OSError:
        return None  # a missing table: `_load` reports it


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
    frames = {name: frame.drop("_row") for name, frame in frames.items()}
    return Catalog(directory=directory, version=catalog_version(directory), **frames)


def _load_table(directory: Path, name: str) -> tuple[pl.DataFrame, list[Issue]]:
    table = TABLES[name]
    path = directory / table.path
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


# --- checks across tables ---------------------------------------------------


def check_catalog(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    """Return every cross-table problem of typed catalog frames (each with a `_row` column)."""
    issues = _check_foreign_keys(frames)
    for check in (_check_terms, _check_codes, _check_units, _check_indicators, _check_targets,
                  _check_assignments):
        issues += check(frames)
    return issues


def _issues(bad: pl.DataFrame, code: str, table: str, column: str, detail: str | tuple[str, str] = "",
            value: str | None = None) -> list[Issue]:
    """Return one issue per row of `bad`, at its `_row` and `column`."""
    return [
        Issue(code, file=TABLES[table].path, row=r["_row"], column=column,
              value=str(r[value or column]) if r[value or column] is not None else None, detail=detail)
        for r in bad.iter_rows(named=True)
    ]


def _check_foreign_keys(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    issues = []
    for name in CATALOG_TABLES:
        for fk in TABLES[name].foreign_keys:
            child = frames[name].drop_nulls(list(fk.fields))
            parent = frames[fk.table].select(fk.ref_fields).unique()
            bad = child.join(parent, left_on=list(fk.fields), right_on=list(fk.ref_fields), how="anti")
            if len(fk.fields) > 1:
                bad = bad.with_columns(_key=pl.concat_str(list(fk.fields), separator=" "))
                issues += _issues(bad, "broken-reference", name, ",".join(fk.fields), fk.table, value="_key")
            else:
                issues += _issues(bad, "broken-reference", name, fk.fields[0], fk.table)
    return issues


def _check_terms(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    bad = frames["terms"].filter(pl.col("start_year") > pl.col("end_year"))
    return _issues(bad, "invalid-record", "terms", "end_year", ("năm kết thúc trước năm bắt đầu",
                                                               "end year before start year"))


def _check_codes(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    """Codes agree with their program: 01-CTr/TU is number 1; 01.03 and 01.T03 belong to it."""
    issues = []
    programs = frames["programs"]
    bad = programs.filter(pl.col("program_code").str.slice(0, 2).cast(pl.Int64) != pl.col("number"))
    issues += _issues(bad, "invalid-record", "programs", "number",
                      ("số không khớp mã chương trình", "number does not match the program code"))
    for name, column in (("indicators", "indicator_code"), ("tasks", "task_code")):
        frame = frames[name]
        bad = frame.filter(pl.col(column).str.slice(0, 2) != pl.col("program_code").str.slice(0, 2))
        issues += _issues(bad, "invalid-record", name, column,
                          ("mã không thuộc chương trình", "code does not belong to its program"))
    return issues


def _check_units(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    units = frames["units"]
    issues = _issues(
        units.filter(pl.col("valid_from") > pl.col("valid_to")), "invalid-record", "units", "valid_to",
        ("hiệu lực kết thúc trước khi bắt đầu", "validity ends before it starts"),
    )
    is_agency_code = pl.col("unit_code").str.contains(r"^[A-Z]")
    bad = units.filter(is_agency_code != (pl.col("kind") == "agency"))
    issues += _issues(bad, "invalid-record", "units", "unit_code",
                      ("mã cơ quan phải bắt đầu bằng chữ, mã hành chính là số",
                       "agency codes start with a letter, administrative codes are digits"))
    # A parent must exist throughout its child's validity.
    bounds = [pl.col("valid_from").fill_null(_EARLIEST), pl.col("valid_to").fill_null(_LATEST)]
    children = units.drop_nulls("parent_code").with_columns(_from=bounds[0], _to=bounds[1])
    parents = units.select(parent_code="unit_code", _pfrom=bounds[0], _pto=bounds[1])
    covered = (
        children.join(parents, on="parent_code")
        .filter(pl.col("_pfrom") <= pl.col("_from"), pl.col("_pto") >= pl.col("_to"))
        .select("unit_code", "_from")
        .unique()
    )
    uncovered = children.join(covered, on=["unit_code", "_from"], how="anti")
    uncovered = uncovered.join(parents.select("parent_code").unique(), on="parent_code", how="semi")
    issues += _issues(uncovered, "invalid-record", "units", "parent_code",
                      ("đơn vị cấp trên không có hiệu lực trong thời gian của đơn vị",
                       "the parent is not valid for the whole of the unit's validity"))
    return issues


def _check_indicators(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    ind = frames["indicators"]
    issues = _issues(ind.filter(pl.col("min_value") > pl.col("max_value")), "invalid-record", "indicators",
                     "max_value", ("giá trị lớn nhất nhỏ hơn giá trị nhỏ nhất", "max_value below min_value"))
    is_ratio = pl.col("agg_units") == "ratio"
    for column in ("ratio_scale", "numerator_label_vi", "denominator_label_vi"):
        issues += _issues(ind.filter(is_ratio, pl.col(column).is_null()), "missing-value", "indicators", column)
    issues += _issues(ind.filter(~is_ratio, pl.col("ratio_scale").is_not_null()), "invalid-record",
                      "indicators", "ratio_scale", ("chỉ dùng cho chỉ tiêu tỷ lệ (ratio)",
                                                    "only for ratio indicators"))
    return issues


def _check_targets(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    targets = frames["targets"]
    issues = _issues(targets.filter(pl.col("target_min") > pl.col("target_max")), "invalid-record",
                     "targets", "target_max", ("cận trên nhỏ hơn cận dưới", "target_max below target_min"))
    content = ["target_value", "target_min", "target_max", "target_delta", "target_text", "baseline_value"]
    empty = targets.filter(pl.all_horizontal(pl.col(content).is_null()))
    issues += _issues(empty, "invalid-record", "targets", "target_value",
                      ("dòng không có mục tiêu hay giá trị cơ sở", "row has neither a target nor a baseline"))
    no_year = targets.filter(pl.col("baseline_value").is_not_null(), pl.col("baseline_year").is_null())
    issues += _issues(no_year, "missing-value", "targets", "baseline_year")
    return issues


def _check_assignments(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    a = frames["assignments"]
    bad = a.filter(pl.col("level").is_null() == pl.col("unit_code").is_null())
    issues = _issues(bad, "invalid-record", "assignments", "level",
                     ("cần đúng một trong hai cột level hoặc unit_code", "set exactly one of level and unit_code"))
    assigned = a.select("indicator_code").unique()
    orphans = frames["indicators"].join(assigned, on="indicator_code", how="anti")
    issues += _issues(orphans, "invalid-record", "indicators", "indicator_code",
                      ("chỉ tiêu chưa giao cho đơn vị nào", "indicator is not assigned to any unit"))
    return issues
