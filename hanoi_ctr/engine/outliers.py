"""Plausibility warnings on reported values: outliers, falling running totals, rollup mismatches.

Outliers use the modified z-score 0.6745 · (x − median) / MAD, once against
the unit's own earlier values of the indicator (at least 4) and once against
its peers (the units of the same level reporting the indicator for the same
period: at least 5 besides itself). When the MAD is 0 the mean absolute
deviation stands in (z = (x − median) / (1.253314 · MeanAD)); when that is 0
too every other value is identical and no score is given. Running totals
(`cumulative_scope` year or term) must not fall within their scope. Every
warning is placed at the file, sheet and row of the value concerned; only
values of frequency periods that end within the requested period are checked.
"""

from __future__ import annotations

import polars as pl

from hanoi_ctr.declare.issues import Issue

_UNIT = ["unit_code", "_vt", "indicator_code"]


def number(x: float | None) -> str:
    """Write a number plainly (no exponent, at most 4 decimals).

    >>> number(1234567.0), number(12.50), number(-0.333333)
    ('1234567', '12.5', '-0.3333')
    """
    if x is None:
        return ""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _z(x: pl.Expr, median: pl.Expr, mad: pl.Expr, mean_ad: pl.Expr) -> pl.Expr:
    return (pl.when(mad > 0).then(0.6745 * (x - median) / mad)
            .when(mean_ad > 0).then((x - median) / (1.253314 * mean_ad)))


def _own(cells: pl.DataFrame) -> pl.DataFrame:
    return cells.filter(pl.col("_own").is_not_null()).select(
        *_UNIT, "_bk", "_bl", "unit_level", "cumulative_scope", "_own", "_rp", "reporter_code", "sha256",
        "sheet", "row")


def outlier_scores(cells: pl.DataFrame, first: int, last: int) -> pl.DataFrame:
    """Return the checked values with `_z_history`, `_z_peers` and the medians they compare with."""
    own = _own(cells)
    checked = own.filter(pl.col("_bl").is_between(first, last))
    history = (checked.select(*_UNIT, "_bl").join(own.select(*_UNIT, _hb="_bl", _h="_own"), on=_UNIT)
               .filter(pl.col("_hb") < pl.col("_bl"))
               .group_by(*_UNIT, "_bl").agg(
                   _hn=pl.len(), _hmed=pl.col("_h").median(),
                   _hmad=(pl.col("_h") - pl.col("_h").median()).abs().median(),
                   _hmean=(pl.col("_h") - pl.col("_h").median()).abs().mean()))
    peers = ["_bk", "_bl", "indicator_code", "unit_level"]
    peer_stats = own.filter(pl.col("_bl").is_between(first, last)).group_by(peers).agg(
        _pn=pl.len(), _pmed=pl.col("_own").median(),
        _pmad=(pl.col("_own") - pl.col("_own").median()).abs().median(),
        _pmean=(pl.col("_own") - pl.col("_own").median()).abs().mean())
    scored = checked.join(history, on=[*_UNIT, "_bl"], how="left").join(peer_stats, on=peers, how="left")
    x = pl.col("_own")
    return scored.with_columns(
        _z_history=pl.when((pl.col("_hn") >= 4) & (pl.col("cumulative_scope") == "none")).then(
            _z(x, pl.col("_hmed"), pl.col("_hmad"), pl.col("_hmean"))),
        _z_peers=pl.when(pl.col("_pn") >= 6).then(_z(x, pl.col("_pmed"), pl.col("_pmad"), pl.col("_pmean"))),
    )


def _issue(code: str, row: dict, files: dict[str, str], detail: tuple[str, str], value: float) -> Issue:
    return Issue(code, file=files.get(row["sha256"]), sheet=row["sheet"], row=row["row"], column="value",
                 value=number(value), detail=detail, sha256=row["sha256"], unit_code=row["reporter_code"],
                 period=row["_rp"])


def outliers(cells: pl.DataFrame, first: int, last: int, limit: float, files: dict[str, str]) -> list[Issue]:
    """Return an `outlier` warning per value whose |z| exceeds `limit` against its history or its peers."""
    if cells.filter(pl.col("_own").is_not_null(), pl.col("_bl").is_between(first, last)).is_empty():
        return []
    scored = outlier_scores(cells, first, last)
    issues = []
    for row in scored.filter(pl.col("_z_history").abs() > limit).sort(*_UNIT, "_bl").iter_rows(named=True):
        median, z = number(row["_hmed"]), f"{row['_z_history']:.1f}"
        detail = (f"số liệu các kỳ trước của đơn vị (trung vị {median}, z = {z})",
                  f"the unit's earlier values (median {median}, z = {z})")
        issues.append(_issue("outlier", row, files, detail, row["_own"]))
    for row in scored.filter(pl.col("_z_peers").abs() > limit).sort(*_UNIT, "_bl").iter_rows(named=True):
        median, z = number(row["_pmed"]), f"{row['_z_peers']:.1f}"
        detail = (f"các đơn vị cùng cấp trong kỳ (trung vị {median}, z = {z})",
                  f"units of the same level this period (median {median}, z = {z})")
        issues.append(_issue("outlier", row, files, detail, row["_own"]))
    return issues


def decreases(cells: pl.DataFrame, first: int, last: int) -> pl.DataFrame:
    """Return running-total values that fell below the unit's previous value within their scope."""
    own = _own(cells).filter(pl.col("cumulative_scope").is_in(["year", "term"])).sort("_bl")
    scope = pl.when(pl.col("cumulative_scope") == "year").then(pl.col("_bl") // 4).otherwise(-1)
    own = own.with_columns(_scope=scope).with_columns(
        _prev=pl.col("_own").shift(1).over(*_UNIT, "_scope"),
        _prev_rp=pl.col("_rp").shift(1).over(*_UNIT, "_scope"))
    return own.filter(pl.col("_bl").is_between(first, last), pl.col("_own") < pl.col("_prev"))


def cumulative_decreases(cells: pl.DataFrame, first: int, last: int, files: dict[str, str]) -> list[Issue]:
    """Return a `cumulative-decrease` warning at each running total that fell within its scope."""
    return [_issue("cumulative-decrease", row, files, f"{number(row['_prev'])}, {row['_prev_rp']}",
                   row["_own"])
            for row in decreases(cells, first, last).sort(*_UNIT, "_bl").iter_rows(named=True)]


def rollup_mismatches(cells: pl.DataFrame, first: int, last: int, files: dict[str, str]) -> list[Issue]:
    """Return a `rollup-mismatch` warning where a unit's own figure differs from its children's rollup."""
    flagged = cells.filter(pl.col("_mismatch"), pl.col("_bl").is_between(first, last))
    return [_issue("rollup-mismatch", row, files,
                   f"{number(row['_roll'])}; {row['n_reported']}/{row['n_expected']}", row["_own"])
            for row in flagged.sort(*_UNIT, "_bl").iter_rows(named=True)]


def period_mismatches(checks: pl.DataFrame, periods: pl.DataFrame, first: int, last: int, tolerance: float,
                      files: dict[str, str]) -> list[Issue]:
    """Return a `period-total-mismatch` warning where a longer period's own figure differs from its periods.

    Only when every frequency period within it was reported too, and by more
    than `tolerance` (relative) of what they add up to; only periods ending
    within the requested period are checked.
    """
    both = periods.join(checks.rename({"value": "_parts"}), on=["unit_code", "indicator_code", "_af", "_al"])
    flagged = both.filter(pl.col("_al").is_between(first, last), pl.col("_parts").is_not_null(),
                          pl.col("n_periods_reported") == pl.col("n_periods_expected"),
                          (pl.col("value") - pl.col("_parts")).abs() > tolerance * pl.col("_parts").abs())
    return [Issue("period-total-mismatch", file=files.get(r["sha256"]), sheet=r["sheet"], row=r["row"],
                  column="value", value=number(r["value"]), sha256=r["sha256"], unit_code=r["reporter_code"],
                  period=r["period"], detail=f"{number(r['_parts'])}; {r['n_periods_reported']}")
            for r in flagged.sort("unit_code", "indicator_code", "_af").iter_rows(named=True)]
