"""The library keeps one direction of imports between its packages and never imports Prefect."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import hanoi_ctr

PACKAGE = Path(hanoi_ctr.__file__).parent

#: The packages (and top-level modules) in the order of the pipeline, lowest first. A module may
#: import modules of its own package and of lower layers, never of its own layer's other members or
#: of a higher layer. A new package or top-level module must be placed here (and in
#: docs/ARCHITECTURE.md, which draws the same picture).
LAYERS: list[set[str]] = [
    {"periods", "atomic", "version"},  # time, files and the version: standard library only
    {"declare"},                    # columns, tables, schemas, issue codes, aggregation rules
    {"errors"},                     # what stops a run
    {"settings", "locks", "spans"},  # how a run is configured; who may write; periods as quarter spans
    {"catalog"},                    # what is measured, by whom, against which target
    {"workbook"},                   # workbooks as data and their one renderer
    {"intake"},                     # templates out, files in, checked and archived
    {"engine"},                     # the rollup: across units, over time, against targets
    {"report"},                     # the analysts' workbook as a specification
    {"synthetic"},                  # seeded submissions for the demo, tests and benchmarks
    {"pipeline"},                   # the scheduled jobs as plain functions
    {"cli", "__init__"},            # the entry points
]


def _unit(path: Path) -> str:
    """Return the package (or top-level module) a source file belongs to."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _layer(unit: str) -> int:
    for i, layer in enumerate(LAYERS):
        if unit in layer:
            return i
    raise AssertionError(f"hanoi_ctr.{unit} is not placed in LAYERS of {__file__}")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hanoi_ctr."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "hanoi_ctr":
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("hanoi_ctr.")}
    return found


def test_every_package_is_placed():
    units = {_unit(p) for p in PACKAGE.rglob("*.py")}
    placed = set().union(*LAYERS)
    assert units <= placed, sorted(units - placed)
    assert placed - {"__init__"} <= units, sorted(placed - units)


def test_imports_point_only_to_lower_layers():
    for path in sorted(PACKAGE.rglob("*.py")):
        unit = _unit(path)
        for imported in _imports(path) - {unit}:
            assert _layer(imported) < _layer(unit), f"{path.relative_to(PACKAGE)} imports hanoi_ctr.{imported}"


def test_importing_the_library_does_not_import_prefect():
    code = (
        "import sys, hanoi_ctr, hanoi_ctr.cli\n"
        "hanoi_ctr.load_catalog()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'prefect_dask', 'dask'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_library_source_never_imports_prefect():
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "prefect" for n in names), path



def _imports_module(path: Path, module: str) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == module for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == module:
            return True
    return False


def _importers(module: str) -> list[str]:
    return [p.relative_to(PACKAGE).as_posix() for p in sorted(PACKAGE.rglob("*.py")) if _imports_module(p, module)]


def test_one_module_writes_every_workbook():
    assert _importers("xlsxwriter") == ["workbook/render.py"]


def test_one_module_marks_copies_of_workbooks():
    """Feedback copies are the officer's own workbook, loaded and saved by one module."""
    assert _importers("openpyxl") == ["workbook/annotate.py"]
