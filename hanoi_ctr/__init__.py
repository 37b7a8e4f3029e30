"""hanoi_ctr: quarterly progress rollups for the Hanoi Party Committee's work programs.

The public API. Importing the package reads no file and no environment
variable; configuration goes through `Settings.from_env()` at the entry point.
"""

from hanoi_ctr.catalog import Catalog, load_catalog
from hanoi_ctr.errors import CatalogError, ConfigError, HanoiCtrError
from hanoi_ctr.ingest import Batch, ingest, list_submissions, read_submissions, validate
from hanoi_ctr.issues import CODES, Issue, issues_frame
from hanoi_ctr.periods import Period, PeriodError, parse_period
from hanoi_ctr.schemas import frictionless_schema, pandera_schema, polars_schema
from hanoi_ctr.settings import Settings
from hanoi_ctr.store import Store
from hanoi_ctr.templates import make_templates, template_name

__version__ = "0.1.0"

__all__ = [
    "Batch",
    "CODES",
    "Catalog",
    "CatalogError",
    "ConfigError",
    "HanoiCtrError",
    "Issue",
    "Period",
    "PeriodError",
    "Settings",
    "Store",
    "frictionless_schema",
    "ingest",
    "issues_frame",
    "list_submissions",
    "load_catalog",
    "make_templates",
    "pandera_schema",
    "parse_period",
    "polars_schema",
    "read_submissions",
    "template_name",
    "validate",
]
