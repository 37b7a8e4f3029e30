"""The jobs a scheduler runs, as plain functions: ingest, roll up, write, remind, issue templates.

Each function is one coarse step that reads its inputs from the settings'
folders and returns a small summary; the Prefect flows in `flows/` call them
one line each, and so can a script or a notebook. The entry point loads the
catalog and reads the settings once and passes both to every step, so that
the steps of a run agree. A period of `None` means the period whose
submission deadline most recently passed (Hanoi time).

Outputs of a period are written under its lock, so two runs for the same
period cannot interleave their files: the second waits, then overwrites
with a complete, consistent set. Each file is replaced by a rename, so a
run killed while writing leaves every output as it was or as it is now; the
next run for the period removes the temporaries it left. Beside them,
`made-from-<period>.json` records what they were made from
(`report.provenance`): `unchanged` finds outputs made from the same
archive, catalog, settings, as-of and language, and a run that finds them
keeps them as they are instead of rolling up again.

A rollup uses every value accepted, or with `approved_only` only what the
city approved (`intake.review`); a draft for the city's approval is the
same files in `<output>/draft/`, and the review flows' forms are built from
`review_choices` and answered with `apply_review`.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable

import polars as pl

from hanoi_ctr.atomic import atomic_path, remove_stale, write_text_atomic
from hanoi_ctr.catalog import Catalog, with_levels
from hanoi_ctr.declare.schemas import empty_frame
from hanoi_ctr.declare.vocabulary import STATUSES
from hanoi_ctr.engine.results import Results, rollup, rounded
from hanoi_ctr.errors import ConfigError, writing
from hanoi_ctr.intake import review
from hanoi_ctr.intake.ingest import Batch, ingest, list_submissions
from hanoi_ctr.intake.readers import sha256_of
from hanoi_ctr.intake.review import review_states, rollup_inputs
from hanoi_ctr.intake.store import Store
from hanoi_ctr.intake.templates import make_templates
from hanoi_ctr.locks import exclusive
from hanoi_ctr.periods import (
    TIMEZONE,
    Period,
    PeriodError,
    latest_closed_period,
    parse_period,
    period_containing,
)
from hanoi_ctr.report import provenance
from hanoi_ctr.report.build import write_workbook
from hanoi_ctr.report.files import files_of_period
from hanoi_ctr.settings import Settings


@dataclass(frozen=True)
class Outputs:
    """Where a rollup's files are, and what they say in a few numbers."""

    period: str
    workbook: Path
    results: Path
    issues: Path
    status_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    issue_counts: dict[str, int] = field(default_factory=dict)
    #: Every Parquet file written beside the workbook, by name (results, values, trend, …).
    tables: dict[str, Path] = field(default_factory=dict)
    #: The outputs were made from the same inputs before and kept as they were (`unchanged`).
    kept: bool = False


def resolve_period(period: Period | str | None, kind: str, catalog: Catalog, settings: Settings,
                   now: datetime | None = None, *, closing: bool = False) -> Period:
    """Return the period to work on: the one given, else the latest whose deadline has passed.

    With `closing`, the latest period whose data window has ended instead (the one being
    reported on now: templates go out and reminders are sent before its deadline). `kind` =
    `term` gives the catalog's term (to date). A period that does not read, or that no term of
    the catalog covers, stops the run (`ConfigError`), never an empty report.
    """
    chosen = _chosen_period(period, kind, catalog, settings, now, closing)
    try:
        catalog.term_named(chosen)
    except PeriodError as exc:
        raise ConfigError(f"{exc} (or point HANOI_CTR_CATALOG_DIR at a catalog that holds it)") from None
    return chosen


def _chosen_period(period: Period | str | None, kind: str, catalog: Catalog, settings: Settings,
                   now: datetime | None, closing: bool) -> Period:
    if isinstance(period, Period):
        return period
    if period:
        try:
            return parse_period(period)
        except PeriodError as exc:
            raise ConfigError(str(exc)) from None
    now = (now or datetime.now(timezone.utc)).astimezone(TIMEZONE)
    if kind == "term":
        return _term_to_date(catalog, now, settings)
    calendar = settings.calendar
    if closing:
        current = period_containing(now.date(), kind, calendar)  # kind: str
        return current.previous()
    return latest_closed_period(now, kind, calendar, settings.deadline_rule)


def _term_to_date(catalog: Catalog, now: datetime, settings: Settings) -> Period:
    """Return the term in force (the one holding the latest closed quarter), else the last that has ended."""
    latest = latest_closed_period(now, "quarter", settings.calendar, settings.deadline_rule)
    terms = catalog.terms.sort("start_year")
    current = catalog.term_for(latest)
    ended = terms.filter(pl.col("end_year") < latest.first_quarter.year)
    chosen = (terms.filter(pl.col("term") == current) if current else ended.tail(1)).to_dicts()
    if not chosen:
        raise ConfigError(f"no term of the catalog has started by {latest}; roll up a period of a term")
    return Period.term(int(chosen[0]["start_year"]), int(chosen[0]["end_year"]))


def partition(files: Iterable[Path], parts: int, catalog: Catalog | None = None) -> list[list[Path]]:
    """Split files into at most `parts` stable groups, keeping each district's files together.

    The unit is read from the template naming `<period>_<unit>[…].<ext>`; with a catalog a ward
    counts as its district, so that a ward's revision lands in the same ingest run as the
    district file it revises (revisions within a run are ordered; across parallel runs they
    would race). Other names group by name.
    """
    parents = {} if catalog is None else dict(
        with_levels(catalog.units).filter(pl.col("level") == "ward", pl.col("parent_code") != catalog.city)
        .select("unit_code", "parent_code").iter_rows())
    groups: list[list[Path]] = [[] for _ in range(max(parts, 1))]
    for path in sorted(files):
        pieces = path.stem.split("_")
        key = pieces[1] if len(pieces) > 1 else path.stem
        key = parents.get(key, key)
        groups[zlib.crc32(key.encode()) % len(groups)].append(path)
    return [g for g in groups if g]


def ingest_files(files: list[Path], catalog: Catalog, settings: Settings, period: Period | str | None = None,
                 now: datetime | None = None) -> Batch:
    """Ingest some files into the archive (one batch); return what happened."""
    return ingest(files, catalog, settings, period=period, now=now)


def inbox_files(settings: Settings) -> list[Path]:
    """Return the submission files waiting in the inbox."""
    if not settings.inbox.is_dir():
        raise ConfigError(f"inbox {settings.inbox} is not a directory; set HANOI_CTR_INBOX_DIR")
    return list_submissions(settings.inbox)


def parse_as_of(text: str | None) -> datetime | None:
    """Return the instant an `--as-of` names (in UTC, as receipts are stored).

    A date means its last instant in Hanoi; a time without an offset is Hanoi time.

    >>> parse_as_of("2025-01-10T14:30").isoformat()
    '2025-01-10T07:30:00+00:00'
    >>> parse_as_of("2025-01-10").isoformat()
    '2025-01-10T16:59:59.999999+00:00'
    """
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), datetime.max.time(), TIMEZONE)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--as-of {text!r} is neither a date (2025-01-10) nor a time (2025-01-10T14:30)") from None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=TIMEZONE)).astimezone(timezone.utc)


def compute(catalog: Catalog, settings: Settings, period: Period | str, as_of: datetime | None = None) -> Results:
    """Roll up everything in the archive for a period; an archive that holds nothing is refused.

    A rollup of nothing would be an empty workbook that looks like a report: the archive is
    most likely not the one meant, or nothing was ingested yet.
    """
    store = Store(settings.archive)
    if not store.batch_names():
        archive = settings.archive
        raise ConfigError(f"archive {archive} holds no submissions: ingest an inbox first "
                          f"(hanoi-ctr ingest INBOX --archive {archive}) or pass --inbox")
    # Read before the values: a batch committed meanwhile makes the next run roll up again.
    state = provenance.archive_state(store)
    results = _rolled_up(store, catalog, settings, period, as_of)
    return dataclasses.replace(results, inputs=(("archive", state), ("as_of", as_of)))


def _rolled_up(store: Store, catalog: Catalog, settings: Settings, period: Period | str,
               as_of: datetime | None = None) -> Results:
    """Roll up what the archive holds: every value accepted, or with `approved_only` what the city approved.

    Without `as_of` the data is as of the last file received or the last decision recorded, whichever
    is later (a decision changes which values are approved).
    """
    values, tasks = rollup_inputs(store, settings, as_of)
    results = rollup(values, catalog, period, ledger=store.ledger(), task_progress=tasks, settings=settings,
                     as_of=as_of)
    decided = store.audit.last_at()
    if as_of is None and decided is not None and (results.as_of is None or decided > results.as_of):
        results = dataclasses.replace(results, as_of=decided)
    return results


#: The tidy Parquet files written beside the workbook: file name prefix → `Results` frame.
PARQUET = {"results": "results", "values": "sources", "trend": "trend", "completeness": "completeness",
           "tasks": "task_status"}


def write_outputs(results: Results, catalog: Catalog, settings: Settings, lang: str | None = None,
                  include_wards: bool = False, generated_on: date | None = None) -> Outputs:
    """Write the workbook and the tidy Parquet files of a rollup, under the period's lock.

    Beside `rollup-<period>.xlsx`: `results-`, `issues-`, `values-` (the source values with their
    files and rows), `trend-`, `completeness-` and `tasks-<period>.parquet`. Results and trend are
    rounded as shown (to each indicator's decimals), so that the same inputs give the same bytes.
    The files and issues are the period's, received by the results' as-of instant. The unit matrix
    of each program sheet shows the districts; `include_wards` adds the wards.
    """
    store = Store(settings.archive)
    out = settings.output
    period = str(results.period).replace("/", "-")
    paths = {"rollup": out / f"rollup-{period}.xlsx", "issues": out / f"issues-{period}.parquet"}
    paths |= {name: out / f"{name}-{period}.parquet" for name in PARQUET}
    ledger, intake = files_of_period(store.ledger(), store.issues(), results.period, settings.calendar,
                                     results.as_of, results.file_periods)
    review = review_states(catalog, settings, as_of=results.as_of)
    issues = pl.concat([intake, results.issues], how="vertical")
    frames = {name: getattr(results, attr) for name, attr in PARQUET.items()}
    for name in ("results", "trend"):
        frames[name] = rounded(frames[name], catalog.for_period(results.period).indicators)
    manifest = provenance.manifest_path(out, period)
    with writing(f"the outputs in {out}", "--out, HANOI_CTR_OUTPUT_DIR"):
        out.mkdir(parents=True, exist_ok=True)
        with exclusive(out / ".locks" / f"{period}.lock"):
            remove_stale(out, [*paths.values(), manifest])  # what a run killed while writing left behind
            manifest.unlink(missing_ok=True)  # these outputs are about to change
            write_workbook(results, paths["rollup"], lang or settings.lang, catalog=catalog, ledger=ledger,
                           intake_issues=intake, settings=settings, generated_on=generated_on,
                           include_wards=include_wards, review=review)
            for name, frame in frames.items():
                _write_parquet(frame, paths[name])
            _write_parquet(issues, paths["issues"])
            counts = _status_counts(results, catalog)
            issue_counts = dict(Counter(issues["code"].to_list()))
            inputs = dict(results.inputs)
            if "archive" in inputs:  # rolled up from the archive by `compute`: say what from
                made = provenance.made_from(inputs["archive"], inputs.get("as_of"), catalog, settings,
                                            results.period, lang or settings.lang, include_wards, generated_on)
                provenance.record(manifest, made, paths, {"status_counts": counts, "issue_counts": issue_counts})
    return Outputs(str(results.period), paths["rollup"], paths["results"], paths["issues"], counts,
                   issue_counts, {n: paths[n] for n in (*PARQUET, "issues")})


def unchanged(catalog: Catalog, settings: Settings, period: Period | str, as_of: datetime | None = None,
              lang: str | None = None, include_wards: bool = False, generated_on: date | None = None
              ) -> Outputs | None:
    """Return the period's outputs, `kept`, when they were made from what a rollup would use now, else None.

    Same archive (no batch since), catalog, settings, as-of asked for, language, wards shown and
    software, and every output still as written: rolling up again would give the same bytes.
    """
    period = period if isinstance(period, Period) else parse_period(period)
    made = provenance.made_from(provenance.archive_state(Store(settings.archive)), as_of, catalog, settings,
                                period, lang or settings.lang, include_wards, generated_on)
    found = provenance.kept(provenance.manifest_path(settings.output, str(period).replace("/", "-")), made)
    if found is None:
        return None
    paths, summary = found
    return Outputs(str(period), paths["rollup"], paths["results"], paths["issues"], summary["status_counts"],
                   summary["issue_counts"], {n: paths[n] for n in (*PARQUET, "issues")}, kept=True)


def _status_counts(results: Results, catalog: Catalog) -> dict[str, dict[str, int]]:
    """Return, per program, how many city-level results have each status."""
    statuses = results.results.join(catalog.for_period(results.period).indicators.select(
                                    "indicator_code", "program_code"),
                                    on="indicator_code").filter(pl.col("unit_level") == "city", pl.col("category").is_null())
    counts: dict[str, dict[str, int]] = {}
    for r in statuses.group_by("program_code", "result_status").len().sort("program_code").iter_rows(named=True):
        counts.setdefault(r["program_code"], {})[r["result_status"]] = r["len"]
    return counts


def _write_parquet(frame: pl.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        frame.write_parquet(tmp)


def missing_submissions(catalog: Catalog, settings: Settings, period: Period | str) -> pl.DataFrame:
    """Return the units that owe a submission for the period and have not sent one (yet).

    Each under its name and parent in force at the end of the period (codes are reused from
    1 July 2025).
    """
    results = _rolled_up(Store(settings.archive), catalog, settings, period)  # before any file, all owe
    owing = results.completeness.filter(pl.col("scope") == "unit", pl.col("n_received") < pl.col("n_expected"))
    names = catalog.units_at(results.period, settings.calendar).select("unit_code", "name_vi", "parent_code")
    return owing.join(names, on="unit_code", how="left").select(
        "period", "unit_code", "name_vi", "parent_code", "n_expected", "n_received").sort("unit_code")


def write_reminder(missing: pl.DataFrame, settings: Settings, period: Period | str) -> Path:
    """Write the list of missing submissions as a CSV in the output folder."""
    path = settings.output / f"missing-{period}.csv"
    write_text_atomic(path, missing.write_csv())
    return path


def issue_templates(catalog: Catalog, settings: Settings, period: Period | str) -> list[Path]:
    """Write the templates of every reporting unit for a period into `<output>/templates/<period>/`."""
    folder = settings.output / "templates" / str(period)
    remove_stale(folder)
    return make_templates(catalog, period, folder, calendar=settings.calendar)


def summary_markdown(outputs: Outputs, batches: list[Batch]) -> str:
    """Return a short Markdown summary of a run: files, issues, statuses, where the workbook is."""
    ledgers = [b.ledger for b in batches if b.ledger.height]
    ledger = pl.concat(ledgers) if ledgers else empty_frame("ledger")
    outcomes = Counter(ledger["outcome"].to_list())
    lines = [f"# Rollup {outputs.period}", "", f"Workbook: `{outputs.workbook}`", "",
             f"Files ingested: {ledger.height} (accepted {outcomes['accepted']}, partly accepted "
             f"{outcomes['partial']}, rejected {outcomes['rejected']})", "", "## Issues by code", "",
             "| code | count |", "|---|---|"]
    lines += [f"| `{code}` | {n} |" for code, n in sorted(outputs.issue_counts.items())]
    statuses = STATUSES.values
    lines += ["", "## Status of city-level indicators per program", "",
              "| program | " + " | ".join(statuses) + " |", "|---" * (len(statuses) + 1) + "|"]
    lines += [f"| {program} | " + " | ".join(str(c.get(s, 0)) for s in statuses) + " |"
              for program, c in outputs.status_counts.items()]
    return "\n".join(lines) + "\n"


# --- review and approval (the flows' forms and pauses call these) ----------------------------------


def write_draft(results: Results, catalog: Catalog, settings: Settings, lang: str | None = None) -> Outputs:
    """Write a rollup as a draft for the city to approve: the same files, in `<output>/draft/`."""
    return write_outputs(results, catalog, settings.replace(output_dir=settings.output / "draft"), lang)


def record_rollup_decision(catalog: Catalog, settings: Settings, draft: Outputs, decision: str,
                           note: str | None, by: str | None = None) -> str:
    """Record the city's decision on a draft (approve or return, with a note, the draft's SHA-256); say it."""
    files = (sha256_of(draft.workbook.read_bytes()),)
    entry = review.record_rollup(catalog, settings, draft.period, decision, note, by=by, files=files)
    verb = "approved" if decision == "approve" else "returned"
    said = f"; note: {entry.reason}" if entry.reason else ""
    return f"Rollup {draft.period} {verb} by {entry.by} on {review.hanoi(entry.at)}{said}"


def draft_markdown(draft: Outputs, timeout_seconds: int) -> str:
    """Return what the draft artifact says: where it is, how to decide, what happens without a decision."""
    hours = timeout_seconds / 3600
    return (f"# Draft rollup {draft.period}\n\nDraft workbook: `{draft.workbook}`\n\n"
            "The city decides in this flow run's **Resume** form (or through the API): `approve` writes the "
            "final workbook from exactly these results; `return` (with a note) keeps it a draft.\n\n"
            f"{no_decision_markdown(draft, timeout_seconds)}\n\n(The wait lasts {hours:g} hours.)\n")


def no_decision_markdown(draft: Outputs, timeout_seconds: int) -> str:
    """Return what happens when the city does not decide in time."""
    return (f"Without a decision within {timeout_seconds / 3600:g} hours the run fails: the draft stays a "
            f"draft (`{draft.workbook}`), nothing final is written and the audit log records nothing; run "
            "the rollup again to publish a new draft.")


def review_choices(catalog: Catalog, settings: Settings, reviewer: str | None, period: Period | str | None
                   ) -> list[dict]:
    """Return the reports awaiting a reviewing unit with the actions it may take on each (a form's rows)."""
    return review.choices(catalog, settings, reviewer, period)


def apply_review(catalog: Catalog, settings: Settings, reviewer: str | None,
                 decisions: list[tuple[str, str, str, str]], by: str | None = None) -> list[str]:
    """Take a reviewing unit's decisions (unit, period, action, reason), one by one; a line for each."""
    return review.apply(catalog, settings, reviewer, decisions, by=by)
