"""Issue records: every problem found is data, with a stable code.

An issue has a kebab-case `code` (the public contract), a severity derived
from the code (`error` blocks the row or file, `warning` does not), a
position (file, sheet, row as the user sees it, column), the offending value
and a message in Vietnamese and English. Checks build `Issue` values; one
place, `CODES`, decides what each code means and whether it blocks.

What came from a file is shown in a message as `printable` text: line
breaks, escape sequences and other control characters appear as `\n`,
`\x1b`, … so that a value can never drive the terminal it is printed on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal

import polars as pl

from hanoi_ctr.declare.schemas import polars_schema

Level = Literal["file", "row", "warning", "catalog"]


@dataclass(frozen=True)
class IssueCode:
    """What an issue code means: its level, severity and message templates."""

    level: Level
    message_vi: str
    message_en: str

    @property
    def severity(self) -> str:
        """Return 'warning' for warning-level codes, else 'error'."""
        return "warning" if self.level == "warning" else "error"


def _c(level: Level, vi: str, en: str) -> IssueCode:
    return IssueCode(level, vi, en)


# Templates may use {column}, {value} and {detail}.
CODES: dict[str, IssueCode] = {
    # file level: the whole file is rejected
    "file-unreadable": _c("file", "Không đọc được tệp: {detail}.", "The file cannot be read: {detail}."),
    "file-too-large": _c("file", "Tệp quá lớn: {detail}.", "The file is too large: {detail}."),
    "unsupported-format": _c("file", "Định dạng tệp không được hỗ trợ: {detail}.",
                             "Unsupported file format: {detail}."),
    "unsupported-encoding": _c("file", "Tệp CSV không dùng bảng mã UTF-8 (phát hiện {detail}); hãy lưu lại "
                               "dạng CSV UTF-8.", "The CSV file is not UTF-8 (looks like {detail}); save it "
                               "again as CSV UTF-8."),
    "empty-file": _c("file", "Tệp không có dòng dữ liệu nào.", "The file has no data rows."),
    "missing-column": _c("file", "Thiếu cột bắt buộc '{column}'.", "Required column '{column}' is missing."),
    "template-mismatch": _c("file", "Biểu mẫu không khớp: {detail}.", "The template does not match: {detail}."),
    "duplicate-file": _c("file", "Tệp này đã được gửi trước đó ({detail}); không có thay đổi.",
                         "This file was already received ({detail}); nothing changed."),
    "file-refused": _c("file", "Tệp không được đọc: {detail}.", "The file is refused: {detail}."),
    "duplicate-column": _c("file", "Các cột {detail} cùng là cột '{column}'; hãy giữ lại một cột.",
                           "Columns {detail} all mean '{column}'; keep only one of them."),
    "ambiguous-sheet": _c("file", "Nhiều trang tính có cùng loại bảng số liệu ({detail}); hãy gửi mỗi bảng trong "
                          "một tệp hoặc xóa trang thừa.", "Several sheets hold the same kind of table ({detail}); "
                          "send one table per file or delete the extra sheets."),
    # row level: the row is rejected, the rest of the file is kept
    "unknown-unit": _c("row", "Mã đơn vị '{value}' không có trong danh mục.",
                       "Unit code '{value}' is not in the catalog."),
    "unit-inactive": _c("row", "Đơn vị '{value}' không hoạt động vào ngày cuối của kỳ báo cáo: {detail}.",
                        "Unit '{value}' is not in force on the last day of the period: {detail}."),
    "unknown-indicator": _c("row", "Mã chỉ tiêu '{value}' không có trong danh mục.",
                            "Indicator code '{value}' is not in the catalog."),
    "indicator-not-assigned": _c("row", "Chỉ tiêu '{value}' không giao cho đơn vị {detail}.",
                                 "Indicator '{value}' is not assigned to unit {detail}."),
    "unknown-task": _c("row", "Mã nhiệm vụ '{value}' không có trong danh mục.",
                       "Task code '{value}' is not in the catalog."),
    "invalid-period": _c("row", "Kỳ báo cáo '{value}' không hợp lệ (ví dụ đúng: 2024-Q3, Quý III/2024).",
                         "Period '{value}' is not valid (e.g. 2024-Q3, Q3/2024)."),
    "period-out-of-term": _c("row", "Kỳ báo cáo '{value}' nằm ngoài nhiệm kỳ {detail}.",
                             "Period '{value}' is outside the term {detail}."),
    "period-mismatch": _c("row", "Kỳ báo cáo '{value}' khác kỳ của tệp/biểu mẫu ({detail}).",
                          "Period '{value}' differs from the period of the file or template ({detail})."),
    "future-period": _c("row", "Kỳ báo cáo '{value}' chưa bắt đầu.", "Period '{value}' has not started yet."),
    "type-error": _c("row", "Cột '{column}': '{value}' không phải {detail}.",
                     "Column '{column}': '{value}' is not {detail}."),
    "missing-value": _c("row", "Cột '{column}' bị bỏ trống.", "Column '{column}' is empty."),
    "out-of-range": _c("row", "Cột '{column}': giá trị {value} ngoài khoảng cho phép {detail}.",
                       "Column '{column}': value {value} is outside the allowed range {detail}."),
    "non-integer": _c("row", "Cột '{column}': '{value}' phải là số nguyên.",
                      "Column '{column}': '{value}' must be a whole number."),
    "invalid-choice": _c("row", "Cột '{column}': '{value}' không thuộc các giá trị cho phép ({detail}).",
                         "Column '{column}': '{value}' is not one of the allowed values ({detail})."),
    "invalid-format": _c("row", "Cột '{column}': '{value}' sai định dạng.",
                         "Column '{column}': '{value}' is not in the expected format."),
    "numerator-exceeds-denominator": _c("row", "Tử số ({value}) lớn hơn mẫu số ({detail}).",
                                        "Numerator ({value}) exceeds denominator ({detail})."),
    "ratio-inconsistent": _c("row", "Giá trị {value} không khớp với tử số/mẫu số ({detail}).",
                             "Value {value} does not match numerator/denominator ({detail})."),
    "task-not-assigned": _c("row", "Nhiệm vụ '{value}' không do đơn vị {detail} chủ trì.",
                            "Task '{value}' is not led by unit {detail}."),
    "duplicate-row": _c("row", "Dòng trùng với dòng {detail}.", "Row duplicates row {detail}."),
    "ambiguous-number": _c("row", "Cột '{column}': '{value}' có thể hiểu là {detail}; hãy viết số không có dấu "
                           "phân cách hàng nghìn.", "Column '{column}': '{value}' reads as {detail}; write the "
                           "number without a thousands separator."),
    "not-finite": _c("row", "Cột '{column}': '{value}' không phải là một số hữu hạn.",
                     "Column '{column}': '{value}' is not a finite number."),
    "ambiguous-unit": _c("row", "Mã đơn vị '{value}' thiếu các số 0 ở đầu (ô dạng số, hoặc tệp lưu từ ô dạng số) "
                         "và có thể là {detail}; hãy nhập mã dưới dạng văn bản.", "Unit code '{value}' lacks its "
                         "leading zeros (a number cell, or a file saved from one) and could be {detail}; type the "
                         "code as text."),
    "extra-fields": _c("row", "Dòng có nhiều ô hơn dòng tiêu đề (thừa: {value}); có thể một dấu phẩy thập phân "
                       "không nằm trong ngoặc kép đã tách đôi một số.", "The row has more fields than the header "
                       "(extra: {value}); an unquoted decimal comma may have split a number in two."),
    "indicator-not-due": _c("row", "Chỉ tiêu '{value}' báo cáo {detail}; kỳ này chưa đến hạn báo cáo chỉ tiêu.",
                            "Indicator '{value}' is reported {detail}; it is not due in this period's report."),
    "unknown-category": _c("row", "Phân tổ '{value}' không có trong danh mục của chỉ tiêu ({detail}).",
                           "Category '{value}' is not one of the indicator's ({detail})."),
    "disaggregation-mismatch": _c("row", "Tổng số ({value}) khác tổng các nhóm ({detail}); tổng số không được "
                                  "nhận, các nhóm được giữ.", "The total ({value}) differs from the sum of its "
                                  "categories ({detail}); the total is refused, the categories are kept."),
    # warnings: never block
    "total-without-parts": _c("warning", "Có tổng số nhưng thiếu các nhóm {detail}; tổng số được dùng.",
                              "A total without its categories {detail}; the total is used."),
    "parts-without-total": _c("warning", "Có các nhóm nhưng không có tổng số: {detail}.",
                              "Categories without their total: {detail}."),
    "late-submission": _c("warning", "Báo cáo gửi muộn: hạn {detail}.", "Late submission: deadline {detail}."),
    "outlier": _c("warning", "Giá trị {value} bất thường so với {detail}.",
                  "Value {value} is unusual compared with {detail}."),
    "cumulative-decrease": _c("warning", "Giá trị lũy kế {value} giảm so với kỳ trước ({detail}).",
                              "Cumulative value {value} fell below the previous period ({detail})."),
    "superseded": _c("warning", "Thay thế số liệu đã gửi trước: {detail}.",
                     "Replaces values sent earlier: {detail}."),
    "ignored-column": _c("warning", "Cột '{column}' có dữ liệu nhưng không thuộc mẫu báo cáo nên không được "
                         "dùng.", "Column '{column}' has data but is not part of the format, so it is not used."),
    "rollup-mismatch": _c("warning", "Số liệu đơn vị báo cáo ({value}) khác tổng hợp từ cấp dưới ({detail}).",
                          "The unit's own figure ({value}) differs from its children's rollup ({detail})."),
    "longer-period": _c("warning", "Số liệu kỳ {value} dài hơn tần suất báo cáo của chỉ tiêu ({detail}): được "
                        "dùng làm số liệu của cả kỳ {value}.", "A figure for {value}, a longer period than the "
                        "indicator's frequency ({detail}): used as the figure of the whole period {value}."),
    "period-total-mismatch": _c("warning", "Số liệu cả kỳ ({value}) khác tổng hợp từ các kỳ trong đó ({detail} kỳ).",
                                "The figure for the whole period ({value}) differs from what its periods add up "
                                "to ({detail} periods)."),
    "baseline-value": _c("warning", "Số liệu năm cơ sở {value}: dùng làm giá trị cơ sở, không tính vào kết quả "
                         "nhiệm kỳ.", "A figure for the baseline year {value}: used as the baseline, not as a result "
                         "of the term."),
    "file-skipped": _c("warning", "Bỏ qua, không đọc: {detail}.", "Skipped, not read: {detail}."),
    "trailing-bytes": _c("warning", "Bỏ qua {detail} ở cuối tệp.", "Ignored {detail} at the end of the file."),
    "sheet-skipped": _c("warning", "Trang tính '{value}' đang ẩn nên không được đọc ({detail}).",
                        "Sheet '{value}' is hidden and was not read ({detail})."),
    "percent-cell": _c("warning", "Ô định dạng phần trăm: {value} được đọc là {detail}, như ô hiển thị.",
                       "A cell formatted as a percentage: {value} is read as {detail}, as the cell shows it."),
    "scale-mismatch": _c("warning", "Giá trị {value} của chỉ tiêu tính theo % (0-100) có thể là tỷ lệ 0-1: "
                         "{detail}", "Value {value} of an indicator in percent (0-100) may be a 0-1 fraction: "
                         "{detail}"),
    "unit-code-padded": _c("warning", "Mã đơn vị '{value}' thiếu các số 0 ở đầu: được đọc là {detail}, đơn vị duy "
                           "nhất có mã này.", "Unit code '{value}' lacks its leading zeros: read as {detail}, the "
                           "one unit it can be."),
    "unit-name-mismatch": _c("warning", "Tên đơn vị '{value}' khác tên trong danh mục của mã {detail}.",
                             "Unit name '{value}' differs from the catalog's name for {detail}."),
    "period-locked": _c("warning", "Kỳ {value} đã khóa sổ từ ngày {detail}: tệp được lưu nhưng số liệu chưa "
                        "được áp dụng, chờ quyết định cho phép ngoại lệ của Thành phố.", "Period {value} was "
                        "locked on {detail}: the file is kept but its figures are not applied until the city "
                        "records a lock exception."),
    "hidden-row": _c("warning", "Dòng đang bị ẩn; số liệu của dòng vẫn được đọc.",
                     "The row is hidden; its values were read all the same."),
    # catalog problems: a broken catalog stops the run
    "unexpected-column": _c("catalog", "Cột '{column}' không có trong khai báo bảng.",
                            "Column '{column}' is not declared for this table."),
    "duplicate-key": _c("catalog", "Khóa {value} bị trùng.", "Key {value} is duplicated."),
    "broken-reference": _c("catalog", "'{value}' không có trong bảng {detail}.",
                           "'{value}' does not exist in table {detail}."),
    "invalid-record": _c("catalog", "Bản ghi không hợp lệ: {detail}.", "Invalid record: {detail}."),
}


@dataclass(frozen=True)
class Issue:
    """One problem, at one position, with the value that caused it.

    `detail` completes the message: plain text used in both languages, or a
    (Vietnamese, English) pair.
    """

    code: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    detail: str | tuple[str, str] = ""
    sha256: str | None = None
    unit_code: str | None = None
    period: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise KeyError(f"unknown issue code {self.code!r}")

    @property
    def severity(self) -> str:
        """Return the severity that the code implies."""
        return CODES[self.code].severity

    def message(self, lang: str = "vi") -> str:
        """Return the message in Vietnamese ('vi') or English ('en'), with what came from the file printable."""
        spec = CODES[self.code]
        template = spec.message_vi if lang == "vi" else spec.message_en
        detail = self.detail if isinstance(self.detail, str) else self.detail[lang != "vi"]
        return template.format(column=printable(self.column or ""), value=printable(self.value or ""),
                               detail=printable(detail))

    def where(self) -> str:
        """Return 'file:sheet:row:column' with the parts that are known."""
        parts = [self.file, self.sheet, None if self.row is None else str(self.row), self.column]
        return ":".join(p for p in parts if p)


# C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a terminal shows.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    r"""Return text with control characters written as escapes.

    >>> printable("Ghi chú\n\x1b[31mđỏ")
    'Ghi chú\\n\\x1b[31mđỏ'
    """
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def issues_frame(issues: Iterable[Issue]) -> pl.DataFrame:
    """Return issues as a DataFrame with the columns of the `issues` table."""
    rows = [
        {
            "code": i.code, "severity": i.severity, "file": i.file, "sheet": i.sheet, "row": i.row,
            "column": i.column, "value": i.value, "message_vi": i.message("vi"),
            "message_en": i.message("en"), "sha256": i.sha256, "unit_code": i.unit_code,
            "period": i.period,
        }
        for i in issues
    ]
    return pl.DataFrame(rows, schema=polars_schema("issues"), orient="row")

