"""When a submission is late: the one definition intake's warnings and the engine's timeliness share.

A submission is on time when the moment it was sent — the date the unit
typed (`submitted_at`), else the moment the file was received — is before
the Hanoi instant its period's deadline passes (`periods.deadline_passed_at`:
the day after the deadline, 00:00 in Asia/Ho_Chi_Minh). Deadlines are worked
out once per distinct period.
"""

from __future__ import annotations

import polars as pl

from hanoi_ctr.periods import Calendar, DeadlineRule, deadline, deadline_passed_at, parse_period


def with_deadlines(frame: pl.DataFrame, calendar: Calendar, rule: DeadlineRule,
                   column: str = "period") -> pl.DataFrame:
    """Add `_deadline` (the instant from which a submission is late, UTC) and `_due` (the last day)."""
    names = frame[column].drop_nulls().unique().sort().to_list()
    periods = [parse_period(p) for p in names]
    table = pl.DataFrame(
        {column: names, "_deadline": [deadline_passed_at(p, calendar, rule) for p in periods],
         "_due": [deadline(p, calendar, rule) for p in periods]},
        schema={column: pl.String, "_deadline": pl.Datetime("us", "UTC"), "_due": pl.Date})
    return frame.join(table, on=column, how="left")


def sent() -> pl.Expr:
    """Return when a submission counts as sent: the date the unit typed, else its receipt."""
    return pl.coalesce("submitted_at", "received_at")


def on_time() -> pl.Expr:
    """Return whether a submission was sent before its deadline passed (needs `with_deadlines`)."""
    return sent() < pl.col("_deadline")
