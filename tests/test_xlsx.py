"""The workbook renderer: safe text, real numbers, cached formats, same spec → same bytes."""

from __future__ import annotations

import warnings
from datetime import date, datetime

import openpyxl
import pytest
from openpyxl.utils.protection import hash_password

from hanoi_ctr.workbook.render import render
from hanoi_ctr.workbook.sheetspec import (
    Cell,
    Chart,
    Conditional,
    Protection,
    Sheet,
    SheetBuilder,
    Sparkline,
    Validation,
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


def _form(message: str = "Chọn một giá trị.") -> WorkbookSpec:
    """Return a form like a template: validated inputs, a protected sheet, a hidden and a very hidden one."""
    b = SheetBuilder("Nhập", options={"landscape": False, "fit_width": False, "paper": None})
    b.put(0, 0, "Mã", style(bold=True))
    b.put(0, 1, None, style(locked=False, border=1))
    b.validate(0, 1, {"validate": "list", "source": ["Có", "Không"], "input_title": "Đạt?",
                      "input_message": message, "error_type": "information",
                      "error_message": "Chọn Có/Không."})
    b.validations.append(Validation(1, 1, 3, 1, options(validate="decimal", criteria=">=", value=0)))
    b.put(1, 0, "machine_name")
    b.height(1, 30)
    b.hide_row(1)
    b.hide_row(2)
    b.options["protection"] = Protection("secret", options(format_columns=True, format_rows=True))
    sheets = (b.build(), Sheet("Tóm tắt", (Cell(0, 0, "Tổng"),)),
              Sheet("Ẩn", (Cell(0, 0, "x"),), state="hidden"),
              Sheet("_meta", (Cell(0, 0, "digest"),), protection=Protection(), state="very_hidden"))
    return WorkbookSpec(sheets, options(created=datetime(2024, 1, 1)), active="Tóm tắt")


def test_protection_validations_hidden_rows_and_sheets_read_back(tmp_path):
    wb = openpyxl.load_workbook(render(_form(), tmp_path / "form.xlsx"))
    ws = wb["Nhập"]
    assert ws.protection.sheet and ws.protection.password == hash_password("secret")
    assert not ws.protection.formatColumns and not ws.protection.formatRows and ws.protection.formatCells
    assert ws["A1"].protection.locked and not ws["B1"].protection.locked
    [choice, number] = sorted(ws.data_validations.dataValidation, key=lambda dv: str(dv.sqref))
    assert (str(choice.sqref), choice.type, choice.formula1) == ("B1", "list", '"Có,Không"')
    assert (choice.promptTitle, choice.prompt, choice.errorStyle) == (
        "Đạt?", "Chọn một giá trị.", "information")
    assert (str(number.sqref), number.type, number.operator, number.formula1) == (
        "B2:B4", "decimal", "greaterThanOrEqual", "0")
    assert ws.row_dimensions[2].hidden and ws.row_dimensions[2].ht == 30 and ws.row_dimensions[3].hidden
    assert not ws.row_dimensions[1].hidden
    assert ws.page_setup.orientation is None and ws.page_setup.paperSize is None
    assert [wb[n].sheet_state for n in wb.sheetnames] == ["visible", "visible", "hidden", "veryHidden"]
    assert wb["_meta"].protection.sheet and wb["_meta"].protection.password is None
    assert wb.active.title == "Tóm tắt"
    assert wb["Tóm tắt"].page_setup.paperSize == 9 and wb["Tóm tắt"].page_setup.orientation == "landscape"


def test_the_same_form_gives_the_same_bytes(tmp_path):
    first, second = render(_form(), tmp_path / "a.xlsx"), render(_form(), tmp_path / "b.xlsx")
    assert first.read_bytes() == second.read_bytes()


def test_a_validation_xlsxwriter_refuses_fails_the_render_and_writes_nothing(tmp_path):
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match=r"'Nhập'!\$B\$1"):
        render(_form(message="x" * 256), tmp_path / "form.xlsx")  # Excel allows 255 characters
    assert list(tmp_path.iterdir()) == []


def test_sheet_states_and_the_active_sheet_are_checked():
    with pytest.raises(ValueError):
        Sheet("a", state="gone")
    with pytest.raises(ValueError):
        WorkbookSpec((Sheet("a"), Sheet("b", state="very_hidden")), active="b")
