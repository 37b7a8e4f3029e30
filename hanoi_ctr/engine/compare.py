"""Comparison with targets: which target applies, achievement, progress and status.

Every results row (unit × indicator) gets the term-end target in force (its
own row, else the city's where the two are comparable), a baseline (the
target row's, else the unit's value in the baseline year, else its earliest
value in the term), the path expected from baseline to target (linear, or
through the annual milestones), and a status from progress ÷ expected
progress. The rules are in docs/METHOD.md; this module only computes.
"""

from __future__ import annotations

import polars as pl

from hanoi_ctr.catalog.targets import bounds, held_to, milestone_points
from hanoi_ctr.settings import Settings

_KEY = ["unit_code", "indicator_code"]


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
    mids = (base.filter(pl.col("_g").is_not_null(), pl.col("_b").is_not_null())
            .select("_rid", "owner", "indicator_code", "_b", "_tb", "_tt")
            .join(points, on=["owner", "indicator_code"])
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
    """Return the status from `_met`, `compared_value`, `progress`, `expected_progress`, `achievement`.

    With a baseline, the ratio of progress to expected progress decides;
    without one, achievement (how close the value is to the target) does.
    """
    ratio = (pl.when(pl.col("progress").is_not_null() & (pl.col("expected_progress") > 0))
             .then(pl.col("progress") / pl.col("expected_progress"))
             .when(pl.col("progress").is_not_null() & pl.col("expected_progress").is_not_null())
             .then(pl.when(pl.col("progress") >= 0).then(1.0).otherwise(0.0))
             .otherwise(pl.col("achievement")))
    return (pl.when(pl.col("_lo").is_null() & pl.col("_hi").is_null()).then(pl.lit("no_target"))
            .when(pl.col("compared_value").is_null()).then(pl.lit("no_data"))
            .when(pl.col("_met")).then(pl.lit("achieved"))
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
    running = pl.col("cumulative_scope") == "term"
    source = (pl.when(pl.col("_row_baseline").is_not_null()).then(pl.lit("target_row"))
              .when(running).then(pl.lit("running_total_start"))
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
    """Add the milestone of the value period's year (`milestone_value`, `milestone_achievement`)."""
    owner = pl.when(pl.col("target_source") == "city").then(pl.lit(city_code)).otherwise(pl.col("unit_code"))
    rows = rows.with_columns(_owner=owner, _year=(pl.col("_t") - 1) // 4)
    rows = rows.join(points.rename({"owner": "_owner", "year": "_year"}).drop("direction"),
                     on=["_owner", "indicator_code", "_year"], how="left")
    m_value = pl.coalesce("m_value", pl.col("baseline_value") + pl.col("m_delta"))
    lo, hi = bounds(pl.col("direction"), m_value, pl.col("m_min"), pl.col("m_max"))
    shown = pl.when(pl.col("direction") == "decrease").then(hi).otherwise(pl.coalesce(lo, hi))
    return rows.with_columns(
        milestone_value=pl.when(pl.col("target_source").is_in(["own", "city"])).then(shown),
        milestone_achievement=pl.when(pl.col("target_source").is_in(["own", "city"])).then(
            achievement(pl.col("compared_value"), lo, hi)),
    ).drop("_owner", "_year", "m_value", "m_min", "m_max", "m_delta")


def compare(rows: pl.LazyFrame | pl.DataFrame, targets: pl.DataFrame, indicators: pl.DataFrame, *,
            city_code: str, baseline_year: int, end_year: int, year_values: pl.LazyFrame | pl.DataFrame,
            earliest: pl.LazyFrame | pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Compare each row's `compared_value` (at time `_t`) with its target; add the comparison columns.

    `rows` needs unit_code, indicator_code, `_vt` (the unit record's last
    day), n_expected, compared_value, projection and `_t` (quarter ordinal
    of the value period's end, + 1). `year_values` (unit_code,
    indicator_code, `_vt`, year, value) and `earliest` (unit_code,
    indicator_code, `_vt`, period, t, value) are the baseline candidates.
    """
    leaf = rows.lazy().with_columns(_leaf=pl.col("n_expected").is_null())
    out = held_to(leaf, targets, indicators, city_code, end_year).drop("_leaf", "target_text").join(
        indicators.lazy().select("indicator_code", "cumulative_scope"), on="indicator_code", how="left")
    out = _baseline(out, year_values, earliest, baseline_year)
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
    usable = (span.abs() > 0) & ~overshot.fill_null(False)
    out = out.with_columns(
        _met=meets(pl.col("compared_value"), pl.col("_lo"), pl.col("_hi")),
        achievement=achievement(pl.col("compared_value"), pl.col("_lo"), pl.col("_hi")),
        progress=pl.when(usable).then((pl.col("compared_value") - pl.col("_b")) / span),
        expected_progress=pl.when(usable).then((pl.col("_path") - pl.col("_b")) / span),
        projection_meets_target=meets(pl.col("projection"), pl.col("_lo"), pl.col("_hi")),
    )
    out = _milestone(out, points.lazy(), city_code).with_columns(result_status=status(settings))
    return out.drop("direction", "value_type", "agg_units", "cumulative_scope", "target_delta",
                    "_row_baseline", "_row_baseline_year", "_lo", "_hi", "_g", "_b", "_tt", "_tb", "_path",
                    "_met").collect()
