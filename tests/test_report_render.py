"""The workbook and a template printed through a real LibreOffice, read back from the PDF.

Every program title and indicator name must be printed whole (a row too
short for its wrapped text cuts the last lines off), in each language,
with the page footer; a template's instructions print one page wide.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pdf_words import shows, words

from hanoi_ctr.declare.vocabulary import STATUSES
from hanoi_ctr.intake.templates import make_templates
from hanoi_ctr.report.build import write_workbook
from hanoi_ctr.report.labels import words as labels
from hanoi_ctr.report.styles import indicator_name, program_title
from hanoi_ctr.workbook.render import render
from hanoi_ctr.workbook.sheetspec import SheetBuilder, WorkbookSpec, style


@pytest.fixture(scope="module")
def catalog(xvii):
    """These tests are about term XVII: the catalog as it sees it."""
    return xvii


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) must be installed in CI")
        pytest.skip("LibreOffice (soffice) is not installed here; .ci/run installs it")
    return found


def _pdf(paths: list[Path], out: Path) -> list[Path]:
    """Print workbooks to PDF with LibreOffice (one run, its own profile)."""
    subprocess.run([_soffice(), f"-env:UserInstallation=file://{out / 'profile'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(out), *map(str, paths)], check=True, capture_output=True, timeout=300)
    return [out / f"{p.stem}.pdf" for p in paths]


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))


@pytest.fixture(scope="module")
def pdfs(catalog, demo_batch, demo_results, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    books = [write_workbook(demo_results, out / f"rollup-{lang}.xlsx", lang, catalog=catalog,
                            ledger=demo_batch.ledger, intake_issues=demo_batch.issues, generated_on=date(2025, 2, 3))
             for lang in ("vi", "en")]
    # A control: a cell whose row is far too short for its wrapped text.
    b = SheetBuilder("Control")
    b.width(0, 10)
    b.put(0, 0, "alpha beta gamma delta epsilon zeta eta theta iota kappa", style(text_wrap=True))
    b.height(0, 15)
    control = render(WorkbookSpec((b.build(),)), out / "control.xlsx")
    template = make_templates(catalog, "2024-Q4", out / "templates", units=["001"])[0]
    return dict(zip(("vi", "en", "control", "template"), _pdf([*books, control, template], out), strict=True))


def test_a_clipped_cell_is_detected(pdfs):
    found = words(pdfs["control"])
    # Part of the text prints (bottom-aligned, the last lines), the whole of it does not.
    assert shows(found, "kappa") and not shows(found, "alpha beta gamma delta epsilon zeta eta theta iota kappa")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_title_and_indicator_name_prints_whole(pdfs, catalog, lang):
    text = labels(lang)
    found = words(pdfs[lang])
    missing = [p["program_code"] for p in catalog.programs.iter_rows(named=True)
               if not shows(found, f"{p['program_code']} — {program_title(p, text)}")]
    missing += [i["indicator_code"] for i in catalog.indicators.iter_rows(named=True)
                if not shows(found, indicator_name(i, lang) + (" *" if i["source"] == "illustrative" else ""))]
    assert missing == []
    assert shows(found, text["title"])
    for status in STATUSES:
        assert shows(found, text["status"][status]), status
    pages = _pages(pdfs[lang])
    footer = f"Trang 1/{pages}" if lang == "vi" else f"Page 1 of {pages}"
    assert shows(found, footer) and pages >= 12


def test_a_templates_instructions_print_on_one_page_width(pdfs):
    found = words(pdfs["template"])
    first = [w for w in found if w.page == 1]
    assert shows(first, "HƯỚNG DẪN ĐIỀN MẪU BÁO CÁO QUÝ IV/2024")
    # The instructions' words all lie on the first page (one page wide, one page long).
    assert {w.page for w in found if w.text == "HƯỚNG"} == {1}
    assert not [w for w in found if w.page == 2 and w.text.rstrip(".").isdigit() and int(w.text.rstrip(".")) < 3]

