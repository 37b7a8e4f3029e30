"""The method: docs/METHOD.md split into sections, in Vietnamese or English.

METHOD.md states every aggregation and comparison rule in both languages.
Each section starts with a `## <key>` heading (a stable English key); inside
it, a `### English: <title>` block and a `### Tiếng Việt: <title>` block
hold the same content. Text before the first section is the preface.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hanoi_ctr.errors import ConfigError

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
