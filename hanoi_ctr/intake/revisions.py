"""Revisions: which of several submitted values is the one in force.

A later file from the same unit for the same period supersedes earlier
values row by row: for each key the value with the latest `received_at`
wins (files of one ingest run are received in name order; a later row of
the same file wins over an earlier one). Earlier values
stay in history, so `current(values, as_of=t)` reproduces what was known
at time `t`.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

INDICATOR_KEY = ("unit_code", "period", "indicator_code", "category")
TASK_KEY = ("unit_code", "period", "task_code")


def current(history: pl.DataFrame, key: tuple[str, ...] = INDICATOR_KEY, as_of: datetime | None = None
            ) -> pl.DataFrame:
    """Return the rows in force: the latest received per key, ignoring rows received after `as_of`.

    A key column the rows lack (the `category` of values archived before categories existed) is not
    part of their key: each such row is a total.
    """
    key = tuple(k for k in key if k in history.columns)
    if as_of is not None:
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        history = history.filter(pl.col("received_at") <= as_of)
    order = [*key, "received_at", "row"] if "row" in history.columns else [*key, "received_at"]
    return history.sort(order, nulls_last=False, maintain_order=True).unique(
        subset=list(key), keep="last", maintain_order=True)
