"""Plausibility warnings: robust outliers, falling running totals, and where they point."""

from __future__ import annotations

import math
import statistics

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from synthetic_catalog import SHA, frame, indicator, make_catalog, values

from hanoi_ctr.engine.results import rollup
from hanoi_ctr.settings import Settings


def _wards(n: int) -> list[tuple]:
    """Return the city, district 001 and `n` wards under it."""
    return [("01", "thanh_pho", None, None, None), ("001", "quan", "01", None, None)] + [
        (f"{i:05d}", "phuong", "001", None, None) for i in range(1, n + 1)
    ]


QUARTERS = [f"{y}-Q{q}" for y in (2021, 2022, 2023, 2024) for q in (1, 2, 3, 4)]

HISTORIES = {
    # Every indicator has 1 decimal (precision 0.1) unless a count (precision 1); the floor share is 5 %.
    # History 10, 11, 9, 10: median 10, MAD 0.5, scale 0.5 ÷ 0.6745 = 0.74 (above 5 % × 10 = 0.5);
    # z(30) = 20 ÷ 0.74 = 27.0.
    "outlier": ({}, [10.0, 11.0, 9.0, 10.0, 30.0]),
    "close": ({}, [10.0, 11.0, 9.0, 10.0, 10.4]),  # z = 0.4 ÷ 0.74 = 0.54
    "short": ({}, [11.0, 9.0, 10.0, 300.0]),  # three earlier values only
    # History 10, 10, 10, 12: MAD 0, mean absolute deviation 0.5, scale 1.2533 × 0.5 = 0.63; z(20) = 16.0.
    "mad_zero": ({}, [10.0, 10.0, 10.0, 12.0, 20.0]),
    # Seven quarters of 100: MAD and mean absolute deviation 0, scale 5 % × 100 = 5; z(1000) = 900 ÷ 5 = 180.
    "flat_jump": ({}, [100.0] * 7 + [1000.0]),
    "flat_step": ({}, [100.0] * 7 + [110.0]),  # z = 10 ÷ 5 = 2
    # A count of 1 six quarters running: scale = the precision 1 (5 % × 1 is less); z(2) = 1.
    "count_two": ({"value_type": "count", "decimals": 0}, [1.0] * 6 + [2.0]),
    "count_five": ({"value_type": "count", "decimals": 0}, [1.0] * 6 + [5.0]),  # z = 4 ÷ 1 = 4
    "running": ({"cumulative_scope": "year"}, [10.0, 20.0, 30.0, 40.0, 5.0]),
}


def _history_warnings(histories: dict[str, tuple[dict, list[float]]], last: str = "2024-Q1",
                      ) -> dict[str, list[dict]]:
    """Roll up ward 00001's quarterly values, every series ending in `last`; return each series' warnings."""
    quarters = QUARTERS[: QUARTERS.index(last) + 1]
    codes = {name: f"01.{i + 1:02d}" for i, name in enumerate(histories)}
    catalog = make_catalog(
        [indicator(codes[n], **rules) for n, (rules, _) in histories.items()],
        assignments=[(c, None, "00001") for c in codes.values()],
    )
    rows, owner = [], {}
    for name, (_, numbers) in histories.items():
        for quarter, x in zip(quarters[-len(numbers) :], numbers, strict=True):
            owner[len(rows) + 2] = name  # spreadsheet row of this value
            rows.append(("00001", quarter, codes[name], x))
    issues = rollup(values(rows), catalog, last).issues
    found: dict[str, list[dict]] = {name: [] for name in histories}
    for issue in issues.iter_rows(named=True):
        found[owner[issue["row"]]].append(issue)
    return found


@pytest.fixture(scope="module")
def history() -> dict[str, list[dict]]:
    return _history_warnings(HISTORIES)


def test_an_outlier_against_the_unit_s_history(history):
    [issue] = history["outlier"]
    assert (issue["code"], issue["severity"], issue["column"], issue["value"]) == (
        "outlier",
        "warning",
        "value",
        "30",
    )
    assert issue["message_en"] == ("Value 30 is unusual compared with the unit's 4 earlier values "
                                   "(median 10; scale 0.7413 = MAD ÷ 0.6745; z = 27.0).")
    assert "4 giá trị các kỳ trước của đơn vị (trung vị 10; thang đo 0.7413" in issue["message_vi"]


def test_a_value_close_to_the_median_is_no_outlier(history):
    assert history["close"] == []


def test_fewer_than_four_earlier_values_are_not_judged(history):
    assert history["short"] == []


def test_a_zero_mad_falls_back_to_the_mean_absolute_deviation(history):
    [issue] = history["mad_zero"]
    assert "scale 0.6267 = 1.2533 × mean absolute deviation; z = 16.0" in issue["message_en"]


def test_a_jump_after_a_flat_history_is_measured_against_a_share_of_the_median(history):
    [issue] = history["flat_jump"]
    assert issue["value"] == "1000"
    assert ("the unit's 7 earlier values (median 100; scale 5 = the floor of 5% of the median; z = 180.0)"
            in issue["message_en"])
    assert history["flat_step"] == []


def test_a_small_count_is_measured_against_its_precision(history):
    assert history["count_two"] == []  # 2 after a run of 1: z = 1
    [issue] = history["count_five"]
    assert "median 1; scale 1 = the floor of the indicator's precision; z = 4.0" in issue["message_en"]


def test_running_totals_are_not_judged_against_their_history(history):
    assert history["running"] == []  # and 40 → 5 crosses into a new year: no decrease either


def test_the_floor_share_is_a_setting():
    catalog = make_catalog([indicator("01.01")], assignments=[("01.01", None, "00001")])
    rows = values([("00001", q, "01.01", x) for q, x in zip(QUARTERS[:8], [100.0] * 7 + [120.0])])
    assert rollup(rows, catalog, "2022-Q4").issues["code"].to_list() == ["outlier"]  # z = 20 ÷ 5 = 4
    wide = Settings(outlier_floor_share=0.1)  # z = 20 ÷ 10 = 2
    assert rollup(rows, catalog, "2022-Q4", settings=wide).issues.is_empty()


def _peers(numbers: list[float], **rules: object) -> pl.DataFrame:
    catalog = make_catalog([indicator("01.01", **rules)], assignments=[("01.01", "ward", None)],
                           units=_wards(len(numbers)))
    rows = values([(f"{i + 1:05d}", "2024-Q3", "01.01", x) for i, x in enumerate(numbers)])
    return rollup(rows, catalog, "2024-Q3").issues


def test_an_outlier_against_its_peers():
    # Six wards 10, 11, 9, 10, 10, 40: median 10, MAD median(0, 1, 1, 0, 0, 30) = 0.5; z(40) = 30 ÷ 0.7413 = 40.5.
    issues = _peers([10.0, 11.0, 9.0, 10.0, 10.0, 40.0])
    assert issues.select("code", "unit_code", "row").rows() == [("outlier", "00006", 7)]
    assert ("6 units of the same level this period, this one included (median 10; scale 0.7413 = MAD ÷ 0.6745; "
            "z = 40.5)") in issues["message_en"][0]


def test_three_peers_are_enough_and_the_value_does_not_widen_its_own_scale():
    # 10, 10, 10, 1000: median 10, MAD 0; the other three lie at the median (mean absolute deviation 0),
    # so the scale is the floor 5 % × 10 = 0.5 and z(1000) = 990 ÷ 0.5 = 1980.
    issues = _peers([10.0, 10.0, 10.0, 1000.0])
    assert issues.select("unit_code", "value").rows() == [("00004", "1000")]
    assert "4 units of the same level" in issues["message_en"][0] and "z = 1980.0" in issues["message_en"][0]


def test_fewer_than_three_peers_are_not_judged():
    assert _peers([10.0, 10.0, 1000.0]).is_empty()


def test_small_counts_among_peers_are_not_alarms():
    assert _peers([1.0, 1.0, 1.0, 1.0, 2.0, 3.0], value_type="count", decimals=0).is_empty()


# --- properties (each example is a whole rollup: ~0.1 s) ---------------------------------------------

FEW = settings(max_examples=25)

@FEW
@given(level=st.integers(-10_000, 10_000), decimals=st.integers(0, 3), quarters=st.integers(5, 12),
       wards=st.integers(1, 6))
def test_a_series_that_never_changes_raises_no_outlier(level, decimals, quarters, wards):
    catalog = make_catalog([indicator("01.01", decimals=decimals)], assignments=[("01.01", "ward", None)],
                           units=_wards(wards))
    x = level / 10**decimals
    rows = values([(f"{w:05d}", q, "01.01", x) for w in range(1, wards + 1) for q in QUARTERS[:quarters]])
    assert rollup(rows, catalog, QUARTERS[quarters - 1]).issues.is_empty()


def _flagged(history: list[int], peers: list[int], factor: float) -> set[tuple[str, int, bool]]:
    """Return (unit, row, against history) of each outlier when every value is multiplied by `factor`."""
    catalog = make_catalog([indicator("01.01", decimals=2)], assignments=[("01.01", "ward", None)],
                           units=_wards(len(peers) + 1))
    last = QUARTERS[len(history) - 1]
    rows = [("00001", q, "01.01", x * factor) for q, x in zip(QUARTERS, history)]
    rows += [(f"{i + 2:05d}", last, "01.01", x * factor) for i, x in enumerate(peers)]
    issues = rollup(values(rows), catalog, last).issues
    return {(r["unit_code"], r["row"], "earlier" in r["message_en"]) for r in issues.iter_rows(named=True)}


@FEW
@given(history=st.lists(st.integers(1, 1000), min_size=5, max_size=10),
       peers=st.lists(st.integers(1, 1000), min_size=0, max_size=6), power=st.integers(1, 10))
@example(history=[10, 11, 9, 10, 30], peers=[10, 10, 10, 400], power=3)  # 30 against its history, 400 its peers
def test_scaling_every_value_flags_the_same_values(history, peers, power):
    # Whole numbers ≥ 1 with 2 decimals declared: the precision (0.01) never sets the scale, and a power of
    # two multiplies exactly, so the rule has no unit of its own.
    assert _flagged(history, peers, 1.0) == _flagged(history, peers, 2.0**power)


@FEW
@given(history=st.lists(st.integers(0, 50), min_size=4, max_size=10), offset=st.integers(-3, 3))
def test_a_count_within_three_of_its_median_is_no_outlier(history, offset):
    last = max(math.floor(statistics.median(history)) + offset, 0)  # within 3.5 of the median
    found = _history_warnings({"count": ({"value_type": "count", "decimals": 0}, [*history, last])},
                              last=QUARTERS[len(history)])
    assert found["count"] == []


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
