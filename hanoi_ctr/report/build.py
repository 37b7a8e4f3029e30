"""The rollup workbook analysts receive, built as a plain specification.

`build_report` turns the engine's `Results` (plus the catalog, the ledger of
input files and the intake issues) into a `WorkbookSpec`; `write_workbook`
renders it with `xlsx.render`, atomically. Sheets: overview, one per program,
units, tasks, data issues, method. Vietnamese by default, English on request.

Numbers are numeric cells with number formats: percent indicators are
written as fractions with a percent format (90.5 → 90.5 %), achievement and
progress likewise; text that came from users is written as text. The same
inputs give the same spec, so the same workbook.

Allowed imports: the standard library, polars, `catalog`, `engine`,
`method`, `periods`, `settings`, `sheetspec`, `tables`, `xlsx`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.declare import rules
from hanoi_ctr.engine.results import Results
from hanoi_ctr.periods import deadline, window
from hanoi_ctr.report.method import method_sections
from hanoi_ctr.settings import Settings
from hanoi_ctr.workbook.display import target_text
from hanoi_ctr.workbook.render import render
from hanoi_ctr.workbook.sheetspec import (
    Chart,
    Conditional,
    Sheet,
    SheetBuilder,
    Sparkline,
    Style,
    WorkbookSpec,
    options,
    style,
)

STATUSES = ("achieved", "on_track", "at_risk", "off_track", "no_data", "no_target")
STATUS_COLORS = {"achieved": "#63BE7B", "on_track": "#BDD7EE", "at_risk": "#FFD966", "off_track": "#F4B084",
                 "no_data": "#D9D9D9", "no_target": "#FFFFFF"}
LABELS = {
    "vi": {
        "lang": "vi",
        "status": {"achieved": "Đạt", "on_track": "Đúng tiến độ", "at_risk": "Có nguy cơ chậm",
                   "off_track": "Chậm tiến độ", "no_data": "Chưa có số liệu", "no_target": "Không có mục tiêu"},
        "sheets": {"overview": "Tổng quan", "units": "Đơn vị", "tasks": "Nhiệm vụ", "issues": "Lỗi dữ liệu",
                   "method": "Phương pháp"},
        "title": "BÁO CÁO TỔNG HỢP KẾT QUẢ THỰC HIỆN CÁC CHƯƠNG TRÌNH CÔNG TÁC CỦA THÀNH ỦY",
        "period": "Kỳ báo cáo", "window": "Thời gian chốt số liệu", "deadline": "Hạn gửi báo cáo",
        "generated": "Ngày lập", "status_by_program": "Đánh giá chỉ tiêu theo chương trình (cấp thành phố)",
        "program": "Chương trình", "total": "Tổng số", "completeness": "Tình hình báo cáo",
        "scope": "Phạm vi", "city": "Toàn thành phố", "legend": "Chú giải",
        "indicators": "Chỉ tiêu cấp thành phố", "matrix": "Kết quả theo đơn vị",
        "cols": ["Mã", "Chỉ tiêu", "Đơn vị tính", "Cơ sở", "Mục tiêu", "Kết quả", "Kỳ trước", "Thay đổi",
                 "Mức đạt", "Đánh giá", "Dự báo cuối nhiệm kỳ", "Dự báo đạt", "Số đơn vị báo cáo", "Xu hướng"],
        "yes": "Đạt", "no": "Không đạt", "overdue": "Quá hạn",
        "illustrative": "* Chỉ tiêu minh họa: không có trong danh mục chỉ tiêu công bố của chương trình.",
        "unit_cols": ["Mã", "Đơn vị", "Cấp", "Trực thuộc", "Báo cáo phải nộp", "Đã nộp", "Đúng hạn", "Muộn",
                      "Tỷ lệ báo cáo", "Tỷ lệ đúng hạn", "Tỷ lệ chỉ tiêu có số liệu"],
        "task_cols": ["Mã", "Chương trình", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Tình trạng",
                      "Ngày hoàn thành", "Quá hạn"],
        "task_status": {"not_started": "Chưa thực hiện", "in_progress": "Đang thực hiện",
                        "completed": "Đã hoàn thành", "cancelled": "Dừng thực hiện", None: "Chưa báo cáo"},
        "issue_cols": ["Tệp", "Trang tính", "Dòng", "Cột", "Giá trị", "Mã lỗi", "Mức độ", "Nội dung"],
        "severity": {"error": "Lỗi", "warning": "Cảnh báo"},
        "inputs": "Tệp số liệu đầu vào", "input_cols": ["Tệp", "SHA-256", "Thời điểm nhận", "Đơn vị", "Kỳ",
                                                         "Kết quả"],
        "thresholds": "Ngưỡng đánh giá", "catalog": "Phiên bản danh mục", "software": "Phiên bản phần mềm",
        "on_track_rule": "Đúng tiến độ khi tiến độ thực tế ≥ {:.0%} tiến độ kỳ vọng",
        "at_risk_rule": "Có nguy cơ chậm khi ≥ {:.0%}; thấp hơn là chậm tiến độ",
        "rate_cols": ["Phạm vi", "Báo cáo phải nộp", "Đã nộp", "Đúng hạn", "Tỷ lệ báo cáo", "Tỷ lệ đúng hạn",
                      "Tỷ lệ chỉ tiêu có số liệu"],
    },
    "en": {
        "lang": "en",
        "status": {"achieved": "Achieved", "on_track": "On track", "at_risk": "At risk", "off_track": "Off track",
                   "no_data": "No data", "no_target": "No target"},
        "sheets": {"overview": "Overview", "units": "Units", "tasks": "Tasks", "issues": "Data issues",
                   "method": "Method"},
        "title": "HANOI PARTY COMMITTEE WORK PROGRAMS: PROGRESS ROLLUP",
        "period": "Period", "window": "Data window", "deadline": "Submission deadline",
        "generated": "Generated", "status_by_program": "Indicator status by program (city level)",
        "program": "Program", "total": "Total", "completeness": "Reporting", "scope": "Scope",
        "city": "Whole city", "legend": "Legend", "indicators": "City-level indicators",
        "matrix": "Results by unit",
        "cols": ["Code", "Indicator", "Unit", "Baseline", "Target", "Value", "Previous", "Change",
                 "Achievement", "Status", "Projection to term end", "Projection meets", "Units reporting",
                 "Trend"],
        "yes": "Yes", "no": "No", "overdue": "Overdue",
        "illustrative": "* Illustrative indicator: not in the program's published indicator list.",
        "unit_cols": ["Code", "Unit", "Level", "Parent", "Submissions expected", "Received", "On time", "Late",
                      "Reporting rate", "On-time rate", "Values reported"],
        "task_cols": ["Code", "Program", "Task", "Lead agency", "Due", "Status", "Completed on", "Overdue"],
        "task_status": {"not_started": "Not started", "in_progress": "In progress", "completed": "Completed",
                        "cancelled": "Cancelled", None: "Not reported"},
        "issue_cols": ["File", "Sheet", "Row", "Column", "Value", "Code", "Severity", "Message"],
        "severity": {"error": "Error", "warning": "Warning"},
        "inputs": "Input files", "input_cols": ["File", "SHA-256", "Received at", "Unit", "Period", "Outcome"],
        "thresholds": "Status thresholds", "catalog": "Catalog version", "software": "Software version",
        "on_track_rule": "On track when actual progress ≥ {:.0%} of expected progress",
        "at_risk_rule": "At risk when ≥ {:.0%}; below that, off track",
        "rate_cols": ["Scope", "Submissions expected", "Received", "On time", "Reporting rate", "On-time rate",
                      "Values reported"],
    },
}

TITLE = style(bold=True, font_size=14)
HEADING = style(bold=True, font_size=12)
HEADER = style(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, valign="vcenter")
TEXT = style(border=1, valign="vcenter")
WRAP = style(border=1, text_wrap=True, valign="vcenter")
INTEGER = style(border=1, num_format="#,##0", valign="vcenter")
RATE = style(border=1, num_format="0%", valign="vcenter")
DATE = style(border=1, num_format="dd/mm/yyyy")
TIMESTAMP = style(border=1, num_format="dd/mm/yyyy hh:mm")
TREND_COLUMN = 40  # hidden cells that feed the sparklines start here


@dataclass(frozen=True)
class ReportInputs:
    """Everything the workbook shows: results, catalog, input files, intake issues, settings."""

    results: Results
    catalog: Catalog
    ledger: pl.DataFrame
    intake_issues: pl.DataFrame
    settings: Settings
    generated_at: datetime
    software_version: str


def write_workbook(results: Results, path: Path | str, lang: str = "vi", *, catalog: Catalog,
                   ledger: pl.DataFrame | None = None, intake_issues: pl.DataFrame | None = None,
                   settings: Settings = Settings(), generated_at: datetime | None = None,
                   include_wards: bool = False) -> Path:
    """Write the rollup workbook for `results` to `path` (atomically); return the path."""
    from hanoi_ctr import __version__
    from hanoi_ctr.declare.schemas import empty_frame

    ledger = ledger if ledger is not None else empty_frame("ledger")
    received = ledger["received_at"].max() if ledger.height else None
    inputs = ReportInputs(results, catalog, ledger,
                          intake_issues if intake_issues is not None else empty_frame("issues"), settings,
                          generated_at or received or datetime(2000, 1, 1, tzinfo=timezone.utc), __version__)
    return render(build_report(inputs, lang, include_wards), path)


def build_report(inputs: ReportInputs, lang: str = "vi", include_wards: bool = False) -> WorkbookSpec:
    """Return the workbook specification of a rollup."""
    text = LABELS[lang]
    programs = inputs.catalog.programs.sort("number")
    sheets = [_overview(inputs, text)]
    sheets += [_program_sheet(inputs, text, p, include_wards) for p in programs.iter_rows(named=True)]
    sheets += [_units_sheet(inputs, text), _tasks_sheet(inputs, text, lang), _issues_sheet(inputs, text, lang),
               _method_sheet(inputs, text, lang)]
    period = inputs.results.period
    props = options(title=f"{text['title']} — {period}", subject=str(period), author="hanoi_ctr",
                    company="Thành ủy Hà Nội", created=inputs.generated_at.replace(tzinfo=None),
                    comments=f"hanoi_ctr {inputs.software_version}; catalog {inputs.catalog.version}")
    return WorkbookSpec(tuple(sheets), props)


# --- helpers --------------------------------------------------------------------------


def program_sheet_name(program_code: str) -> str:
    """Return the sheet name of a program, built from its code.

    >>> program_sheet_name("01-CTr/TU")
    'CTr 01'
    """
    return f"CTr {program_code[:2]}"


def _status_style(status: str | None, base: Style = TEXT) -> Style:
    fill = STATUS_COLORS.get(status or "no_data", "#FFFFFF")
    return tuple(sorted({**dict(base), "bg_color": fill}.items()))


def _value_style(indicator: dict, percent: bool) -> Style:
    decimals = int(indicator["decimals"] or 0)
    zeros = "." + "0" * decimals if decimals else ""
    if percent:
        return style(border=1, num_format=f"0{zeros}%", valign="vcenter")
    return style(border=1, num_format=f"#,##0{zeros}", valign="vcenter")


def _is_percent(indicator: dict, value_source: str | None) -> bool:
    """Percent indicators, and shares of child units meeting their target, display as percentages."""
    return rules.value_type(indicator["value_type"]).percent or (
        rules.unit_rule(indicator["agg_units"]).rollup_is_percent and value_source == "rollup")


def _scaled(value: float | None, percent: bool) -> float | None:
    return None if value is None else (value / 100 if percent else value)


def _legend(b: SheetBuilder, text: dict) -> None:
    b.line(text["legend"], HEADING)
    for col, status in enumerate(STATUSES):
        b.put(b.row, col, text["status"][status], _status_style(status))
        b.width(col, 14)
    b.row += 2


def _city(inputs: ReportInputs) -> str:
    return inputs.catalog.units.filter(pl.col("kind") == "thanh_pho")["unit_code"].item()


def _units(inputs: ReportInputs) -> pl.DataFrame:
    """Return the units in force at the end of the reported period (codes are reused across 2025)."""
    end = window(inputs.results.period, inputs.settings.calendar)[1]
    return inputs.catalog.units_on(end)


# --- sheets ----------------------------------------------------------------------------


def _overview(inputs: ReportInputs, text: dict) -> Sheet:
    b = SheetBuilder(text["sheets"]["overview"])
    period, settings = inputs.results.period, inputs.settings
    start, end = window(period, settings.calendar)
    due = deadline(period, settings.calendar, settings.deadline_rule)
    b.line(text["title"], TITLE, span=10)
    for label, value, cell_style in (
        (text["period"], str(period), None), (text["window"], f"{start:%d/%m/%Y} – {end:%d/%m/%Y}", None),
        (text["deadline"], due, style(num_format="dd/mm/yyyy", align="left")),
        (text["generated"], inputs.generated_at.astimezone(timezone.utc).replace(tzinfo=None),
         style(num_format="dd/mm/yyyy hh:mm", align="left")),
    ):
        b.put(b.row, 0, label, style(bold=True))
        b.put(b.row, 1, value, cell_style)
        b.row += 1
    b.row += 1
    b.line(text["status_by_program"], HEADING)
    counts = _status_counts(inputs)
    headers = [text["program"]] + [text["status"][s] for s in STATUSES] + [text["total"]]
    rows = [[code, *[row[s] for s in STATUSES], sum(row[s] for s in STATUSES)]
            for code, row in counts.items()]
    top, last = b.table(headers, rows, [TEXT] + [INTEGER] * (len(STATUSES) + 1), HEADER)
    b.width(0, 24)
    for col in range(1, len(headers)):
        b.width(col, 13)
    if rows:
        series = tuple(options(name=[b.name, top, 1 + i, top, 1 + i], categories=[b.name, top + 1, 0, last, 0],
                               values=[b.name, top + 1, 1 + i, last, 1 + i],
                               fill={"color": STATUS_COLORS[s]}, border={"color": "#7F7F7F"})
                       for i, s in enumerate(STATUSES))
        b.charts.append(Chart(top, len(headers) + 1, "bar", series, options(
            title={"name": text["status_by_program"]}, legend={"position": "bottom"},
            size={"width": 620, "height": 420}), subtype="stacked"))
    b.row = max(b.row, top + 22) + 1
    b.line(text["completeness"], HEADING)
    _rates_table(b, inputs, text)
    b.row += 1
    _legend(b, text)
    b.options.update(freeze=(1, 0), print_title_rows=(0, 0))
    return b.build()


def _status_counts(inputs: ReportInputs) -> dict[str, dict[str, int]]:
    city = _city(inputs)
    rows = inputs.results.results.filter(pl.col("unit_code") == city).join(
        inputs.catalog.indicators.select("indicator_code", "program_code"), on="indicator_code")
    counts = {p: {s: 0 for s in STATUSES} for p in inputs.catalog.programs.sort("number")["program_code"]}
    for r in rows.group_by("program_code", "result_status").len().iter_rows(named=True):
        counts[r["program_code"]][r["result_status"]] = r["len"]
    return counts


def _rates_table(b: SheetBuilder, inputs: ReportInputs, text: dict) -> None:
    comp = inputs.results.completeness
    city = comp.filter(pl.col("scope") == "city")
    programs = comp.filter(pl.col("scope") == "program").sort("program_code")
    rows = [[text["city"] if r["scope"] == "city" else r["program_code"], r["n_expected"], r["n_received"],
             r["n_on_time"], r["reporting_rate"], r["on_time_rate"], r["value_rate"]]
            for r in pl.concat([city, programs]).iter_rows(named=True)]
    b.table(text["rate_cols"], rows, [TEXT, INTEGER, INTEGER, INTEGER, RATE, RATE, RATE], HEADER)


def _program_sheet(inputs: ReportInputs, text: dict, program: dict, include_wards: bool) -> Sheet:
    b = SheetBuilder(program_sheet_name(program["program_code"]))
    b.height(0, 40)  # long program titles wrap onto two lines
    b.line(f"{program['program_code']} — {program['title_vi']}", style(bold=True, font_size=13, text_wrap=True,
                                                                        valign="top"), span=14)
    b.line(f"{text['period']}: {inputs.results.period}", style(italic=True))
    indicators = inputs.catalog.indicators.filter(pl.col("program_code") == program["program_code"]).sort(
        "display_order")
    city = _city(inputs)
    results = inputs.results.results.filter(pl.col("unit_code") == city)
    mine = pl.col("indicator_code").is_in(indicators["indicator_code"].implode())
    by_code = {r["indicator_code"]: r for r in results.filter(mine).iter_rows(named=True)}
    trend = inputs.results.trend.filter(pl.col("unit_code") == city)
    periods = sorted(trend["period"].unique().to_list(), key=_period_key)
    # One pass over this program's trend rows (not one filter per indicator).
    trend_of: dict[str, dict] = {}
    for code, period, value in trend.filter(mine).select("indicator_code", "period", "value").iter_rows():
        trend_of.setdefault(code, {})[period] = value
    b.line(text["indicators"], HEADING)
    top = b.row
    b.height(top, 32)
    for c, label in enumerate(text["cols"]):
        b.put(top, c, label, HEADER)
    for c, p in enumerate(periods):
        b.put(top, TREND_COLUMN + c, p)
    for i, ind in enumerate(indicators.iter_rows(named=True), start=top + 1):
        b.height(i, 30)  # indicator names wrap onto two lines
        _indicator_row(b, i, ind, by_code.get(ind["indicator_code"]), text)
        series = trend_of.get(ind["indicator_code"], {})
        for c, p in enumerate(periods):
            b.put(i, TREND_COLUMN + c, series.get(p))
        if periods:
            b.sparklines.append(Sparkline(i, 13, i, TREND_COLUMN, i, TREND_COLUMN + len(periods) - 1,
                                          options(type="line", markers=True)))
    last = top + indicators.height
    for col, width in enumerate((9, 48, 12, 11, 16, 11, 11, 10, 10, 16, 13, 10, 10, 16)):
        b.width(col, width)
    b.options.update(hidden_columns=tuple(range(TREND_COLUMN, TREND_COLUMN + len(periods))),
                     freeze=(top + 1, 2), autofilter=(top, 0, last, 13), print_title_rows=(top, top))
    for c in range(len(periods)):
        b.width(TREND_COLUMN + c, 8)
    b.row = last + 1
    if (indicators["source"] == "illustrative").any():
        b.line(text["illustrative"], style(italic=True, font_size=9))
    b.row += 1
    _legend(b, text)
    # Printed: the indicator table and legend; the unit matrix below is for the screen (and filters).
    b.options["print_area"] = (0, 0, b.row - 1, 13)
    _matrix(b, inputs, text, indicators, include_wards)
    return b.build()


def _indicator_row(b: SheetBuilder, row: int, ind: dict, res: dict | None, text: dict) -> None:
    res = res or {}
    percent = _is_percent(ind, res.get("value_source"))
    number = _value_style(ind, percent)
    status = res.get("result_status") or "no_data"
    meets = res.get("projection_meets_target")
    # Illustrative catalog entries are marked, never passed off as sourced facts.
    name = ind["name_vi"] + (" *" if ind["source"] == "illustrative" else "")
    cells = [
        (ind["indicator_code"], TEXT), (name, WRAP), (ind["unit_label"], TEXT),
        (_scaled(res.get("baseline_value"), percent), number), (target_text(res, text["lang"], "%" if percent else "") or None, TEXT),
        (_scaled(res.get("value"), percent), number), (_scaled(res.get("previous_value"), percent), number),
        (_scaled(res.get("change"), percent), number), (res.get("achievement"), RATE),
        (text["status"][status], _status_style(status)), (_scaled(res.get("projection"), percent), number),
        (None if meets is None else (text["yes"] if meets else text["no"]), TEXT),
        (f"{res['n_reported']}/{res['n_expected']}" if res.get("n_expected") else None, TEXT),
    ]
    for col, (value, cell_style) in enumerate(cells):
        b.put(row, col, value, cell_style)


def _matrix(b: SheetBuilder, inputs: ReportInputs, text: dict, indicators: pl.DataFrame,
            include_wards: bool) -> None:
    levels = ["district", "ward"] if include_wards else ["district"]
    results = inputs.results.results.filter(pl.col("unit_level").is_in(levels))
    units = _units(inputs).join(results.select("unit_code").unique(), on="unit_code", how="semi").sort(
        "display_order")
    if units.is_empty():
        return
    b.line(text["matrix"], HEADING)
    top = b.row
    b.height(top, 110)  # unit names written vertically
    b.put(top, 0, text["cols"][0], HEADER)
    b.put(top, 1, text["cols"][1], HEADER)
    for c, u in enumerate(units.iter_rows(named=True), start=2):
        b.put(top, c, u["name_vi"], style(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, rotation=90))
    # Only this program's indicators and the columns the matrix shows (the results hold every program).
    cells = {(r["indicator_code"], r["unit_code"]): r for r in results.filter(
        pl.col("indicator_code").is_in(indicators["indicator_code"].implode())).select(
        "indicator_code", "unit_code", "value", "value_source", "result_status").iter_rows(named=True)}
    codes = units["unit_code"].to_list()
    for r, ind in enumerate(indicators.iter_rows(named=True), start=top + 1):
        b.put(r, 0, ind["indicator_code"], TEXT)
        b.put(r, 1, ind["name_vi"], WRAP)
        for c, code in enumerate(codes, start=2):
            res = cells.get((ind["indicator_code"], code))
            if res is None:
                b.put(r, c, None, style(border=1, bg_color="#F2F2F2"))
                continue
            percent = _is_percent(ind, res["value_source"])
            base = _value_style(ind, percent)
            b.put(r, c, _scaled(res["value"], percent), _status_style(res["result_status"], base))
    b.row = top + indicators.height + 2


def _units_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    b = SheetBuilder(text["sheets"]["units"])
    comp = inputs.results.completeness.filter(pl.col("scope") == "unit")
    units = _units(inputs)
    names = dict(units.select("unit_code", "name_vi").iter_rows())
    parents = dict(units.select("unit_code", "parent_code").iter_rows())
    levels = dict(inputs.results.results.select("unit_code", "unit_level").unique("unit_code").iter_rows())
    order = dict(units.select("unit_code", "display_order").iter_rows())
    status = inputs.results.results.group_by("unit_code", "result_status").len()
    counts: dict[str, dict[str, int]] = {}
    for r in status.iter_rows(named=True):
        counts.setdefault(r["unit_code"], {})[r["result_status"]] = r["len"]
    headers = text["unit_cols"] + [text["status"][s] for s in STATUSES]
    rows = [
        [r["unit_code"], names.get(r["unit_code"]), levels.get(r["unit_code"]),
         names.get(parents.get(r["unit_code"]) or "", None), r["n_expected"], r["n_received"], r["n_on_time"],
         r["n_late"], r["reporting_rate"], r["on_time_rate"], r["value_rate"],
         *[counts.get(r["unit_code"], {}).get(s, 0) for s in STATUSES]]
        for r in sorted(comp.iter_rows(named=True), key=lambda r: order.get(r["unit_code"], 0))
    ]
    top, last = b.table(headers, rows, [TEXT, TEXT, TEXT, TEXT] + [INTEGER] * 4 + [RATE] * 3
                        + [INTEGER] * len(STATUSES), HEADER)
    for col, width in enumerate([10, 30, 9, 24] + [10] * (len(headers) - 4)):
        b.width(col, width)
    b.conditionals.append(Conditional(top + 1, 8, max(last, top + 1), 10, options(type="data_bar",
                                                                                 bar_color="#9BC2E6")))
    b.options.update(freeze=(top + 1, 2), autofilter=(top, 0, max(last, top), len(headers) - 1),
                     print_title_rows=(top, top))
    return b.build()


def _tasks_sheet(inputs: ReportInputs, text: dict, lang: str) -> Sheet:
    b = SheetBuilder(text["sheets"]["tasks"])
    tasks = inputs.catalog.tasks.select("task_code", "title_vi", "title_en")
    names = dict(_units(inputs).select("unit_code", "name_vi").iter_rows())
    status = inputs.results.task_status.join(tasks, on="task_code", how="left").sort("task_code")
    rows = [
        [r["task_code"], r["program_code"], r["title_vi"] if lang == "vi" else (r["title_en"] or r["title_vi"]),
         names.get(r["lead_unit_code"], r["lead_unit_code"]), r["due_period"], text["task_status"][r["status"]],
         r["completed_on"], text["overdue"] if r["overdue"] else None]
        for r in status.iter_rows(named=True)
    ]
    top, last = b.table(text["task_cols"], rows, [TEXT, TEXT, WRAP, WRAP, TEXT, TEXT, DATE,
                                                  style(border=1, bold=True, font_color="#C00000")], HEADER)
    for col, width in enumerate((9, 11, 60, 28, 10, 16, 12, 9)):
        b.width(col, width)
    b.options.update(freeze=(top + 1, 1), autofilter=(top, 0, max(last, top), 7), print_title_rows=(top, top))
    return b.build()


def _issues_sheet(inputs: ReportInputs, text: dict, lang: str) -> Sheet:
    b = SheetBuilder(text["sheets"]["issues"])
    issues = pl.concat([inputs.intake_issues, inputs.results.issues], how="vertical").sort(
        "file", "sheet", "row", "column", "code", "period", "unit_code", "message_en", nulls_last=False)
    rows = [[r["file"], r["sheet"], r["row"], r["column"], r["value"], r["code"], text["severity"][r["severity"]],
             r[f"message_{lang}"]] for r in issues.iter_rows(named=True)]
    top, last = b.table(text["issue_cols"], rows, [TEXT, TEXT, INTEGER, TEXT, TEXT, TEXT, TEXT, WRAP], HEADER)
    for col, width in enumerate((34, 12, 7, 16, 16, 26, 10, 70)):
        b.width(col, width)
    b.options.update(freeze=(top + 1, 0), autofilter=(top, 0, max(last, top), 7), print_title_rows=(top, top))
    return b.build()


def _method_sheet(inputs: ReportInputs, text: dict, lang: str) -> Sheet:
    b = SheetBuilder(text["sheets"]["method"])
    b.width(0, 110)
    for title, body in method_sections(lang):
        b.line(title, HEADING)
        for paragraph in [p.strip() for p in body.split("\n\n") if p.strip()]:
            b.line(paragraph, style(text_wrap=True, valign="top"))
        b.row += 1
    b.line(text["thresholds"], HEADING)
    b.line(text["on_track_rule"].format(inputs.settings.on_track))
    b.line(text["at_risk_rule"].format(inputs.settings.at_risk), skip=2)
    _legend(b, text)
    b.line(f"{text['catalog']}: {inputs.catalog.version}")
    b.line(f"{text['software']}: hanoi_ctr {inputs.software_version}", skip=2)
    b.line(text["inputs"], HEADING)
    ledger = inputs.ledger.sort("received_at", "file_name")
    rows = [[r["file_name"], r["sha256"], r["received_at"], r["unit_code"], r["period"], r["outcome"]]
            for r in ledger.iter_rows(named=True)]
    b.table(text["input_cols"], rows, [TEXT, TEXT, TIMESTAMP, TEXT, TEXT, TEXT], HEADER)
    return b.build()


def _period_key(text: str) -> tuple:
    from hanoi_ctr.periods import parse_period

    return parse_period(text).sort_key
