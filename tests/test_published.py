"""Hanoi's published figures for 2020-2025, sent as the statistics office would, judged as published.

The figures come from `tests/data/published/published_figures.csv` (each with
its source and quote); `xvii_outcomes_sourced.csv` in the shared reference
gives the published assessments of the term: the average GRDP growth and the
total social investment fell short, exports were above the plan, health
insurance and regular exercise met their targets.
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import ROOT

import hanoi_ctr
from hanoi_ctr.settings import Settings

PUBLISHED = ROOT / "tests" / "data" / "published" / "published_figures.csv"
NOW = datetime(2026, 2, 1, tzinfo=UTC)

#: catalog indicator → (row of published_figures.csv, {period: value}, factor to the catalog's unit)
SERIES: dict[str, tuple[str, dict[str, float], float]] = {
    "02.01": ("grdp_growth", {"2020": 4.18, "2021": 2.92, "2022": 8.89, "2023": 6.27, "2024": 6.52,
                              "2025": 8.16}, 1.0),
    "02.02": ("services_growth", {"2021": 2.71, "2022": 10.06, "2023": 7.26, "2024": 7.14, "2025": 8.83}, 1.0),
    "02.03": ("industry_construction_growth", {"2021": 3.85, "2022": 7.74, "2023": 5.05, "2024": 6.21,
                                               "2025": 7.46}, 1.0),
    "02.05": ("grdp_per_capita_usd", {"2022": 6068, "2025": 7200}, 1.0),
    "02.06": ("social_investment_thousand_bn_vnd", {"2022": 467.9, "2025": 595}, 0.001),
    "02.07": ("digital_economy_share", {"2024": 16.25, "2025": 17.34}, 1.0),
    "02.10": ("exports_bn_usd", {"2021": 15.5, "2022": 17.1, "2023": 16.7, "2024": 19.4, "2025": 20.65}, 1.0),
    "02.11": ("tourists_total_m", {"2021": 4, "2022": 18.7, "2023": 24, "2024": 27.86, "2025": 33.7}, 1.0),
    "02.12": ("tourists_international_m", {"2022": 1.5, "2023": 4, "2024": 6.35, "2025": 7.82}, 1.0),
}
#: The term's own figures, published for 2021-2025 (authoritative for the term).
TERM_FIGURES = {"02.01": ("grdp_growth_avg", 6.57), "02.06": ("social_investment_total_million_bn_vnd", 2.48)}
#: Outcomes of 2025 from `xvii_outcomes_sourced.csv` (health insurance 95.95 %, regular exercise 42.5 %).
OUTCOMES_2025 = {"08.03": 95.95, "06.01": 42.5}


def _published() -> list[dict[str, str]]:
    with PUBLISHED.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _source(rows: list[dict[str, str]], name: str, period: str, value: float) -> str:
    """Return the source of a published figure; fail if the figure was never published."""
    for r in rows:
        if r["indicator"] == name and r["period"] == period and math.isclose(float(r["value"]), value):
            return r["source"].split(" ; ")[0]
    raise AssertionError(f"{name} {period} = {value} is not in {PUBLISHED.name}")


@pytest.fixture(scope="module")
def submission(tmp_path_factory) -> Path:
    rows = _published()
    lines = []
    for code, (name, series, factor) in SERIES.items():
        lines += [("01", period, code, round(value * factor, 6), _source(rows, name, period, value))
                  for period, value in series.items()]
    for code, (name, value) in TERM_FIGURES.items():
        lines.append(("01", "2021-2025", code, value, _source(rows, name, "2021-2025", value)))
    lines += [("01", "2025", code, value, "xvii_outcomes_sourced.csv") for code, value in OUTCOMES_2025.items()]
    path = tmp_path_factory.mktemp("published") / "thong-ke-ha-noi-2020-2025.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit_code", "period", "indicator_code", "value", "note"])
        w.writerows(lines)
    return path


@pytest.fixture(scope="module")
def archive(catalog, submission, tmp_path_factory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    batch = hanoi_ctr.ingest([submission], catalog, settings, now=NOW)
    assert not batch.has_errors, batch.issues.filter(pl.col("severity") == "error")
    return settings


def _rollup(catalog, settings, period: str) -> dict[str, dict]:
    store = hanoi_ctr.Store(settings.archive)
    results = hanoi_ctr.rollup(store.history(), catalog, period, ledger=store.ledger(), settings=settings).results
    return {r["indicator_code"]: r for r in results.filter(pl.col("unit_code") == "01").iter_rows(named=True)}


def test_every_figure_is_accepted_and_its_role_said(catalog, submission):
    batch = hanoi_ctr.validate([submission], catalog, now=NOW)
    ledger = batch.ledger.row(0, named=True)
    assert ledger["rows_rejected"] == 0 and ledger["rows_accepted"] == ledger["rows_read"]
    # Sent in 2026, the years before 2025 are late; that is all besides the rows' roles.
    codes = batch.issues.filter(pl.col("code") != "late-submission").group_by("code").len().sort("code")
    assert dict(codes.iter_rows()) == {"baseline-value": 1, "longer-period": 2 + len(OUTCOMES_2025) - 1}
    baseline = batch.issues.filter(pl.col("code") == "baseline-value").row(0, named=True)
    assert (baseline["period"], baseline["column"]) == ("2020", "period")


def _compound(rates: list[float]) -> float:
    """Return the average growth that compounds to the same total growth (by hand)."""
    total = 1.0
    for r in rates:
        total *= 1 + r / 100
    return (total ** (1 / len(rates)) - 1) * 100


def _line(values: list[float], ahead: int) -> list[float]:
    """Return the next `ahead` values on the least-squares line through the values (by hand)."""
    n = len(values)
    xs = range(n)
    mx, my = sum(xs) / n, sum(values) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, values)) / sum((x - mx) ** 2 for x in xs)
    return [my + slope * (n - 1 + k - mx) for k in range(1, ahead + 1)]


def _needed(rates: list[float], goal: float, years: int = 5) -> float:
    """Return the compound growth the remaining years need for the term to average `goal`."""
    done = 1.0
    for r in rates:
        done *= 1 + r / 100
    return (((1 + goal / 100) ** years / done) ** (1 / (years - len(rates))) - 1) * 100


@pytest.mark.parametrize(("year", "status"), [("2021", "at_risk"), ("2022", "at_risk"), ("2023", "at_risk"),
                                              ("2024", "off_track")])
def test_average_growth_is_judged_on_the_average_to_date(catalog, archive, year, status):
    """2022 grew 8.89 % but the average to date was 5.9 %: not achieved, and ever harder to reach 7.5 %."""
    row = _rollup(catalog, archive, year)["02.01"]
    rates = list(SERIES["02.01"][1].values())[1:int(year) - 2021 + 2]
    assert row["target_basis"] == "term_average" and row["compared_period"] == ("2021" if year == "2021"
                                                                               else f"2021-{year}")
    assert row["compared_value"] == pytest.approx(_compound(rates), abs=0.005)  # to the indicator's 2 decimals
    assert row["needed"] == pytest.approx(_needed(rates, 7.5), abs=0.01)  # from the average as shown
    assert (row["closed"], row["result_status"]) == (False, status)
    assert row["progress"] is None and row["expected_progress"] is None
    # The projection is of the same quantity: the term's average, the remaining years on the trend line.
    if len(rates) < 3:
        assert row["projection"] is None
    else:
        assert row["projection"] == pytest.approx(_compound(rates + _line(rates, 5 - len(rates))), abs=0.005)
        assert row["projection_meets_target"] is (row["projection"] >= 7.5)


def test_the_term_ends_below_its_average_growth_and_investment_targets(catalog, archive):
    for period in ("2025", "2021-2025"):
        rows = _rollup(catalog, archive, period)
        grdp, investment = rows["02.01"], rows["02.06"]
        # The published term figures stand for the term; they are what is judged.
        assert grdp["compared_value"] == pytest.approx(6.57) and grdp["compared_period"] == "2021-2025"
        assert investment["compared_value"] == pytest.approx(2.48)
        for row in (grdp, investment):
            assert (row["closed"], row["result_status"], row["projection_meets_target"]) == (
                True, "off_track", False), row["indicator_code"]


def test_the_yearly_figures_compound_to_the_published_average(catalog, archive):
    rows = _rollup(catalog, archive, "2021-2025")
    assert rows["02.02"]["compared_value"] == pytest.approx(_compound(list(SERIES["02.02"][1].values())), abs=0.005)
    assert _compound(list(SERIES["02.01"][1].values())[1:]) == pytest.approx(6.57, abs=0.05)
    for code in ("02.02", "02.03"):  # services 8.0-8.5 %, industry and construction 8.5-9.0 % a year
        assert rows[code]["result_status"] == "off_track", code


@pytest.mark.parametrize(("code", "status"), [
    ("02.05", "off_track"),   # GRDP per capita 7,200 USD against 8,300-8,500
    ("02.07", "off_track"),   # digital economy 17.34 % of GRDP against about 30 %
    ("02.10", "achieved"),    # exports 20.65 bn USD against 20.47
    ("02.11", "off_track"),   # tourists 33.7 million against 35-39
    ("02.12", "off_track"),   # international tourists 7.82 million against 8-9
    ("08.03", "achieved"),    # health insurance 95.95 % against 95 %
    ("06.01", "achieved"),    # regular exercise 42.5 %, "vượt chỉ tiêu"
])
def test_the_year_2025_is_judged_as_met_or_not_met(catalog, archive, code, status):
    row = _rollup(catalog, archive, "2025")[code]
    assert (row["closed"], row["result_status"]) == (True, status)
    assert row["projection_meets_target"] is (status == "achieved")


def test_a_year_figure_of_a_quarterly_indicator_stands_for_its_year(catalog, archive):
    row = _rollup(catalog, archive, "2025")["08.03"]
    # Compared as shown, to the indicator's one decimal.
    assert (row["value_period"], row["value"], row["compared_value"]) == ("2025", 95.95, 96.0)
    assert row["value_source"] == "reported"
