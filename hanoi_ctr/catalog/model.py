"""The catalog model: the validated tables, and the questions every stage asks of them.

Which unit is the city, which units are in force on a day or during a period
(and under which parent), which indicators a unit owes in a period, who
succeeded a unit abolished in the 2025 reorganisation: each is answered
here, once, and asked by validation, templates, the engine, completeness,
reminders and reports alike. A unit code means something only with a date:
from 1 July 2025 new units reuse old codes, so every unit question takes a
day or a period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import polars as pl

from hanoi_ctr.declare.schemas import empty_frame
from hanoi_ctr.declare.tables import CATALOG_TABLES, LEVEL_OF_KIND
from hanoi_ctr.periods import Calendar, Period, PeriodError, parse_period, window  # noqa: F401 (doctests)

#: Open validity bounds compare as if the unit existed forever.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


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
    dimensions: pl.DataFrame = field(default_factory=lambda: empty_frame("dimensions"))
    categories: pl.DataFrame = field(default_factory=lambda: empty_frame("categories"))
    disaggregations: pl.DataFrame = field(default_factory=lambda: empty_frame("disaggregations"))
    #: The rows of `targets` set for a category (women's share): `targets` holds those of totals only.
    category_targets: pl.DataFrame = field(default_factory=lambda: empty_frame("targets"))

    def table(self, name: str) -> pl.DataFrame:
        """Return a catalog table by name."""
        if name not in CATALOG_TABLES:
            raise KeyError(f"{name!r} is not a catalog table ({', '.join(CATALOG_TABLES)})")
        return getattr(self, name)

    # --- terms ------------------------------------------------------------------

    @property
    def term(self) -> dict[str, object]:
        """Return the term of a one-term catalog (or of a view `for_term`) as a dict.

        A catalog of several terms has no single term: ask `term_for(period)` or take `for_period`.
        """
        if self.terms.height != 1:
            names = ", ".join(self.terms["term"])
            raise ValueError(f"the catalog holds {self.terms.height} terms ({names}); take for_period(period)")
        return self.terms.row(0, named=True)

    def term_for(self, period: Period) -> str | None:
        """Return the term whose years hold the period, or whose baseline year it is (None: no term).

        >>> from hanoi_ctr.catalog import load_catalog
        >>> catalog = load_catalog()
        >>> catalog.term_for(parse_period("2024-Q3")), catalog.term_for(parse_period("2020"))
        ('XVII', 'XVII')
        """
        first, last = period.first_quarter.year, period.last_quarter.year
        for t in self.terms.sort("start_year").iter_rows(named=True):
            if t["start_year"] <= first and last <= t["end_year"]:
                return t["term"]
        for t in self.terms.iter_rows(named=True):
            if first == last == t["baseline_year"]:
                return t["term"]
        return None

    def term_named(self, period: Period) -> str:
        """Return the term of a period, or raise `PeriodError` saying which terms the catalog holds."""
        found = self.term_for(period)
        if found is None:
            spans = ", ".join(f"{t['term']} ({t['start_year']}-{t['end_year']})" for t in
                              self.terms.sort("start_year").iter_rows(named=True))
            raise PeriodError(f"no term of the catalog covers {period} (it holds {spans}): choose a period "
                              "within one, or add the term's programs, indicators and targets to the catalog")
        return found

    def for_term(self, term: str) -> Catalog:
        """Return the catalog as seen by one term: its programs, indicators, targets, tasks and assignments.

        Units, their lineage and the no-data markers are shared by every term.
        """
        if self.terms.height == 1 and self.terms["term"][0] == term:
            return self
        views = self.__dict__.setdefault("_views", {})
        if term not in views:
            if term not in set(self.terms["term"]):
                raise KeyError(f"term {term!r} is not in the catalog ({', '.join(self.terms['term'])})")
            mine = pl.col("term") == term
            views[term] = Catalog(
                self.directory, self.version, self.terms.filter(mine), self.programs.filter(mine), self.units,
                self.unit_lineage, self.indicators.filter(mine), self.targets.filter(mine),
                self.tasks.filter(mine), self.assignments.filter(mine), self.markers, self.dimensions,
                self.categories, self.disaggregations.filter(mine), self.category_targets.filter(mine))
        return views[term]

    def for_period(self, period: Period) -> Catalog:
        """Return the catalog of the term a period belongs to (`PeriodError` when none does)."""
        return self.for_term(self.term_named(period))

    # --- categories ---------------------------------------------------------------

    def category_keys(self) -> pl.DataFrame:
        """Return (term, indicator_code, dimension, category, total_reported, display_order) for every
        category an indicator is reported by; `category` is written dimension=category (sex=nu)."""
        cats = self.categories.select("dimension", "category_code", "display_order")
        return (self.disaggregations.select("term", "indicator_code", "dimension", "total_reported")
                .join(cats, on="dimension")
                .select("term", "indicator_code", "dimension",
                        category=pl.format("{}={}", "dimension", "category_code"),
                        total_reported="total_reported", display_order="display_order")
                .sort("term", "indicator_code", "dimension", "display_order"))

    def category_labels(self) -> dict[str, tuple[str, str]]:
        """Return dimension=category → (Vietnamese, English) label, e.g. sex=nu → ('Nữ', 'Women')."""
        return {f"{d}={c}": (vi, en or vi) for d, c, vi, en in
                self.categories.select("dimension", "category_code", "name_vi", "name_en").iter_rows()}

    # --- units ------------------------------------------------------------------

    @cached_property
    def city(self) -> str:
        """Return the code of the city: the one unit of level `city`."""
        return with_levels(self.units).filter(pl.col("level") == "city")["unit_code"][0]

    @cached_property
    def agencies(self) -> frozenset[str]:
        """Return the codes of the city agencies (outside the administrative hierarchy)."""
        return frozenset(with_levels(self.units).filter(pl.col("level") == "agency")["unit_code"])

    def units_on(self, day: date) -> pl.DataFrame:
        """Return the units in force on a day, with their level and the parent in force then."""
        return with_levels(self.units).filter(
            pl.col("valid_from").fill_null(EARLIEST) <= day,
            pl.col("valid_to").fill_null(LATEST) >= day,
        )

    def units_at(self, period: Period, calendar: Calendar = "calendar") -> pl.DataFrame:
        """Return the units in force at the end of a period's data window: those that owe its report."""
        return self.units_on(window(period, calendar)[1])

    def units_during(self, period: Period, calendar: Calendar = "calendar") -> pl.DataFrame:
        """Return the units that existed on any day of the period's window, with their level."""
        start, end = window(period, calendar)
        return with_levels(self.units).filter(
            pl.col("valid_from").fill_null(EARLIEST) <= end,
            pl.col("valid_to").fill_null(LATEST) >= start,
        )

    def hierarchy_on(self, day: date) -> pl.DataFrame:
        """Return (unit_code, parent_code, level, depth) of the administrative units in force on a day.

        The city has depth 0; agencies are not in the hierarchy.
        """
        units = self.units_on(day).filter(pl.col("level") != "agency").select(
            "unit_code", "parent_code", "level", depth=pl.when(pl.col("parent_code").is_null()).then(
                pl.lit(0, pl.Int64)))
        for _ in range(8):  # each pass settles one more level
            if units["depth"].null_count() == 0:
                break
            parents = units.select(parent_code="unit_code", _pd="depth")
            units = units.join(parents, on="parent_code", how="left").with_columns(
                depth=pl.coalesce("depth", pl.col("_pd") + 1)).drop("_pd")
        return units.drop_nulls("depth")

    def successors(self, code: str) -> pl.DataFrame:
        """Return (new_code, default_successor, effective_on) of the units that took over from `code`."""
        return (self.unit_lineage.filter(pl.col("old_code") == code, pl.col("new_code") != code)
                .select("new_code", "default_successor", "effective_on").sort("new_code"))

    def predecessors(self, code: str) -> pl.DataFrame:
        """Return (old_code, split, default_successor, effective_on) of the units merged into `code`."""
        return (self.unit_lineage.filter(pl.col("new_code") == code)
                .select("old_code", "split", "default_successor", "effective_on").sort("old_code"))

    def speaking_for(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Return `frame` with `unit_code` replaced by the city's where an agency sends the city's figure.

        An agency (a sở, a Party board) to which an indicator is assigned by
        name reports the city's own statistic: its value is the city's.
        `frame` has unit_code and indicator_code.
        """
        agencies = pl.Series(sorted(self.agencies), dtype=pl.String)
        explicit = (self.assignments.drop_nulls("unit_code").filter(pl.col("unit_code").is_in(agencies.implode()))
                    .select("unit_code", "indicator_code").unique().with_columns(_city=pl.lit(True)))
        return frame.join(explicit, on=["unit_code", "indicator_code"], how="left").with_columns(
            unit_code=pl.when(pl.col("_city")).then(pl.lit(self.city)).otherwise(pl.col("unit_code"))
        ).drop("_city")

    # --- what units owe -------------------------------------------------------------

    def assigned(self, period: Period, calendar: Calendar = "calendar", *, on_window_end: bool = False
                 ) -> pl.DataFrame:
        """Return (unit_code, indicator_code) for every indicator assigned to a unit in a period.

        Units count if they existed during the window, or only those that
        exist on its last day when `on_window_end` (what is *expected*: a ward
        merged away mid-period is not expected to report for it).
        """
        units = self.units_at(period, calendar) if on_window_end else self.units_during(period, calendar)
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
