"""The Prefect flows, under a session-scoped test harness, equal the library API."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from hanoi_ctr import pipeline
from hanoi_ctr.catalog import load_catalog
from hanoi_ctr.settings import Settings

PERIOD = "2024-Q4"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """A small inbox: the demo submissions of a few districts and agencies for 2024."""
    from flows.demo import demo_inbox

    folder = tmp_path_factory.mktemp("inbox")
    for path in sorted(demo_inbox().rglob("*")):
        if path.is_file() and ("2024" in path.name or "2024" in str(path.parent)):
            target = folder / path.relative_to(demo_inbox())
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    return folder


def _env(monkeypatch, inbox: Path, data: Path) -> Settings:
    monkeypatch.setenv("HANOI_CTR_INBOX_DIR", str(inbox))
    monkeypatch.setenv("HANOI_CTR_DATA_DIR", str(data))
    return Settings.from_env()


@pytest.fixture(scope="module")
def library_outputs(inbox, tmp_path_factory) -> pipeline.Outputs:
    settings = Settings(inbox_dir=inbox, data_dir=tmp_path_factory.mktemp("library"))
    catalog = load_catalog()
    for group in pipeline.partition(pipeline.inbox_files(settings), 2, catalog):
        pipeline.ingest_files(group, catalog, settings)
    return pipeline.write_outputs(pipeline.compute(catalog, settings, PERIOD), catalog, settings)


def _same_outputs(path: Path, expected: pipeline.Outputs) -> None:
    folder = Path(path).parent
    assert_frame_equal(pl.read_parquet(folder / f"results-{PERIOD}.parquet"), pl.read_parquet(expected.results))
    got = pl.read_parquet(folder / f"issues-{PERIOD}.parquet").sort(pl.all())
    assert_frame_equal(got, pl.read_parquet(expected.issues).sort(pl.all()))


def test_quarterly_rollup_flow_equals_the_library(prefect_harness, monkeypatch, tmp_path, inbox, library_outputs):
    from flows.pipelines import quarterly_rollup

    settings = _env(monkeypatch, inbox, tmp_path / "flow")
    workbook = quarterly_rollup(period=PERIOD)
    assert Path(workbook) == settings.output / f"rollup-{PERIOD}.xlsx" and Path(workbook).is_file()
    _same_outputs(workbook, library_outputs)


def test_the_flow_publishes_a_summary_artifact(prefect_harness, monkeypatch, tmp_path, inbox):
    from prefect.client.orchestration import get_client

    from flows.pipelines import quarterly_rollup

    _env(monkeypatch, inbox, tmp_path / "artifact")
    state = quarterly_rollup(period=PERIOD, return_state=True)
    import asyncio

    async def artifact():
        async with get_client() as client:
            from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

            found = await client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
            return [a.data for a in found]

    [markdown] = asyncio.run(artifact())
    assert f"# Rollup {PERIOD}" in markdown and "rollup-2024-Q4.xlsx" in markdown and "| `" in markdown


def test_half_year_and_term_rollups(prefect_harness, monkeypatch, tmp_path, inbox):
    from flows.pipelines import rollup

    settings = _env(monkeypatch, inbox, tmp_path / "half")
    assert Path(rollup(period="2024-H2")).name == "rollup-2024-H2.xlsx"
    term = rollup(kind="term", period="2021-2025", ingest_inbox=False)
    assert Path(term).name == "rollup-2021-2025.xlsx"
    assert pl.read_parquet(settings.output / "results-2021-2025.parquet").height > 0


def test_templates_and_reminder_flows(prefect_harness, monkeypatch, tmp_path, inbox):
    from flows.pipelines import completeness_reminder, issue_templates

    settings = _env(monkeypatch, inbox, tmp_path / "remind")
    assert issue_templates(period=PERIOD) > 30
    assert len(list((settings.output / "templates" / PERIOD).glob("*.xlsx"))) > 30
    missing = completeness_reminder(period=PERIOD)
    csv = pl.read_csv(settings.output / f"missing-{PERIOD}.csv", schema_overrides={"unit_code": pl.String})
    assert csv.height == missing > 0
    assert (csv["n_received"] < csv["n_expected"]).all()


def test_two_runs_for_the_same_period_do_not_interleave(prefect_harness, monkeypatch, tmp_path, inbox,
                                                       library_outputs):
    from flows.pipelines import quarterly_rollup

    settings = _env(monkeypatch, inbox, tmp_path / "twice")
    with ThreadPoolExecutor(2) as pool:
        paths = list(pool.map(lambda _: quarterly_rollup(period=PERIOD), range(2)))
    assert paths[0] == paths[1]
    _same_outputs(paths[0], library_outputs)
    leftovers = [p.name for p in settings.output.iterdir() if p.name.startswith(".") and p.name != ".locks"]
    assert leftovers == []
    ledger = pipeline.Store(settings.archive).ledger()
    taken = ledger.filter(pl.col("outcome") != "duplicate")
    assert taken["sha256"].is_unique().all()  # every file taken once, the other run's copy a duplicate


def test_dask_runner_gives_the_same_results(prefect_harness, monkeypatch, tmp_path, inbox, library_outputs):
    from flows.pipelines import quarterly_rollup
    from flows.scale import dask_runner

    _env(monkeypatch, inbox, tmp_path / "dask")
    workbook = quarterly_rollup.with_options(task_runner=dask_runner())(period=PERIOD)
    _same_outputs(workbook, library_outputs)


@pytest.mark.parametrize("error, runs", [(OSError("disk busy"), 3), (ValueError("a bug"), 1)])
def test_io_tasks_retry_on_io_errors_only(prefect_harness, monkeypatch, error, runs):
    from prefect import flow

    from flows import pipelines

    calls = []

    def failing(*args, **kwargs):
        calls.append(error)
        raise error

    monkeypatch.setattr(pipeline, "ingest_files", failing)
    task = pipelines.ingest_files.with_options(retry_delay_seconds=0)

    @flow
    def ingest_once() -> None:
        task([], None, None, None)

    assert ingest_once(return_state=True).is_failed()
    assert len(calls) == runs  # the first run and, on I/O errors only, the two retries


def test_every_retrying_task_retries_on_io_errors_only():
    from flows import pipelines

    retrying = [t for t in vars(pipelines).values() if getattr(t, "retries", 0)]
    assert {t.name for t in retrying} == {"ingest-files", "write-outputs", "write-draft", "issue-templates",
                                            "write-reminder"}
    assert all(t.retry_condition_fn is pipelines.only_io for t in retrying)


def test_without_the_citys_decision_in_time_the_draft_stays_a_draft(prefect_harness, monkeypatch, tmp_path,
                                                                      inbox):
    from flows.pipelines import quarterly_rollup
    from hanoi_ctr.intake.audit import AuditLog

    settings = _env(monkeypatch, inbox, tmp_path / "flow")
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    state = quarterly_rollup(period=PERIOD, await_approval=True, approval_timeout=2, poll_interval=1,
                             return_state=True)
    assert state.is_failed()
    with get_client(sync_client=True) as client:
        said, = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]),
            key=ArtifactFilterKey(any_=["rollup-decision"])))
    assert "the draft stays a draft" in said.data and "nothing final is written" in said.data
    assert (settings.output / "draft" / f"rollup-{PERIOD}.xlsx").is_file()
    assert not (settings.output / f"rollup-{PERIOD}.xlsx").exists()
    assert AuditLog(settings.archive).entries() == ()
