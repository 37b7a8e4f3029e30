"""What arrived for the period: the files sheet (every file and what became of it) and the issues sheet.

A file belongs to a period's workbook when it was sent for a period the
workbook's period contains or closes (the 2024 report goes with 2024-Q4),
or, when it names no single period, when it sent values (or rows refused)
for such a period (a long table over several periods) or, having sent none
(a file rejected before its period was read), when it arrived while the period's reports were
being collected: in the quarter after one contained in the period. A rejected file also shows in the period its name gives and
in the period being collected when it arrived, whatever it says inside (a
district's 2024-Q4 file holding a 2024-Q3 template is shown with 2024-Q4).
Only files received by the data's as-of instant count.
The issues shown are those of these files about the period (or about no
period), and the rollup's own warnings. A long table over several periods
goes with each period it sent values for.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import polars as pl

from hanoi_ctr.periods import Calendar, Period, parse_period, period_containing
from hanoi_ctr.report.inputs import ReportInputs, hanoi_time
from hanoi_ctr.report.sheets import finish_list, list_sheet
from hanoi_ctr.report.styles import HEADER, INTEGER, TEXT, TIMESTAMP, WRAP, headers, set_widths
from hanoi_ctr.workbook.sheetspec import Sheet, merge_styles, style

#: Issues of one code shown per file; the rest are counted on one line (all are in the issues Parquet).
ISSUES_PER_CODE_AND_FILE = 50
#: Fill of each outcome on the files sheet.
OUTCOME_COLORS = {"rejected": "#F4B084", "partial": "#FFD966", "duplicate": "#D9D9D9"}


def belongs(period: Period, sent_for: str | None, received_at: datetime | None, calendar: Calendar) -> bool:
    """Tell whether a file sent for `sent_for` (None: no single period) and received then is the period's.

    >>> from datetime import timezone
    >>> q4 = parse_period("2024-Q4")
    >>> belongs(q4, "2024-Q4", None, "calendar"), belongs(q4, "2024", None, "calendar")
    (True, True)
    >>> belongs(q4, None, datetime(2025, 1, 6, tzinfo=timezone.utc), "calendar")
    True
    """
    if sent_for is not None:
        try:
            other = parse_period(sent_for)
        except ValueError:
            other = None
        if other is not None:
            return period.contains(other) or other.last_quarter == period.last_quarter
    if received_at is None:
        return False
    day = hanoi_time(received_at).date()  # type: ignore[union-attr]
    return period.contains(period_containing(day, "quarter", calendar).previous())


def named_period(file_name: str) -> str | None:
    """Return the period a file's name gives by the template naming `<period>_<unit>…`, if any.

    >>> named_period("2024-Q4_005.xlsx"), named_period("bao-cao.xlsx")
    ('2024-Q4', None)
    """
    head = file_name.split("_", 1)[0].split(".", 1)[0]
    try:
        return str(parse_period(head))
    except ValueError:
        return None


def files_of_period(ledger: pl.DataFrame, issues: pl.DataFrame, period: Period, calendar: Calendar,
                    as_of: datetime | None, file_periods: pl.DataFrame | None = None
                    ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the ledger rows of the files that belong to the period by `as_of`, and their issues.

    `file_periods` (sha256, period) says which periods a file naming no single period sent data
    for, and its issues which periods its refused rows were for: such a file is the period's when
    one of them is; a file with neither goes by receipt.
    """
    if as_of is not None:
        ledger = ledger.filter(pl.col("received_at") <= as_of)
    sent: dict[str, list[str]] = {}
    for sha, p in (file_periods.iter_rows() if file_periods is not None else ()):
        sent.setdefault(sha, []).append(p)
    for sha, p in issues.select("sha256", "period").drop_nulls().unique().iter_rows():
        sent.setdefault(sha, []).append(p)  # rows refused for a period say which periods the file was for

    def keeps(sha: str, name: str, declared: str | None, received: datetime | None, outcome: str) -> bool:
        if outcome == "rejected" and (belongs(period, named_period(name), None, calendar)
                                      or belongs(period, None, received, calendar)):
            return True
        if declared is None and sent.get(sha):
            return any(belongs(period, p, None, calendar) for p in sent[sha])
        return belongs(period, declared, received, calendar)

    keep = [keeps(*r) for r in ledger.select("sha256", "file_name", "period", "received_at", "outcome").iter_rows()]
    mine = ledger.filter(pl.Series(keep, dtype=pl.Boolean)) if ledger.height else ledger
    about = [p is None or belongs(period, p, None, calendar) for p in issues["period"].to_list()]
    found = issues.filter(pl.Series(about, dtype=pl.Boolean)) if issues.height else issues
    return mine, found.join(mine.select("sha256").unique(), on="sha256", how="semi")


def files_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    """Return the files sheet: every file received for the period, its outcome and why."""
    lang = text["lang"]
    period = str(inputs.results.period)
    b = list_sheet(text, "files", period)
    reasons = _reasons(inputs.intake_issues, text)
    ledger = inputs.ledger.sort("received_at", "file_name")
    top = b.row
    labels = headers("sheet_files", lang)
    b.height(top, 32)
    for c, label in enumerate(labels):
        b.put(top, c, label, HEADER)
    set_widths(b, "sheet_files")
    widths = dict(b.widths)
    for i, r in enumerate(ledger.iter_rows(named=True), start=top + 1):
        reason = reasons.get((r["sha256"], r["file_name"]), "")
        outcome = merge_styles(TEXT, style(bg_color=OUTCOME_COLORS[r["outcome"]])) \
            if r["outcome"] in OUTCOME_COLORS else TEXT
        values = [(r["file_name"], WRAP), (r["unit_code"], TEXT), (inputs.name_at(r["unit_code"], r["period"]), WRAP),
                  (r["period"], TEXT), (hanoi_time(r["received_at"]), TIMESTAMP), (r["rows_read"], INTEGER),
                  (r["rows_accepted"], INTEGER), (r["rows_rejected"], INTEGER),
                  (text["outcome"][r["outcome"]], outcome), (reason or None, WRAP), (r["sha256"][:12], TEXT)]
        b.put_row(i, values)
        b.fit(i, r["file_name"], widths[0])
        b.fit(i, reason, widths[9])
    last = top + ledger.height
    b.row = last + 2
    finish_list(b, text, top, last, len(labels), period)
    return b.build()


def _reasons(issues: pl.DataFrame, text: dict) -> dict[tuple[str, str], str]:
    """Return, per file (sha256, name), its file-level messages and a count of its row issues by code."""
    lang = text["lang"]
    out: dict[tuple[str, str], list[str]] = {}
    counts: dict[tuple[str, str], Counter] = {}
    ordered = issues.sort("severity", "code", "row", nulls_last=False)
    for r in ordered.select("sha256", "file", "row", "code", f"message_{lang}").iter_rows():
        sha, file, row, code, message = r
        key = (sha, file)
        if row is None:
            lines = out.setdefault(key, [])
            if message not in lines:
                lines.append(message)
        else:
            counts.setdefault(key, Counter())[code] += 1
    for key, counter in counts.items():
        summary = ", ".join(f"{code} × {n}" for code, n in sorted(counter.items()))
        out.setdefault(key, []).append(text["row_issues"].format(summary=summary))
    return {key: "\n".join(lines) for key, lines in out.items()}


def issues_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    """Return the data-issues sheet: the period's issues, at most `ISSUES_PER_CODE_AND_FILE` per code and file."""
    lang = text["lang"]
    period = str(inputs.results.period)
    b = list_sheet(text, "issues", period)
    issues = pl.concat([inputs.intake_issues, inputs.results.issues], how="vertical").sort(
        "file", "sheet", "row", "column", "code", "period", "unit_code", "message_en", nulls_last=False)
    shown = issues.with_columns(_n=pl.int_range(pl.len()).over("file", "code"),
                                _of=pl.len().over("file", "code"))
    labels = headers("sheet_issues", lang)
    top = b.row
    b.height(top, 32)
    for c, label in enumerate(labels):
        b.put(top, c, label, HEADER)
    set_widths(b, "sheet_issues")
    width = dict(b.widths)[len(labels) - 1]
    row = top
    more = style(italic=True, font_color="#595959", border=1)
    for r in shown.filter(pl.col("_n") <= ISSUES_PER_CODE_AND_FILE).iter_rows(named=True):
        row += 1
        if r["_n"] == ISSUES_PER_CODE_AND_FILE:  # the first one not shown
            line = text["more_issues"].format(n=r["_of"] - ISSUES_PER_CODE_AND_FILE, code=r["code"], period=period)
            b.put(row, 2, r["file"], more)
            b.put(row, 7, r["code"], more)
            b.put(row, 9, line, merge_styles(more, style(text_wrap=True)))
            b.fit(row, line, width)
            continue
        values = [(r["unit_code"], TEXT), (r["period"], TEXT), (r["file"], WRAP), (r["sheet"], TEXT),
                  (r["row"], INTEGER), (r["column"], TEXT), (r["value"], TEXT), (r["code"], TEXT),
                  (text["severity"][r["severity"]], TEXT), (r[f"message_{lang}"], WRAP)]
        b.put_row(row, values)
        b.fit(row, r[f"message_{lang}"] or "", width)
    b.row = row + 2
    finish_list(b, text, top, row, len(labels), period)
    return b.build()
