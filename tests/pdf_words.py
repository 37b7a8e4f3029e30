"""Read a PDF's words with their positions (poppler's `pdftotext -bbox`) and find a cell's text in them.

A spreadsheet cell printed to PDF shows its text as lines starting at the
same left edge, one under the other. `shows` follows a text's words from
its first one: to the right on the same line, else at the start of the next
line at the same left edge (a line may break after a hyphen). When a row is too short for its wrapped text,
the last lines are cut off and the text is not found: that is what the
render tests look for.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


@dataclass(frozen=True)
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def words(pdf: Path) -> list[Word]:
    """Return every word of the PDF with its page and bounding box."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for page, body in enumerate(_PAGE.findall(out), start=1):
        for x0, y0, x1, y1, text in _WORD.findall(body):
            found.append(Word(page, float(x0), float(y0), float(x1), float(y1), html.unescape(text)))
    return found


def shows(all_words: list[Word], text: str) -> bool:
    """Tell whether `text` is printed whole somewhere: its words in reading order within one cell."""
    wanted = text.split()
    if not wanted:
        return True
    by_page: dict[int, list[Word]] = {}
    for w in all_words:
        by_page.setdefault(w.page, []).append(w)
    for page_words in by_page.values():
        for start in (w for w in page_words if w.text == wanted[0]):
            if _follow(page_words, start, wanted[1:]):
                return True
    return False


def _follow(page: list[Word], start: Word, rest: list[str]) -> bool:
    left, height = start.x0, start.y1 - start.y0

    def step(current: Word, token: str) -> Word | None:
        same_line = [w for w in page if w.text == token and abs(w.y0 - current.y0) < height / 3
                     and 0 <= w.x0 - current.x1 < height * 1.5]
        next_line = [w for w in page if w.text == token and abs(w.x0 - left) < height / 2
                     and height / 2 < w.y0 - current.y0 < height * 2]
        candidates = same_line or next_line
        return min(candidates, key=lambda w: (w.y0, w.x0)) if candidates else None

    current: Word | None = start
    for token in rest:
        found = step(current, token)
        if found is None and "-" in token.strip("-"):  # a line may break after a hyphen
            head, _, tail = token.partition("-")
            found = step(current, head + "-")
            found = found and step(found, tail)
        if found is None:
            return False
        current = found
    return True
