"""hanoi_ctr: quarterly progress rollups for the Hanoi Party Committee's work programs.

The public API. Importing the package reads no file and no environment
variable; configuration goes through `Settings.from_env()` at the entry point.
Each name is imported when first used, so that a command imports only what
it needs (the command line starts in a fraction of the time all of it takes).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hanoi_ctr.version import __version__ as __version__

if TYPE_CHECKING:
    from hanoi_ctr.catalog import Catalog, load_catalog
    from hanoi_ctr.declare.issues import CODES, Issue, issues_frame
    from hanoi_ctr.declare.schemas import frictionless_schema, pandera_schema, polars_schema
    from hanoi_ctr.engine.results import Results, rollup
    from hanoi_ctr.errors import CatalogError, ConfigError, HanoiCtrError, Refused
    from hanoi_ctr.intake.audit import AuditLog
    from hanoi_ctr.intake.feedback import Feedback, feedback_file, write_feedback
    from hanoi_ctr.intake.ingest import Batch, ingest, list_submissions, read_submissions, validate
    from hanoi_ctr.intake.lock_exceptions import grant as grant_lock_exception
    from hanoi_ctr.intake.lock_exceptions import lock_status
    from hanoi_ctr.intake.review import Decision, accept, approve, return_, review_states
    from hanoi_ctr.intake.review import awaiting as awaiting_review
    from hanoi_ctr.intake.store import Store
    from hanoi_ctr.intake.templates import Filled, make_templates, template_name, template_specs
    from hanoi_ctr.periods import Period, PeriodError, parse_period
    from hanoi_ctr.report.build import write_workbook
    from hanoi_ctr.report.method import method_sections
    from hanoi_ctr.settings import Settings
    from hanoi_ctr.synthetic.files import Written, write_submissions
    from hanoi_ctr.synthetic.values import Mix, Synthetic
    from hanoi_ctr.synthetic.values import generate as generate_submissions

#: Public name → (module, name there).
_EXPORTS: dict[str, tuple[str, str]] = {
    "Batch": ("hanoi_ctr.intake.ingest", "Batch"),
    "Catalog": ("hanoi_ctr.catalog", "Catalog"),
    "CatalogError": ("hanoi_ctr.errors", "CatalogError"),
    "CODES": ("hanoi_ctr.declare.issues", "CODES"),
    "ConfigError": ("hanoi_ctr.errors", "ConfigError"),
    "Filled": ("hanoi_ctr.intake.templates", "Filled"),
    "frictionless_schema": ("hanoi_ctr.declare.schemas", "frictionless_schema"),
    "generate_submissions": ("hanoi_ctr.synthetic.values", "generate"),
    "HanoiCtrError": ("hanoi_ctr.errors", "HanoiCtrError"),
    "ingest": ("hanoi_ctr.intake.ingest", "ingest"),
    "Issue": ("hanoi_ctr.declare.issues", "Issue"),
    "issues_frame": ("hanoi_ctr.declare.issues", "issues_frame"),
    "list_submissions": ("hanoi_ctr.intake.ingest", "list_submissions"),
    "load_catalog": ("hanoi_ctr.catalog", "load_catalog"),
    "make_templates": ("hanoi_ctr.intake.templates", "make_templates"),
    "method_sections": ("hanoi_ctr.report.method", "method_sections"),
    "Mix": ("hanoi_ctr.synthetic.values", "Mix"),
    "pandera_schema": ("hanoi_ctr.declare.schemas", "pandera_schema"),
    "parse_period": ("hanoi_ctr.periods", "parse_period"),
    "Period": ("hanoi_ctr.periods", "Period"),
    "PeriodError": ("hanoi_ctr.periods", "PeriodError"),
    "polars_schema": ("hanoi_ctr.declare.schemas", "polars_schema"),
    "read_submissions": ("hanoi_ctr.intake.ingest", "read_submissions"),
    "Results": ("hanoi_ctr.engine.results", "Results"),
    "rollup": ("hanoi_ctr.engine.results", "rollup"),
    "Settings": ("hanoi_ctr.settings", "Settings"),
    "Store": ("hanoi_ctr.intake.store", "Store"),
    "Synthetic": ("hanoi_ctr.synthetic.values", "Synthetic"),
    "template_name": ("hanoi_ctr.intake.templates", "template_name"),
    "template_specs": ("hanoi_ctr.intake.templates", "template_specs"),
    "validate": ("hanoi_ctr.intake.ingest", "validate"),
    "write_submissions": ("hanoi_ctr.synthetic.files", "write_submissions"),
    "write_workbook": ("hanoi_ctr.report.build", "write_workbook"),
    "Written": ("hanoi_ctr.synthetic.files", "Written"),
    "AuditLog": ("hanoi_ctr.intake.audit", "AuditLog"),
    "Decision": ("hanoi_ctr.intake.review", "Decision"),
    "Feedback": ("hanoi_ctr.intake.feedback", "Feedback"),
    "Refused": ("hanoi_ctr.errors", "Refused"),
    "accept": ("hanoi_ctr.intake.review", "accept"),
    "approve": ("hanoi_ctr.intake.review", "approve"),
    "awaiting_review": ("hanoi_ctr.intake.review", "awaiting"),
    "feedback_file": ("hanoi_ctr.intake.feedback", "feedback_file"),
    "grant_lock_exception": ("hanoi_ctr.intake.lock_exceptions", "grant"),
    "lock_status": ("hanoi_ctr.intake.lock_exceptions", "lock_status"),
    "return_": ("hanoi_ctr.intake.review", "return_"),
    "review_states": ("hanoi_ctr.intake.review", "review_states"),
    "write_feedback": ("hanoi_ctr.intake.feedback", "write_feedback"),
}

__all__ = [
    "AuditLog",
    "Batch",
    "CODES",
    "Catalog",
    "CatalogError",
    "ConfigError",
    "Decision",
    "HanoiCtrError",
    "Issue",
    "Feedback",
    "Filled",
    "Mix",
    "Period",
    "PeriodError",
    "Refused",
    "Results",
    "Settings",
    "Store",
    "Synthetic",
    "Written",
    "accept",
    "approve",
    "awaiting_review",
    "frictionless_schema",
    "feedback_file",
    "generate_submissions",
    "grant_lock_exception",
    "ingest",
    "issues_frame",
    "list_submissions",
    "load_catalog",
    "lock_status",
    "make_templates",
    "method_sections",
    "pandera_schema",
    "parse_period",
    "polars_schema",
    "read_submissions",
    "return_",
    "review_states",
    "rollup",
    "template_name",
    "template_specs",
    "validate",
    "write_feedback",
    "write_submissions",
    "write_workbook",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'hanoi_ctr' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
