"""The method: docs/METHOD.md split into sections, in Vietnamese or English, and the method sheet.

METHOD.md states every aggregation and comparison rule in both languages.
Each section starts with a `## <key>` heading (a stable English key); inside
it, a `### English: <title>` block and a `### Tiếng Việt: <title>` block
hold the same content. Text before the first section is the preface.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hanoi_ctr.declare.vocabulary import STATUSES
from hanoi_ctr.errors import ConfigError
from hanoi_ctr.report.inputs import ReportInputs
from hanoi_ctr.report.markdown import Block, blocks
from hanoi_ctr.report.styles import WRAP, escape_header, status_style
from hanoi_ctr.workbook.sheetspec import HEADER_FILL, Merge, Sheet, SheetBuilder, Style, merge_styles, style

#: Sub-heading that opens each language's block.
LANGUAGES = {"en": "English", "vi": "Tiếng Việt"}


@dataclass(frozen=True)
class Section:
    """One language's block of one section."""

    key: str
    lang: str
    title: str
    body: str


def method_text() -> str:
    """Return METHOD.md: the copy installed with the package, else the checkout's docs/METHOD.md."""
    installed = resources.files("hanoi_ctr") / "_docs" / "METHOD.md"
    if installed.is_file():
        return installed.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / "docs" / "METHOD.md"
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    raise ConfigError("docs/METHOD.md is missing: reinstall hanoi-ctr or restore the file in the checkout")


def parse(text: str) -> list[Section]:
    """Return every language block of every section, in document order.

    >>> text = "# M\\n## a\\n### English: A\\nx\\n### Tiếng Việt: Á\\ny\\n"
    >>> [(s.key, s.lang, s.title, s.body) for s in parse(text)]
    [('a', 'en', 'A', 'x'), ('a', 'vi', 'Á', 'y')]
    """
    by_name = {name: code for code, name in LANGUAGES.items()}
    sections: list[Section] = []
    key = lang = title = None
    lines: list[str] = []

    def close() -> None:
        if key is not None and lang is not None:
            sections.append(Section(key, lang, title or "", "\n".join(lines).strip()))

    for line in text.splitlines():
        if line.startswith("## "):
            close()
            key, lang, title, lines = line[3:].strip(), None, None, []
        elif line.startswith("### ") and key is not None:
            close()
            name, _, heading = line[4:].partition(":")
            if name.strip() not in by_name:
                raise ValueError(f"METHOD.md section {key!r}: unknown language block {name.strip()!r}")
            lang, title, lines = by_name[name.strip()], heading.strip(), []
        elif lang is not None:
            lines.append(line)
    close()
    return sections


def method_sections(lang: str = "vi") -> list[tuple[str, str]]:
    """Return (title, Markdown body) of every method section in one language ('vi' or 'en')."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return [(s.title, s.body) for s in parse(method_text()) if s.lang == lang]


def method_sheet(inputs: ReportInputs, text: dict) -> Sheet:
    """Return the method sheet: thresholds, what each status means, versions, then every rule of METHOD.md.

    The Markdown is laid out as cells: headings in bold, paragraphs and list
    items wrapped over the sheet's width (rows tall enough to show them),
    tables as bordered cells.
    """
    settings = inputs.settings
    b = SheetBuilder(text["sheets"]["method"])
    for col, width in enumerate(_WIDTHS):
        b.width(col, width)
    b.line(text["sheets"]["method"], style(bold=True, font_size=14))
    b.row += 1
    b.line(text["thresholds"], _H2)
    for rule in (text["on_track_rule"].format(settings.on_track), text["at_risk_rule"].format(settings.at_risk),
                 text["coverage_rule"].format(settings.complete_coverage),
                 text["tolerance_rule"].format(settings.rollup_tolerance)):
        _wrapped(b, f"• {rule}", style(text_wrap=True, valign="top", indent=1))
    b.row += 1
    b.line(text["reason"], _H2)
    for status in STATUSES:
        reason = text["reasons"][status].format(on=settings.on_track, risk=settings.at_risk)
        b.put(b.row, 0, text["status"][status], status_style(status, WRAP))
        b.merges.append(Merge(b.row, 1, b.row, len(_WIDTHS) - 1, reason, WRAP))
        b.fit(b.row, reason, sum(_WIDTHS[1:]))
        b.row += 1
    b.row += 1
    b.line(f"{text['catalog']}: {inputs.catalog.version}")
    b.line(f"{text['software']}: hanoi_ctr {inputs.software_version}", skip=2)
    for title, body in method_sections(text["lang"]):
        b.line(title, _H2)
        for block in blocks(body):
            _block(b, block)
        b.row += 1
    b.options.update(landscape=False, print_area=(0, 0, b.row, len(_WIDTHS) - 1),
                     header=f"&L{escape_header(b.name)}&R{escape_header(str(inputs.results.period))}",
                     footer=text["page"])
    return b.build()


#: Column widths of the method sheet: a table's first column, then the rest of the page.
_WIDTHS = (24.0, 38.0, 38.0)
_H2 = style(bold=True, font_size=12, font_color="#1F4E78")
_H3 = style(bold=True, font_size=11)
_BODY = style(text_wrap=True, valign="top")
_CODE = style(text_wrap=True, valign="top", font_name="Courier New", font_size=9, bg_color="#F2F2F2")


def _wrapped(b: SheetBuilder, value: str, cell_style: Style, first: int = 0) -> None:
    """Write text merged from column `first` to the last, its row tall enough to show it."""
    last = len(_WIDTHS) - 1
    if first == last:
        b.put(b.row, first, value, cell_style)
    else:
        b.merges.append(Merge(b.row, first, b.row, last, value, cell_style))
    b.fit(b.row, value, sum(_WIDTHS[first:]))
    b.row += 1


def _block(b: SheetBuilder, block: Block) -> None:
    if block.kind == "heading":
        b.line(block.text, _H3 if block.level >= 3 else _H2)
    elif block.kind == "paragraph":
        _wrapped(b, block.text, _BODY)
    elif block.kind in ("bullet", "numbered"):
        _wrapped(b, f"{block.label} {block.text}", merge_styles(_BODY, style(indent=1 + block.level)))
    elif block.kind == "code":
        _wrapped(b, block.text, _CODE)
    elif block.kind == "table":
        _table(b, block.rows)


def _table(b: SheetBuilder, rows: tuple[tuple[str, ...], ...]) -> None:
    """Write a Markdown table: up to three columns, the last one spanning what is left of the page."""
    n = min(len(rows[0]), len(_WIDTHS))
    for r, cells in enumerate(rows):
        cell_style = merge_styles(WRAP, style(bold=True, bg_color=HEADER_FILL)) if r == 0 else WRAP
        merged = list(cells[: n - 1]) + [" · ".join(c for c in cells[n - 1:] if c)]
        for c, value in enumerate(merged):
            width = _WIDTHS[c] if c < n - 1 else sum(_WIDTHS[c:])
            if c < n - 1 or c == len(_WIDTHS) - 1:
                b.put(b.row, c, value, cell_style)
            else:
                b.merges.append(Merge(b.row, c, b.row, len(_WIDTHS) - 1, value, cell_style))
            b.fit(b.row, value, width)
        b.row += 1
    b.row += 1
