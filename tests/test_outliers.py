"""Plausibility warnings: robust outliers, falling running totals, and where they point."""

from __future__ import annotations

import polars as pl
import pytest
from synthetic_catalog import SHA, frame, indicator, make_catalog, values

from hanoi_ctr.engine.results import rollup

SIX_WARDS = [("01", "thanh_pho", None, None, None), ("001", "quan", "01", None, None)] + [
    (f"0000{i}", "phuong", "001", None, None) for i in range(1, 7)
]


HISTORIES = {
    # History 10, 11, 9, 10: median 10, MAD median(0, 1, 1, 0) = 0.5; z(30) = 0.6745 × 20 / 0.5 = 27.
    "outlier": ({}, [10.0, 11.0, 9.0, 10.0, 30.0]),
    "close": ({}, [10.0, 11.0, 9.0, 10.0, 10.4]),  # z = 0.54
    "short": ({}, [11.0, 9.0, 10.0, 300.0]),  # three earlier values only
    # History 10, 10, 10, 12: MAD 0, MeanAD 0.5; z(20) = 10 / (1.253314 × 0.5) = 16.0.
    "mad_zero": ({}, [10.0, 10.0, 10.0, 12.0, 20.0]),
    "constant": ({}, [10.0, 10.0, 10.0, 10.0, 11.0]),
    "running": ({"cumulative_scope": "year"}, [10.0, 20.0, 30.0, 40.0, 5.0]),
}


@pytest.fixture(scope="module")
def history() -> dict[str, list[dict]]:
    """Roll up ward 00001's quarterly values, every series ending in 2024-Q1; return each case's warnings."""
    quarters = ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"]
    codes = {name: f"01.{i + 1:02d}" for i, name in enumerate(HISTORIES)}
    catalog = make_catalog(
        [indicator(codes[n], **rules) for n, (rules, _) in HISTORIES.items()],
        assignments=[(c, None, "00001") for c in codes.values()],
    )
    rows, owner = [], {}
    for name, (_, numbers) in HISTORIES.items():
        for quarter, x in zip(quarters[-len(numbers) :], numbers, strict=True):
            owner[len(rows) + 2] = name  # spreadsheet row of this value
            rows.append(("00001", quarter, codes[name], x))
    issues = rollup(values(rows), catalog, "2024-Q1").issues
    found: dict[str, list[dict]] = {name: [] for name in HISTORIES}
    for issue in issues.iter_rows(named=True):
        found[owner[issue["row"]]].append(issue)
    return found


def test_an_outlier_against_the_unit_s_history(history):
    [issue] = history["outlier"]
    assert (issue["code"], issue["severity"], issue["column"], issue["value"]) == (
        "outlier",
        "warning",
        "value",
        "30",
    )
    assert "z = 27.0" in issue["message_en"]


def test_a_value_close_to_the_median_is_no_outlier(history):
    assert history["close"] == []


def test_fewer_than_four_earlier_values_are_not_judged(history):
    assert history["short"] == []


def test_a_zero_mad_falls_back_to_the_mean_absolute_deviation(history):
    [issue] = history["mad_zero"]
    assert issue["code"] == "outlier" and "z = 16.0" in issue["message_en"]


def test_a_constant_history_gives_no_score(history):
    assert history["constant"] == []


def test_running_totals_are_not_judged_against_their_history(history):
    assert history["running"] == []  # and 40 → 5 crosses into a new year: no decrease either


def _peers(numbers: list[float]) -> pl.DataFrame:
    catalog = make_catalog([indicator("01.01")], assignments=[("01.01", "ward", None)], units=SIX_WARDS)
    rows = values([(f"0000{i + 1}", "2024-Q3", "01.01", x) for i, x in enumerate(numbers)])
    return rollup(rows, catalog, "2024-Q3").issues


def test_an_outlier_against_its_peers():
    # Six wards 10, 11, 9, 10, 10, 40: median 10, MAD median(0, 1, 1, 0, 0, 30) = 0.5; z(40) = 40.5.
    issues = _peers([10.0, 11.0, 9.0, 10.0, 10.0, 40.0])
    assert issues.select("code", "unit_code", "row").rows() == [("outlier", "00006", 7)]
    assert "median 10" in issues["message_en"][0]


def test_fewer_than_five_peers_are_not_judged():
    assert _peers([10.0, 11.0, 9.0, 10.0, 40.0]).is_empty()


def test_cumulative_decrease_within_the_year_but_not_across_years():
    catalog = make_catalog(
        [indicator("01.01", cumulative_scope="year")], assignments=[("01.01", None, "00001")]
    )
    rows = values(
        [
            ("00001", p, "01.01", x)
            for p, x in [
                ("2023-Q3", 40.0),
                ("2023-Q4", 60.0),
                ("2024-Q1", 5.0),
                ("2024-Q2", 25.0),
                ("2024-Q3", 20.0),
            ]
        ]
    )
    h1 = rollup(rows, catalog, "2024-H1").issues
    assert h1.is_empty()  # 60 → 5 crosses into a new year: the running total restarts
    q3 = rollup(rows, catalog, "2024-Q3").issues
    assert q3.select("code", "row", "value", "period").rows() == [("cumulative-decrease", 6, "20", "2024-Q3")]
    assert "25, 2024-Q2" in q3["message_en"][0]


def test_cumulative_decrease_over_the_term():
    catalog = make_catalog(
        [indicator("01.01", cumulative_scope="term", frequency="year")],
        assignments=[("01.01", None, "00001")],
    )
    rows = values([("00001", "2022", "01.01", 40.0), ("00001", "2023", "01.01", 35.0)])
    assert rollup(rows, catalog, "2023").issues["code"].to_list() == ["cumulative-decrease"]


def test_warnings_point_at_the_file_sheet_and_row():
    catalog = make_catalog(
        [indicator("01.01")], assignments=[("01.01", "ward", None), ("01.01", "district", None)]
    )
    rows = values(
        [
            ("001", "2024-Q3", "01.01", 100.0),
            ("00001", "2024-Q3", "01.01", 1.0),
            ("00002", "2024-Q3", "01.01", 2.0),
        ],
        sheet="Chỉ tiêu",
    )
    ledger = frame(
        "ledger",
        [
            {
                "received_at": rows["received_at"][0],
                "sha256": SHA,
                "file_name": "quan-001.xlsx",
                "format": "xlsx",
                "unit_code": "001",
                "period": "2024-Q3",
                "rows_read": 3,
                "rows_accepted": 3,
                "rows_rejected": 0,
                "outcome": "accepted",
            }
        ],
    )
    issue = rollup(rows, catalog, "2024-Q3", ledger=ledger).issues.row(0, named=True)
    assert (issue["code"], issue["file"], issue["sheet"], issue["row"], issue["sha256"]) == (
        "rollup-mismatch",
        "quan-001.xlsx",
        "Chỉ tiêu",
        2,
        SHA,
    )
    assert (issue["unit_code"], issue["period"], issue["value"]) == ("001", "2024-Q3", "100")
    assert "3" in issue["message_vi"] and issue["message_vi"] != issue["message_en"]


@pytest.mark.parametrize("x, text", [(1234567.0, "1234567"), (12.5, "12.5"), (0.1 + 0.2, "0.3")])
def test_numbers_are_written_plainly(x, text):
    from hanoi_ctr.engine.outliers import number

    assert number(x) == text
