"""The closed lists of values the contract names, each value with its labels in both languages.

A `Vocabulary` is the enum of a declared field (`fields` takes its values)
and the one place a value's Vietnamese and English label lives: reports,
templates, messages and readers all ask here. Synonyms are what offices type
for a value besides its label (`hoàn thành` for `completed`); readers match
labels and synonyms alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator


@dataclass(frozen=True)
class Term:
    """One value of a vocabulary: its code, labels and the other spellings read as it."""

    value: str
    vi: str
    en: str
    synonyms: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        """Return the label in 'vi' or 'en'."""
        return self.vi if lang == "vi" else self.en


@dataclass(frozen=True)
class Vocabulary:
    """An ordered, closed list of values with their labels."""

    name: str
    terms: tuple[Term, ...]

    @property
    def values(self) -> tuple[str, ...]:
        """Return the values in order (the field's enum)."""
        return tuple(t.value for t in self.terms)

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.terms)

    def term(self, value: str) -> Term:
        """Return the term of a value."""
        for t in self.terms:
            if t.value == value:
                return t
        raise KeyError(f"{value!r} is not one of {self.name}: {', '.join(self.values)}")

    def label(self, value: str | None, lang: str = "vi", default: str = "") -> str:
        """Return a value's label in 'vi' or 'en' (`default` for None).

        >>> STATUSES.label("at_risk"), STATUSES.label("at_risk", "en")
        ('Có nguy cơ chậm', 'At risk')
        """
        return default if value is None else self.term(value).label(lang)

    def labels(self, lang: str = "vi") -> dict[str, str]:
        """Return {value: label} in one language."""
        return {t.value: t.label(lang) for t in self.terms}

    def readings(self) -> dict[str, str]:
        """Return every spelling read as a value (value, both labels, synonyms) → value."""
        out: dict[str, str] = {}
        for t in self.terms:
            for spelling in (t.value, t.vi, t.en, *t.synonyms):
                out.setdefault(spelling, t.value)
        return out


def _v(name: str, *terms: tuple[str, ...]) -> Vocabulary:
    return Vocabulary(name, tuple(Term(t[0], t[1], t[2], tuple(t[3:])) for t in terms))


STATUSES = _v(
    "result status",
    ("achieved", "Đạt", "Achieved"),
    ("on_track", "Đúng tiến độ", "On track"),
    ("at_risk", "Có nguy cơ chậm", "At risk"),
    ("off_track", "Chậm tiến độ", "Off track"),
    ("no_data", "Chưa có số liệu", "No data"),
    ("no_target", "Không có mục tiêu", "No target"),
    ("incomplete", "Chưa đủ số liệu", "Incomplete"),
)
TASK_STATUSES = _v(
    "task status",
    ("not_started", "Chưa thực hiện", "Not started", "chưa triển khai"),
    ("in_progress", "Đang thực hiện", "In progress", "đang triển khai"),
    ("completed", "Đã hoàn thành", "Completed", "hoàn thành"),
    ("cancelled", "Dừng thực hiện", "Cancelled", "dừng", "hủy"),
)
#: Answers of a yes/no indicator; the value recorded is 1 (met) or 0.
YES_NO = _v(
    "yes/no answer",
    ("1", "Đạt", "Met", "có", "yes", "true", "đạt yêu cầu"),
    ("0", "Không đạt", "Not met", "không", "no", "false", "chưa đạt"),
)
LEVELS = _v(
    "unit level",
    ("city", "Thành phố", "City"),
    ("district", "Cấp huyện", "District"),
    ("ward", "Cấp xã", "Ward/commune"),
    ("agency", "Cơ quan", "Agency"),
)
UNIT_KINDS = _v(
    "unit kind",
    ("thanh_pho", "Thành phố", "City"),
    ("quan", "Quận", "Urban district"),
    ("huyen", "Huyện", "Rural district"),
    ("thi_xa", "Thị xã", "Town"),
    ("phuong", "Phường", "Ward"),
    ("xa", "Xã", "Commune"),
    ("thi_tran", "Thị trấn", "Township"),
    ("agency", "Cơ quan", "Agency"),
)
SEVERITIES = _v("severity", ("error", "Lỗi", "Error"), ("warning", "Cảnh báo", "Warning"))
OUTCOMES = _v(
    "file outcome",
    ("accepted", "Đã tiếp nhận", "Accepted"),
    ("partial", "Tiếp nhận một phần", "Partly accepted"),
    ("rejected", "Bị từ chối", "Rejected"),
    ("duplicate", "Trùng tệp đã gửi", "Duplicate"),
    ("held", "Tạm giữ (kỳ đã khóa sổ)", "Held (period locked)"),
)
#: Where a unit's report for a period stands in the review, level by level (docs/REVIEW.md).
REVIEW_STATES = _v(
    "review state",
    ("received", "Đã nhận, chưa áp dụng", "Received, not applied"),
    ("checked", "Đã kiểm tra, chờ duyệt", "Checked, awaiting review"),
    ("returned", "Trả lại để sửa", "Returned for revision"),
    ("accepted", "Cấp trên đã chấp nhận", "Accepted by the reviewing unit"),
    ("approved", "Thành phố đã phê duyệt", "Approved by the city"),
)
TITLE_STATUSES = _v(
    "title status",
    ("confirmed", "Đã xác minh", "Confirmed"),
    ("short_form_only", "Chỉ có tên rút gọn", "Short form only"),
    ("unknown", "Chưa rõ tên", "Not recorded"),
)
