"""The rollup workbook analysts receive, built as a plain specification.

`build_report` turns the engine's `Results` (plus the catalog, the ledger of
input files and the intake issues) into a `WorkbookSpec`; `write_workbook`
renders it with `workbook.render`, atomically. Sheets: overview, one per
program, units, tasks, data issues, method. Vietnamese by default, English
on request.

Numbers are numeric cells with number formats: percent indicators are
written as fractions with a percent format (90.5 → 90.5 %), achievement and
progress likewise; text that came from users is written as text. The same
inputs give the same spec, so the same workbook.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare.schemas import empty_frame
from hanoi_ctr.engine.results import Results
from hanoi_ctr.report.inputs import ReportInputs
from hanoi_ctr.report.labels import words
from hanoi_ctr.report.overview import overview_sheet
from hanoi_ctr.report.program import program_sheet
from hanoi_ctr.report.sheets import issues_sheet, method_sheet, tasks_sheet, units_sheet
from hanoi_ctr.settings import Settings
from hanoi_ctr.version import __version__
from hanoi_ctr.workbook.render import render
from hanoi_ctr.workbook.sheetspec import WorkbookSpec, options


def write_workbook(results: Results, path: Path | str, lang: str = "vi", *, catalog: Catalog,
                   ledger: pl.DataFrame | None = None, intake_issues: pl.DataFrame | None = None,
                   settings: Settings | None = None, generated_at: datetime | None = None,
                   include_wards: bool = False) -> Path:
    """Write the rollup workbook for `results` to `path` (atomically); return the path.

    `settings` None means the defaults (`Settings()`).
    """
    ledger = ledger if ledger is not None else empty_frame("ledger")
    received = ledger["received_at"].max() if ledger.height else None
    inputs = ReportInputs(results, catalog, ledger,
                          intake_issues if intake_issues is not None else empty_frame("issues"),
                          settings or Settings(),
                          generated_at or received or datetime(2000, 1, 1, tzinfo=timezone.utc), __version__)
    return render(build_report(inputs, lang, include_wards), path)


def build_report(inputs: ReportInputs, lang: str = "vi", include_wards: bool = False) -> WorkbookSpec:
    """Return the workbook specification of a rollup."""
    text = words(lang)
    programs = inputs.catalog.programs.sort("number")
    sheets = [overview_sheet(inputs, text)]
    sheets += [program_sheet(inputs, text, p, include_wards) for p in programs.iter_rows(named=True)]
    sheets += [units_sheet(inputs, text), tasks_sheet(inputs, text, lang), issues_sheet(inputs, text, lang),
               method_sheet(inputs, text, lang)]
    period = inputs.results.period
    props = options(title=f"{text['title']} — {period}", subject=str(period), author="hanoi_ctr",
                    company="Thành ủy Hà Nội", created=inputs.generated_at.replace(tzinfo=None),
                    comments=f"hanoi_ctr {inputs.software_version}; catalog {inputs.catalog.version}")
    return WorkbookSpec(tuple(sheets), props)
