"""Synthetic submissions: plausible values and submission facts, with the truth behind them.

`generate(catalog, quarters)` draws, for every unit × indicator due in each
quarter, a value on a path from the baseline towards the term-end target
(or, for a share of pairs, away from it) at a pace drawn per pair, so that a
rollup shows units ahead, on track, lagging and badly off track. It also
draws the facts of each submission: the day it was sent (a share late),
which never arrived, which were revised by a later file, which cells hold a
no-data marker, and the progress of the tasks a unit leads.
`synthetic_files.write_submissions` writes the result as filled templates,
long-table CSV or `.xlsx`, optionally messy or with labelled bad rows.

Why in the library rather than in tests/: the bundled demo data
(`tools/make_demo_data.py`), the benchmarks and the tests all draw on it,
and it must work against any catalog a user points the library at. Values
follow the catalog's value types, bounds, aggregation rules, cumulative
scopes, targets and baselines; the few magnitudes a catalog does not state
(how many fires a district has in a year) come from `HINTS` for the bundled
indicators, else from generic rules.

Every draw comes from a `random.Random` seeded with the seed and the codes
it concerns, so the same seed gives the same data and a unit's values do
not depend on which other units or quarters were asked for.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property
from typing import Any, Iterable, Mapping

import polars as pl

from hanoi_ctr.catalog import Catalog, with_levels
from hanoi_ctr.declare import rules
from hanoi_ctr.declare.schemas import polars_schema
from hanoi_ctr.periods import TIMEZONE, Calendar, Period, deadline, parse_period, window
from hanoi_ctr.settings import Settings

__all__ = ["HINTS", "PACES", "Mix", "Synthetic", "generate", "rng"]

#: Pace classes: the range of the share of the planned progress a pair makes (negative: it moves away).
PACES = {"ahead": (1.35, 1.7), "on_track": (0.97, 1.15), "lagging": (0.74, 0.86), "off_track": (0.1, 0.5),
         "away": (-0.6, -0.15)}
#: Magnitudes the bundled catalog does not state, at city level: `base` is the baseline (a level, or
#: the yearly amount of a flow), `den` the denominator (or weight) per reporting period.
HINTS: dict[str, dict[str, float]] = {
    "01.02": {"den": 30_000}, "01.05": {"den": 25_000}, "01.07": {"base": 92, "den": 1_500_000},
    "02.01": {"base": 3.94}, "02.10": {"base": 16.5}, "02.11": {"base": 28}, "02.12": {"base": 6.5},
    "03.06": {"base": 300_000}, "04.02": {"den": 4_000_000}, "04.05": {"base": 330}, "05.04": {"base": 48},
    "06.03": {"den": 2_300_000}, "06.06": {"base": 2_400}, "07.02": {"base": 1_600},
    "07.03": {"base": 42, "den": 1_200_000}, "07.05": {"base": 160}, "08.03": {"base": 88},
    "08.04": {"base": 1.6, "den": 2_300_000}, "08.06": {"base": 75.4}, "08.07": {"den": 8_400_000},
    "08.09": {"base": 3.9}, "09.01": {"base": 4_200}, "09.02": {"base": 78, "den": 1_050},
    "09.04": {"base": 500}, "09.05": {"den": 4_500}, "10.02": {"base": 360}, "10.04": {"base": 600},
}
REPORTERS = ("Nguyễn Thị Hương", "Trần Văn Minh", "Lê Thị Thu Hà", "Phạm Quốc Tuấn", "Hoàng Thị Lan",
             "Vũ Đức Thắng", "Đặng Thị Ngọc Anh", "Bùi Văn Hùng", "Đỗ Thị Mai", "Ngô Quang Huy")
NOTES = ("Số liệu ước tính", "Số liệu sơ bộ, sẽ cập nhật khi có số chính thức",
         "Đã rà soát với Chi cục Thống kê", "Tăng do đẩy mạnh tuyên truyền, vận động",
         "Giảm so với cùng kỳ do điều chỉnh cách tính")
MARKER_NOTE = "Chưa có số liệu thống kê của kỳ này"
REVISION_NOTE = "Điều chỉnh theo số liệu chính thức"
_SEASON = {1: (0.92, 0.98, 1.0, 1.1), 2: (0.95, 1.05), 4: (1.0,)}  # share of the yearly pace per slot
_QUARTERS = {"quarter": 1, "half": 2, "year": 4}
_CELLS = {"unit_code": pl.String, "period": pl.String, "version": pl.Int64, "indicator_code": pl.String,
          "value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64,
          "no_data_marker": pl.String, "note": pl.String}
_SUBMISSIONS = {"unit_code": pl.String, "period": pl.String, "version": pl.Int64, "submitted_on": pl.Date,
                "submitted_at": pl.Datetime("us", "UTC"), "late": pl.Boolean, "reported_by": pl.String}
_TASKS = {"unit_code": pl.String, "period": pl.String, "version": pl.Int64, "task_code": pl.String,
          "status": pl.String, "completed_on": pl.Date, "note": pl.String}
_PAIRS = {"unit_code": pl.String, "valid_from": pl.Date, "indicator_code": pl.String,
          "pace_class": pl.String, "pace": pl.Float64, "baseline": pl.Float64, "goal": pl.Float64}


def rng(seed: int, *keys: object) -> random.Random:
    """Return a generator seeded with the seed and keys (stable across runs and platforms)."""
    return random.Random("\x1f".join(map(str, (seed, *keys))))


@dataclass(frozen=True)
class Mix:
    """The shares that shape the data.

    `paces` weighs the pace classes of unit × indicator pairs (`PACES`);
    `late`, `missing` and `revised` are shares of unit × quarter submissions
    (units differ in discipline, so some are late or missing more often);
    `no_data` is the share of cells sent as a no-data marker, `notes` of
    cells with a note.
    """

    paces: Mapping[str, float] = field(default_factory=lambda: {
        "ahead": 0.2, "on_track": 0.3, "lagging": 0.2, "off_track": 0.18, "away": 0.12})
    late: float = 0.12
    missing: float = 0.04
    revised: float = 0.04
    no_data: float = 0.02
    notes: float = 0.06

    def __post_init__(self) -> None:
        if set(self.paces) - set(PACES) or not any(w > 0 for w in self.paces.values()):
            raise ValueError(f"paces must weigh some of {', '.join(PACES)}; got {dict(self.paces)}")
        for name in ("late", "missing", "revised", "no_data", "notes"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be a share between 0 and 1")


@dataclass(frozen=True)
class Synthetic:
    """Generated submissions and the truth behind them (all frames sorted).

    Attributes:
        submissions: one row per file version a unit sends for a quarter
            (version 2 is a revision): the day typed as sent, the instant it
            stands for (start of that day in Hanoi), whether it is late.
        missing: the unit × quarter submissions that never arrive.
        cells: the indicator cells of every version, as typed (null value
            where a no-data marker was sent).
        tasks: the task rows of every version sent by a lead unit.
        pairs: per unit (version, by `valid_from`) × indicator, its pace class, pace,
            baseline and goal.
    """

    seed: int
    submissions: pl.DataFrame
    missing: pl.DataFrame
    cells: pl.DataFrame
    tasks: pl.DataFrame
    pairs: pl.DataFrame

    @property
    def values(self) -> pl.DataFrame:
        """Return what ingesting every file leaves current, as the declared `indicator_values` table.

        The latest version of each submission counts; provenance columns are null.
        """
        key = ["unit_code", "period", "version"]
        latest = self.submissions.group_by("unit_code", "period").agg(pl.col("version").max())
        frame = self.cells.join(latest, on=key, how="semi").join(
            self.submissions.select(*key, "submitted_at", "reported_by"), on=key)
        schema = polars_schema("indicator_values")
        return frame.select(*[(pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
                              for c, t in schema.items()]).sort("period", "unit_code", "indicator_code")

    def select(self, periods: Iterable[Period | str] | None = None, units: Iterable[str] | None = None,
               versions: Iterable[int] | None = None) -> Synthetic:
        """Return the part for some quarters, units or versions (to write them in another way)."""
        keep = pl.lit(True)
        if periods is not None:
            keep &= pl.col("period").is_in([str(_quarter(p)) for p in periods])
        if units is not None:
            keep &= pl.col("unit_code").is_in(list(units))
        pairs = self.pairs if units is None else self.pairs.filter(pl.col("unit_code").is_in(list(units)))
        missing = self.missing.filter(keep) if versions is None else self.missing.clear()
        if versions is not None:
            keep &= pl.col("version").is_in(list(versions))
        return Synthetic(self.seed, self.submissions.filter(keep), missing, self.cells.filter(keep),
                         self.tasks.filter(keep), pairs)


def generate(catalog: Catalog, quarters: Iterable[Period | str], units: Iterable[str] | None = None, *,
             seed: int = 0, mix: Mix = Mix(), settings: Settings | None = None) -> Synthetic:
    """Generate the submissions of units for quarters, deterministically from the seed.

    Args:
        quarters: the report quarters (half-year and yearly indicators are due
            in the quarter that closes their period, as in `Catalog.due`).
        units: unit codes (default: every unit in force with something due or a task to lead).
        settings: the calendar and the deadline rule that decide lateness (None: the defaults).

    Raises:
        ValueError: a period is not a quarter, the quarters span two terms, or a unit is not in the
            catalog.
    """
    qs = sorted({_quarter(q) for q in quarters})
    if any(q.kind != "quarter" for q in qs):
        raise ValueError("synthetic submissions are generated per quarter; pass quarters like 2024-Q3")
    terms = {catalog.term_named(q) for q in qs}
    if len(terms) > 1:
        raise ValueError(f"the quarters span terms {', '.join(sorted(terms))}: generate each term apart")
    if terms:
        catalog = catalog.for_term(terms.pop())
    wanted = None if units is None else set(units)
    unknown = sorted((wanted or set()) - set(catalog.units["unit_code"]))
    if unknown:
        raise ValueError(f"not units of the catalog: {', '.join(unknown)}")
    settings = settings or Settings()
    model = _Model(catalog, seed, mix, settings.calendar)
    subs: list[dict] = []
    missing, cells, tasks = [], [], []
    for q in qs:
        due: dict[str, list[str]] = {}
        for unit, code in catalog.due(q, model.calendar).iter_rows():
            due.setdefault(unit, []).append(code)
        in_force = set(catalog.units_on(window(q, model.calendar)[1])["unit_code"])
        reporting = (set(due) | set(model.leads)) & in_force
        for unit in sorted(reporting if wanted is None else reporting & wanted):
            for code in due.get(unit, []):
                model.path(unit, code, q.last_ordinal)  # every pair due has its pace, sent or not
            versions = _versions(seed, mix, settings, unit, q)
            if not versions:
                missing.append({"unit_code": unit, "period": str(q)})
                continue
            subs += versions
            first = [model.cell(unit, q, code) for code in due.get(unit, [])]
            revised = model.revise(unit, q, first) if len(versions) > 1 else []
            cells += [c | {"version": v} for v, part in ((1, first), (2, revised)) for c in part]
            tasks += [t | {"version": v["version"]} for v in versions for t in model.task_rows(unit, q)]
    return Synthetic(
        seed,
        pl.DataFrame(subs, schema=_SUBMISSIONS, orient="row"),
        pl.DataFrame(missing, schema={"unit_code": pl.String, "period": pl.String}, orient="row"),
        pl.DataFrame([{k: c[k] for k in _CELLS} for c in cells], schema=_CELLS, orient="row"),
        pl.DataFrame(tasks, schema=_TASKS, orient="row"),
        # Ranks draw every unit ranked; keep the pairs of the units asked for.
        pl.DataFrame(list(model.pairs.values()), schema=_PAIRS, orient="row").filter(
            pl.lit(wanted is None) | pl.col("unit_code").is_in(sorted(wanted or ()))
        ).sort("unit_code", "valid_from", "indicator_code", nulls_last=False),
    )


def _since(since: date | None) -> tuple[str, ...]:
    """Return the seed key of a unit version: nothing for one that predates the catalog's dates."""
    return () if since is None else (since.isoformat(),)


def _quarter(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def _versions(seed: int, mix: Mix, settings: Settings, unit: str, q: Period) -> list[dict]:
    """Return the file versions a unit sends for a quarter (none: it sends nothing)."""
    r = rng(seed, "submission", unit, q)
    draw = rng(seed, "discipline", unit).random()
    factor = 0.3 if draw < 0.5 else 1.0 if draw < 0.8 else 3.0  # a unit's usual timeliness
    if r.random() < mix.missing * factor:
        return []
    due = deadline(q, settings.calendar, settings.deadline_rule)
    first = window(q, settings.calendar)[1] + timedelta(days=1)
    late = r.random() < mix.late * factor
    day = (due + timedelta(days=r.randint(1, 25)) if late
           else max(first, due - timedelta(days=r.randint(0, 4))))
    days = [day] + ([day + timedelta(days=r.randint(3, 20))] if r.random() < mix.revised else [])
    reporter = REPORTERS[rng(seed, "reporter", unit).randrange(len(REPORTERS))]
    return [{"unit_code": unit, "period": str(q), "version": v, "submitted_on": d,
             "submitted_at": datetime.combine(d, time(0), tzinfo=TIMEZONE).astimezone(timezone.utc),
             "late": d > due, "reported_by": reporter} for v, d in enumerate(days, start=1)]


@dataclass(frozen=True)
class _Rule:
    """An indicator's rules, with its city-level baseline and goal (stated, hinted or derived)."""

    row: dict[str, Any]
    mode: str  # level, flow, running, boolean, rank
    base: float
    goal: float
    den: float | None

    def __getattr__(self, name: str) -> Any:
        """Read the catalog columns (`value_type`, `min_value`, …) as attributes."""
        return self.row[name]

    @property
    def share(self) -> bool:
        """Tell whether a ratio is a share of its denominator (numerator ≤ denominator)."""
        return self._value_from_parts and self.max_value is not None and self.max_value <= self.ratio_scale

    def clamp(self, x: float) -> float:
        """Keep x within the indicator's bounds (amounts are never negative; rates of change may be)."""
        lo = self.min_value if self.min_value is not None else (0.0 if not self._percent else None)
        x = max(x, lo) if lo is not None else x
        return min(x, self.max_value) if self.max_value is not None else x

    def round(self, x: float) -> float:
        """Round x as the indicator is reported: whole counts, ranks and yes/no, else its decimals."""
        return float(round(x)) if self._whole or self._boolean else round(x, self.decimals)


def _goal(row: Mapping[str, Any] | None, base: float | None) -> float | None:
    """Return the point a target row aims at: its value, the middle of its range, a bound or base + delta."""
    if row is None:
        return None
    lo, hi, delta = row["target_min"], row["target_max"], row["target_delta"]
    if row["target_value"] is not None:
        return row["target_value"]
    if lo is not None and hi is not None:
        return (lo + hi) / 2
    if lo is not None or hi is not None:
        return lo if lo is not None else hi
    return base + delta if delta is not None and base is not None else None


def _derive(row: Mapping[str, Any], base: float | None, goal: float | None, n_units: int
            ) -> tuple[float, float]:
    """Fill in a missing city baseline or goal from the other, the bounds and the direction."""
    lo, hi, direction = row["min_value"], row["max_value"], row["direction"]
    width = (hi - lo) if lo is not None and hi is not None else None
    if base is None and goal is None:
        base = (lo + width * (0.3 if direction == "decrease" else 0.65)) if width else 20.0 * n_units
    if base is None:
        assert goal is not None
        if direction == "range":
            base = goal * 0.93
        elif width is not None:
            room = (goal - lo) if direction == "increase" else goal
            base = goal + (-1 if direction == "increase" else 1) * min(0.12 * width, 0.35 * room)
        else:
            base = goal / 1.25 if direction == "increase" else goal * 1.25
    if goal is None:
        goal = base * {"increase": 1.15, "decrease": 0.85}.get(direction, 1.0)
    return base, goal


class _Model:
    """Draw paths of values per unit × indicator, and the progress of tasks."""

    def __init__(self, catalog: Catalog, seed: int, mix: Mix, calendar: Calendar) -> None:
        self.catalog, self.seed, self.mix, self.calendar = catalog, seed, mix, calendar
        term = catalog.term
        # Quarter ordinals: the term's first quarter, the baseline (the quarter before) and the term's last.
        self.start = term["start_year"] * 4
        self.t0, self.t1 = self.start - 1, term["end_year"] * 4 + 3
        # A code may name several units over time (the 2025 wards reuse old codes): each version,
        # known by its first day, has its own path.
        self.versions: dict[str, list[tuple[date | None, date | None, str]]] = {}
        for row in with_levels(catalog.units).sort("valid_from", nulls_last=False).iter_rows(named=True):
            found = self.versions.setdefault(row["unit_code"], [])
            found.append((row["valid_from"], row["valid_to"], row["level"]))
        self.city = next((u for u, found in self.versions.items() if found[0][2] == "city"), None)
        self.markers = tuple(catalog.markers["marker"])
        self.leads: dict[str, list[dict]] = {}
        for task in catalog.tasks.sort("task_code").iter_rows(named=True):
            self.leads.setdefault(task["lead_unit_code"], []).append(task)
        self.pairs: dict[tuple[str, str], dict] = {}
        self._assigned: dict[int, pl.DataFrame] = {}
        self._ranks: dict[tuple[str, int], dict[str, int]] = {}
        self._counts: dict[int, dict[tuple[str, str], int]] = {}
        self._paths: dict[tuple[str, str], dict] = {}

    # --- catalog facts ---------------------------------------------------------

    @cached_property
    def targets(self) -> dict[tuple[str, str], tuple[float | None, float | None]]:
        """Return (baseline, goal) stated per indicator × unit (the term-end row, else the latest)."""
        rows: dict[tuple[str, str], list[dict]] = {}
        in_term = self.catalog.targets.filter(pl.col("year") <= self.catalog.term["end_year"])
        for row in in_term.sort("year").iter_rows(named=True):
            rows.setdefault((row["indicator_code"], row["unit_code"]), []).append(row)
        out = {}
        for key, found in rows.items():
            bases = [r for r in found if r["baseline_value"] is not None]
            base = bases[-1]["baseline_value"] if bases else None
            ends = [r for r in found if r["target_kind"] == "term_end"] or found
            out[key] = (base, _goal(ends[-1], base))
        return out

    def _end(self, e: int) -> date:
        return window(Period.from_ordinal(e), self.calendar)[1]

    def version(self, unit: str, e: int) -> tuple[date | None, str]:
        """Return (first day, level) of the unit's version in force at the end of quarter e."""
        end = self._end(e)
        found = [(since, level) for since, until, level in self.versions[unit]
                 if (since is None or since <= end) and (until is None or until >= end)]
        return found[0] if found else (self.versions[unit][0][0], self.versions[unit][0][2])

    def assigned(self, e: int) -> pl.DataFrame:
        """Return (unit_code, indicator_code, level) assigned in the quarter with ordinal e."""
        if e not in self._assigned:
            q = Period.from_ordinal(e)
            assigned = self.catalog.assigned(q, self.calendar)
            levels = self.catalog.units_on(self._end(e)).select("unit_code", "level")
            self._assigned[e] = assigned.join(levels, on="unit_code", how="left")
        return self._assigned[e]

    @cached_property
    def rules(self) -> dict[str, _Rule]:
        first = self.assigned(self.start)
        counts = dict(first.group_by("indicator_code").len().iter_rows())
        out = {}
        for row in rules.rule_columns(self.catalog.indicators).iter_rows(named=True):
            code, hint = row["indicator_code"], HINTS.get(row["indicator_code"], {})
            base, goal = self.targets.get((code, self.city), (None, None))
            base = base if base is not None else hint.get("base")
            n = counts.get(code, 1)
            base, goal = _derive(row, base, goal, n)
            parts = row["_needs_denominator"]
            mode = ("boolean" if row["_boolean"]
                    else "rank" if row["_ranks"] and n >= 3
                    else "running" if row["cumulative_scope"] in ("year", "term")
                    else "flow" if row["_adds_up"] and not parts
                    else "level")
            out[code] = _Rule(row, mode, base, goal, hint.get("den", 200.0 * n) if parts else None)
        return out

    def share(self, unit: str, since: date | None, level: str, code: str) -> float:
        """Return a unit's share of a city-wide amount: its size over the units of its level reporting it."""
        if level in ("city", "agency"):
            return 1.0
        e = max(self.start, since.year * 4 + (since.month - 1) // 3) if since else self.start
        if e not in self._counts:
            self._counts[e] = {(c, lv): n for c, lv, n in
                               self.assigned(e).group_by("indicator_code", "level").len().iter_rows()}
        n = self._counts[e].get((code, level), 1)
        size = math.exp(rng(self.seed, "size", unit, *_since(since)).gauss(-0.06, 0.35))  # mean 1
        return size / n

    # --- paths -----------------------------------------------------------------

    def path(self, unit: str, code: str, e: int) -> dict:
        """Return the pace, baseline and goal of the pair in force in quarter e (drawn once)."""
        since, level = self.version(unit, e)
        key = (unit, code, since)
        if key not in self._paths:
            rule, r = self.rules[code], rng(self.seed, "path", unit, code, *_since(since))
            classes = [k for k, w in self.mix.paces.items() if w > 0]
            klass = r.choices(classes, weights=[self.mix.paces[k] for k in classes])[0]
            pace = r.uniform(*PACES[klass])
            own_base, own_goal = self.targets.get((code, unit), (None, None))
            s = self.share(unit, since, level, code)
            extensive = rule._additive and level not in ("city", "agency")
            if rule.mode == "running" and rule.cumulative_scope == "term":
                base, goal = 0.0, own_goal if own_goal is not None else rule.goal * s
            elif extensive:  # a share of the city's amount, growing as the city's does
                base = own_base if own_base is not None else rule.base * s
                growth = rule.goal / rule.base if rule.base else 1.0
                goal = own_goal if own_goal is not None else base * growth
            else:  # a rate or a score: the city's, give or take
                spread = r.gauss(0, self._spread(rule))
                base = own_base if own_base is not None else rule.clamp(rule.base + spread)
                goal = own_goal if own_goal is not None else rule.goal
            self._paths[key] = {"unit": unit, "pace": pace, "base": base, "goal": goal, "class": klass,
                                "den": rule.den * s if rule.den else None}
            self.pairs[key] = {"unit_code": unit, "valid_from": since, "indicator_code": code,
                               "pace_class": klass, "pace": pace, "baseline": base, "goal": goal}
        return self._paths[key]

    @staticmethod
    def _spread(rule: _Rule) -> float:
        lo, hi = rule.min_value, rule.max_value
        if lo is not None and hi is not None:
            return min(0.05 * (hi - lo), 0.3 * min(rule.base - lo, hi - rule.base) + 1e-9)
        return 0.08 * abs(rule.base)

    def _t(self, e: int) -> float:
        return (e - self.t0) / (self.t1 - self.t0)

    def _level(self, rule: _Rule, p: dict, e: int, noisy: bool = True) -> float:
        """Return the level on the pair's path at the end of quarter e (never overshooting a range target)."""
        cap = 1.0 if rule.direction == "range" else 1.3
        x = p["base"] + (p["goal"] - p["base"]) * min(p["pace"] * self._t(e), cap)
        if noisy and not rule._whole:  # stocks of things do not wobble
            sd = 0.04 * abs(p["goal"] - p["base"]) + 0.01 * abs(p["base"])
            x += rng(self.seed, "noise", p["unit"], rule.indicator_code, e).gauss(0, sd)
        return rule.clamp(x)

    def _amount(self, rule: _Rule, p: dict, unit: str, e: int, quarters: int) -> float:
        """Return the flow of the slot ending in quarter e: a share of the yearly amount on the path."""
        season = _SEASON[quarters][(e % 4) // quarters]
        noise = math.exp(rng(self.seed, "flow", unit, rule.indicator_code, e).gauss(0, 0.08))
        if rule.cumulative_scope == "term":
            years = (self.t1 - self.t0) / 4
            return p["goal"] / years * max(p["pace"], 0.05) * quarters / 4 * season * noise
        return max(0.0, self._level(rule, p, e, noisy=False)) * quarters / 4 * season * noise

    def value(self, unit: str, code: str, q: Period) -> tuple[float | None, float | None, float | None]:
        """Return (value, numerator, denominator) of a unit's indicator in the report of quarter q."""
        e = q.last_ordinal
        rule, p = self.rules[code], self.path(unit, code, e)
        quarters = _QUARTERS[rule.frequency]
        if rule.mode == "boolean":
            return self._boolean(unit, code, p, e), None, None
        if rule.mode == "rank":
            return float(self._rank(code, e).get(unit, rule.max_value or 1)), None, None
        if rule.mode == "flow":
            return rule.round(self._amount(rule, p, unit, e, quarters)), None, None
        if rule.mode == "running":
            scope_start = self.start if rule.cumulative_scope == "term" else e - e % 4
            first = scope_start + quarters - 1
            total = sum(self._amount(rule, p, unit, s, quarters) for s in range(first, e + 1, quarters))
            return rule.round(total), None, None
        x = self._level(rule, p, e)
        if p["den"] is None:
            return rule.round(x), None, None
        noise = rng(self.seed, "den", unit, code, e).gauss(0, 0.05)
        den = float(max(1, round(p["den"] * (1 + 0.01 * (e - self.start) / 4) * math.exp(noise))))
        if not rule._value_from_parts:  # a weighted mean: the value and its weight
            return rule.round(x), None, den
        num = float(round(x / rule.ratio_scale * den))
        num = min(num, den) if rule.share else num
        return rule.round(rule.ratio_scale * num / den), num, den

    def _boolean(self, unit: str, code: str, p: dict, e: int) -> float:
        """Return 1 from the year the unit meets the standard (by pace), 0 before; `away` loses it."""
        year, first = e // 4, self.start // 4
        r = rng(self.seed, "boolean", unit, code)
        since = {"ahead": first - 1, "on_track": first + r.randint(0, 2), "lagging": first + r.randint(3, 4),
                 "off_track": first + 10, "away": first - 1}[p["class"]]
        lost = first + r.randint(1, 3) if p["class"] == "away" else first + 10
        return 1.0 if since <= year < lost else 0.0

    def _rank(self, code: str, e: int) -> dict[str, int]:
        """Rank every unit assigned the indicator in quarter e by a latent score drifting with its pace."""
        if (code, e) not in self._ranks:
            rule = self.rules[code]
            units = sorted(self.assigned(e).filter(pl.col("indicator_code") == code)["unit_code"])
            drift = {"ahead": 1.6, "on_track": 0.9, "lagging": 0.3, "off_track": -0.5, "away": -1.2}
            score = {u: rng(self.seed, "latent", code, u).gauss(0, 1)
                     + drift[self.path(u, code, e)["class"]] * self._t(e)
                     + rng(self.seed, "latent", code, u, e).gauss(0, 0.25) for u in units}
            lo, hi = rule.min_value or 1, rule.max_value or len(units)
            ordered = sorted(units, key=lambda u: -score[u])
            self._ranks[(code, e)] = {u: int(lo + i * (hi - lo + 1) // len(ordered))
                                      for i, u in enumerate(ordered)}
        return self._ranks[(code, e)]

    # --- cells, revisions, tasks ----------------------------------------------------

    def cell(self, unit: str, q: Period, code: str) -> dict:
        """Return one indicator cell as typed: the drawn value, or a no-data marker."""
        value, num, den = self.value(unit, code, q)
        r = rng(self.seed, "cell", unit, q, code)
        cell = {"unit_code": unit, "period": str(q), "indicator_code": code, "value": value, "numerator": num,
                "denominator": den, "no_data_marker": None, "note": None, "_true": (value, num, den)}
        if r.random() < self.mix.no_data:
            marker = self.markers[r.randrange(len(self.markers))]
            return cell | {"value": None, "numerator": None, "denominator": None, "no_data_marker": marker,
                           "note": MARKER_NOTE}
        if r.random() < self.mix.notes:
            cell["note"] = NOTES[r.randrange(len(NOTES))]
        return cell

    def revise(self, unit: str, q: Period, cells: list[dict]) -> list[dict]:
        """Return a revision's cells: markers filled in, and one to three values corrected."""
        r = rng(self.seed, "revision", unit, q)
        filled = {"no_data_marker": None, "note": None}
        out = [dict(c) | (dict(zip(("value", "numerator", "denominator"), c["_true"])) | filled
                          if c["no_data_marker"] else {}) for c in cells]
        revisable = [c for c in out if self.rules[c["indicator_code"]].mode in ("level", "flow")]
        for cell in r.sample(revisable, min(len(revisable), r.randint(1, 3))):
            cell |= self._corrected(self.rules[cell["indicator_code"]], cell, r) | {"note": REVISION_NOTE}
        return out

    @staticmethod
    def _corrected(rule: _Rule, cell: dict, r: random.Random) -> dict:
        """Return a cell's corrected value (and numerator): a small change that shows."""
        sign = r.choice((-1, 1))
        if cell["denominator"] is not None and rule._value_from_parts:
            num, den = cell["numerator"], cell["denominator"]
            top = den if rule.share else math.inf
            new = num + sign * r.randint(1, 3)
            new = new if 0 <= new <= top else num - sign * r.randint(1, 3)
            new = min(max(new, 0.0), top)
            return {"numerator": new, "value": rule.round(rule.ratio_scale * new / den)}
        step = 1.0 if rule._whole else max(10.0 ** -rule.decimals,
                                                                   abs(cell["value"]) * r.uniform(0.01, 0.04))
        new = rule.round(rule.clamp(cell["value"] + sign * step))
        new = new if new != cell["value"] else rule.round(rule.clamp(cell["value"] - sign * step))
        return {"value": new}

    def task_rows(self, unit: str, q: Period) -> list[dict]:
        """Return the status of each task the unit leads, in the report of quarter q."""
        rows = []
        for task in self.leads.get(unit, []):
            status, done = self._task(task, q.last_ordinal)
            rows.append({"unit_code": unit, "period": str(q), "task_code": task["task_code"],
                         "status": status, "completed_on": done, "note": None})
        return rows

    def _task(self, task: dict, e: int) -> tuple[str, date | None]:
        """Return a task's status at quarter e: started, done around its due date, or rarely cancelled."""
        r = rng(self.seed, "task", task["task_code"])
        started = self.start + r.randint(0, 5)
        due = parse_period(task["due_period"]).last_ordinal if task["due_period"] else started + r.randint(4, 22)
        # Early, on time, late, or not done within the term.
        slip = r.choices([r.randint(-3, -1), 0, r.randint(1, 3), 99], weights=[0.25, 0.35, 0.25, 0.15])[0]
        done = max(started + 1, due + slip)
        cancelled = started + r.randint(2, 12) if r.random() < 0.04 else None
        if cancelled is not None and e >= cancelled:
            return "cancelled", None
        if e >= done:
            quarter = Period.from_ordinal(done)
            first_day = window(quarter, self.calendar)[0]
            return "completed", first_day + timedelta(days=r.randint(0, 80))
        return ("in_progress" if e >= started else "not_started"), None
