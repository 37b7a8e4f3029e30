"""The bundled catalog loads, holds the sourced facts, and a broken one is fully reported."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import polars as pl
import pytest
from conftest import SHARED

from hanoi_ctr import CatalogError, ConfigError, load_catalog
from hanoi_ctr.catalog import bundled_catalog_dir, catalog_version, with_levels
from hanoi_ctr.cli import main
from hanoi_ctr.declare.fields import AGG_TIME, AGG_UNITS, CUMULATIVE_SCOPES, VALUE_TYPES


def test_programs_are_the_ten_of_term_xvii(xvii):
    programs = xvii.programs
    assert programs["program_code"].to_list() == [f"{n:02d}-CTr/TU" for n in range(1, 11)]
    assert set(programs["term"]) == {"XVII"} and set(programs["issued_on"]) == {date(2021, 3, 17)}
    status = dict(zip(programs["program_code"], programs["title_status"]))
    assert status["05-CTr/TU"] == "short_form_only" and status["10-CTr/TU"] == "unknown"
    assert sum(s == "confirmed" for s in status.values()) == 8
    standing = dict(zip(programs["program_code"], programs["standing_agency_code"]))
    assert standing["01-CTr/TU"] == "TU-BTC" and standing["10-CTr/TU"] is None
    # What the sources say each program holds (DOMAIN.md), each count with where it comes from.
    sizes = {r["program_code"][:2]: (r["stated_indicators"], r["stated_tasks"])
             for r in programs.iter_rows(named=True) if r["stated_indicators"] or r["stated_tasks"]}
    assert sizes == {"01": (14, 34), "02": (11, None), "04": (33, None), "06": (18, 51), "08": (27, None)}
    assert programs.filter(pl.col("stated_indicators").is_not_null())["size_source"].null_count() == 0
    # The titles say only what is recorded; their status says the rest.
    titles = dict(zip(programs["program_code"], programs["title_vi"]))
    assert "(" not in titles["05-CTr/TU"] + titles["10-CTr/TU"]


def test_units_cover_the_city_districts_wards_and_agencies(catalog):
    units = with_levels(catalog.units)
    before = catalog.units_on(date(2024, 6, 30))
    after = catalog.units_on(date(2025, 7, 1))
    assert before.filter(pl.col("level") == "district").height == 30
    assert before.filter(pl.col("level") == "ward").height == 526
    assert after.filter(pl.col("level") == "district").height == 0
    assert after.filter(pl.col("level") == "ward").height == 126
    assert units.filter(pl.col("level") == "city")["unit_code"].to_list() == ["01"]
    kinds = before.filter(pl.col("level") == "district")["kind"].value_counts()
    assert dict(kinds.iter_rows()) == {"quan": 12, "huyen": 17, "thi_xa": 1}
    agencies = set(units.filter(pl.col("kind") == "agency")["unit_code"])
    assert {"TU-BTC", "UBND-BCSD", "SO-KHDT", "SO-XD", "SO-LDTBXH"} <= agencies
    # Code 00004 was Phường Trúc Bạch and is Phường Ba Đình from 2025-07-01.
    names = units.filter(pl.col("unit_code") == "00004").sort("valid_from", nulls_last=False)["name_vi"]
    assert names.to_list() == ["Phường Trúc Bạch", "Phường Ba Đình"]
    assert catalog.unit_lineage.height == 794


def test_every_program_has_five_indicators_and_every_rule_occurs(xvii):
    ind = xvii.indicators
    per_program = dict(ind["program_code"].value_counts().iter_rows())
    assert len(per_program) == 10 and min(per_program.values()) >= 5
    for column, allowed in (("value_type", VALUE_TYPES), ("agg_units", AGG_UNITS), ("agg_time", AGG_TIME),
                            ("cumulative_scope", CUMULATIVE_SCOPES)):
        assert set(ind[column]) == set(allowed), column
    illustrative = ind.filter(pl.col("source") == "illustrative")
    sourced = ind.filter(pl.col("source") != "illustrative")
    # 38 sourced indicators less 02.18, which repeated 02.05 (GRDP per capita) under another name.
    assert illustrative.height > 0 and sourced.height >= 37
    assert sourced["source"].str.contains("http").all()
    assert ind["display_order"].is_unique().all()


def test_every_sourced_target_is_in_the_catalog(catalog):
    reference = SHARED / "reference" / "xvii_targets_sourced.csv"
    if not reference.is_file():
        pytest.skip("shared reference data not present")
    ref = pl.read_csv(reference, infer_schema=False)
    city = catalog.targets.filter(pl.col("unit_code") == "01").join(
        catalog.indicators.select("indicator_code", "name_vi"), on="indicator_code")
    for row in ref.iter_rows(named=True):
        if row["target_2025"]:
            assert row["target_2025"] in set(city["target_text"]), row["indicator_name_vi"]
    texts = dict(zip(city["name_vi"], city["target_text"]))
    assert texts["Tốc độ tăng trưởng GRDP bình quân giai đoạn 2021-2025"] == "7.5-8.0"
    grdp = city.filter(pl.col("name_vi") == "GRDP bình quân đầu người").row(0, named=True)
    assert (grdp["target_min"], grdp["target_max"], grdp["baseline_value"]) == (8300, 8500, 5420)


#: Hosts whose copies are secondary (mirrors, aggregators, document-sharing sites). A label with a dot
#: matches the host and its subdomains; "baomoi" matches any of its sites (lite., beta., m., .net.vn).
WEAK_HOSTS = ("keobongda123news.org", "dokumen.tips", "baomoi", "thitruonghanghoa.com", "hanict.org.vn",
              "tintaynguyen.com", "kienthuc.net.vn")


def _weak_host(url: str) -> str | None:
    labels = (urlsplit(url).hostname or "").split(".")
    for host in WEAK_HOSTS:
        parts = host.split(".")
        if (labels[-len(parts):] == parts) if len(parts) > 1 else host in labels:
            return host
    return None


def test_weak_hosts_are_recognised():
    assert _weak_host("https://lite.baomoi.com/x.epi") == "baomoi"
    assert _weak_host("https://baomoi.net.vn/tag/x") == "baomoi"
    assert _weak_host("https://dokumen.tips/documents/chng-trnh.html") == "dokumen.tips"
    assert _weak_host("http://hanict.org.vn/tin-tuc/x") == "hanict.org.vn"
    assert _weak_host("https://kinhtedothi.vn/x.html") is None
    assert _weak_host("https://notkienthuc.net.vn/x") is None


def test_no_source_cites_a_weak_host_without_saying_so():
    """A weak host stays only where nothing better was found, and the row says so.

    In a table with a note column (source_note, note) the note says "weak" and names the host;
    in one without (programs, units) the source itself labels the URL "weak:".
    """
    unsaid = []
    for path in sorted(bundled_catalog_dir().glob("*.csv")):
        frame = pl.read_csv(path, infer_schema=False)
        if "source" not in frame.columns:
            continue
        note_column = next((c for c in ("source_note", "note") if c in frame.columns), None)
        for line, row in enumerate(frame.iter_rows(named=True), start=2):
            note = (row[note_column] or "") if note_column else ""
            for part in (row["source"] or "").split(" ; "):
                for url in re.findall(r"https?://\S+", part):
                    host = _weak_host(url)
                    if host is None or part.startswith("weak: ") or ("weak" in note and host in note):
                        continue
                    unsaid.append(f"{path.name}:{line}: {url}")
    assert unsaid == []


def test_the_seed_articles_unit_targets_are_recorded(catalog):
    t = catalog.targets.join(catalog.indicators.select("indicator_code", "value_type", "direction"),
                             on="indicator_code")
    tay_ho = t.filter(pl.col("unit_code") == "003")
    assert 90 in tay_ho["target_min"].to_list()
    rank = tay_ho.filter(pl.col("value_type") == "rank").row(0, named=True)
    assert rank["target_delta"] == -2 and rank["direction"] == "decrease"
    bach_khoa = t.filter(pl.col("unit_code") == "00277")
    assert bach_khoa["target_value"].to_list() == [100]


def test_the_seven_named_tasks_of_program_01_have_their_lead_agencies(catalog):
    tasks = catalog.tasks.filter(pl.col("source") != "illustrative")
    leads = dict(zip(tasks["title_vi"], tasks["lead_unit_code"]))
    expected = {
        "nâng cao chất lượng công tác cán bộ": "TU-BTC",
        "đảng viên không đủ tư cách ra khỏi Đảng": "TU-BTC",
        "phân cấp nguồn thu, nhiệm vụ chi": "UBND-BCSD",
        "trung tâm quản lý điều hành thành phố": "UBND-BCSD",
        "mức độ hài lòng của người dân": "UBND-BCSD",
        "chỉ số hiệu quả quản trị và hành chính": "UBND-BCSD",
        "sửa đổi Luật Thủ đô": "UBND-BCSD",
    }
    for phrase, lead in expected.items():
        matches = [title for title in leads if phrase in title]
        assert len(matches) == 1, phrase
        assert leads[matches[0]] == lead
        assert tasks.filter(pl.col("title_vi") == matches[0])["program_code"].item() == "01-CTr/TU"
        assert tasks.filter(pl.col("title_vi") == matches[0])["due_period"].item() is None  # not stated
    assert catalog.tasks.filter(pl.col("source") == "illustrative")["due_period"].null_count() == 0


def test_catalog_version_is_a_content_hash(tmp_path, catalog):
    copy = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), copy)
    assert catalog_version(copy) == catalog.version
    (copy / "markers.csv").write_text((copy / "markers.csv").read_text() + "?,không rõ,unknown\n")
    assert catalog_version(copy) != catalog.version
    assert load_catalog(copy).markers.height == catalog.markers.height + 1


def test_a_missing_catalog_directory_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_catalog(tmp_path / "nowhere")


# --- a deliberately broken catalog ------------------------------------------------


def _edit(directory: Path, table: str, change) -> None:
    path = directory / f"{table}.csv"
    frame = pl.read_csv(path, infer_schema=False)
    change(frame).write_csv(path)


def _set(frame: pl.DataFrame, index: int, column: str, value: str | None) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) == index).then(pl.lit(value)).otherwise(pl.col(column)).alias(column))


@pytest.fixture()
def broken(tmp_path) -> Path:
    directory = tmp_path / "broken"
    shutil.copytree(bundled_catalog_dir(), directory)
    _edit(directory, "programs", lambda f: _set(f, 0, "issued_on", "17/03/2021"))
    _edit(directory, "programs", lambda f: _set(f, 1, "stated_indicators", "-2"))
    _edit(directory, "indicators", lambda f: _set(f, 2, "value_type", "ratio"))
    _edit(directory, "indicators", lambda f: _set(f, 3, "decimals", "7"))
    _edit(directory, "indicators", lambda f: _set(f, 5, "agg_units", "median"))  # no such rule
    _edit(directory, "targets", lambda f: _set(f, 4, "target_basis", "term_average"))  # a rate, not an average
    _edit(directory, "units", lambda f: _set(f, 40, "parent_code", "999"))
    _edit(directory, "targets", lambda f: pl.concat([f, f.head(1)]))            # duplicate key
    _edit(directory, "targets", lambda f: pl.concat([f, _set(f.head(1), 0, "indicator_code", "99.99")]))
    _edit(directory, "targets", lambda f: _set(_set(f, 1, "target_min", "9"), 1, "target_max", "1"))
    _edit(directory, "assignments", lambda f: _set(_set(f, 0, "level", "ward"), 0, "unit_code", "001"))
    _edit(directory, "tasks", lambda f: _set(f, 0, "lead_unit_code", "SO-KHONG-CO"))
    _edit(directory, "unit_lineage", lambda f: _set(f, 3, "share", "0.5"))  # a split ward's shares: 0.5 + none
    return directory


def test_a_broken_catalog_reports_every_problem_with_file_row_and_column(broken):
    n_targets = pl.read_csv(broken / "targets.csv", infer_schema=False).height
    lineage = pl.read_csv(broken / "unit_lineage.csv", infer_schema=False).with_row_index("_i")
    split_rows = [i + 2 for i in lineage.filter(pl.col("old_code") == lineage["old_code"][3])["_i"].to_list()]
    with pytest.raises(CatalogError) as err:
        load_catalog(broken)
    found = {(i.file, i.row, i.column, i.code) for i in err.value.issues}
    assert found == {
        ("programs.csv", 2, "issued_on", "type-error"),
        ("programs.csv", 3, "stated_indicators", "out-of-range"),
        ("indicators.csv", 4, "value_type", "invalid-choice"),
        ("indicators.csv", 5, "decimals", "out-of-range"),
        ("indicators.csv", 7, "agg_units", "invalid-choice"),
        ("targets.csv", 6, "target_basis", "invalid-record"),
        ("units.csv", 42, "parent_code", "broken-reference"),
        ("targets.csv", n_targets, "term,indicator_code,category,unit_code,year", "duplicate-key"),
        ("targets.csv", n_targets + 1, "term,indicator_code", "broken-reference"),
        ("targets.csv", 3, "target_max", "invalid-record"),
        ("assignments.csv", 2, "level", "invalid-record"),
        ("tasks.csv", 2, "lead_unit_code", "broken-reference"),
        *[("unit_lineage.csv", row, "share", "invalid-record") for row in split_rows],
    }
    text = str(err.value)
    assert "programs.csv:2:issued_on" in text and "17/03/2021" in text


def test_a_missing_column_is_reported_and_stops_cross_table_checks(tmp_path):
    directory = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), directory)
    _edit(directory, "markers", lambda f: f.drop("meaning_en"))
    with pytest.raises(CatalogError) as err:
        load_catalog(directory)
    assert [(i.file, i.column, i.code) for i in err.value.issues] == [
        ("markers.csv", "meaning_en", "missing-column")]


def _split_rows(directory: Path) -> list[int]:
    lineage = pl.read_csv(directory / "unit_lineage.csv", infer_schema=False)
    return [i for i, code in enumerate(lineage["old_code"]) if code == lineage["old_code"][3]]


def test_catalog_check_command(broken, capsys, tmp_path):
    assert main(["catalog", "check"]) == 0
    assert "catalog OK" in capsys.readouterr().out
    assert main(["catalog", "check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"{12 + len(_split_rows(broken))} problem(s)" in out and "tasks.csv:2:lead_unit_code" in out
    assert main(["catalog", "check", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_disaggregated_indicators_are_declared_with_their_categories(catalog):
    """Only illustrative indicators are broken down, each by a dimension with at least two labelled categories."""
    keys = catalog.category_keys()
    assert set(keys["category"]) >= {"sex=nam", "sex=nu"}
    rows = catalog.disaggregations.join(catalog.indicators, on=["term", "indicator_code"])
    assert rows.height and (rows["source"] == "illustrative").all()
    assert rows["source_right"].eq("illustrative").all()
    assert catalog.category_labels()["sex=nu"] == ("Nữ", "Women")


def test_a_catalog_without_categories_loads_as_before(tmp_path, catalog):
    copy = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), copy)
    for name in ("dimensions", "categories", "disaggregations"):
        (copy / f"{name}.csv").unlink()
    targets = copy / "targets.csv"
    targets.write_text("".join(line for line in targets.read_text(encoding="utf-8").splitlines(keepends=True)
                               if ",sex=" not in line), encoding="utf-8")
    loaded = load_catalog(copy)
    assert loaded.disaggregations.is_empty() and loaded.category_keys().is_empty()
    assert loaded.targets.height == catalog.targets.height and loaded.category_targets.is_empty()


def test_a_dimension_of_one_category_is_refused(tmp_path):
    copy = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), copy)
    path = copy / "categories.csv"
    path.write_text("\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                              if not line.startswith("sex,nam")) + "\n", encoding="utf-8")
    with pytest.raises(CatalogError) as raised:
        load_catalog(copy)
    assert any(i.code == "invalid-record" and i.file == "disaggregations.csv" and i.column == "dimension"
               for i in raised.value.issues)
