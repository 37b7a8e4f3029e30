"""Review, level by level: who reviews a unit's report, where it stands, and the decisions taken on it.

A unit's report for a period is reviewed by the unit above it in the
catalog's hierarchy in force at the end of the period (`reviewer_of`): a
district reviews its wards; the city reviews the districts, the agencies
and, from 1 July 2025, the communes; the city approves, its own report too.
Where a report stands (`REVIEW_STATES`) is derived from the archive — the
files applied and held — and the decisions of the audit log:

    received ─▶ checked ─▶ accepted ─▶ approved
                   │           │
                   └─▶ returned ◀┘      (the unit's next file restarts at checked)

- `received`: files came but none of them is applied (rejected in full, or
  held by the period lock);
- `checked`: intake accepted rows of it and no decision was taken since its
  latest file;
- `returned`: its reviewing unit (or the city, once it was accepted) sent it
  back with a reason; it stays in the archive, and the unit's next file for
  the period is its revision;
- `accepted`: its reviewing unit accepted it;
- `approved`: the city approved it — from `accepted`, or from `checked`
  where the city is its reviewing unit. A second approval, or a return, is
  refused; a later file restarts the review, and until it is approved again
  an approved-only rollup uses the values as they stood when approved.

Every decision is an audit entry written under the archive's lock after
checking all of a batch: the whole batch is written, or nothing (`Refused`
lists each decision refused and why).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Iterable, Sequence

import polars as pl

from hanoi_ctr.atomic import write_text_atomic
from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare.schemas import polars_schema
from hanoi_ctr.errors import ConfigError, Refused
from hanoi_ctr.intake.audit import Entry
from hanoi_ctr.intake.period_locks import exceptions, pending
from hanoi_ctr.intake.store import Store
from hanoi_ctr.locks import exclusive
from hanoi_ctr.periods import TIMEZONE, Period, PeriodError, parse_period
from hanoi_ctr.settings import Settings

#: Each review action and the state it leads to.
DECISIONS = {"accept": "accepted", "return": "returned", "approve": "approved"}
_SUBMISSION = ("unit_code", "period", "sha256", "received_at")


@dataclass(frozen=True)
class Decision:
    """What one recorded decision changed."""

    unit_code: str | None
    period: str | None
    action: str
    before: str | None
    after: str
    entry: Entry
    files: tuple[str, ...] = ()

    def describe(self) -> str:
        """Return one line saying what changed, who decided, as which unit, when (Hanoi time) and why."""
        when = hanoi(self.entry.at)
        acting = f"{self.entry.reviewer}, " if self.entry.reviewer else ""
        line = (f"{self.unit_code} {self.period}: {self.before or '—'} → {self.after} "
                f"({acting}by {self.entry.by}, {when})")
        if self.entry.reason:
            line += f"; reason: {self.entry.reason}"
        return line + (f"; {', '.join(self.files)}" if self.files else "")


def hanoi(moment: datetime) -> str:
    """Return an instant as Hanoi time for people (`15/01/2025 10:30 Hanoi time`)."""
    return moment.astimezone(TIMEZONE).strftime("%d/%m/%Y %H:%M") + " Hanoi time"


def who(by: str | None) -> str:
    """Return who decides: the name given, else the OS user."""
    name = (by or "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no user name for this uid (a container)
            name = "unknown"
    if any(ch in name for ch in "\r\n"):
        raise ConfigError("--by must be one line")
    return name


def utc_now(now: datetime | None) -> datetime:
    """Return `now` (timezone-aware) in UTC, default the current time."""
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


# --- units, periods and the hierarchy ----------------------------------------------------------


def reviewing_period(catalog: Catalog, period: Period | str) -> Period:
    """Return the period named, or stop (`ConfigError`) when it does not read or no term covers it."""
    try:
        chosen = period if isinstance(period, Period) else parse_period(period)
        catalog.term_named(chosen)
    except PeriodError as exc:
        raise ConfigError(str(exc)) from None
    return chosen


def units_then(catalog: Catalog, period: Period, settings: Settings) -> dict[str, dict]:
    """Return unit code → record (name, level, parent) of the units in force at the end of the period."""
    return {u["unit_code"]: u for u in catalog.units_at(period, settings.calendar).iter_rows(named=True)}


def known_unit(catalog: Catalog, code: str, period: Period, units: dict[str, dict]) -> dict:
    """Return a unit's record at the end of the period, or stop (`ConfigError`) saying why there is none."""
    if code in units:
        return units[code]
    if code in set(catalog.units["unit_code"]):
        raise ConfigError(f"unit {code} is not in force at the end of {period}; name a unit of that period")
    raise ConfigError(f"unknown unit {code!r}: it is not in the catalog")


def reviewer_of(catalog: Catalog, unit: dict) -> str:
    """Return the unit that reviews `unit`'s report: its parent then, the city for the city."""
    return unit.get("parent_code") or catalog.city


# --- where each report stands ------------------------------------------------------------------


def review_states(catalog: Catalog, settings: Settings, *, period: Period | str | None = None,
                  as_of: datetime | None = None) -> pl.DataFrame:
    """Return where each unit's report stands (the `review_states` table), for one period or all.

    `as_of` gives the states as they were then: files received and decisions recorded by that instant.
    """
    store = Store(settings.archive)
    return states(store, catalog, settings, store.audit.entries(), period=period, as_of=as_of)


def states(store: Store, catalog: Catalog, settings: Settings, entries: Sequence[Entry], *,
           period: Period | str | None = None, as_of: datetime | None = None) -> pl.DataFrame:
    """Return the review states from an archive and its (verified) audit entries."""
    entries = [e for e in entries if as_of is None or e.at <= as_of]
    only = None if period is None else str(period if isinstance(period, Period) else parse_period(period))
    applied = _applied(store, as_of, only)
    held = _pending(store, entries, as_of, only)
    rejected = store.received().filter(pl.col("outcome") == "rejected", pl.col("unit_code").is_not_null(),
                                       pl.col("period").is_not_null())
    if as_of is not None:
        rejected = rejected.filter(pl.col("received_at") <= as_of)
    pairs = sorted(set(applied) | set(held) | set(rejected.select("unit_code", "period").iter_rows()),
                   key=lambda p: (p[1], p[0]))
    pairs = [p for p in pairs if only is None or p[1] == only]
    decided: dict[tuple[str, str], list[Entry]] = {}
    for e in entries:
        if e.action in DECISIONS:
            decided.setdefault((e.unit_code, e.period), []).append(e)  # type: ignore[arg-type]
    hierarchy: dict[str, dict[str, dict]] = {}
    rows = []
    for unit, p in pairs:
        if p not in hierarchy:
            hierarchy[p] = units_then(catalog, parse_period(p), settings)
        record = hierarchy[p].get(unit)
        rows.append(_state(unit, p, record, catalog, applied.get((unit, p), []), held.get((unit, p), 0),
                           decided.get((unit, p), [])))
    return pl.DataFrame(rows, schema=polars_schema("review_states"), orient="row")


def _applied(store: Store, as_of: datetime | None, only: str | None) -> dict[tuple[str, str], list[datetime]]:
    """Return (unit, period) → receipt times of the files whose rows are applied."""
    rows = pl.concat([store.history().select(_SUBMISSION), store.task_history().select(_SUBMISSION)])
    if as_of is not None:
        rows = rows.filter(pl.col("received_at") <= as_of)
    if only is not None:
        rows = rows.filter(pl.col("period") == only)
    files = rows.group_by("unit_code", "period", "sha256").agg(pl.col("received_at").min())
    files = files.sort("received_at")
    out: dict[tuple[str, str], list[datetime]] = {}
    for unit, p, _, at in files.iter_rows():
        out.setdefault((unit, p), []).append(at)
    return out


def _pending(store: Store, entries: Sequence[Entry], as_of: datetime | None, only: str | None
             ) -> dict[tuple[str, str], int]:
    """Return (unit, period) → number of files held by the period lock and not applied yet."""
    values, tasks = store.held()
    rows = pl.concat([values.select(_SUBMISSION), tasks.select(_SUBMISSION)])
    if as_of is not None:
        rows = rows.filter(pl.col("received_at") <= as_of)
    if only is not None:
        rows = rows.filter(pl.col("period") == only)
    waiting = pending(rows, exceptions(entries)).group_by("unit_code", "period").agg(
        pl.col("sha256").n_unique())
    return {(u, p): n for u, p, n in waiting.iter_rows()}


def _state(unit: str, period: str, record: dict | None, catalog: Catalog, files: list[datetime], held: int,
           decided: list[Entry]) -> dict:
    latest = max(files) if files else None
    since = [e for e in decided if latest is not None and e.at > latest]
    last = since[-1] if since else None
    approvals = [e.at for e in decided if e.action == "approve"]
    state = "received" if latest is None else DECISIONS[last.action] if last else "checked"
    return {"period": period, "unit_code": unit, "unit_level": record["level"] if record else None,
            "reviewer_code": reviewer_of(catalog, record) if record else None, "review_state": state,
            "n_files": len(files), "received_at": latest, "n_held": held,
            "decided_at": last.at if last else None, "decided_by": last.by if last else None,
            "reason": last.reason if last else None, "approved_at": approvals[-1] if approvals else None}


def awaiting(catalog: Catalog, settings: Settings, reviewer: str | None = None,
             period: Period | str | None = None, *, every_state: bool = False) -> pl.DataFrame:
    """Return the reports awaiting a reviewing unit (default the city): the checked ones it reviews, and
    for the city also those accepted, which await its approval.

    `every_state` returns every report the unit reviews (the city: every report), whatever its state.
    """
    reviewer = reviewer or catalog.city
    if reviewer not in set(catalog.units["unit_code"]):
        raise ConfigError(f"unknown unit {reviewer!r}: it is not in the catalog")
    if period is not None:
        period = reviewing_period(catalog, period)
    found = review_states(catalog, settings, period=period)
    is_city = reviewer == catalog.city
    if every_state:
        return found if is_city else found.filter(pl.col("reviewer_code") == reviewer)
    mine = (pl.col("review_state") == "checked") & (pl.col("reviewer_code") == reviewer)
    return found.filter(mine | (pl.col("review_state") == "accepted") if is_city else mine)


# --- decisions -----------------------------------------------------------------------------------


def decide(catalog: Catalog, settings: Settings, action: str, units: Iterable[str], period: Period | str, *,
           reviewer: str | None = None, by: str | None = None, reason: str | None = None,
           now: datetime | None = None) -> list[Decision]:
    """Record one review action on some units' reports for a period, as the reviewing unit `reviewer`.

    Every decision is checked first, under the archive's lock: if any is refused, none is written
    (`Refused` says why for each). Unknown units or periods, a missing reason, a unit not in force
    then are `ConfigError`s.
    """
    if action not in DECISIONS:
        raise ConfigError(f"unknown review action {action!r}: {', '.join(DECISIONS)}")
    reason = (reason or "").strip() or None
    if action == "return" and reason is None:
        raise ConfigError("a report is returned with a reason: give --reason")
    chosen = reviewing_period(catalog, period)
    units_at = units_then(catalog, chosen, settings)
    reviewer = reviewer or catalog.city
    known_unit(catalog, reviewer, chosen, units_at)
    codes = list(dict.fromkeys(units))
    if not codes:
        raise ConfigError("name the units to act on (--unit, or --all for every report awaiting)")
    for code in codes:
        known_unit(catalog, code, chosen, units_at)
    name, store, moment = who(by), Store(settings.archive), utc_now(now)
    with exclusive(store.lock_path):
        entries = store.audit.entries()
        now_states = {r["unit_code"]: r for r in states(store, catalog, settings, entries, period=chosen)
                      .iter_rows(named=True)}
        refused = [why for code in codes
                   if (why := _refusal(action, code, str(chosen), now_states.get(code), reviewer, catalog))]
        if refused:
            raise Refused(refused)
        files = _files(store, str(chosen))
        drafts = [{"by": name, "action": action, "unit_code": code, "period": str(chosen),
                   "reviewer": reviewer, "reason": reason, "files": files.get(code, ())} for code in codes]
        written = store.audit.append(drafts, moment, after=store.last_receipt())
    return [Decision(e.unit_code, e.period, action, now_states[e.unit_code]["review_state"],
                     DECISIONS[action], e) for e in written]


def accept(catalog: Catalog, settings: Settings, units: Iterable[str], period: Period | str,
           **kw) -> list[Decision]:
    """Accept units' reports for a period as their reviewing unit (`reviewer=`, default the city)."""
    return decide(catalog, settings, "accept", units, period, **kw)


def return_(catalog: Catalog, settings: Settings, units: Iterable[str], period: Period | str, *, reason: str,
            **kw) -> list[Decision]:
    """Return units' reports for a period with a reason; the unit's next file is its revision.

    Beside the reason (`returned_folder`), each returned file comes back to its officer as a
    feedback file: a copy with its problems marked (`feedback.feedback_file`).
    """
    decisions = decide(catalog, settings, "return", units, period, reason=reason, **kw)
    write_returned(decisions, settings)
    return decisions


def returned_folder(settings: Settings, unit: str, period: str) -> Path:
    """Return where a returned report's reason and feedback files are written: output/returned/<period>/<unit>."""
    return settings.output / "returned" / period / unit


class _Archived:
    """The archive's received files' names and their issues, read once, when a returned file needs them."""

    def __init__(self, settings: Settings) -> None:
        self.store = Store(settings.archive)

    @cached_property
    def names(self) -> dict[str, str]:
        received = self.store.received().select("sha256", "file_name").unique("sha256", keep="first")
        return dict(received.iter_rows())

    @cached_property
    def issues(self) -> pl.DataFrame:
        return self.store.issues()


def write_returned(decisions: Iterable[Decision], settings: Settings, archived: _Archived | None = None
                   ) -> list[Path]:
    """Write, per returned report, `ly-do-tra-lai.txt` (the reason, who, when) and a feedback file per file.

    `archived`: the archive's names and issues as already read (decisions one by one share them).
    """
    from hanoi_ctr.intake.feedback import feedback_file  # openpyxl is loaded only to write feedback

    archived = archived or _Archived(settings)
    store = archived.store
    written: list[Path] = []
    for d in decisions:
        if d.action != "return" or d.unit_code is None or d.period is None:
            continue
        folder = returned_folder(settings, d.unit_code, d.period)
        reason = (f"Báo cáo {d.period} của đơn vị {d.unit_code} bị trả lại lúc {hanoi(d.entry.at)} (giờ Hà Nội) "
                  f"bởi {d.entry.by}.\nLý do: {d.entry.reason}\n"
                  f"Report {d.period} of unit {d.unit_code} returned at {hanoi(d.entry.at)} (Hanoi time) "
                  f"by {d.entry.by}.\nReason: {d.entry.reason}\n")
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(folder / "ly-do-tra-lai.txt", reason)
        written.append(folder / "ly-do-tra-lai.txt")
        for sha in d.entry.files:
            path = store.file_path(sha)
            if path is None:
                continue
            mine = archived.issues.filter(pl.col("sha256") == sha)
            copy = feedback_file(path, mine, folder, name=archived.names.get(sha, path.name), settings=settings)
            if copy is not None:
                written.append(copy)
    return written


def approve(catalog: Catalog, settings: Settings, units: Iterable[str], period: Period | str,
            **kw) -> list[Decision]:
    """Approve units' reports for a period, as the city."""
    return decide(catalog, settings, "approve", units, period, **kw)


def choices(catalog: Catalog, settings: Settings, reviewer: str | None = None,
            period: Period | str | None = None) -> list[dict]:
    """Return the reports awaiting a reviewing unit, each with its name, state and the actions it may take.

    What a review form lists (the Prefect review flow): unit_code, period, name, review_state,
    n_files, reason and `actions` (a subset of accept, return, approve).
    """
    reviewer = reviewer or catalog.city
    out, names = [], {}
    for r in awaiting(catalog, settings, reviewer, period).iter_rows(named=True):
        if r["period"] not in names:
            names[r["period"]] = units_then(catalog, parse_period(r["period"]), settings)
        unit = names[r["period"]].get(r["unit_code"], {})
        actions = tuple(a for a in DECISIONS
                        if _refusal(a, r["unit_code"], r["period"], r, reviewer, catalog) is None)
        out.append({"unit_code": r["unit_code"], "period": r["period"], "name": unit.get("name_vi"),
                    "review_state": r["review_state"], "n_files": r["n_files"], "reason": r["reason"],
                    "actions": actions})
    return out


def apply(catalog: Catalog, settings: Settings, reviewer: str | None,
          decisions: Iterable[tuple[str, str, str, str]], *, by: str | None = None,
          now: datetime | None = None) -> list[str]:
    """Take review decisions one by one, (unit_code, period, action, reason) each; return a line per decision.

    Unlike `decide` on a batch, each is its own record: one refused (its line says why) does not
    hold back the others. What a review form sends back is applied this way.
    """
    lines, archived = [], _Archived(settings)
    for unit, period, action, reason in decisions:
        try:
            done, = decide(catalog, settings, action, [unit], period, reviewer=reviewer, by=by,
                           reason=reason, now=now)
            lines.append(done.describe())
            lines += [f"  → {path}" for path in write_returned([done], settings, archived)]
        except (Refused, ConfigError) as exc:
            lines.append(f"refused: {exc}")
    return lines


def record_rollup(catalog: Catalog, settings: Settings, period: Period | str, decision: str,
                  note: str | None, *, by: str | None = None, files: Sequence[str] = (),
                  now: datetime | None = None) -> Entry:
    """Record the city's decision on a draft rollup workbook (`approve` or `return`) with its note."""
    if decision not in ("approve", "return"):
        raise ConfigError(f"a draft rollup is approved or returned, not {decision!r}")
    chosen = reviewing_period(catalog, period)
    store = Store(settings.archive)
    with exclusive(store.lock_path):
        draft = {"by": who(by), "action": f"rollup-{decision}", "unit_code": catalog.city,
                 "period": str(chosen), "reviewer": catalog.city, "reason": (note or "").strip() or None,
                 "files": tuple(files)}
        entry, = store.audit.append([draft], utc_now(now), after=store.last_receipt())
    return entry


def _files(store: Store, period: str) -> dict[str, tuple[str, ...]]:
    """Return unit → the SHA-256 of its files applied for the period, in receipt order (decided on)."""
    rows = pl.concat([store.history().select(_SUBMISSION), store.task_history().select(_SUBMISSION)]).filter(
        pl.col("period") == period)
    files = rows.group_by("unit_code", "sha256").agg(pl.col("received_at").min())
    files = files.sort("received_at", "sha256")
    out: dict[str, tuple[str, ...]] = {}
    for unit, sha, _ in files.iter_rows():
        out[unit] = (*out.get(unit, ()), sha)
    return out


def _refusal(action: str, unit: str, period: str, row: dict | None, actor: str, catalog: Catalog
             ) -> str | None:
    """Return why `actor` may not take `action` on the report, or None when it may."""
    head = f"{unit} {period}: cannot {action}"
    if row is None:
        return f"{head}: nothing was ever received from {unit} for {period}"
    state, reviewer, city = row["review_state"], row["reviewer_code"], catalog.city
    if state == "received":
        return (f"{head}: none of its files is applied (rejected, or held by the period lock); nothing to "
                "review yet")
    outside = f"{head}: it is reviewed by {reviewer}, not by {actor}"
    if action == "approve":
        if actor != city:
            return f"{head}: only the city ({city}) approves; {actor} accepts or returns"
        if state == "accepted" or (state == "checked" and reviewer == city):
            return None
        return _done(head, row) if state != "checked" else f"{head}: it awaits acceptance by {reviewer} first"
    if action == "accept":
        if actor != reviewer:
            return outside
        return None if state == "checked" else _done(head, row)
    if (actor == reviewer and state in ("checked", "accepted")) or (actor == city and state == "accepted"):
        return None
    return _done(head, row) if state in ("returned", "approved") else outside


def _done(head: str, row: dict) -> str:
    """Return why a report cannot be decided on again: what was decided, by whom, when."""
    when = f"by {row['decided_by']} on {hanoi(row['decided_at'])}" if row["decided_at"] else ""
    if row["review_state"] == "approved":
        return (f"{head}: already approved {when}; an approved report is final (a new file restarts its "
                "review)")
    if row["review_state"] == "returned":
        return f"{head}: returned {when} ({row['reason']}); it awaits the unit's revision"
    return f"{head}: already {row['review_state']} {when}"


# --- what a rollup uses --------------------------------------------------------------------------


def rollup_inputs(store: Store, settings: Settings, as_of: datetime | None = None
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the value and task history a rollup uses: all of it, or with `approved_only` only what the
    city approved, each unit's report as it stood when last approved (by `as_of`)."""
    values, tasks = store.history(), store.task_history()
    if not settings.approved_only:
        return values, tasks
    approvals = approved_at(store.audit.entries(), as_of)
    return approved_only(values, approvals), approved_only(tasks, approvals)


def approved_at(entries: Iterable[Entry], as_of: datetime | None = None) -> pl.DataFrame:
    """Return (unit_code, period, approved_at): the latest approval of each report recorded by `as_of`."""
    rows = {(e.unit_code, e.period): e.at for e in entries
            if e.action == "approve" and (as_of is None or e.at <= as_of)}
    schema = {"unit_code": pl.String, "period": pl.String, "approved_at": pl.Datetime("us", "UTC")}
    return pl.DataFrame([(u, p, at) for (u, p), at in rows.items()], orient="row", schema=schema)


def approved_only(history: pl.DataFrame, approvals: pl.DataFrame) -> pl.DataFrame:
    """Return the rows of a history that an approval covers: received by the report's latest approval."""
    return (history.join(approvals, on=["unit_code", "period"], how="inner")
            .filter(pl.col("received_at") <= pl.col("approved_at")).select(history.columns))
