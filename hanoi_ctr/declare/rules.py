"""The aggregation rules and value types, one row each: the only place that branches on their names.

An indicator's `agg_units` says how child units combine into their parent,
its `agg_time` how periods combine into longer ones, and its `value_type`
what kind of number it is. Each rule is a row of a table below, holding what
every stage needs to know about it: what a unit sends (a value, or a
numerator and denominator), what a unit contributes to its parent, how the
children combine, how periods combine, whether a unit without its own target
is held to the city's, how it is labelled. Intake, the engine, templates and
reports ask this table (through `rule_columns` and the expression builders
below) and never compare a rule's name themselves; the catalog's field
declarations take their allowed values from it, so a catalog naming an
unknown rule fails at load with file, row and column.

Adding a rule: a row here (with its expressions), a worked example in
docs/METHOD.md, and its tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import polars as pl

Expr = pl.Expr


@dataclass(frozen=True)
class Parts:
    """The columns a rule's expressions read (names of columns in the frame at hand)."""

    own: Expr  # the unit's own value
    numerator: Expr
    denominator: Expr
    lo: Expr = pl.lit(None, pl.Float64)  # what meets the unit's own target (share_meeting_target)
    hi: Expr = pl.lit(None, pl.Float64)
    boolean: Expr = pl.lit(False)  # the indicator is a yes/no


@dataclass(frozen=True)
class Children:
    """What the children of a unit add up to (columns of the frame at hand)."""

    sum_a: Expr
    sum_b: Expr
    minimum: Expr
    maximum: Expr
    scale: Expr


@dataclass(frozen=True)
class UnitRule:
    """How units combine into their parent (`agg_units`)."""

    name: str
    label_vi: str
    label_en: str
    #: Whether a parent gets a value from its children at all (`none`: only the level that owns it).
    rolls_up: bool
    #: Children combine two sums, a ÷ b (numerators and denominators, values × weights and weights,
    #: units meeting and units judged), rather than their values.
    pooled: bool
    #: Units send a numerator (and its value is scale × numerator ÷ denominator).
    value_from_parts: bool
    #: Units send a denominator (a ratio's base, a weighted mean's weight).
    needs_denominator: bool
    #: A unit without a target of its own is held to the city's: True, False, or None = only when
    #: the value type is a rate (`percent`).
    comparable: bool | None
    #: The factor a pooled value is multiplied by: the indicator's `ratio_scale`, 100 (a percent of
    #: units) or 1.
    scale: Callable[[Expr], Expr]
    #: (a, b) a unit with a value contributes to its parent.
    contributes: Callable[[Parts], tuple[Expr, Expr]]
    #: The parent's value from its children's sums.
    combine: Callable[[Children], Expr]
    #: A parent's rollup is shown as a percent whatever the indicator's value type.
    rollup_is_percent: bool = False
    #: The children's values add up to the parent's (each unit holds a part of the city's amount).
    additive: bool = False
    #: An abolished unit's figures can be carried to the unit that took it over (as children to a parent).
    maps: bool = True


def _share_parts(p: Parts) -> tuple[Expr, Expr]:
    both = p.numerator.is_not_null() & p.denominator.is_not_null()
    meets = (p.lo.is_null() | (p.own >= p.lo)) & (p.hi.is_null() | (p.own <= p.hi))
    assessable = p.lo.is_not_null() | p.hi.is_not_null()
    a = (pl.when(both).then(p.numerator).when(p.own.is_null()).then(None)
         .when(p.boolean).then((p.own >= 1).cast(pl.Float64))
         .when(assessable).then(meets.cast(pl.Float64)))
    b = pl.when(both).then(p.denominator).when(a.is_not_null()).then(1.0)
    return a, b


def _value_parts(p: Parts) -> tuple[Expr, Expr]:
    return p.own, pl.when(p.own.is_not_null()).then(1.0)


def _ratio(c: Children) -> Expr:
    return pl.when(c.sum_b > 0).then(c.sum_a / c.sum_b)


_ONE: Callable[[Expr], Expr] = lambda ratio_scale: pl.lit(1.0)  # noqa: E731

UNIT_RULES: dict[str, UnitRule] = {r.name: r for r in (
    UnitRule("sum", "Cộng", "Sum", rolls_up=True, pooled=False, value_from_parts=False,
             needs_denominator=False, comparable=False, scale=_ONE, contributes=_value_parts,
             combine=lambda c: c.sum_a, additive=True),
    UnitRule("ratio", "Tỷ lệ tính lại từ tử số và mẫu số", "Ratio of summed numerators and denominators",
             rolls_up=True, pooled=True, value_from_parts=True, needs_denominator=True, comparable=True,
             scale=lambda ratio_scale: ratio_scale.fill_null(1.0),
             contributes=lambda p: (pl.when(p.numerator.is_not_null() & p.denominator.is_not_null())
                                    .then(p.numerator),
                                    pl.when(p.numerator.is_not_null() & p.denominator.is_not_null())
                                    .then(p.denominator)),
             combine=lambda c: c.scale * _ratio(c)),
    UnitRule("mean", "Bình quân", "Mean", rolls_up=True, pooled=False, value_from_parts=False,
             needs_denominator=False, comparable=True, scale=_ONE, contributes=_value_parts,
             combine=_ratio),
    UnitRule("weighted_mean", "Bình quân gia quyền", "Weighted mean", rolls_up=True, pooled=True,
             value_from_parts=False, needs_denominator=True, comparable=True, scale=_ONE,
             contributes=lambda p: (pl.when(p.denominator.is_not_null()).then(p.own * p.denominator),
                                    p.denominator),
             combine=_ratio),
    UnitRule("min", "Nhỏ nhất", "Minimum", rolls_up=True, pooled=False, value_from_parts=False,
             needs_denominator=False, comparable=True, scale=_ONE, contributes=_value_parts,
             combine=lambda c: c.minimum),
    UnitRule("max", "Lớn nhất", "Maximum", rolls_up=True, pooled=False, value_from_parts=False,
             needs_denominator=False, comparable=True, scale=_ONE, contributes=_value_parts,
             combine=lambda c: c.maximum),
    UnitRule("share_meeting_target", "Tỷ lệ đơn vị đạt mục tiêu", "Share of units meeting their target",
             rolls_up=True, pooled=True, value_from_parts=False, needs_denominator=False, comparable=True,
             scale=lambda ratio_scale: pl.lit(100.0), contributes=_share_parts,
             combine=lambda c: c.scale * _ratio(c), rollup_is_percent=True),
    UnitRule("none", "Không tổng hợp", "Not aggregated", rolls_up=False, pooled=False, value_from_parts=False,
             needs_denominator=False, comparable=None, scale=_ONE, contributes=_value_parts,
             combine=lambda c: pl.lit(None, pl.Float64), maps=False),
)}


@dataclass(frozen=True)
class Span:
    """What the periods of a span add up to (columns of the frame at hand)."""

    last: Expr
    total: Expr
    mean: Expr
    log_growth: Expr  # the mean of ln(1 + value / 100) over the periods
    sum_a: Expr
    sum_b: Expr
    n_periods: Expr  # sub-periods expected
    n_values: Expr  # sub-periods with a value
    n_parts: Expr  # sub-periods with both parts
    scale: Expr
    pooled: Expr  # the unit rule pools parts


@dataclass(frozen=True)
class TimeRule:
    """How periods combine into longer periods (`agg_time`)."""

    name: str
    label_vi: str
    label_en: str
    #: A span's value from its periods.
    combine: Callable[[Span], Expr]
    #: The span's value is its last period's (its numerator and denominator too).
    takes_last: bool
    #: A flow: the periods' amounts add up to the span's (unless the unit rule pools parts).
    adds_up: bool
    #: The values are growth rates that compound over the periods.
    compounds: bool = False


def _pooled_over(s: Span) -> Expr:
    return pl.when((s.n_parts == s.n_periods) & (s.sum_b > 0)).then(s.scale * s.sum_a / s.sum_b)


def _complete(s: Span, value: Expr) -> Expr:
    return pl.when(s.pooled).then(_pooled_over(s)).when(s.n_values < s.n_periods).then(None).otherwise(value)


TIME_RULES: dict[str, TimeRule] = {r.name: r for r in (
    TimeRule("sum", "Cộng các kỳ", "Sum of periods", combine=lambda s: _complete(s, s.total), takes_last=False,
             adds_up=True),
    TimeRule("last", "Giá trị cuối kỳ", "Last value", combine=lambda s: s.last, takes_last=True, adds_up=False),
    TimeRule("mean", "Bình quân các kỳ", "Mean of periods", combine=lambda s: _complete(s, s.mean),
             takes_last=False, adds_up=False),
    # Growth rates (% on the previous period) compound: the average growth over a span is the rate that,
    # applied every period, gives the span's total growth — as statisticians define "bình quân giai đoạn".
    TimeRule("compound", "Tăng trưởng bình quân (bình quân nhân)", "Compound average growth",
             combine=lambda s: _complete(s, ((s.log_growth).exp() - 1) * 100), takes_last=False, adds_up=False,
             compounds=True),
)}


@dataclass(frozen=True)
class ValueType:
    """What kind of number an indicator is (`value_type`)."""

    name: str
    label_vi: str
    label_en: str
    #: Whole numbers only (`non-integer` otherwise).
    whole: bool
    #: A yes/no answer, recorded as 1 or 0.
    boolean: bool
    #: Shown with a percent format (the value 90.5 is written as 0.905 with `0.0%`).
    percent: bool
    #: A unit's value means the same at every level; None = decided by the unit rule.
    comparable: bool | None
    #: A position among units (1 = best).
    ranks: bool = False
    #: Values of several units can be combined into one unit's (not ranks, scores or yes/no answers).
    maps: bool = True


VALUE_TYPES: dict[str, ValueType] = {t.name: t for t in (
    ValueType("percent", "Tỷ lệ phần trăm", "Percent", whole=False, boolean=False, percent=True, comparable=True),
    ValueType("count", "Số đếm", "Count", whole=True, boolean=False, percent=False, comparable=False),
    ValueType("number", "Số", "Number", whole=False, boolean=False, percent=False, comparable=None),
    ValueType("rank", "Thứ hạng", "Rank", whole=True, boolean=False, percent=False, comparable=False, ranks=True,
              maps=False),
    ValueType("score", "Điểm", "Score", whole=False, boolean=False, percent=False, comparable=None, maps=False),
    ValueType("boolean", "Đạt/không đạt", "Yes/no", whole=False, boolean=True, percent=False, comparable=None,
              maps=False),
)}


@dataclass(frozen=True)
class Basis:
    """What a target measures (`target_basis` of a target row), and so what its value is compared with."""

    name: str
    label_vi: str
    label_en: str
    #: The value compared with the target: the value period's `value`, the year's `year_total` (to date,
    #: scaled to a full year until the year is over), or the `term_to_date` value under the time rule.
    compared: Literal["value", "year_total", "term_to_date"]
    #: Meeting the target before its year is final (`achieved`); otherwise it is `on_track` until then.
    final_when_met: bool
    #: Progress is measured along the path baseline → target (`path`), or by what is needed per remaining
    #: year to reach the target (`needed`), for averages that a single year cannot show.
    progress: Literal["path", "needed"]
    #: Whether the indicator's rules can carry it: (unit rule, time rule, cumulative scope) → bool.
    fits: Callable[[str, str, str], bool]
    description_en: str
    description_vi: str


def _is_term_total(unit_rule: str, time_rule: str, scope: str) -> bool:
    return (TIME_RULES[time_rule].adds_up and not UNIT_RULES[unit_rule].pooled) or scope == "term"


BASES: dict[str, Basis] = {b.name: b for b in (
    Basis("level", "giá trị cuối kỳ", "level at the period", compared="value", final_when_met=True,
          progress="path", fits=lambda u, t, s: True,
          description_en="the value at the period: a stock, a rate or a share",
          description_vi="giá trị tại kỳ: số lượng hiện có, tỷ lệ hoặc tỷ trọng"),
    Basis("period_total", "cộng dồn năm", "year total", compared="year_total", final_when_met=False,
          progress="path", fits=lambda u, t, s: is_flow(u, t, s),
          description_en="a flow summed over the year (to date, scaled to a full year until the year is over)",
          description_vi="tổng cộng trong năm (cộng dồn đến kỳ, quy ra cả năm cho đến khi hết năm)"),
    Basis("term_total", "cộng dồn nhiệm kỳ", "term total", compared="term_to_date", final_when_met=True,
          progress="path", fits=_is_term_total,
          description_en="the total over the term so far, against the total the term must reach",
          description_vi="tổng cộng dồn từ đầu nhiệm kỳ, so với tổng mục tiêu của cả nhiệm kỳ"),
    Basis("term_average", "bình quân nhiệm kỳ", "term average", compared="term_to_date", final_when_met=False,
          progress="needed", fits=lambda u, t, s: t in ("mean", "compound"),
          description_en="the average of the yearly values over the term so far (compounded for growth rates)",
          description_vi="bình quân các năm từ đầu nhiệm kỳ (bình quân nhân đối với tốc độ tăng trưởng)"),
)}


# --- what the stages ask ----------------------------------------------------------------


def comparable(unit_rule: str, value_type: str) -> bool:
    """Tell whether a unit without its own target is held to the city's.

    A count is not the city's total and a rank is not a rank among provinces;
    a rate, an average, a worst or best case means the same at every level.

    >>> comparable("ratio", "percent"), comparable("sum", "percent"), comparable("none", "percent")
    (True, False, True)
    >>> comparable("mean", "count"), comparable("none", "number")
    (False, False)
    """
    rule, kind = UNIT_RULES[unit_rule], VALUE_TYPES[value_type]
    if kind.comparable is False or rule.comparable is False:
        return False
    return bool(rule.comparable) or bool(kind.comparable)


def maps(unit_rule: str, value_type: str) -> bool:
    """Tell whether an abolished unit's figures can be carried to the unit that took it over.

    >>> maps("sum", "count"), maps("ratio", "percent"), maps("none", "number"), maps("mean", "score")
    (True, True, False, False)
    """
    return UNIT_RULES[unit_rule].maps and VALUE_TYPES[value_type].maps


def is_flow(unit_rule: str, time_rule: str, cumulative_scope: str) -> bool:
    """Tell whether an indicator is an annual flow, compared with its target as a yearly amount.

    Totals over time that are not pooled, and running totals since 1 January.

    >>> is_flow("sum", "sum", "none"), is_flow("ratio", "sum", "none"), is_flow("sum", "last", "year")
    (True, False, True)
    """
    return (TIME_RULES[time_rule].adds_up and not UNIT_RULES[unit_rule].pooled) or cumulative_scope == "year"


def default_basis(unit_rule: str, time_rule: str, cumulative_scope: str) -> str:
    """Return what a value of an indicator is compared as when no target says: its natural basis.

    A running total over the term is a term total, an annual flow a year's total, anything else a level.
    Target rows always state their basis; this only shows what a row without a target would compare.

    >>> default_basis("sum", "last", "term"), default_basis("sum", "sum", "none"), default_basis("ratio", "sum", "none")
    ('term_total', 'period_total', 'level')
    """
    if cumulative_scope == "term":
        return "term_total"
    return "period_total" if is_flow(unit_rule, time_rule, cumulative_scope) else "level"


def rule_columns(indicators: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """Add to indicator rows the properties of their rules, as columns the stages filter on.

    `_scale`, `_pooled`, `_rolls_up`, `_value_from_parts`, `_needs_denominator`, `_comparable`,
    `_flow`, `_takes_last`, `_adds_up`, `_compounds`, `_additive`, `_whole`, `_boolean`, `_ranks`,
    `_percent`, `_rollup_percent`, `_maps`.
    """
    table = pl.DataFrame(
        [{"agg_units": u.name, "value_type": v.name, "agg_time": t.name, "cumulative_scope": scope,
          "_pooled": u.pooled, "_rolls_up": u.rolls_up, "_value_from_parts": u.value_from_parts,
          "_needs_denominator": u.needs_denominator, "_comparable": comparable(u.name, v.name),
          "_flow": is_flow(u.name, t.name, scope), "_takes_last": t.takes_last, "_adds_up": t.adds_up,
          "_compounds": t.compounds, "_default_basis": default_basis(u.name, t.name, scope),
          "_additive": u.additive, "_whole": v.whole, "_boolean": v.boolean, "_ranks": v.ranks,
          "_percent": v.percent, "_rollup_percent": u.rollup_is_percent, "_maps": maps(u.name, v.name)}
         for u in UNIT_RULES.values() for v in VALUE_TYPES.values() for t in TIME_RULES.values()
         for scope in ("none", "year", "term")])
    keys = ["agg_units", "value_type", "agg_time", "cumulative_scope"]
    table = table.lazy() if isinstance(indicators, pl.LazyFrame) else table
    out = indicators.join(table, on=keys, how="left")
    return out.with_columns(_scale=_by_unit_rule(lambda r: r.scale(pl.col("ratio_scale"))))


def _by_unit_rule(build: Callable[[UnitRule], Expr], column: str = "agg_units") -> Expr:
    """Return the expression each unit rule builds, chosen by the rule named in `column`."""
    rules = list(UNIT_RULES.values())
    expr = pl.when(pl.col(column) == rules[0].name).then(build(rules[0]))
    for rule in rules[1:]:
        expr = expr.when(pl.col(column) == rule.name).then(build(rule))
    return expr


def _by_time_rule(build: Callable[[TimeRule], Expr], column: str = "agg_time") -> Expr:
    rules = list(TIME_RULES.values())
    expr = pl.when(pl.col(column) == rules[0].name).then(build(rules[0]))
    for rule in rules[1:]:
        expr = expr.when(pl.col(column) == rule.name).then(build(rule))
    return expr


def _by_basis(build: Callable[[Basis], Expr], column: str = "target_basis") -> Expr:
    bases = list(BASES.values())
    expr = pl.when(pl.col(column) == bases[0].name).then(build(bases[0]))
    for b in bases[1:]:
        expr = expr.when(pl.col(column) == b.name).then(build(b))
    return expr


def basis_columns(column: str = "target_basis") -> dict[str, Expr]:
    """Return, for rows naming a target basis in `column`, the basis's properties as columns.

    `_compared_from` (value, year_total, term_to_date), `_final_when_met`, `_by_needed`.
    """
    return {"_compared_from": _by_basis(lambda b: pl.lit(b.compared), column),
            "_final_when_met": _by_basis(lambda b: pl.lit(b.final_when_met), column),
            "_by_needed": _by_basis(lambda b: pl.lit(b.progress == "needed"), column).fill_null(False)}


def own_value(value: Expr, numerator: Expr, denominator: Expr) -> Expr:
    """Return a unit's own value: the value sent, else scale × numerator ÷ denominator where the rule says.

    Needs `_value_from_parts` and `_scale` (from `rule_columns`).
    """
    parts = numerator.is_not_null() & denominator.is_not_null() & (denominator > 0)
    return pl.coalesce(value, pl.when(pl.col("_value_from_parts") & parts).then(
        pl.col("_scale") * numerator / denominator))


def contributions(parts: Parts) -> tuple[Expr, Expr]:
    """Return (a, b): what a unit with its own value contributes to its parent, by its unit rule."""
    return (_by_unit_rule(lambda r: r.contributes(parts)[0]), _by_unit_rule(lambda r: r.contributes(parts)[1]))


def children_value(children: Children) -> Expr:
    """Return a parent's value from its children's sums, by its unit rule."""
    return _by_unit_rule(lambda r: r.combine(children))


def span_value(span: Span) -> Expr:
    """Return a span's value from its periods, by the time rule."""
    return _by_time_rule(lambda r: r.combine(span))


def basis(name: str) -> Basis:
    """Return a target basis by name."""
    return BASES[name]


def unit_rule(name: str) -> UnitRule:
    """Return a unit rule by name."""
    return UNIT_RULES[name]


def value_type(name: str) -> ValueType:
    """Return a value type by name."""
    return VALUE_TYPES[name]
