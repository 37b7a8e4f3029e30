"""A real Prefect server: deploy the quarterly rollup with `serve`, trigger a run through the API, check the workbook.

Everything is started here, on 127.0.0.1 with a temporary PREFECT_HOME, bounded in time and
stopped by PID at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import ROOT

PERIOD = "2024-Q4"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, check, timeout: float, process: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what}: process exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            result = check()
            if result:
                return result
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture()
def inbox(tmp_path) -> Path:
    from flows.demo import demo_inbox

    folder = tmp_path / "inbox"
    folder.mkdir()
    for path in sorted(demo_inbox().rglob(f"{PERIOD}_*"))[:40]:
        shutil.copy(path, folder / path.name)
    return folder


def test_serve_and_run_a_deployment_on_a_real_server(tmp_path, inbox):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING",
           "HANOI_CTR_INBOX_DIR": str(inbox), "HANOI_CTR_DATA_DIR": str(tmp_path / "data")}
    prefect = str(Path(sys.executable).parent / "prefect")
    server_log, serve_log = tmp_path / "server.log", tmp_path / "serve.log"
    server = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=server_log.open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    served = None
    try:
        with httpx.Client(base_url=api, timeout=10) as client:
            _wait("server health", lambda: client.get("/health").status_code == 200, 120, server, server_log)
            served = subprocess.Popen([sys.executable, "-m", "flows.serve", "quarterly-rollup"], cwd=ROOT,
                                      env=env, stdout=serve_log.open("w"), stderr=subprocess.STDOUT,
                                      start_new_session=True)
            deployment = _wait("deployment", lambda: _deployment(client), 120, served, serve_log)
            schedules = deployment["schedules"]
            assert [(s["schedule"]["cron"], s["schedule"]["timezone"]) for s in schedules] == [
                ("0 6 6 1,4,7,10 *", "Asia/Ho_Chi_Minh")]
            run = _wait("flow run creation", lambda: _create_run(client, deployment["id"]), 60, served, serve_log)
            state = _wait("flow run", lambda: _final_state(client, run["id"]), 300, served, serve_log)
            assert state == "COMPLETED", serve_log.read_text()[-3000:]
    finally:
        if served is not None:
            _stop(served)
        _stop(server)
    workbook = tmp_path / "data" / "output" / f"rollup-{PERIOD}.xlsx"
    assert workbook.is_file() and workbook.stat().st_size > 10_000
    import fastexcel

    assert "Tổng quan" in fastexcel.read_excel(workbook).sheet_names


def _deployment(client: httpx.Client) -> dict | None:
    response = client.get("/deployments/name/quarterly-rollup/quarterly-rollup")
    return response.json() if response.status_code == 200 else None


def _create_run(client: httpx.Client, deployment_id: str) -> dict | None:
    """Ask the API for a run; a busy server may answer an error at first, so the caller retries."""
    response = client.post(f"/deployments/{deployment_id}/create_flow_run", json={"parameters": {"period": PERIOD}})
    return response.json() if response.status_code in (200, 201) else None


def _final_state(client: httpx.Client, run_id: str) -> str | None:
    response = client.get(f"/flow_runs/{run_id}")
    state = (response.json().get("state") or {}).get("type") if response.status_code == 200 else None
    return state if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None
