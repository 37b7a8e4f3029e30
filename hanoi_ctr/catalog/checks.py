"""Checks across catalog tables: references, code consistency, validity, ranges.

Each check takes the typed catalog frames (each with a `_row` column, the
row number in its CSV file) and returns issues at file, row and column;
`load_catalog` runs them all once the tables themselves conform.
"""

from __future__ import annotations

import polars as pl

from hanoi_ctr.catalog.model import EARLIEST as _EARLIEST
from hanoi_ctr.catalog.model import LATEST as _LATEST
from hanoi_ctr.declare import rules
from hanoi_ctr.declare.issues import Issue
from hanoi_ctr.declare.tables import CATALOG_TABLES, TABLES


def check_catalog(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    """Return every cross-table problem of typed catalog frames (each with a `_row` column)."""
    issues = _check_foreign_keys(frames)
    for check in (_check_terms, _check_codes, _check_units, _check_lineage, _check_indicators, _check_targets,
                  _check_assignments, _check_disaggregations):
        issues += check(frames)
    return issues


def _issues(bad: pl.DataFrame, code: str, table: str, column: str, detail: str | tuple[str, str] = "",
            value: str | None = None) -> list[Issue]:
    """Return one issue per row of `bad`, at its `_row` and `column`."""
    return [
        Issue(code, file=TABLES[table].path, row=r["_row"], column=column,
              value=str(r[value or column]) if r[value or column] is not None else None, detail=detail)
        for r in bad.iter_rows(named=True)
    ]


def _check_foreign_keys(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    issues = []
    for name in CATALOG_TABLES:
        for fk in TABLES[name].foreign_keys:
            child = frames[name].drop_nulls(list(fk.fields))
            parent = frames[fk.table].select(fk.ref_fields).unique()
            bad = child.join(parent, left_on=list(fk.fields), right_on=list(fk.ref_fields), how="anti")
            if len(fk.fields) > 1:
                bad = bad.with_columns(_key=pl.concat_str(list(fk.fields), separator=" "))
                issues += _issues(bad, "broken-reference", name, ",".join(fk.fields), fk.table, value="_key")
            else:
                issues += _issues(bad, "broken-reference", name, fk.fields[0], fk.table)
    return issues


def _check_terms(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    """A term ends after it starts, and no two terms share a year: a period must pick one term."""
    terms = frames["terms"]
    bad = terms.filter(pl.col("start_year") > pl.col("end_year"))
    issues = _issues(bad, "invalid-record", "terms", "end_year", ("năm kết thúc trước năm bắt đầu",
                                                                 "end year before start year"))
    ordered = terms.sort("start_year").with_columns(_prev_end=pl.col("end_year").shift(1))
    overlap = ordered.filter(pl.col("start_year") <= pl.col("_prev_end"))
    return issues + _issues(overlap, "invalid-record", "terms", "start_year",
                            ("nhiệm kỳ trùng năm với nhiệm kỳ trước", "the term shares years with the one before"))


def _check_codes(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    """Codes agree with their program: 01-CTr/TU is number 1; 01.03 and 01.T03 belong to it."""
    issues = []
    programs = frames["programs"]
    bad = programs.filter(pl.col("program_code").str.slice(0, 2).cast(pl.Int64) != pl.col("number"))
    issues += _issues(bad, "invalid-record", "programs", "number",
                      ("số không khớp mã chương trình", "number does not match the program code"))
    for name, column in (("indicators", "indicator_code"), ("tasks", "task_code")):
        frame = frames[name]
        bad = frame.filter(pl.col(column).str.slice(0, 2) != pl.col("program_code").str.slice(0, 2))
        issues += _issues(bad, "invalid-record", name, column,
                          ("mã không thuộc chương trình", "code does not belong to its program"))
    return issues


def _check_lineage(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    """Shares given for a split unit add up to 1, so that no part of its figures is lost or counted twice."""
    lineage = frames["unit_lineage"].with_columns(
        _total=pl.col("share").sum().over("old_code", "effective_on"),
        _given=pl.col("share").is_not_null().any().over("old_code", "effective_on"))
    bad = lineage.filter(pl.col("_given"), (pl.col("_total") - 1).abs() > 1e-6)
    return _issues(bad, "invalid-record", "unit_lineage", "share",
                   ("tỷ lệ kế thừa của đơn vị cũ không cộng lại bằng 1", "the shares of the old unit do not add up to 1"))


def _check_units(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    units = frames["units"]
    issues = _issues(
        units.filter(pl.col("valid_from") > pl.col("valid_to")), "invalid-record", "units", "valid_to",
        ("hiệu lực kết thúc trước khi bắt đầu", "validity ends before it starts"),
    )
    is_agency_code = pl.col("unit_code").str.contains(r"^[A-Z]")
    bad = units.filter(is_agency_code != (pl.col("kind") == "agency"))
    issues += _issues(bad, "invalid-record", "units", "unit_code",
                      ("mã cơ quan phải bắt đầu bằng chữ, mã hành chính là số",
                       "agency codes start with a letter, administrative codes are digits"))
    # A parent must exist throughout its child's validity.
    bounds = [pl.col("valid_from").fill_null(_EARLIEST), pl.col("valid_to").fill_null(_LATEST)]
    children = units.drop_nulls("parent_code").with_columns(_from=bounds[0], _to=bounds[1])
    parents = units.select(parent_code="unit_code", _pfrom=bounds[0], _pto=bounds[1])
    covered = (
        children.join(parents, on="parent_code")
        .filter(pl.col("_pfrom") <= pl.col("_from"), pl.col("_pto") >= pl.col("_to"))
        .select("unit_code", "_from")
        .unique()
    )
    uncovered = children.join(covered, on=["unit_code", "_from"], how="anti")
    uncovered = uncovered.join(parents.select("parent_code").unique(), on="parent_code", how="semi")
    issues += _issues(uncovered, "invalid-record", "units", "parent_code",
                      ("đơn vị cấp trên không có hiệu lực trong thời gian của đơn vị",
                       "the parent is not valid for the whole of the unit's validity"))
    return issues


def _check_indicators(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    ind = frames["indicators"]
    issues = _issues(ind.filter(pl.col("min_value") > pl.col("max_value")), "invalid-record", "indicators",
                     "max_value", ("giá trị lớn nhất nhỏ hơn giá trị nhỏ nhất", "max_value below min_value"))
    from_parts = [r.name for r in rules.UNIT_RULES.values() if r.value_from_parts]
    is_ratio = pl.col("agg_units").is_in(from_parts)
    for column in ("ratio_scale", "numerator_label_vi", "denominator_label_vi"):
        issues += _issues(ind.filter(is_ratio, pl.col(column).is_null()), "missing-value", "indicators", column)
    issues += _issues(ind.filter(~is_ratio, pl.col("ratio_scale").is_not_null()), "invalid-record",
                      "indicators", "ratio_scale", ("chỉ dùng cho chỉ tiêu tỷ lệ (ratio)",
                                                    "only for ratio indicators"))
    return issues


def _check_targets(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    targets = frames["targets"]
    issues = _issues(targets.filter(pl.col("target_min") > pl.col("target_max")), "invalid-record",
                     "targets", "target_max", ("cận trên nhỏ hơn cận dưới", "target_max below target_min"))
    content = ["target_value", "target_min", "target_max", "target_delta", "target_text", "baseline_value"]
    empty = targets.filter(pl.all_horizontal(pl.col(content).is_null()))
    issues += _issues(empty, "invalid-record", "targets", "target_value",
                      ("dòng không có mục tiêu hay giá trị cơ sở", "row has neither a target nor a baseline"))
    no_year = targets.filter(pl.col("baseline_value").is_not_null(), pl.col("baseline_year").is_null())
    issues += _issues(no_year, "missing-value", "targets", "baseline_year")
    return issues + _check_bases(targets, frames["indicators"])


def _check_bases(targets: pl.DataFrame, indicators: pl.DataFrame) -> list[Issue]:
    """A target's basis must be one its indicator's rules can carry (a term average needs a mean over time)."""
    rules_of = {(r["term"], r["indicator_code"]): r for r in indicators.select(
        "term", "indicator_code", "agg_units", "agg_time", "cumulative_scope").iter_rows(named=True)}

    def misfit(row: dict) -> bool:
        ind = rules_of.get((row["term"], row["indicator_code"]))
        basis = rules.BASES.get(row["target_basis"] or "")
        return bool(ind and basis and not basis.fits(ind["agg_units"], ind["agg_time"], ind["cumulative_scope"]))

    bad = targets.filter(pl.Series([misfit(r) for r in targets.iter_rows(named=True)], dtype=pl.Boolean))
    return _issues(bad, "invalid-record", "targets", "target_basis",
                   ("cách tính mục tiêu không phù hợp với quy tắc tổng hợp của chỉ tiêu",
                    "the target basis does not fit the indicator's aggregation rules"))


def _check_assignments(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    a = frames["assignments"]
    bad = a.filter(pl.col("level").is_null() == pl.col("unit_code").is_null())
    issues = _issues(bad, "invalid-record", "assignments", "level",
                     ("cần đúng một trong hai cột level hoặc unit_code", "set exactly one of level and unit_code"))
    assigned = a.select("term", "indicator_code").unique()
    orphans = frames["indicators"].join(assigned, on=["term", "indicator_code"], how="anti")
    issues += _issues(orphans, "invalid-record", "indicators", "indicator_code",
                      ("chỉ tiêu chưa giao cho đơn vị nào", "indicator is not assigned to any unit"))
    return issues


def _check_disaggregations(frames: dict[str, pl.DataFrame]) -> list[Issue]:
    """A dimension an indicator is broken down by has at least two categories, and a category label is not
    used twice in its dimension (a label typed in a file must name one category)."""
    counts = frames["categories"].group_by("dimension").agg(_n=pl.len())
    used = frames["disaggregations"].join(counts, on="dimension", how="left").filter(
        pl.col("_n").fill_null(0) < 2)
    issues = _issues(used, "invalid-record", "disaggregations", "dimension",
                     ("chiều phân tổ cần ít nhất hai nhóm", "a dimension needs at least two categories"))
    keys = frames["disaggregations"].join(frames["categories"], on="dimension").select(
        "term", "indicator_code", category=pl.format("{}={}", "dimension", "category_code"))
    targets = frames["targets"].drop_nulls("category").join(keys, on=["term", "indicator_code", "category"],
                                                             how="anti")
    issues += _issues(targets, "invalid-record", "targets", "category",
                      ("chỉ tiêu không báo cáo theo nhóm này", "the indicator is not reported by this category"))
    labels = frames["categories"].with_columns(_label=pl.col("name_vi").str.to_lowercase())
    twice = labels.filter(pl.col("_label").is_duplicated().over("dimension"))
    return issues + _issues(twice, "invalid-record", "categories", "name_vi",
                            ("tên nhóm trùng trong cùng chiều phân tổ", "the label is used twice in its dimension"))
