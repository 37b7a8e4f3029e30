"""The words of the rollup workbook, in Vietnamese and English.

Values of the contract's closed lists (statuses, task statuses, severities,
levels, outcomes, title statuses) take their labels from
`declare.vocabulary`, and the words for a target's basis from
`declare.rules`; this module holds the rest: sheet names, titles, captions
and the sentences of the overview and method sheets.
"""

from __future__ import annotations

from typing import Any

from hanoi_ctr.declare import rules
from hanoi_ctr.declare.vocabulary import (
    LEVELS,
    OUTCOMES,
    REVIEW_STATES,
    SEVERITIES,
    STATUSES,
    TASK_STATUSES,
    TITLE_STATUSES,
)

#: Fill colour of each status, on program sheets, unit matrices and the overview chart.
STATUS_COLORS = {"achieved": "#63BE7B", "on_track": "#BDD7EE", "at_risk": "#FFD966", "off_track": "#F4B084",
                 "no_data": "#D9D9D9", "no_target": "#FFFFFF", "incomplete": "#E4DFEC"}
#: Fill of a count that covers fewer reports than expected.
PARTIAL_COLOR = "#FCE4D6"

_PHRASES: dict[str, dict[str, Any]] = {
    "vi": {
        "sheets": {"overview": "Tổng quan", "units": "Đơn vị", "tasks": "Nhiệm vụ", "issues": "Lỗi dữ liệu",
                   "files": "Tệp đã nhận", "sources": "Số liệu nguồn", "lineage": "Chuyển đổi đơn vị",
                   "method": "Phương pháp"},
        "lineage": {
            "intro": ("Từ ngày 01/07/2025 các phường, xã, thị trấn cũ được sắp xếp thành 126 đơn vị mới và cấp "
                      "huyện kết thúc. Số liệu của các kỳ trước đó được chuyển sang đơn vị mới theo quy tắc tổng "
                      "hợp của từng chỉ tiêu (cộng; tỷ lệ tính lại từ tử số, mẫu số; bình quân gia quyền tính lại "
                      "từ quyền số), như tổng hợp đơn vị cấp dưới lên cấp trên; đơn vị cũ chia cho nhiều đơn vị "
                      "mới thì chuyển toàn bộ cho đơn vị kế thừa mặc định, trừ khi có tỷ lệ. Số liệu chuyển đổi "
                      "ghi nguồn là 'chuyển đổi' và các đơn vị cũ (cột mapped_from trong tệp Parquet)."),
            "links": "Đơn vị cũ → đơn vị mới",
            "link_cols": ["Mã đơn vị mới", "Đơn vị mới", "Mã đơn vị cũ", "Đơn vị cũ", "Quận, huyện cũ",
                          "Cách chuyển số liệu", "Hiệu lực từ"],
            "how": {"whole": "toàn bộ", "default_successor": "toàn bộ (kế thừa mặc định đơn vị bị chia)"},
            "not_default": "không (bị chia; số liệu về đơn vị kế thừa mặc định)",
            "share": "tỷ lệ {:.0%}",
            "indicators": "Chỉ tiêu: số liệu lịch sử có chuyển sang đơn vị mới không",
            "indicator_cols": ["Mã", "Chỉ tiêu", "Chuyển được", "Lý do không chuyển"],
            "carried": {True: "Có", False: "Không"},
            "why_rule": "quy tắc tổng hợp '{rule}': không cộng gộp được số liệu của nhiều đơn vị",
            "why_type": "{kind}: giá trị của nhiều đơn vị không gộp thành giá trị của một đơn vị",
            "note": "Thành phố có chuỗi số liệu liên tục; cấp huyện và phường, xã cũ có số liệu đến 30/06/2025.",
        },
        "title": "BÁO CÁO TỔNG HỢP KẾT QUẢ THỰC HIỆN CÁC CHƯƠNG TRÌNH CÔNG TÁC CỦA THÀNH ỦY",
        "company": "Thành ủy Hà Nội",
        "period": "Kỳ báo cáo", "window": "Thời gian chốt số liệu", "deadline": "Hạn gửi báo cáo",
        "generated": "Ngày lập (giờ Hà Nội)", "as_of": "Số liệu đến ngày (giờ Hà Nội)",
        "status_by_program": "Đánh giá chỉ tiêu theo chương trình (cấp thành phố)",
        "program": "Chương trình", "total": "Tổng số", "completeness": "Tình hình báo cáo",
        "city": "Toàn thành phố", "legend": "Chú giải", "reason": "Căn cứ đánh giá",
        "indicators": "Chỉ tiêu cấp thành phố", "matrix": "Kết quả theo đơn vị",
        "matrix_on": "Kết quả theo đơn vị (địa giới ngày {day})",
        "rollup_row": "tổng hợp từ cấp dưới",
        "unit_code": "Mã", "unit": "Đơn vị",
        "yes": "Đạt", "no": "Không đạt", "overdue": "Quá hạn", "not_reported": "Chưa báo cáo",
        "illustrative": "* Chỉ tiêu minh họa: không có trong danh mục chỉ tiêu công bố của chương trình.",
        "share_of_total": "{share} tổng số", "share_of_base": "{share} mẫu số của tổng số",
        "categories_note": ("Dòng “–” dưới một chỉ tiêu: số liệu theo nhóm (phân tổ), với tỷ trọng trong tổng số; "
                            "mục tiêu và đánh giá chỉ có khi nhóm có mục tiêu riêng."),
        "illustrative_task": "* Nhiệm vụ minh họa: không có trong các nguồn công bố về chương trình.",
        "partial_note": "Ô tô màu cam nhạt: số báo cáo bao phủ chưa đủ số phải báo cáo (số tổng hợp chưa đủ).",
        "tracked": ("{stated}Danh mục theo dõi {held} chỉ tiêu ({sourced} có nguồn công bố, {illustrative} minh họa)"
                    " và {tasks} nhiệm vụ ({sourced_tasks} có nguồn công bố, {illustrative_tasks} minh họa)."),
        "stated": "Theo nguồn công bố, chương trình có {what}. ",
        "stated_indicators": "{n} chỉ tiêu", "stated_tasks": "{n} nhiệm vụ (chuyên đề, đề án, kế hoạch)",
        "and": " và ",
        "size_unknown": "Chưa có nguồn công bố số chỉ tiêu của chương trình. ",
        "tracking": "Mức độ theo dõi các chương trình",
        "tracking_cols": ["Chương trình", "Số chỉ tiêu theo nguồn", "Chỉ tiêu theo dõi", "trong đó có nguồn",
                          "trong đó minh họa", "Số nhiệm vụ theo nguồn", "Nhiệm vụ theo dõi", "trong đó minh họa"],
        "tracking_note": ("Số theo nguồn: số chỉ tiêu, nhiệm vụ mà các nguồn công bố nêu cho chương trình (để trống "
                          "khi chưa có nguồn). Một chỉ tiêu của chương trình có thể được theo dõi thành nhiều "
                          "dòng (như cơ cấu kinh tế theo ngành); chỉ tiêu minh họa không thuộc chương trình."),
        "title_short": "Tổng hợp các chương trình công tác của Thành ủy",
        "by_program": "Theo chương trình",
        "by_district": "Theo quận, huyện (gồm các phường, xã trực thuộc)",
        "by_unit": "Theo từng đơn vị",
        "inputs": "Tệp số liệu đầu vào",
        "thresholds": "Ngưỡng đánh giá", "catalog": "Phiên bản danh mục", "software": "Phiên bản phần mềm",
        "on_track_rule": "Đúng tiến độ khi tiến độ thực tế ≥ {:.0%} tiến độ kỳ vọng",
        "at_risk_rule": "Có nguy cơ chậm khi ≥ {:.0%}; thấp hơn là chậm tiến độ",
        "coverage_rule": "Chỉ tiêu cộng tổng chưa đủ {:.0%} số báo cáo phải có thì không đánh giá (chưa đủ số liệu)",
        "tolerance_rule": "Số liệu của đơn vị và tổng hợp từ cấp dưới chênh quá {:.0%} thì cảnh báo",
        "more_issues": "… và {n} vấn đề {code} khác trong tệp này (đủ trong tệp issues-{period}.parquet)",
        "more_rows": "… và {n} dòng khác (đủ trong tệp {file})",
        "row_issues": "Các dòng có vấn đề: {summary} (chi tiết ở trang Lỗi dữ liệu)",
        "sources_note": ("Mỗi dòng là một số liệu do đơn vị gửi mà kết quả của kỳ sử dụng. Lọc cột Trực thuộc để xem "
                         "số liệu của các phường, xã làm nên số của một quận, huyện; ô tô vàng nhạt là số liệu đã "
                         "sửa, kèm giá trị và tệp mà nó thay thế."),
        "no_due_note": ("Nhiệm vụ không có thời hạn trong nguồn không bao giờ bị ghi quá hạn; thời hạn của nhiệm vụ "
                        "minh họa cũng là minh họa."),
        "no_title_en": "",
        "title_notes": {"short_form_only": "(tên rút gọn; chưa có tên đầy đủ)", "unknown": "(chưa rõ tên)"},
        "reasons": {
            "achieved": "đạt mục tiêu (đã hết hạn, hoặc số hiện có, tổng cả nhiệm kỳ, tổng trọn năm đã đạt)",
            "on_track": "tiến độ ≥ {on:.0%} tiến độ kỳ vọng (hoặc mức cần đạt cho các năm còn lại khả thi)",
            "at_risk": "tiến độ từ {risk:.0%} đến dưới {on:.0%} tiến độ kỳ vọng",
            "off_track": "tiến độ dưới {risk:.0%} tiến độ kỳ vọng, hoặc mục tiêu đã hết hạn mà không đạt",
            "no_data": "có mục tiêu nhưng chưa có số liệu để so sánh",
            "no_target": "chỉ tiêu không có mục tiêu áp dụng cho đơn vị",
            "incomplete": "chỉ tiêu cộng tổng, số báo cáo của cấp dưới chưa đủ: không đánh giá",
        },
        "compared": {"value": "giá trị {period}", "year_total": "cộng dồn năm {period}",
                     "term_to_date": "cộng dồn {period}", "average": "TB {period}",
                     "annualised": " (quy ra cả năm)"},
        "page": "&CTrang &P/&N",
    },
    "en": {
        "sheets": {"overview": "Overview", "units": "Units", "tasks": "Tasks", "issues": "Data issues",
                   "files": "Files received", "sources": "Source values", "lineage": "Unit lineage",
                   "method": "Method"},
        "lineage": {
            "intro": ("From 1 July 2025 the old wards, communes and townships became 126 new units and the "
                      "district level ended. Figures of earlier periods are carried to the new units by each "
                      "indicator's unit rule (sums added; ratios recomputed from numerators and denominators; "
                      "weighted means from their weights), as children roll up into a parent; an old unit split "
                      "between several new ones goes whole to its default successor unless shares are given. "
                      "Carried values have the source 'mapped' and name their old units (column mapped_from in "
                      "the Parquet files)."),
            "links": "Old unit → new unit",
            "link_cols": ["New unit code", "New unit", "Old unit code", "Old unit", "Old district",
                          "How its figures are carried", "From"],
            "how": {"whole": "whole", "default_successor": "whole (default successor of a split unit)"},
            "not_default": "none (split; its figures go to the default successor)",
            "share": "share {:.0%}",
            "indicators": "Indicators: is their history carried to the new units?",
            "indicator_cols": ["Code", "Indicator", "Carried", "Why not"],
            "carried": {True: "Yes", False: "No"},
            "why_rule": "unit rule '{rule}': figures of several units do not combine",
            "why_type": "{kind}: values of several units do not make one unit's value",
            "note": "The city's series is continuous; districts and the old wards have figures to 30/06/2025.",
        },
        "title": "HANOI PARTY COMMITTEE WORK PROGRAMS: PROGRESS ROLLUP",
        "company": "Hanoi Party Committee",
        "period": "Period", "window": "Data window", "deadline": "Submission deadline",
        "generated": "Generated (Hanoi time)", "as_of": "Data as of (Hanoi time)",
        "status_by_program": "Indicator status by program (city level)",
        "program": "Program", "total": "Total", "completeness": "Reporting",
        "city": "Whole city", "legend": "Legend", "reason": "Why",
        "indicators": "City-level indicators", "matrix": "Results by unit",
        "matrix_on": "Results by unit (units as on {day})",
        "rollup_row": "rollup of the units beneath",
        "unit_code": "Code", "unit": "Unit",
        "yes": "Yes", "no": "No", "overdue": "Overdue", "not_reported": "Not reported",
        "illustrative": "* Illustrative indicator: not in the program's published indicator list.",
        "share_of_total": "{share} of the total", "share_of_base": "{share} of the total's denominator",
        "categories_note": ("Rows marked “–” under an indicator: its figures by category, with their share of the "
                            "total; a target and a status only where the category has a target of its own."),
        "illustrative_task": "* Illustrative task: not in the published sources on the program.",
        "partial_note": "Light orange cells: the reports covered are fewer than those expected (a partial rollup).",
        "tracked": ("{stated}The catalog tracks {held} indicators ({sourced} sourced, {illustrative} illustrative)"
                    " and {tasks} tasks ({sourced_tasks} sourced, {illustrative_tasks} illustrative)."),
        "stated": "Its sources say the program has {what}. ",
        "stated_indicators": "{n} indicators", "stated_tasks": "{n} tasks (topics, projects, plans)",
        "and": " and ",
        "size_unknown": "No published source gives the program's number of indicators. ",
        "tracking": "How much of each program is tracked",
        "tracking_cols": ["Program", "Indicators, per sources", "Indicators tracked", "of which sourced",
                          "of which illustrative", "Tasks, per sources", "Tasks tracked", "of which illustrative"],
        "tracking_note": ("Per sources: how many indicators and tasks the published sources give the program (empty "
                          "where none does). One indicator of a program may be tracked as several rows (such as the "
                          "economic structure by sector); illustrative indicators are not the program's."),
        "title_short": "Hanoi Party Committee work programs: rollup",
        "by_program": "By program",
        "by_district": "By district (with its wards and communes)",
        "by_unit": "By unit",
        "inputs": "Input files",
        "thresholds": "Status thresholds", "catalog": "Catalog version", "software": "Software version",
        "on_track_rule": "On track when actual progress ≥ {:.0%} of expected progress",
        "at_risk_rule": "At risk when ≥ {:.0%}; below that, off track",
        "coverage_rule": "A total over fewer than {:.0%} of its expected reports is not judged (incomplete)",
        "tolerance_rule": "A unit's own figure more than {:.0%} away from its children's rollup is a warning",
        "more_issues": "… and {n} more {code} issues in this file (all in issues-{period}.parquet)",
        "more_rows": "… and {n} more rows (all in {file})",
        "row_issues": "Rows with issues: {summary} (details on the Data issues sheet)",
        "sources_note": ("Each row is a value a unit sent that the period's results use. Filter the Parent column "
                         "to see the wards and communes that make a district's number; pale yellow marks a "
                         "revised value, with the value and file it replaced."),
        "no_due_note": ("A task without a due period in its source is never called overdue; an illustrative task's "
                        "due period is illustrative too."),
        "no_title_en": "(no English title recorded)",
        "title_notes": {"short_form_only": "(full title not recorded)", "unknown": "(title not recorded)"},
        "reasons": {
            "achieved": "target met (closed, or a level, term total or whole year's total already met)",
            "on_track": "progress ≥ {on:.0%} of expected (or what the remaining years need is within reach)",
            "at_risk": "progress between {risk:.0%} and {on:.0%} of expected",
            "off_track": "progress below {risk:.0%} of expected, or the target closed unmet",
            "no_data": "a target applies but there is no value to compare",
            "no_target": "no target applies to the unit",
            "incomplete": "a total over too few of the reports beneath: not judged",
        },
        "compared": {"value": "level {period}", "year_total": "year total {period}",
                     "term_to_date": "total {period}", "average": "average {period}",
                     "annualised": " (annualised)"},
        "page": "&CPage &P of &N",
    },
}


def words(lang: str) -> dict[str, Any]:
    """Return the workbook's words in one language ('vi' or 'en'), the vocabularies' labels included."""
    text = dict(_PHRASES[lang])
    text["lang"] = lang
    text["status"] = STATUSES.labels(lang)
    text["task_status"] = {**TASK_STATUSES.labels(lang), None: text["not_reported"]}
    text["severity"] = SEVERITIES.labels(lang)
    text["level"] = LEVELS.labels(lang)
    text["outcome"] = OUTCOMES.labels(lang)
    text["title_status"] = TITLE_STATUSES.labels(lang)
    text["review_state"] = REVIEW_STATES.labels(lang)
    text.update(_REVIEW_PHRASES[lang])
    text["sheets"] = {**text["sheets"], "review": text.pop("review_sheet")}
    return text


def compared_words(text: dict[str, Any], basis: str | None, period: str | None, annualised: bool | None,
                   compounds: bool = False) -> str | None:
    """Return what a compared value is, in words: "TB 2021-2024", "cộng dồn năm 2024 (quy ra cả năm)"."""
    if basis is None or period is None:
        return None
    b = rules.basis(basis)
    kind = "average" if b.progress == "needed" else b.compared
    phrase = text["compared"][kind].format(period=period)
    return phrase + (text["compared"]["annualised"] if annualised else "")


#: The words of the review sheet and of the mark on values not approved (docs/REVIEW.md).
_REVIEW_PHRASES: dict[str, dict[str, Any]] = {
    "vi": {
        "review_sheet": "Duyệt số liệu",
        "review_mode": {False: "Số liệu tổng hợp: mọi số liệu đã tiếp nhận, kể cả số liệu chưa được Thành "
                               "phố phê duyệt (chữ nghiêng màu xám ở trang Số liệu nguồn).",
                        True: "Số liệu tổng hợp: chỉ số liệu Thành phố đã phê duyệt, đúng như lúc phê "
                              "duyệt."},
        "review_note": ("Báo cáo của phường, xã do quận, huyện duyệt; của quận, huyện, cơ quan (và từ "
                        "01/07/2025 của xã, phường) do Thành phố duyệt; Thành phố phê duyệt. Báo cáo bị trả "
                        "lại vẫn được lưu; tệp tiếp theo của đơn vị là bản sửa."),
        "approved_col": "Đã phê duyệt",
        "approved": {True: "Đã phê duyệt", False: "Chưa phê duyệt"},
    },
    "en": {
        "review_sheet": "Review",
        "review_mode": {False: "Rolled up: every value accepted at intake, including values the city has not "
                               "approved (grey italics on the Source values sheet).",
                        True: "Rolled up: only values the city approved, as they stood when approved."},
        "review_note": ("A ward's report is reviewed by its district; a district's, an agency's (and from "
                        "1 July 2025 a commune's) by the city; the city approves. A returned report stays in "
                        "the archive; the unit's next file is its revision."),
        "approved_col": "Approved",
        "approved": {True: "Approved", False: "Not approved"},
    },
}
