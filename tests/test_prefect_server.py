"""A real Prefect server: deploy the quarterly rollup with `serve`, trigger a run through the API, check the workbook.

Everything is started here, on 127.0.0.1 with a temporary PREFECT_HOME, bounded in time and
stopped by PID at the end. The server (`server` fixture) is shared by the module's tests: the
deployment served, and the runs that pause for a review or for the city's approval and are resumed
through the server's API with a run input.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

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


@dataclass(frozen=True)
class Server:
    """A real `prefect server` on 127.0.0.1: its API, the environment to talk to it, its log."""

    api: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """One real Prefect server for this module's tests, started on a free port and stopped by PID."""
    home = tmp_path_factory.mktemp("prefect")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home / "prefect-home"), "PREFECT_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    prefect = str(Path(sys.executable).parent / "prefect")
    log = home / "server.log"
    command = [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        with httpx.Client(base_url=api, timeout=10) as client:
            _wait("server health", lambda: client.get("/health").status_code == 200, 120, process, log)
        yield Server(api, env, log, process)
    finally:
        _stop(process)


def test_serve_and_run_a_deployment_on_a_real_server(tmp_path, inbox, server):
    env = {**server.env, "HANOI_CTR_INBOX_DIR": str(inbox), "HANOI_CTR_DATA_DIR": str(tmp_path / "data")}
    serve_log = tmp_path / "serve.log"
    served = None
    try:
        with httpx.Client(base_url=server.api, timeout=10) as client:
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


# --- runs that wait for a decision, resumed through the API ------------------------------------------

HEADER = "unit_code,period,indicator_code,value,numerator,denominator,note,submitted_at\n"
ROLLUP, REVIEW = "quarterly-rollup", "review-submissions"


def _archive(data: Path, rows: dict[str, float]) -> Path:
    """Ingest one 2024-Q3 report (08.08) per unit into the archive under `data`; return `data`."""
    from datetime import datetime, timezone

    from hanoi_ctr import Settings, ingest, load_catalog

    inbox = data / "inbox"
    inbox.mkdir(parents=True)
    files = []
    for unit, value in rows.items():
        path = inbox / f"2024-Q3_{unit}.csv"
        path.write_text(HEADER + f"{unit},2024-Q3,08.08,{value:g},,,,02/10/2024\n", encoding="utf-8")
        files.append(path)
    ingest(files, load_catalog(), Settings(data_dir=data), now=datetime(2024, 10, 2, 2, tzinfo=timezone.utc))
    return data


def _start_flow(call: str, data: Path, log: Path, server: Server) -> subprocess.Popen:
    code = f"import flows.pipelines as p; p.{call}"
    env = {**server.env, "HANOI_CTR_DATA_DIR": str(data)}
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


@contextmanager
def _paused_rollup(data: Path, log: Path, server: Server) -> Iterator[tuple[httpx.Client, dict, subprocess.Popen]]:
    """Start the quarterly rollup of 2024-Q3 awaiting the city's approval; yield a client of the server, the
    paused run and the flow's process (stopped on the way out)."""
    flow = _start_flow("quarterly_rollup(period='2024-Q3', ingest_inbox=False, await_approval=True, "
                       "approval_timeout=120, poll_interval=1)", data, log, server)
    try:
        with httpx.Client(base_url=server.api, timeout=10) as client:
            yield client, _wait("the paused rollup", lambda: _paused_run(client, ROLLUP), 90, flow, log), flow
    finally:
        _stop(flow)


def _resume(client: httpx.Client, run_id: str, answer: dict) -> httpx.Response:
    """Resume a paused run with its input, again after a 503 (the server's database busy), as Prefect's
    own client does."""
    for wait in (0.5, 1, 2, 4, 0):
        response = client.post(f"/flow_runs/{run_id}/resume", json={"run_input": answer})
        if response.status_code != 503 or not wait:
            return response
        time.sleep(wait)
    return response


def _paused_run(client: httpx.Client, flow_name: str) -> dict | None:
    response = client.post("/flow_runs/filter", json={"flows": {"name": {"any_": [flow_name]}},
                                                      "flow_runs": {"state": {"type": {"any_": ["PAUSED"]}}}})
    runs = response.json() if response.status_code == 200 else []
    keyset = runs[0]["state"]["state_details"].get("run_input_keyset") if runs else None
    schema = client.get(f"/flow_runs/{runs[0]['id']}/input/{keyset['schema']}") if keyset else None
    if schema is None or schema.status_code != 200:
        return None
    return {"id": runs[0]["id"], "schema": schema.json()}


def _finished(process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        pytest.fail(f"the flow did not finish:\n{log.read_text()[-3000:]}")
    assert process.returncode == 0, log.read_text()[-3000:]


def test_the_city_approves_a_draft_rollup_through_the_api(tmp_path, server):
    from hanoi_ctr.intake.audit import AuditLog
    from hanoi_ctr.intake.readers import sha256_of

    data = _archive(tmp_path / "data", {"001": 10, "002": 20})
    log = tmp_path / "flow.log"
    with _paused_rollup(data, log, server) as (client, paused, flow):
        assert set(paused["schema"]["properties"]) >= {"decision", "note", "by"}
        draft = data / "output" / "draft" / "rollup-2024-Q3.xlsx"
        final = data / "output" / "rollup-2024-Q3.xlsx"
        assert draft.is_file() and not final.exists()  # nothing final before the city decides
        answer = {"decision": "approve", "note": "Đồng ý phát hành", "by": "Văn phòng Thành ủy"}
        response = _resume(client, paused["id"], answer)
        assert response.status_code in (200, 201) and response.json().get("status") == "ACCEPT", response.text
        _finished(flow, log)
        state = client.get(f"/flow_runs/{paused['id']}").json()["state"]["type"]
    assert state == "COMPLETED"
    assert final.is_file() and sha256_of(final.read_bytes()) == sha256_of(draft.read_bytes())  # same results
    entry = AuditLog(data / "archive").entries()[-1]
    assert (entry.action, entry.period, entry.by, entry.reason) == (
        "rollup-approve", "2024-Q3", "Văn phòng Thành ủy", "Đồng ý phát hành")
    assert entry.files == (sha256_of(draft.read_bytes()),)


def test_a_district_reviews_its_wards_in_a_paused_run_resumed_through_the_api(tmp_path, server):
    from hanoi_ctr import Settings, load_catalog
    from hanoi_ctr.intake.review import review_states

    data = _archive(tmp_path / "data", {"00001": 3, "00004": 5, "00037": 7})  # two wards of 001, one of 002
    log = tmp_path / "flow.log"
    flow = _start_flow("review_submissions(reviewer='001', period='2024-Q3', timeout=120, poll_interval=1)",
                       data, log, server)
    try:
        with httpx.Client(base_url=server.api, timeout=10) as client:
            paused = _wait("the paused review", lambda: _paused_run(client, REVIEW), 90, flow, log)
            fields = paused["schema"]["properties"]
            listed = sorted(f["title"] for name, f in fields.items() if name in ("r1", "r2"))
            assert [t.split()[0] for t in listed] == ["00001", "00004"]
            assert "r3" not in fields  # 00037 is 002's ward
            assert "Phường Trúc Bạch — 2024-Q3 (checked" in " ".join(listed)
            answer = {"by": "Lan (Quận Ba Đình)", "r1": "accept", "r1_reason": "", "r2": "return",
                      "r2_reason": "Thiếu biên bản"}
            response = _resume(client, paused["id"], answer)
            assert response.json().get("status") == "ACCEPT", response.text
            _finished(flow, log)
    finally:
        _stop(flow)
    states = review_states(load_catalog(), Settings(data_dir=data), period="2024-Q3")
    got = {r["unit_code"]: (r["review_state"], r["decided_by"], r["reason"])
           for r in states.iter_rows(named=True)}
    assert got == {"00001": ("accepted", "Lan (Quận Ba Đình)", None),
                   "00004": ("returned", "Lan (Quận Ba Đình)", "Thiếu biên bản"),
                   "00037": ("checked", None, None)}


def test_a_draft_returned_by_the_city_stays_a_draft(tmp_path, server):
    from hanoi_ctr.intake.audit import AuditLog

    data = _archive(tmp_path / "data", {"001": 10})
    log = tmp_path / "flow.log"
    with _paused_rollup(data, log, server) as (client, paused, flow):
        answer = {"decision": "return", "note": "Chờ số liệu quận Hoàn Kiếm", "by": "Văn phòng Thành ủy"}
        assert _resume(client, paused["id"], answer).json().get("status") == "ACCEPT"
        _finished(flow, log)
        state = client.get(f"/flow_runs/{paused['id']}").json()["state"]
    assert (state["type"], state["name"]) == ("COMPLETED", "Returned")
    assert "Chờ số liệu quận Hoàn Kiếm" in state["message"]
    assert (data / "output" / "draft" / "rollup-2024-Q3.xlsx").is_file()
    assert not (data / "output" / "rollup-2024-Q3.xlsx").exists()
    entry = AuditLog(data / "archive").entries()[-1]
    assert (entry.action, entry.reason) == ("rollup-return", "Chờ số liệu quận Hoàn Kiếm")
