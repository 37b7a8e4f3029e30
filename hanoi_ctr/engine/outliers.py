"""Plausibility warnings on reported values: outliers, falling running totals, rollup mismatches.

An outlier is a value far from the values it is compared with, measured
robustly: z = (x − median) ÷ scale, where the scale is the largest of

- the spread of the reference values: MAD ÷ 0.6745 (the modified z-score),
  or, when the MAD is 0 (more than half the values are equal), 1.253314 ×
  their mean absolute deviation from the median;
- a share (`outlier_floor_share`, 5 %) of |median|, so that a flat history
  (100 seven quarters running) still has a scale and a move from 100 to 1000
  is measured against it (the bound of Hidiroglou and Berthelot's edit);
- the indicator's precision, 10 ** −decimals (1 for counts), so that a
  difference of a few units in a small count is never an alarm.

A value is compared once with the unit's own earlier values of the indicator
(at least 4; not for running totals, which grow by design) and once with its
peers: the units of the same level reporting the indicator for the same
period (at least 3 besides itself; the value itself is in the median and the
MAD, which one value cannot move by more than one place, but not in the mean
absolute deviation, which it could inflate). |z| beyond `outlier_z` (3.5)
raises the warning, whose message says what the value was compared with: how
many values, their median, the scale and where it came from. Running totals
(`cumulative_scope` year or term) must not fall within their scope. Every
warning is placed at the file, sheet and row of the value concerned; only
values of frequency periods that end within the requested period are checked.
"""

from __future__ import annotations

import polars as pl

from hanoi_ctr.declare.issues import Issue

_UNIT = ["unit_code", "_vt", "indicator_code"]
_PEERS = ["_bk", "_bl", "indicator_code", "unit_level"]
#: Earlier values a unit's history needs, and units a value needs beside itself, to be judged.
MIN_HISTORY, MIN_PEERS = 4, 3
#: For normal data MAD ÷ 0.6745 and 1.253314 × the mean absolute deviation both estimate σ.
MAD_FACTOR, MEAN_AD_FACTOR = 0.6745, 1.253314


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


def _own(cells: pl.DataFrame) -> pl.DataFrame:
    return cells.filter(pl.col("_own").is_not_null()).select(
        *_UNIT, "_bk", "_bl", "unit_level", "cumulative_scope", "_own", "_rp", "reporter_code", "sha256",
        "sheet", "row")


def _judged(frame: pl.DataFrame, p: str, enough: pl.Expr, share: float) -> pl.DataFrame:
    """Add `{p}scale`, its `{p}source` and `{p}z` from the columns `{p}med`, `{p}mad`, `{p}mean` (where `enough`).

    The scale is the largest of the spread, `share` × |median| and the precision `_step`; the spread wins ties.
    """
    median, mad = pl.col(f"{p}med"), pl.col(f"{p}mad")
    spread = pl.when(mad > 0).then(mad / MAD_FACTOR).otherwise(MEAN_AD_FACTOR * pl.col(f"{p}mean"))
    floor, step = share * median.abs(), pl.col("_step")
    source = (pl.when(spread >= pl.max_horizontal(floor, step))
              .then(pl.when(mad > 0).then(pl.lit("mad")).otherwise(pl.lit("mean_ad")))
              .when(floor >= step).then(pl.lit("share")).otherwise(pl.lit("step")))
    scale = pl.max_horizontal(spread, floor, step)
    return frame.with_columns(**{f"{p}scale": pl.when(enough).then(scale), f"{p}source": source}).with_columns(
        **{f"{p}z": (pl.col("_own") - median) / pl.col(f"{p}scale")})


def _history(checked: pl.DataFrame, own: pl.DataFrame) -> pl.DataFrame:
    """Return, per checked value, the count, median, MAD and mean absolute deviation of the unit's earlier values."""
    earlier = (checked.select(*_UNIT, "_bl").join(own.select(*_UNIT, _hb="_bl", _h="_own"), on=_UNIT)
               .filter(pl.col("_hb") < pl.col("_bl")))
    distance = (pl.col("_h") - pl.col("_h").median()).abs()
    return earlier.group_by(*_UNIT, "_bl").agg(_hn=pl.len(), _hmed=pl.col("_h").median(), _hmad=distance.median(),
                                               _hmean=distance.mean())


def _peer_groups(checked: pl.DataFrame) -> pl.DataFrame:
    """Return, per peer group, the count, median, MAD and summed absolute deviation of its values."""
    distance = (pl.col("_own") - pl.col("_own").median()).abs()
    return checked.group_by(_PEERS).agg(_pn=pl.len(), _pmed=pl.col("_own").median(), _pmad=distance.median(),
                                        _psum=distance.sum())


def outlier_scores(cells: pl.DataFrame, indicators: pl.DataFrame, first: int, last: int,
                   share: float = 0.05) -> pl.DataFrame:
    """Return the checked values with z against their history (`_hz`) and peers (`_pz`), and what is behind it.

    Behind each z (prefix `_h` or `_p`): the count of values `n`, their median `med`, MAD `mad`, mean
    absolute deviation `mean`, the `scale` and its `source` (`mad`, `mean_ad`, `share` or `step`).

    `share` is the share of |median| below which no scale falls (`outlier_floor_share`).
    """
    own = _own(cells)
    checked = own.filter(pl.col("_bl").is_between(first, last)).join(
        indicators.select("indicator_code", _step=pl.lit(10.0).pow(-pl.col("decimals").cast(pl.Float64))),
        on="indicator_code", how="left")
    scored = (checked.join(_history(checked, own), on=[*_UNIT, "_bl"], how="left")
              .join(_peer_groups(checked), on=_PEERS, how="left")
              # The mean absolute deviation of the *other* peers: the judged value must not widen its own scale.
              .with_columns(_pmean=(pl.col("_psum") - (pl.col("_own") - pl.col("_pmed")).abs())
                            / (pl.col("_pn") - 1).clip(lower_bound=1)))
    history_ok = (pl.col("_hn") >= MIN_HISTORY) & (pl.col("cumulative_scope") == "none")
    scored = _judged(scored, "_h", history_ok, share)
    scored = _judged(scored, "_p", pl.col("_pn") >= MIN_PEERS + 1, share)
    return scored


def _issue(code: str, row: dict, files: dict[str, str], detail: tuple[str, str], value: float) -> Issue:
    return Issue(code, file=files.get(row["sha256"]), sheet=row["sheet"], row=row["row"], column="value",
                 value=number(value), detail=detail, sha256=row["sha256"], unit_code=row["reporter_code"],
                 period=row["_rp"])


def _scale_words(source: str, share: float) -> tuple[str, str]:
    """Return where a scale came from, in Vietnamese and English."""
    percent = f"{share * 100:g}%"
    return {"mad": ("MAD ÷ 0.6745", "MAD ÷ 0.6745"),
            "mean_ad": ("1.2533 × độ lệch tuyệt đối bình quân", "1.2533 × mean absolute deviation"),
            "share": (f"mức sàn {percent} của trung vị", f"the floor of {percent} of the median"),
            "step": ("mức sàn theo độ chính xác của chỉ tiêu", "the floor of the indicator's precision")}[source]


def _compared(row: dict, p: str, share: float) -> tuple[str, str]:
    """Return what a value was compared with: its count, median, scale and z, in Vietnamese and English."""
    n, median, scale, z = row[f"{p}n"], number(row[f"{p}med"]), number(row[f"{p}scale"]), f"{row[f'{p}z']:.1f}"
    vi_scale, en_scale = _scale_words(row[f"{p}source"], share)
    stats_vi = f"trung vị {median}; thang đo {scale} = {vi_scale}; z = {z}"
    stats_en = f"median {median}; scale {scale} = {en_scale}; z = {z}"
    if p == "_h":
        return (f"{n} giá trị các kỳ trước của đơn vị ({stats_vi})", f"the unit's {n} earlier values ({stats_en})")
    return (f"{n} đơn vị cùng cấp trong kỳ, kể cả đơn vị này ({stats_vi})",
            f"{n} units of the same level this period, this one included ({stats_en})")


def outliers(cells: pl.DataFrame, indicators: pl.DataFrame, first: int, last: int, limit: float,
             files: dict[str, str], share: float = 0.05) -> list[Issue]:
    """Return an `outlier` warning per value whose |z| exceeds `limit` against its history or its peers."""
    if cells.filter(pl.col("_own").is_not_null(), pl.col("_bl").is_between(first, last)).is_empty():
        return []
    scored = outlier_scores(cells, indicators, first, last, share).sort(*_UNIT, "_bl")
    return [_issue("outlier", row, files, _compared(row, p, share), row["_own"])
            for p in ("_h", "_p") for row in scored.filter(pl.col(f"{p}z").abs() > limit).iter_rows(named=True)]


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
