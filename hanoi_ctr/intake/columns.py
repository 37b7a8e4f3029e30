"""Map a long table's header to the declared columns, never letting one column silently win over another.

A header cell names a column by its machine name (`value`), its Vietnamese
label (`Giá trị`) or a common variant (`Giá trị thực hiện`, `Đơn vị`),
in any case and spacing. Two header cells naming the same column are a
`duplicate-column` (which one is meant cannot be known), except where a
variant is the name beside a code: `Đơn vị` next to `Mã đơn vị` holds the
unit's name (read as `unit_name` and checked against the catalog), `Chỉ
tiêu` next to `Mã chỉ tiêu` and `Nhiệm vụ` next to `Mã nhiệm vụ` hold
titles (not read, and reported as `ignored-column` when they have data).
"""

from __future__ import annotations

from dataclasses import dataclass

from hanoi_ctr.declare.fields import FIELDS
from hanoi_ctr.intake.normalize import fold

#: Columns of a raw indicator frame and a raw task frame (all text).
INDICATOR_RAW = ("unit_code", "unit_name", "period", "indicator_code", "category", "value", "numerator",
                 "denominator", "note", "submitted_at", "reported_by")
TASK_RAW = ("unit_code", "unit_name", "period", "task_code", "status", "completed_on", "note", "submitted_at",
            "reported_by")
INDICATOR_REQUIRED = ("unit_code", "period", "indicator_code", "value")
TASK_REQUIRED = ("unit_code", "period", "task_code", "status")

_DECLARED = (set(INDICATOR_RAW) | set(TASK_RAW)) - {"unit_name"}
#: Header text → column: machine names and the Vietnamese labels of the declared fields.
EXACT = {fold(name): name for name in _DECLARED} | {fold(FIELDS[name].label_vi): name for name in _DECLARED}
EXACT |= {fold("unit_name"): "unit_name", fold("Tên đơn vị"): "unit_name"}
#: Variants offices write for a column's header.
VARIANTS = {fold(k): v for k, v in {
    "Đơn vị": "unit_code", "Kỳ": "period", "Chỉ tiêu": "indicator_code", "Giá trị thực hiện": "value",
    "Nhiệm vụ": "task_code", "Ngày gửi": "submitted_at", "Tình trạng thực hiện": "status",
    "Nhóm": "category", "Phân tổ theo": "category",
}.items()}
#: A variant beside the exact column it names is this column instead (None: a title, not read).
_NAME_BESIDE_CODE = {"unit_code": "unit_name", "indicator_code": None, "task_code": None}


def known(label: str) -> bool:
    """Tell whether a header cell names a column."""
    return fold(label) in EXACT or fold(label) in VARIANTS


@dataclass(frozen=True)
class Header:
    """What a header row names: each column's position, and the columns named more than once."""

    positions: dict[str, int]
    duplicates: dict[str, tuple[int, ...]]

    def name_at(self, position: int) -> str | None:
        """Return the column at a position (None where the header names nothing read)."""
        return next((name for name, p in self.positions.items() if p == position), None)


def read_header(labels: list[str]) -> Header:
    """Return the columns a header row names, with those named twice."""
    exact: dict[str, list[int]] = {}
    variants: dict[str, list[int]] = {}
    for position, label in enumerate(labels):
        key = fold(label)
        if key in EXACT:
            exact.setdefault(EXACT[key], []).append(position)
        elif key in VARIANTS:
            variants.setdefault(VARIANTS[key], []).append(position)
    named: dict[str, list[int]] = {name: list(p) for name, p in exact.items()}
    for name, positions in variants.items():
        if name in exact and name in _NAME_BESIDE_CODE:
            instead = _NAME_BESIDE_CODE[name]
            if instead is not None:
                named.setdefault(instead, []).extend(positions)
        else:
            named.setdefault(name, []).extend(positions)
    return Header({name: p[0] for name, p in named.items() if len(p) == 1},
                  {name: tuple(p) for name, p in named.items() if len(p) > 1})
