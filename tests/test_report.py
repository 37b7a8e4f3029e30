"""The rollup workbook: read back, values equal the engine's, safe text, snapshot, real LibreOffice render."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import DEMO_NOW, ROOT

from hanoi_ctr.declare.issues import Issue, issues_frame
from hanoi_ctr.declare.vocabulary import STATUSES
from hanoi_ctr.report.build import build_report, write_workbook
from hanoi_ctr.report.inputs import ReportInputs
from hanoi_ctr.report.labels import words
from hanoi_ctr.report.program import program_sheet_name
from hanoi_ctr.report.styles import headers

LABELS = {lang: words(lang) | {"cols": headers("sheet_indicators", lang), "unit_cols": headers("sheet_units", lang),
                               "issue_cols": headers("sheet_issues", lang), "task_cols": headers("sheet_tasks", lang)}
          for lang in ("vi", "en")}

SNAPSHOT = ROOT / "tests" / "snapshots" / "report-2024-Q4.txt"


def _load(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():  # openpyxl does not read sparklines
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def hostile_issue() -> pl.DataFrame:
    return issues_frame([Issue("type-error", file="x.csv", row=5, column="note", value='=HYPERLINK("http://x")',
                               detail=("số", "a number")),
                         Issue("type-error", file="x.csv", row=6, column="note", value="@SUM(A1)",
                               detail=("số", "a number"))])


@pytest.fixture(scope="module")
def workbook(catalog, demo_batch, demo_results, hostile_issue, tmp_path_factory) -> Path:
    intake = pl.concat([demo_batch.issues, hostile_issue])
    return write_workbook(demo_results, tmp_path_factory.mktemp("wb") / "rollup.xlsx", catalog=catalog,
                          ledger=demo_batch.ledger, intake_issues=intake)


def test_sheets_are_named_from_codes(workbook, catalog):
    names = _load(workbook).sheetnames
    programs = [program_sheet_name(c) for c in catalog.programs.sort("number")["program_code"]]
    vi = LABELS["vi"]["sheets"]
    assert names == [vi["overview"], *programs, vi["units"], vi["tasks"], vi["issues"], vi["method"]]
    assert all(len(n) <= 31 for n in names)


def test_program_sheet_headers_and_values_equal_the_engine(workbook, catalog, demo_results):
    wb = _load(workbook)
    city = demo_results.results.filter(pl.col("unit_code") == "01")
    kinds = dict(catalog.indicators.select("indicator_code", "value_type").iter_rows())
    checked = 0
    for program in catalog.programs["program_code"]:
        ws = wb[program_sheet_name(program)]
        header = next(r for r in range(1, 10) if ws.cell(r, 1).value == LABELS["vi"]["cols"][0])
        assert [ws.cell(header, c).value for c in range(1, 15)] == LABELS["vi"]["cols"]
        for r in range(header + 1, ws.max_row + 1):
            code = ws.cell(r, 1).value
            if code is None:
                break
            row = city.filter(pl.col("indicator_code") == code)
            if row.is_empty() or row["value"].item() is None:
                continue
            value = ws.cell(r, 6)
            assert value.data_type == "n"
            shown_as_percent = "%" in value.number_format
            assert shown_as_percent or kinds[code] != "percent"  # percentages are never plain numbers
            assert value.value * (100 if shown_as_percent else 1) == pytest.approx(row["value"].item())
            status = ws.cell(r, 10).value
            assert status == LABELS["vi"]["status"][row["result_status"].item()]
            checked += 1
    assert checked >= 20


def test_every_status_appears_with_its_label(workbook):
    wb = _load(workbook)
    overview = wb[LABELS["vi"]["sheets"]["overview"]]
    header = next(r for r in range(1, 20) if overview.cell(r, 1).value == LABELS["vi"]["program"])
    labels = [overview.cell(header, c).value for c in range(2, 2 + len(STATUSES))]
    assert labels == [LABELS["vi"]["status"][s] for s in STATUSES]
    units = wb[LABELS["vi"]["sheets"]["units"]]
    first = len(LABELS["vi"]["unit_cols"]) + 1
    assert [units.cell(1, c).value for c in range(first, first + len(STATUSES))] == labels
    totals = [sum(units.cell(r, c).value or 0 for r in range(2, units.max_row + 1))
              for c in range(first, first + len(STATUSES))]
    # The demo samples two wards per district: only the city's sums fall short of their reports.
    unit_statuses = [s for s in STATUSES if s != "incomplete"]
    assert all(t > 0 for s, t in zip(STATUSES, totals, strict=True) if s in unit_statuses), totals
    overview_totals = [sum(overview.cell(r, c).value or 0 for r in range(header + 1, header + 11))
                       for c in range(2, 2 + len(STATUSES))]
    assert overview_totals[STATUSES.values.index("incomplete")] > 0, overview_totals


def test_text_from_users_stays_text(workbook):
    ws = _load(workbook)[LABELS["vi"]["sheets"]["issues"]]
    cells = [ws.cell(r, 5) for r in range(2, ws.max_row + 1)]
    hostile = [c for c in cells if c.value in ('=HYPERLINK("http://x")', "@SUM(A1)")]
    assert len(hostile) == 2 and all(c.data_type == "s" for c in hostile)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_units_and_tasks_sheets(workbook, demo_results):
    wb = _load(workbook)
    units = wb[LABELS["vi"]["sheets"]["units"]]
    assert units.auto_filter.ref and units.freeze_panes
    rates = [units.cell(r, 9).value for r in range(2, units.max_row + 1)]
    assert all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in rates if v is not None)
    tasks = wb[LABELS["vi"]["sheets"]["tasks"]]
    assert tasks.max_row - 1 == demo_results.task_status.height
    overdue = sum(1 for r in range(2, tasks.max_row + 1) if tasks.cell(r, 8).value)
    assert overdue == int(demo_results.task_status["overdue"].sum())


def test_english_workbook(catalog, demo_batch, demo_results, tmp_path):
    path = write_workbook(demo_results, tmp_path / "en.xlsx", "en", catalog=catalog, ledger=demo_batch.ledger)
    names = _load(path).sheetnames
    assert names[0] == "Overview" and names[-1] == "Method"


def test_same_inputs_same_bytes(catalog, demo_batch, demo_results, tmp_path, workbook, hostile_issue):
    intake = pl.concat([demo_batch.issues, hostile_issue])
    again = write_workbook(demo_results, tmp_path / "again.xlsx", catalog=catalog, ledger=demo_batch.ledger,
                           intake_issues=intake)
    assert again.read_bytes() == workbook.read_bytes()


def _snapshot_text(spec) -> str:
    """A reviewable text form of the spec: every non-empty cell of the overview and program tables."""
    lines = []
    for sheet in spec.sheets:
        lines.append(f"== {sheet.name} ({len(sheet.cells)} cells, {len(sheet.merges)} merges, "
                     f"{len(sheet.charts)} charts, {len(sheet.sparklines)} sparklines)")
        for cell in sorted(sheet.cells, key=lambda c: (c.row, c.col)):
            if cell.value is None or cell.col >= 14 or cell.row > 60:
                continue
            value = f"{cell.value:.6g}" if isinstance(cell.value, float) else str(cell.value)
            lines.append(f"{cell.row},{cell.col}\t{value}")
    return "\n".join(lines) + "\n"


def test_report_spec_snapshot(catalog, demo_batch, demo_results):
    from hanoi_ctr import __version__
    from hanoi_ctr.settings import Settings

    inputs = ReportInputs(demo_results, catalog, demo_batch.ledger, demo_batch.issues, Settings(), DEMO_NOW,
                          __version__)
    text = _snapshot_text(build_report(inputs))
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8"), "run with UPDATE_SNAPSHOTS=1 and review the diff"


@pytest.fixture(scope="module")
def pdf(workbook, tmp_path_factory) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) must be installed in CI")
        pytest.skip("LibreOffice (soffice) is not installed here; .ci/run installs it")
    out = tmp_path_factory.mktemp("pdf")
    profile = out / "profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(workbook)], check=True, capture_output=True, timeout=180)
    return out / "rollup.pdf"


def test_libreoffice_renders_every_program_and_the_legend(pdf, catalog):
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages"))) >= 11
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for program in catalog.programs.iter_rows(named=True):
        assert f"{program['program_code']} — {program['title_vi'][:30]}" in text, program["program_code"]
    for status in STATUSES:
        assert LABELS["vi"]["status"][status] in text
