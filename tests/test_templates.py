"""Templates: write real workbooks from the bundled catalog and read them back with openpyxl."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hanoi_ctr.declare.vocabulary import TASK_STATUSES, YES_NO
from hanoi_ctr.errors import ConfigError
from hanoi_ctr.intake import layout as L
from hanoi_ctr.intake.templates import Filled, make_templates, template_name, template_specs, write_template
from hanoi_ctr.periods import parse_period, window
from hanoi_ctr.workbook.display import number as number_vi


@pytest.fixture(scope="module")
def catalog(xvii):
    """These tests are about term XVII: the catalog as it sees it."""
    return xvii

Q3, Q4 = parse_period("2024-Q3"), parse_period("2024-Q4")
DISTRICT, WARD, AGENCY = "003", "00277", "TU-BTC"
COL = {name: i + 1 for i, name in enumerate(L.INDICATOR_COLUMNS)}  # 1-based, as openpyxl counts
TASK_COL = {name: i + 1 for i, name in enumerate(L.TASK_COLUMNS)}


@pytest.fixture(scope="module")
def q3(catalog, tmp_path_factory) -> dict[str, Path]:
    paths = make_templates(catalog, "2024-Q3", tmp_path_factory.mktemp("q3"), units=[WARD, AGENCY, DISTRICT])
    return {p.stem.split("_", 1)[1]: p for p in paths}


@pytest.fixture(scope="module")
def books(q3) -> dict[str, openpyxl.Workbook]:
    return {unit: openpyxl.load_workbook(path) for unit, path in q3.items()}


def _due_in_order(catalog, period, unit: str) -> list[str]:
    due = catalog.due(period).filter(pl.col("unit_code") == unit)
    return catalog.indicators.join(due, on="indicator_code", how="semi").sort("display_order")[
        "indicator_code"].to_list()


def _data_rows(ws) -> dict[str, int]:
    """Map each code in column A (from FIRST_DATA_ROW) to its (first) row."""
    rows = {}
    for row in range(L.FIRST_DATA_ROW, ws.max_row + 1):
        code = ws.cell(row, 1).value
        if code is None:
            break
        rows.setdefault(code, row)  # an indicator's first row: its total, above its categories' rows
    return rows


def _meta(wb) -> dict[str, str]:
    return {k: v or "" for k, v in wb[L.META_SHEET].iter_rows(values_only=True)}


def _validation(ws, coordinate: str):
    found = [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]
    assert len(found) == 1, f"{coordinate}: {found}"
    return found[0]


def _unit_with(catalog, period, **where: str) -> tuple[str, str]:
    """Return a (unit, indicator) due in the period whose indicator matches the columns given."""
    indicators = catalog.indicators.filter(*(pl.col(k) == v for k, v in where.items()))
    due = catalog.due(period).join(indicators, on="indicator_code", how="semi").sort("unit_code")
    assert due.height, f"no indicator with {where} is due in {period}"
    return due.row(0)


def test_files_are_named_from_codes_and_sorted(q3):
    paths = list(q3.values())
    assert paths == sorted(paths)
    for unit, path in q3.items():
        assert path.name == template_name(unit, Q3) == f"2024-Q3_{unit}.xlsx"
        assert path.is_file()


def test_template_name_refuses_what_is_not_a_unit_code():
    assert template_name("TU-BTC", "Quý III/2024") == "2024-Q3_TU-BTC.xlsx"
    for bad in ("../003", "003/x", "Quận Tây Hồ", ""):
        with pytest.raises(ValueError):
            template_name(bad, Q3)


def test_sheet_names_and_order(books):
    assert books[DISTRICT].sheetnames == [L.INSTRUCTION_SHEET, L.INDICATOR_SHEET, L.META_SHEET]
    assert books[WARD].sheetnames == [L.INSTRUCTION_SHEET, L.INDICATOR_SHEET, L.META_SHEET]
    assert books[AGENCY].sheetnames == [L.INSTRUCTION_SHEET, L.INDICATOR_SHEET, L.TASK_SHEET, L.META_SHEET]
    for wb in books.values():
        assert wb.active.title == L.INSTRUCTION_SHEET
        assert [ws.sheet_state for ws in wb][-1] == "veryHidden"
        assert all(ws.sheet_state == "visible" for ws in wb.worksheets[:-1])


def test_indicator_rows_are_the_due_indicators_in_display_order(catalog, books):
    for unit, wb in books.items():
        codes = list(_data_rows(wb[L.INDICATOR_SHEET]))
        assert codes == _due_in_order(catalog, Q3, unit)
        ws = wb[L.INDICATOR_SHEET]
        every_row = [ws.cell(r, 1).value for r in range(L.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value]
        assert _meta(wb)["indicator_codes"] == ";".join(every_row)  # a category's row too
    assert _data_rows(books[DISTRICT][L.INDICATOR_SHEET]), "the district has indicators due"


def test_meta_sheet_holds_the_contract_and_its_digest(catalog, books):
    for unit, wb in books.items():
        ws = wb[L.META_SHEET]
        keys = [row[0] for row in ws.iter_rows(values_only=True)]
        assert keys == [*L.META_KEYS, "digest"]
        meta = _meta(wb)
        assert meta["digest"] == L.meta_digest(meta)
        assert (meta["template_version"], meta["unit_code"], meta["period"], meta["catalog_version"]) == (
            L.TEMPLATE_VERSION, unit, "2024-Q3", catalog.version)
        assert all(isinstance(v, str) for v in meta.values())
        assert ws.protection.sheet


def test_header_rows(books):
    ws = books[DISTRICT][L.INDICATOR_SHEET]
    machine = [ws.cell(L.MACHINE_HEADER_ROW, c).value for c in range(1, len(L.INDICATOR_COLUMNS) + 1)]
    assert machine == list(L.INDICATOR_COLUMNS)
    assert ws.row_dimensions[L.MACHINE_HEADER_ROW].hidden
    assert ws.cell(L.LABEL_ROW, COL["indicator_code"]).value == "Mã chỉ tiêu"
    assert ws.cell(L.LABEL_ROW, COL["value"]).value == "Giá trị thực hiện"
    assert "Quận Tây Hồ (003)" in ws.cell(L.UNIT_ROW, 1).value
    assert "Quý III/2024" in ws.cell(L.UNIT_ROW, 1).value
    assert ws.cell(L.REPORTER_ROW, 1).value == "Người báo cáo:"
    assert ws.freeze_panes == f"A{L.LABEL_ROW + 1}"


def test_only_input_cells_are_unlocked(books):
    ws = books[DISTRICT][L.INDICATOR_SHEET]
    assert ws.protection.sheet
    assert not ws.protection.formatColumns and not ws.protection.formatRows  # False = allowed
    assert not ws.cell(L.REPORTER_ROW, L.REPORTED_BY_COLUMN).protection.locked
    submitted = ws.cell(L.REPORTER_ROW, L.SUBMITTED_ON_COLUMN)
    assert not submitted.protection.locked and submitted.number_format == "dd/mm/yyyy"
    assert _validation(ws, submitted.coordinate).type == "date"
    for row in _data_rows(ws).values():
        for name in ("indicator_code", "name_vi", "unit_label", "baseline", "target"):
            assert ws.cell(row, COL[name]).protection.locked, (row, name)
        for name in ("value", "note"):
            assert not ws.cell(row, COL[name]).protection.locked, (row, name)


def test_numerator_and_denominator_open_only_for_ratio_indicators(catalog, books):
    ws = books[DISTRICT][L.INDICATOR_SHEET]
    agg = dict(catalog.indicators.select("indicator_code", "agg_units").iter_rows())
    rows = _data_rows(ws)
    kinds = {agg[code] in ("ratio", "weighted_mean") for code in rows}
    assert kinds == {True, False}, "the district needs both kinds of indicator for this test"
    for code, row in rows.items():
        has_parts = agg[code] in ("ratio", "weighted_mean")
        for name in ("numerator", "denominator"):
            cell = ws.cell(row, COL[name])
            assert cell.protection.locked is not has_parts, (code, name)
            if has_parts:
                dv = _validation(ws, cell.coordinate)
                assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
            else:
                assert not [dv for dv in ws.data_validations.dataValidation if cell.coordinate in dv.sqref]


@pytest.mark.parametrize(("value_type", "kind"), [("boolean", "list"), ("count", "whole"),
                                                  ("rank", "whole"), ("percent", "decimal")])
def test_value_cell_validation_follows_the_value_type(catalog, tmp_path, value_type, kind):
    unit, code = _unit_with(catalog, Q4, value_type=value_type)
    [path] = make_templates(catalog, Q4, tmp_path, units=[unit])
    ws = openpyxl.load_workbook(path)[L.INDICATOR_SHEET]
    dv = _validation(ws, ws.cell(_data_rows(ws)[code], COL["value"]).coordinate)
    assert dv.type == kind
    # A no-data marker such as "-" must stay typeable: Excel only informs, it does not stop.
    assert dv.errorStyle == "information" and dv.prompt
    if value_type == "boolean":
        assert dv.formula1 == '"' + ",".join(YES_NO.labels("vi").values()) + '"'
    ind = catalog.indicators.filter(pl.col("indicator_code") == code).row(0, named=True)
    if kind != "list":
        assert float(dv.formula1) == ind["min_value"]
        if ind["max_value"] is not None:
            assert float(dv.formula2) == ind["max_value"]


def test_targets_and_baselines_prefer_the_units_own_row(catalog, tmp_path):
    own = catalog.targets.filter(pl.col("unit_code") == DISTRICT, pl.col("target_text").is_not_null())
    code, text = own.select("indicator_code", "target_text").row(0)
    [path] = make_templates(catalog, Q4, tmp_path, units=[DISTRICT])
    ws = openpyxl.load_workbook(path)[L.INDICATOR_SHEET]
    rows = _data_rows(ws)
    assert ws.cell(rows[code], COL["target"]).value == text
    own_codes = set(catalog.targets.filter(pl.col("unit_code") == DISTRICT)["indicator_code"])
    city_only = [c for c in rows if c not in own_codes and ws.cell(rows[c], COL["target"]).value]
    assert city_only and all(ws.cell(rows[c], COL["target"]).value.startswith("TP: ") for c in city_only)


def test_a_baseline_is_shown_only_beside_the_target_it_belongs_to(catalog, tmp_path):
    [path] = make_templates(catalog, Q4, tmp_path, units=["268"])
    ws = openpyxl.load_workbook(path)[L.INDICATOR_SHEET]
    rows = _data_rows(ws)
    # 09.01: district 268's own target (20 fewer offences) and its own baseline, 420 in 2020.
    assert ws.cell(rows["09.01"], COL["baseline"]).value == 420
    assert ws.cell(rows["09.01"], COL["baseline"]).number_format == "#,##0"
    # 01.02: held to the city's 85 %, shown beside the city's baseline, both marked as the city's.
    assert ws.cell(rows["01.02"], COL["target"]).value == "TP: 85"
    assert ws.cell(rows["01.02"], COL["baseline"]).value == 78
    assert ws.cell(rows["01.02"], COL["baseline"]).number_format.startswith('"TP: "')
    baselines = [ws.cell(r, COL["baseline"]) for r in rows.values() if ws.cell(r, COL["baseline"]).value is not None]
    assert {c.row for c in baselines} == {rows["09.01"], rows["01.02"]} and all(c.data_type == "n" for c in baselines)


def test_templates_show_each_unit_only_the_target_the_rollup_holds_it_to(catalog, demo_results):
    """The template and the rollup ask one resolver: a ward never sees the city's total for a count."""
    results = {(r["unit_code"], r["indicator_code"]): r["target_source"]
               for r in demo_results.results.iter_rows(named=True)}
    units = ["01", "003", "268", "00277", "00001", "SO-KHDT"]
    checked = 0
    for unit, spec in template_specs(catalog, Q4, units).items():
        for line in (line for line in spec.indicators if line.category is None):  # a category has no target
            # An agency sends the city's own statistics: it is held to the city's targets.
            source = results[("01" if unit == "SO-KHDT" else unit, line.code)]
            expected = {None: "", "implicit": "Đạt"}.get(source)
            if expected is not None:
                assert line.target == expected, (unit, line.code, line.target, source)
            elif source == "city":
                assert line.target.startswith("TP: "), (unit, line.code, line.target)
            else:
                assert line.target and not line.target.startswith("TP: "), (unit, line.code, line.target)
            checked += 1
    assert checked > 60
    ward = template_specs(catalog, Q4, ["00277"])["00277"]
    jobs = next(line for line in ward.indicators if line.code == "08.08")
    assert jobs.target == ""  # the city's 160.000–170.000 jobs are not a ward's target


def test_task_sheet_lists_the_tasks_the_unit_leads(catalog, books):
    wb = books[AGENCY]
    ws = wb[L.TASK_SHEET]
    expected = sorted(catalog.tasks.filter(pl.col("lead_unit_code") == AGENCY)["task_code"])
    assert list(_data_rows(ws)) == expected
    assert _meta(wb)["task_codes"] == ";".join(expected)
    assert [ws.cell(L.MACHINE_HEADER_ROW, c).value for c in range(1, 7)] == list(L.TASK_COLUMNS)
    assert ws.row_dimensions[L.MACHINE_HEADER_ROW].hidden and ws.protection.sheet
    for row in _data_rows(ws).values():
        status = ws.cell(row, TASK_COL["status"])
        dv = _validation(ws, status.coordinate)
        assert (dv.type, dv.formula1) == ("list", '"' + ",".join(TASK_STATUSES.labels("vi").values()) + '"')
        assert dv.errorStyle in (None, "stop")
        assert not status.protection.locked
        assert ws.cell(row, TASK_COL["completed_on"]).number_format == "dd/mm/yyyy"
        assert ws.cell(row, TASK_COL["task_code"]).protection.locked


def test_a_unit_with_tasks_but_nothing_due_still_gets_a_template(catalog, books):
    assert catalog.due(Q3).filter(pl.col("unit_code") == AGENCY).is_empty()
    assert _data_rows(books[AGENCY][L.INDICATOR_SHEET]) == {}
    assert _meta(books[AGENCY])["indicator_codes"] == ""


def test_no_cell_holds_a_formula(books):
    for wb in books.values():
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                assert all(cell.data_type != "f" for cell in row), ws.title


def test_instructions_are_in_vietnamese_and_name_the_unit(catalog, books):
    text = "\n".join(str(v) for row in books[WARD][L.INSTRUCTION_SHEET].iter_rows(values_only=True)
                     for v in row if v)
    assert "00277" in text and "Quý III/2024" in text
    assert "tử số" in text and "mẫu số" in text and "Đạt" in text and "90,5" in text
    assert all(f"“{m}”" in text for m in catalog.markers["marker"])


def test_document_properties_are_fixed(books):
    props = books[DISTRICT].properties
    assert props.creator == "hanoi_ctr"
    assert props.created == datetime.combine(window(Q3)[0], datetime.min.time())


def test_a_unit_not_in_force_is_refused(catalog, tmp_path):
    with pytest.raises(ValueError, match="999"):
        make_templates(catalog, Q3, tmp_path, units=["999"])
    with pytest.raises(ValueError, match=DISTRICT):  # districts were abolished on 2025-07-01
        make_templates(catalog, "2025-Q3", tmp_path, units=[DISTRICT])
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_output_directory_is_a_config_error(catalog, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="a-file"):
        make_templates(catalog, Q3, blocker / "out", units=[DISTRICT])


def test_the_same_inputs_give_the_same_bytes(catalog, tmp_path, q3):
    [again] = make_templates(catalog, Q3, tmp_path, units=[AGENCY])
    assert again.read_bytes() == q3[AGENCY].read_bytes()


def test_by_default_every_unit_with_work_gets_one_template(catalog, tmp_path):
    in_force = set(catalog.units_on(window(Q3)[1])["unit_code"])
    expected = (set(catalog.due(Q3)["unit_code"]) | set(catalog.tasks["lead_unit_code"])) & in_force
    paths = make_templates(catalog, Q3, tmp_path)
    assert [p.name for p in paths] == sorted(template_name(u, Q3) for u in expected)
    assert {p.name for p in tmp_path.iterdir()} == {p.name for p in paths}  # no temporary files left


def test_a_filled_template_holds_what_was_typed_and_keeps_its_layout(catalog, tmp_path, q3):
    spec = template_specs(catalog, Q3, [AGENCY, DISTRICT])[DISTRICT]
    first, second = [line.code for line in spec.indicators if line.category is None][:2]
    filled = Filled(indicators={first: {"value": 12, "note": "Số liệu ước tính"}, second: {"value": "90,5"}},
                    reported_by="Nguyễn Văn A", submitted_on=datetime(2024, 10, 2).date())
    ws = openpyxl.load_workbook(write_template(spec, tmp_path / "filled.xlsx", filled))[L.INDICATOR_SHEET]
    rows = _data_rows(ws)
    assert ws.cell(rows[first], COL["value"]).value == 12
    assert ws.cell(rows[first], COL["note"]).value == "Số liệu ước tính"
    assert ws.cell(rows[second], COL["value"]).value == "90,5"  # text stays what was typed
    assert ws.cell(rows[second], COL["numerator"]).value is None
    assert ws.cell(L.REPORTER_ROW, L.REPORTED_BY_COLUMN).value == "Nguyễn Văn A"
    assert ws.cell(L.REPORTER_ROW, L.SUBMITTED_ON_COLUMN).value == datetime(2024, 10, 2)
    assert ws.cell(rows[first], COL["value"]).protection.locked is False
    # Without `filled`, the same spec gives the blank template's bytes.
    blank = write_template(template_specs(catalog, Q3, [AGENCY])[AGENCY], tmp_path / "blank.xlsx")
    assert blank.read_bytes() == q3[AGENCY].read_bytes()


def test_a_filled_template_fills_the_task_sheet_and_refuses_unknown_codes(catalog, tmp_path):
    spec = template_specs(catalog, Q3, [AGENCY])[AGENCY]
    task = spec.tasks[0].code
    filled = Filled(tasks={task: {"status": "Đã hoàn thành", "completed_on": datetime(2024, 9, 15).date()}})
    ws = openpyxl.load_workbook(write_template(spec, tmp_path / "t.xlsx", filled))[L.TASK_SHEET]
    assert ws.cell(L.FIRST_DATA_ROW, TASK_COL["status"]).value == "Đã hoàn thành"
    assert ws.cell(L.FIRST_DATA_ROW, TASK_COL["completed_on"]).value == datetime(2024, 9, 15)
    with pytest.raises(ValueError, match="99.99"):
        write_template(spec, tmp_path / "x.xlsx", Filled(indicators={"99.99": {"value": 1}}))
    with pytest.raises(ValueError, match="baseline"):
        write_template(spec, tmp_path / "x.xlsx", Filled(tasks={task: {"baseline": 1}}))
    assert not (tmp_path / "x.xlsx").exists()


@given(st.decimals(min_value=-10**9, max_value=10**9, places=3, allow_nan=False))
def test_number_vi_reads_back_as_the_number(x):
    text = number_vi(float(x))
    assert float(text.replace(".", "").replace(",", ".")) == pytest.approx(float(x), abs=1e-9)
