"""The rollup workbook analysts receive, built as a plain specification.

`build_report` turns the engine's `Results` (plus the catalog, the ledger of
input files and the intake issues) into a `WorkbookSpec`; `write_workbook`
renders it with `workbook.render`, atomically. Sheets: overview, one per
program, units, tasks, files received, data issues, source values, method.
Vietnamese by default, English on request; each workbook in one language.

Numbers are numeric cells with number formats: percent indicators are
written as fractions with a percent format (90.5 → 90.5 %), achievement and
progress likewise; text that came from users is written as text. The same
inputs, settings, as-of instant and generation date give the same bytes.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare.schemas import empty_frame
from hanoi_ctr.engine.results import Results
from hanoi_ctr.report.files import files_of_period, files_sheet, issues_sheet
from hanoi_ctr.report.inputs import ReportInputs, generation_date
from hanoi_ctr.report.labels import words
from hanoi_ctr.report.lineage import crosses, lineage_sheet
from hanoi_ctr.report.method import method_sheet
from hanoi_ctr.report.overview import overview_sheet
from hanoi_ctr.report.program import city_rows, program_sheet
from hanoi_ctr.report.review import review_sheet
from hanoi_ctr.report.sheets import tasks_sheet, units_sheet
from hanoi_ctr.report.sources import sources_sheet
from hanoi_ctr.settings import Settings
from hanoi_ctr.version import __version__
from hanoi_ctr.workbook.render import render
from hanoi_ctr.workbook.sheetspec import WorkbookSpec, options


def write_workbook(results: Results, path: Path | str, lang: str = "vi", *, catalog: Catalog,
                   ledger: pl.DataFrame | None = None, intake_issues: pl.DataFrame | None = None,
                   settings: Settings | None = None, generated_on: date | None = None,
                   include_wards: bool = False, review: pl.DataFrame | None = None) -> Path:
    """Write the rollup workbook for `results` to `path` (atomically); return the path.

    `ledger` and `intake_issues` may hold every file: the workbook shows
    those of the period received by the results' as-of instant. `settings`
    None means the defaults; `generated_on` None means today in Hanoi. `review` (the
    `review_states` of the archive) adds the review sheet and marks the values not approved.
    """
    settings = settings or Settings()
    catalog = catalog.for_period(results.period)
    ledger, issues = files_of_period(
        ledger if ledger is not None else empty_frame("ledger"),
        intake_issues if intake_issues is not None else empty_frame("issues"),
        results.period, settings.calendar, results.as_of, results.file_periods)
    inputs = ReportInputs(results, catalog, ledger, issues, settings, generated_on or generation_date(),
                          __version__, review)
    return render(build_report(inputs, lang, include_wards), path)


def build_report(inputs: ReportInputs, lang: str = "vi", include_wards: bool = False) -> WorkbookSpec:
    """Return the workbook specification of a rollup."""
    text = words(lang)
    programs = inputs.catalog.programs.sort("number")
    sheets = [overview_sheet(inputs, text)]
    city = city_rows(inputs, lang)
    sheets += [program_sheet(inputs, text, p, include_wards, city) for p in programs.iter_rows(named=True)]
    sheets += [units_sheet(inputs, text), tasks_sheet(inputs, text), files_sheet(inputs, text),
               issues_sheet(inputs, text), sources_sheet(inputs, text)]
    sheets += [lineage_sheet(inputs, text)] if crosses(inputs) else []
    sheets += [review_sheet(inputs, text)] if inputs.review is not None else []
    sheets += [method_sheet(inputs, text)]
    period = inputs.results.period
    created = datetime.combine(inputs.generated_on, datetime.min.time())
    props = options(title=f"{text['title']} — {period}", subject=str(period), author="hanoi_ctr",
                    company=text["company"], created=created,
                    comments=f"hanoi_ctr {inputs.software_version}; catalog {inputs.catalog.version}")
    return WorkbookSpec(tuple(sheets), props)
