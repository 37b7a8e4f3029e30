"""hanoi_ctr: quarterly progress rollups for the Hanoi Party Committee's work programs.

The public API. Importing the package reads no file and no environment
variable; configuration goes through `Settings.from_env()` at the entry point.
"""

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
from hanoi_ctr.version import __version__ as __version__

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
