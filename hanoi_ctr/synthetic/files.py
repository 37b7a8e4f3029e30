"""Write synthetic submissions as the files offices send, with labels of what each must raise.

`write_submissions(synthetic, catalog, out_dir, format=...)` writes every
submission version of a `Synthetic` as a filled template workbook (written
by `templates.write_template`, no round trip through a spreadsheet
library), a plain long-table `.xlsx` or a long-table CSV (UTF-8); both
kinds of workbook are specs rendered by `workbook.render`. Long tables may
bundle several units and quarters in one file (`name`); task progress goes
to a file of its own (`…_tasks.csv`), as the long task table has its own
header.

On request a share of rows is written the messy ways offices type them
(comma decimals, `%` signs, numbers as text, stray spaces, decomposed
Vietnamese, other period spellings) — still valid, parsing to the same
values — and a share of rows is spoiled, each labelled with the one issue
code it must raise at its row and column. What was written comes back as a
`Written`: the manifest, the expected issues, the messy cells, and the
truth as ingestion must accept it, with file, sheet, row and SHA-256.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable, Iterable

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare import rules
from hanoi_ctr.declare.schemas import polars_schema
from hanoi_ctr.declare.vocabulary import TASK_STATUSES
from hanoi_ctr.intake import layout as L
from hanoi_ctr.intake.templates import Filled, template_specs, write_template
from hanoi_ctr.periods import deadline_passed_at, parse_period
from hanoi_ctr.settings import Settings
from hanoi_ctr.synthetic.values import Synthetic, rng
from hanoi_ctr.workbook.render import render
from hanoi_ctr.workbook.sheetspec import Cell, Sheet, WorkbookSpec, options, style

__all__ = ["BAD_CODES", "FORMATS", "Written", "default_name", "write_submissions"]

FORMATS = ("template", "csv", "xlsx")
#: The row problems a spoiled row can carry, with the column each is reported at.
BAD_CODES = {
    "unknown-unit": "unit_code", "unknown-indicator": "indicator_code", "invalid-period": "period",
    "duplicate-row": "indicator_code", "type-error": "value", "missing-value": "value",
    "out-of-range": "value", "non-integer": "value", "numerator-exceeds-denominator": "numerator",
    "ratio-inconsistent": "value",
}
_KEY_CODES = ("unknown-unit", "unknown-indicator", "invalid-period", "duplicate-row")  # not in a template
_LONG = ("unit_code", "period", "indicator_code", "value", "numerator", "denominator", "note", "submitted_at",
         "reported_by")
_LONG_TASKS = ("unit_code", "period", "task_code", "status", "completed_on", "note", "submitted_at",
               "reported_by")
_STATUS_LABEL = TASK_STATUSES.labels("vi")
_SHEET = "Số liệu"
_DAY = style(num_format="dd/mm/yyyy")
_LABELS = {"file": pl.String, "sheet": pl.String, "row": pl.Int64, "column": pl.String}


@dataclass(frozen=True)
class Written:
    """What `write_submissions` wrote.

    Attributes:
        files: one row per file × unit × quarter × kind (`indicators`,
            `tasks`): relative `path`, `file` name, format, version,
            submitted_at, late, sha256.
        expected: the issues validation must raise (file, sheet, row,
            column, code): each spoiled row, and `late-submission` per
            late file × unit × quarter with rows accepted.
        messy: the cells written messily but validly (file, sheet, row, column, kind).
        values: the indicator rows ingestion must accept, as the declared
            `indicator_values` table plus `file`.
        tasks: the task rows ingestion must accept, as `task_progress` plus `file`.
    """

    files: pl.DataFrame
    expected: pl.DataFrame
    messy: pl.DataFrame
    values: pl.DataFrame
    tasks: pl.DataFrame


def default_name(unit: str, period: str, version: int) -> str:
    """Name a submission file (without suffix) as offices do, a revision with `_v2`.

    >>> default_name("003", "2024-Q3", 1), default_name("003", "2024-Q3", 2)
    ('2024-Q3_003', '2024-Q3_003_v2')
    """
    return f"{period}_{unit}" + (f"_v{version}" if version > 1 else "")


def write_submissions(synthetic: Synthetic, catalog: Catalog, out_dir: Path | str, *, format: str = "csv",
                      name: Callable[[str, str, int], str] = default_name, messy: float = 0.0,
                      bad: float = 0.0, codes: Iterable[str] = tuple(BAD_CODES),
                      settings: Settings | None = None) -> Written:
    """Write every submission version of `synthetic` into out_dir; return the manifest and the truth.

    Args:
        format: `template`, `csv` or `xlsx`.
        name: the file name (a relative path without suffix) of a unit's
            quarter and version; long tables bundle what shares a name.
        messy: share of rows written in a messy but valid way.
        bad: share of indicator rows spoiled, each with one of `codes`
            (a template can only carry the value problems).

    Raises:
        ValueError: an unknown format or code, or two template submissions with one name.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    codes = tuple(codes)
    unknown = sorted(set(codes) - set(BAD_CODES))
    if unknown:
        raise ValueError(f"not codes a spoiled row can carry: {', '.join(unknown)}")
    writer = _Writer(synthetic, catalog, Path(out_dir), format, messy, bad, codes, settings or Settings())
    groups: dict[str, list[dict]] = {}
    for sub in synthetic.submissions.sort("period", "unit_code", "version").iter_rows(named=True):
        groups.setdefault(name(sub["unit_code"], sub["period"], sub["version"]), []).append(sub)
    for stem, subs in groups.items():
        if format == "template":
            if len(subs) > 1:
                raise ValueError(f"a template holds one submission; {len(subs)} are named {stem!r}")
            writer.template(stem, subs[0])
        else:
            writer.long(stem, subs, "indicators")
            writer.long(stem + "_tasks", subs, "tasks")
    return writer.result()


@dataclass
class _Row:
    """One written data row: its cells, where it is, and what it must become."""

    cells: dict[str, Any]
    sub: dict
    truth: dict | None  # the accepted row it yields, or None when it is spoiled
    code: str | None = None
    messy: list[tuple[str, str]] | None = None  # (column, kind)


class _Writer:
    """Write files one by one, keeping the manifest, the labels and the truth as it goes."""

    def __init__(self, synthetic: Synthetic, catalog: Catalog, out: Path, format: str, messy: float,
                 bad: float, codes: tuple[str, ...], settings: Settings) -> None:
        self.s, self.catalog, self.out, self.format = synthetic, catalog, out, format
        self.messy_share, self.bad_share, self.settings = messy, bad, settings
        self.codes = tuple(c for c in codes if format != "template" or c not in _KEY_CODES)
        self.rules = {r["indicator_code"]: r for r in rules.rule_columns(catalog.indicators).iter_rows(named=True)}
        self.units = set(catalog.units["unit_code"])
        # Indicators reported by category in the long tables: counts, and ratios from their parts.
        # (A code may name another indicator in another term: the rules are those of the term that breaks it down.)
        self.categories: dict[str, list[str]] = {}
        self.category_rules: dict[tuple[str, str], dict] = {}
        for term, code, category in catalog.category_keys().select("term", "indicator_code", "category").iter_rows():
            self.categories.setdefault(code, []).append(category)
            found = rules.rule_columns(catalog.for_term(term).indicators.filter(pl.col("indicator_code") == code))
            self.category_rules[(term, code)] = found.row(0, named=True)
        order = {c: (r["display_order"], c) for c, r in self.rules.items()}
        self.cells: dict[tuple[str, str, int], list[dict]] = {}
        for cell in synthetic.cells.iter_rows(named=True):
            self.cells.setdefault((cell["unit_code"], cell["period"], cell["version"]), []).append(cell)
        for found in self.cells.values():
            found.sort(key=lambda c: order[c["indicator_code"]])
        self.tasks: dict[tuple[str, str, int], list[dict]] = {}
        for task in synthetic.tasks.sort("task_code").iter_rows(named=True):
            self.tasks.setdefault((task["unit_code"], task["period"], task["version"]), []).append(task)
        self.specs: dict[str, dict] = {}
        self.files: list[dict] = []
        self.expected: list[dict] = []
        self.messy: list[dict] = []
        self.values: list[dict] = []
        self.task_values: list[dict] = []
        self.late: set[tuple[str, str, str]] = set()
        self.hashes: dict[Path, str] = {}

    # --- rows ---------------------------------------------------------------------

    def _indicator_rows(self, sub: dict, r: random.Random) -> list[_Row]:
        rows = []
        for cell in self.cells.get((sub["unit_code"], sub["period"], sub["version"]), []):
            rule = self.rules[cell["indicator_code"]]
            typed = {"unit_code": cell["unit_code"], "period": cell["period"],
                     "indicator_code": cell["indicator_code"],
                     "value": cell["no_data_marker"] or _number(cell["value"], rule),
                     "numerator": _number(cell["numerator"], rule, whole=True),
                     "denominator": _number(cell["denominator"], rule, whole=True), "note": cell["note"]}
            row = _Row(typed, sub, dict(cell))
            eligible = [c for c in self.codes if _can_spoil(c, cell, rule)]
            if eligible and r.random() < self.bad_share:
                code = r.choice(eligible)
                if code == "duplicate-row":  # the same row pasted twice: the copy is refused
                    rows.append(row)
                    row = _Row(dict(typed), sub, None, code)
                else:
                    row = _Row(typed | self._spoil(code, cell, rule, r), sub, None, code)
            elif r.random() < self.messy_share:
                self._mess_up(row, rule, r)
            rows.append(row)
        return rows

    def _by_category(self, rows: list[_Row]) -> list[_Row]:
        """Return the rows with, after each total of an indicator reported by category, one row per category:
        the total split at random so that the categories add up to it (a count's values, a ratio's numerators
        and denominators). Where one cannot be split, the rows are returned as they are (totals only)."""
        out = []
        for row in rows:
            out.append(row)
            code = row.truth and row.truth["indicator_code"]
            if code not in self.categories or row.truth["no_data_marker"]:
                continue
            parts = self._split(row.truth, rng(self.s.seed, "categories", row.truth["unit_code"],
                                               row.truth["period"], code))
            if parts is None:
                return rows
            kept = {c: v for c, v in row.cells.items() if c not in ("value", "numerator", "denominator", "note")}
            for category, cells in zip(self.categories[code], parts):
                # A count's value as a whole number; a ratio's parts only (its value is computed from them).
                typed = {c: (int(v) if v is not None and (c != "value" or cells["numerator"] is None) else None)
                         for c, v in cells.items()}
                out.append(_Row(kept | typed | {"category": category, "note": None}, row.sub,
                                row.truth | cells | {"category": category, "note": None}))
        return out

    def _spoiled_by_category(self, rows: list[_Row]) -> bool:
        """Tell whether a spoiled row is of an indicator reported by category: its file then sends totals only,
        lest the spoiled total be said to lack its categories besides its own problem."""
        return any(row.code and row.cells["indicator_code"] in self.categories for row in rows)

    def _split(self, truth: dict, r: random.Random) -> list[dict] | None:
        """Return a total's two categories: a count's value, or a ratio's numerator and denominator."""
        rule = self.category_rules.get((self.catalog.term_for(parse_period(truth["period"])), truth["indicator_code"]))
        if rule is None:
            return None
        if rule["_additive"] and rule["_whole"] and truth["value"] is not None:
            total = int(truth["value"])
            first = round(total * r.uniform(0.3, 0.7))
            return [{"value": float(v), "numerator": None, "denominator": None} for v in (first, total - first)]
        num, den = truth["numerator"], truth["denominator"]
        if not rule["_value_from_parts"] or num is None or den is None or den < 2:
            return None
        b = min(max(1, round(den * r.uniform(0.3, 0.7))), int(den) - 1)
        a = min(b, round(num * b / den))
        if num - a > den - b or a < 0:
            return None
        scale = rule["ratio_scale"]
        return [{"value": scale * x / y, "numerator": float(x), "denominator": float(y)}
                for x, y in ((a, b), (num - a, den - b))]

    def _spoil(self, code: str, cell: dict, rule: dict, r: random.Random) -> dict[str, Any]:
        """Return the cells that make a row raise exactly `code`."""
        value, lo, hi = cell["value"], rule["min_value"], rule["max_value"]
        whole = rule["_whole"]
        if code == "unknown-unit":
            typo = cell["unit_code"] + cell["unit_code"][-1]
            return {"unit_code": typo if typo not in self.units else "999"}
        if code == "unknown-indicator":
            typo = str(float(cell["indicator_code"]))  # a spreadsheet ate the leading zero
            return {"indicator_code": cell["indicator_code"].replace(".", "") if typo in self.rules else typo}
        if code == "invalid-period":
            p = parse_period(cell["period"])
            return {"period": f"Quý V/{p.year}"}
        if code == "type-error":
            return {"value": r.choice(("đang tổng hợp", "chưa rõ", "n/a?"))}
        if code == "missing-value":
            return {"value": None}
        if code == "out-of-range":
            if hi is not None:
                return {"value": _number(hi + (r.randint(1, 20) if whole else round(r.uniform(1, 20), 1)),
                                         rule)}
            return {"value": _number(lo - (r.randint(1, 5) if whole else round(r.uniform(0.5, 5), 1)), rule)}
        if code == "non-integer":
            step = 0.5 if hi is None or value + 0.5 <= hi else -0.5
            return {"value": value + step}
        if code == "numerator-exceeds-denominator":
            den = cell["denominator"]
            return {"value": None, "numerator": int(den + max(1, den // 20))}
        return {"value": _number(_inconsistent(cell, rule), rule)}

    def _mess_up(self, row: _Row, rule: dict, r: random.Random) -> None:
        """Write one cell of a clean row the way some office would: different text, same meaning."""
        options: list[tuple[str, str, Any]] = []
        value = row.cells["value"]
        if isinstance(value, (int, float)):
            options += [("value", kind, text) for kind, text in _messy_numbers(value, rule, self.format)]
        note = row.truth and row.truth["note"] or r.choice(("Số liệu ước tính", "Đã rà soát, đối chiếu"))
        options.append(("note", "decomposed-unicode", unicodedata.normalize("NFD", note)))
        if self.format != "template":
            p = parse_period(row.cells["period"])
            spellings = (f"Quý {('I', 'II', 'III', 'IV')[p.index - 1]}/{p.year}", f"Q{p.index}/{p.year}",
                         f"quý {p.index}/{p.year}")
            options += [("unit_code", "stray-spaces", f" {row.cells['unit_code']} "),
                        ("period", "period-spelling", r.choice(spellings))]
        column, kind, text = r.choice(options)
        row.cells[column] = text
        row.messy = [(column, kind)]
        if column == "note" and row.truth is not None:
            row.truth["note"] = note

    # --- long tables ---------------------------------------------------------------

    def long(self, stem: str, subs: list[dict], kind: str) -> None:
        """Write the indicator (or task) rows of some submissions as one long-table file."""
        r = rng(self.s.seed, "file", stem, kind)
        header = _LONG if kind == "indicators" else _LONG_TASKS
        rows: list[_Row] = []
        for sub in subs:
            if kind == "indicators":
                rows += self._indicator_rows(sub, r)
            else:
                rows += [self._task_row(task, sub, "long")
                         for task in self.tasks.get((sub["unit_code"], sub["period"], sub["version"]), [])]
        if not rows:
            return
        for row in rows:
            row.cells |= {"submitted_at": self._day(row.sub["submitted_on"], r),
                          "reported_by": row.sub["reported_by"]}
            if isinstance(row.cells["submitted_at"], str):
                row.messy = (row.messy or []) + [("submitted_at", "date-as-text")]
        if kind == "indicators" and not self._spoiled_by_category(rows):
            rows = self._by_category(rows)
        if kind == "indicators" and any("category" in row.cells for row in rows):
            header = (*_LONG[:3], "category", *_LONG[3:])
        path = self.out / f"{stem}.{self.format}"
        path.parent.mkdir(parents=True, exist_ok=True)
        sheet = None if self.format == "csv" else _SHEET
        if self.format == "csv":
            delimiter = ";" if self.messy_share and r.random() < 0.2 else ","
            bom = "\ufeff" if self.messy_share and r.random() < 0.3 else ""
            path.write_bytes((bom + _csv(header, rows, delimiter)).encode("utf-8"))
        else:
            _xlsx(path, header, rows, datetime.combine(subs[0]["submitted_on"], time(0)))
        self._record(path, sheet, rows, kind, first_row=2)
        self._manifest(path, kind, [row.sub for row in rows])

    def _day(self, day: date, r: random.Random) -> date | str:
        """Return the day sent as a date, or for a messy share as text typed dd/mm/yyyy."""
        return day.strftime("%d/%m/%Y") if self.messy_share and r.random() < self.messy_share else day

    def _task_row(self, task: dict, sub: dict, style: str) -> _Row:
        cells = {"unit_code": task["unit_code"], "period": task["period"], "task_code": task["task_code"],
                 "status": _STATUS_LABEL[task["status"]] if style == "template" else task["status"],
                 "completed_on": task["completed_on"], "note": task["note"]}
        return _Row(cells, sub, dict(task))

    # --- templates -----------------------------------------------------------------

    def template(self, stem: str, sub: dict) -> None:
        """Write one submission as the unit's template with its input cells filled in."""
        period = sub["period"]
        if period not in self.specs:  # built once per quarter for all its units: the catalog is indexed once
            units = self.s.submissions.filter(pl.col("period") == period)["unit_code"].unique().to_list()
            calendar = self.settings.calendar
            self.specs[period] = template_specs(self.catalog, period, units, calendar)
        spec = self.specs[period][sub["unit_code"]]
        r = rng(self.s.seed, "file", stem, "template")
        sent = self._indicator_rows(sub, r)
        if not self._spoiled_by_category(sent):
            sent = self._by_category(sent)  # the category rows filled in beneath their totals
        rows = {row.cells["indicator_code"] + (f"|{row.cells['category']}" if row.cells.get("category") else ""): row
                for row in sent}
        tasks = {t["task_code"]: self._task_row(t, sub, "template")
                 for t in self.tasks.get((sub["unit_code"], period, sub["version"]), [])}
        sent = self._day(sub["submitted_on"], r)
        if isinstance(sent, str):
            self.messy.append({"file": f"{Path(stem).name}.xlsx", "sheet": L.INDICATOR_SHEET,
                               "row": L.REPORTER_ROW, "column": "submitted_at", "kind": "date-as-text"})
        filled = Filled(
            indicators={code: {k: row.cells[k] for k in L.INDICATOR_INPUTS} for code, row in rows.items()},
            tasks={code: {k: row.cells[k] for k in L.TASK_INPUTS} for code, row in tasks.items()},
            reported_by=sub["reported_by"], submitted_on=sent)
        path = self.out / f"{stem}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_template(spec, path, filled)
        # A category's row not filled in (its file has a spoiled row) is left empty, and an empty row is not read.
        ordered = [rows.get(line.key) for line in spec.indicators]
        self._record(path, L.INDICATOR_SHEET, ordered, "indicators", first_row=L.FIRST_DATA_ROW)
        self._record(path, L.TASK_SHEET, [tasks[t.code] for t in spec.tasks], "tasks",
                     first_row=L.FIRST_DATA_ROW)
        self._manifest(path, "template", [sub])

    # --- bookkeeping ---------------------------------------------------------------

    def _record(self, path: Path, sheet: str | None, rows: list[_Row | None], kind: str, first_row: int) -> None:
        """Note the rows' truth and labels, and the late warnings the file must raise (None: a row not sent)."""
        sha, name = self._sha(path), path.name
        for number, row in enumerate(rows, start=first_row):
            if row is None:
                continue
            where = {"file": name, "sheet": sheet, "row": number}
            if row.code:
                self.expected.append(where | {"column": BAD_CODES[row.code], "code": row.code})
            for column, messy_kind in row.messy or []:
                self.messy.append(where | {"column": column, "kind": messy_kind})
            if row.truth is None:
                continue
            sub = row.sub
            (self.values if kind == "indicators" else self.task_values).append(row.truth | {
                "submitted_at": sub["submitted_at"], "reported_by": sub["reported_by"], "sha256": sha,
                "sheet": sheet, "row": number, "file": name})
            # Lateness is judged per file × unit × quarter with rows accepted, once.
            key = (name, sub["unit_code"], sub["period"])
            period, rule = parse_period(sub["period"]), self.settings.deadline_rule
            late_at = deadline_passed_at(period, self.settings.calendar, rule)
            if sub["submitted_at"] >= late_at and key not in self.late:
                self.late.add(key)
                self.expected.append({"file": name, "sheet": None, "row": None, "column": None,
                                      "code": "late-submission"})

    def _manifest(self, path: Path, kind: str, subs: list[dict]) -> None:
        """Add one manifest row per unit × quarter in the file."""
        seen = set()
        for sub in subs:
            if (sub["unit_code"], sub["period"]) in seen:
                continue
            seen.add((sub["unit_code"], sub["period"]))
            self.files.append({"path": path.relative_to(self.out).as_posix(), "file": path.name,
                               "format": self.format, "kind": kind, "unit_code": sub["unit_code"],
                               "period": sub["period"], "version": sub["version"],
                               "submitted_at": sub["submitted_at"], "late": sub["late"],
                               "sha256": self._sha(path)})

    def _sha(self, path: Path) -> str:
        if path not in self.hashes:
            self.hashes[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        return self.hashes[path]

    def result(self) -> Written:
        expected = pl.DataFrame(self.expected, schema=_LABELS | {"code": pl.String}, orient="row")
        messy = pl.DataFrame(self.messy, schema=_LABELS | {"kind": pl.String}, orient="row")
        files = pl.DataFrame(self.files, schema={
            "path": pl.String, "file": pl.String, "format": pl.String, "kind": pl.String,
            "unit_code": pl.String, "period": pl.String, "version": pl.Int64,
            "submitted_at": pl.Datetime("us", "UTC"), "late": pl.Boolean, "sha256": pl.String}, orient="row")
        return Written(files, expected, messy, _declared("indicator_values", self.values),
                       _declared("task_progress", self.task_values))


def _declared(table: str, rows: list[dict]) -> pl.DataFrame:
    schema = polars_schema(table)
    frame = pl.DataFrame([{c: row.get(c) for c in (*schema, "file")} for row in rows],
                         schema=dict(schema) | {"file": pl.String}, orient="row")
    return frame.sort("file", "sheet", "row")


# --- cells -------------------------------------------------------------------------


def _number(x: float | None, rule: dict, whole: bool = False) -> int | float | None:
    """Return a number as an office would type it: whole for counts and parts, else with its decimals."""
    if x is None:
        return None
    return int(x) if whole or rule["_whole"] or rule["_boolean"] else x


def _text(x: int | float, rule: dict) -> str:
    """Write a number as plain text with the indicator's decimals.

    >>> _text(90.5, {"decimals": 2}), _text(12, {"decimals": 0})
    ('90.50', '12')
    """
    return str(x) if isinstance(x, int) else f"{x:.{rule['decimals']}f}"


def _messy_numbers(x: int | float, rule: dict, format: str) -> list[tuple[str, str]]:
    """Return the messy ways to type a number that still parse to it."""
    plain = _text(x, rule)
    out = [("stray-spaces", f"\u00a0{plain} ")]
    if "." in plain:
        out.append(("comma-decimal", plain.replace(".", ",")))
    if rule["_percent"]:
        out.append(("percent-sign", plain.replace(".", ",") + "%"))
    if isinstance(x, int) and abs(x) >= 1000:
        out.append(("thousands-separator", f"{x:,}".replace(",", " ")))
    if isinstance(x, int) and abs(x) >= 1_000_000:
        out.append(("thousands-separator", f"{x:,}".replace(",", ".")))
    if format != "csv":
        out.append(("number-as-text", plain))
    return out


def _can_spoil(code: str, cell: dict, rule: dict) -> bool:
    """Tell whether a cell can be spoiled so that it raises exactly `code` and nothing else."""
    if cell["value"] is None:
        return False
    ratio = rule["_value_from_parts"]
    share = ratio and rule["max_value"] is not None and rule["max_value"] <= rule["ratio_scale"]
    return {
        "missing-value": not ratio, "type-error": True, "non-integer": rule["_whole"],
        "out-of-range": not ratio and not rule["_boolean"] and (rule["min_value"] is not None
                                                                or rule["max_value"] is not None),
        "numerator-exceeds-denominator": share,
        "ratio-inconsistent": ratio and _inconsistent(cell, rule) is not None,
    }.get(code, True)


def _inconsistent(cell: dict, rule: dict) -> float | None:
    """Return a value well off scale × numerator / denominator yet inside the bounds (None if none is)."""
    v = cell["value"]
    step = max(1.0, 0.1 * abs(v), 10.0 ** -rule["decimals"] * 10)
    for candidate in (v + step, v - step):
        if (rule["min_value"] is None or candidate >= rule["min_value"]) and (
                rule["max_value"] is None or candidate <= rule["max_value"]):
            return round(candidate, rule["decimals"])
    return None


def _csv(header: tuple[str, ...], rows: list[_Row], delimiter: str) -> str:
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    out.writerow(header)
    for row in rows:
        out.writerow([_csv_cell(row.cells.get(c)) for c in header])
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _xlsx(path: Path, header: tuple[str, ...], rows: list[_Row], created: datetime) -> None:
    """Write a plain long table on the first sheet: numbers as numbers, text as text, dates as dates."""
    cells = [Cell(0, col, name) for col, name in enumerate(header)]
    for i, row in enumerate(rows, start=1):
        for col, name in enumerate(header):
            value = row.cells.get(name)
            if value is not None:  # an empty cell is left out, not written blank
                cells.append(Cell(i, col, value, _DAY if isinstance(value, date) else None))
    # A long table as an office exports it: no page set-up of its own.
    sheet = Sheet(_SHEET, tuple(cells), landscape=False, fit_width=False, paper=None)
    render(WorkbookSpec((sheet,), options(author="hanoi_ctr synthetic", created=created)), path)
