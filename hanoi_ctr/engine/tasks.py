"""Thematic tasks: latest reported status, due and overdue, counts per program and lead agency.

A task's status is the one in the latest report up to the end of the
requested period (revisions resolved first). A task is due when its due
period ends by the end of the requested period, and overdue when its due
period ended before the requested period ends and it is neither completed
nor cancelled (a task never reported counts as not completed). Tasks without
a due period are never due nor overdue, and an illustrative task's due period
is illustrative too: such a task can be due, never overdue.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from hanoi_ctr.intake.revisions import TASK_KEY, current
from hanoi_ctr.periods import Period
from hanoi_ctr.spans import bounds, with_span

_DONE = ("completed", "cancelled")


def task_status(tasks: pl.DataFrame, period: Period, progress: pl.DataFrame | None,
                as_of: datetime | None = None) -> pl.DataFrame:
    """Return one row per task with its latest status, `is_due` and `overdue` at the period's end."""
    last = bounds(period)[1]
    latest = _latest(progress, last, as_of)
    frame = with_span(tasks, "due_period", "_d").join(latest, on="task_code", how="left")
    due_ended = pl.col("_d_last").is_not_null()
    sourced = pl.col("source").ne_missing("illustrative")
    return frame.select(
        period=pl.lit(str(period)), task_code="task_code", program_code="program_code",
        lead_unit_code="lead_unit_code", due_period="due_period", status="status",
        completed_on="completed_on",
        reported_period="reported_period",
        is_due=(due_ended & (pl.col("_d_last") <= last)).fill_null(False),
        overdue=(due_ended & sourced & (pl.col("_d_last") < last) & ~pl.col("status").is_in(_DONE).fill_null(False))
        .fill_null(False),
        sha256="sha256", sheet="sheet", row="row",
    ).sort("task_code")


def _latest(progress: pl.DataFrame | None, last: int, as_of: datetime | None) -> pl.DataFrame:
    columns = {"task_code": pl.String, "status": pl.String, "completed_on": pl.Date,
               "reported_period": pl.String, "sha256": pl.String, "sheet": pl.String, "row": pl.Int64}
    if progress is None or progress.is_empty():
        return pl.DataFrame(schema=columns)
    rows = with_span(current(progress, TASK_KEY, as_of), "period", "_r").filter(pl.col("_r_last") <= last)
    rows = rows.sort("_r_last", "received_at", "row", nulls_last=False).unique("task_code", keep="last")
    return rows.select(*[c for c in columns if c != "reported_period"], reported_period="period")


def task_summary(status: pl.DataFrame, period: Period) -> pl.DataFrame:
    """Return task counts per program and lead agency."""
    def count(value: str) -> pl.Expr:
        return (pl.col("status") == value).sum().cast(pl.Int64)

    return status.group_by("program_code", "lead_unit_code").agg(
        n_tasks=pl.len().cast(pl.Int64), n_due=pl.col("is_due").sum().cast(pl.Int64),
        n_completed=count("completed"), n_in_progress=count("in_progress"),
        n_not_started=count("not_started"),
        n_cancelled=count("cancelled"), n_not_reported=pl.col("status").is_null().sum().cast(pl.Int64),
        n_overdue=pl.col("overdue").sum().cast(pl.Int64),
    ).with_columns(period=pl.lit(str(period))).sort("program_code", "lead_unit_code")
