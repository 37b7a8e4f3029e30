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

Review happens in the browser too: `review-submissions` pauses with a form
listing the reports awaiting one reviewing unit (accept, return with a
reason, approve), and `quarterly-rollup` with `await_approval` publishes a
draft workbook and pauses for the city's approve or return; approve writes
the final workbook from the same results, return keeps the draft, and no
decision within `approval_timeout` seconds fails the run with the draft
left a draft. Both answers come through Prefect's run input (the UI's
Resume form or the API) and are recorded in the archive's audit log.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from prefect import flow, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.states import Completed, Failed, State

from flows.approval import CityDecision, review_form
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


@task(name="write-draft", **IO_RETRIES)
def write_draft(results: Results, catalog: Catalog, settings: Settings, lang: str | None) -> pipeline.Outputs:
    return pipeline.write_draft(results, catalog, settings, lang)


@task(name="record-decision")
def record_decision(catalog: Catalog, settings: Settings, draft: pipeline.Outputs, decision: str, note: str,
                    by: str) -> str:
    return pipeline.record_rollup_decision(catalog, settings, draft, decision, note, by)


@task(name="review-choices")
def review_choices(catalog: Catalog, settings: Settings, reviewer: str | None, period: str | None
                   ) -> list[dict]:
    return pipeline.review_choices(catalog, settings, reviewer, period)


@task(name="apply-review")
def apply_review(catalog: Catalog, settings: Settings, reviewer: str | None,
                 decisions: list[tuple[str, str, str, str]], by: str) -> list[str]:
    return pipeline.apply_review(catalog, settings, reviewer, decisions, by)


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
            ingest_inbox: bool, as_of: str | None = None, approval: tuple[int, int] | None = None
            ) -> str | State:
    batches = []
    if ingest_inbox:
        groups = pipeline.partition(pipeline.inbox_files(settings), parts, catalog)
        batches = [f.result() for f in ingest_files.map(groups, unmapped(catalog), unmapped(settings),
                                                        unmapped(None))]
    outputs = find_unchanged(catalog, settings, period, as_of, lang) if approval is None else None
    if outputs is not None:
        print(f"Outputs of {period} unchanged (same archive, catalog, settings and as-of): kept as they were")
    else:
        results = compute(catalog, settings, period, as_of)
        if approval is not None:
            draft = write_draft(results, catalog, settings, lang)
            undecided = _await_city(draft, catalog, settings, *approval)
            if undecided is not None:
                return undecided
        outputs = write_outputs(results, catalog, settings, lang)
    _publish(outputs, batches)
    return str(outputs.workbook)


def _await_city(draft: pipeline.Outputs, catalog: Catalog, settings: Settings, timeout: int, poll: int
                ) -> State | None:
    """Pause for the city's decision on the draft; None when approved, else the state the run ends in."""
    create_markdown_artifact(key="rollup-draft", markdown=pipeline.draft_markdown(draft, timeout),
                             description=f"Draft rollup {draft.period}")
    form = CityDecision.with_initial_data(description=pipeline.draft_markdown(draft, timeout))
    try:
        answer = pause_flow_run(wait_for_input=form, timeout=timeout, poll_interval=poll)
    except FlowPauseTimeout:  # the server fails the run ("never resumed"); artifact and log say what follows
        said = pipeline.no_decision_markdown(draft, timeout)
        print(said)
        create_markdown_artifact(key="rollup-decision", markdown=said)
        return Failed(message=said)
    said = record_decision(catalog, settings, draft, answer.decision, answer.note, answer.by)
    print(said)
    create_markdown_artifact(key="rollup-decision", markdown=said)
    if answer.decision == "return":
        return Completed(name="Returned", message=f"{said}; the draft stays a draft",
                         data=str(draft.workbook))
    return None


def _publish(outputs: pipeline.Outputs, batches: list[Batch]) -> None:
    create_markdown_artifact(key="rollup-summary", markdown=pipeline.summary_markdown(outputs, batches),
                             description=f"Rollup {outputs.period}")


@flow(name="quarterly-rollup", log_prints=True)
def quarterly_rollup(period: str | None = None, lang: str | None = None, parts: int = 2,
                     ingest_inbox: bool = True, as_of: str | None = None, await_approval: bool = False,
                     approval_timeout: int = 7 * 24 * 3600, poll_interval: int = 10) -> str | State:
    """Ingest the inbox and roll up a quarter (default: the one whose deadline just passed).

    `as_of` (a Hanoi date or time) reproduces a past rollup from the files received by then. With
    `await_approval` the workbook is first written as a draft (`<output>/draft/`) and the run pauses
    for the city's decision (its Resume form, `CityDecision`): approve writes the final workbook from
    the same results; return keeps the draft and ends the run `Returned`; no decision within
    `approval_timeout` seconds fails the run, the draft still a draft and nothing final written.
    """
    catalog, settings = _inputs()
    chosen = pipeline.resolve_period(period, "quarter", catalog, settings)
    approval = (approval_timeout, poll_interval) if await_approval else None
    return _rollup(chosen, catalog, settings, lang, parts, ingest_inbox, as_of, approval)


@flow(name="review-submissions", log_prints=True)
def review_submissions(reviewer: str | None = None, period: str | None = None, timeout: int = 7 * 24 * 3600,
                       poll_interval: int = 10) -> list[str]:
    """List the reports awaiting a reviewing unit (default the city) and pause for its decisions.

    The Resume form has one choice per report (leave, accept, return, approve: those it may take) and
    a reason; each decision is recorded in the audit log, and a table artifact says what changed.
    Without an answer within `timeout` seconds the run fails and nothing is recorded.
    """
    catalog, settings = _inputs()
    rows = review_choices(catalog, settings, reviewer, period)
    who = reviewer or catalog.city
    if not rows:
        create_markdown_artifact(key="review", markdown=f"Nothing awaits review by {who}.")
        return []
    form = review_form(rows, who)
    answer = pause_flow_run(wait_for_input=form, timeout=timeout, poll_interval=poll_interval)
    lines = apply_review(catalog, settings, reviewer, answer.decisions(rows), answer.by)
    for line in lines:
        print(line)
    table = [{"decision": line} for line in lines] or [{"decision": "none"}]
    create_table_artifact(key="review", table=table,
                          description=f"Review by {who} ({answer.by})")
    return lines


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
