"""`hanoi-ctr serve` keeps its schedules on a real Prefect server, or says how to start one."""

from __future__ import annotations

import prefect
import prefect.main  # noqa: F401  (Prefect sets up its logging on this import: here, not in a captured test)
import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.schedules import DEPLOYMENTS
from hanoi_ctr.cli import main


@pytest.fixture()
def served(monkeypatch) -> list[list[str]]:
    """Record the deployments `prefect.serve` would run, instead of serving them forever."""
    calls: list[list[str]] = []
    monkeypatch.setattr(prefect, "serve", lambda *deployments, **kwargs: calls.append([d.name for d in deployments]))
    return calls


def test_serve_without_a_server_is_refused_with_how_to_start_one(capsys, served):
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.strip() == (
        "hanoi-ctr: PREFECT_API_URL is not set, and the schedules would vanish with a temporary server: "
        "start one with `prefect server start --host 127.0.0.1`, set "
        "PREFECT_API_URL=http://127.0.0.1:4200/api and serve again, or pass --temporary-server")
    assert served == []


def test_serve_against_a_server(served):
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert main(["serve", "quarterly-rollup"]) == 0
    assert served == [["quarterly-rollup"]]


def test_serve_against_a_temporary_server_when_told(served):
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert main(["serve", "--temporary-server"]) == 0
    assert served[0] == [d.name for d in DEPLOYMENTS] and len(served[0]) == 8
    assert {"review-submissions", "quarterly-rollup-for-approval"} <= set(served[0])


def test_an_unknown_deployment_is_one_line(capsys, served):
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert main(["serve", "quarterly-rolup"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hanoi-ctr: no deployment named 'quarterly-rolup'; the deployments are ")
    assert served == []
