"""The `hanoi-ctr` command line.

Exit codes: 0 done and clean, 1 done but the data has errors (or an
action refused: a review decision out of the hierarchy or taken already, a
lock exception for an unlocked period, a damaged audit log; nothing was
written), 2 usage or configuration error (a setting, a period, a unit, the
catalog, an archive with nothing in it, a folder that cannot be written, a
Prefect server to start): one line on stderr says what to fix (a broken
catalog lists each of its problems, a refused batch each refusal).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence, TextIO

from hanoi_ctr.declare.issues import printable
from hanoi_ctr.errors import CatalogError, ConfigError, HanoiCtrError, Refused, writing
from hanoi_ctr.settings import Settings
from hanoi_ctr.version import __version__

if TYPE_CHECKING:
    import polars as pl

    from hanoi_ctr.catalog import Catalog
    from hanoi_ctr.intake.ingest import Batch

EXIT_OK, EXIT_DATA_ERRORS, EXIT_USAGE = 0, 1, 2
EXIT_REFUSED = EXIT_DATA_ERRORS


def _catalog(settings: Settings) -> "Catalog":
    """Load the configured catalog; one that passed before is read back from the cache, not checked again."""
    from hanoi_ctr.catalog import load_catalog

    return load_catalog(settings.catalog_dir, cache=settings.cache_dir)


def _catalog_check(args: argparse.Namespace, settings: Settings) -> int:
    from hanoi_ctr.catalog import load_catalog

    directory = args.directory or settings.catalog_dir
    try:
        catalog = load_catalog(directory)
    except CatalogError as exc:
        print(exc, file=sys.stdout)
        return EXIT_DATA_ERRORS
    print(f"catalog OK: {catalog!r}")
    return EXIT_OK


def _schemas_export(args: argparse.Namespace, settings: Settings) -> int:
    from hanoi_ctr.declare.schemas import export

    root = Path(args.root)
    if not (root / "pyproject.toml").is_file():
        raise ConfigError(f"{root.resolve()} is not the hanoi_ctr repository root (no pyproject.toml); "
                          "run from the checkout or pass --root")
    for path in export(root):
        print(path)
    return EXIT_OK


def _print_issues(issues: "pl.DataFrame", lang: str, as_json: bool) -> None:
    import json

    if as_json:
        rows = issues.with_columns(message=issues[f"message_{lang}"]).drop("message_vi", "message_en")
        print(json.dumps(rows.to_dicts(), ensure_ascii=False, indent=1, default=str))
        return
    for r in issues.iter_rows(named=True):
        where = ":".join(printable(str(p)) for p in (r["file"], r["sheet"], r["row"], r["column"])
                         if p not in (None, ""))
        print(f"{where}: {r['severity']} [{r['code']}] {r[f'message_{lang}']}")
    errors = int((issues["severity"] == "error").sum())
    label = ("lỗi", "cảnh báo") if lang == "vi" else ("error(s)", "warning(s)")
    print(f"{errors} {label[0]}, {issues.height - errors} {label[1]}", file=sys.stderr)


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from hanoi_ctr.intake.ingest import list_submissions, validate

    missing = [p for p in args.files if not Path(p).exists()]
    if missing:
        raise ConfigError(f"no such file: {missing[0]}")
    files = [f for p in map(Path, args.files) for f in (list_submissions(p) if p.is_dir() else [p])]
    if not files:
        raise ConfigError(f"no submission files in {', '.join(args.files)}: nothing to check")
    if args.feedback:  # a folder that cannot be made is said before any work is done
        with writing(f"the feedback files in {args.feedback}", "--feedback"):
            Path(args.feedback).mkdir(parents=True, exist_ok=True)
    batch = validate(files, _catalog(settings), settings, period=args.period)
    if batch.ledger.is_empty() and not batch.has_errors:  # only hidden or lock files: each skipped
        raise ConfigError(f"no submission files in {', '.join(args.files)}: nothing to check "
                          f"({len(files)} skipped: {', '.join(sorted(printable(f.name) for f in files))})")
    lang = args.lang or settings.lang
    _print_issues(batch.issues, lang, args.json)
    if args.feedback:
        _write_feedback(batch, files, Path(args.feedback), lang, settings, sys.stderr if args.json else sys.stdout)
    return EXIT_DATA_ERRORS if batch.has_errors else EXIT_OK


def _write_feedback(batch: "Batch", files: list[Path], directory: Path, lang: str, settings: Settings,
                    out: TextIO) -> None:
    """Write a feedback file for each file with issues; print each one written, and each file that has none
    because it cannot be read (on stderr when stdout carries JSON)."""
    from hanoi_ctr.intake.feedback import write_feedback

    done = write_feedback(batch, files, directory, lang=lang, settings=settings)
    for feedback in done:
        if feedback.written:
            print(("tệp góp ý: " if lang == "vi" else "feedback file: ") + printable(str(feedback.written)), file=out)
        elif feedback.reason == "unreadable":
            print(printable(feedback.source.name) + (": không đọc được tệp nên không có tệp góp ý" if lang == "vi"
                                                     else ": the file cannot be read, so no feedback file"), file=out)
    written = sum(f.written is not None for f in done)
    print(f"{written} tệp góp ý trong {directory}" if lang == "vi" else
          f"{written} feedback file(s) in {directory}", file=sys.stderr)


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    inbox = Path(args.inbox) if args.inbox else settings.inbox
    if not inbox.is_dir():
        raise ConfigError(f"inbox {inbox} is not a directory")
    if args.archive:
        settings = settings.replace(archive_dir=Path(args.archive))
    _start_readers(inbox, settings)
    from hanoi_ctr.intake.ingest import ingest, list_submissions

    files = list_submissions(inbox)
    batch = ingest(files, _catalog(settings), settings, period=args.period,
                   progress=_progress_bar() if sys.stderr.isatty() else None)
    lang = args.lang or settings.lang
    if args.json:
        _print_issues(batch.issues, lang, True)
    else:
        _print_summary(batch, lang)
        _print_rejected(batch, lang)
        _print_held(batch, lang)
    return EXIT_DATA_ERRORS if batch.has_errors else EXIT_OK


def _progress_bar(width: int = 30) -> Callable[[int, int], None]:
    """Return a callback drawing `[#####     ] done/total` on the terminal (never when piped)."""
    def draw(done: int, total: int) -> None:
        filled = width * done // max(total, 1)
        end = "\n" if done == total else ""
        print(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total}", end=end, file=sys.stderr, flush=True)

    return draw


def _print_summary(batch: "Batch", lang: str) -> None:
    """Print accepted and rejected rows, files and lateness per unit."""
    import polars as pl

    rows = pl.concat([batch.values.select("unit_code", "sha256", "row", ok=pl.lit(True)),
                      batch.tasks.select("unit_code", "sha256", "row", ok=pl.lit(True)),
                      batch.issues.filter(pl.col("severity") == "error", pl.col("row").is_not_null())
                      .select("unit_code", "sha256", "row", ok=pl.lit(False)).unique()])
    late = batch.issues.filter(pl.col("code") == "late-submission")["unit_code"].implode()
    per_unit = rows.group_by("unit_code").agg(
        files=pl.col("sha256").n_unique(), accepted=pl.col("ok").sum(), rejected=(~pl.col("ok")).sum(),
    ).with_columns(late=pl.col("unit_code").is_in(late)).sort("unit_code", nulls_last=True)
    head = ("đơn vị", "tệp", "dòng nhận", "dòng loại", "muộn") if lang == "vi" else (
        "unit", "files", "accepted", "rejected", "late")
    print("  ".join(f"{h:>10}" for h in head))
    for r in per_unit.iter_rows(named=True):
        cells = (r["unit_code"] or "?", r["files"], r["accepted"], r["rejected"], "x" if r["late"] else "")
        print("  ".join(f"{str(v):>10}" for v in cells))
    duplicates = int((batch.issues["code"] == "duplicate-file").sum())
    rejected = int((batch.ledger["outcome"] == "rejected").sum())
    print(f"{batch.ledger.height} file(s) ingested ({rejected} rejected), {duplicates} duplicate(s) unchanged; "
          f"{int((batch.issues['severity'] == 'error').sum())} error(s)", file=sys.stderr)


def _print_rejected(batch: "Batch", lang: str) -> None:
    """Print each rejected file with why: its file-level issues, or the codes of its rejected rows."""
    import polars as pl

    rejected = batch.ledger.filter(pl.col("outcome") == "rejected").sort("file_name")
    if rejected.is_empty():
        return
    errors = batch.issues.filter(pl.col("severity") == "error")
    print("Tệp bị từ chối:" if lang == "vi" else "Rejected files:")
    for file in rejected.iter_rows(named=True):
        mine = errors.filter(pl.col("sha256") == file["sha256"])
        whole = mine.filter(pl.col("row").is_null())
        if whole.height:
            why = "; ".join(f"[{r['code']}] {r[f'message_{lang}']}" for r in whole.iter_rows(named=True))
        else:
            codes = mine.group_by("code").len().sort("code")
            counts = ", ".join(f"{code} × {n}" for code, n in codes.iter_rows())
            why = ("mọi dòng bị loại: " if lang == "vi" else "every row rejected: ") + counts
        print(f"  {printable(file['file_name'])}: {why}")


def _print_held(batch: "Batch", lang: str) -> None:
    """Print each file held by a period lock with its `period-locked` message."""
    import polars as pl

    locked = batch.issues.filter(pl.col("code") == "period-locked").sort("file", "unit_code", "period")
    if locked.is_empty():
        return
    print("Tệp tạm giữ (kỳ đã khóa sổ):" if lang == "vi" else "Held files (period locked):")
    for r in locked.iter_rows(named=True):
        print(f"  {printable(r['file'] or '')}: {r['unit_code']} {r[f'message_{lang}']}")


def _template(args: argparse.Namespace, settings: Settings) -> int:
    from hanoi_ctr.intake.templates import make_templates

    catalog = _catalog(settings)
    try:
        paths = make_templates(catalog, args.period, Path(args.out), units=args.unit or None,
                               calendar=settings.calendar)
    except ValueError as exc:  # a unit not in force then
        raise ConfigError(str(exc)) from None
    for path in paths:
        print(path)
    print(f"{len(paths)} template(s) written to {args.out}", file=sys.stderr)
    return EXIT_OK


def _start_readers(inbox: Path, settings: Settings) -> None:
    """Start the child processes that read workbooks while the command loads, when the inbox holds a
    workbook changed since the archive's last commit (an older one is most likely received already, and
    is then hashed, not read)."""
    from hanoi_ctr.intake import sandbox
    from hanoi_ctr.intake.store import Store

    if not inbox.is_dir():
        return
    since = Store(settings.archive).changed_at()
    if any(since is None or path.stat().st_mtime > since for path in inbox.rglob("*.xlsx")):
        sandbox.prestart(settings.max_parse_memory_bytes)


def _rollup(args: argparse.Namespace, settings: Settings) -> int:
    if args.inbox:
        settings = settings.replace(inbox_dir=Path(args.inbox))
    if args.out:
        settings = settings.replace(output_dir=Path(args.out))
    if args.archive:
        settings = settings.replace(archive_dir=Path(args.archive))
    if args.inbox:
        _start_readers(settings.inbox, settings)
    from hanoi_ctr import pipeline

    catalog = _catalog(settings)
    period = pipeline.resolve_period(args.period, args.kind, catalog, settings)
    if args.inbox:
        batch = pipeline.ingest_files(pipeline.inbox_files(settings), catalog, settings)
        print(f"{batch.ledger.height} file(s) ingested", file=sys.stderr)
    as_of = pipeline.parse_as_of(args.as_of)
    outputs = pipeline.unchanged(catalog, settings, period, as_of, args.lang, args.wards)
    if outputs is not None:
        print(f"outputs of {period} unchanged: made from this archive, catalog, settings and as-of; kept",
              file=sys.stderr)
    else:
        outputs = pipeline.write_outputs(pipeline.compute(catalog, settings, period, as_of), catalog, settings,
                                         args.lang, args.wards)
    print(outputs.workbook)
    print(f"{outputs.results}\n{outputs.issues}", file=sys.stderr)
    return EXIT_OK


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from flows.demo import DEMO_PERIOD, run_demo

    workbook = run_demo(Path(args.out).resolve(), args.period or DEMO_PERIOD, args.lang or settings.lang,
                        dask=args.dask)
    print(f"Workbook: {workbook}")
    return EXIT_OK


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from flows.serve import serve

    serve(tuple(args.deployment), temporary_server=args.temporary_server)
    return EXIT_OK


def _with_archive(args: argparse.Namespace, settings: Settings) -> Settings:
    return settings.replace(archive_dir=Path(args.archive)) if getattr(args, "archive", None) else settings


def _review_list(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from hanoi_ctr.intake.review import awaiting, hanoi

    settings = _with_archive(args, settings)
    catalog = _catalog(settings)
    reviewer = args.reviewer or catalog.city
    found = awaiting(catalog, settings, reviewer, args.period, every_state=args.all)
    if args.json:
        print(json.dumps(found.to_dicts(), ensure_ascii=False, indent=1, default=str))
        return EXIT_OK

    widths = (10, 10, 9, 9, 6, 5, 17, 14, 0)
    head = ("unit", "period", "state", "reviewer", "files", "held", "latest file", "decided by", "reason")
    print("".join(f"{h:<{w}}" for h, w in zip(head, widths)).rstrip())
    for r in found.iter_rows(named=True):
        cells = (r["unit_code"], r["period"], r["review_state"], r["reviewer_code"] or "?", r["n_files"],
                 r["n_held"], hanoi(r["received_at"])[:16] if r["received_at"] else "",
                 printable(r["decided_by"] or ""), printable(r["reason"] or ""))
        print("".join(f"{str(v):<{w}}" for v, w in zip(cells, widths)).rstrip())
    what = "report(s)" if args.all else f"report(s) awaiting {reviewer}"
    print(f"{found.height} {what}", file=sys.stderr)
    return EXIT_OK


def _review_act(args: argparse.Namespace, settings: Settings) -> int:
    from hanoi_ctr.intake.review import awaiting, decide

    settings = _with_archive(args, settings)
    catalog = _catalog(settings)
    units = list(args.unit or [])
    if args.awaiting:
        units += awaiting(catalog, settings, args.reviewer, args.period)["unit_code"].to_list()
        if not units:
            print(f"nothing awaits {args.reviewer or catalog.city} for {args.period}: no decision recorded",
                  file=sys.stderr)
            return EXIT_OK
    decisions = decide(catalog, settings, args.action, units, args.period, reviewer=args.reviewer, by=args.by,
                       reason=getattr(args, "reason", None))
    for d in decisions:
        print(printable(d.describe()))
    if args.action == "return":
        from hanoi_ctr.intake.review import write_returned

        with writing(f"the returned reports' feedback in {settings.output / 'returned'}"):
            for path in write_returned(decisions, settings):
                print(f"  → {path}")
    print(f"{len(decisions)} decision(s) recorded in {settings.archive / 'audit.jsonl'}", file=sys.stderr)
    return EXIT_OK


def _lock_exception(args: argparse.Namespace, settings: Settings) -> int:
    from hanoi_ctr.intake.lock_exceptions import grant

    settings = _with_archive(args, settings)
    catalog = _catalog(settings)
    decision = grant(catalog, settings, args.unit, args.period, until=args.until, reason=args.reason,
                     by=args.by)
    print(printable(decision.describe()))
    return EXIT_OK


def _lock_status(args: argparse.Namespace, settings: Settings) -> int:
    from hanoi_ctr.intake.lock_exceptions import lock_status

    settings = _with_archive(args, settings)
    catalog = _catalog(settings)
    for line in lock_status(catalog, settings, args.period).describe():
        print(printable(line))
    return EXIT_OK


def _audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from hanoi_ctr.intake.audit import AuditLog

    log = AuditLog(_with_archive(args, settings).archive)
    verified = log.verify()
    note = "; its head lags one entry (an interrupted write, brought up to date by the next decision)" \
        if verified.head_behind else ""
    print(f"audit log OK: {len(verified.entries)} entries, last SHA-256 {verified.last_sha256}{note}")
    return EXIT_OK


def _audit_log(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from hanoi_ctr.intake.audit import AuditLog
    from hanoi_ctr.intake.review import hanoi

    entries = [e for e in AuditLog(_with_archive(args, settings).archive).entries()
               if args.unit in (None, e.unit_code) and args.period in (None, e.period)]
    if args.json:
        print(json.dumps([json.loads(e.line()) for e in entries], ensure_ascii=False, indent=1))
        return EXIT_OK
    for e in entries:
        extra = "".join(f"; {k}: {v}" for k, v in (("until", e.until), ("reason", e.reason)) if v)
        print(printable(f"{e.seq:>5}  {hanoi(e.at)}  {e.action:<15} {e.unit_code or ''} {e.period or ''} "
                        f"({e.reviewer or ''}, by {e.by}){extra}"))
    return EXIT_OK


def _issue_options(parser: argparse.ArgumentParser, period_help: str) -> None:
    """Add the options of the commands that print issues."""
    parser.add_argument("--period", help=period_help)
    parser.add_argument("--lang", choices=("vi", "en"), help="message language (default vi)")
    parser.add_argument("--json", action="store_true", help="print the issues as JSON")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every command."""
    parser = argparse.ArgumentParser(
        prog="hanoi-ctr",
        description="Catalog, templates, intake and rollups of the Hanoi Party Committee's work programs.",
    )
    parser.add_argument("--version", action="version", version=f"hanoi-ctr {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    catalog = commands.add_parser("catalog", help="work with the catalog").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    check = catalog.add_parser("check", help="validate a catalog directory and list every problem")
    check.add_argument("directory", nargs="?", type=Path, help="catalog directory (default: bundled)")
    check.set_defaults(run=_catalog_check)

    template = commands.add_parser("template", help="write the per-unit submission templates of a period")
    template.add_argument("--period", required=True, help="reporting period, e.g. 2024-Q3")
    template.add_argument("--unit", action="append", metavar="CODE", help="only this unit (repeatable)")
    template.add_argument("--out", required=True, help="folder to write the templates to")
    template.set_defaults(run=_template)

    validate = commands.add_parser("validate", help="check submission files and print every issue")
    validate.add_argument("files", nargs="+", help="submission files (.xlsx template or long table, .csv) "
                                                   "or folders of them")
    _issue_options(validate, "the period these files are for (e.g. 2024-Q3)")
    validate.add_argument("--feedback", metavar="DIR",
                          help="write into DIR, for each file with issues, a copy with every issue marked on its "
                               "cell and listed on a first sheet (<name>_gop-y.xlsx); the files are not changed")
    validate.set_defaults(run=_validate)

    ingest = commands.add_parser("ingest", help="ingest an inbox folder into the archive")
    ingest.add_argument("inbox", nargs="?", help="folder of submissions (default: HANOI_CTR_INBOX_DIR)")
    ingest.add_argument("--archive", help="archive folder (default: HANOI_CTR_ARCHIVE_DIR)")
    _issue_options(ingest, "the period this inbox is for (e.g. 2024-Q3)")
    ingest.set_defaults(run=_ingest)

    rollup = commands.add_parser("rollup", help="roll up a period: workbook and Parquet in the output folder")
    rollup.add_argument("--period", help="period (default: the latest whose deadline has passed)")
    rollup.add_argument("--kind", choices=("quarter", "half", "year", "term"), default="quarter",
                        help="kind of period when --period is not given (default quarter)")
    rollup.add_argument("--inbox", help="ingest this folder first")
    rollup.add_argument("--archive", help="archive folder (default: HANOI_CTR_ARCHIVE_DIR)")
    rollup.add_argument("--out", help="output folder (default: HANOI_CTR_OUTPUT_DIR)")
    rollup.add_argument("--lang", choices=("vi", "en"), help="workbook language (default vi)")
    rollup.add_argument("--as-of", metavar="TIME",
                        help="reproduce the rollup as it was at this Hanoi time (2025-01-10 is the end of that day, "
                             "or 2025-01-10T14:30): only files received by then count")
    rollup.add_argument("--wards", action="store_true", help="show the wards, not only the districts, in the "
                                                             "unit matrix of each program sheet")
    rollup.set_defaults(run=_rollup)

    _review_commands(commands)

    demo = commands.add_parser("demo", help="run the quarterly rollup flow on the bundled demo data")
    demo.add_argument("--out", default="hanoi-ctr-demo", help="folder for the archive and outputs")
    demo.add_argument("--period", help="period to roll up (default: the latest in the demo data)")
    demo.add_argument("--lang", choices=("vi", "en"), help="workbook language (default vi)")
    demo.add_argument("--dask", action="store_true", help="fan ingestion out on a local Dask cluster")
    demo.set_defaults(run=_demo)

    serve = commands.add_parser("serve", help="serve the scheduled deployments against a Prefect server")
    serve.add_argument("deployment", nargs="*", help="only these deployments (default: all)")
    serve.add_argument("--temporary-server", action="store_true",
                       help="without PREFECT_API_URL, serve against a temporary Prefect server (its schedules "
                            "vanish when it stops)")
    serve.set_defaults(run=_serve)

    schemas = commands.add_parser("schemas", help="work with the generated schemas").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    export = schemas.add_parser("export", help="write schemas/*.json and fixtures/datapackage.json")
    export.add_argument("--root", default=".", help="repository root (default: current directory)")
    export.set_defaults(run=_schemas_export)
    return parser


def _review_commands(commands: "argparse._SubParsersAction") -> None:
    """Add `review` (list, accept, return, approve), `lock` (exception, status) and `audit` (verify, log)."""
    def archive(p: argparse.ArgumentParser) -> None:
        p.add_argument("--archive", help="archive folder (default: HANOI_CTR_ARCHIVE_DIR)")

    def acting(p: argparse.ArgumentParser) -> None:
        p.add_argument("--as", dest="reviewer", metavar="CODE",
                       help="the reviewing unit acting: a district for its wards (default: the city)")

    def by(p: argparse.ArgumentParser) -> None:
        p.add_argument("--by", metavar="NAME", help="who decides (default: the OS user)")

    review = commands.add_parser(
        "review", help="list the reports awaiting a reviewing unit; accept, return or approve them",
        description="Without an action: list the reports awaiting the unit --as (default the city): those it "
                    "reviews, checked at intake, and for the city also those accepted, awaiting approval.")
    acting(review)
    review.add_argument("--period", help="only this period (e.g. 2024-Q4)")
    review.add_argument("--all", action="store_true",
                        help="every report the unit reviews, whatever its state")
    review.add_argument("--json", action="store_true", help="print the reports as JSON")
    archive(review)
    review.set_defaults(run=_review_list)
    actions = review.add_subparsers(dest="action", metavar="ACTION")
    helps = {"accept": "accept reports as their reviewing unit",
             "return": "return reports to their units with a reason (their next file is the revision)",
             "approve": "approve reports, as the city"}
    for name, text in helps.items():
        act = actions.add_parser(name, help=text, description=text + "; each decision is printed and "
                                 "recorded in the archive's audit log, all of them or none.")
        act.add_argument("--unit", action="append", metavar="CODE", help="a unit whose report (repeatable)")
        act.add_argument("--period", required=True, help="the period of the reports, e.g. 2024-Q4")
        act.add_argument("--awaiting", action="store_true", help="every report awaiting the acting unit then")
        if name == "return":
            act.add_argument("--reason", required=True,
                             help="why the report goes back (recorded, shown to the unit)")
        else:
            act.add_argument("--reason", help="a note recorded with the decision")
        acting(act)
        by(act)
        archive(act)
        act.set_defaults(run=_review_act, action=name)

    lock = commands.add_parser("lock", help="period locks: grant an exception, show a period's lock")
    lock = lock.add_subparsers(dest="lock_action", required=True, metavar="ACTION")
    exception = lock.add_parser("exception", help="let a unit's files for a locked period through (recorded)")
    exception.add_argument("--unit", required=True, metavar="CODE")
    exception.add_argument("--period", required=True, help="the locked period, e.g. 2023-Q1")
    exception.add_argument("--until", required=True, metavar="DATE",
                           help="last day (Hanoi time) the unit's files for the period are applied, "
                                "e.g. 2027-01-31")
    exception.add_argument("--reason", required=True, help="the decision allowing it (recorded)")
    by(exception)
    archive(exception)
    exception.set_defaults(run=_lock_exception)
    status = lock.add_parser("status", help="a period's lock day, its exceptions and the files held")
    status.add_argument("--period", required=True)
    archive(status)
    status.set_defaults(run=_lock_status)

    audit = commands.add_parser("audit", help="the archive's audit log of decisions").add_subparsers(
        dest="audit_action", required=True, metavar="ACTION")
    verify = audit.add_parser("verify", help="check the audit log's hash chain (exit 1 when damaged)")
    archive(verify)
    verify.set_defaults(run=_audit_verify)
    log = audit.add_parser("log", help="print the audit log's entries")
    log.add_argument("--unit", metavar="CODE")
    log.add_argument("--period")
    log.add_argument("--json", action="store_true", help="print the entries as JSON")
    archive(log)
    log.set_defaults(run=_audit_log)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace, Settings], int] = args.run
    try:
        _check_period(getattr(args, "period", None))
        return run(args, Settings.from_env())
    except Refused as exc:  # an action that cannot be taken: nothing was written
        for reason in exc.reasons:
            print(f"hanoi-ctr: refused: {printable(reason)}", file=sys.stderr)
        return EXIT_REFUSED
    except HanoiCtrError as exc:  # configuration, catalog, storage, a lock held too long: what to fix
        print(f"hanoi-ctr: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _check_period(text: str | None) -> None:
    """Refuse a `--period` that does not read as a period, before any work is done."""
    from hanoi_ctr.periods import PeriodError, parse_period

    if text is None:
        return
    try:
        parse_period(text)
    except PeriodError as exc:
        raise ConfigError(f"--period {exc}") from None


if __name__ == "__main__":
    sys.exit(main())
