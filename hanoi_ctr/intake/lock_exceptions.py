"""Lock exceptions: the city's recorded decision to let a unit's files for a locked period through.

`grant(catalog, settings, unit, period, until=…, reason=…)` records a
`lock-exception` entry in the audit log, under the archive's lock. From
that moment every row held for the unit and period is applied (as received
then), and files from the unit for the period received until the end of
the `until` day (Hanoi time) are applied as they come. Refused: an
exception for a period that is not locked (or when periods never lock).
`lock_status` lists a period's lock day, its exceptions and the files held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.errors import ConfigError, Refused
from hanoi_ctr.intake.period_locks import exceptions, lock_day, locked_from, pending
from hanoi_ctr.intake.review import Decision, hanoi, known_unit, reviewing_period, units_then, utc_now, who
from hanoi_ctr.intake.store import Store
from hanoi_ctr.locks import exclusive
from hanoi_ctr.periods import TIMEZONE, Period
from hanoi_ctr.settings import Settings


@dataclass(frozen=True)
class LockStatus:
    """A period's lock: from when, the exceptions recorded, and the files still held."""

    period: str
    locked_from: datetime | None
    exceptions: pl.DataFrame
    held: pl.DataFrame

    def describe(self) -> list[str]:
        """Return lines for people: the lock day, each exception, each file held."""
        if self.locked_from is None:
            return [f"{self.period}: periods never lock (HANOI_CTR_LOCK_DAYS is not set)"]
        lines = [f"{self.period}: locked from {lock_day(self.locked_from)} (00:00 Hanoi time)"]
        lines += [f"  exception {r['unit_code']} until {r['until']} ({hanoi(r['at'])}, by {r['by']}): "
                  f"{r['reason']}" for r in self.exceptions.iter_rows(named=True)]
        lines += [f"  held {r['unit_code']}: {r['file_name']} (received {hanoi(r['received_at'])})"
                  for r in self.held.iter_rows(named=True)]
        return lines


def grant(catalog: Catalog, settings: Settings, unit: str, period: Period | str, *, until: date | str,
          reason: str, by: str | None = None, now: datetime | None = None) -> Decision:
    """Record a lock exception for a unit and period; return it with the held files it applied."""
    chosen = reviewing_period(catalog, period)
    known_unit(catalog, unit, chosen, units_then(catalog, chosen, settings))
    last_day = _day(until)
    moment = utc_now(now)
    if last_day < moment.astimezone(TIMEZONE).date():
        raise ConfigError(f"--until {last_day.isoformat()} is in the past: give the last day the exception "
                          "lasts")
    if not (reason or "").strip():
        raise ConfigError("a lock exception is recorded with a reason: give --reason (the decision's number)")
    lock = locked_from(chosen, settings)
    if lock is None:
        raise Refused(f"{unit} {chosen}: cannot grant a lock exception: periods never lock "
                      "(HANOI_CTR_LOCK_DAYS is not set)")
    if moment < lock:
        raise Refused(f"{unit} {chosen}: cannot grant a lock exception: {chosen} is not locked (it locks on "
                      f"{lock_day(lock)})")
    name, store = who(by), Store(settings.archive)
    with exclusive(store.lock_path):
        held = _held_files(store, unit, str(chosen))
        draft = {"by": name, "action": "lock-exception", "unit_code": unit, "period": str(chosen),
                 "reviewer": catalog.city, "reason": reason.strip(), "until": last_day,
                 "files": tuple(held["sha256"])}
        entry, = store.audit.append([draft], moment, after=store.last_receipt())
    applied = [f"applied {r['file_name']} ({r['rows']} rows held since {hanoi(r['received_at'])})"
               for r in held.iter_rows(named=True)]
    opened = f"open until {last_day.strftime('%d/%m/%Y')}"
    return Decision(unit, str(chosen), "lock-exception", "locked", opened, entry,
                    tuple(applied) or ("no file was held",))


def lock_status(catalog: Catalog, settings: Settings, period: Period | str) -> LockStatus:
    """Return a period's lock day, its exceptions and the files held for it, not applied yet."""
    chosen = reviewing_period(catalog, period)
    store = Store(settings.archive)
    entries = [e for e in store.audit.entries() if e.action == "lock-exception" and e.period == str(chosen)]
    rows = [{"unit_code": e.unit_code, "until": e.until.isoformat() if e.until else None, "at": e.at,
             "by": e.by, "reason": e.reason} for e in entries]
    schema = {"unit_code": pl.String, "until": pl.String, "at": pl.Datetime("us", "UTC"), "by": pl.String,
              "reason": pl.String}
    granted = pl.DataFrame(rows, schema=schema)
    held = _held_files(store, None, str(chosen))
    return LockStatus(str(chosen), locked_from(chosen, settings), granted, held)


def _held_files(store: Store, unit: str | None, period: str) -> pl.DataFrame:
    """Return the files held for a period (one unit's, or all) that no exception has applied yet."""
    values, tasks = store.held()
    cols = ("unit_code", "period", "sha256", "received_at")
    rows = pl.concat([values.select(cols), tasks.select(cols)]).filter(pl.col("period") == period)
    if unit is not None:
        rows = rows.filter(pl.col("unit_code") == unit)
    waiting = pending(rows, exceptions(store.audit.entries()))
    names = store.received().select("sha256", "file_name").unique("sha256", keep="first")
    return (waiting.group_by("unit_code", "sha256").agg(pl.col("received_at").min(), rows=pl.len())
            .join(names, on="sha256", how="left").sort("received_at", "sha256"))


def _day(until: date | str) -> date:
    if isinstance(until, date):
        return until
    try:
        return date.fromisoformat(str(until).strip())
    except ValueError:
        raise ConfigError(f"--until {until!r} is not a date (2027-01-31)") from None
