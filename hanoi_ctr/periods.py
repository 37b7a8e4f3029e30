"""Reporting periods, data windows and submission deadlines for term XVII reports.

Periods are written canonically as ``2024-Q3`` (quarter), ``2024-H1`` (half
year), ``2024`` (year) and ``2021-2025`` (term).  Data windows follow either
plain calendar quarters or Decree 09/2019/NĐ-CP (15th of the month before the
quarter to the 14th of its last month).  The time zone of record is
Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache, total_ordering
from typing import Callable, Literal
from zoneinfo import ZoneInfo

__all__ = [
    "TIMEZONE", "Calendar", "DeadlineRule", "Period", "PeriodError", "PeriodKind",
    "deadline", "deadline_passed_at", "is_on_time", "latest_closed_period", "parse_period",
    "period_containing", "periods_between", "window",
]

TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")

PeriodKind = Literal["quarter", "half", "year", "term"]
Calendar = Literal["calendar", "decree09"]

MIN_YEAR = 1900
MAX_YEAR = 2100

_KIND_RANK = {"quarter": 0, "half": 1, "year": 2, "term": 3}
_CALENDARS = ("calendar", "decree09")
_ACCEPTED_FORMS = (
    "2024-Q3, 2024Q3, Q3/2024, quý 3/2024, Quý III/2024, quý III năm 2024, "
    "2024-H1, H1/2024, 6 tháng đầu/cuối năm 2024, 2024, năm 2024, "
    "2021-2025, nhiệm kỳ 2021-2025"
)


class PeriodError(ValueError):
    """Signal text or values that do not describe a reporting period."""


def _is_int(value: object) -> bool:
    """Tell whether value is a real int (bools excluded)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _ordinal(year: int, quarter: int) -> int:
    """Number quarters consecutively across years."""
    return year * 4 + quarter - 1


@total_ordering
@dataclass(frozen=True)
class Period:
    """A reporting period: quarter, half year, year or multi-year term."""

    kind: PeriodKind
    year: int
    index: int = 0
    end_year: int | None = None

    def __post_init__(self) -> None:
        """Reject impossible periods."""
        if self.kind not in _KIND_RANK:
            raise PeriodError(f"unknown period kind {self.kind!r}")
        if not _is_int(self.year) or not MIN_YEAR <= self.year <= MAX_YEAR:
            raise PeriodError(f"year {self.year!r} is outside {MIN_YEAR}-{MAX_YEAR}")
        limit = {"quarter": 4, "half": 2}.get(self.kind, 0)
        if limit:
            if not _is_int(self.index) or not 1 <= self.index <= limit:
                raise PeriodError(f"{self.kind} number {self.index!r} is not 1-{limit}")
        elif self.index != 0:
            raise PeriodError(f"a {self.kind} takes no index, got {self.index!r}")
        if self.kind != "term":
            if self.end_year is not None:
                raise PeriodError(f"only a term has an end year, got {self.end_year!r}")
            return
        if not _is_int(self.end_year) or not MIN_YEAR <= self.end_year <= MAX_YEAR:
            raise PeriodError(f"term end year {self.end_year!r} is outside {MIN_YEAR}-{MAX_YEAR}")
        # A one-year "term" is indistinguishable from a year and is almost surely a typo.
        if self.end_year <= self.year:
            raise PeriodError(f"term end {self.end_year} is not after its start {self.year}")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Build a quarter."""
        return cls("quarter", year, quarter)

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        """Build a half year."""
        return cls("half", year, half)

    @classmethod
    def of_year(cls, year: int) -> Period:
        """Build a calendar year."""
        return cls("year", year)

    @classmethod
    def term(cls, start: int, end: int) -> Period:
        """Build a term running from start year to end year inclusive."""
        return cls("term", start, 0, end)

    def __str__(self) -> str:
        """Write the canonical form.

        >>> [str(p) for p in (Period.quarter(2024, 3), Period.half(2024, 1),
        ...                   Period.of_year(2024), Period.term(2021, 2025))]
        ['2024-Q3', '2024-H1', '2024', '2021-2025']
        """
        if self.kind == "quarter":
            return f"{self.year}-Q{self.index}"
        if self.kind == "half":
            return f"{self.year}-H{self.index}"
        if self.kind == "year":
            return str(self.year)
        return f"{self.year}-{self.end_year}"

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """Order by first quarter, then shorter span, then kind."""
        first = self._first_ordinal()
        return (first, self._last_ordinal() - first + 1, _KIND_RANK[self.kind])

    def __lt__(self, other: object) -> bool:
        """Compare chronologically via sort_key."""
        if not isinstance(other, Period):
            return NotImplemented
        return self.sort_key < other.sort_key

    @property
    def first_ordinal(self) -> int:
        """Return the ordinal of the first quarter covered (quarters numbered year × 4 + quarter − 1).

        >>> Period.quarter(2024, 3).first_ordinal, Period.of_year(2024).last_ordinal
        (8098, 8099)
        """
        return self._first_ordinal()

    @property
    def last_ordinal(self) -> int:
        """Return the ordinal of the last quarter covered."""
        return self._last_ordinal()

    @classmethod
    def from_ordinal(cls, n: int) -> Period:
        """Return the quarter with ordinal n.

        >>> str(Period.from_ordinal(8098))
        '2024-Q3'
        """
        return _quarter_from_ordinal(n)

    def _first_ordinal(self) -> int:
        """Return the ordinal of the first quarter covered."""
        if self.kind == "quarter":
            return _ordinal(self.year, self.index)
        if self.kind == "half":
            return _ordinal(self.year, 2 * self.index - 1)
        return _ordinal(self.year, 1)

    def _last_ordinal(self) -> int:
        """Return the ordinal of the last quarter covered."""
        if self.kind == "quarter":
            return _ordinal(self.year, self.index)
        if self.kind == "half":
            return _ordinal(self.year, 2 * self.index)
        if self.kind == "year":
            return _ordinal(self.year, 4)
        assert self.end_year is not None
        return _ordinal(self.end_year, 4)

    def quarters(self) -> tuple[Period, ...]:
        """Return the quarters covered, in order."""
        return tuple(_quarter_from_ordinal(n)
                     for n in range(self._first_ordinal(), self._last_ordinal() + 1))

    @property
    def first_quarter(self) -> Period:
        """Return the first quarter covered."""
        return _quarter_from_ordinal(self._first_ordinal())

    @property
    def last_quarter(self) -> Period:
        """Return the last quarter covered."""
        return _quarter_from_ordinal(self._last_ordinal())

    def contains(self, other: Period) -> bool:
        """Tell whether every quarter of other lies within this period.

        >>> Period.of_year(2024).contains(Period.quarter(2024, 3))
        True
        >>> Period.half(2024, 1).contains(Period.quarter(2024, 3))
        False
        >>> Period.term(2021, 2025).contains(Period.of_year(2023))
        True
        """
        return (self._first_ordinal() <= other._first_ordinal()
                and other._last_ordinal() <= self._last_ordinal())

    def next(self) -> Period:
        """Return the following period of the same kind (and length)."""
        return self._shift(1)

    def previous(self) -> Period:
        """Return the preceding period of the same kind (and length)."""
        return self._shift(-1)

    def _shift(self, step: int) -> Period:
        """Move by step periods of the same kind."""
        if self.kind == "quarter":
            return _quarter_from_ordinal(self._first_ordinal() + step)
        if self.kind == "half":
            n = self.year * 2 + self.index - 1 + step
            return Period.half(n // 2, n % 2 + 1)
        if self.kind == "year":
            return Period.of_year(self.year + step)
        assert self.end_year is not None
        length = self.end_year - self.year + 1
        return Period.term(self.year + step * length, self.end_year + step * length)

    def parent(self, kind: PeriodKind) -> Period:
        """Return the half or year that contains this period."""
        if kind not in ("half", "year") or _KIND_RANK[kind] <= _KIND_RANK[self.kind]:
            raise ValueError(f"a {self.kind} has no enclosing {kind!r}; use 'half' or 'year' "
                             "above a quarter, 'year' above a half")
        if kind == "year":
            return Period.of_year(self.year)
        return Period.half(self.year, (self.index + 1) // 2)


def _quarter_from_ordinal(n: int) -> Period:
    """Invert _ordinal."""
    return Period.quarter(n // 4, n % 4 + 1)


# ---------------------------------------------------------------- parsing

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")

_Y = r"(?P<y>[0-9]{4})"
_N = r"(?P<n>[0-9]+|[ivx]+)"
_SEP = r"(?:\s*[/.-]\s*|\s*nam\s*|\s+)"


def _fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics and tidy spaces and dashes."""
    # NFKC first so full-width digits and Roman numeral signs (Ⅲ) become ASCII;
    # dropping the marks then treats NFC, NFD, misplaced tones (qúy) and unaccented
    # input (quy, nam) alike.
    text = unicodedata.normalize("NFKC", text).lower().replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c))
    return " ".join(text.translate(_DASHES).split())


def _number(token: str) -> int:
    """Read an Arabic or Roman (I-IV) quarter or half number."""
    if token.isdigit():
        return int(token)
    if token in _ROMAN:
        return _ROMAN[token]
    raise PeriodError(f"numeral {token.upper()!r} is not I-IV")


def _quarter(m: re.Match[str]) -> Period:
    """Build a quarter from a match."""
    return Period.quarter(int(m["y"]), _number(m["n"]))


def _half(m: re.Match[str]) -> Period:
    """Build a half year from a match."""
    return Period.half(int(m["y"]), _number(m["n"]))


def _half_words(m: re.Match[str]) -> Period:
    """Build a half year from '6 tháng đầu/cuối năm'."""
    return Period.half(int(m["y"]), 1 if m["w"] == "dau" else 2)


def _year(m: re.Match[str]) -> Period:
    """Build a year from a match."""
    return Period.of_year(int(m["y"]))


def _term(m: re.Match[str]) -> Period:
    """Build a term from a match."""
    return Period.term(int(m["y"]), int(m["e"]))


_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Period]], ...] = tuple(
    (re.compile(pattern), build) for pattern, build in (
        (rf"{_Y}\s*-?\s*q\s*{_N}", _quarter),
        (rf"(?:quy|q)\s*{_N}{_SEP}{_Y}", _quarter),
        (rf"{_Y}\s*-?\s*h\s*{_N}", _half),
        (rf"h\s*{_N}{_SEP}{_Y}", _half),
        (rf"0?6 thang (?P<w>dau|cuoi)(?: nam)?\s*[/-]?\s*{_Y}", _half_words),
        (rf"(?:nam\s*)?{_Y}(?:\.0+)?", _year),
        (rf"(?:nhiem ky\s*)?{_Y}\s*-\s*(?P<e>[0-9]{{4}})", _term),
    )
)


def parse_period(text: str | int | float) -> Period:
    """Read a period from canonical, office or spreadsheet spellings.

    >>> str(parse_period("Quý III/2024"))
    '2024-Q3'
    >>> str(parse_period(" 6 tháng cuối năm 2024 "))
    '2024-H2'
    >>> str(parse_period(2024.0)), str(parse_period("nhiệm kỳ 2021 - 2025"))
    ('2024', '2021-2025')
    >>> try:
    ...     parse_period("Q5/2024")
    ... except PeriodError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    'Q5/2024' is not a reporting period (quarter number 5 is not 1-4); accepted forms: 2024-Q3, ...
    """
    try:
        return _parsed(type(text), text)
    except TypeError:  # not hashable: not a period either, said as usual
        return _parse(text)


@lru_cache(maxsize=4096)
def _parsed(kind: type, text: str | int | float) -> Period:
    """Return `_parse(text)`, kept: a report reads the same few spellings thousands of times."""
    return _parse(text)


def _parse(text: str | int | float) -> Period:
    if _is_int(text) or (isinstance(text, float) and math.isfinite(text) and text.is_integer()):
        return _wrap(text, lambda: Period.of_year(int(text)))
    if not isinstance(text, str):
        raise PeriodError(f"{text!r} is not a reporting period; accepted forms: {_ACCEPTED_FORMS}")
    folded = _fold(text)
    for pattern, build in _PATTERNS:
        match = pattern.fullmatch(folded)
        if match:
            return _wrap(text, lambda: build(match))
    raise PeriodError(f"{text!r} is not a reporting period; accepted forms: {_ACCEPTED_FORMS}")


def _wrap(text: object, build: Callable[[], Period]) -> Period:
    """Build a period, naming the original text if it is invalid."""
    try:
        return build()
    except PeriodError as exc:
        raise PeriodError(f"{text!r} is not a reporting period ({exc}); "
                          f"accepted forms: {_ACCEPTED_FORMS}") from None


# ---------------------------------------------------------------- windows and deadlines

def _check_calendar(calendar: str) -> None:
    """Reject unknown calendars."""
    if calendar not in _CALENDARS:
        raise ValueError(f"calendar must be one of {_CALENDARS}, got {calendar!r}")


def _quarter_window(year: int, quarter: int, calendar: Calendar) -> tuple[date, date]:
    """Return the inclusive data window of one quarter."""
    last_month = 3 * quarter
    if calendar == "decree09":
        start = date(year - 1, 12, 15) if quarter == 1 else date(year, last_month - 3, 15)
        return start, date(year, last_month, 14)
    next_start = date(year + 1, 1, 1) if quarter == 4 else date(year, last_month + 1, 1)
    return date(year, last_month - 2, 1), next_start - timedelta(days=1)


def window(period: Period, calendar: Calendar = "calendar") -> tuple[date, date]:
    """Return the inclusive first and last day of the period's data window.

    >>> window(parse_period("2024-Q1"), "decree09")
    (datetime.date(2023, 12, 15), datetime.date(2024, 3, 14))
    >>> window(parse_period("2024-H2"))
    (datetime.date(2024, 7, 1), datetime.date(2024, 12, 31))
    """
    return _window(period, calendar)


@lru_cache(maxsize=4096)
def _window(period: Period, calendar: Calendar) -> tuple[date, date]:
    _check_calendar(calendar)
    first, last = period.first_quarter, period.last_quarter
    return (_quarter_window(first.year, first.index, calendar)[0],
            _quarter_window(last.year, last.index, calendar)[1])


@dataclass(frozen=True)
class DeadlineRule:
    """Calendar days allowed after the window end, per period kind.

    The defaults are configurable working assumptions, not a legal rule.
    """

    quarter: int = 5
    half: int = 10
    year: int = 15
    term: int = 30

    def __post_init__(self) -> None:
        """Reject negative or non-integer day counts."""
        for kind in _KIND_RANK:
            value = getattr(self, kind)
            if not _is_int(value) or value < 0:
                raise ValueError(f"{kind} deadline days must be a non-negative int, got {value!r}")

    def days(self, kind: PeriodKind) -> int:
        """Return the days allowed for a period kind."""
        if kind not in _KIND_RANK:
            raise ValueError(f"unknown period kind {kind!r}")
        return getattr(self, kind)


def deadline(period: Period, calendar: Calendar = "calendar",
             rule: DeadlineRule = DeadlineRule()) -> date:
    """Return the last local day on which a submission is on time.

    >>> deadline(parse_period("2024-Q3"))
    datetime.date(2024, 10, 5)
    >>> deadline(parse_period("2024"), "decree09")
    datetime.date(2024, 12, 29)
    """
    return window(period, calendar)[1] + timedelta(days=rule.days(period.kind))


def deadline_passed_at(period: Period, calendar: Calendar = "calendar",
                       rule: DeadlineRule = DeadlineRule()) -> datetime:
    """Return the Hanoi instant from which a submission is late."""
    day_after = deadline(period, calendar, rule) + timedelta(days=1)
    return datetime.combine(day_after, time(0), tzinfo=TIMEZONE)


def _require_aware(moment: datetime, name: str) -> datetime:
    """Convert an aware datetime to Hanoi time; reject naive ones."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(TIMEZONE)


def _check_grid_kind(kind: str) -> None:
    """Reject kinds that do not tile the calendar (terms, unknown)."""
    if kind not in ("quarter", "half", "year"):
        raise ValueError(f"kind must be 'quarter', 'half' or 'year', got {kind!r}")


def period_containing(day: date, kind: PeriodKind = "quarter",
                      calendar: Calendar = "calendar") -> Period:
    """Return the period of a kind whose data window contains the day."""
    _check_grid_kind(kind)
    _check_calendar(calendar)
    if isinstance(day, datetime):
        day = _require_aware(day, "day").date()
    year, month = day.year, day.month
    # Under Decree 09 the second half of a month already belongs to the next month's quarter.
    if calendar == "decree09" and day.day >= 15:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    quarter = Period.quarter(year, (month - 1) // 3 + 1)
    return quarter if kind == "quarter" else quarter.parent(kind)


def latest_closed_period(now: datetime, kind: PeriodKind = "quarter",
                         calendar: Calendar = "calendar",
                         rule: DeadlineRule = DeadlineRule()) -> Period:
    """Return the period of a kind whose deadline passed most recently by now."""
    local = _require_aware(now, "now")
    candidate = period_containing(local.date(), kind, calendar)
    # Deadlines grow with the period, so the first passed one walking back is the latest.
    while deadline_passed_at(candidate, calendar, rule) > local:
        candidate = candidate.previous()
    return candidate


def is_on_time(period: Period, received_at: datetime, calendar: Calendar = "calendar",
               rule: DeadlineRule = DeadlineRule()) -> bool:
    """Tell whether a submission received at that instant meets the deadline."""
    return _require_aware(received_at, "received_at") < deadline_passed_at(period, calendar, rule)


def periods_between(first: Period, last: Period) -> list[Period]:
    """List same-kind periods from first to last inclusive (empty if last < first)."""
    if first.kind != last.kind:
        raise ValueError(f"cannot list periods between a {first.kind} and a {last.kind}")
    if last < first:
        return []
    result = [first]
    while result[-1] < last:
        result.append(result[-1].next())
    if result[-1] != last:
        raise ValueError(f"term {last} is not reached by stepping from {first}")
    return result
