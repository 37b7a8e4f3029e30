"""Completeness and timeliness per unit, per district with its wards, per program and for the city.

In 2024-Q3 (calendar quarters, 5 days' grace) the deadline passes at
2024-10-06 00:00 in Hanoi, i.e. 2024-10-05 17:00 UTC. Wards report 01.01,
districts 02.01 (both quarterly); agency SO-A reports 03.01 once a year.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from synthetic_catalog import REORGANISED, frame, indicator, make_catalog, values

from hanoi_ctr.engine.results import rollup


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


CATALOG = make_catalog(
    [indicator("01.01"), indicator("02.01"), indicator("03.01", frequency="year", agg_units="none")],
    assignments=[("01.01", "ward", None), ("02.01", "district", None), ("03.01", None, "SO-A")],
)


def _file(
    unit: str, period: str, outcome: str, received: datetime, submitted: datetime | None = None
) -> dict:
    return {
        "received_at": received,
        "sha256": unit.lower().ljust(64, "0")[:64].replace("-", "0"),
        "file_name": f"{unit}.csv",
        "format": "csv",
        "unit_code": unit,
        "period": period,
        "submitted_at": submitted,
        "rows_read": 1,
        "rows_accepted": 1,
        "rows_rejected": 0,
        "outcome": outcome,
    }


LEDGER = frame(
    "ledger",
    [
        _file("00001", "2024-Q3", "accepted", _utc(2024, 10, 6), submitted=_utc(2024, 10, 4)),  # sent in time
        _file("00002", "2024-Q3", "partial", _utc(2024, 10, 7)),  # late
        _file("001", "2024-Q3", "rejected", _utc(2024, 10, 1)),  # not received
        _file("002", "2024-Q3", "accepted", _utc(2024, 10, 5, 16, 59)),  # 23:59 in Hanoi
        _file("00003", "2024-Q2", "accepted", _utc(2024, 7, 1)),  # another quarter
    ],
)
VALUES = values(
    [
        ("00001", "2024-Q3", "01.01", 5.0),
        ("00002", "2024-Q3", "01.01", None),
        ("002", "2024-Q3", "02.01", 3.0),
    ]
)


@pytest.fixture(scope="module")
def q3() -> pl.DataFrame:
    return rollup(VALUES, CATALOG, "2024-Q3", ledger=LEDGER).completeness


def _row(frame: pl.DataFrame, scope: str, code: str | None = None) -> dict:
    column = "program_code" if scope == "program" else "unit_code"
    found = frame.filter(pl.col("scope") == scope, pl.col(column).eq_missing(code))
    assert found.height == 1, found
    return found.row(0, named=True)


COUNTS = ("n_expected", "n_received", "n_on_time", "n_late")


@pytest.mark.parametrize(
    "unit, counts",
    [
        ("00001", (1, 1, 1, 0)),
        ("00002", (1, 1, 0, 1)),
        ("00003", (1, 0, 0, 0)),
        ("001", (1, 0, 0, 0)),
        ("002", (1, 1, 1, 0)),
    ],
)
def test_per_unit(q3, unit, counts):
    assert tuple(_row(q3, "unit", unit)[c] for c in COUNTS) == counts


def test_the_agency_is_not_expected_before_its_yearly_report(q3):
    assert q3.filter(pl.col("unit_code") == "SO-A").is_empty()


def test_per_district_including_its_wards(q3):
    assert tuple(_row(q3, "district", "001")[c] for c in COUNTS) == (3, 2, 1, 1)
    assert tuple(_row(q3, "district", "002")[c] for c in COUNTS) == (2, 1, 1, 0)


def test_for_the_city(q3):
    city = _row(q3, "city")
    assert tuple(city[c] for c in COUNTS) == (5, 3, 2, 1)
    assert (city["reporting_rate"], city["on_time_rate"]) == (pytest.approx(0.6), pytest.approx(0.4))


def test_per_program_counts_unit_indicator_values(q3):
    program_01 = _row(q3, "program", "01-CTr/TU")
    # Three wards owe 01.01; 00001 sent a number, 00002 the no-data marker, 00003 nothing.
    assert (program_01["n_values_expected"], program_01["n_values_reported"]) == (3, 1)
    assert (program_01["n_expected"], program_01["n_received"]) == (3, 2)
    program_02 = _row(q3, "program", "02-CTr/TU")
    assert (program_02["n_values_expected"], program_02["n_values_reported"], program_02["n_received"]) == (
        2,
        1,
        1,
    )


def test_the_year_report_makes_the_agency_expected_in_q4():
    ledger = frame("ledger", [_file("SO-A", "2024", "accepted", _utc(2025, 1, 3))])
    out = rollup(values([("SO-A", "2024", "03.01", 7.0)]), CATALOG, "2024-Q4", ledger=ledger).completeness
    agency = _row(out, "unit", "SO-A")
    # The 2024 file counts for Q4 and is judged by the year's deadline (15 days: 2025-01-15).
    assert (agency["n_expected"], agency["n_received"], agency["n_on_time"]) == (1, 1, 1)
    assert (agency["n_values_expected"], agency["n_values_reported"]) == (1, 1)


def test_a_year_counts_four_quarterly_submissions_per_unit():
    out = rollup(VALUES, CATALOG, "2024", ledger=LEDGER).completeness
    assert _row(out, "unit", "00001")["n_expected"] == 4
    assert _row(out, "unit", "SO-A")["n_expected"] == 1


def test_units_that_did_not_exist_are_not_expected_and_rates_stay_within_one():
    catalog = make_catalog([indicator("01.01")], assignments=[("01.01", "ward", None)], units=REORGANISED)
    rows = [(w, "2025-Q3", "01.01", 1.0) for w in ("00001", "10001", "00002")]  # 00002 closed on 30 June
    out = rollup(values(rows), catalog, "2025-Q3").completeness
    assert set(out.filter(pl.col("scope") == "unit")["unit_code"]) == {"00001", "10001"}
    assert out.filter(pl.col("scope") == "district").is_empty()
    city = _row(out, "city")
    assert (city["n_expected"], city["n_received"], city["reporting_rate"]) == (2, 2, 1.0)
    assert out.select(pl.max_horizontal("reporting_rate", "on_time_rate", "value_rate").max()).item() <= 1.0


def test_without_a_ledger_submissions_are_read_off_the_values():
    rows = values([("00001", "2024-Q3", "01.01", 5.0)], received_at=_utc(2024, 10, 9))
    out = rollup(rows, CATALOG, "2024-Q3").completeness
    assert tuple(_row(out, "unit", "00001")[c] for c in COUNTS) == (1, 1, 0, 1)


def test_as_of_ignores_files_received_later():
    out = rollup(VALUES, CATALOG, "2024-Q3", ledger=LEDGER, as_of=_utc(2024, 10, 6, 12)).completeness
    assert _row(out, "unit", "00002")["n_received"] == 0
    assert _row(out, "unit", "00001")["n_received"] == 1
