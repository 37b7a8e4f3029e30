"""What the rollup workbook is built from, and the questions its sheets ask of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from hanoi_ctr.catalog import Catalog
from hanoi_ctr.engine.results import Results
from hanoi_ctr.settings import Settings


@dataclass(frozen=True)
class ReportInputs:
    """Everything the workbook shows: results, catalog, input files, intake issues, settings."""

    results: Results
    catalog: Catalog
    ledger: pl.DataFrame
    intake_issues: pl.DataFrame
    settings: Settings
    generated_at: datetime
    software_version: str

    def units(self) -> pl.DataFrame:
        """Return the units in force at the end of the reported period (codes are reused across 2025)."""
        return self.catalog.units_at(self.results.period, self.settings.calendar)
