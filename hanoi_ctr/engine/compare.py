"""Comparison with targets: which target applies, achievement, progress and status.

Every results row (unit × indicator) gets the term-end target in force (its
own row, else the city's where the two are comparable), a baseline (the
target row's, else the unit's value in the baseline year, else its earliest
value in the term), the path expected from baseline to target (linear, or
through the annual milestones), and a status from progress ÷ expected
progress. The rules are in docs/METHOD.md; this module only computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from hanoi_ctr.catalog.targets import bounds, held_to, milestone_points
from hanoi_ctr.declare import rules
from hanoi_ctr.settings import Settings

_KEY = ["unit_code", "indicator_code"]


def to_decimals(x: pl.Expr, extra: int = 0) -> pl.Expr:
    """Return x rounded to the indicator's decimals (column `decimals`) plus `extra`."""
    scale = pl.lit(10.0).pow(pl.col("decimals") + extra)
    return (x * scale).round(0, mode="half_away_from_zero") / scale


def meets(x: pl.Expr, lo: pl.Expr, hi: pl.Expr) -> pl.Expr:
    """Return whether x lies in [lo, hi] (null when x is null or both bounds are open)."""
    inside = (lo.is_null() | (x >= lo)) & (hi.is_null() | (x <= hi))
    return pl.when(x.is_null() | (lo.is_null() & hi.is_null())).then(None).otherwise(inside)


def achievement(x: pl.Expr, lo: pl.Expr, hi: pl.Expr) -> pl.Expr:
    """Return the share of the target reached: x ÷ lo below the interval, hi ÷ x above it, 1 inside.

    Above the interval of a `decrease` target, 0 meets any non-negative
    target; it is shown as 1 rather than dividing by zero.
    """
    below = pl.when(lo > 0).then(x / lo)
    above = pl.when(x > 0).then(hi / x).when((x == 0) & (hi >= 0)).then(1.0)
    only_lo, only_hi = lo.is_not_null() & hi.is_null(), hi.is_not_null() & lo.is_null()
    return (pl.when(x.is_null() | (lo.is_null() & hi.is_null())).then(None)
            .when(only_lo).then(x / pl.when(lo > 0).then(lo))
            .when(only_hi).then(above)
            .when(x < lo).then(below)
            .when(x > hi).then(above)
            .otherwise(1.0))


def goal(direction: pl.Expr, lo: pl.Expr, hi: pl.Expr, baseline: pl.Expr) -> pl.Expr:
    """Return the point progress is measured towards: the bound to reach from the baseline."""
    return (pl.when(direction == "increase").then(lo).when(direction == "decrease").then(hi)
            .when(baseline < lo).then(lo).when(baseline > hi).then(hi))


def expected_path(rows: pl.LazyFrame, points: pl.LazyFrame, city_code: str) -> pl.LazyFrame:
    """Add `_path`: the value expected at `_t` on the line baseline → milestones → target.

    Needs `_tb`, `_b` (baseline time and value), `_tt`, `_g` (target time and
    goal) and `_t` (now). Milestones strictly between baseline and target are
    goal points on the way; times are quarter ordinals of period ends.
    """
    owner = pl.when(pl.col("target_source") == "city").then(pl.lit(city_code)).otherwise(pl.col("unit_code"))
    base = rows.with_row_index("_rid").with_columns(owner=owner)
    lo, hi = bounds(pl.col("direction"), pl.col("m_value"), pl.col("m_min"), pl.col("m_max"))
    # Only milestones of the same basis as the target lie on its path (a year's growth is no average).
    mids = (base.filter(pl.col("_g").is_not_null(), pl.col("_b").is_not_null())
            .select("_rid", "owner", "indicator_code", "_b", "_tb", "_tt", "target_basis")
            .join(points, on=["owner", "indicator_code"]).filter(pl.col("m_basis") == pl.col("target_basis"))
            .with_columns(m_value=pl.coalesce("m_value", pl.col("_b") + pl.col("m_delta")))
            .with_columns(_pt=pl.col("year") * 4 + 4, _pv=goal(pl.col("direction"), lo, hi, pl.col("_b")))
            .filter(pl.col("_pt") > pl.col("_tb"), pl.col("_pt") < pl.col("_tt"), pl.col("_pv").is_not_null())
            .select("_rid", "_pt", "_pv"))
    ends = pl.concat([
        base.select("_rid", _pt=pl.col("_tb"), _pv=pl.col("_b")),
        base.select("_rid", _pt=pl.col("_tt"), _pv=pl.col("_g")),
        mids,
    ], how="vertical_relaxed").drop_nulls()
    now = base.select("_rid", "_t")
    before = (ends.join(now, on="_rid").filter(pl.col("_pt") <= pl.col("_t")).sort("_pt")
              .group_by("_rid").agg(_t0=pl.col("_pt").last(), _v0=pl.col("_pv").last()))
    after = (ends.join(now, on="_rid").filter(pl.col("_pt") > pl.col("_t")).sort("_pt")
             .group_by("_rid").agg(_t1=pl.col("_pt").first(), _v1=pl.col("_pv").first()))
    frac = (pl.col("_t") - pl.col("_t0")) / (pl.col("_t1") - pl.col("_t0"))
    path = (pl.when(pl.col("_tt").is_null()).then(None).when(pl.col("_t1").is_null()).then(pl.col("_v0"))
            .when(pl.col("_t0").is_null()).then(pl.col("_v1"))
            .otherwise(pl.col("_v0") + frac * (pl.col("_v1") - pl.col("_v0"))))
    return (base.join(before, on="_rid", how="left").join(after, on="_rid", how="left")
            .with_columns(_path=path).drop("_rid", "owner", "_t0", "_v0", "_t1", "_v1"))


def status(settings: Settings) -> pl.Expr:
    """Return the status of each row (needs the columns `compare` builds before it).

    No target, no data, a sum over too few of its expected reports
    (`incomplete`); once the target's year is over, met (`achieved`) or not
    (`off_track`); before, a target met counts as achieved where its basis
    makes that final, else the ratio of progress to expected progress (or of
    the target to what is needed per remaining year) decides.
    """
    ratio = (pl.when(pl.col("_by_needed")).then(pl.col("_needed_ratio"))
             .when(pl.col("progress").is_not_null() & (pl.col("expected_progress") > 0))
             .then(pl.col("progress") / pl.col("expected_progress"))
             .when(pl.col("progress").is_not_null() & pl.col("expected_progress").is_not_null())
             .then(pl.when(pl.col("progress") >= 0).then(1.0).otherwise(0.0))
             .otherwise(pl.col("achievement")))
    return (pl.when(pl.col("_lo").is_null() & pl.col("_hi").is_null()).then(pl.lit("no_target"))
            .when(pl.col("compared_value").is_null()).then(pl.lit("no_data"))
            .when(pl.col("_incomplete")).then(pl.lit("incomplete"))
            .when(pl.col("closed")).then(pl.when(pl.col("_met")).then(pl.lit("achieved")).otherwise(pl.lit("off_track")))
            .when(pl.col("_met") & pl.col("_final_when_met")).then(pl.lit("achieved"))
            .when(pl.col("_met")).then(pl.lit("on_track"))
            .when(ratio >= settings.on_track).then(pl.lit("on_track"))
            .when(ratio >= settings.at_risk).then(pl.lit("at_risk"))
            .otherwise(pl.lit("off_track")))


def _baseline(rows: pl.LazyFrame, year_values: pl.LazyFrame, earliest: pl.LazyFrame,
              baseline_year: int) -> pl.LazyFrame:
    """Add `baseline_value`, `baseline_period`, `baseline_source` and `_tb` (its time).

    Order: the target row's baseline; zero at the end of the baseline year for
    a running total over the term; the unit's value in the baseline year; its
    earliest value in the term before the value period.
    """
    year = pl.coalesce(pl.col("_row_baseline_year"), pl.lit(baseline_year))
    # Joined on the unit record (`_vt`) too: a code reused after 2025-07-01 has no history of its own.
    in_year = year_values.lazy().rename({"year": "_by", "value": "_byv"})
    first = earliest.lazy().rename({"value": "_ev", "period": "_ep", "t": "_et"})
    rows = (rows.with_columns(_by=year).join(in_year, on=[*_KEY, "_vt", "_by"], how="left")
            .join(first, on=[*_KEY, "_vt"], how="left"))
    # A total over the term starts from zero, whatever a target row says of an earlier period.
    running = (pl.col("cumulative_scope") == "term") | (pl.col("target_basis") == "term_total")
    source = (pl.when(running).then(pl.lit("running_total_start"))
              .when(pl.col("_row_baseline").is_not_null()).then(pl.lit("target_row"))
              .when(pl.col("_byv").is_not_null() & (pl.col("_by") * 4 + 4 < pl.col("_t")))
              .then(pl.lit("baseline_year"))
              .when(pl.col("_ev").is_not_null()).then(pl.lit("earliest_value")))
    pick = {"target_row": (pl.col("_row_baseline"), pl.col("_by")),
            "running_total_start": (pl.lit(0.0), pl.col("_by")),
            "baseline_year": (pl.col("_byv"), pl.col("_by"))}
    value, period, t = pl.col("_ev"), pl.col("_ep"), pl.col("_et")
    for name, (v, y) in pick.items():
        value = pl.when(pl.col("baseline_source") == name).then(v).otherwise(value)
        period = pl.when(pl.col("baseline_source") == name).then(y.cast(pl.String)).otherwise(period)
        t = pl.when(pl.col("baseline_source") == name).then(y * 4 + 4).otherwise(t)
    return rows.with_columns(baseline_source=source).with_columns(
        baseline_value=pl.when(pl.col("baseline_source").is_not_null()).then(value),
        baseline_period=pl.when(pl.col("baseline_source").is_not_null()).then(period),
        _tb=pl.when(pl.col("baseline_source").is_not_null()).then(t),
    ).drop("_by", "_byv", "_ev", "_ep", "_et")


def _milestone(rows: pl.LazyFrame, points: pl.LazyFrame, city_code: str) -> pl.LazyFrame:
    """Add the milestone of the value period's year: `milestone_value`, `milestone_achievement`, `milestone_met`.

    The milestone is compared as its own basis says; at the end of its year,
    met or not met is final (`milestone_met`).
    """
    owner = pl.when(pl.col("target_source") == "city").then(pl.lit(city_code)).otherwise(pl.col("unit_code"))
    rows = rows.with_columns(_owner=owner, _year=(pl.col("_t") - 1) // 4)
    rows = rows.join(points.rename({"owner": "_owner", "year": "_year"}).drop("direction"),
                     on=["_owner", "indicator_code", "_year"], how="left")
    m_value = pl.coalesce("m_value", pl.col("baseline_value") + pl.col("m_delta"))
    lo, hi = bounds(pl.col("direction"), m_value, pl.col("m_min"), pl.col("m_max"))
    shown = pl.when(pl.col("direction") == "decrease").then(hi).otherwise(pl.coalesce(lo, hi))
    from_ = rules.basis_columns("m_basis")["_compared_from"]
    compared = pl.coalesce(pl.when(from_ == "value").then(pl.col("value")),
                           pl.when(from_ == "year_total").then(pl.col("_ytd") * 4 / pl.col("_elapsed")),
                           pl.when(from_ == "term_to_date").then(pl.col("term_to_date")))
    held = pl.col("target_source").is_in(["own", "city"])
    year_over = pl.col("_t") == pl.col("_year") * 4 + 4
    return rows.with_columns(
        milestone_value=pl.when(held).then(shown),
        milestone_achievement=pl.when(held).then(achievement(compared, lo, hi)),
        milestone_met=pl.when(held & year_over).then(meets(compared, lo, hi)),
    ).drop("_owner", "_year", "m_value", "m_min", "m_max", "m_delta", "m_basis")


@dataclass(frozen=True)
class Term:
    """The term in quarter ordinals, and the years baselines may come from."""

    first: int  # ordinal of the term's first quarter
    end: int  # ordinal just after its last quarter: the term's end as a time
    start_year: int
    end_year: int
    baseline_year: int
    baseline_years: tuple[int, ...]

    @property
    def years(self) -> int:
        """Return the number of years of the term."""
        return self.end_year - self.start_year + 1


def _compared(rows: pl.LazyFrame, term: Term) -> pl.LazyFrame:
    """Add the value compared with the target, as its basis says, with its period, and `closed`.

    Needs value, `_ytd` (the year to date), `_elapsed` (its quarters), term_to_date, `_el`, `_t`.
    """
    year = (pl.col("_el") // 4).cast(pl.String)
    since = pl.when(pl.col("_el") // 4 > term.start_year).then(
        pl.format("{}-{}", pl.lit(term.start_year), year)).otherwise(year)
    compared = {"value": pl.col("value"), "year_total": pl.col("_ytd") * 4 / pl.col("_elapsed"),
                "term_to_date": pl.col("term_to_date")}
    period = {"value": pl.col("value_period"), "year_total": year, "term_to_date": since}
    rows = rows.with_columns(**rules.basis_columns("_basis"))
    source = pl.col("_compared_from")
    return rows.with_columns(
        # Judged as shown: to the indicator's decimals (and free of the last digit's noise).
        compared_value=to_decimals(pl.coalesce(*[pl.when(source == k).then(v) for k, v in compared.items()])),
        compared_period=pl.coalesce(*[pl.when(source == k).then(v) for k, v in period.items()]),
        annualised=pl.when(source == "year_total").then(pl.col("_elapsed") < 4),
        _final_when_met=pl.col("_final_when_met") | ((source == "year_total") & (pl.col("_elapsed") == 4)),
        closed=pl.when(pl.col("target_year").is_not_null()).then(pl.col("_t") >= pl.col("target_year") * 4 + 4),
    )


def _needed(term: Term) -> dict[str, pl.Expr]:
    """Return `needed` and `_needed_ratio`: what the remaining years must average or add to reach the goal.

    Averages: the mean (or, for growth rates, the compound rate) the remaining
    years need for the term's average to reach the goal; the ratio of the goal
    to it is judged like progress ÷ expected progress. Term totals: what each
    remaining year must add. Year totals: what the rest of the year must add.
    """
    done = (pl.col("_t") - term.first) / 4  # years of the term behind the compared value
    left = term.years - done
    x, g, n = pl.col("compared_value"), pl.col("_g"), term.years
    arithmetic = (g * n - x * done) / left
    compound = (((1 + g / 100) ** n / (1 + x / 100) ** done) ** (1 / left) - 1) * 100
    average = pl.when(pl.col("_compounds")).then(compound).otherwise(arithmetic)
    source = pl.col("_compared_from")
    needed = (pl.when(pl.col("closed") | (left <= 0)).then(None)
              .when(pl.col("_by_needed")).then(average)
              .when(source == "term_to_date").then((g - x) / left)
              .when(pl.col("annualised")).then(g - pl.col("_ytd")))
    lo, hi, up = pl.col("_lo"), pl.col("_hi"), pl.col("direction") == "increase"
    towards_lo = up | ((pl.col("direction") == "range") & (x < lo))
    ratio = (pl.when(pl.col("_met")).then(1.0)
             .when(towards_lo).then(pl.when(pl.col("needed") > 0).then(lo / pl.col("needed")).otherwise(0.0))
             .otherwise(pl.when(hi > 0).then(pl.max_horizontal(pl.col("needed"), 0.0) / hi)))
    return {"needed": needed, "_needed_ratio": ratio}


def _projected(term: Term) -> pl.Expr:
    """Return the projection of what the target measures, at the term's end, from the trend so far.

    Levels and year totals: the trend's value at the end of the term
    (`_proj`). Term totals: a running total's trend, else the total so far at
    its pace so far. Averages: the years so far and the remaining years on the
    trend line (`_proj`, `_slope`), averaged as the indicator's time rule says.
    """
    done = (pl.col("_t") - term.first) / 4
    left = ((term.end - pl.col("_t")) // 4).clip(0)
    x = pl.col("compared_value")
    future = [pl.when(left >= j).then(pl.col("_proj") + pl.col("_slope") * (pl.col("_t") + 4 * j - term.end))
              for j in range(1, term.years + 1)]
    mean = (x * done + pl.sum_horizontal([f.fill_null(0.0) for f in future])) / (done + left)
    growth = (((1 + x / 100) ** done * pl.reduce(lambda a, b: a * b,
                                                  [(1 + f / 100).fill_null(1.0) for f in future])) ** (
        1 / (done + left)) - 1) * 100
    average = pl.when(pl.col("_proj").is_null() | pl.col("_slope").is_null()).then(None).when(
        pl.col("_compounds")).then(growth).otherwise(mean)
    pace = x * (term.end - term.first) / (pl.col("_t") - term.first)
    total = pl.when(pl.col("cumulative_scope") == "term").then(pl.col("_proj")).otherwise(pace)
    source = pl.col("_compared_from")
    return (pl.when(pl.col("closed")).then(x)
            .when(pl.col("_by_needed")).then(average)
            .when(source == "term_to_date").then(total)
            .otherwise(pl.col("_proj")))


def compare(rows: pl.LazyFrame | pl.DataFrame, targets: pl.DataFrame, indicators: pl.DataFrame, *,
            city_code: str, term: Term, year_values: pl.LazyFrame | pl.DataFrame,
            earliest: pl.LazyFrame | pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Compare each row with the target its unit is held to, as the target's basis says.

    `rows` needs unit_code, indicator_code, `_vt` (the unit record's last
    day), n_expected, value, value_period, `_ytd`, `_elapsed`, term_to_date,
    `_proj`, `_slope`, `_el` and `_t` (quarter ordinal of the value period's
    end, + 1), `_partial`. `year_values` (unit_code, indicator_code, `_vt`,
    year, value) and `earliest` (unit_code, indicator_code, `_vt`, period, t,
    value) are the baseline candidates.
    """
    leaf = rows.lazy().with_columns(_leaf=pl.col("n_expected").is_null())
    ind = rules.rule_columns(indicators.lazy()).select("indicator_code", "cumulative_scope", "decimals",
                                                       "_compounds", "_additive", "_default_basis")
    out = held_to(leaf, targets, indicators, city_code, term.end_year).drop("_leaf", "target_text").join(
        ind, on="indicator_code", how="left")
    # Without a target, the value is still shown as its indicator's natural basis would compare it.
    out = out.with_columns(_basis=pl.coalesce("target_basis", "_default_basis"))
    out = _compared(out, term)
    out = _baseline(out, year_values, earliest, term.baseline_year)
    out = out.with_columns(target_value=pl.coalesce(
        "target_value", pl.col("baseline_value") + pl.col("target_delta")))
    lo, hi = bounds(pl.col("direction"), pl.col("target_value"), pl.col("target_min"), pl.col("target_max"))
    out = out.with_columns(_lo=lo, _hi=hi).with_columns(
        _g=goal(pl.col("direction"), pl.col("_lo"), pl.col("_hi"), pl.col("baseline_value")),
        _b=pl.col("baseline_value"), _tt=pl.col("target_year") * 4 + 4).collect()
    points = milestone_points(targets, indicators).collect()
    out = expected_path(out.lazy(), points.lazy(), city_code).collect().lazy()
    span = pl.col("_g") - pl.col("_b")
    # A value that went past the far side of a range is judged by its achievement, not its progress.
    overshot = (pl.col("direction") == "range") & (
        ((pl.col("_b") < pl.col("_lo")) & (pl.col("compared_value") > pl.col("_hi")))
        | ((pl.col("_b") > pl.col("_hi")) & (pl.col("compared_value") < pl.col("_lo"))))
    usable = (span.abs() > 0) & ~overshot.fill_null(False) & ~pl.col("_by_needed")
    out = out.with_columns(
        _met=meets(pl.col("compared_value"), pl.col("_lo"), pl.col("_hi")),
        achievement=achievement(pl.col("compared_value"), pl.col("_lo"), pl.col("_hi")),
        # + 0.0 turns the -0.0 of no change towards a lower target into 0.0
        progress=pl.when(usable).then((pl.col("compared_value") - pl.col("_b")) / span + 0.0),
        expected_progress=pl.when(usable).then((pl.col("_path") - pl.col("_b")) / span),
        _incomplete=(pl.col("_partial") & pl.col("_additive")
                     & (pl.col("coverage_rate") < settings.complete_coverage)).fill_null(False),
    )
    needed = _needed(term)
    out = out.with_columns(needed=needed["needed"]).with_columns(_needed_ratio=needed["_needed_ratio"])
    out = out.with_columns(projection=to_decimals(_projected(term))).with_columns(
        projection_meets_target=meets(pl.col("projection"), pl.col("_lo"), pl.col("_hi")))
    out = _milestone(out, points.lazy(), city_code).with_columns(result_status=status(settings))
    return out.drop("direction", "value_type", "agg_units", "cumulative_scope", "target_delta",
                    "_row_baseline", "_row_baseline_year", "_lo", "_hi", "_g", "_b", "_tt", "_tb", "_path",
                    "_met", "_compared_from", "_final_when_met", "_by_needed", "_needed_ratio", "_compounds",
                    "_additive", "_incomplete", "_basis", "_default_basis", "decimals").collect()
