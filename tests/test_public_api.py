"""The public API: every name in `__all__` resolves, and importing the package alone imports none of it."""

from __future__ import annotations

import subprocess
import sys

import hanoi_ctr


def test_every_public_name_resolves():
    for name in hanoi_ctr.__all__:
        assert getattr(hanoi_ctr, name) is not None, name
    assert set(hanoi_ctr.__all__) <= set(dir(hanoi_ctr))
    from hanoi_ctr import Settings, load_catalog  # noqa: F401 (the usual spelling still works)


def test_importing_the_package_imports_only_what_is_used():
    code = ("import sys, hanoi_ctr\n"
            "heavy = [m for m in ('polars', 'pandera', 'xlsxwriter', 'hanoi_ctr.engine', 'hanoi_ctr.report')"
            " if m in sys.modules]\n"
            "assert not heavy, heavy\n"
            "hanoi_ctr.parse_period('2024-Q3')\n"
            "assert 'hanoi_ctr.report' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)
