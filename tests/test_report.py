"""The rollup workbook read back as an analyst meets it: every status explained, numbers as numbers,
a trace to the files, what arrived for the period, one language at a time, print set-up, sparklines."""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import ROOT
from synthetic_catalog import SHA, frame

from hanoi_ctr.declare import rules
from hanoi_ctr.declare.issues import Issue, issues_frame
from hanoi_ctr.declare.vocabulary import STATUSES
from hanoi_ctr.report.build import build_report, write_workbook
from hanoi_ctr.report.files import ISSUES_PER_CODE_AND_FILE, files_of_period
from hanoi_ctr.report.inputs import ReportInputs
from hanoi_ctr.report.labels import compared_words, words
from hanoi_ctr.report.program import TREND_COLUMN, program_sheet_name
from hanoi_ctr.report.sources import SOURCE_ROWS
from hanoi_ctr.report.styles import headers, is_percent
from hanoi_ctr.settings import Settings


@pytest.fixture(scope="module")
def catalog(xvii):
    """These tests are about term XVII: the catalog as it sees it."""
    return xvii

LABELS = {lang: words(lang) for lang in ("vi", "en")}
COLS = {lang: headers("sheet_indicators", lang) for lang in ("vi", "en")}
SNAPSHOT = ROOT / "tests" / "snapshots" / "report-2024-Q4.txt"
GENERATED = date(2025, 2, 3)
HANOI = timezone(timedelta(hours=7))


def _load(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():  # openpyxl does not read sparklines
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def hostile_issue() -> pl.DataFrame:
    return issues_frame([Issue("type-error", file="2024-Q4_001.xlsx", row=5, column="note",
                               value='=HYPERLINK("http://x")', detail=("số", "a number"), period="2024-Q4",
                               unit_code="001"),
                         Issue("type-error", file="2024-Q4_001.xlsx", row=6, column="note", value="@SUM(A1)",
                               detail=("số", "a number"), period="2024-Q4", unit_code="001")])


@pytest.fixture(scope="module")
def intake(demo_batch, hostile_issue) -> pl.DataFrame:
    sha = demo_batch.ledger.filter(pl.col("file_name") == "2024-Q4_001.xlsx")["sha256"].item()
    return pl.concat([demo_batch.issues, hostile_issue.with_columns(sha256=pl.lit(sha))])


@pytest.fixture(scope="module", params=["vi", "en"])
def lang(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def books(catalog, demo_batch, demo_results, intake, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("wb")
    return {lang: write_workbook(demo_results, out / f"rollup-{lang}.xlsx", lang, catalog=catalog,
                                 ledger=demo_batch.ledger, intake_issues=intake, generated_on=GENERATED)
            for lang in ("vi", "en")}


@pytest.fixture(scope="module")
def wb(books, lang) -> openpyxl.Workbook:
    return _load(books[lang])


def _header_row(ws, first: str, start: int = 1) -> int:
    return next(r for r in range(start, ws.max_row + 1) if ws.cell(r, 1).value == first)


def _table(ws, header: int) -> list[dict]:
    """Return the rows under a header row as dicts keyed by header label, until the first empty code."""
    labels = [ws.cell(header, c).value for c in range(1, ws.max_column + 1)]
    rows = []
    for r in range(header + 1, ws.max_row + 1):
        if ws.cell(r, 1).value is None:
            break
        rows.append({label: ws.cell(r, c + 1) for c, label in enumerate(labels) if label})
    return rows


# --- sheets --------------------------------------------------------------------------------------


def test_sheets_are_named_from_codes(wb, catalog, lang):
    programs = [program_sheet_name(c) for c in catalog.programs.sort("number")["program_code"]]
    s = LABELS[lang]["sheets"]
    assert wb.sheetnames == [s["overview"], *programs, s["units"], s["tasks"], s["files"], s["issues"],
                             s["sources"], s["method"]]
    assert all(len(n) <= 31 for n in wb.sheetnames)


# --- every status explained on its row -----------------------------------------------------------


def _shown(cell, value: float | None, percent: bool) -> None:
    if value is None:
        assert cell.value is None, cell.coordinate
        return
    assert cell.data_type == "n", (cell.coordinate, cell.value)
    assert ("%" in cell.number_format) == percent, (cell.coordinate, cell.number_format)
    assert cell.value * (100 if percent else 1) == pytest.approx(value, rel=1e-9, abs=1e-9), cell.coordinate


def test_every_status_is_explained_on_its_row(wb, catalog, demo_results, lang):
    text, cols = LABELS[lang], COLS[lang]
    city = {r["indicator_code"]: r for r in demo_results.results.filter(
        pl.col("unit_code") == "01", pl.col("category").is_null()).iter_rows(named=True)}
    indicators = {r["indicator_code"]: r for r in catalog.indicators.iter_rows(named=True)}
    compounds = dict(rules.rule_columns(catalog.indicators).select("indicator_code", "_compounds").iter_rows())
    checked = 0
    for program in catalog.programs["program_code"]:
        ws = wb[program_sheet_name(program)]
        header = _header_row(ws, cols[0])
        assert [ws.cell(header, c).value for c in range(1, len(cols) + 1)] == cols
        for row in _table(ws, header):
            code = row[cols[0]].value
            if str(row[cols[1]].value).startswith("– "):
                continue  # a category's row beneath its indicator (test_categories_are_shown_beneath_…)
            res, ind = city.get(code), indicators[code]
            if res is None:
                assert row[cols[20]].value == text["status"]["no_data"]
                continue
            percent = is_percent(ind, res["value_source"])
            _shown(row[cols[3]], res["baseline_value"], percent)
            _shown(row[cols[8]], res["value"], percent)
            _shown(row[cols[12]], res["compared_value"], percent)
            _shown(row[cols[17]], res["needed"], percent)
            for col, field in ((14, "achievement"), (15, "progress"), (16, "expected_progress")):
                assert row[cols[col]].value == (None if res[field] is None else pytest.approx(res[field]))
                assert res[field] is None or "%" in row[cols[col]].number_format
            assert row[cols[9]].value == res["value_period"]
            assert row[cols[13]].value == compared_words(text, res["target_basis"], res["compared_period"],
                                                         res["annualised"], compounds[code])
            assert (row[cols[18]].value, row[cols[19]].value) == (res["n_reported"], res["n_expected"])
            partial = row[cols[18]].fill.fgColor.rgb
            assert (partial == "FFFCE4D6") == bool(res["partial"]), code
            assert row[cols[20]].value == text["status"][res["result_status"]]
            checked += 1
    assert checked >= 40


def test_a_target_is_numbers_with_the_indicators_format(wb, catalog, demo_results, lang):
    """02.06's target 3.1-3.2 (million billion đồng) is two numeric cells beside a numeric value."""
    ws = wb[program_sheet_name("02-CTr/TU")]
    cols = COLS[lang]
    row = next(r for r in _table(ws, _header_row(ws, cols[0])) if r[cols[0]].value == "02.06")
    low, high = row[cols[5]], row[cols[6]]
    assert (low.value, high.value) == (3.1, 3.2) and low.data_type == high.data_type == "n"
    assert low.number_format == high.number_format == row[cols[8]].number_format == "#,##0.000"
    assert row[cols[7]].value == 2025 and row[cols[7]].data_type == "n"
    # Nothing numeric is text: no cell on a program sheet holds a number written as a string.
    numeric_text = re.compile(r"^[\d.,\s–-]+%?$")
    for program in catalog.programs["program_code"]:
        sheet = wb[program_sheet_name(program)]
        texts = [c.value for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
        assert not [t for t in texts if numeric_text.match(t) and not re.match(r"^\d{2}\.\d{2}$|^\d{3,5}$", t)
                    and not re.match(r"^\d{4}(-Q\d|-H\d|-\d{4})?$", t)], program


def test_the_overview_counts_every_indicator_of_each_program(wb, catalog, lang):
    text = LABELS[lang]
    overview = wb[text["sheets"]["overview"]]
    header = _header_row(overview, text["program"])
    assert [overview.cell(header, c).value for c in range(2, 2 + len(STATUSES))] == [
        text["status"][s] for s in STATUSES]
    for r in range(header + 1, header + 1 + catalog.programs.height):
        program = overview.cell(r, 1).value
        counts = {s: overview.cell(r, 2 + i).value for i, s in enumerate(STATUSES)}
        ws = wb[program_sheet_name(program)]
        rows = [row for row in _table(ws, _header_row(ws, COLS[lang][0]))
                if not str(row[COLS[lang][1]].value).startswith("– ")]  # not a category's row
        shown = [row[COLS[lang][20]].value for row in rows]
        assert sum(counts.values()) == len(rows) == overview.cell(r, 2 + len(STATUSES)).value
        assert counts == {s: shown.count(text["status"][s]) for s in STATUSES}, program


def test_each_program_says_how_much_of_it_is_tracked(wb, catalog, lang):
    text = LABELS[lang]
    overview = wb[text["sheets"]["overview"]]
    header = _header_row(overview, text["tracking_cols"][0], _header_row(overview, text["program"]) + 1)
    row = [overview.cell(header + 1, c).value for c in range(1, 9)]
    # 01-CTr/TU: 14 indicators and 34 tasks per the source article; the catalog holds 7 (1 sourced) and 13.
    assert row == ["01-CTr/TU", 14, 7, 1, 6, 34, 13, 5]
    assert overview.cell(header + 2, 2).value == 11 and overview.cell(header + 3, 2).value is None
    sheet = wb[program_sheet_name("01-CTr/TU")]
    sentence = next(c.value for r in sheet.iter_rows(max_row=6) for c in r if c.value and "34" in str(c.value))
    assert ("14 chỉ tiêu" in sentence and "7 chỉ tiêu" in sentence) if lang == "vi" else (
        "14 indicators" in sentence and "7 indicators" in sentence)


def test_a_districts_own_figure_stands_beside_its_wards_rollup(wb, demo_results, lang):
    ws = wb[program_sheet_name("08-CTr/TU")]
    top = _header_row(ws, LABELS[lang]["unit_code"], _header_row(ws, COLS[lang][0]) + 1)
    codes = [ws.cell(top, c).value for c in range(3, ws.max_column + 1)]
    col = 3 + codes.index("08.08")
    own = demo_results.results.filter(pl.col("unit_code") == "001", pl.col("indicator_code") == "08.08").row(
        0, named=True)
    r = next(r for r in range(top + 1, ws.max_row + 1) if ws.cell(r, 1).value == "001")
    assert (ws.cell(r, col).value, ws.cell(r + 1, col).value) == (own["value"], own["rollup_value"]) == (793, 64)
    assert LABELS[lang]["rollup_row"] in ws.cell(r + 1, 2).value and ws.cell(r + 1, 1).value is None


# --- the trace -----------------------------------------------------------------------------------


def test_the_source_values_sheet_lists_what_the_numbers_are_made_of(wb, catalog, demo_batch, demo_results, lang):
    ws = wb[LABELS[lang]["sheets"]["sources"]]
    labels = headers("sheet_sources", lang)
    top = _header_row(ws, labels[0])
    rows = _table(ws, top)
    sources = demo_results.sources.filter(pl.col("category").is_null())  # the sheet lists totals' sources
    assert len(rows) == min(sources.height, SOURCE_ROWS) and sources.height > 1000
    percent = {r["indicator_code"]: rules.value_type(r["value_type"]).percent
               for r in catalog.indicators.iter_rows(named=True)}
    archive = {(r["sha256"], r["row"], r["indicator_code"]): r for r in demo_batch.values.iter_rows(named=True)}
    names = dict(demo_batch.ledger.filter(pl.col("outcome") != "duplicate").select("sha256", "file_name").iter_rows())
    for row in rows[::37]:
        code, unit = row[labels[0]].value, row[labels[1]].value
        period = row[labels[5]].value
        found = sources.filter(pl.col("indicator_code") == code, pl.col("unit_code") == unit,
                               pl.col("value_period") == period).row(0, named=True)
        sent = archive[(found["sha256"], found["row"], code)]  # the file and row it came from
        scale = 100 if percent[code] else 1
        shown = row[labels[6]].value
        assert (None if shown is None else shown * scale) == pytest.approx(sent["value"])
        assert row[labels[10]].value == names[found["sha256"]] and row[labels[12]].value == sent["row"]
        received = sent["received_at"].astimezone(HANOI).replace(tzinfo=None)
        assert abs(row[labels[13]].value - received) < timedelta(seconds=1)  # spreadsheets keep milliseconds
    assert ws.auto_filter.ref and ws.freeze_panes


def test_a_revised_value_is_marked_with_the_value_it_replaced(wb, lang):
    ws = wb[LABELS[lang]["sheets"]["sources"]]
    labels = headers("sheet_sources", lang)
    rows = _table(ws, _header_row(ws, labels[0]))
    revised = next(r for r in rows if r[labels[0]].value == "01.05" and r[labels[1]].value == "00073")
    assert revised[labels[6]].value == pytest.approx(0.857) and revised[labels[14]].value == pytest.approx(0.886)
    assert revised[labels[15]].value == "2024-Q4_00073.xlsx" and revised[labels[10]].value == "2024-Q4_00073_v2.csv"
    assert revised[labels[6]].fill.fgColor.rgb == "FFFFF2CC"
    plain = next(r for r in rows if r[labels[15]].value is None)
    assert plain[labels[6]].fill.fgColor.rgb != "FFFFF2CC"


# --- what arrived ---------------------------------------------------------------------------------


def test_the_files_sheet_shows_what_became_of_every_file(wb, demo_batch, lang):
    text = LABELS[lang]
    ws = wb[text["sheets"]["files"]]
    labels = headers("sheet_files", lang)
    rows = {r[labels[0]].value: r for r in _table(ws, _header_row(ws, labels[0]))}
    mismatch = rows["2024-Q4_005.xlsx"]  # a 2024-Q3 template sent as 2024-Q4: rejected, shown with 2024-Q4
    assert mismatch[labels[8]].value == text["outcome"]["rejected"]
    message = demo_batch.issues.filter(pl.col("file") == "2024-Q4_005.xlsx", pl.col("code") == "template-mismatch")
    assert message[f"message_{lang}"].item() in mismatch[labels[9]].value
    partial = rows["2024-Q4_016.csv"]
    assert partial[labels[8]].value == text["outcome"]["partial"] and "type-error" in partial[labels[9]].value
    assert (partial[labels[5]].value, partial[labels[6]].value + partial[labels[7]].value) == (
        partial[labels[5]].value, partial[labels[5]].value)  # rows read = accepted + rejected
    # Only the period's files: the 2024-Q3 reports are not in the 2024-Q4 workbook.
    assert not [n for n in rows if n.startswith("2024-Q3_")]
    assert "2024-Q4_00073_v2.csv" in rows
    resent = rows["2024-Q4_00340_gui_lai.xlsx"]  # sent again unchanged: a duplicate naming the original
    assert resent[labels[8]].value == text["outcome"]["duplicate"] and resent[labels[5]].value == 0
    assert "'2024-Q4_00340.xlsx'" in resent[labels[9]].value


def test_the_issues_sheet_holds_the_periods_issues_with_unit_and_period(wb, intake, lang):
    ws = wb[LABELS[lang]["sheets"]["issues"]]
    labels = headers("sheet_issues", lang)
    top = _header_row(ws, labels[0])
    rows = [[ws.cell(r, c).value for c in range(1, len(labels) + 1)] for r in range(top + 1, ws.max_row + 1)
            if ws.cell(r, 8).value]
    periods = {r[1] for r in rows}
    assert periods <= {"2024-Q4", "2024", None}, periods
    late = [r for r in rows if r[7] == "late-submission"]
    assert late and all(r[0] and r[1] == "2024-Q4" for r in late)
    assert len(late) < int((intake["code"] == "late-submission").sum())  # other periods' stay out
    hostile = [ws.cell(r, 7) for r in range(top + 1, ws.max_row + 1)
               if ws.cell(r, 7).value in ('=HYPERLINK("http://x")', "@SUM(A1)")]
    assert len(hostile) == 2 and all(c.data_type == "s" for c in hostile)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_a_file_with_many_issues_of_one_code_shows_a_bounded_number(catalog, demo_results, tmp_path):
    many = issues_frame([Issue("type-error", file="2024-Q4_001.xlsx", row=r, column="value", value="x",
                               detail=("số", "a number"), period="2024-Q4", unit_code="001")
                         for r in range(2, 2 + ISSUES_PER_CODE_AND_FILE + 25)]).with_columns(sha256=pl.lit(SHA))
    ledger = frame("ledger", [{"received_at": datetime(2025, 1, 3, tzinfo=timezone.utc), "sha256": SHA,
                               "file_name": "2024-Q4_001.xlsx", "format": "template", "unit_code": "001",
                               "period": "2024-Q4", "rows_read": 80, "rows_accepted": 5, "rows_rejected": 75,
                               "outcome": "partial"}])
    path = write_workbook(demo_results, tmp_path / "r.xlsx", "en", catalog=catalog, ledger=ledger,
                          intake_issues=many, generated_on=GENERATED)
    ws = _load(path)["Data issues"]
    codes = [ws.cell(r, 8).value for r in range(4, ws.max_row + 1)]
    assert codes.count("type-error") == ISSUES_PER_CODE_AND_FILE + 1
    more = next(ws.cell(r, 10).value for r in range(4, ws.max_row + 1) if (ws.cell(r, 10).value or "").startswith("…"))
    assert "25 more type-error issues" in more and "issues-2024-Q4.parquet" in more


def test_files_of_a_period_by_name_content_and_receipt(demo_batch):
    from hanoi_ctr.periods import parse_period

    ledger, issues = files_of_period(demo_batch.ledger, demo_batch.issues, parse_period("2024-Q3"), "calendar",
                                     None, demo_batch.values.select("sha256", "period").unique())
    names = set(ledger["file_name"])
    assert "2024-Q3_09691_v2.csv" in names and "2024-Q4_001.xlsx" not in names
    assert "2024-Q4_005.xlsx" in names  # it holds a 2024-Q3 template
    assert set(issues["sha256"]) <= set(ledger["sha256"])
    cut = files_of_period(demo_batch.ledger, demo_batch.issues, parse_period("2024-Q4"), "calendar",
                          datetime(2025, 1, 1, tzinfo=timezone.utc))[0]
    assert cut.is_empty()  # every demo file arrived on 1 February 2025


# --- one language at a time ------------------------------------------------------------------------

_VIETNAMESE = re.compile("[ăâđêôơưàáạảãằắặẳẵầấậẩẫèéẹẻẽềếệểễìíịỉĩòóọỏõồốộổỗờớợởỡùúụủũừứựửữỳýỵỷỹ]", re.I)
_ENGLISH = re.compile(r"\b(the|and|is|are|not|district|ward|accepted|rejected|partial|short form|recorded|"
                      r"file|rows?|units?|total|rollup|target|progress|expected)\b", re.I)


def _strings(wb, skip_columns: dict[str, set[int]]) -> list[tuple[str, str]]:
    out = []
    for ws in wb:
        skip = skip_columns.get(ws.title, set())
        out += [(ws.title, c.value) for r in ws.iter_rows() for c in r
                if isinstance(c.value, str) and c.column not in skip]
    return out


def test_the_english_workbook_is_english(books, catalog):
    wb = _load(books["en"])
    # Proper names stay as they are: units, file names, the sheets of users' files, what users wrote.
    proper = set(catalog.units["name_vi"]) | {"Chỉ tiêu", "Nhiệm vụ", "Hà Nội", "Tây Hồ"}
    user_columns = {"Data issues": {3, 4, 7}, "Files received": {1, 3}, "Source values": {3, 5, 10, 11, 12, 16},
                    "Units": {2, 4}, "Tasks": {4}}
    leaks = [(sheet, s) for sheet, s in _strings(wb, user_columns) if _VIETNAMESE.search(
        re.sub("|".join(sorted(map(re.escape, proper), key=len, reverse=True)), "", s))]
    # The method quotes Vietnamese terms ("bình quân giai đoạn", a sở) where it explains them.
    allowed = [(sheet, s) for sheet, s in leaks if sheet == "Method"
               and not _VIETNAMESE.search(re.sub(r'"[^"]*"|\bsở\b', "", s))]
    assert [leak for leak in leaks if leak not in allowed] == []
    titles = [wb[program_sheet_name(p["program_code"])]["A1"].value for p in catalog.programs.iter_rows(named=True)]
    assert all(not _VIETNAMESE.search(t) for t in titles), titles
    assert wb["CTr 05"]["A1"].value.endswith("(full title not recorded)")
    assert wb["CTr 10"]["A1"].value == "10-CTr/TU — Work program no. 10 (title not recorded)"


def test_the_vietnamese_workbook_is_vietnamese(books):
    wb = _load(books["vi"])
    # Codes, column names and file names are the contract's identifiers, not English prose.
    identifiers = {"Lỗi dữ liệu": {3, 6, 8}, "Tệp đã nhận": {1}, "Số liệu nguồn": {11, 16}, "Phương pháp": set()}
    leaks = [(sheet, s) for sheet, s in _strings(wb, identifiers)
             if _ENGLISH.search(re.sub(r"`[^`]*`|\b[a-z_]+(-[a-z]+)+\b|\b[a-z]+_[a-z_]+\b", "", s))]
    method = [s for sheet, s in leaks if sheet == "Phương pháp"]
    assert [leak for leak in leaks if leak[0] != "Phương pháp"] == []
    # The method names rules by their identifiers (level, rollup-mismatch) but speaks Vietnamese.
    assert all(not re.search(r"\b(the|and|is)\b", s) for s in method), method


# --- print set-up, sparklines, dates ------------------------------------------------------------------


def test_every_sheet_prints_with_header_footer_and_repeated_titles(wb, catalog, lang):
    page = "Trang &P/&N" if lang == "vi" else "Page &P of &N"
    for ws in wb:
        assert ws.oddFooter.center.text == page, ws.title
        assert ws.oddHeader.right.text, ws.title
        assert ws.page_setup.fitToWidth in (None, 1) and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToHeight == 0, ws.title  # one page wide, as many pages long as it takes
        assert ws.print_area, ws.title
    for program in catalog.programs["program_code"]:
        ws = wb[program_sheet_name(program)]
        assert ws.print_title_rows and ws.oddHeader.left.text == program
        last_row = max(c.row for r in ws.iter_rows() for c in r if c.value is not None and c.column < TREND_COLUMN)
        area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
        assert int(re.findall(r"\d+", area.split(":")[-1])[0]) >= last_row, (program, area)


def test_sparklines_show_hidden_data_one_series_per_frequency(books, catalog, demo_results):
    with zipfile.ZipFile(books["vi"]) as z:
        sheets = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")}
    xml = sheets["xl/worksheets/sheet2.xml"]  # CTr 01
    groups = re.findall(r"<x14:sparklineGroup [^>]*>", xml)
    assert groups and all('displayHidden="1"' in g for g in groups)
    ranges = re.findall(r"<xm:f>'?[^<!]*'?!\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)</xm:f>\s*<xm:sqref>([A-Z]+)(\d+)",
                        xml)
    assert ranges
    trend = demo_results.trend.filter(pl.col("unit_code") == "01")
    wb = _load(books["vi"])
    ws = wb["CTr 01"]
    for first_col, row, last_col, row2, _, at in ranges:
        assert row == row2 == at  # each row's own values
        code = ws.cell(int(row), 1).value
        n = openpyxl.utils.column_index_from_string(last_col) - openpyxl.utils.column_index_from_string(first_col) + 1
        # A category's row beneath its indicator has the same periods as the total's.
        assert n == trend.filter(pl.col("indicator_code") == code, pl.col("category").is_null()).height, code
        values = [ws.cell(int(row), c).value for c in range(TREND_COLUMN + 1, TREND_COLUMN + 1 + n)]
        ind = catalog.indicators.filter(pl.col("indicator_code") == code).row(0, named=True)
        scale = 100 if rules.value_type(ind["value_type"]).percent else 1
        shown = ws.cell(int(row), 9).value
        assert shown is None or values[-1] is None or values[-1] == pytest.approx(shown)  # the shown scale
        assert all(v is None or isinstance(v, (int, float)) for v in values) and scale


def test_the_overview_dates_are_hanoi_dates_and_labelled(wb, demo_batch, lang):
    text = LABELS[lang]
    ws = wb[text["sheets"]["overview"]]
    found = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 8)}
    assert found[text["generated"]] == datetime(2025, 2, 3)
    last = demo_batch.ledger["received_at"].max().astimezone(HANOI).replace(tzinfo=None)
    assert abs(found[text["as_of"]] - last) < timedelta(seconds=1)


def test_same_inputs_same_bytes(catalog, demo_batch, demo_results, books, intake, tmp_path):
    again = write_workbook(demo_results, tmp_path / "again.xlsx", "vi", catalog=catalog, ledger=demo_batch.ledger,
                           intake_issues=intake, generated_on=GENERATED)
    assert again.read_bytes() == books["vi"].read_bytes()


def test_an_illustrative_task_is_marked_and_never_overdue(wb, demo_results, lang):
    text = LABELS[lang]
    ws = wb[text["sheets"]["tasks"]]
    cols = headers("sheet_tasks", lang)
    rows = _table(ws, _header_row(ws, cols[0]))
    assert len(rows) == demo_results.task_status.height
    t09 = next(r for r in rows if r[cols[0]].value == "01.T09")  # illustrative, due 2022-Q2, not completed
    assert t09[cols[2]].value.endswith(" *") and t09[cols[7]].value is None
    t01 = next(r for r in rows if r[cols[0]].value == "01.T01")
    assert not t01[cols[2]].value.endswith(" *")
    assert sum(1 for r in rows if r[cols[7]].value) == int(demo_results.task_status["overdue"].sum())


# --- a reviewable snapshot of the specification --------------------------------------------------------


def _snapshot_text(spec) -> str:
    """A reviewable text form of the spec: every non-empty cell of the overview and program tables."""
    lines = []
    for sheet in spec.sheets:
        lines.append(f"== {sheet.name} ({len(sheet.cells)} cells, {len(sheet.merges)} merges, "
                     f"{len(sheet.charts)} charts, {len(sheet.sparklines)} sparklines)")
        if sheet.name in ("Số liệu nguồn", "Lỗi dữ liệu", "Tệp đã nhận", "Phương pháp", "Đơn vị"):
            continue
        for cell in sorted(sheet.cells, key=lambda c: (c.row, c.col)):
            if cell.value is None or cell.col >= 24 or cell.row > 40:
                continue
            value = f"{cell.value:.6g}" if isinstance(cell.value, float) else str(cell.value)
            lines.append(f"{cell.row},{cell.col}\t{value}")
    return "\n".join(lines) + "\n"


def test_report_spec_snapshot(catalog, demo_batch, demo_results):
    from hanoi_ctr import __version__

    inputs = ReportInputs(demo_results, catalog, demo_batch.ledger, demo_batch.issues, Settings(), GENERATED,
                          __version__)
    text = _snapshot_text(build_report(inputs))
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8"), "run with UPDATE_SNAPSHOTS=1 and review the diff"
