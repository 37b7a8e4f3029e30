"""How numbers, periods and targets are written for people, in Vietnamese or English.

Allowed imports: the standard library and `periods`.
"""

from __future__ import annotations

from typing import Any

from hanoi_ctr.periods import Period, parse_period  # noqa: F401 (doctests)

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def period_vi(period: Period) -> str:
    """Write a period the way a Vietnamese report does.

    >>> period_vi(parse_period("2024-Q3")), period_vi(parse_period("2024-H2"))
    ('Quý III/2024', '6 tháng cuối năm 2024')
    """
    if period.kind == "quarter":
        return f"Quý {_ROMAN[period.index]}/{period.year}"
    if period.kind == "half":
        return f"6 tháng {'đầu' if period.index == 1 else 'cuối'} năm {period.year}"
    if period.kind == "year":
        return f"Năm {period.year}"
    return f"Nhiệm kỳ {period.year}-{period.end_year}"


def number(x: float, lang: str = "vi") -> str:
    """Write a number with the language's separators and no trailing zeros.

    >>> number(200000.0), number(7.5), number(-2.0), number(7.5, "en")
    ('200.000', '7,5', '-2', '7.5')
    """
    text = f"{x:,.3f}".rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


def target_text(row: dict[str, Any], lang: str = "vi", suffix: str = "") -> str:
    """Describe a target row: its own wording, else value, range, bound or change from baseline.

    >>> target_text({"target_text": None, "target_value": None, "target_min": 7.5, "target_max": 8.0})
    '7,5–8'
    >>> target_text({"target_min": 90.0}, "en", "%")
    '≥ 90%'
    """
    def show(x: float) -> str:
        return number(x, lang) + suffix

    lo, hi, delta = row.get("target_min"), row.get("target_max"), row.get("target_delta")
    if row.get("target_text"):
        return row["target_text"]
    if row.get("target_value") is not None:
        return show(row["target_value"])
    if lo is not None and hi is not None:
        return f"{show(lo)}–{show(hi)}"
    if lo is not None:
        return f"≥ {show(lo)}"
    if hi is not None:
        return f"≤ {show(hi)}"
    if delta is not None:
        return f"Δ {'+' if delta > 0 else ''}{show(delta)}"
    return ""
