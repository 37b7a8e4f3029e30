"""Shared fixtures: the bundled catalog, loaded once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import hanoi_ctr

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def bundled() -> hanoi_ctr.Catalog:
    return hanoi_ctr.load_catalog()


@pytest.fixture(scope="session")
def catalog(bundled) -> hanoi_ctr.Catalog:
    """The bundled catalog: terms XVII and XVIII."""
    return bundled


@pytest.fixture(scope="session")
def xvii(bundled) -> hanoi_ctr.Catalog:
    """The bundled catalog as term XVII sees it (2021-2025)."""
    return bundled.for_term("XVII")


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (starting one costs seconds), no heartbeats."""
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None, PREFECT_SERVER_ANALYTICS_ENABLED: False}):
        with prefect_test_harness(server_startup_timeout=60):
            yield


DEMO_NOW = __import__("datetime").datetime(2025, 2, 1, tzinfo=__import__("datetime").timezone.utc)


@pytest.fixture(scope="session")
def demo_batch(bundled):
    """The bundled demo submissions, read and checked (nothing stored)."""
    from flows.demo import demo_inbox

    return hanoi_ctr.validate(hanoi_ctr.list_submissions(demo_inbox()), bundled, now=DEMO_NOW)


@pytest.fixture(scope="session")
def demo_results(bundled, demo_batch):
    """The engine's results for the demo's latest quarter."""
    from hanoi_ctr.engine.results import rollup

    return rollup(demo_batch.values, bundled, "2024-Q4", ledger=demo_batch.ledger, task_progress=demo_batch.tasks)
