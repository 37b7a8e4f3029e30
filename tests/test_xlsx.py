"""The workbook renderer: safe text, real numbers, cached formats, same spec → same bytes."""

from __future__ import annotations

import warnings
from datetime import date, datetime

import openpyxl
import pytest

from hanoi_ctr.workbook.render import render
from hanoi_ctr.workbook.sheetspec import (
    Chart,
    Conditional,
    Sheet,
    SheetBuilder,
    Sparkline,
    WorkbookSpec,
    options,
    style,
)

PERCENT = style(num_format="0%")


def _spec(note: str = "=SUM(A1:A9)") -> WorkbookSpec:
    b = SheetBuilder("Dữ liệu")
    b.line("Báo cáo", style(bold=True), span=3)
    b.table(["Mã", "Tỷ lệ", "Ghi chú", "Ngày"],
            [["01.02", 0.905, note, date(2024, 10, 2)], ["01.03", float("nan"), "+84 912", None],
             ["01.04", float("inf"), "@user", datetime(2024, 10, 2, 8, 30)]],
            [None, PERCENT, None, style(num_format="dd/mm/yyyy")], style(bold=True))
    b.conditionals.append(Conditional(2, 1, 4, 1, options(type="cell", criteria=">=", value=0.9),
                                      style(bg_color="#C6EFCE")))
    b.sparklines.append(Sparkline(2, 4, 2, 1, 4, 1, options(type="line")))
    b.charts.append(Chart(6, 0, "bar", (options(name="Tỷ lệ", values=["Dữ liệu", 2, 1, 4, 1]),),
                          options(title={"name": "Tỷ lệ"})))
    b.options.update(freeze=(2, 1), autofilter=(1, 0, 4, 3), print_title_rows=(0, 1))
    return WorkbookSpec((b.build(),), options(title="Thử", created=datetime(2024, 1, 1)))


def test_text_from_users_is_never_a_formula_and_numbers_are_numbers(tmp_path):
    path = render(_spec(), tmp_path / "out.xlsx")
    with warnings.catch_warnings():  # openpyxl does not read sparklines; the renderer writes them
        warnings.simplefilter("ignore", UserWarning)
        ws = openpyxl.load_workbook(path)["Dữ liệu"]
    assert [(c.value, c.data_type) for c in ws[3]][:3] == [("01.02", "s"), (0.905, "n"), ("=SUM(A1:A9)", "s")]
    assert ws["C4"].data_type == "s" and ws["C5"].value == "@user"
    assert ws["B3"].number_format == "0%"
    assert ws["B4"].value is None and ws["B5"].value is None  # NaN and inf are empty, not errors
    assert ws["D3"].value == datetime(2024, 10, 2) and ws["D3"].number_format == "dd/mm/yyyy"
    assert ws.freeze_panes == "B3" and ws.auto_filter.ref == "A2:D5"
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:C1"]


def test_the_same_spec_gives_the_same_bytes(tmp_path):
    a, b = render(_spec(), tmp_path / "a.xlsx"), render(_spec(), tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    assert render(_spec("x"), tmp_path / "c.xlsx").read_bytes() != a.read_bytes()


def test_a_failed_render_leaves_the_previous_file(tmp_path, monkeypatch):
    path = render(_spec(), tmp_path / "out.xlsx")
    before = path.read_bytes()
    import hanoi_ctr.workbook.render as xlsx

    def explode(*args, **kwargs):
        raise RuntimeError("crash while writing")

    monkeypatch.setattr(xlsx, "_render_sheet", explode)
    with pytest.raises(RuntimeError):
        render(_spec("changed"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_invalid_sheet_names_are_refused():
    with pytest.raises(ValueError):
        Sheet("x" * 32)
    with pytest.raises(ValueError):
        Sheet("a/b")
