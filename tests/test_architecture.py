"""The library keeps one direction of imports and never imports Prefect."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import hanoi_ctr

PACKAGE = Path(hanoi_ctr.__file__).parent

# Each module may import only modules of a lower layer (the stage order of
# the pipeline: catalog → ingest → validate → aggregate → report; leaf
# modules first). A new module must be placed here.
LAYERS: list[set[str]] = [
    {"atomic", "fields", "periods", "layout", "sheetspec"},
    {"tables", "xlsx", "display"},
    {"schemas"},
    {"issues"},
    {"errors"},
    {"locks"},
    {"settings", "conform", "revisions", "normalize"},
    {"catalog", "store"},
    # the rollup engine: pure polars, below ingestion, templates and reports
    {"spans", "method"},
    {"compare", "task_tracking", "outliers"},
    {"aggregate", "coverage"},
    {"series"},
    {"engine"},
    {"readers", "templates"},
    {"submissions"},
    {"ingest"},
    {"report"},
    {"pipeline"},
    # synthetic submissions for the demo data, benchmarks and tests: they write templates
    {"synthetic"},
    {"synthetic_files"},
    {"cli", "__init__"},
]


def _layer(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        if module in layer:
            return i
    raise AssertionError(f"module hanoi_ctr.{module} is not placed in LAYERS of {__file__}")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hanoi_ctr."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("hanoi_ctr.")}
    return found


def test_imports_point_only_to_lower_layers():
    for path in sorted(PACKAGE.glob("*.py")):
        module = path.stem
        for imported in _imports(path):
            assert _layer(imported) < _layer(module), f"{module} imports {imported}"


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
