"""What the rollup workbook is built from, and the questions its sheets ask of it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timezone

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.engine.results import Results
from hanoi_ctr.periods import TIMEZONE, parse_period, window
from hanoi_ctr.settings import Settings


@dataclass(frozen=True)
class ReportInputs:
    """Everything the workbook shows: results, catalog, the period's files and issues, settings, dates.

    `ledger` and `intake_issues` are the period's: the files received for it
    by the data's as-of instant, and the issues found in them.
    """

    results: Results
    catalog: Catalog
    ledger: pl.DataFrame
    intake_issues: pl.DataFrame
    settings: Settings
    generated_on: date
    software_version: str
    #: Where each unit's report stands in the review (`review_states`); None: not from an archive.
    review: pl.DataFrame | None = None

    def units(self) -> pl.DataFrame:
        """Return the units in force at the end of the reported period (codes are reused across 2025)."""
        return self.catalog.units_at(self.results.period, self.settings.calendar)

    def unit_names(self) -> dict[str, str]:
        """Return unit code → name for the units in force at the end of the period (agencies included)."""
        return dict(self.units().select("unit_code", "name_vi").iter_rows())

    def units_on(self, day: date) -> pl.DataFrame:
        """Return the units in force on a day with their levels (each program's matrix asks for the same days)."""
        cache = self.__dict__.setdefault("_units_on", {})
        if day not in cache:
            cache[day] = self.catalog.units_on(day)
        return cache[day]

    def names_on(self, day: date) -> dict[str, str]:
        """Return unit code → name of the units in force on a day (a code reused in 2025 names two units)."""
        cache = self.__dict__.setdefault("_names", {})
        if day not in cache:
            cache[day] = dict(self.units_on(day).select("unit_code", "name_vi").iter_rows())
        return cache[day]

    def name_at(self, code: str | None, period: str | None) -> str | None:
        """Return the name of a unit as it was at the end of a period (else at the end of the report's)."""
        if code is None:
            return None
        asked = self.__dict__.setdefault("_named", {})  # list sheets ask the same few pairs for every row
        if (code, period) not in asked:
            asked[(code, period)] = self._name_at(code, period)
        return asked[(code, period)]

    def _name_at(self, code: str, period: str | None) -> str | None:
        try:
            day = window(parse_period(period), self.settings.calendar)[1] if period else None
        except ValueError:
            day = None
        return self.names_on(day)[code] if day and code in self.names_on(day) else self.unit_names().get(code)

    def unit_levels(self) -> dict[str, str]:
        """Return unit code → level for the units in force at the end of the period."""
        return dict(self.units().select("unit_code", "level").iter_rows())


def hanoi_time(moment: datetime | None) -> datetime | None:
    """Return an instant as Hanoi wall-clock time, without a zone (spreadsheets store no zone).

    >>> from datetime import timezone
    >>> hanoi_time(datetime(2025, 1, 3, 17, 30, tzinfo=timezone.utc))
    datetime.datetime(2025, 1, 4, 0, 30)
    """
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)  # stored in UTC
    return aware.astimezone(TIMEZONE).replace(tzinfo=None)


def hanoi_times(column: str) -> pl.Expr:
    """Return a column of instants as `hanoi_time` returns each: Hanoi wall-clock time, without a zone."""
    return pl.col(column).dt.convert_time_zone(TIMEZONE.key).dt.replace_time_zone(None)


def generation_date(now: datetime | None = None) -> date:
    """Return today's date in Hanoi: the workbook's "Ngày lập".

    `SOURCE_DATE_EPOCH` (seconds since 1970, the reproducible-builds
    convention) pins it, so that a rerun on another day gives the same bytes.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if now is None and epoch.isdigit():
        now = datetime.fromtimestamp(int(epoch), timezone.utc)
    return (now or datetime.now(timezone.utc)).astimezone(TIMEZONE).date()
