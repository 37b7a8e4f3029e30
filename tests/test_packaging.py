"""A plain wheel install carries the catalog and works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_ships_the_catalog_and_loads_it_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
         str(ROOT)], check=True, cwd=tmp_path)
    wheel = next(dist.glob("hanoi_ctr-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"hanoi_ctr/py.typed", "hanoi_ctr/_fixtures/datapackage.json", "hanoi_ctr/_fixtures/units.csv",
            "flows/__init__.py"} <= names

    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                    str(wheel)], check=True)
    code = (
        "import hanoi_ctr, pathlib\n"
        f"assert pathlib.Path(hanoi_ctr.__file__).is_relative_to({str(site)!r}), hanoi_ctr.__file__\n"
        "c = hanoi_ctr.load_catalog()\n"
        "assert c.directory.name == '_fixtures', c.directory\n"
        "print(c.programs.height, c.indicators.height)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env,
                         capture_output=True, text=True).stdout
    assert out.split() == ["12", "89"]  # terms XVII (10 programs, 72 indicators) and XVIII (2, 17)
