"""Two terms in one catalog: each period is read, templated and rolled up against its own term."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from hanoi_ctr import ConfigError, Settings
from hanoi_ctr.cli import main
from hanoi_ctr.engine.results import rollup
from hanoi_ctr.intake.ingest import ingest, validate
from hanoi_ctr.intake.store import Store
from hanoi_ctr.intake.templates import template_specs
from hanoi_ctr.periods import PeriodError, parse_period
from hanoi_ctr.pipeline import resolve_period

HEADER = "unit_code,period,indicator_code,value,numerator,denominator,note,submitted_at\n"
T0 = datetime(2027, 1, 20, 2, 0, tzinfo=timezone.utc)


def _csv(folder: Path, name: str, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _issues(batch) -> set[tuple[str, int, str]]:
    return {(r["code"], r["row"], r["column"]) for r in batch.issues.iter_rows(named=True)}


def test_the_bundled_catalog_holds_two_terms_whose_codes_repeat(catalog):
    assert catalog.terms.sort("start_year").select("term", "start_year", "end_year", "baseline_year").rows() == [
        ("XVII", 2021, 2025, 2020), ("XVIII", 2026, 2030, 2025)]
    xvii, xviii = catalog.for_term("XVII"), catalog.for_term("XVIII")
    assert xvii.indicators.height == 72 and xviii.indicators.height == 17
    both = set(xvii.indicators["indicator_code"]) & set(xviii.indicators["indicator_code"])
    assert {"01.01", "03.02"} <= both
    names = {t: c.indicators.filter(pl.col("indicator_code") == "03.02")["name_en"].item()
             for t, c in (("XVII", xvii), ("XVIII", xviii))}
    assert names == {"XVII": "Rural piped-water network coverage", "XVIII": "GRDP per capita"}
    # What is public of term XVIII, and no more: two program documents, sourced targets, one illustrative indicator.
    assert xviii.programs["program_code"].to_list() == ["01-CTr/TU", "03-CTr/TU"]
    assert xviii.programs["stated_indicators"].null_count() == 2
    assert xviii.indicators.filter(pl.col("source") == "illustrative")["indicator_code"].to_list() == ["01.04"]
    sourced = xviii.targets.filter(pl.col("source") != "illustrative")
    assert sourced["source"].str.starts_with("https://").all()
    growth = xviii.targets.filter(pl.col("indicator_code") == "01.01").row(0, named=True)
    assert (growth["year"], growth["target_basis"], growth["target_min"]) == (2030, "term_average", 11.0)
    assert xviii.tasks.is_empty()
    with pytest.raises(ValueError, match="2 terms"):
        catalog.term  # noqa: B018 - a catalog of two terms has no single term


@pytest.mark.parametrize(("period", "term"), [
    ("2020", "XVII"), ("2021-Q1", "XVII"), ("2025-Q4", "XVII"), ("2025", "XVII"), ("2021-2025", "XVII"),
    ("2026-Q1", "XVIII"), ("2026-H1", "XVIII"), ("2030", "XVIII"), ("2026-2030", "XVIII"), ("2031-Q1", None),
    ("2019", None)])
def test_each_period_picks_its_term(catalog, period, term):
    assert catalog.term_for(parse_period(period)) == term
    if term is None:
        with pytest.raises(PeriodError, match=r"XVII \(2021-2025\), XVIII \(2026-2030\)"):
            catalog.for_period(parse_period(period))
    else:
        assert catalog.for_period(parse_period(period)).terms["term"].to_list() == [term]


def test_templates_of_the_next_term_go_to_the_communes_under_the_city(catalog):
    specs = template_specs(catalog, "2026-Q1")
    in_force = catalog.units_on(date(2026, 3, 31))
    communes = in_force.filter(pl.col("level") == "ward")
    assert set(specs) == set(communes["unit_code"]) and len(specs) == 126
    assert set(communes["parent_code"]) == {catalog.city}  # two levels: no districts
    codes = {line.code for spec in specs.values() for line in spec.indicators}
    assert codes == {"01.04"}  # the one quarterly indicator of term XVIII
    city = template_specs(catalog, "2026-Q4", units="01")["01"]
    lines = {line.code: line for line in city.indicators}
    assert "03.02" in lines and "01.04" not in lines  # the communes report 01.04, the city adds it up
    assert "GRDP" in lines["03.02"].name  # term XVIII's 03.02, not term XVII's rural water coverage
    assert lines["03.02"].target == "198 triệu đồng" and lines["01.01"].target == "từ 11% trở lên"


def test_a_row_is_read_against_the_indicator_of_its_periods_term(tmp_path, catalog):
    # 03.02 is a 0-100 % in term XVII and million VND per person in term XVIII.
    path = _csv(tmp_path, "city.csv", ["01,2024-Q4,03.02,198,,,,10/01/2025",
                                       "01,2026-Q4,03.02,198,,,,10/01/2027",
                                       "01,2026-Q4,05.01,10,,,,10/01/2027",
                                       "00004,2026-Q1,01.04,12,,,,05/04/2026",
                                       "00004,2031-Q1,01.04,12,,,,05/04/2031"])
    batch = validate([path], catalog, Settings(data_dir=tmp_path), now=T0)
    found = _issues(batch)
    assert ("out-of-range", 2, "value") in found  # 198 % in term XVII
    assert not {i for i in found if i[1] == 3}  # 198 million VND in term XVIII: accepted
    assert ("unknown-indicator", 4, "indicator_code") in found  # 05.01 is a term XVII code only
    assert not {i for i in found if i[1] == 5}
    out_of_term = batch.issues.filter(pl.col("code") == "period-out-of-term")
    assert out_of_term["row"].to_list() == [6]
    assert "2021-2025, 2026-2030" in out_of_term["message_en"].item()
    assert sorted(batch.values["period"].to_list()) == ["2026-Q1", "2026-Q4"]


def test_the_next_term_rolls_up_on_two_levels_without_the_last_terms_values(tmp_path, catalog):
    settings = Settings(data_dir=tmp_path)
    inbox = tmp_path / "inbox"
    ingest([_csv(inbox, "2025.csv", ["01,2025,03.02,95,,,,10/01/2026"])], catalog, settings,
           now=datetime(2026, 1, 12, tzinfo=timezone.utc))
    ingest([_csv(inbox, "2026-Q1.csv", ["00004,2026-Q1,01.04,12,,,,05/04/2026",
                                        "00025,2026-Q1,01.04,7,,,,05/04/2026"]),
            _csv(inbox, "2026.csv", ["01,2026,03.02,190,,,,10/01/2027"])], catalog, settings, now=T0)
    store = Store(settings.archive)
    q1 = rollup(store.values(), catalog, "2026-Q1", ledger=store.ledger(), settings=settings).results
    city = q1.filter(pl.col("unit_code") == "01", pl.col("indicator_code") == "01.04").row(0, named=True)
    assert (city["value"], city["n_reported"], city["n_expected"]) == (19.0, 2, 126)
    assert city["result_status"] == "incomplete" and city["target_value"] == 40000.0
    wards = q1.filter(pl.col("indicator_code") == "01.04", pl.col("unit_code") != "01")
    assert set(wards["parent_code"]) == {"01"} and set(wards["unit_level"]) == {"ward"}
    year = rollup(store.values(), catalog, "2026", ledger=store.ledger(), settings=settings).results
    gdp = year.filter(pl.col("unit_code") == "01", pl.col("indicator_code") == "03.02").row(0, named=True)
    # The 2025 value of term XVII's 03.02 (rural water, 95 %) is no baseline of term XVIII's 03.02.
    assert gdp["value"] == 190.0 and gdp["previous_value"] is None
    assert gdp["baseline_source"] != "baseline_year" and gdp["baseline_value"] != 95.0
    assert (gdp["target_value"], gdp["target_year"], gdp["closed"]) == (198.0, 2026, True)
    assert gdp["result_status"] == "off_track"
    xvii = rollup(store.values(), catalog, "2025", ledger=store.ledger(), settings=settings).results
    water = xvii.filter(pl.col("unit_code") == "01", pl.col("indicator_code") == "03.02")
    assert water["value"].to_list() == [95.0]


def test_default_runs_after_a_term_go_to_the_term_in_force(catalog):
    settings = Settings()
    now = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)
    assert str(resolve_period(None, "quarter", catalog, settings, now)) == "2026-Q3"
    assert str(resolve_period(None, "term", catalog, settings, now)) == "2026-2030"
    xvii_only = catalog.for_term("XVII")
    with pytest.raises(ConfigError, match=r"no term of the catalog covers 2026-Q3 \(it holds XVII \(2021-2025\)\)"):
        resolve_period(None, "quarter", xvii_only, settings, now)
    assert str(resolve_period(None, "term", xvii_only, settings, now)) == "2021-2025"  # the last that ended


def test_a_rollup_past_the_last_term_stops_in_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HANOI_CTR_DATA_DIR", str(tmp_path))
    assert main(["rollup", "--period", "2031-Q1", "--inbox", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no term of the catalog covers 2031-Q1" in err[0]
    assert "XVIII (2026-2030)" in err[0] and not (tmp_path / "output").exists()
