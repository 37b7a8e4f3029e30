"""Period locks: a period closes some days after its deadline, and a later file for it waits for a decision.

With `Settings.lock_days` set, a period locks at 00:00 Hanoi time that many
days after its deadline has passed (`locked_from`). A row received from then
on for a unit and that period is archived (its batch's `held` part) but not
applied: it is in no value in force, its file's ledger outcome is `held`
when nothing of it was applied, and `period-locked` names the lock date.

A lock exception for a unit and period, recorded in the audit log, applies
every row held for them at the moment it is recorded, and lets the unit's
files for the period through until the end of its `until` day (Hanoi
time); a file after that is held again. A held row is applied as if it had
been received when the exception was recorded, so `Store.values(as_of=t)`
with `t` before that moment does not see it: a rollup as of any time shows
what was in force then. Of several held rows for one unit × period ×
indicator that one exception applies, the one received last is applied.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable

import polars as pl

from hanoi_ctr.declare.issues import Issue
from hanoi_ctr.intake.audit import Entry
from hanoi_ctr.periods import TIMEZONE, Period, deadline_passed_at, parse_period
from hanoi_ctr.settings import Settings

_EXCEPTIONS = {"unit_code": pl.String, "period": pl.String, "_at": pl.Datetime("us", "UTC"),
               "_until": pl.Datetime("us", "UTC")}


def locked_from(period: Period | str, settings: Settings) -> datetime | None:
    """Return the instant (UTC) from which a period is locked, or None when periods never lock.

    >>> from hanoi_ctr.settings import Settings
    >>> locked_from("2024-Q4", Settings(lock_days=90)).astimezone(TIMEZONE).date()
    datetime.date(2025, 4, 6)
    >>> locked_from("2024-Q4", Settings()) is None
    True
    """
    if settings.lock_days is None:
        return None
    period = parse_period(period) if isinstance(period, str) else period
    passed = deadline_passed_at(period, settings.calendar, settings.deadline_rule)
    return (passed + timedelta(days=settings.lock_days)).astimezone(timezone.utc)


def lock_day(moment: datetime) -> str:
    """Return the Hanoi day of a lock instant as people write it (`06/04/2025`)."""
    return moment.astimezone(TIMEZONE).strftime("%d/%m/%Y")


def end_of_day(day: date) -> datetime:
    """Return the last instant (UTC) of a Hanoi day: an exception `--until 2027-01-31` lasts through it."""
    return datetime.combine(day + timedelta(days=1), time(0), TIMEZONE).astimezone(timezone.utc) - timedelta(
        microseconds=1)


def exceptions(entries: Iterable[Entry]) -> pl.DataFrame:
    """Return the lock exceptions of an audit log: unit_code, period, when recorded, the end of their day."""
    rows = [(e.unit_code, e.period, e.at, end_of_day(e.until)) for e in entries
            if e.action == "lock-exception" and e.until is not None]
    return pl.DataFrame(rows, schema=_EXCEPTIONS, orient="row")


def _locks(frame: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    names = frame["period"].drop_nulls().unique().sort().to_list()
    return pl.DataFrame({"period": names, "_locked": [locked_from(p, settings) for p in names]},
                        schema={"period": pl.String, "_locked": pl.Datetime("us", "UTC")})


def held_rows(frame: pl.DataFrame, settings: Settings, excepted: pl.DataFrame) -> pl.Series:
    """Return, per row (unit_code, period, received_at), whether it is held: locked then and not excepted."""
    if settings.lock_days is None or frame.is_empty():
        return pl.Series("held", [False] * frame.height, dtype=pl.Boolean)
    rows = frame.select("unit_code", "period", "received_at").with_row_index("_i").join(
        _locks(frame, settings), on="period", how="left")
    late = rows.filter(pl.col("_locked").is_not_null(), pl.col("received_at") >= pl.col("_locked"))
    let_through = late.join(excepted, on=["unit_code", "period"]).filter(
        pl.col("received_at").is_between(pl.col("_at"), pl.col("_until")))["_i"]
    held = late.filter(~pl.col("_i").is_in(let_through.implode()))["_i"]
    return rows.select(held=pl.col("_i").is_in(held.implode()))["held"]


def applied(held: pl.DataFrame, excepted: pl.DataFrame, key: tuple[str, ...]) -> pl.DataFrame:
    """Return the held rows that lock exceptions applied, each as received when its exception was recorded."""
    if held.is_empty() or excepted.is_empty():
        return held.clear()
    tie = ["row"] if "row" in held.columns else []
    return (held.join(excepted.select("unit_code", "period", "_at"), on=["unit_code", "period"])
            .filter(pl.col("_at") >= pl.col("received_at"))
            # the first exception recorded after a row arrived applies it ...
            .sort("_at").unique(["sha256", *key], keep="first", maintain_order=True)
            # ... and of the rows one exception applies to a key, the one received last stands
            .sort([*key, "_at", "received_at", *tie]).unique([*key, "_at"], keep="last", maintain_order=True)
            .with_columns(received_at=pl.col("_at")).select(held.columns))


def pending(held: pl.DataFrame, excepted: pl.DataFrame) -> pl.DataFrame:
    """Return the held rows that no lock exception has applied yet (none recorded since they came)."""
    if held.is_empty() or excepted.is_empty():
        return held
    done = (held.select("sha256", "unit_code", "period", "received_at")
            .join(excepted.select("unit_code", "period", "_at"), on=["unit_code", "period"])
            .filter(pl.col("_at") >= pl.col("received_at")).select("sha256", "unit_code", "period").unique())
    return held.join(done, on=["sha256", "unit_code", "period"], how="anti")


def locked_issues(held: pl.DataFrame, names: dict[str, str], settings: Settings) -> list[Issue]:
    """Return one `period-locked` per file × unit × period held, naming the day the period locked."""
    if held.is_empty():
        return []
    pairs = held.select("sha256", "unit_code", "period").unique().sort("sha256", "unit_code", "period")
    return [Issue("period-locked", file=names.get(sha), sha256=sha, unit_code=unit, period=period,
                  value=period, detail=lock_day(locked_from(period, settings)))  # type: ignore[arg-type]
            for sha, unit, period in pairs.iter_rows()]
