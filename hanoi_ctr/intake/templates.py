"""Write the per-unit submission templates: one workbook per unit and period.

Each template lists exactly the indicators due from the unit in the period
(and the tasks it leads), with units of measure, baselines and targets shown,
input cells unlocked and validated, everything else protected, instructions
in Vietnamese, and a very hidden metadata sheet with a digest that ingestion
checks. Where things go is fixed by `layout`; the reader relies on it.

The content of a template is first built as a plain, immutable
`TemplateSpec` from the catalog, then laid out as a `WorkbookSpec` (cells,
styles, validations, protection, the very hidden metadata sheet) by
`template_workbook` and written by the one workbook renderer,
`workbook.render`. The same inputs give the same bytes: the document
timestamp is derived from the period.

`write_template(spec, path, filled=...)` renders the same workbook with its
input cells already typed in (a `Filled`): what a reporting officer would
send back. The synthetic submissions use it to write thousands of filled
templates without a round trip through a spreadsheet library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Iterable, Mapping

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.catalog.targets import held_to, target_rows
from hanoi_ctr.declare import rules
from hanoi_ctr.declare.fields import UNIT_CODE_PATTERN
from hanoi_ctr.declare.vocabulary import TASK_STATUSES, YES_NO
from hanoi_ctr.errors import writing
from hanoi_ctr.intake import layout as L
from hanoi_ctr.periods import Calendar, Period, parse_period, window
from hanoi_ctr.workbook.display import number as number_vi
from hanoi_ctr.workbook.display import period_vi, target_text
from hanoi_ctr.workbook.render import render
from hanoi_ctr.workbook.sheetspec import (
    A4,
    CellValue,
    Merge,
    Protection,
    Sheet,
    SheetBuilder,
    WorkbookSpec,
    merge_styles,
    options,
    style,
)

__all__ = ["Filled", "IndicatorLine", "TaskLine", "TemplateSpec", "make_templates", "template_name",
           "template_specs", "template_workbook", "write_template"]


INDICATOR_LABELS = {  # column → (Vietnamese label, width)
    "indicator_code": ("Mã chỉ tiêu", 10), "name_vi": ("Tên chỉ tiêu", 50), "unit_label": ("Đơn vị tính", 14),
    "baseline": ("Giá trị cơ sở", 12), "target": ("Mục tiêu", 22), "value": ("Giá trị thực hiện", 14),
    "numerator": ("Tử số", 14), "denominator": ("Mẫu số", 14), "note": ("Ghi chú", 32),
    "category": ("Phân tổ", 16),
}

TASK_LABELS = {
    "task_code": ("Mã nhiệm vụ", 11), "title_vi": ("Tên nhiệm vụ", 60), "due_period": ("Thời hạn", 16),
    "status": ("Tình trạng", 18), "completed_on": ("Ngày hoàn thành", 15), "note": ("Ghi chú", 32),
}

# Colours: white input cells inside a grey table, so "fill the white cells" is unambiguous.
_INPUT = style(bg_color="#FFFFFF", border=1, locked=False)
_FIXED = style(bg_color="#F2F2F2", border=1)
_UNUSED = style(bg_color="#BFBFBF", border=1)
_LABEL = style(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, valign="vcenter", align="center")
_DATE = "dd/mm/yyyy"
_INPUT_DATE = merge_styles(_INPUT, style(num_format=_DATE))
_NOTE = merge_styles(_INPUT, style(text_wrap=True))
_CODE = merge_styles(_FIXED, style(align="center"))
_NAME = merge_styles(_FIXED, style(text_wrap=True, valign="top"))
_WRAPPED = merge_styles(_FIXED, style(text_wrap=True))
_SIDE_LABEL = style(bold=True, align="right")
_INDICATOR_COL = {name: i for i, name in enumerate(L.INDICATOR_COLUMNS)}
_TASK_COL = {name: i for i, name in enumerate(L.TASK_COLUMNS)}
#: Page set-up of the sheets nobody prints (instructions, metadata): the printer's defaults.
_UNPRINTED = {"landscape": False, "fit_width": False, "paper": None}
_ANY = 1e15  # a bound no reported number reaches: "any number" for Excel's validation


# --- the spec: what a template holds -----------------------------------------


@dataclass(frozen=True)
class IndicatorLine:
    """One row of the indicator sheet."""

    code: str
    name: str
    unit_label: str
    value_type: str
    agg_units: str
    decimals: int
    min_value: float | None
    max_value: float | None
    ratio_scale: float | None
    numerator_label: str | None
    denominator_label: str | None
    baseline: float | None
    baseline_from_city: bool
    target: str
    #: The unit reports a numerator and a denominator (a ratio's parts, a weighted mean's weight).
    has_parts: bool = False
    #: Whole numbers only.
    whole: bool = False
    #: A yes/no answer.
    boolean: bool = False
    #: The category the row is for (dimension=category), None for the total.
    category: str | None = None
    #: How the category cell reads: the category's label, `Tổng số` for the total of a disaggregated
    #: indicator, None for an indicator not reported by category.
    category_label: str | None = None

    @property
    def key(self) -> str:
        """Return what `Filled` keys the row by: its code, or code|category."""
        return self.code if self.category is None else f"{self.code}|{self.category}"


@dataclass(frozen=True)
class TaskLine:
    """One row of the task sheet."""

    code: str
    title: str
    due: str


@dataclass(frozen=True)
class TemplateSpec:
    """Everything one unit's template shows, independent of xlsxwriter."""

    unit_code: str
    unit_name: str
    period: Period
    window: tuple[date, date]
    term_start: date
    catalog_version: str
    indicators: tuple[IndicatorLine, ...]
    tasks: tuple[TaskLine, ...]
    markers: tuple[tuple[str, str], ...]

    @property
    def meta(self) -> dict[str, str]:
        """Return the metadata sheet's key/value pairs (without the digest)."""
        return {
            "template_version": L.TEMPLATE_VERSION, "unit_code": self.unit_code, "period": str(self.period),
            "catalog_version": self.catalog_version,
            "indicator_codes": ";".join(i.code for i in self.indicators),  # once per row: a category's too
            "task_codes": ";".join(t.code for t in self.tasks),
        }


@dataclass(frozen=True)
class _Lookups:
    """Catalog facts for one period, indexed once for every unit's template."""

    period: Period
    window: tuple[date, date]
    term_start: date
    catalog_version: str
    unit_names: dict[str, str]
    due: dict[str, list[str]]
    indicators: dict[str, dict[str, Any]]
    held: dict[tuple[str, str], dict[str, Any]]
    city_baselines: dict[str, float]
    tasks: dict[str, list[dict[str, Any]]]
    markers: tuple[tuple[str, str], ...]
    #: indicator code → (category, its label) in order, and whether the total is reported beside them.
    categories: dict[str, tuple[list[tuple[str, str]], bool]]


def _lookups(catalog: Catalog, period: Period, calendar: Calendar) -> _Lookups:
    """Index the catalog for the period: units in force, due indicators, their targets, tasks."""
    span = window(period, calendar)
    units = catalog.units_at(period, calendar).sort("unit_code")
    due_pairs = catalog.due(period, calendar)
    due: dict[str, list[str]] = {}
    for unit, code in due_pairs.iter_rows():
        due.setdefault(unit, []).append(code)
    tasks: dict[str, list[dict[str, Any]]] = {}
    for row in catalog.tasks.sort("task_code").iter_rows(named=True):
        tasks.setdefault(row["lead_unit_code"], []).append(row)
    indicators = rules.rule_columns(catalog.indicators)
    return _Lookups(
        period=period, window=span, term_start=date(catalog.term["start_year"], 1, 1),
        catalog_version=catalog.version, unit_names=dict(units.select("unit_code", "name_vi").iter_rows()),
        due=due, indicators={r["indicator_code"]: r for r in indicators.iter_rows(named=True)},
        held=_held(catalog, due_pairs, units), city_baselines=_city_baselines(catalog), tasks=tasks,
        markers=tuple(catalog.markers.select("marker", "meaning_vi").iter_rows()),
        categories=_categories(catalog),
    )


def _categories(catalog: Catalog) -> dict[str, tuple[list[tuple[str, str]], bool]]:
    """Return, per disaggregated indicator, its categories with their labels and whether a total is sent."""
    labels = catalog.category_labels()
    out: dict[str, tuple[list[tuple[str, str]], bool]] = {}
    for r in catalog.category_keys().iter_rows(named=True):
        cats, total = out.setdefault(r["indicator_code"], ([], False))
        cats.append((r["category"], labels[r["category"]][0]))
        out[r["indicator_code"]] = (cats, total or r["total_reported"])
    return out


def _lines(look: _Lookups, unit: str, code: str) -> list[IndicatorLine]:
    """Return an indicator's rows: one, or the total (where reported) and one per category."""
    line = _indicator_line(look, unit, code)
    if code not in look.categories:
        return [line]
    cats, total = look.categories[code]
    parts = [replace(line, name=f"{line.name} — {label}", category=key, category_label=label, target="",
                     baseline=None, baseline_from_city=False) for key, label in cats]
    return ([replace(line, category_label=L.TOTAL_LABEL)] if total else []) + parts


def _held(catalog: Catalog, due: pl.DataFrame, units: pl.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    """Return the target each unit is held to for each indicator due from it (`catalog.targets.held_to`)."""
    parents = due.join(units.select("unit_code", "parent_code"), on="unit_code").select(
        unit_code="parent_code", indicator_code="indicator_code").drop_nulls().unique()
    rows = due.join(parents.with_columns(_parent=pl.lit(True)), on=["unit_code", "indicator_code"], how="left")
    rows = rows.with_columns(_leaf=pl.col("_parent").is_null(), _sender=pl.col("unit_code")).drop("_parent")
    # An agency that sends the city's statistic is held to the city's own target.
    rows = catalog.speaking_for(rows)
    end_year = int(catalog.term["end_year"])  # type: ignore[call-overload]
    held = held_to(rows.lazy(), catalog.targets, catalog.indicators, catalog.city, end_year).collect()
    return {(r["_sender"], r["indicator_code"]): r for r in held.iter_rows(named=True)}


def _city_baselines(catalog: Catalog) -> dict[str, float]:
    """Return the baseline of the city's term-end target row per indicator, where it has one."""
    rows = target_rows(catalog.targets, catalog.indicators).filter(
        pl.col("unit_code") == catalog.city, pl.col("baseline_value").is_not_null()).collect()
    return dict(rows.select("indicator_code", "baseline_value").iter_rows())


def _indicator_line(look: _Lookups, unit: str, code: str) -> IndicatorLine:
    """Build one indicator row: the target the unit is held to, and that target's baseline."""
    ind = look.indicators[code]
    held = look.held.get((unit, code), {})
    source = held.get("target_source")
    if source == "implicit":
        shown = YES_NO.label("1")
    elif source in ("own", "city"):
        # A city target shown to a district or ward is marked, lest it be read as the unit's own.
        shown = ("TP: " if source == "city" else "") + target_text(held)
    else:
        shown = ""
    baseline = (held.get("_row_baseline") if source == "own"
                else look.city_baselines.get(code) if source == "city" else None)
    return IndicatorLine(
        code=code, name=ind["name_vi"], unit_label=ind["unit_label"], value_type=ind["value_type"],
        agg_units=ind["agg_units"], decimals=ind["decimals"], min_value=ind["min_value"],
        max_value=ind["max_value"], ratio_scale=ind["ratio_scale"], numerator_label=ind["numerator_label_vi"],
        denominator_label=ind["denominator_label_vi"], baseline=baseline,
        baseline_from_city=source == "city" and baseline is not None, target=shown,
        has_parts=ind["_needs_denominator"], whole=ind["_whole"], boolean=ind["_boolean"],
    )


def _spec(look: _Lookups, unit: str) -> TemplateSpec:
    """Build the spec of one unit's template."""
    codes = sorted(look.due.get(unit, []), key=lambda c: (look.indicators[c]["display_order"], c))
    tasks = tuple(TaskLine(t["task_code"], t["title_vi"], period_vi(parse_period(t["due_period"]))
                           if t["due_period"] else "") for t in look.tasks.get(unit, []))
    return TemplateSpec(
        unit_code=unit, unit_name=look.unit_names[unit], period=look.period, window=look.window,
        term_start=look.term_start, catalog_version=look.catalog_version,
        indicators=tuple(line for c in codes for line in _lines(look, unit, c)), tasks=tasks,
        markers=look.markers,
    )


@dataclass(frozen=True)
class Filled:
    """What a reporting officer typed into a template's input cells.

    `indicators` maps an indicator code (code|category for a category's row, see
    `IndicatorLine.key`) to its typed cells (`value`,
    `numerator`, `denominator`, `note`), `tasks` a task code to `status`,
    `completed_on` and `note`. A number is written as a number cell, a
    string as text (so "90,5" or "-" stay what was typed), a date as a date
    cell; a missing key leaves the cell blank.
    """

    indicators: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tasks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    reported_by: str | None = None
    submitted_on: date | str | None = None


# --- public API ----------------------------------------------------------------


def template_name(unit_code: str, period: Period | str) -> str:
    """Return the file name of a unit's template, built from codes only.

    >>> template_name("TU-BTC", "Quý III/2024")
    '2024-Q3_TU-BTC.xlsx'
    """
    # The name becomes a path: refuse anything that is not a unit code (no '/', '..', spaces).
    if not re.fullmatch(UNIT_CODE_PATTERN, unit_code):
        raise ValueError(f"{unit_code!r} is not a unit code")
    return f"{_as_period(period)}_{unit_code}.xlsx"


def template_specs(catalog: Catalog, period: Period | str, units: Iterable[str] | None = None,
                   calendar: Calendar = "calendar") -> dict[str, TemplateSpec]:
    """Return the spec of each unit's template for a period, by unit code (sorted).

    By default every unit in force at the end of the period's window that has
    an indicator due or leads a task of the period's term; with `units`,
    exactly those units.

    Raises:
        ValueError: a requested unit is not in force at the end of the period.
    """
    period = _as_period(period)
    look = _lookups(catalog.for_period(period), period, calendar)
    if units is None:
        codes = (set(look.due) | set(look.tasks)) & set(look.unit_names)
    else:
        codes = {units} if isinstance(units, str) else set(units)
        unknown = sorted(codes - set(look.unit_names))
        if unknown:
            raise ValueError(f"not a unit in force at the end of {period}: {', '.join(unknown)}")
    return {code: _spec(look, code) for code in sorted(codes)}


def make_templates(catalog: Catalog, period: Period | str, out_dir: Path | str,
                   units: Iterable[str] | None = None, calendar: Calendar = "calendar") -> list[Path]:
    """Write one template per unit into out_dir and return their paths, sorted.

    By default every unit in force at the end of the period's window that has
    an indicator due or leads a task of the period's term; with `units`,
    exactly those units.

    Raises:
        ValueError: a requested unit is not in force at the end of the period.
        StorageError: out_dir cannot be written (read-only, full).
    """
    specs = template_specs(catalog, period, units, calendar)
    out_dir = Path(out_dir)
    with writing(f"the templates in {out_dir}", "--out"):
        out_dir.mkdir(parents=True, exist_ok=True)
        return [write_template(spec, out_dir / template_name(code, spec.period)) for code, spec in specs.items()]


def _as_period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


# --- the workbook: the spec laid out as cells ---------------------------------------


def write_template(spec: TemplateSpec, path: Path, filled: Filled | None = None) -> Path:
    """Render a spec to an .xlsx file at path (atomically) and return the path.

    With `filled`, the input cells hold what it says (see `Filled`); codes it
    names that the spec does not list are refused with a ValueError.
    """
    return render(template_workbook(spec, filled), path)


def template_workbook(spec: TemplateSpec, filled: Filled | None = None) -> WorkbookSpec:
    """Return the workbook of a template, as plain data (filled in where `filled` says)."""
    filled = filled or Filled()
    _check_filled(spec, filled)
    sheets = [_instruction_sheet(spec), _indicator_sheet(spec, filled)]
    if spec.tasks:
        sheets.append(_task_sheet(spec, filled))
    sheets.append(_meta_sheet(spec))
    return WorkbookSpec(tuple(sheets), _properties(spec), active=L.INSTRUCTION_SHEET)


def _properties(spec: TemplateSpec) -> tuple[tuple[str, Any], ...]:
    """Return the document properties, timestamped from the period so that same inputs give same bytes."""
    return options(
        title=f"Mẫu báo cáo {period_vi(spec.period)} — {spec.unit_name} ({spec.unit_code})",
        subject="Báo cáo tiến độ thực hiện các chương trình công tác của Thành ủy Hà Nội",
        author="hanoi_ctr", created=datetime.combine(spec.window[0], time(0)),
        comments=f"template_version={L.TEMPLATE_VERSION}; catalog_version={spec.catalog_version}",
    )


def _check_filled(spec: TemplateSpec, filled: Filled) -> None:
    """Refuse filled cells for codes or columns the template does not have."""
    for given, listed, inputs in ((filled.indicators, spec.indicators, L.INDICATOR_INPUTS),
                                  (filled.tasks, spec.tasks, L.TASK_INPUTS)):
        unknown = sorted(set(given) - {getattr(line, "key", line.code) for line in listed})
        columns = sorted({c for cells in given.values() for c in cells} - set(inputs))
        if unknown or columns:
            raise ValueError(f"filled cells outside the template of {spec.unit_code} {spec.period}: "
                             f"{', '.join(unknown + columns)}")


def _typed(value: Any) -> CellValue:
    """Return what was typed into an input cell as a cell value: a number, a date, text, or nothing."""
    if value is None or isinstance(value, (str, date)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return str(value)  # anything else (True, a Decimal) is kept as the text it prints as


def _instructions(spec: TemplateSpec) -> list[str]:
    """Return the instruction lines, in Vietnamese."""
    markers = "; ".join(f"“{m}”: {meaning}" for m, meaning in spec.markers)
    statuses = ", ".join(f"“{s}”" for s in TASK_STATUSES.labels("vi").values())
    lines = [
        f"Tệp này là mẫu báo cáo {period_vi(spec.period)} ({spec.period}) của đơn vị {spec.unit_name} "
        f"(mã {spec.unit_code}), gồm các chỉ tiêu đơn vị phải báo cáo trong kỳ"
        + (" và các nhiệm vụ đơn vị chủ trì." if spec.tasks else "."),
        f"Chỉ nhập vào các ô nền trắng ở trang “{L.INDICATOR_SHEET}”"
        + (f" và trang “{L.TASK_SHEET}”" if spec.tasks else "") + "; các ô nền xám đã được khóa.",
        f"Ghi họ tên người báo cáo vào ô {_cell_name(L.REPORTER_ROW, L.REPORTED_BY_COLUMN)} và ngày gửi "
        f"(dd/mm/yyyy) vào ô {_cell_name(L.REPORTER_ROW, L.SUBMITTED_ON_COLUMN)} của trang "
        f"“{L.INDICATOR_SHEET}”.",
        "Giá trị thực hiện nhập dạng số; được dùng dấu phẩy thập phân (ví dụ 90,5) và được gõ kèm dấu % "
        "(ví dụ 90%). Không nhập đơn vị tính vào ô số.",
        "Với chỉ tiêu tỷ lệ và chỉ tiêu bình quân gia quyền, nhập tử số và mẫu số; giá trị sẽ được tính "
        "từ tử số và mẫu số (không bắt buộc nhập giá trị). Với các chỉ tiêu khác, ô tử số và mẫu số bị khóa.",
        f"Với chỉ tiêu đạt/không đạt, chọn “{'” hoặc “'.join(YES_NO.labels('vi').values())}” trong danh sách.",
        f"Nếu không có số liệu, nhập một trong các ký hiệu: {markers}. Ký hiệu này nghĩa là "
        "“không có số liệu”, khác với số 0: chỉ nhập 0 khi kết quả thực sự bằng 0.",
        "Cột “Mục tiêu” và “Giá trị cơ sở” ghi “TP:” khi đó là chỉ tiêu chung của Thành phố "
        "(đơn vị chưa có mục tiêu riêng).",
        "Không đổi tên, thêm, xóa hay sắp xếp lại các trang tính; không sửa mã chỉ tiêu, mã nhiệm vụ "
        "và không chèn hay xóa dòng, cột.",
    ]
    if spec.tasks:
        lines.append(f"Trang “{L.TASK_SHEET}”: chọn tình trạng của từng nhiệm vụ trong danh sách "
                     f"({statuses}); nếu đã hoàn thành, ghi ngày hoàn thành (dd/mm/yyyy).")
    return lines


def _cell_name(row: int, col: int) -> str:
    """Name a cell the way Excel shows it (1-based row and column, up to column Z).

    >>> _cell_name(3, 5)
    'E3'
    """
    return f"{chr(ord('A') + col - 1)}{row}"


def _instruction_sheet(spec: TemplateSpec) -> Sheet:
    """Build the instruction sheet: a title and numbered, wrapped lines."""
    b = SheetBuilder(L.INSTRUCTION_SHEET, options=dict(_UNPRINTED))
    b.width(0, 5)
    b.width(1, 90)
    title = f"HƯỚNG DẪN ĐIỀN MẪU BÁO CÁO {period_vi(spec.period).upper()}"
    b.merges.append(Merge(0, 0, 0, 1, title, style(bold=True, font_size=14, text_wrap=True, valign="top")))
    b.fit(0, title, 95, font_size=14, bold=True)
    b.merges.append(Merge(1, 0, 1, 1, f"{spec.unit_name} ({spec.unit_code})", style(italic=True)))
    for n, line in enumerate(_instructions(spec), start=1):
        b.put(2 + n, 0, f"{n}.", style(valign="top", align="right"))
        b.put(2 + n, 1, line, style(text_wrap=True, valign="top"))
        b.fit(2 + n, line, 90)
    # One page wide when printed: the instructions are read on paper too.
    b.options.update(protection=Protection("", options(format_columns=True, format_rows=True)),
                     landscape=False, paper=A4, fit_width=True)
    return b.build()


def _header_rows(b: SheetBuilder, spec: TemplateSpec, columns: tuple[str, ...],
                 labels: dict[str, tuple[str, int]]) -> None:
    """Place title, unit row, hidden machine names and labels; set widths, panes, printing, protection."""
    last = len(columns) - 1
    title = (f"BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC CHƯƠNG TRÌNH CÔNG TÁC CỦA THÀNH ỦY — "
             f"{period_vi(spec.period).upper()}")
    unit = (f"Đơn vị: {spec.unit_name} ({spec.unit_code}) — Kỳ báo cáo: {period_vi(spec.period)} "
            f"({spec.period})")
    b.merges.append(Merge(L.TITLE_ROW - 1, 0, L.TITLE_ROW - 1, last, title,
                          style(bold=True, font_size=13, align="center")))
    b.merges.append(Merge(L.UNIT_ROW - 1, 0, L.UNIT_ROW - 1, last, unit, style(bold=True, align="center")))
    for col, name in enumerate(columns):
        label, width = labels[name]
        b.put(L.MACHINE_HEADER_ROW - 1, col, name)
        b.put(L.LABEL_ROW - 1, col, label, _LABEL)
        b.width(col, width)
    b.hide_row(L.MACHINE_HEADER_ROW - 1)
    b.options.update(
        freeze=(L.LABEL_ROW, 0), print_title_rows=(0, L.LABEL_ROW - 1),
        landscape=True, paper=A4, fit_width=True,
        # Units may widen columns or rows to read long names; nothing else.
        protection=Protection("", options(format_columns=True, format_rows=True, autofilter=False)))


def _bounds(lo: float | None, hi: float | None) -> dict[str, Any]:
    """Return validation criteria for the bounds that are set."""
    if lo is not None and hi is not None:
        return {"criteria": "between", "minimum": lo, "maximum": hi}
    if lo is not None:
        return {"criteria": ">=", "value": lo}
    if hi is not None:
        return {"criteria": "<=", "value": hi}
    return {"criteria": "between", "minimum": -_ANY, "maximum": _ANY}


def _value_validation(line: IndicatorLine) -> dict[str, Any]:
    """Return the validation of an indicator's value cell."""
    # Excel cannot allow "a number or a no-data marker", and an en-US Excel keeps 90,5 as
    # text: the information style warns but lets the user keep "-" or "90,5" (ingestion reads both).
    base = {"error_type": "information", "input_title": "Giá trị thực hiện",
            "error_title": "Giá trị chưa hợp lệ"}
    no_data = "Không có số liệu: nhập ký hiệu (ví dụ “-”), không nhập 0."
    if line.boolean:
        choices = list(YES_NO.labels("vi").values())
        return base | {"validate": "list", "source": choices,
                       "input_message": f"Chọn “{choices[0]}” hoặc “{choices[1]}”. {no_data}",
                       "error_message": f"Chỉ chọn “{choices[0]}” hoặc “{choices[1]}”, hoặc ký hiệu "
                                        "không có số liệu. Bấm OK để giữ giá trị đã nhập."}
    whole = line.whole
    lo, hi = line.min_value, line.max_value
    rule = ("số nguyên" if whole else "số") + (f" từ {number_vi(lo)}" if lo is not None else "") + (
        f" đến {number_vi(hi)}" if hi is not None else "")
    return base | {"validate": "integer" if whole else "decimal", **_bounds(lo, hi),
                   "input_message": f"Nhập {rule} ({line.unit_label}). {no_data}",
                   "error_message": f"Giá trị phải là {rule}. Bấm OK để giữ giá trị đã nhập (ví dụ "
                                    "ký hiệu không có số liệu), Cancel để sửa."}


def _part_validation(line: IndicatorLine, part: str) -> dict[str, Any]:
    """Return the validation of a numerator or denominator cell (a number ≥ 0)."""
    title, label = (("Tử số", line.numerator_label) if part == "numerator"
                    else ("Mẫu số", line.denominator_label))
    how = (f"Giá trị = {number_vi(line.ratio_scale)} × tử số / mẫu số." if line.ratio_scale
           else "Mẫu số là quyền số của bình quân gia quyền.")
    return {"validate": "decimal", "criteria": ">=", "value": 0, "error_type": "information",
            "input_title": title, "input_message": f"{label or title}. Nhập số ≥ 0. {how}"[:255],
            "error_title": f"{title} chưa hợp lệ", "error_message": f"{title} phải là số ≥ 0."}


def _date_validation(since: date, title: str) -> dict[str, Any]:
    """Return a date validation (on or after `since`) with a dd/mm/yyyy hint."""
    example = since.strftime("%d/%m/%Y")
    return {"validate": "date", "criteria": ">=", "value": since, "error_type": "information",
            "input_title": title, "input_message": f"Nhập ngày dạng dd/mm/yyyy, ví dụ {example}.",
            "error_title": "Ngày chưa hợp lệ",
            "error_message": f"Nhập ngày dạng dd/mm/yyyy, từ {example} trở đi."}


def _status_validation() -> dict[str, Any]:
    """Return the validation of a task's status cell: one of the statuses."""
    statuses = list(TASK_STATUSES.labels("vi").values())
    # Only the four statuses mean anything here, so Excel's default "stop" applies.
    return {"validate": "list", "source": statuses, "input_title": "Tình trạng nhiệm vụ",
            "input_message": "Chọn một tình trạng trong danh sách.", "error_title": "Tình trạng chưa hợp lệ",
            "error_message": f"Chỉ chọn: {', '.join(statuses)}."}


def _indicator_sheet(spec: TemplateSpec, filled: Filled) -> Sheet:
    """Build the indicator sheet: header rows, reporter inputs, one validated row per indicator."""
    b = SheetBuilder(L.INDICATOR_SHEET)
    by_category = any(line.category_label for line in spec.indicators)
    columns = L.INDICATOR_COLUMNS + ((L.CATEGORY_COLUMN,) if by_category else ())
    _header_rows(b, spec, columns, INDICATOR_LABELS)
    _reporter_row(b, spec, filled)
    for row, line in enumerate(spec.indicators, start=L.FIRST_DATA_ROW - 1):
        _indicator_row(b, row, line, filled.indicators.get(line.key, {}))
        if by_category:
            b.put(row, len(L.INDICATOR_COLUMNS), line.category_label, _WRAPPED)
    return b.build()


def _reporter_row(b: SheetBuilder, spec: TemplateSpec, filled: Filled) -> None:
    """Place who reported and the date sent, each input just right of its label."""
    row = L.REPORTER_ROW - 1
    b.put(row, L.REPORTED_BY_COLUMN - 2, "Người báo cáo:", _SIDE_LABEL)
    b.put(row, L.REPORTED_BY_COLUMN - 1, _typed(filled.reported_by), _INPUT)
    b.put(row, L.SUBMITTED_ON_COLUMN - 2, "Ngày gửi:", _SIDE_LABEL)
    b.put(row, L.SUBMITTED_ON_COLUMN - 1, _typed(filled.submitted_on), _INPUT_DATE)
    b.validate(row, L.SUBMITTED_ON_COLUMN - 1, _date_validation(spec.window[0], "Ngày gửi báo cáo"))


def _indicator_row(b: SheetBuilder, row: int, line: IndicatorLine, typed: Mapping[str, Any]) -> None:
    """Place one indicator's fixed cells and its validated input cells."""
    col = _INDICATOR_COL
    b.put(row, col["indicator_code"], line.code, _CODE)
    b.put(row, col["name_vi"], line.name, _NAME)
    b.put(row, col["unit_label"], line.unit_label, _WRAPPED)
    # A number cell with the indicator's decimals; a city baseline reads "TP: 78" yet stays a number.
    number = ('"TP: "' if line.baseline_from_city else "") + "#,##0" + (
        "." + "0" * line.decimals if line.decimals else "")
    baseline = _FIXED if line.baseline is None else merge_styles(_FIXED, style(num_format=number))
    b.put(row, col["baseline"], line.baseline, baseline)
    b.put(row, col["target"], line.target or None, _WRAPPED)
    b.put(row, col["value"], _typed(typed.get("value")), _INPUT)
    b.validate(row, col["value"], _value_validation(line))
    for part in ("numerator", "denominator"):
        b.put(row, col[part], _typed(typed.get(part)), _INPUT if line.has_parts else _UNUSED)
        if line.has_parts:
            b.validate(row, col[part], _part_validation(line, part))
    b.put(row, col["note"], _typed(typed.get("note")), _NOTE)


def _task_sheet(spec: TemplateSpec, filled: Filled) -> Sheet:
    """Build the task sheet: one row per task the unit leads, with status, date and note inputs."""
    b = SheetBuilder(L.TASK_SHEET)
    _header_rows(b, spec, L.TASK_COLUMNS, TASK_LABELS)
    col = _TASK_COL
    for row, task in enumerate(spec.tasks, start=L.FIRST_DATA_ROW - 1):
        typed = filled.tasks.get(task.code, {})
        b.put(row, col["task_code"], task.code, _CODE)
        b.put(row, col["title_vi"], task.title, _NAME)
        b.put(row, col["due_period"], task.due or None, _FIXED)
        b.put(row, col["status"], _typed(typed.get("status")), _INPUT)
        b.validate(row, col["status"], _status_validation())
        b.put(row, col["completed_on"], _typed(typed.get("completed_on")), _INPUT_DATE)
        b.validate(row, col["completed_on"], _date_validation(spec.term_start, "Ngày hoàn thành"))
        b.put(row, col["note"], _typed(typed.get("note")), _NOTE)
    return b.build()


def _meta_sheet(spec: TemplateSpec) -> Sheet:
    """Build the metadata sheet: the pairs and their digest as text, protected and very hidden."""
    meta = spec.meta
    b = SheetBuilder(L.META_SHEET, options=dict(_UNPRINTED, protection=Protection(), state="very_hidden"))
    for row, (key, value) in enumerate([*meta.items(), ("digest", L.meta_digest(meta))]):
        b.put(row, 0, key)
        b.put(row, 1, value)
    return b.build()
