"""Every column of every table, declared once.

A `Field` says what a column holds: its logical type, whether it may be
empty, its constraints, a description, its unit, and how the workbook labels
and formats it. Tables (see `tables`) list field names; the polars, pandera
and Frictionless schemas and the workbook headers are all rendered from here.

The allowed values of a rule or a closed list come from their one
declaration: `rules` (aggregation rules, value types) and `vocabulary`
(statuses, levels, kinds, outcomes …, with their labels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hanoi_ctr.declare import rules, vocabulary

FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime"]

UNIT_CODE_PATTERN = r"^(\d{2}|\d{3}|\d{5}|[A-Z][A-Z0-9-]{1,19})$"
INDICATOR_CODE_PATTERN = r"^\d{2}\.\d{2}$"
TASK_CODE_PATTERN = r"^\d{2}\.T\d{2}$"
PROGRAM_CODE_PATTERN = r"^\d{2}-CTr/TU$"
PERIOD_PATTERN = r"^\d{4}(-Q[1-4]|-H[12]|-\d{4})?$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
DIMENSION_PATTERN = r"^[a-z][a-z0-9_]*$"
#: A category as stored and as written in a long table: dimension=category (sex=nu).
CATEGORY_PATTERN = r"^[a-z][a-z0-9_]*=[a-z0-9][a-z0-9_]*$"

VALUE_TYPES = tuple(rules.VALUE_TYPES)
DIRECTIONS = ("increase", "decrease", "range")
AGG_UNITS = tuple(rules.UNIT_RULES)
AGG_TIME = tuple(rules.TIME_RULES)
CUMULATIVE_SCOPES = ("none", "year", "term")
FREQUENCIES = ("quarter", "half", "year")
UNIT_KINDS = vocabulary.UNIT_KINDS.values
LEVELS = vocabulary.LEVELS.values
ASSIGNABLE_LEVELS = ("district", "ward")
TASK_KINDS = ("nghi_quyet", "de_an", "de_tai", "chuyen_de", "ke_hoach", "chuong_trinh", "other")
TASK_STATUSES = vocabulary.TASK_STATUSES.values
TITLE_STATUSES = vocabulary.TITLE_STATUSES.values
PROGRAM_LINKS = ("stated", "inferred")
TARGET_KINDS = ("term_end", "milestone")
TARGET_BASES = tuple(rules.BASES)
SEVERITIES = vocabulary.SEVERITIES.values
STATUSES = vocabulary.STATUSES.values
VALUE_SOURCES = ("reported", "rollup", "mapped", "from_parts")
TARGET_SOURCES = ("own", "city", "implicit")
BASELINE_SOURCES = ("target_row", "baseline_year", "earliest_value", "running_total_start")
COMPLETENESS_SCOPES = ("city", "district", "unit", "program")
OUTCOMES = vocabulary.OUTCOMES.values
REVIEW_STATES = vocabulary.REVIEW_STATES.values
FORMATS = ("template", "xlsx", "csv", "unknown")


@dataclass(frozen=True)
class Field:
    """One column: its meaning, type, constraints and presentation."""

    name: str
    type: FieldType
    description: str
    label_vi: str
    label_en: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    unit: str | None = None
    excel_format: str | None = None
    width: int | None = None


def _f(name: str, type: FieldType, description: str, vi: str, en: str, **kw: object) -> Field:
    return Field(name, type, description, vi, en, **kw)  # type: ignore[arg-type]


_FIELDS: tuple[Field, ...] = (
    # --- identifiers -------------------------------------------------------
    _f("term", "string", "Party Committee term, e.g. XVII.", "Khóa", "Term",
       required=True, pattern=r"^[IVXL]+$", width=6),
    _f("program_code", "string", "Work program code within its term, e.g. 01-CTr/TU.",
       "Chương trình", "Program", required=True, pattern=PROGRAM_CODE_PATTERN, width=11),
    _f("indicator_code", "string", "Indicator code: program number, dot, sequence (01.03).",
       "Mã chỉ tiêu", "Indicator code", required=True, pattern=INDICATOR_CODE_PATTERN, width=9),
    _f("task_code", "string", "Task code: program number, dot, T and sequence (01.T03).",
       "Mã nhiệm vụ", "Task code", required=True, pattern=TASK_CODE_PATTERN, width=9),
    _f("unit_code", "string",
       "Reporting unit: GSO code of an administrative unit (city 2, district 3, ward 5 digits) "
       "or a stable agency code. Meaningful only with a date: codes are reused after 2025-07-01.",
       "Mã đơn vị", "Unit code", required=True, pattern=UNIT_CODE_PATTERN, width=10),
    _f("period", "string", "Reporting period: 2024-Q3, 2024-H1, 2024 or a term 2021-2025.",
       "Kỳ báo cáo", "Period", required=True, pattern=PERIOD_PATTERN, width=10),
    _f("display_order", "integer", "Position in displays (Vietnamese is not sorted by code point).",
       "Thứ tự", "Order", required=True, minimum=1, width=6),
    # --- terms and programs -----------------------------------------------
    _f("name_vi", "string", "Name in Vietnamese.", "Tên", "Name (Vietnamese)", required=True, width=40),
    _f("name_en", "string", "Name in English.", "Tên tiếng Anh", "Name", width=40),
    _f("start_year", "integer", "First year of the term's programs.", "Năm bắt đầu", "Start year",
       required=True, minimum=1900, maximum=2100),
    _f("end_year", "integer", "Last year of the term's programs.", "Năm kết thúc", "End year",
       required=True, minimum=1900, maximum=2100),
    _f("baseline_year", "integer", "Year of the baseline value.", "Năm cơ sở", "Baseline year",
       minimum=1900, maximum=2100, width=8),
    _f("number", "integer", "Program number within its term.", "Số", "Number",
       required=True, minimum=1, maximum=99),
    _f("title_vi", "string", "Title in Vietnamese, as recorded in the source.", "Tên", "Title (Vietnamese)",
       required=True, width=60),
    _f("title_en", "string", "Title in English (translation).", "Tên tiếng Anh", "Title", width=60),
    _f("title_status", "string", "Whether the full title is recorded.", "Tình trạng tên", "Title status",
       required=True, enum=TITLE_STATUSES),
    _f("standing_agency_code", "string", "Unit code of the program's standing agency.",
       "Cơ quan thường trực", "Standing agency", pattern=UNIT_CODE_PATTERN),
    _f("issued_on", "date", "Date the program was issued.", "Ngày ban hành", "Issued on",
       required=True, excel_format="dd/mm/yyyy"),
    _f("stated_indicators", "integer", "How many indicators the program's sources say it has.",
       "Số chỉ tiêu của chương trình", "Indicators of the program", minimum=0, width=11),
    _f("stated_tasks", "integer",
       "How many tasks (projects, plans, topics) the program's sources say it has.",
       "Số nhiệm vụ của chương trình", "Tasks of the program", minimum=0, width=11),
    _f("size_source", "string", "Where the stated counts come from, with the words quoted.",
       "Nguồn số chỉ tiêu, nhiệm vụ", "Source of the counts"),
    # --- units ------------------------------------------------------------
    _f("kind", "string", "Kind of unit or task (see the table's enum).", "Loại", "Kind", required=True),
    _f("parent_code", "string", "Unit code of the parent unit.", "Đơn vị cấp trên", "Parent",
       pattern=UNIT_CODE_PATTERN),
    _f("valid_from", "date", "First day the unit exists; empty = before the data starts.",
       "Hiệu lực từ", "Valid from", excel_format="dd/mm/yyyy"),
    _f("valid_to", "date", "Last day the unit exists; empty = still in force.",
       "Hiệu lực đến", "Valid to", excel_format="dd/mm/yyyy"),
    _f("old_code", "string", "Unit code before the 2025 reorganisation.", "Mã cũ", "Old code",
       required=True, pattern=UNIT_CODE_PATTERN),
    _f("new_code", "string", "Unit code after the 2025 reorganisation.", "Mã mới", "New code",
       required=True, pattern=UNIT_CODE_PATTERN),
    _f("split", "boolean", "The old unit was divided between several new units.", "Chia tách", "Split",
       required=True),
    _f("default_successor", "boolean", "This new unit receives the old unit's history by default.",
       "Kế thừa mặc định", "Default successor", required=True),
    _f("effective_on", "date", "Date the change took effect.", "Ngày hiệu lực", "Effective on",
       required=True, excel_format="dd/mm/yyyy"),
    # --- indicators -------------------------------------------------------
    _f("unit_label", "string", "Unit of measure as shown to users (%, triệu lượt, …).",
       "Đơn vị tính", "Unit", required=True, width=10),
    _f("unit_label_en", "string", "Unit of measure in English (%, million visits, …).",
       "Đơn vị tính (tiếng Anh)", "Unit (English)", width=10),
    _f("value_type", "string", "What kind of number the indicator is.", "Kiểu giá trị", "Value type",
       required=True, enum=VALUE_TYPES),
    _f("direction", "string", "Which way is better: increase, decrease, or inside a range.",
       "Chiều", "Direction", required=True, enum=DIRECTIONS),
    _f("agg_units", "string", "How child units combine into their parent.", "Tổng hợp theo đơn vị",
       "Aggregation across units", required=True, enum=AGG_UNITS),
    _f("agg_time", "string", "How periods combine into longer periods.", "Tổng hợp theo thời gian",
       "Aggregation over time", required=True, enum=AGG_TIME),
    _f("cumulative_scope", "string", "Reported as a running total that cannot fall within this scope.",
       "Phạm vi lũy kế", "Cumulative scope", required=True, enum=CUMULATIVE_SCOPES),
    _f("frequency", "string", "How often the indicator is reported.", "Tần suất", "Frequency",
       required=True, enum=FREQUENCIES),
    _f("decimals", "integer", "Decimals shown.", "Số chữ số thập phân", "Decimals",
       required=True, minimum=0, maximum=3),
    _f("min_value", "number", "Smallest valid reported value.", "Giá trị nhỏ nhất", "Minimum"),
    _f("max_value", "number", "Largest valid reported value.", "Giá trị lớn nhất", "Maximum"),
    _f("ratio_scale", "number", "Ratio indicators: value = scale × numerator / denominator.",
       "Hệ số tỷ lệ", "Ratio scale", minimum=1),
    _f("numerator_label_vi", "string", "Ratio indicators: what the numerator counts.", "Tử số", "Numerator"),
    _f("denominator_label_vi", "string", "Ratio indicators: what the denominator counts.", "Mẫu số",
       "Denominator"),
    _f("program_link", "string", "Whether the source ties the indicator to this program.",
       "Gắn với chương trình", "Program link", required=True, enum=PROGRAM_LINKS),
    _f("source", "string", "Where the fact comes from (URL or document), or 'illustrative'.",
       "Nguồn", "Source", required=True, width=40),
    _f("source_note", "string", "Caveats about the source.", "Ghi chú nguồn", "Source note", width=40),
    _f("note", "string", "Free text.", "Ghi chú", "Note", width=30),
    # --- dimensions and categories (disaggregation) -------------------------
    _f("dimension", "string", "What an indicator is broken down by (sex, area, age_group).",
       "Chiều phân tổ", "Dimension", required=True, pattern=DIMENSION_PATTERN, width=10),
    _f("category_code", "string", "A category of its dimension (nu, nong_thon, 18_30).",
       "Mã nhóm", "Category code", required=True, pattern=r"^[a-z0-9][a-z0-9_]*$", width=10),
    _f("category", "string", "The category a value is for, as dimension=category (sex=nu); empty = the total.",
       "Phân tổ", "Category", pattern=CATEGORY_PATTERN, width=14),
    _f("total_reported", "boolean", "Units report the total beside its categories (else the total is derived "
       "from the categories).", "Báo cáo cả tổng số", "Total reported", required=True, width=8),
    # --- targets ----------------------------------------------------------
    _f("year", "integer", "Year the target applies to.", "Năm", "Year", required=True,
       minimum=1900, maximum=2100),
    _f("target_kind", "string", "Term-end target or annual milestone.", "Loại mục tiêu", "Target kind",
       required=True, enum=TARGET_KINDS),
    _f("target_value", "number", "Target as a single value.", "Mục tiêu", "Target", width=10),
    _f("target_min", "number", "Lower bound of a target range (or 'more than').", "Mục tiêu tối thiểu",
       "Target min", width=10),
    _f("target_max", "number", "Upper bound of a target range.", "Mục tiêu tối đa", "Target max", width=10),
    _f("target_delta", "number", "Target as a change from the baseline (rank −2 = up two places).",
       "Mục tiêu thay đổi", "Target change", width=10),
    _f("target_text", "string", "Target as written in the source.", "Mục tiêu (nguyên văn)",
       "Target (as written)", width=20),
    _f("target_basis", "string", "What the target measures: the level at the period, a year's total, the total "
       "over the term, or the average over the term (compounded for growth rates).", "Cách tính mục tiêu",
       "Target basis", required=True, enum=TARGET_BASES, width=14),
    _f("baseline_value", "number", "Value in the baseline year.", "Giá trị cơ sở", "Baseline", width=10),
    # --- tasks, assignments, markers --------------------------------------
    _f("lead_unit_code", "string", "Unit code of the lead agency.", "Cơ quan chủ trì", "Lead agency",
       required=True, pattern=UNIT_CODE_PATTERN, width=12),
    _f("due_period", "string", "Period by which the task is due; empty = not stated.", "Thời hạn",
       "Due", pattern=PERIOD_PATTERN, width=9),
    _f("level", "string", "Assign to every unit of this level valid in the period.", "Cấp", "Level",
       enum=ASSIGNABLE_LEVELS),
    _f("marker", "string", "Text that means 'no data' when typed instead of a number.",
       "Ký hiệu không có số liệu", "No-data marker", required=True),
    _f("meaning_vi", "string", "Meaning in Vietnamese.", "Ý nghĩa", "Meaning (Vietnamese)", required=True),
    _f("meaning_en", "string", "Meaning in English.", "Ý nghĩa tiếng Anh", "Meaning", required=True),
    # --- submissions ------------------------------------------------------
    _f("value", "number", "Reported value; empty with a marker = not reported.", "Giá trị", "Value",
       excel_format="#,##0.##", width=12),
    _f("numerator", "number", "Ratio indicators: reported numerator.", "Tử số", "Numerator",
       minimum=0, excel_format="#,##0.##", width=12),
    _f("denominator", "number", "Ratio indicators: reported denominator.", "Mẫu số", "Denominator",
       minimum=0, excel_format="#,##0.##", width=12),
    _f("no_data_marker", "string", "The no-data marker the unit wrote instead of a value.",
       "Ký hiệu không số liệu", "No-data marker", width=8),
    _f("status", "string", "Task status reported by the lead agency.", "Tình trạng", "Status",
       required=True, enum=TASK_STATUSES, width=12),
    _f("completed_on", "date", "Date the task was completed.", "Ngày hoàn thành", "Completed on",
       excel_format="dd/mm/yyyy", width=11),
    _f("submitted_at", "datetime", "When the unit says it submitted (UTC).", "Thời điểm gửi", "Submitted at",
       excel_format="dd/mm/yyyy hh:mm", width=16),
    _f("reported_by", "string", "Person or office that filled in the report.", "Người báo cáo",
       "Reported by", width=20),
    _f("sha256", "string", "SHA-256 of the file the row came from.", "SHA-256", "SHA-256",
       pattern=SHA256_PATTERN, width=20),
    _f("sheet", "string", "Sheet the row came from (empty for CSV).", "Trang tính", "Sheet", width=14),
    _f("row", "integer", "Row number as the user sees it in the spreadsheet or CSV file.", "Dòng", "Row",
       minimum=1, width=6),
    _f("received_at", "datetime", "When the file entered the archive (UTC).", "Thời điểm nhận",
       "Received at", required=True, excel_format="dd/mm/yyyy hh:mm", width=16),
    # --- issues and ledger ------------------------------------------------
    _f("code", "string", "Issue code (kebab-case; the public contract).", "Mã lỗi", "Issue code",
       required=True, pattern=r"^[a-z]+(-[a-z]+)*$", width=22),
    _f("severity", "string", "error blocks the row or file; warning does not.", "Mức độ", "Severity",
       required=True, enum=SEVERITIES, width=9),
    _f("file", "string", "Name of the file the issue is about.", "Tệp", "File", width=30),
    _f("column", "string", "Column the issue is about.", "Cột", "Column", width=16),
    _f("message_vi", "string", "Message in Vietnamese.", "Nội dung", "Message (Vietnamese)",
       required=True, width=60),
    _f("message_en", "string", "Message in English.", "Nội dung tiếng Anh", "Message", required=True, width=60),
    _f("file_name", "string", "Name the file arrived with.", "Tên tệp", "File name", required=True, width=30),
    _f("format", "string", "Detected file format.", "Định dạng", "Format", required=True, enum=FORMATS),
    _f("rows_read", "integer", "Data rows read from the file.", "Số dòng đọc", "Rows read",
       required=True, minimum=0),
    _f("rows_accepted", "integer", "Rows accepted.", "Số dòng nhận", "Rows accepted", required=True, minimum=0),
    _f("rows_rejected", "integer", "Rows rejected.", "Số dòng loại", "Rows rejected", required=True, minimum=0),
    _f("outcome", "string", "What became of the file.", "Kết quả", "Outcome", required=True, enum=OUTCOMES),
    # --- results ----------------------------------------------------------
    _f("value_source", "string", "reported = the unit's own figure; rollup = computed from its children; "
       "mapped = carried from the units it took over (periods before it opened); from_parts = a total the "
       "unit did not send, derived from its categories by the indicator's own rule.",
       "Nguồn số liệu", "Value source", enum=VALUE_SOURCES),
    _f("units_on", "date", "The day whose units the row is about: the end of the period, or the last day of a "
       "unit abolished before it (the 2025 reorganisation); unit codes are reused after that day.",
       "Đơn vị theo địa giới ngày", "Units as on", required=True, excel_format="dd/mm/yyyy", width=11),
    _f("mapped_from", "string", "The abolished units whose figures were carried to this unit for the periods "
       "before it opened (engine.lineage), comma-separated; empty when none.", "Chuyển từ đơn vị cũ",
       "Mapped from", width=24),
    _f("share", "number", "Share of the old unit's figures the new unit takes (given for a split unit); "
       "empty = the default successor takes all.", "Tỷ lệ kế thừa", "Share", minimum=0, maximum=1),
    _f("rollup_value", "number", "Value computed from the child units (beside a reported value).",
       "Tổng hợp từ cấp dưới", "Rollup of children", excel_format="#,##0.##", width=12),
    _f("n_expected", "integer",
       "Reports the value is built from that were expected from the units beneath "
       "(unit × sub-period; empty for a unit's own value without children).",
       "Số đơn vị phải báo cáo", "Units expected", minimum=0, width=8),
    _f("n_reported", "integer", "Of the expected reports beneath, those that came with a value.",
       "Số đơn vị đã báo cáo", "Units reported", minimum=0, width=8),
    _f("achievement", "number", "Share of the target reached (1 = 100 %), direction-aware.",
       "Mức đạt", "Achievement", excel_format="0%", width=9),
    _f("progress", "number", "Share of the way from baseline to target covered (1 = 100 %).",
       "Tiến độ", "Progress", excel_format="0%", width=9),
    _f("expected_progress", "number", "Progress expected at this point of the term (1 = 100 %).",
       "Tiến độ kỳ vọng", "Expected progress", excel_format="0%", width=9),
    _f("result_status", "string", "Status against the target.", "Đánh giá", "Status", required=True,
       enum=STATUSES, width=12),
    _f("projection", "number", "Value projected to the end of the term from the trend so far.",
       "Dự báo cuối kỳ", "Projection", excel_format="#,##0.##", width=12),
    _f("projection_meets_target", "boolean", "Whether the projection meets the target.",
       "Dự báo đạt", "Projection meets target", width=8),
    _f("unit_level", "string", "Level of the unit in the hierarchy on the period's last day.",
       "Cấp", "Level", required=True, enum=LEVELS, width=8),
    _f("value_period", "string",
       "Period the value describes: the requested period, or for an indicator reported less often, "
       "its latest period ended by the requested period's end.",
       "Kỳ số liệu", "Value period", required=True, pattern=PERIOD_PATTERN, width=10),
    _f("n_periods_expected", "integer", "Sub-periods of the value period in which a value was expected.",
       "Số kỳ phải có", "Sub-periods expected", minimum=0, width=7),
    _f("n_periods_reported", "integer", "Sub-periods of the value period that have a value.",
       "Số kỳ đã có", "Sub-periods with a value", minimum=0, width=7),
    _f("term_to_date", "number", "Value over the term so far (start of the term to the value period's end).",
       "Lũy kế từ đầu nhiệm kỳ", "Term to date", excel_format="#,##0.##", width=12),
    _f("previous_value", "number", "Value of the previous period of the same kind.", "Kỳ trước",
       "Previous period", excel_format="#,##0.##", width=12),
    _f("change", "number", "Value minus the previous period's value.", "Thay đổi", "Change",
       excel_format="+#,##0.##;-#,##0.##;0", width=10),
    _f("compared_value", "number",
       "Value compared with the target, as its basis says: the value at the period, the year's total (to date "
       "scaled to a full year), the total over the term so far, or the average over the term so far.",
       "Giá trị so sánh", "Compared value", excel_format="#,##0.##", width=12),
    _f("compared_period", "string", "Period the compared value covers (a year, or the term so far, e.g. 2021-2024).",
       "Kỳ so sánh", "Compared period", pattern=PERIOD_PATTERN, width=10),
    _f("annualised", "boolean", "The compared value is the year to date scaled to a full year.", "Quy ra cả năm",
       "Annualised", width=8),
    _f("needed", "number", "What is needed per remaining year to reach the target (term totals and averages), "
       "or in the rest of the year (year totals).", "Cần đạt mỗi năm còn lại", "Needed per remaining year",
       excel_format="#,##0.##", width=12),
    _f("coverage_rate", "number", "Share of the expected reports beneath that the value covers, counted at the "
       "level that supplied each figure (1 for a unit's own figure).", "Tỷ lệ bao phủ", "Coverage",
       minimum=0, maximum=1, excel_format="0%", width=8),
    _f("partial", "boolean", "The value is a rollup of less than every expected report beneath.", "Chưa đủ đơn vị",
       "Partial", width=8),
    _f("closed", "boolean", "The target's year is over: met or not met is final.", "Đã hết hạn mục tiêu",
       "Closed", width=8),
    _f("milestone_met", "boolean", "At the end of a milestone's year: whether its milestone was met.",
       "Đạt mốc năm", "Milestone met", width=8),
    _f("target_source", "string", "Whose target applies: the unit's own, the city's, or the implicit 1 of a "
       "yes/no indicator.", "Nguồn mục tiêu", "Target source", enum=TARGET_SOURCES, width=9),
    _f("target_year", "integer", "Year of the term-end target.", "Năm mục tiêu", "Target year",
       minimum=1900, maximum=2100, width=8),
    _f("baseline_period", "string", "Period the baseline describes.", "Kỳ cơ sở", "Baseline period",
       pattern=PERIOD_PATTERN, width=10),
    _f("baseline_source", "string", "Where the baseline comes from: the target row, the unit's value in the "
       "baseline year, its earliest value in the term, or zero for a running total.", "Nguồn giá trị cơ sở",
       "Baseline source", enum=BASELINE_SOURCES, width=12),
    _f("milestone_value", "number", "Annual milestone for the value period's year (the value that meets it).",
       "Mốc năm", "Milestone", excel_format="#,##0.##", width=10),
    _f("milestone_achievement", "number",
       "Share of the annual milestone reached (1 = 100 %), direction-aware.",
       "Mức đạt mốc năm", "Milestone achievement", excel_format="0%", width=9),
    # --- completeness and tasks ------------------------------------------
    _f("scope", "string", "What a completeness row counts: one unit, a district with its wards, a program, "
       "or the whole city.", "Phạm vi", "Scope", required=True, enum=COMPLETENESS_SCOPES, width=9),
    _f("n_received", "integer", "Expected submissions received (accepted or partly accepted).",
       "Số báo cáo đã nhận", "Submissions received", required=True, minimum=0, width=8),
    _f("n_on_time", "integer", "Expected submissions received by the deadline.", "Số báo cáo đúng hạn",
       "On time", required=True, minimum=0, width=8),
    _f("n_late", "integer", "Expected submissions received after the deadline.", "Số báo cáo muộn", "Late",
       required=True, minimum=0, width=8),
    _f("n_values_expected", "integer", "Unit × indicator values due.", "Số chỉ tiêu phải báo cáo",
       "Values expected", required=True, minimum=0, width=8),
    _f("n_values_reported", "integer", "Unit × indicator values due that were reported.",
       "Số chỉ tiêu đã báo cáo", "Values reported", required=True, minimum=0, width=8),
    _f("reporting_rate", "number", "Submissions received ÷ expected.", "Tỷ lệ báo cáo", "Reporting rate",
       minimum=0, maximum=1, excel_format="0%", width=8),
    _f("on_time_rate", "number", "Submissions on time ÷ expected.", "Tỷ lệ đúng hạn", "On-time rate",
       minimum=0, maximum=1, excel_format="0%", width=8),
    _f("value_rate", "number", "Values reported ÷ expected.", "Tỷ lệ chỉ tiêu có số liệu", "Value rate",
       minimum=0, maximum=1, excel_format="0%", width=8),
    _f("reported_period", "string", "Report the task status comes from.", "Kỳ báo cáo tình trạng",
       "Reported in", pattern=PERIOD_PATTERN, width=10),
    _f("is_due", "boolean", "The task's due period ends by the end of the requested period.", "Đến hạn",
       "Due", required=True, width=7),
    _f("overdue", "boolean", "Due period ended before the requested period ends and not completed or "
       "cancelled.", "Quá hạn", "Overdue", required=True, width=7),
    _f("n_tasks", "integer", "Tasks.", "Số nhiệm vụ", "Tasks", required=True, minimum=0, width=7),
    _f("n_due", "integer", "Tasks due by the end of the period.", "Đến hạn", "Due", required=True,
       minimum=0, width=7),
    _f("n_completed", "integer", "Tasks reported completed.", "Hoàn thành", "Completed", required=True,
       minimum=0, width=7),
    _f("n_in_progress", "integer", "Tasks reported in progress.", "Đang thực hiện", "In progress",
       required=True, minimum=0, width=7),
    _f("n_not_started", "integer", "Tasks reported not started.", "Chưa triển khai", "Not started",
       required=True, minimum=0, width=7),
    _f("n_cancelled", "integer", "Tasks reported cancelled.", "Dừng/hủy", "Cancelled", required=True,
       minimum=0, width=7),
    _f("n_not_reported", "integer", "Tasks with no status reported yet.", "Chưa báo cáo", "Not reported",
       required=True, minimum=0, width=7),
    _f("n_overdue", "integer", "Tasks overdue.", "Quá hạn", "Overdue", required=True, minimum=0, width=7),
    # --- source values (the trace) -----------------------------------------
    _f("replaced_value", "number", "The value this one replaced: the unit's earlier figure for the same period "
       "and indicator (a revision).", "Thay cho giá trị", "Replaces value", excel_format="#,##0.##", width=11),
    _f("replaced_file", "string", "The file the replaced value came from.", "Thay cho tệp", "Replaces file",
       width=24),
    # --- review (intake.review) -------------------------------------------
    _f("review_state", "string", "Where the unit's report for the period stands in the review "
       "(docs/REVIEW.md).", "Tình trạng duyệt", "Review state", required=True, enum=REVIEW_STATES, width=16),
    _f("reviewer_code", "string", "The unit that reviews the report: the unit's parent in force at the end "
       "of the period (the city reviews its own).", "Đơn vị duyệt", "Reviewed by", pattern=UNIT_CODE_PATTERN,
       width=9),
    _f("n_files", "integer", "Files of the unit for the period whose rows are applied.", "Số tệp", "Files",
       required=True, minimum=0, width=6),
    _f("n_held", "integer", "Files of the unit for the period held by the period lock, not applied yet.",
       "Số tệp tạm giữ", "Files held", required=True, minimum=0, width=7),
    _f("decided_at", "datetime", "When the last review decision since the latest file was recorded (UTC).",
       "Thời điểm quyết định", "Decided at", excel_format="dd/mm/yyyy hh:mm", width=16),
    _f("decided_by", "string", "Who recorded that decision.", "Người quyết định", "Decided by", width=16),
    _f("reason", "string", "Why the report was returned (or the note of the decision).", "Lý do", "Reason",
       width=40),
    _f("approved_at", "datetime", "When the city last approved the unit's report for the period (UTC); an "
       "approved-only rollup uses the values as they stood then.", "Thời điểm phê duyệt", "Approved at",
       excel_format="dd/mm/yyyy hh:mm", width=16),
    # --- shown in workbooks only -------------------------------------------
    _f("compared", "string", "What the compared value is, in words: its basis and period (TB 2021-2024).",
       "Cách so sánh", "Compared as", width=13),
    _f("trend", "string", "A sparkline of the values from the start of the term.", "Xu hướng", "Trend", width=16),
    _f("unit_name", "string", "Name of the unit in force at the end of the period.", "Đơn vị", "Unit", width=30),
    _f("parent_name", "string", "Name of the parent unit in force at the end of the period.", "Trực thuộc",
       "Parent", width=24),
    _f("lead_name", "string", "Name of the lead agency.", "Cơ quan chủ trì", "Lead agency", width=28),
    _f("message", "string", "Message in the workbook's language.", "Nội dung", "Message", width=70),
)

FIELDS: dict[str, Field] = {f.name: f for f in _FIELDS}
