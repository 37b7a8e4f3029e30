"""The Prefect flows: load inputs, process, save outputs — each task one call of the library.

Task granularity follows what was measured: a Prefect task run costs ~3-5 ms
locally and ~90 ms on Dask, so tasks are coarse — one ingest task per group
of districts (`pipeline.partition`), one rollup, one write — never one per file.
A run whose outputs were made from the same archive, catalog, settings and
as-of (`pipeline.unchanged`) keeps them and says so, without rolling up.
Only the I/O tasks (ingest, write) retry, and only on I/O errors (`OSError`). The period's outputs are written
under a file lock held by the library (`hanoi_ctr.locks`), which also guards
runs started outside Prefect; no server-side concurrency limit is needed.
Each flow reads the settings and loads the catalog once, and hands both to
every task.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from prefect import flow, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.states import State

from hanoi_ctr import pipeline
from hanoi_ctr.catalog import Catalog, load_catalog
from hanoi_ctr.engine.results import Results
from hanoi_ctr.intake.ingest import Batch
from hanoi_ctr.periods import Period
from hanoi_ctr.settings import Settings


def only_io(task: object, task_run: object, state: State) -> bool:
    """Tell Prefect to retry a failed task only when it failed on I/O (an `OSError`), not on a bug."""
    try:
        state.result()
    except OSError:
        return True
    except BaseException:
        return False
    return False


IO_RETRIES = {"retries": 2, "retry_delay_seconds": 5, "retry_condition_fn": only_io}


@task(name="ingest-files", **IO_RETRIES)
def ingest_files(files: list[Path], catalog: Catalog, settings: Settings, period: str | None) -> Batch:
    return pipeline.ingest_files(files, catalog, settings, period)


@task(name="roll-up")
def compute(catalog: Catalog, settings: Settings, period: Period, as_of: str | None = None) -> Results:
    return pipeline.compute(catalog, settings, period, pipeline.parse_as_of(as_of))


@task(name="find-unchanged")
def find_unchanged(catalog: Catalog, settings: Settings, period: Period, as_of: str | None,
                   lang: str | None) -> pipeline.Outputs | None:
    return pipeline.unchanged(catalog, settings, period, pipeline.parse_as_of(as_of), lang)


@task(name="write-outputs", **IO_RETRIES)
def write_outputs(results: Results, catalog: Catalog, settings: Settings, lang: str | None) -> pipeline.Outputs:
    return pipeline.write_outputs(results, catalog, settings, lang)


@task(name="issue-templates", **IO_RETRIES)
def write_templates(catalog: Catalog, settings: Settings, period: Period) -> list[Path]:
    return pipeline.issue_templates(catalog, settings, period)


@task(name="find-missing")
def find_missing(catalog: Catalog, settings: Settings, period: Period) -> pl.DataFrame:
    return pipeline.missing_submissions(catalog, settings, period)


@task(name="write-reminder", **IO_RETRIES)
def write_reminder(missing: pl.DataFrame, settings: Settings, period: Period) -> Path:
    return pipeline.write_reminder(missing, settings, period)


def _inputs() -> tuple[Catalog, Settings]:
    settings = Settings.from_env()
    return load_catalog(settings.catalog_dir, cache=settings.cache_dir), settings


def _rollup(period: Period, catalog: Catalog, settings: Settings, lang: str | None, parts: int,
            ingest_inbox: bool, as_of: str | None = None) -> str:
    batches = []
    if ingest_inbox:
        groups = pipeline.partition(pipeline.inbox_files(settings), parts, catalog)
        batches = [f.result() for f in ingest_files.map(groups, unmapped(catalog), unmapped(settings),
                                                        unmapped(None))]
    outputs = find_unchanged(catalog, settings, period, as_of, lang)
    if outputs is None:
        outputs = write_outputs(compute(catalog, settings, period, as_of), catalog, settings, lang)
    else:
        print(f"Outputs of {period} unchanged (same archive, catalog, settings and as-of): kept as they were")
    _publish(outputs, batches)
    return str(outputs.workbook)


def _publish(outputs: pipeline.Outputs, batches: list[Batch]) -> None:
    create_markdown_artifact(key="rollup-summary", markdown=pipeline.summary_markdown(outputs, batches),
                             description=f"Rollup {outputs.period}")


@flow(name="quarterly-rollup", log_prints=True)
def quarterly_rollup(period: str | None = None, lang: str | None = None, parts: int = 2,
                     ingest_inbox: bool = True, as_of: str | None = None) -> str:
    """Ingest the inbox and roll up a quarter (default: the one whose deadline just passed).

    `as_of` (a Hanoi date or time) reproduces a past rollup from the files received by then.
    """
    catalog, settings = _inputs()
    chosen = pipeline.resolve_period(period, "quarter", catalog, settings)
    return _rollup(chosen, catalog, settings, lang, parts, ingest_inbox, as_of)


@flow(name="rollup", log_prints=True)
def rollup(period: str | None = None, kind: str = "year", lang: str | None = None, parts: int = 2,
           ingest_inbox: bool = True, as_of: str | None = None) -> str:
    """Roll up a half year, a year or the term to date (default: the latest closed one of `kind`).

    `as_of` (a Hanoi date or time) reproduces a past rollup from the files received by then.
    """
    catalog, settings = _inputs()
    chosen = pipeline.resolve_period(period, kind, catalog, settings)
    return _rollup(chosen, catalog, settings, lang, parts, ingest_inbox, as_of)


@flow(name="issue-templates", log_prints=True)
def issue_templates(period: str | None = None) -> int:
    """Write the templates of every reporting unit (default: the quarter that just ended)."""
    catalog, settings = _inputs()
    chosen = pipeline.resolve_period(period, "quarter", catalog, settings, closing=True)
    paths = write_templates(catalog, settings, chosen)
    create_markdown_artifact(key="templates", markdown=f"{len(paths)} templates for {chosen} in "
                             f"`{paths[0].parent if paths else settings.output}`")
    return len(paths)


@flow(name="completeness-reminder", log_prints=True)
def completeness_reminder(period: str | None = None) -> int:
    """List who has not submitted yet for the quarter whose deadline is coming (CSV and artifact)."""
    catalog, settings = _inputs()
    chosen = pipeline.resolve_period(period, "quarter", catalog, settings, closing=True)
    missing = find_missing(catalog, settings, chosen)
    path = write_reminder(missing, settings, chosen)
    create_table_artifact(key="missing-submissions", table=missing.head(500).to_dicts(),
                          description=f"Units that have not submitted for {chosen} ({missing.height}); {path}")
    return missing.height
