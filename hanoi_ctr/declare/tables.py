"""The tables: which declared fields each holds, its keys and its links.

Catalog tables ship as CSV in the catalog directory; submission tables are
what ingestion produces; output tables are what a rollup writes. Every
such table is rendered to polars, pandera and Frictionless schemas by
`schemas`. Sheet tables (`SHEETS`) are the tables of the rollup workbook:
which declared columns a sheet shows, in which order, with the workbook's
headers, widths and number formats (a sheet may word a header more
shortly than the column's declaration does).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal, Mapping

from hanoi_ctr.declare.fields import (
    FIELDS,
    TASK_KINDS,
    UNIT_KINDS,
    Field,
)

TableKind = Literal["catalog", "submission", "output", "sheet"]


@dataclass(frozen=True)
class ForeignKey:
    """Columns of one table whose values must exist in another table."""

    fields: tuple[str, ...]
    table: str
    ref_fields: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A named list of declared fields with keys and foreign keys."""

    name: str
    kind: TableKind
    description: str
    field_names: tuple[str, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        """Return the table's fields, with this table's overrides applied (built once: sheets ask often)."""
        return tuple(replace(FIELDS[n], **self.overrides.get(n, {})) for n in self.field_names)

    @property
    def path(self) -> str:
        """Return the file name of the table inside a catalog directory."""
        return f"{self.name}.csv"

    def field(self, name: str) -> Field:
        """Return one field of this table by name."""
        return self.fields[self.field_names.index(name)]


def _fk(fields: str, table: str, ref: str | None = None) -> ForeignKey:
    names = tuple(fields.split(","))
    return ForeignKey(names, table, tuple(ref.split(",")) if ref else names)


_OPTIONAL = {"required": False}
_PROVENANCE = ("sha256", "sheet", "row", "received_at")

_TABLES: tuple[Table, ...] = (
    Table(
        "terms", "catalog", "Party Committee terms and the years their programs run.",
        ("term", "name_vi", "name_en", "start_year", "end_year", "baseline_year", "source"),
        primary_key=("term",),
    ),
    Table(
        "programs", "catalog", "Work programs of a term, keyed by term and code.",
        ("term", "program_code", "number", "title_vi", "title_en", "title_status",
         "standing_agency_code", "issued_on", "stated_indicators", "stated_tasks", "size_source", "source", "note"),
        primary_key=("term", "program_code"),
        foreign_keys=(_fk("term", "terms"), _fk("standing_agency_code", "units", "unit_code")),
    ),
    Table(
        "units", "catalog",
        "Reporting units (city, districts, wards, agencies) with validity dates; "
        "a unit code is meaningful only with a date.",
        ("unit_code", "name_vi", "kind", "parent_code", "valid_from", "valid_to", "display_order", "source"),
        primary_key=("unit_code", "valid_from"),
        foreign_keys=(_fk("parent_code", "units", "unit_code"),),
        overrides={"kind": {"enum": UNIT_KINDS}},
    ),
    Table(
        "unit_lineage", "catalog", "Old unit → new unit(s) in the 2025 reorganisation.",
        ("old_code", "new_code", "split", "default_successor", "share", "effective_on", "source"),
        primary_key=("old_code", "new_code"),
        foreign_keys=(_fk("old_code", "units", "unit_code"), _fk("new_code", "units", "unit_code")),
    ),
    Table(
        "indicators", "catalog", "Indicators (chỉ tiêu) with their arithmetic rules.",
        ("indicator_code", "term", "program_code", "display_order", "name_vi", "name_en", "unit_label", "unit_label_en",
         "value_type", "direction", "agg_units", "agg_time", "cumulative_scope", "frequency", "decimals",
         "min_value", "max_value", "ratio_scale", "numerator_label_vi", "denominator_label_vi",
         "program_link", "source", "source_note"),
        primary_key=("term", "indicator_code"),
        foreign_keys=(_fk("term,program_code", "programs"),),
    ),
    Table(
        "targets", "catalog",
        "Targets and baselines per indicator (or one of its categories: women's share), unit (01 = the city) "
        "and year.",
        ("term", "indicator_code", "category", "unit_code", "year", "target_kind", "target_basis", "target_value",
         "target_min", "target_max", "target_delta", "target_text", "baseline_value", "baseline_year", "source",
         "note"),
        primary_key=("term", "indicator_code", "category", "unit_code", "year"),
        foreign_keys=(_fk("term,indicator_code", "indicators"), _fk("unit_code", "units")),
    ),
    Table(
        "tasks", "catalog", "Thematic tasks of the programs, with lead agency and due period.",
        ("task_code", "term", "program_code", "kind", "title_vi", "title_en", "lead_unit_code",
         "due_period", "source", "source_note"),
        primary_key=("term", "task_code"),
        foreign_keys=(_fk("term,program_code", "programs"), _fk("lead_unit_code", "units", "unit_code")),
        overrides={"kind": {"enum": TASK_KINDS}},
    ),
    Table(
        "assignments", "catalog",
        "Which units report which indicator: every unit of a level, or one named unit.",
        ("term", "indicator_code", "level", "unit_code", "note"),
        foreign_keys=(_fk("term,indicator_code", "indicators"), _fk("unit_code", "units")),
        overrides={"unit_code": _OPTIONAL},
    ),
    Table(
        "markers", "catalog", "Text that means 'no data' (not zero) when typed in a value cell.",
        ("marker", "meaning_vi", "meaning_en"),
        primary_key=("marker",),
    ),
    Table(
        "dimensions", "catalog", "What indicators may be broken down by: sex, area, age group.",
        ("dimension", "name_vi", "name_en", "display_order", "source", "note"),
        primary_key=("dimension",),
    ),
    Table(
        "categories", "catalog", "The categories of each dimension, with their labels in both languages.",
        ("dimension", "category_code", "name_vi", "name_en", "display_order", "source", "note"),
        primary_key=("dimension", "category_code"),
        foreign_keys=(_fk("dimension", "dimensions"),),
    ),
    Table(
        "disaggregations", "catalog",
        "Which indicators are reported by the categories of which dimension, and whether the total is "
        "reported beside them.",
        ("term", "indicator_code", "dimension", "total_reported", "source", "note"),
        primary_key=("term", "indicator_code", "dimension"),
        foreign_keys=(_fk("term,indicator_code", "indicators"), _fk("dimension", "dimensions")),
    ),
    Table(
        "indicator_values", "submission", "Indicator values accepted from submissions, with provenance.",
        ("unit_code", "period", "indicator_code", "category", "value", "numerator", "denominator",
         "no_data_marker", "note", "submitted_at", "reported_by", *_PROVENANCE),
        overrides={"sha256": {"required": True}},
    ),
    Table(
        "task_progress", "submission", "Task progress accepted from submissions, with provenance.",
        ("unit_code", "period", "task_code", "status", "completed_on", "note", "submitted_at",
         "reported_by", *_PROVENANCE),
        overrides={"sha256": {"required": True}},
    ),
    Table(
        "ledger", "output", "One row per file received: what arrived, when, and what became of it.",
        ("received_at", "sha256", "file_name", "format", "unit_code", "period", "submitted_at",
         "rows_read", "rows_accepted", "rows_rejected", "outcome"),
        overrides={"sha256": {"required": True}, "unit_code": _OPTIONAL, "period": _OPTIONAL},
    ),
    Table(
        "issues", "output", "Every problem found, with its position and messages in two languages.",
        ("code", "severity", "file", "sheet", "row", "column", "value", "message_vi", "message_en",
         "sha256", "unit_code", "period"),
        overrides={
            "value": {"type": "string", "description": "The offending value, as text.",
                      "excel_format": None, "label_vi": "Giá trị", "label_en": "Value"},
            "unit_code": _OPTIONAL,
            "period": _OPTIONAL,
        },
    ),
    Table(
        "results", "output",
        "Rollup results: one row per period × unit × indicator, compared with its target.",
        ("period", "unit_code", "indicator_code", "category", "unit_level", "parent_code", "value_period", "value",
         "numerator", "denominator", "value_source", "rollup_value", "n_expected", "n_reported", "coverage_rate",
         "partial",
         "n_periods_expected", "n_periods_reported", "previous_value", "change", "term_to_date", "target_basis",
         "compared_value", "compared_period", "annualised", "target_source", "target_year", "target_value",
         "target_min", "target_max", "baseline_value", "baseline_period", "baseline_source", "milestone_value",
         "milestone_achievement", "milestone_met", "achievement", "progress", "expected_progress", "needed",
         "closed", "result_status", "projection", "projection_meets_target", "mapped_from", "units_on"),
        primary_key=("period", "units_on", "unit_code", "indicator_code", "category"),
        overrides={"target_basis": _OPTIONAL},
    ),
    Table(
        "source_values", "output",
        "The values a rollup used, as sent: every unit's figure in the periods its results compare, with the "
        "file, sheet and row it came from and the value it replaced.",
        ("period", "unit_code", "parent_code", "unit_level", "indicator_code", "category", "value_period", "value",
         "numerator",
         "denominator", "no_data_marker", "file_name", "sheet", "row", "submitted_at", "received_at", "sha256",
         "replaced_value", "replaced_file"),
        primary_key=("period", "unit_code", "indicator_code", "category", "value_period"),
        overrides={"file_name": _OPTIONAL, "unit_level": _OPTIONAL,
                   "value_period": {"description": "Period the value was sent for."}},
    ),
    Table(
        "trend", "output",
        "Values of every unit × indicator for every period from the start of the term to the requested "
        "period (for sparklines and previous-period change).",
        ("period", "unit_code", "indicator_code", "category", "unit_level", "value", "numerator", "denominator",
         "value_source", "n_expected", "n_reported", "n_periods_expected", "n_periods_reported", "mapped_from",
         "units_on"),
        primary_key=("period", "units_on", "unit_code", "indicator_code", "category"),
    ),
    Table(
        "completeness", "output",
        "Completeness and timeliness of the period's submissions per unit, per district with its wards, "
        "per program and for the city.",
        ("period", "scope", "unit_code", "program_code", "n_expected", "n_received", "n_on_time", "n_late",
         "reporting_rate", "on_time_rate", "n_values_expected", "n_values_reported", "value_rate", "units_on"),
        primary_key=("period", "scope", "units_on", "unit_code", "program_code"),
        overrides={
            "unit_code": _OPTIONAL, "program_code": _OPTIONAL,
            "n_expected": {"required": True, "description": "Submissions expected (unit × report quarter).",
                           "label_vi": "Số báo cáo phải nộp", "label_en": "Submissions expected"},
        },
    ),
    Table(
        "task_status", "output", "Every task with its latest reported status and whether it is overdue.",
        ("period", "task_code", "program_code", "lead_unit_code", "due_period", "status", "completed_on",
         "reported_period", "is_due", "overdue", "sha256", "sheet", "row"),
        primary_key=("period", "task_code"),
        foreign_keys=(_fk("task_code", "tasks"),),
        overrides={"status": _OPTIONAL},
    ),
    Table(
        "review_states", "output",
        "Where each unit's report for a period stands in the review: the files applied and held, the last "
        "decision since the latest file, and the city's approval.",
        ("period", "unit_code", "unit_level", "reviewer_code", "review_state", "n_files", "received_at",
         "n_held", "decided_at", "decided_by", "reason", "approved_at"),
        primary_key=("period", "unit_code"),
        overrides={"received_at": {"required": False, "description": "When the latest file applied was "
                                   "received (UTC; a held file: when its lock exception applied it)."},
                   "unit_level": _OPTIONAL},
    ),
    Table(
        "task_summary", "output", "Task counts per program and lead agency.",
        ("period", "program_code", "lead_unit_code", "n_tasks", "n_due", "n_completed", "n_in_progress",
         "n_not_started", "n_cancelled", "n_not_reported", "n_overdue"),
        primary_key=("period", "program_code", "lead_unit_code"),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in _TABLES}


def _short(vi: str, en: str, width: float | None = None, **kw: object) -> dict[str, object]:
    return {"label_vi": vi, "label_en": en, **({"width": width} if width is not None else {}), **kw}


_SHEETS: tuple[Table, ...] = (
    Table(
        "sheet_indicators", "sheet",
        "A program sheet: each indicator at city level against its target, with what decided its status.",
        ("indicator_code", "name_vi", "unit_label", "baseline_value", "baseline_period", "target_min", "target_max",
         "target_year", "value", "value_period", "previous_value", "change", "compared_value", "compared",
         "achievement", "progress", "expected_progress", "needed", "n_reported", "n_expected", "result_status",
         "projection", "projection_meets_target", "trend"),
        overrides={
            "indicator_code": _short("Mã", "Code", 6), "name_vi": _short("Chỉ tiêu", "Indicator", 34),
            "unit_label": _short("Đơn vị tính", "Unit", 9), "baseline_value": _short("Cơ sở", "Baseline", 8),
            "baseline_period": _short("Năm cơ sở", "Base year", 7),
            "target_min": _short("Mục tiêu: từ", "Target: from", 8),
            "target_max": _short("Mục tiêu: đến", "Target: to", 8),
            "target_year": _short("Năm mục tiêu", "Target year", 6),
            "value": _short("Kết quả", "Value", 8), "value_period": _short("Kỳ số liệu", "Value period", 8),
            "previous_value": _short("Kỳ trước", "Previous", 8), "change": _short("Thay đổi", "Change", 7),
            "compared_value": _short("Giá trị so sánh", "Compared", 9),
            "achievement": _short("Mức đạt", "Achieved", 8), "progress": _short("Tiến độ", "Progress", 8),
            "expected_progress": _short("Tiến độ kỳ vọng", "Expected progress", 8),
            "needed": _short("Cần đạt mỗi năm còn lại", "Needed per year left", 8),
            "n_reported": _short("Số báo cáo có số liệu", "Reports in", 7),
            "n_expected": _short("Số báo cáo phải có", "Reports due", 7),
            "result_status": _short("Đánh giá", "Status", 11),
            "projection": _short("Dự báo cuối nhiệm kỳ", "Term-end projection", 9),
            "projection_meets_target": _short("Dự báo đạt", "Projection meets", 9),
            "trend": _short("Xu hướng", "Trend", 12),
        },
    ),
    Table(
        "sheet_units", "sheet", "The units sheet: each unit's reporting and timeliness, and its status counts.",
        ("unit_code", "unit_name", "unit_level", "parent_name", "units_on", "n_expected", "n_received", "n_on_time",
         "n_late", "reporting_rate", "on_time_rate", "value_rate"),
        overrides={
            "unit_code": _short("Mã", "Code", 10), "unit_level": _short("Cấp", "Level", 9),
            "n_expected": _short("Báo cáo phải nộp", "Submissions expected", 10),
            "n_received": _short("Đã nộp", "Received", 10), "n_on_time": _short("Đúng hạn", "On time", 10),
            "n_late": _short("Muộn", "Late", 10), "reporting_rate": _short("Tỷ lệ báo cáo", "Reporting rate", 10),
            "on_time_rate": _short("Tỷ lệ đúng hạn", "On-time rate", 10),
            "value_rate": _short("Tỷ lệ chỉ tiêu có số liệu", "Values reported", 10),
        },
    ),
    Table(
        "sheet_rates", "sheet", "Completeness and timeliness for the city and per program (overview).",
        ("scope", "n_expected", "n_received", "n_on_time", "n_late", "reporting_rate", "on_time_rate", "value_rate"),
        overrides={
            "scope": _short("Phạm vi", "Scope", 30),
            "n_expected": _short("Báo cáo phải nộp", "Submissions expected", 11),
            "n_received": _short("Đã nộp", "Received", 10), "n_on_time": _short("Đúng hạn", "On time", 10),
            "n_late": _short("Muộn", "Late", 10),
            "reporting_rate": _short("Tỷ lệ báo cáo", "Reporting rate", 10),
            "on_time_rate": _short("Tỷ lệ đúng hạn", "On-time rate", 10),
            "value_rate": _short("Tỷ lệ chỉ tiêu có số liệu", "Values reported", 10),
        },
    ),
    Table(
        "sheet_tasks", "sheet", "The tasks sheet: every task with its lead agency, due period and status.",
        ("task_code", "program_code", "title_vi", "lead_name", "due_period", "status", "completed_on", "overdue"),
        overrides={
            "task_code": _short("Mã", "Code", 9), "program_code": _short("Chương trình", "Program", 11),
            "title_vi": _short("Nhiệm vụ", "Task", 60), "due_period": _short("Thời hạn", "Due", 10),
            "status": _short("Tình trạng", "Status", 16), "completed_on": _short("Ngày hoàn thành", "Completed on", 12),
            "overdue": _short("Quá hạn", "Overdue", 9),
        },
    ),
    Table(
        "sheet_issues", "sheet", "The data-issues sheet: the period's issues with unit, period, position and message.",
        ("unit_code", "period", "file", "sheet", "row", "column", "value", "code", "severity", "message"),
        overrides={
            "unit_code": _short("Đơn vị", "Unit", 9), "period": _short("Kỳ", "Period", 9),
            "file": _short("Tệp", "File", 30), "sheet": _short("Trang tính", "Sheet", 11),
            "row": _short("Dòng", "Row", 6), "column": _short("Cột", "Column", 14),
            "value": _short("Giá trị", "Value", 14), "code": _short("Mã lỗi", "Code", 22),
            "severity": _short("Mức độ", "Severity", 9), "message": _short("Nội dung", "Message", 60),
        },
    ),
    Table(
        "sheet_files", "sheet", "The files sheet: every file received for the period and what became of it.",
        ("file_name", "unit_code", "unit_name", "period", "received_at", "rows_read", "rows_accepted",
         "rows_rejected", "outcome", "message", "sha256"),
        overrides={
            "file_name": _short("Tệp", "File", 30), "unit_code": _short("Mã", "Code", 8),
            "unit_name": _short("Đơn vị", "Unit", 22), "period": _short("Kỳ", "Period", 9),
            "received_at": _short("Nhận lúc (giờ Hà Nội)", "Received (Hanoi time)", 15),
            "rows_read": _short("Dòng đọc", "Rows read", 7), "rows_accepted": _short("Dòng nhận", "Rows accepted", 8),
            "rows_rejected": _short("Dòng loại", "Rows rejected", 8), "outcome": _short("Kết quả", "Outcome", 13),
            "message": _short("Lý do, vấn đề", "Reasons and issues", 54), "sha256": _short("SHA-256", "SHA-256", 14),
        },
    ),
    Table(
        "sheet_review", "sheet", "The review sheet: each unit's report for the period, where it stands, why.",
        ("unit_code", "unit_name", "unit_level", "period", "reviewer_code", "review_state", "n_files",
         "n_held", "received_at", "decided_at", "decided_by", "reason", "approved_at"),
        overrides={
            "unit_code": _short("Mã", "Code", 8), "unit_name": _short("Đơn vị", "Unit", 26),
            "period": _short("Kỳ", "Period", 9), "received_at": _short("Nhận lúc (giờ Hà Nội)",
                                                                       "Received (Hanoi time)", 15),
            "decided_at": _short("Quyết định lúc (giờ Hà Nội)", "Decided (Hanoi time)", 15),
            "approved_at": _short("Phê duyệt lúc (giờ Hà Nội)", "Approved (Hanoi time)", 15),
        },
    ),
    Table(
        "sheet_sources", "sheet",
        "The source-values sheet: every value a city or district number of the period is made of, with its file.",
        ("indicator_code", "unit_code", "unit_name", "unit_level", "parent_name", "value_period", "value",
         "numerator", "denominator", "no_data_marker", "file_name", "sheet", "row", "received_at",
         "replaced_value", "replaced_file"),
        overrides={
            "indicator_code": _short("Chỉ tiêu", "Indicator", 8), "unit_code": _short("Mã", "Code", 8),
            "unit_name": _short("Đơn vị", "Unit", 22), "unit_level": _short("Cấp", "Level", 9),
            "parent_name": _short("Trực thuộc", "Parent", 18), "value_period": _short("Kỳ số liệu", "Period", 8),
            "value": _short("Giá trị", "Value", 10), "numerator": _short("Tử số", "Numerator", 9),
            "denominator": _short("Mẫu số", "Denominator", 9), "no_data_marker": _short("Không số liệu", "No data", 7),
            "file_name": _short("Tệp", "File", 30), "sheet": _short("Trang tính", "Sheet", 10),
            "row": _short("Dòng", "Row", 6), "received_at": _short("Nhận lúc (giờ Hà Nội)", "Received (Hanoi time)", 15),
            "replaced_value": _short("Thay cho giá trị", "Replaces value", 9),
            "replaced_file": _short("Thay cho tệp", "Replaces file", 24),
        },
    ),
)

#: The tables of the rollup workbook's sheets (not exported as schemas).
SHEETS: dict[str, Table] = {t.name: t for t in _SHEETS}
CATALOG_TABLES: tuple[str, ...] = tuple(t.name for t in _TABLES if t.kind == "catalog")
#: Catalog tables a catalog directory may leave out (read as empty): indicators by category.
OPTIONAL_TABLES: tuple[str, ...] = ("dimensions", "categories", "disaggregations")

#: Unit kind → level in the hierarchy.
LEVEL_OF_KIND: dict[str, str] = {
    "thanh_pho": "city",
    "quan": "district", "huyen": "district", "thi_xa": "district",
    "phuong": "ward", "xa": "ward", "thi_tran": "ward",
    "agency": "agency",
}
