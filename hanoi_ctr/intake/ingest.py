"""Ingest submissions: read files, check every row, archive, and record what happened.

`validate(paths, catalog)` reads and checks files without storing anything
(what `hanoi-ctr validate` prints). `ingest(paths, catalog, settings)` does
the same for files not seen before, then keeps each file unchanged under its
SHA-256, appends a ledger row per file and stores the accepted values with
their provenance, all in one atomic batch. The same content twice is
`duplicate-file` and changes no value: a copy under another name (a file
sent again) is recorded in the ledger as a duplicate naming the file it
repeats; the same file met again in an inbox ingested twice adds nothing. Rows whose period differs from the
period a file declares (a template's metadata, or a name starting with the
period like `2024-Q3_003.csv`), or from the period the caller names, are
`period-mismatch`. A later file from the same unit and
period supersedes earlier values row by row (`superseded` lists what
changed). A file for a period locked by then (`Settings.lock_days`) is
archived but held: its rows are kept apart and applied only when a lock
exception is recorded (`period_locks`; `period-locked` says so).

Files are read on two threads (fastexcel releases the GIL); the rows of the
whole batch are then checked together, so the fixed cost of schema
validation is paid once per batch, not once per file.
"""

from __future__ import annotations

import dataclasses
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Collection, Iterable, Mapping

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare.issues import Issue, issues_frame
from hanoi_ctr.declare.schemas import empty_frame
from hanoi_ctr.intake.checks import Checked, Context, check
from hanoi_ctr.intake.lateness import on_time, with_deadlines
from hanoi_ctr.intake.layout import named_in
from hanoi_ctr.intake.normalize import date as parse_date
from hanoi_ctr.intake.normalize import text
from hanoi_ctr.intake.period_locks import exceptions, held_rows, locked_issues
from hanoi_ctr.intake.readers import CELL_FACTS, INDICATOR_RAW, TASK_RAW, RawFile, read_file
from hanoi_ctr.intake.revisions import INDICATOR_KEY
from hanoi_ctr.intake.store import Receipt, Store
from hanoi_ctr.locks import exclusive
from hanoi_ctr.periods import TIMEZONE, Period, parse_period
from hanoi_ctr.settings import Settings

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")


@dataclass(frozen=True)
class Batch:
    """What one run made of its files: ledger rows, accepted rows and issues (and rows held by a lock)."""

    ledger: pl.DataFrame
    values: pl.DataFrame
    tasks: pl.DataFrame
    issues: pl.DataFrame
    held: pl.DataFrame = field(default_factory=lambda: empty_frame("indicator_values"))
    held_tasks: pl.DataFrame = field(default_factory=lambda: empty_frame("task_progress"))

    @property
    def has_errors(self) -> bool:
        """Return whether any issue is an error."""
        return bool((self.issues["severity"] == "error").any())


def list_submissions(inbox: Path | str) -> list[Path]:
    """Return what an inbox folder holds (recursively), for reading to take in or report.

    Every file is listed, hidden and Excel lock files too, and each link or hidden folder as
    itself (not followed, not entered), so that reading says why each is not read.
    """
    found = []
    for folder, subfolders, files in os.walk(inbox):
        here = Path(folder)
        for name in list(subfolders):
            if name.startswith(".") or (here / name).is_symlink():
                found.append(here / name)
                subfolders.remove(name)
        found += [here / name for name in files]
    return sorted(found)


def read_submissions(paths: Iterable[Path | str], settings: Settings | None = None,
                     known: Collection[str] = (), progress: Callable[[int, int], None] | None = None
                     ) -> list[RawFile]:
    """Read files into raw text frames (two threads); problems become issues, never exceptions.

    Files whose SHA-256 is in `known` are hashed, not parsed (they will be `duplicate-file`).
    `progress(done, total)` is called after each file. `settings` None means the defaults.
    """
    settings = settings or Settings()
    paths = [Path(p) for p in paths]
    raws = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for raw in pool.map(lambda p: read_file(p, settings, known), paths):
            raws.append(raw)
            if progress:
                progress(len(raws), len(paths))
    return raws


def validate(paths: Iterable[Path | str], catalog: Catalog, settings: Settings | None = None, *,
             period: Period | str | None = None, now: datetime | None = None) -> Batch:
    """Read and check files without storing anything; return what an ingest would record.

    `settings` None means the defaults (`Settings()`), not the environment.
    """
    settings = settings or Settings()
    now = _now(now)
    raws = _drop_duplicates(read_submissions(paths, settings), {})
    return _received(_checked(raws, catalog, settings, period, now), settings, now, current=None)


def ingest(paths: Iterable[Path | str], catalog: Catalog, settings: Settings | None = None, *,
           period: Period | str | None = None, now: datetime | None = None,
           progress: Callable[[int, int], None] | None = None) -> Batch:
    """Ingest files into the archive of `settings.archive`; return this run's batch.

    The files are received when the batch is committed, under the archive's lock, and never
    before the files of the last batch committed: receipt order is commit order. A run that
    started earlier but committed later supersedes the other, and `Store.values(as_of=t)`
    with `t` between two commits sees the first only.

    Args:
        period: the period this inbox is for; rows of another period are `period-mismatch`.
        now: the clock at commit (default: the current time); also decides `future-period`.
        progress: called with (files read, files in all) as reading goes.
        settings: None means the defaults (`Settings()`), not the environment.
    """
    settings = settings or Settings()
    store = Store(settings.archive)
    # Files already in the ledger are hashed, not parsed: they are duplicates whatever they hold.
    raws = read_submissions(paths, settings, known=store.known_files(), progress=progress)

    # Check outside the lock (runs on other files proceed in parallel), then commit under it; if another
    # run committed meanwhile, or the day changed, check again against what is stored then.
    def check(at: datetime) -> tuple[_Checked, pl.DataFrame]:
        marked = _drop_duplicates(raws, store.receipts())
        # Rows are checked against the archive's values; a batch without a row has nothing to compare.
        has_rows = any(raw.rows_read for raw in marked)
        current = store.values() if has_rows else empty_frame("indicator_values")
        return _checked(marked, catalog, settings, period, at, history=current), current

    def state() -> tuple[list[str], str]:  # what another run or a decision would have changed
        return store.batch_names(), store.audit.verify().last_sha256

    seen, at = state(), _now(now)
    checked, current = check(at)
    with exclusive(store.lock_path):
        store.remove_temporaries()
        received = store.next_receipt(_now(now))
        if state() != seen or _day(received) != _day(at):
            checked, current = check(received)
        batch = _received(checked, settings, received, current, exceptions(store.audit.entries()))
        new = {r.sha256: r.path for r in checked.raws if r.received and not _is_duplicate(r)}
        ledger, issues = _recorded(batch, store.ledger())
        if ledger.height:
            store.commit({"ledger": ledger, "values": batch.values, "tasks": batch.tasks, "issues": issues,
                          "held": batch.held, "held_tasks": batch.held_tasks}, new, received)
    return batch


def _recorded(batch: Batch, ledger: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the batch's ledger rows and issues to store: all but the files already in the archive.

    A copy under another name (a file sent again) is recorded as a duplicate, once; the same file
    met again under its own name (an inbox ingested twice) was received already and adds nothing.
    """
    seen = ledger.select("file_name", "sha256").unique()
    rows = batch.ledger.join(seen, on=["file_name", "sha256"], how="anti")
    issues = batch.issues.join(seen.rename({"file_name": "file"}), on=["file", "sha256"], how="anti")
    return rows, issues


def _now(now: datetime | None) -> datetime:
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


def _day(at: datetime) -> date:
    return at.astimezone(TIMEZONE).date()


def _is_duplicate(raw: RawFile) -> bool:
    return any(i.code == "duplicate-file" for i in raw.issues)


def _drop_duplicates(raws: list[RawFile], known: Mapping[str, Receipt]) -> list[RawFile]:
    """Return the files with those already received (or twice in this run) marked as duplicates.

    A duplicate's issue names the file it repeats and when that arrived; it keeps the unit and
    period of that file, for the ledger.
    """
    seen: dict[str, Receipt] = dict(known)
    out = []
    for raw in raws:
        first = seen.get(raw.sha256) if raw.sha256 else None
        if first is not None:
            meta = {k: v for k, v in (("unit_code", first.unit_code), ("period", first.period)) if v}
            raw = dataclasses.replace(raw, indicators=None, tasks=None, meta=meta, issues=[Issue(
                "duplicate-file", file=raw.path.name, sha256=raw.sha256, detail=_same_as(first, raw.sha256))])
        elif raw.sha256:
            seen[raw.sha256] = Receipt(raw.path.name, None, raw.meta.get("unit_code"), raw.meta.get("period"))
        out.append(raw)
    return out


def _same_as(first: Receipt, sha256: str) -> tuple[str, str]:
    """Return what a duplicate repeats, in both languages: the file, when it arrived, the content's hash."""
    digest = f"SHA-256 {sha256[:12]}…"
    if first.received_at is None:
        return (f"giống hệt tệp '{first.file_name}' trong cùng lần gửi, {digest}",
                f"identical to '{first.file_name}' in the same delivery, {digest}")
    at = first.received_at.astimezone(TIMEZONE).strftime("%d/%m/%Y %H:%M")
    return (f"giống hệt tệp '{first.file_name}' đã nhận lúc {at}, {digest}",
            f"identical to '{first.file_name}', received {at} Hanoi time, {digest}")


@dataclass(frozen=True)
class _Checked:
    """The files of a run in receipt order and their rows checked, as if received at `at`."""

    raws: list[RawFile]
    ordered: list[RawFile]
    rows: Checked
    at: datetime


def _checked(raws: list[RawFile], catalog: Catalog, settings: Settings, period: Period | str | None,
             at: datetime, history: pl.DataFrame | None = None) -> _Checked:
    """Check every row of the files, as if they were received at `at` (the date decides `future-period`).

    `history` is what the archive holds already (the units' earlier values, for `scale-mismatch`).
    """
    expected = str(parse_period(period)) if isinstance(period, str) else (str(period) if period else None)
    ordered = receipt_order(raws)
    received = _receipt_times(at, len(ordered))
    indicators = _concat(ordered, received, "indicators", INDICATOR_RAW, expected)
    tasks = _concat(ordered, received, "tasks", TASK_RAW, expected)
    ctx = Context(catalog, _day(at), settings.calendar, history=history)
    return _Checked(raws, ordered, check(indicators, tasks, ctx), at)


def _receipt_times(at: datetime, n: int) -> list[datetime]:
    return [at + timedelta(microseconds=i) for i in range(n)]


def _received(checked: _Checked, settings: Settings, received: datetime, current: pl.DataFrame | None,
              excepted: pl.DataFrame | None = None) -> Batch:
    """Return the batch as received at `received`: rows stamped, lateness, supersession and locks judged then.

    `excepted` holds the archive's lock exceptions (`period_locks.exceptions`); None (validating
    files alone) holds nothing back.
    """
    shift = received - checked.at  # the checks ran on the same day (ingest checks again otherwise)
    rows = dataclasses.replace(
        checked.rows, values=checked.rows.values.with_columns(pl.col("received_at") + shift),
        tasks=checked.rows.tasks.with_columns(pl.col("received_at") + shift))
    raws = checked.raws
    file_issues = [i for raw in raws for i in raw.issues]
    names = {r.sha256: r.path.name for r in raws}
    held_v, held_t, applied = _held(rows, settings, excepted)
    # Supersession is an ingest matter: validating files alone reports none; held rows supersede nothing.
    superseded = [] if current is None else _superseded(applied, current, names)
    warnings = _late(rows, names, settings) + superseded
    held = pl.concat([f.select("sha256", "unit_code", "period") for f in (held_v, held_t)])
    warnings += locked_issues(held, names, settings)
    issues = issues_frame(file_issues + rows.issues + warnings)
    ledger = _ledger(checked.ordered, _receipt_times(received, len(checked.ordered)), rows)
    ledger = _mark_held(ledger, held_v, held_t, applied)
    return Batch(ledger, applied.values, applied.tasks, issues, held_v, held_t)


def _held(rows: Checked, settings: Settings, excepted: pl.DataFrame | None
          ) -> tuple[pl.DataFrame, pl.DataFrame, Checked]:
    """Split the accepted rows into those held by a period lock and those applied."""
    if excepted is None:
        return rows.values.clear(), rows.tasks.clear(), rows
    values, tasks = held_rows(rows.values, settings, excepted), held_rows(rows.tasks, settings, excepted)
    return (rows.values.filter(values), rows.tasks.filter(tasks),
            dataclasses.replace(rows, values=rows.values.filter(~values), tasks=rows.tasks.filter(~tasks)))


def _mark_held(ledger: pl.DataFrame, held_v: pl.DataFrame, held_t: pl.DataFrame, applied: Checked
               ) -> pl.DataFrame:
    """Give the outcome `held` to the files that had rows accepted and every one of them held."""
    held = pl.concat([held_v["sha256"], held_t["sha256"]]).unique()
    if held.is_empty():
        return ledger
    used = pl.concat([applied.values["sha256"], applied.tasks["sha256"]]).unique()
    only_held = pl.col("sha256").is_in(held.implode()) & ~pl.col("sha256").is_in(used.implode())
    return ledger.with_columns(outcome=pl.when(only_held).then(pl.lit("held")).otherwise(pl.col("outcome")))


def _concat(ordered: list[RawFile], received: list[datetime], kind: str, columns: tuple[str, ...],
            expected: str | None) -> pl.DataFrame:
    """Stack one kind of raw rows of every file, each with its file, hash, receipt time and period."""
    schema = {"sheet": pl.String, "row": pl.Int64, **{c: pl.String for c in columns}, **CELL_FACTS,
              "file": pl.String, "sha256": pl.String, "received_at": pl.Datetime("us", "UTC"),
              "expected_period": pl.String}
    kept = [(raw, at) for raw, at in zip(ordered, received)
            if getattr(raw, kind) is not None and getattr(raw, kind).height and not raw.rejected]
    if not kept:
        return pl.DataFrame(schema=schema)
    wanted = ["sheet", "row", *columns, *CELL_FACTS]  # how readers build them: no per-file query then
    frames = [getattr(raw, kind) for raw, _ in kept]
    body = pl.concat([f if f.columns == wanted else f.select(wanted) for f in frames], how="vertical")
    # File-level columns are built once per file and repeated over its rows (no per-file frame operations).
    files = pl.DataFrame(
        {"file": [r.path.name for r, _ in kept], "sha256": [r.sha256 for r, _ in kept],
         "received_at": [at for _, at in kept],
         "expected_period": [expected or declared_period(r) for r, _ in kept],
         "_n": [getattr(r, kind).height for r, _ in kept]},
        schema={**{k: schema[k] for k in ("file", "sha256", "received_at", "expected_period")}, "_n": pl.Int64},
    )
    repeated = files.select(pl.exclude("_n").repeat_by(pl.col("_n")).explode())
    return pl.concat([body, repeated], how="horizontal").select(list(schema))


def receipt_order(raws: list[RawFile]) -> list[RawFile]:
    """Return the files of one run in the order they count as received.

    They are received a microsecond apart, latest submission date last (the
    date the unit typed; then the file name, its numbers in number order so
    that `_v10` comes after `_v9`), so that a revision sent in the same run as
    the file it revises supersedes it.
    """
    sent = _latest_submission_dates(raws)
    keys = [(sent.get(i) or date.min, natural(raw.path.name)) for i, raw in enumerate(raws)]
    return [raws[i] for i in sorted(range(len(raws)), key=keys.__getitem__)]


def _latest_submission_dates(raws: list[RawFile]) -> dict[int, date | None]:
    """Return, by position in `raws`, the latest submission date a file's rows give (one query for all)."""
    parts = [(i, f["submitted_at"]) for i, raw in enumerate(raws) for f in (raw.indicators, raw.tasks)
             if f is not None]
    if not parts:
        return {}
    rows = pl.DataFrame({"submitted_at": pl.concat([column.cast(pl.String) for _, column in parts]),
                         "_file": [i for i, column in parts for _ in range(column.len())]},
                        schema={"submitted_at": pl.String, "_file": pl.Int64})
    # A batch holds few distinct spellings of its dates: each is read once.
    spellings = rows.select(pl.col("submitted_at").unique()).with_columns(sent=parse_date(text("submitted_at")))
    latest = rows.join(spellings, on="submitted_at", how="left", nulls_equal=True).group_by("_file").agg(
        pl.col("sent").max())
    return dict(latest.iter_rows())


def natural(name: str) -> list[tuple[int, int | str]]:
    """Return a sort key that orders the numbers in a name by value.

    >>> sorted(["2024-Q3_003_v10.xlsx", "2024-Q3_003_v9.xlsx", "2024-Q3_003.xlsx"], key=natural)
    ['2024-Q3_003.xlsx', '2024-Q3_003_v9.xlsx', '2024-Q3_003_v10.xlsx']
    """
    # (0, number) and (1, text): numbers and text never compare with each other.
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", name) if part]


def declared_period(raw: RawFile) -> str | None:
    """Return the period a file declares: a template's metadata, or a name like `2024-Q3_003.csv`.

    >>> from pathlib import Path
    >>> declared_period(RawFile(Path("2024-Q3_003.csv"), sha256="", size=0))
    '2024-Q3'
    """
    if raw.meta.get("period"):
        return raw.meta["period"]
    period = named_in(raw.path.name).get("period")
    # Only a quarter or half year: a year-named file (`2023_273.csv`) may bundle the year's quarters.
    return period if period and re.fullmatch(r"\d{4}-(Q[1-4]|H[12])", period) else None


def _submissions(checked: Checked) -> pl.DataFrame:
    """Return one row per file × unit × period accepted, with when it was submitted."""
    parts = [f.select("sha256", "unit_code", "period", "submitted_at", "received_at")
             for f in (checked.values, checked.tasks)]
    return pl.concat(parts).group_by("sha256", "unit_code", "period").agg(
        pl.col("submitted_at").min(), pl.col("received_at").min())


def _late(checked: Checked, names: dict[str, str], settings: Settings) -> list[Issue]:
    """Warn once per file × unit × period submitted after the period's deadline."""
    late = with_deadlines(_submissions(checked), settings.calendar, settings.deadline_rule).filter(~on_time())
    return [Issue("late-submission", file=names[s["sha256"]], sha256=s["sha256"], unit_code=s["unit_code"],
                  period=s["period"], detail=s["_due"].strftime("%d/%m/%Y"))
            for s in late.sort("sha256", "unit_code", "period").iter_rows(named=True)]


def _superseded(checked: Checked, current: pl.DataFrame, names: dict[str, str]) -> list[Issue]:
    """Warn at each accepted row that replaces a different value received earlier (before or in this run)."""
    key = [k if k != "category" else "_category" for k in INDICATOR_KEY]  # a total's null category matches
    current, values = (f.with_columns(_category=pl.col("category").fill_null(""))
                       for f in (current, checked.values))
    earlier = pl.concat([current.select(*key, "received_at", "value", "no_data_marker"),
                         values.select(*key, "received_at", "value", "no_data_marker")])
    earlier = earlier.rename({"value": "old_value", "no_data_marker": "old_marker", "received_at": "old_at"})
    changed = (
        values.sort("received_at")
        .join_asof(earlier.sort("old_at"), left_on="received_at", right_on="old_at", by=key,
                   strategy="backward", allow_exact_matches=False, check_sortedness=False)
        .filter(pl.col("old_at").is_not_null())
        .filter(pl.col("value").ne_missing(pl.col("old_value"))
                | pl.col("no_data_marker").ne_missing(pl.col("old_marker")))
    )
    return [
        Issue("superseded", file=names.get(r["sha256"]), sheet=r["sheet"], row=r["row"],
              column="value", value=_show(r["value"], r["no_data_marker"]), sha256=r["sha256"],
              unit_code=r["unit_code"], period=r["period"],
              detail=f"{r['indicator_code']}{' ' + r['category'] if r['category'] else ''}: {_show(r['old_value'], r['old_marker'])} → "
                     f"{_show(r['value'], r['no_data_marker'])}")
        for r in changed.iter_rows(named=True)
    ]


def _show(value: float | None, marker: str | None) -> str:
    return marker if value is None and marker else ("" if value is None else f"{value:g}")


def _ledger(ordered: list[RawFile], received: list[datetime], checked: Checked) -> pl.DataFrame:
    """Return one ledger row per file received; a duplicate's has no rows and the unit and period of
    the file it repeats."""
    counts = {r["sha256"]: r for r in checked.counts.iter_rows(named=True)}
    per_file = {r["sha256"]: r for r in _submissions(checked).group_by("sha256").agg(
        unit_code=pl.col("unit_code").unique().drop_nulls(), period=pl.col("period").unique().drop_nulls(),
        submitted_at=pl.col("submitted_at").min()).iter_rows(named=True)}
    rows = []
    none = {"rows_read": 0, "rows_accepted": 0, "rows_rejected": 0}
    for raw, at in zip(ordered, received):
        if not raw.received:
            continue
        duplicate = _is_duplicate(raw)
        c = none if duplicate else counts.get(raw.sha256, none)
        mine = per_file.get(raw.sha256, {"unit_code": [], "period": [], "submitted_at": None})
        outcome = ("duplicate" if duplicate else "rejected" if raw.rejected or c["rows_accepted"] == 0
                   else "partial" if c["rows_rejected"] else "accepted")
        rows.append({
            "received_at": at, "sha256": raw.sha256, "file_name": raw.path.name, "format": raw.format,
            "unit_code": raw.meta.get("unit_code") or _single(mine["unit_code"]),
            "period": raw.meta.get("period") or _single(mine["period"]),
            "submitted_at": mine["submitted_at"], "rows_read": c["rows_read"],
            "rows_accepted": c["rows_accepted"], "rows_rejected": c["rows_rejected"], "outcome": outcome,
        })
    return pl.DataFrame(rows, schema=empty_frame("ledger").schema, orient="row")


def _single(values: list[str]) -> str | None:
    """Return the one distinct value, or None when there are none or several."""
    return values[0] if len(values) == 1 else None
