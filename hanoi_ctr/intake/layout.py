"""The layout of a submission template: what the writer puts where and the reader looks for.

A template workbook has an instruction sheet, an indicator sheet, a task
sheet (for units that lead tasks) and a very hidden metadata sheet. On the
indicator and task sheets, row `MACHINE_HEADER_ROW` (hidden) holds the
machine column names, the next row the Vietnamese labels, and data starts
on `FIRST_DATA_ROW`. Row numbers here are 1-based, as the user sees them.

The metadata sheet holds key/value pairs, with a digest over them so that
an edited unit, period or code list is detected as `template-mismatch`.
A template is named `<period>_<unit>.xlsx`, a revision `…_v2`; `named_in`
reads what such a name declares.

A feedback copy of a file (`intake.feedback`) starts with a sheet listing
its issues, whose first cell begins with one of `FEEDBACK_TITLES`; the
reader leaves that sheet out.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Mapping

from hanoi_ctr.declare.fields import UNIT_CODE_PATTERN
from hanoi_ctr.periods import PeriodError, parse_period

TEMPLATE_VERSION = "1"

INSTRUCTION_SHEET = "Hướng dẫn"
INDICATOR_SHEET = "Chỉ tiêu"
TASK_SHEET = "Nhiệm vụ"
META_SHEET = "_meta"

TITLE_ROW = 1
UNIT_ROW = 2
#: Row with the two header inputs: who reported, and the date they sent it.
REPORTER_ROW = 3
REPORTED_BY_COLUMN = 2  # B3 (label in A3)
SUBMITTED_ON_COLUMN = 5  # E3 (label in D3), a date typed as dd/mm/yyyy or a date cell
MACHINE_HEADER_ROW = 4
LABEL_ROW = 5
FIRST_DATA_ROW = 6

#: Columns of the indicator sheet, in order (A, B, …); machine names in the hidden header row.
INDICATOR_COLUMNS = (
    "indicator_code", "name_vi", "unit_label", "baseline", "target", "value", "numerator", "denominator",
    "note",
)
INDICATOR_INPUTS = ("value", "numerator", "denominator", "note")
#: The column after the last one, on the templates of units that report an indicator by category: the
#: category of the row (its label, locked), `Tổng số` for the total. Templates without such an indicator
#: have no such column, and read as totals. A category's row left empty is not read (the total stands alone).
CATEGORY_COLUMN = "category"
#: What the category cell of a disaggregated indicator's total row says.
TOTAL_LABEL = "Tổng số"

#: Columns of the task sheet, in order.
TASK_COLUMNS = ("task_code", "title_vi", "due_period", "status", "completed_on", "note")
TASK_INPUTS = ("status", "completed_on", "note")

#: The feedback copy's first sheet, by language, and the words its first cell (A1) begins with.
FEEDBACK_SHEETS = {"vi": "Góp ý", "en": "Feedback"}
FEEDBACK_TITLES = {"vi": "Góp ý về tệp", "en": "Feedback on the file"}

META_KEYS = ("template_version", "unit_code", "period", "catalog_version", "indicator_codes", "task_codes")


def meta_digest(meta: Mapping[str, str]) -> str:
    """Return the digest over the metadata values (codes joined by ';').

    >>> meta_digest({k: "" for k in META_KEYS})
    'de2d1aa0509a80c5'
    """
    text = "\x1f".join(str(meta.get(key, "")) for key in META_KEYS)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def is_feedback_sheet(first_cell: str) -> bool:
    """Tell whether a sheet whose first cell holds this text is the issue list of a feedback copy.

    >>> is_feedback_sheet("Góp ý về tệp 2024-Q3_003.csv"), is_feedback_sheet("Báo cáo quý III")
    (True, False)
    """
    return any(first_cell.startswith(title) for title in FEEDBACK_TITLES.values())


def named_in(file_name: str) -> dict[str, str]:
    """Return what a file name in the template naming `<period>_<unit>[_v<n>].<ext>` declares.

    >>> named_in("2024-Q2_003_v10.xlsx"), named_in("bao-cao.xlsx")
    ({'period': '2024-Q2', 'unit': '003', 'version': '10'}, {})
    """
    pieces = Path(file_name).stem.split("_")
    try:
        out = {"period": str(parse_period(pieces[0]))}
    except PeriodError:
        return {}
    if len(pieces) > 1 and re.fullmatch(UNIT_CODE_PATTERN, pieces[1]):
        out["unit"] = pieces[1]
    version = re.fullmatch(r"v(\d+)", pieces[-1]) if len(pieces) > 2 else None
    if version:
        out["version"] = version.group(1)
    return out
