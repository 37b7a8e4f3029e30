"""The words of the rollup workbook, in Vietnamese and English.

Values of the contract's closed lists (statuses, task statuses, severities)
take their labels from `declare.vocabulary`; this module holds the rest:
sheet names, titles, captions and the sentences of the method sheet.
"""

from __future__ import annotations

from typing import Any

from hanoi_ctr.declare.vocabulary import SEVERITIES, STATUSES, TASK_STATUSES

#: Fill colour of each status, on program sheets, unit matrices and the overview chart.
STATUS_COLORS = {"achieved": "#63BE7B", "on_track": "#BDD7EE", "at_risk": "#FFD966", "off_track": "#F4B084",
                 "no_data": "#D9D9D9", "no_target": "#FFFFFF", "incomplete": "#E4DFEC"}

_PHRASES: dict[str, dict[str, Any]] = {
    "vi": {
        "sheets": {"overview": "Tổng quan", "units": "Đơn vị", "tasks": "Nhiệm vụ", "issues": "Lỗi dữ liệu",
                   "method": "Phương pháp"},
        "title": "BÁO CÁO TỔNG HỢP KẾT QUẢ THỰC HIỆN CÁC CHƯƠNG TRÌNH CÔNG TÁC CỦA THÀNH ỦY",
        "period": "Kỳ báo cáo", "window": "Thời gian chốt số liệu", "deadline": "Hạn gửi báo cáo",
        "generated": "Ngày lập", "status_by_program": "Đánh giá chỉ tiêu theo chương trình (cấp thành phố)",
        "program": "Chương trình", "total": "Tổng số", "completeness": "Tình hình báo cáo",
        "city": "Toàn thành phố", "legend": "Chú giải",
        "indicators": "Chỉ tiêu cấp thành phố", "matrix": "Kết quả theo đơn vị",
        "yes": "Đạt", "no": "Không đạt", "overdue": "Quá hạn", "not_reported": "Chưa báo cáo",
        "illustrative": "* Chỉ tiêu minh họa: không có trong danh mục chỉ tiêu công bố của chương trình.",
        "inputs": "Tệp số liệu đầu vào",
        "thresholds": "Ngưỡng đánh giá", "catalog": "Phiên bản danh mục", "software": "Phiên bản phần mềm",
        "on_track_rule": "Đúng tiến độ khi tiến độ thực tế ≥ {:.0%} tiến độ kỳ vọng",
        "at_risk_rule": "Có nguy cơ chậm khi ≥ {:.0%}; thấp hơn là chậm tiến độ",
    },
    "en": {
        "sheets": {"overview": "Overview", "units": "Units", "tasks": "Tasks", "issues": "Data issues",
                   "method": "Method"},
        "title": "HANOI PARTY COMMITTEE WORK PROGRAMS: PROGRESS ROLLUP",
        "period": "Period", "window": "Data window", "deadline": "Submission deadline",
        "generated": "Generated", "status_by_program": "Indicator status by program (city level)",
        "program": "Program", "total": "Total", "completeness": "Reporting",
        "city": "Whole city", "legend": "Legend", "indicators": "City-level indicators",
        "matrix": "Results by unit",
        "yes": "Yes", "no": "No", "overdue": "Overdue", "not_reported": "Not reported",
        "illustrative": "* Illustrative indicator: not in the program's published indicator list.",
        "inputs": "Input files",
        "thresholds": "Status thresholds", "catalog": "Catalog version", "software": "Software version",
        "on_track_rule": "On track when actual progress ≥ {:.0%} of expected progress",
        "at_risk_rule": "At risk when ≥ {:.0%}; below that, off track",
    },
}


def words(lang: str) -> dict[str, Any]:
    """Return the workbook's words in one language ('vi' or 'en'), the vocabularies' labels included."""
    text = dict(_PHRASES[lang])
    text["lang"] = lang
    text["status"] = STATUSES.labels(lang)
    text["task_status"] = {**TASK_STATUSES.labels(lang), None: text["not_reported"]}
    text["severity"] = SEVERITIES.labels(lang)
    return text
