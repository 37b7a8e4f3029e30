"""The benchmarks still run: `benchmarks/run.py --quick` on a tiny workload, in process, without the flow."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_runs_and_writes_its_table(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    run = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = run
    try:
        spec.loader.exec_module(run)
        out = tmp_path / "PERFORMANCE.md"
        assert run.main(["--quick", "--inline", "--runs", "1", "--out", str(out),
                         "--cache", str(tmp_path / "cache")]) == 0
    finally:
        sys.modules.pop("bench_run", None)
    text = out.read_text(encoding="utf8")
    assert "| quick (2024-Q4) | 6 |" in text
    assert "library ÷ floor" in text and "Python 3." in text
    assert (ROOT / "docs" / "PERFORMANCE.md").resolve() != out.resolve()
