"""`hanoi-ctr rollup`: the library path from an inbox to the workbook and Parquet files, without Prefect."""

from __future__ import annotations

import shutil
import warnings

import openpyxl
import polars as pl
from conftest import ROOT

from hanoi_ctr.cli import main
from hanoi_ctr.declare.schemas import pandera_schema


def test_rollup_command_writes_workbook_and_parquet_matching_their_schemas(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("submission-clean.csv", "submission-comma-decimals.csv", "submission-type-error.csv"):
        shutil.copy(ROOT / "tests" / "data" / "submissions" / name, inbox / name)
    code = main(["rollup", "--period", "2024-Q3", "--inbox", str(inbox), "--archive", str(tmp_path / "a"),
                 "--out", str(tmp_path / "out"), "--lang", "en", "--wards"])
    assert code == 0
    workbook = tmp_path / "out" / "rollup-2024-Q3.xlsx"
    assert capsys.readouterr().out.strip() == str(workbook)
    results = pl.read_parquet(tmp_path / "out" / "results-2024-Q3.parquet")
    issues = pl.read_parquet(tmp_path / "out" / "issues-2024-Q3.parquet")
    pandera_schema("results").validate(results)
    pandera_schema("issues").validate(issues)
    assert ("type-error", 2, "value") in issues.select("code", "row", "column").rows()
    ward = results.filter(pl.col("unit_code") == "00277", pl.col("indicator_code") == "01.07")
    assert ward["value"].item() == 90.0  # 45 / 50 from submission-clean.csv
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sheet = openpyxl.load_workbook(workbook)["CTr 01"]
    names = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert "Phường Bách Khoa" in names  # --wards: the ward is a column of the unit matrix
