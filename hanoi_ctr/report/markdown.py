"""The small Markdown of docs/METHOD.md, read into blocks a sheet can lay out as formatted cells.

Blocks are headings, paragraphs, bullet and numbered items (with their
continuation lines), tables and code blocks. Inline marks (`**bold**`,
`*italic*`, backticks) are dropped from the text; what they marked stays.
A numbered item interrupts a paragraph only when it is item 1, as in
CommonMark, so a sentence wrapped before "10." stays one paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BULLET = re.compile(r"^(\s*)[-*+] +(.*)$")
_NUMBERED = re.compile(r"^(\s*)(\d{1,3})[.)] +(.*)$")
_HEADING = re.compile(r"^(#{1,6}) +(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_INLINE = (
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"\*\*(.+?)\*\*"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\(([^)]+)\)"), r"\1 (\2)"),
)


@dataclass(frozen=True)
class Block:
    """One block: `kind` is heading, paragraph, bullet, numbered, table or code.

    `text` is the block's plain text (a table's is empty); `level` is a
    heading's level or an item's depth (0 for the outermost list); `label`
    is an item's bullet or number ("•", "3."); `rows` are a table's rows,
    its header first.
    """

    kind: str
    text: str = ""
    level: int = 0
    label: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


def plain(text: str) -> str:
    """Return text without inline Markdown marks.

    >>> plain("**Due**: the `due_period` of a *sở*")
    'Due: the due_period of a sở'
    """
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text


def blocks(markdown: str) -> list[Block]:
    """Return the blocks of a Markdown text, in order.

    >>> [(b.kind, b.text) for b in blocks("# T\\n\\nA line\\nwrapped.\\n\\n- one\\n  more\\n- two")]
    [('heading', 'T'), ('paragraph', 'A line wrapped.'), ('bullet', 'one more'), ('bullet', 'two')]
    """
    out: list[Block] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.lstrip().startswith("```"):
            i = _code(lines, i, out)
        elif m := _HEADING.match(line):
            out.append(Block("heading", plain(m.group(2)), level=len(m.group(1))))
            i += 1
        elif line.lstrip().startswith("|"):
            i = _table(lines, i, out)
        elif _BULLET.match(line) or _NUMBERED.match(line):
            i = _item(lines, i, out)
        else:
            i = _paragraph(lines, i, out)
    return out


def _starts_block(line: str, after_text: bool) -> bool:
    """Tell whether a line opens a new block rather than continuing the one before."""
    if not line.strip() or line.lstrip().startswith(("```", "|")) or _HEADING.match(line) or _BULLET.match(line):
        return True
    numbered = _NUMBERED.match(line)
    return numbered is not None and (not after_text or numbered.group(2) == "1")


def _paragraph(lines: list[str], i: int, out: list[Block]) -> int:
    parts = [lines[i].strip()]
    i += 1
    while i < len(lines) and not _starts_block(lines[i], after_text=True):
        parts.append(lines[i].strip())
        i += 1
    out.append(Block("paragraph", plain(" ".join(parts))))
    return i


def _item(lines: list[str], i: int, out: list[Block]) -> int:
    bullet, numbered = _BULLET.match(lines[i]), _NUMBERED.match(lines[i])
    if bullet:
        indent, label, first = bullet.group(1), "•", bullet.group(2)
    else:
        assert numbered is not None
        indent, label, first = numbered.group(1), f"{numbered.group(2)}.", numbered.group(3)
    parts = [first.strip()]
    i += 1
    # Continuation lines are indented past the item's marker; a blank line or a new item ends it.
    while i < len(lines) and lines[i].strip() and not _BULLET.match(lines[i]) and not _NUMBERED.match(lines[i]) \
            and (lines[i].startswith(" ") or not _starts_block(lines[i], after_text=True)):
        parts.append(lines[i].strip())
        i += 1
    kind = "bullet" if bullet else "numbered"
    out.append(Block(kind, plain(" ".join(parts)), level=len(indent) // 2, label=label))
    return i


def _table(lines: list[str], i: int, out: list[Block]) -> int:
    rows: list[tuple[str, ...]] = []
    while i < len(lines) and lines[i].lstrip().startswith("|"):
        if not _RULE.match(lines[i]):
            cells = lines[i].strip().strip("|").split("|")
            rows.append(tuple(plain(c.strip()) for c in cells))
        i += 1
    width = max(len(r) for r in rows)
    out.append(Block("table", rows=tuple(r + ("",) * (width - len(r)) for r in rows)))
    return i


def _code(lines: list[str], i: int, out: list[Block]) -> int:
    body = []
    i += 1
    while i < len(lines) and not lines[i].lstrip().startswith("```"):
        body.append(lines[i])
        i += 1
    out.append(Block("code", "\n".join(body)))
    return i + 1
