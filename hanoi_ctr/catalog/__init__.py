"""The catalog: what is measured, by whom, against which targets; loaded once and checked."""

from hanoi_ctr.catalog.load import bundled_catalog_dir, catalog_version, load_catalog
from hanoi_ctr.catalog.model import Catalog, due_frequencies, with_levels

__all__ = ["Catalog", "bundled_catalog_dir", "catalog_version", "due_frequencies", "load_catalog", "with_levels"]
