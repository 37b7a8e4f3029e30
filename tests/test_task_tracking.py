"""Tasks: latest status, due and overdue, counts per program and lead agency."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest
from synthetic_catalog import SHA, frame

from hanoi_ctr.engine.tasks import task_status, task_summary
from hanoi_ctr.periods import parse_period

TASKS = frame(
    "tasks",
    [
        {
            "task_code": "01.T01",
            "program_code": "01-CTr/TU",
            "lead_unit_code": "SO-A",
            "due_period": "2024-Q2",
        },
        {
            "task_code": "01.T02",
            "program_code": "01-CTr/TU",
            "lead_unit_code": "SO-A",
            "due_period": "2024-Q2",
        },
        {
            "task_code": "01.T03",
            "program_code": "01-CTr/TU",
            "lead_unit_code": "SO-B",
            "due_period": "2024-Q3",
        },
        {"task_code": "01.T04", "program_code": "01-CTr/TU", "lead_unit_code": "SO-B", "due_period": None},
        {
            "task_code": "02.T01",
            "program_code": "02-CTr/TU",
            "lead_unit_code": "SO-A",
            "due_period": "2024-Q1",
        },
        {"task_code": "02.T02", "program_code": "02-CTr/TU", "lead_unit_code": "SO-A", "due_period": "2023"},
    ],
)


def _report(task: str, period: str, status: str, day: int, **extra) -> dict:
    return {
        "unit_code": "SO-A",
        "period": period,
        "task_code": task,
        "status": status,
        "sha256": SHA,
        "row": day,
        "received_at": datetime(2024, 1, 1, tzinfo=UTC).replace(day=day),
        **extra,
    }


PROGRESS = frame(
    "task_progress",
    [
        _report("01.T01", "2024-Q2", "in_progress", 2),
        _report("01.T01", "2024-Q4", "completed", 3, completed_on=date(2024, 11, 20)),  # after 2024-Q3
        _report("01.T02", "2024-Q2", "completed", 4),
        _report("01.T03", "2024-Q3", "in_progress", 5),
        _report("02.T01", "2024-Q1", "cancelled", 6),
        _report("02.T02", "2024-Q1", "in_progress", 7),
        _report("02.T02", "2024-Q1", "completed", 8),  # a revision of the same report: the later file wins
    ],
)


def _status(period: str) -> pl.DataFrame:
    return task_status(TASKS, parse_period(period), PROGRESS)


@pytest.mark.parametrize(
    "task, status, due, overdue",
    [
        ("01.T01", "in_progress", True, True),  # due Q2, still in progress at the end of Q3
        ("01.T02", "completed", True, False),
        ("01.T03", "in_progress", True, False),  # due this quarter: not overdue yet
        ("01.T04", None, False, False),  # no due period: never overdue
        ("02.T01", "cancelled", True, False),
        ("02.T02", "completed", True, False),
    ],
)
def test_status_at_the_end_of_2024_q3(task, status, due, overdue):
    row = _status("2024-Q3").filter(pl.col("task_code") == task).row(0, named=True)
    assert (row["status"], row["is_due"], row["overdue"]) == (status, due, overdue)


def test_a_later_report_completes_the_task():
    row = _status("2024-Q4").filter(pl.col("task_code") == "01.T01").row(0, named=True)
    assert (row["status"], row["reported_period"], row["overdue"]) == ("completed", "2024-Q4", False)
    assert row["completed_on"] == date(2024, 11, 20)
    assert _status("2024-Q4").filter(pl.col("task_code") == "01.T03")["overdue"].item() is True


def test_a_task_never_reported_is_overdue_once_its_period_has_passed():
    out = task_status(TASKS, parse_period("2024-Q3"), None)
    assert out.filter(pl.col("overdue"))["task_code"].to_list() == ["01.T01", "01.T02", "02.T01", "02.T02"]


def test_summary_per_program_and_lead_agency():
    summary = task_summary(_status("2024-Q3"), parse_period("2024-Q3"))
    rows = {(r["program_code"], r["lead_unit_code"]): r for r in summary.iter_rows(named=True)}
    a01 = rows[("01-CTr/TU", "SO-A")]
    assert (a01["n_tasks"], a01["n_due"], a01["n_completed"], a01["n_in_progress"], a01["n_overdue"]) == (
        2,
        2,
        1,
        1,
        1,
    )
    b01 = rows[("01-CTr/TU", "SO-B")]
    assert (b01["n_tasks"], b01["n_due"], b01["n_not_reported"], b01["n_in_progress"]) == (2, 1, 1, 1)
    a02 = rows[("02-CTr/TU", "SO-A")]
    assert (a02["n_cancelled"], a02["n_completed"], a02["n_overdue"]) == (1, 1, 0)


def test_an_illustrative_task_is_due_but_never_overdue():
    tasks = TASKS.with_columns(source=pl.when(pl.col("task_code") == "01.T01").then(pl.lit("illustrative"))
                               .otherwise(pl.lit("https://example.org/program")))
    out = task_status(tasks, parse_period("2024-Q3"), PROGRESS).filter(pl.col("task_code").is_in(["01.T01", "02.T02"]))
    # 01.T01 (due 2024-Q2, in progress at 2024-Q3) would be overdue; its due period is illustrative.
    assert out.select("task_code", "is_due", "overdue").rows() == [("01.T01", True, False), ("02.T02", True, False)]
    assert task_status(tasks, parse_period("2024-Q3"), None).filter(pl.col("overdue"))["task_code"].to_list() == [
        "01.T02", "02.T01", "02.T02"]
