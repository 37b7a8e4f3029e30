"""Tests for hanoi_ctr.periods."""

from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hanoi_ctr import periods
from hanoi_ctr.periods import (
    TIMEZONE,
    DeadlineRule,
    Period,
    PeriodError,
    deadline,
    deadline_passed_at,
    is_on_time,
    latest_closed_period,
    parse_period,
    period_containing,
    periods_between,
    window,
)

CALENDARS = ["calendar", "decree09"]
FAST = settings(max_examples=50, deadline=None, database=None)
Q = Period.quarter
H = Period.half
Y = Period.of_year
T = Period.term

# ---------------------------------------------------------------- strategies

years = st.integers(1901, 2099)
quarters = st.builds(Q, years, st.integers(1, 4))
halves = st.builds(H, years, st.integers(1, 2))
whole_years = st.builds(Y, years)
terms = st.integers(1920, 2080).flatmap(
    lambda start: st.integers(1, 9).map(lambda length: T(start, start + length)))
any_period = st.one_of(quarters, halves, whole_years, terms)
grid_kinds = st.sampled_from(["quarter", "half", "year"])
calendars = st.sampled_from(CALENDARS)
days = st.dates(date(1901, 1, 1), date(2099, 12, 1))
instants = st.datetimes(datetime(1950, 1, 1), datetime(2090, 1, 1),
                        timezones=st.sampled_from([TIMEZONE, timezone.utc]))


def hanoi(*args: int) -> datetime:
    return datetime(*args, tzinfo=TIMEZONE)


# ---------------------------------------------------------------- parsing

@pytest.mark.parametrize(("text", "expected"), [
    ("2024-Q3", Q(2024, 3)),
    ("2024Q3", Q(2024, 3)),
    ("2024 Q3", Q(2024, 3)),
    ("2024-q3", Q(2024, 3)),
    ("Q3/2024", Q(2024, 3)),
    ("Q3-2024", Q(2024, 3)),
    ("Q3 2024", Q(2024, 3)),
    ("quý 3/2024", Q(2024, 3)),
    ("Quý III/2024", Q(2024, 3)),
    ("QUÝ III NĂM 2024", Q(2024, 3)),
    ("quý III năm 2024", Q(2024, 3)),
    ("Quý IV/2023", Q(2023, 4)),
    ("Quý I/2025", Q(2025, 1)),
    ("quý II năm 2022", Q(2022, 2)),
    ("  Quý III/2024\t", Q(2024, 3)),
    ("2024-H1", H(2024, 1)),
    ("2024-h2", H(2024, 2)),
    ("H1/2024", H(2024, 1)),
    ("6 tháng đầu năm 2024", H(2024, 1)),
    ("6 tháng cuối năm 2024", H(2024, 2)),
    ("6 THÁNG ĐẦU NĂM 2024", H(2024, 1)),
    ("2024", Y(2024)),
    ("năm 2024", Y(2024)),
    ("Năm 2024", Y(2024)),
    ("2024.0", Y(2024)),
    (2024, Y(2024)),
    (2024.0, Y(2024)),
    ("2021-2025", T(2021, 2025)),
    ("2021 - 2025", T(2021, 2025)),
    ("nhiệm kỳ 2021-2025", T(2021, 2025)),
    ("Nhiệm kỳ 2021 – 2025", T(2021, 2025)),
])
def test_accepted_spellings(text: str | int | float, expected: Period) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", [
    "QUÝ III NĂM 2024", "6 tháng đầu năm 2024", "nhiệm kỳ 2021-2025", "Năm 2024",
])
def test_nfd_input_parses_like_nfc(text: str) -> None:
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert parse_period(nfd) == parse_period(text)


@pytest.mark.parametrize("text", [
    "", "   ", "abc", "Q5/2024", "2024-Q0", "2024-Q5", "Quý V/2024", "Quý VI/2024",
    "Quý IIII/2024", "H3/2024", "2024-H0", "1899", "2101", "1899-Q1", "2101-H1",
    "24", "Q3/24", "2025-2021", "2024-2024", "2024.5", "2024-Q3-2024", "Q3",
    "6 tháng giữa năm 2024", "nhiệm kỳ 2021", 2024.5, float("nan"), 1899, True, None,
])
def test_rejects(text: object) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("qúy 3/2024", Q(2024, 3)),
    ("Quy III nam 2024", Q(2024, 3)),
    ("Quý Ⅲ/2024", Q(2024, 3)),
    ("２０２４-Q3", Q(2024, 3)),
    ("6 thang cuoi nam 2024", H(2024, 2)),
    ("nhiem ky 2021-2025", T(2021, 2025)),
])
def test_lenient_office_spellings(text: str, expected: Period) -> None:
    assert parse_period(text) == expected


def test_error_message_names_input_and_forms() -> None:
    with pytest.raises(PeriodError) as info:
        parse_period("quý năm")
    assert "'quý năm'" in str(info.value)
    assert "2024-Q3" in str(info.value) and "2021-2025" in str(info.value)


def test_period_error_is_value_error() -> None:
    assert issubclass(PeriodError, ValueError)


@pytest.mark.parametrize("args", [
    ("quarter", 2024, 0), ("quarter", 2024, 5), ("half", 2024, 3), ("year", 2024, 1),
    ("year", 1899), ("term", 2021, 0, None), ("term", 2025, 0, 2021), ("month", 2024),
    ("quarter", 2024, 3, 2025),
])
def test_post_init_validates(args: tuple) -> None:
    with pytest.raises(PeriodError):
        Period(*args)


@given(any_period)
@FAST
def test_round_trip(p: Period) -> None:
    assert parse_period(str(p)) == p


@given(any_period)
@FAST
def test_next_previous_identity(p: Period) -> None:
    assert p.next().previous() == p
    assert p.previous().next() == p
    assert p.next().kind == p.kind


def test_str_and_next_examples() -> None:
    assert [str(p) for p in (Q(2024, 3), H(2024, 1), Y(2024), T(2021, 2025))] == [
        "2024-Q3", "2024-H1", "2024", "2021-2025"]
    assert Q(2024, 4).next() == Q(2025, 1)
    assert H(2024, 1).previous() == H(2023, 2)
    assert T(2021, 2025).next() == T(2026, 2030)


# ---------------------------------------------------------------- structure

@given(years)
@FAST
def test_year_has_four_consecutive_quarters(y: int) -> None:
    qs = Y(y).quarters()
    assert qs == (Q(y, 1), Q(y, 2), Q(y, 3), Q(y, 4))
    assert all(a.next() == b for a, b in zip(qs, qs[1:]))


@given(halves)
@FAST
def test_half_has_two_quarters(h: Period) -> None:
    qs = h.quarters()
    assert len(qs) == 2 and qs[0].next() == qs[1]
    assert qs[0] == h.first_quarter and qs[1] == h.last_quarter
    assert all(q.parent("half") == h for q in qs)


def test_term_quarters() -> None:
    qs = T(2021, 2025).quarters()
    assert len(qs) == 20 and qs[0] == Q(2021, 1) and qs[-1] == Q(2025, 4)


@given(any_period)
@FAST
def test_contains_matches_quarters(p: Period) -> None:
    assert p.contains(p)
    assert all(p.contains(q) for q in p.quarters())
    assert not p.contains(p.next()) and not p.next().contains(p)


def test_contains_examples() -> None:
    assert Y(2024).contains(H(2024, 2))
    assert T(2021, 2025).contains(Y(2025)) and not T(2021, 2025).contains(Y(2026))
    assert not Q(2024, 3).contains(Y(2024))


def test_parent() -> None:
    assert Q(2024, 3).parent("half") == H(2024, 2)
    assert Q(2024, 2).parent("year") == Y(2024)
    assert H(2024, 1).parent("year") == Y(2024)
    for p, kind in [(Y(2024), "half"), (Y(2024), "year"), (H(2024, 1), "half"),
                    (Q(2024, 1), "quarter"), (Q(2024, 1), "term")]:
        with pytest.raises(ValueError):
            p.parent(kind)  # type: ignore[arg-type]


# ---------------------------------------------------------------- ordering

def test_sorting_mixed_kinds() -> None:
    expected = [
        Q(2021, 1), H(2021, 1), Y(2021), T(2021, 2025), Q(2021, 2), Q(2021, 3),
        H(2021, 2), Q(2021, 4), Q(2022, 1), Y(2022), T(2022, 2023), Q(2025, 4),
    ]
    for seed in range(5):
        shuffled = expected[:]
        random.Random(seed).shuffle(shuffled)
        assert sorted(shuffled) == expected


@given(st.lists(any_period, max_size=12))
@FAST
def test_sorting_is_chronological(ps: list[Period]) -> None:
    ordered = sorted(ps)
    for a, b in zip(ordered, ordered[1:]):
        assert a <= b and not a > b
        assert a.first_quarter <= b.first_quarter


@given(any_period, any_period)
@FAST
def test_ordering_consistent_with_equality(a: Period, b: Period) -> None:
    assert (a == b) == (not a < b and not b < a)
    assert (a >= b) == (not a < b)


# ---------------------------------------------------------------- windows

@given(quarters, calendars)
@FAST
def test_consecutive_quarter_windows_are_contiguous(q: Period, cal: str) -> None:
    assert window(q, cal)[1] + timedelta(days=1) == window(q.next(), cal)[0]  # type: ignore[arg-type]


@given(any_period, calendars)
@FAST
def test_window_spans_first_to_last_quarter(p: Period, cal: str) -> None:
    start, end = window(p, cal)  # type: ignore[arg-type]
    assert start == window(p.first_quarter, cal)[0]  # type: ignore[arg-type]
    assert end == window(p.last_quarter, cal)[1]  # type: ignore[arg-type]
    assert start <= end


@pytest.mark.parametrize(("period", "cal", "expected"), [
    (Q(2024, 1), "decree09", (date(2023, 12, 15), date(2024, 3, 14))),
    (Q(2024, 2), "decree09", (date(2024, 3, 15), date(2024, 6, 14))),
    (Q(2024, 3), "decree09", (date(2024, 6, 15), date(2024, 9, 14))),
    (Q(2024, 4), "decree09", (date(2024, 9, 15), date(2024, 12, 14))),
    (H(2024, 1), "decree09", (date(2023, 12, 15), date(2024, 6, 14))),
    (H(2024, 2), "decree09", (date(2024, 6, 15), date(2024, 12, 14))),
    (Y(2024), "decree09", (date(2023, 12, 15), date(2024, 12, 14))),
    (T(2021, 2025), "decree09", (date(2020, 12, 15), date(2025, 12, 14))),
    (Q(2024, 1), "calendar", (date(2024, 1, 1), date(2024, 3, 31))),
    (Q(2024, 2), "calendar", (date(2024, 4, 1), date(2024, 6, 30))),
    (Y(2024), "calendar", (date(2024, 1, 1), date(2024, 12, 31))),
    (T(2021, 2025), "calendar", (date(2021, 1, 1), date(2025, 12, 31))),
])
def test_window_examples(period: Period, cal: str, expected: tuple[date, date]) -> None:
    assert window(period, cal) == expected  # type: ignore[arg-type]


def test_unknown_calendar_rejected() -> None:
    with pytest.raises(ValueError):
        window(Q(2024, 1), "lunar")  # type: ignore[arg-type]


@given(days, grid_kinds, calendars)
@FAST
def test_period_containing_agrees_with_window(day: date, kind: str, cal: str) -> None:
    p = period_containing(day, kind, cal)  # type: ignore[arg-type]
    assert p.kind == kind
    start, end = window(p, cal)  # type: ignore[arg-type]
    assert start <= day <= end


def test_period_containing_examples() -> None:
    assert period_containing(date(2024, 12, 20), "quarter", "decree09") == Q(2025, 1)
    assert period_containing(date(2024, 12, 20), "year", "decree09") == Y(2025)
    assert period_containing(date(2024, 12, 14), "quarter", "decree09") == Q(2024, 4)
    assert period_containing(date(2024, 6, 15), "half", "decree09") == H(2024, 2)
    assert period_containing(date(2024, 12, 20)) == Q(2024, 4)
    with pytest.raises(ValueError):
        period_containing(date(2024, 1, 1), "term")


def test_period_containing_datetime_uses_hanoi_date() -> None:
    # 2024-03-31 18:00 UTC is already 1 April in Hanoi.
    assert period_containing(datetime(2024, 3, 31, 18, tzinfo=timezone.utc)) == Q(2024, 2)
    with pytest.raises(ValueError):
        period_containing(datetime(2024, 3, 31, 18))


# ---------------------------------------------------------------- deadlines

@given(any_period, calendars)
@FAST
def test_deadline_not_before_window_end(p: Period, cal: str) -> None:
    end = window(p, cal)[1]  # type: ignore[arg-type]
    assert deadline(p, cal) >= end  # type: ignore[arg-type]
    assert deadline(p, cal, DeadlineRule(0, 0, 0, 0)) == end  # type: ignore[arg-type]


def test_deadline_examples() -> None:
    assert deadline(Q(2024, 3)) == date(2024, 10, 5)
    assert deadline(H(2024, 1), "decree09") == date(2024, 6, 24)
    assert deadline(Y(2024), "calendar", DeadlineRule(year=20)) == date(2025, 1, 20)
    assert deadline(T(2021, 2025)) == date(2026, 1, 30)
    assert deadline_passed_at(Q(2024, 3)) == hanoi(2024, 10, 6)
    assert deadline_passed_at(Q(2024, 3)).utcoffset() == timedelta(hours=7)


def test_deadline_rule() -> None:
    rule = DeadlineRule()
    assert [rule.days(k) for k in ("quarter", "half", "year", "term")] == [5, 10, 15, 30]
    with pytest.raises(ValueError):
        DeadlineRule(quarter=-1)
    with pytest.raises(ValueError):
        rule.days("month")  # type: ignore[arg-type]


def test_latest_closed_period_concrete() -> None:
    assert latest_closed_period(hanoi(2024, 10, 6, 0, 0)) == Q(2024, 3)
    assert latest_closed_period(hanoi(2024, 10, 5, 23, 59)) == Q(2024, 2)
    # 2024-10-05 17:00 UTC is 2024-10-06 00:00 in Hanoi.
    assert latest_closed_period(datetime(2024, 10, 5, 17, tzinfo=timezone.utc)) == Q(2024, 3)
    assert latest_closed_period(hanoi(2025, 1, 16), "year") == Y(2024)
    assert latest_closed_period(hanoi(2025, 1, 15), "year") == Y(2023)
    assert latest_closed_period(hanoi(2024, 12, 20), "quarter", "decree09") == Q(2024, 4)


@given(instants, instants, grid_kinds, calendars)
@FAST
def test_latest_closed_period_monotone(a: datetime, b: datetime, kind: str, cal: str) -> None:
    early, late = sorted([a, b])
    p_early = latest_closed_period(early, kind, cal)  # type: ignore[arg-type]
    p_late = latest_closed_period(late, kind, cal)  # type: ignore[arg-type]
    assert p_early <= p_late
    assert deadline_passed_at(p_early, cal) <= early  # type: ignore[arg-type]
    assert deadline_passed_at(p_early.next(), cal) > early  # type: ignore[arg-type]


def test_naive_datetimes_rejected() -> None:
    naive = datetime(2024, 10, 6)
    with pytest.raises(ValueError):
        latest_closed_period(naive)
    with pytest.raises(ValueError):
        is_on_time(Q(2024, 3), naive)


def test_is_on_time() -> None:
    assert is_on_time(Q(2024, 3), hanoi(2024, 10, 5, 23, 59, 59))
    assert not is_on_time(Q(2024, 3), hanoi(2024, 10, 6))
    assert is_on_time(Q(2024, 3), datetime(2024, 10, 5, 16, 59, tzinfo=timezone.utc))
    assert not is_on_time(Q(2024, 3), datetime(2024, 10, 5, 17, tzinfo=timezone.utc))
    assert is_on_time(Q(2024, 3), hanoi(2024, 9, 20), "decree09", DeadlineRule(quarter=0)) is False
    assert is_on_time(Q(2024, 3), hanoi(2024, 9, 14, 23), "decree09", DeadlineRule(quarter=0))


# ---------------------------------------------------------------- ranges

def test_periods_between() -> None:
    assert periods_between(Q(2024, 3), Q(2025, 2)) == [Q(2024, 3), Q(2024, 4), Q(2025, 1), Q(2025, 2)]
    assert periods_between(H(2024, 1), H(2024, 1)) == [H(2024, 1)]
    assert periods_between(Y(2021), Y(2025)) == [Y(y) for y in range(2021, 2026)]
    assert periods_between(T(2021, 2025), T(2026, 2030)) == [T(2021, 2025), T(2026, 2030)]
    assert periods_between(Q(2025, 1), Q(2024, 1)) == []
    with pytest.raises(ValueError):
        periods_between(Q(2024, 1), Y(2024))
    with pytest.raises(ValueError):
        periods_between(T(2021, 2025), T(2023, 2027))


@given(st.builds(Q, st.integers(1901, 2090), st.integers(1, 4)), st.integers(0, 30))
@FAST
def test_periods_between_quarters_length(q: Period, n: int) -> None:
    last = q
    for _ in range(n):
        last = last.next()
    got = periods_between(q, last)
    assert len(got) == n + 1 and got[0] == q and got[-1] == last


def test_module_exports() -> None:
    assert set(periods.__all__) >= {"parse_period", "window", "deadline", "Period"}
