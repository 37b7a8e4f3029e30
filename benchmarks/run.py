"""Benchmarks of the whole job: W1 (one quarter at city scale) and W2 (the term, 18 quarters).

    python benchmarks/run.py [--quick] [--runs N] [--w2-runs N] [--only w1|w2] [--no-flow]
                             [--out docs/PERFORMANCE.md] [--cache /tmp/hanoi-ctr-bench] [--profile]

Every case runs in its own Python process (imports excluded from the times;
peak RSS is the process's `ru_maxrss`):

- `floor`: read every input file with fastexcel into polars (two threads,
  as the library does) and write one workbook with as many cells as the
  rollup workbook with xlsxwriter — the I/O nothing can avoid;
- `library`: `pipeline.ingest_files` (read, validate, archive) →
  `pipeline.compute` (rollup) → `pipeline.write_outputs` (workbook +
  Parquet) on a fresh archive; then `rerun`: the same three calls again with
  nothing new (every file is already in the ledger);
- `flow`: the `quarterly_rollup` Prefect flow on a fresh archive, against a
  `prefect server start` on 127.0.0.1 started here (temporary PREFECT_HOME)
  and stopped at the end; no warm-up run in the process, so the time
  includes the flow's own start-up (client, run records, 4 task runs).

W1 is 2024-Q4 of the scaled catalog (`workloads.scaled_catalog`: districts owe
~150 rows, wards 40); W2 is every quarter 2021-Q1 … 2025-Q2 of the same catalog
rolled up for the term. Templates are generated once into the cache folder.
The medians and ratios are printed and written to `--out` (default
docs/PERFORMANCE.md; the table replaces the part between the
`<!-- bench:start -->` and `<!-- bench:end -->` markers when the file has them).

`--quick` runs a tiny workload (the bundled catalog, six units, one quarter,
one run, no flow unless `--flow`); the smoke test uses it with `--inline`
(cases in the test's own process) and `--out` in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

W1_QUARTER = "2024-Q4"
W2_QUARTERS = [f"{y}-Q{i}" for y in range(2021, 2026) for i in range(1, 5)][:18]  # 2021-Q1 … 2025-Q2
QUICK_UNITS = ["001", "002", "00001", "00004", "00006", "00007"]
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


# --- one case, in a child process ---------------------------------------------


def _settings(work: Path, catalog: Path, inbox: Path):
    from hanoi_ctr.settings import Settings

    return Settings(catalog_dir=catalog, inbox_dir=inbox, archive_dir=work / "archive",
                    output_dir=work / "output")


def _case_library(args: argparse.Namespace) -> dict:
    from hanoi_ctr import pipeline
    from hanoi_ctr.catalog import load_catalog

    work = Path(args.work)
    settings = _settings(work, Path(args.catalog), Path(args.inbox))
    out: dict = {}
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    for name in ("cold", "rerun"):
        start = time.perf_counter()
        t0 = start
        catalog = load_catalog(settings.catalog_dir)  # the run's entry point loads it (timed)
        batch = pipeline.ingest_files(pipeline.inbox_files(settings), catalog, settings)
        t1 = time.perf_counter()
        results = pipeline.compute(catalog, settings, args.period)
        t2 = time.perf_counter()
        outputs = pipeline.write_outputs(results, catalog, settings)
        t3 = time.perf_counter()
        out[name] = t3 - start
        out[f"{name}_steps"] = {"ingest": t1 - t0, "rollup": t2 - t1, "write": t3 - t2}
        out[f"{name}_files"] = batch.ledger.height
        if profiler is not None and name == "cold":
            profiler.stop()
            Path(args.profile).write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    out["cells"] = workbook_cells(outputs.workbook)
    out["values"] = int(results.results.height)
    return out


def workbook_cells(path: Path) -> int:
    """Return the number of cells written in an .xlsx (the `<c …>` elements of its sheets)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        return sum(len(re.findall(rb"<c [^>]*?(?:/>|>)", z.read(n)))
                   for n in z.namelist() if n.startswith("xl/worksheets/sheet"))


def _case_floor(args: argparse.Namespace) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    import fastexcel
    import polars as pl
    import xlsxwriter

    work = Path(args.work)
    files = sorted(p for p in Path(args.inbox).rglob("*.xlsx"))

    def read(path: Path) -> int:
        book = fastexcel.read_excel(path.read_bytes())
        frames = [book.load_sheet(n, header_row=None).to_polars() for n in book.sheet_names]
        return sum(f.height for f in frames)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = sum(pool.map(read, files))
    t_read = time.perf_counter() - start
    cols = 12
    frame = pl.DataFrame({f"c{i}": [float(r * cols + i) if i % 2 else f"text {r}" for r in range(args.cells // cols + 1)]
                          for i in range(cols)})
    start2 = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(work / "floor.xlsx"))
    ws = book.add_worksheet()
    for r, row in enumerate(frame.iter_rows()):
        ws.write_row(r, 0, row)
    book.close()
    t_write = time.perf_counter() - start2
    return {"floor": t_read + t_write, "floor_read": t_read, "floor_write": t_write, "rows_read": rows,
            "files": len(files)}


def _case_flow(args: argparse.Namespace) -> dict:
    work = Path(args.work)
    os.environ.update({"HANOI_CTR_CATALOG_DIR": args.catalog, "HANOI_CTR_INBOX_DIR": args.inbox,
                       "HANOI_CTR_ARCHIVE_DIR": str(work / "archive"),
                       "HANOI_CTR_OUTPUT_DIR": str(work / "output")})
    from flows.pipelines import quarterly_rollup, rollup

    start = time.perf_counter()
    if args.period.count("-Q"):
        quarterly_rollup(period=args.period)
    else:
        rollup(period=args.period, kind="term")
    return {"flow": time.perf_counter() - start}


def child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("case")
    parser.add_argument("--work")
    parser.add_argument("--catalog")
    parser.add_argument("--inbox")
    parser.add_argument("--period")
    parser.add_argument("--cells", type=int, default=0)
    parser.add_argument("--profile", default="")
    args = parser.parse_args(argv)
    result = {"library": _case_library, "floor": _case_floor, "flow": _case_flow}[args.case](args)
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(result))


# --- the driver ---------------------------------------------------------------


INLINE = False  # --inline: run the cases in this process (the smoke test; RSS is then the whole run's)


def _run_case(case: str, env: dict, **opts: object) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", case]
    for key, value in opts.items():
        cmd += [f"--{key}", str(value)]
    if INLINE:
        import contextlib
        import io

        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            child(cmd[3:])
        return json.loads(buffer.getvalue().splitlines()[-1][len("RESULT "):])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"case {case} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrefectServer:
    """A `prefect server start` on 127.0.0.1 with a temporary PREFECT_HOME, for the flow cases."""

    def __init__(self, home: Path) -> None:
        self.port = _free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": self.api,
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
        self.log = home / "server.log"
        home.mkdir(parents=True, exist_ok=True)
        prefect = str(Path(sys.executable).parent / "prefect")
        self.proc = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
                                     env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("prefect server exited:\n" + self.log.read_text()[-3000:])
            try:
                if httpx.get(self.api + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("prefect server did not become healthy in 120 s")

    def stop(self) -> None:
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def measure(name: str, catalog: Path, inbox: Path, period: str, runs: int, scratch: Path,
            server: PrefectServer | None, profile: Path | None) -> dict:
    """Run every case of a workload `runs` times; return the lists of measurements."""
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    found: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        found.setdefault(key, []).append(value)

    cells = None
    if profile:  # an extra library run under pyinstrument, not counted in the medians
        _run_case("library", env, work=scratch / f"{name}-profile", catalog=catalog, inbox=inbox, period=period,
                  profile=profile)
        shutil.rmtree(scratch / f"{name}-profile", ignore_errors=True)
    for i in range(runs):
        work = scratch / f"{name}-{i}"
        shutil.rmtree(work, ignore_errors=True)
        lib = _run_case("library", env, work=work / "lib", catalog=catalog, inbox=inbox, period=period)
        cells = lib["cells"]
        for key in ("cold", "rerun"):
            add(key, lib[key])
            for step, t in lib[f"{key}_steps"].items():
                add(f"{key}_{step}", t)
        add("rss_library", lib["rss_mb"])
        fl = _run_case("floor", env, work=work / "floor", inbox=inbox, cells=cells)
        for key in ("floor", "floor_read", "floor_write"):
            add(key, fl[key])
        add("rss_floor", fl["rss_mb"])
        if server is not None:
            fw = _run_case("flow", server.env | {"PYTHONPATH": str(ROOT)}, work=work / "flow", catalog=catalog,
                           inbox=inbox, period=period)
            add("flow", fw["flow"])
            add("rss_flow", fw["rss_mb"])
        shutil.rmtree(work, ignore_errors=True)
        print(f"  {name} run {i + 1}/{runs}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in found.items()
                                                          if k in ("floor", "cold", "rerun", "flow")), flush=True)
    files = len([p for p in inbox.rglob("*.xlsx")])
    return {"name": name, "period": period, "runs": runs, "files": files, "input_rows": fl["rows_read"],
            "cells": cells, "values": lib["values"], "found": found}


def _median(found: dict, key: str) -> float | None:
    return statistics.median(found[key]) if key in found else None


def table(results: list[dict]) -> str:
    """Return the Markdown tables of medians and ratios."""
    def f(x: float | None, unit: str = " s", digits: int = 2) -> str:
        return "–" if x is None else f"{x:.{digits}f}{unit}"

    lines = ["| workload | files | input rows | runs | I/O floor | library (cold) | ingest / rollup / write "
             "| flow | unchanged re-run | peak RSS library / flow |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    ratios = ["| workload | library ÷ floor (target ≤ 1.5) | flow − library (target ≤ 2 s + 5 ms × 4 tasks) "
              "| flow ÷ library | re-run ÷ cold (target ≤ 0.10) | peak RSS (W2 target ≤ 1.5 GB) |",
              "|---|---|---|---|---|---|"]
    for r in results:
        m = {k: _median(r["found"], k) for k in r["found"]}
        steps = " / ".join(f(m.get(f"cold_{s}")) for s in ("ingest", "rollup", "write"))
        rss = max(v for k, v in m.items() if k.startswith("rss_"))
        lines.append(
            f"| {r['name']} ({r['period']}) | {r['files']} | {r['input_rows']} | {r['runs']} | {f(m['floor'])} "
            f"| {f(m['cold'])} | {steps} | {f(m.get('flow'))} | {f(m['rerun'])} "
            f"| {f(m['rss_library'], ' MB', 0)} / {f(m.get('rss_flow'), ' MB', 0)} |")
        flow_extra = None if m.get("flow") is None else m["flow"] - m["cold"]
        ratios.append(
            f"| {r['name']} | {m['cold'] / m['floor']:.2f} | {f(flow_extra)} "
            f"| {f(None if m.get('flow') is None else m['flow'] / m['cold'], '', 2)} "
            f"| {m['rerun'] / m['cold']:.3f} | {rss:.0f} MB |")
    return "\n".join(lines) + "\n\n" + "\n".join(ratios) + "\n"


def machine() -> str:
    from importlib.metadata import version

    mem = ""
    try:
        kb = int(next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 ** 2:.1f} GiB"
    except (OSError, StopIteration):
        pass
    cpu = ""
    try:
        cpu = next(line for line in open("/proc/cpuinfo") if line.startswith("model name")).split(":", 1)[1].strip()
    except (OSError, StopIteration):
        pass
    pkgs = ", ".join(f"{p} {version(p)}" for p in ("polars", "pandera", "prefect", "fastexcel", "xlsxwriter"))
    return (f"{os.cpu_count()} cores ({cpu}), {mem} memory, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; {pkgs}")


def write_doc(path: Path, text: str) -> None:
    """Put the measured block between the markers of `path` (or write it whole if it has none)."""
    block = f"{START}\n{text}{END}\n"
    old = path.read_text(encoding="utf8") if path.is_file() else ""
    if START in old and END in old:
        head, rest = old.split(START, 1)
        new = head + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        new = "# Performance\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        child(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description="Run the W1/W2 benchmarks and write docs/PERFORMANCE.md.")
    parser.add_argument("--quick", action="store_true", help="a tiny workload (smoke test)")
    parser.add_argument("--runs", type=int, default=3, help="runs of W1 (median reported)")
    parser.add_argument("--w2-runs", type=int, default=1, help="runs of W2")
    parser.add_argument("--only", choices=("w1", "w2"))
    parser.add_argument("--no-flow", action="store_true", help="skip the Prefect flow cases")
    parser.add_argument("--flow", action="store_true", help="run the flow case even with --quick")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "hanoi-ctr-bench")
    parser.add_argument("--profile", action="store_true", help="write pyinstrument profiles of the library runs")
    parser.add_argument("--inline", action="store_true", help="run the cases in this process (no flow)")
    args = parser.parse_args(argv)
    global INLINE
    INLINE = args.inline

    from workloads import scaled_catalog, templates

    args.cache.mkdir(parents=True, exist_ok=True)
    if args.quick:  # the bundled catalog: the scaled one's workbook alone takes seconds
        from hanoi_ctr.catalog import bundled_catalog_dir

        catalog = bundled_catalog_dir()
    else:
        catalog = scaled_catalog(args.cache / "catalog")
    if args.quick:
        plan = [("quick", templates(catalog, [W1_QUARTER], args.cache, QUICK_UNITS), W1_QUARTER, 1)]
    else:
        plan = []
        if args.only in (None, "w1"):
            plan.append(("W1", templates(catalog, [W1_QUARTER], args.cache), W1_QUARTER, args.runs))
        if args.only in (None, "w2"):
            plan.append(("W2", templates(catalog, W2_QUARTERS, args.cache), "2021-2025", args.w2_runs))
    with_flow = not args.no_flow and not args.inline and (args.flow or not args.quick)
    scratch = Path(tempfile.mkdtemp(prefix="bench-", dir=args.cache))
    server = PrefectServer(scratch / "prefect-home") if with_flow else None
    results = []
    try:
        for name, inbox, period, runs in plan:
            print(f"{name}: {len(list(inbox.rglob('*.xlsx')))} files, period {period}, {runs} run(s)", flush=True)
            profile = args.cache / f"profile-{name}.txt" if args.profile else None
            results.append(measure(name, catalog, inbox, period, runs, scratch, server, profile))
            if profile:
                print(f"  profile of the first cold library run: {profile}")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    text = (f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} on {machine()}.\n"
            f"Flow: against a `prefect server start` on 127.0.0.1 already running; no warm-up flow run "
            f"in the process.\n\n" + table(results))
    print(text)
    write_doc(args.out, text)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
