"""Sparkline styles built once give the same workbook, byte for byte, as styles built for every sparkline."""

from __future__ import annotations

from datetime import datetime

import xlsxwriter.worksheet as xw

from hanoi_ctr.workbook import render
from hanoi_ctr.workbook.sheetspec import Cell, Sheet, Sparkline, WorkbookSpec, options


def _spec() -> WorkbookSpec:
    cells = tuple(Cell(r, c, float(r * c)) for r in range(40) for c in range(1, 6))
    lines = tuple(Sparkline(r, 0, r, 1, r, 5, options(type="line", markers=True, show_hidden=True, style=r % 36,
                                                         **({"series_color": "#C00000"} if r % 5 == 0 else {})))
                  for r in range(40))
    return WorkbookSpec((Sheet("S", cells, sparklines=lines),), options(created=datetime(2024, 1, 1)))


def test_kept_sparkline_styles_write_the_same_bytes(tmp_path, monkeypatch):
    render.render(_spec(), tmp_path / "kept.xlsx")
    assert getattr(xw._get_sparkline_style, "kept", False)
    original = xw._get_sparkline_style.__closure__[0].cell_contents  # the function it keeps the styles of
    assert not getattr(original, "kept", False)
    monkeypatch.setattr(xw, "_get_sparkline_style", original)
    monkeypatch.setattr(render, "_keep_sparkline_styles", lambda: None)
    render.render(_spec(), tmp_path / "built.xlsx")
    assert (tmp_path / "kept.xlsx").read_bytes() == (tmp_path / "built.xlsx").read_bytes()
