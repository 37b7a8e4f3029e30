"""Benchmarks of the whole job: W1 (one quarter at city scale) and W2 (the term, 18 quarters).

    python benchmarks/run.py [--quick] [--runs N] [--w2-runs N] [--only city|national|w1|w2|w2bad …] [--no-flow]
                             [--out docs/PERFORMANCE.md] [--cache /tmp/hanoi-ctr-bench] [--profile]

Every case runs in its own Python process (imports excluded from the times;
peak RSS is the process's `ru_maxrss`):

- `floor`: read every input file with fastexcel into polars (two threads,
  as the library does) and write one workbook with as many cells as the
  rollup workbook with xlsxwriter — the I/O nothing can avoid;
- `library`: `pipeline.ingest_files` (read, validate, archive) →
  `pipeline.compute` (rollup) → `pipeline.write_outputs` (workbook +
  Parquet) on a fresh archive; then `rerun`: the same calls again with
  nothing new (every file is already in the ledger), where
  `pipeline.unchanged` finds the outputs made from the same inputs and keeps
  them, as the command line and the flows do;
- `flow`: the `quarterly_rollup` Prefect flow on a fresh archive, against a
  `prefect server start` on 127.0.0.1 started here (temporary PREFECT_HOME)
  and stopped at the end; no warm-up run in the process, so the time
  includes the flow's own start-up (client, run records, 4 task runs).

W1 is 2024-Q4 of the scaled catalog (`workloads.scaled_catalog`: districts owe
~150 rows, wards 40); W2 is every quarter 2021-Q1 … 2025-Q2 of the same catalog
rolled up for the term, and W2-bad the same with a third of the indicator rows
spoiled. Templates are generated once into the cache folder.

CITY is W1's quarter sent as long-table `.xlsx` files (574), measured as whole
processes, start-up and imports included, the way a user runs them:

- `floor`: the same reading and writing as above, as its own process;
- `rollup`: `hanoi-ctr rollup --inbox … --period 2024-Q4` on a fresh archive
  (the checked catalog in the cache, as after any earlier command), and once
  with an empty cache (`first`); `rerun`: the same command again, unchanged;
- `pandas`: `benchmarks/pandas_rollup.py`, pandas + openpyxl reading the same
  files, rolling them up without validation and writing a small workbook;
- `validate`: `hanoi-ctr validate` of one two-row CSV (bundled catalog).

NATIONAL is one quarter of 34 provinces' size (`workloads.national_catalog`:
the city's districts and wards seven times over, ~4,000 long tables, ~180,000
rows): `floor` and `rollup` once.
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
        outputs = pipeline.unchanged(catalog, settings, args.period)  # as the command line and the flows do
        if outputs is None:
            results = pipeline.compute(catalog, settings, args.period)
        t2 = time.perf_counter()
        if outputs is None:
            outputs = pipeline.write_outputs(results, catalog, settings)
        t3 = time.perf_counter()
        out[f"{name}_kept"] = outputs.kept
        out[name] = t3 - start
        out[f"{name}_steps"] = {"ingest": t1 - t0, "rollup": t2 - t1, "write": t3 - t2}
        out[f"{name}_files"] = batch.ledger.height
        if profiler is not None and name == "cold":
            profiler.stop()
            text = profiler.output_text(unicode=True, color=False, show_all=False)
            # Places in the repository are named relative to it, as docs/profiles/ keeps them.
            Path(args.profile).write_text(text.replace(f"{ROOT}/", ""))
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

    out = {}
    for name in ("flow", "flow_rerun"):  # then the same flow again, nothing new: it keeps the outputs
        start = time.perf_counter()
        if args.period.count("-Q"):
            quarterly_rollup(period=args.period)
        else:
            rollup(period=args.period, kind="term")
        out[name] = time.perf_counter() - start
    return out


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
            add("flow_rerun", fw["flow_rerun"])
            add("rss_flow", fw["rss_mb"])
        shutil.rmtree(work, ignore_errors=True)
        print(f"  {name} run {i + 1}/{runs}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in found.items()
                                                          if k in ("floor", "cold", "rerun", "flow")), flush=True)
    files = len([p for p in inbox.rglob("*.xlsx")])
    return {"name": name, "period": period, "runs": runs, "files": files, "input_rows": fl["rows_read"],
            "cells": cells, "values": lib["values"], "found": found}


# --- whole processes: the commands a user runs, start-up and imports included ----------------------

#: A two-row submission of the bundled catalog, for `hanoi-ctr validate`.
SMALL_CSV = ("unit_code;period;indicator_code;value;numerator;denominator;note;submitted_at;reported_by\n"
             "09817;2023-Q1;01.07;95.5;3162;3311;;2023-04-04;Phạm Quốc Tuấn\n"
             "09817;2023-Q1;08.08;82;;;;2023-04-04;Phạm Quốc Tuấn\n")


def whole(cmd: list[str], env: dict, log: Path) -> tuple[float, float, float]:
    """Run a command to its end; return (wall seconds from spawn to exit, CPU seconds, peak RSS in MB).

    CPU is the process's and its children's (the parser processes), user + system: on a machine
    shared with other work it varies less than the wall time.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # 1: done, the data has errors
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure_whole(name: str, catalog: Path, inbox: Path, period: str, runs: int, scratch: Path,
                  pandas: bool = True, before: Path | None = None) -> dict:
    """Time the commands of a workload as whole processes, `runs` times in turn; return the lists.

    `before`: a checkout of other code (e.g. the commit before a change) whose rollup, re-run and
    validate are timed in the same turns, for a before/after comparison under the same load.
    """
    cli = Path(sys.executable).parent / "hanoi-ctr"
    base = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_LOGGING_LEVEL": "WARNING"}
    env = base | {"HANOI_CTR_CATALOG_DIR": str(catalog), "HANOI_CTR_CACHE_DIR": str(scratch / f"{name}-cache")}
    found: dict[str, list[float]] = {}

    def add(key: str, measured: tuple[float, float, float]) -> None:
        for suffix, value in zip(("", "_cpu", "_rss"), measured):
            found.setdefault(key + suffix, []).append(value)

    def rollup(work: Path) -> list:
        return [cli, "rollup", "--inbox", inbox, "--archive", work / "archive", "--out", work / "out",
                "--period", period]

    logs = scratch / f"{name}-logs"
    first = scratch / f"{name}-first"  # the catalog checked and kept in the (empty) cache
    add("first", whole(rollup(first), env, logs / "first.txt"))
    cells = workbook_cells(first / "out" / f"rollup-{period}.xlsx")
    shutil.rmtree(first, ignore_errors=True)
    small = scratch / "2023-Q1_09817.csv"
    small.write_text(SMALL_CSV, encoding="utf8")
    small_env = base | {"HANOI_CTR_CACHE_DIR": str(scratch / "validate-cache")}
    whole([cli, "validate", small], small_env, logs / "validate-warm.txt")  # keeps the bundled catalog
    for i in range(runs):
        work = scratch / f"{name}-{i}"
        add("floor", whole([sys.executable, Path(__file__).resolve(), "--child", "floor", "--work", work / "floor",
                            "--inbox", inbox, "--cells", cells], env, logs / f"floor-{i}.txt"))
        add("rollup", whole(rollup(work), env, logs / f"rollup-{i}.txt"))
        add("rerun", whole(rollup(work), env, logs / f"rerun-{i}.txt"))
        if pandas:
            add("pandas", whole([sys.executable, HERE / "pandas_rollup.py", "--inbox", inbox, "--catalog", catalog,
                                 "--out", work / "pandas.xlsx"], env, logs / f"pandas-{i}.txt"))
        add("validate", whole([cli, "validate", small], small_env, logs / f"validate-{i}.txt"))
        if before is not None:
            old = {"PYTHONPATH": str(before)}
            add("before_rollup", whole(rollup(work / "before"), env | old, logs / f"before-rollup-{i}.txt"))
            add("before_rerun", whole(rollup(work / "before"), env | old, logs / f"before-rerun-{i}.txt"))
            add("before_validate", whole([cli, "validate", small], small_env | old,
                                         logs / f"before-validate-{i}.txt"))
        shutil.rmtree(work, ignore_errors=True)
        print(f"  {name} run {i + 1}/{runs}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in found.items()
                                                          if not k.endswith(("_cpu", "_rss")) and k != "first"),
              flush=True)
    rerun_log = (logs / f"rerun-{runs - 1}.txt").read_text(errors="replace")
    return {"name": name, "period": period, "runs": runs, "files": len(list(inbox.rglob("*.xlsx"))),
            "cells": cells, "found": found, "kept": "unchanged" in rerun_log}


def whole_table(results: list[dict]) -> str:
    """Return the Markdown tables of the whole-process medians and their ratios against the targets."""
    def f(m: dict, key: str, unit: str = " s", digits: int = 2) -> str:
        return "–" if m.get(key) is None else f"{m[key]:.{digits}f}{unit}"

    cases = ("floor", "rollup", "first", "rerun", "pandas", "validate")
    lines = ["| workload | files | cells written | runs | " + " | ".join(cases) + " |",
             "|---|---|---|---|" + "---|" * len(cases)]
    ratios = ["| workload | rollup ÷ floor (≤ 2.5) | pandas ÷ rollup (≥ 2) | re-run ÷ rollup (≤ 0.10) "
              "| validate (≤ 0.4 s) | peak RSS rollup |", "|---|---|---|---|---|---|"]
    for r in results:
        m = {k: statistics.median(v) for k, v in r["found"].items()}
        lines.append(f"| {r['name']} ({r['period']}) | {r['files']} | {r['cells']} | {r['runs']} | "
                     + " | ".join(f"{f(m, c)} (CPU {f(m, c + '_cpu', '')})" if c in m else "–" for c in cases)
                     + " |")

        def ratio(a: str, b: str, suffix: str = "") -> str:
            return "–" if a + suffix not in m or b + suffix not in m else f"{m[a + suffix] / m[b + suffix]:.2f}"

        kept = "" if r.get("kept") else " (not kept!)"
        ratios.append(f"| {r['name']} | {ratio('rollup', 'floor')} (CPU {ratio('rollup', 'floor', '_cpu')}) "
                      f"| {ratio('pandas', 'rollup')} (CPU {ratio('pandas', 'rollup', '_cpu')}) "
                      f"| {ratio('rerun', 'rollup')}{kept} | {f(m, 'validate')} | {f(m, 'rollup_rss', ' MB', 0)} |")
    out = "\n".join(lines) + "\n\n" + "\n".join(ratios) + "\n"
    compared = [r for r in results if "before_rollup" in r["found"]]
    if compared:
        rows = ["| workload | case | before | after | after ÷ before |", "|---|---|---|---|---|"]
        for r in compared:
            m = {k: statistics.median(v) for k, v in r["found"].items()}
            for case in ("rollup", "rerun", "validate"):
                was = f"before_{case}"
                rows.append(f"| {r['name']} | {case} | {f(m, was)} (CPU {f(m, was + '_cpu', '')}) "
                            f"| {f(m, case)} (CPU {f(m, case + '_cpu', '')}) | {m[case] / m[was]:.2f} |")
        out += "\nBefore and after, in the same turns:\n\n" + "\n".join(rows) + "\n"
    return out


def _median(found: dict, key: str) -> float | None:
    return statistics.median(found[key]) if key in found else None


def table(results: list[dict]) -> str:
    """Return the Markdown tables of medians and ratios."""
    def f(x: float | None, unit: str = " s", digits: int = 2) -> str:
        return "–" if x is None else f"{x:.{digits}f}{unit}"

    lines = ["| workload | files | input rows | runs | I/O floor | library (cold) | ingest / rollup / write "
             "| flow | unchanged re-run library / flow | peak RSS library / flow |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    ratios = ["| workload | library ÷ floor (target ≤ 1.5) | ingest ÷ read floor (term target ≤ 2) "
              "| flow − library (target ≤ 2 s + 5 ms × 4 tasks) "
              "| flow ÷ library | re-run ÷ cold, library / flow (target ≤ 0.10) | peak RSS (term target ≤ 1.5 GB) |",
              "|---|---|---|---|---|---|---|"]
    for r in results:
        m = {k: _median(r["found"], k) for k in r["found"]}
        steps = " / ".join(f(m.get(f"cold_{s}")) for s in ("ingest", "rollup", "write"))
        rss = max(v for k, v in m.items() if k.startswith("rss_"))
        lines.append(
            f"| {r['name']} ({r['period']}) | {r['files']} | {r['input_rows']} | {r['runs']} | {f(m['floor'])} "
            f"| {f(m['cold'])} | {steps} | {f(m.get('flow'))} | {f(m['rerun'])} / {f(m.get('flow_rerun'))} "
            f"| {f(m['rss_library'], ' MB', 0)} / {f(m.get('rss_flow'), ' MB', 0)} |")
        flow_extra = None if m.get("flow") is None else m["flow"] - m["cold"]
        ratios.append(
            f"| {r['name']} | {m['cold'] / m['floor']:.2f} | {m['cold_ingest'] / m['floor_read']:.2f} "
            f"| {f(flow_extra)} "
            f"| {f(None if m.get('flow') is None else m['flow'] / m['cold'], '', 2)} "
            f"| {m['rerun'] / m['cold']:.3f} / {f(None if m.get('flow') is None else m['flow_rerun'] / m['flow'], '', 3)} "
            f"| {rss:.0f} MB |")
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
    parser.add_argument("--only", choices=("city", "national", "w1", "w2", "w2bad"), action="append",
                        help="only these workloads (repeatable; default all)")
    parser.add_argument("--no-flow", action="store_true", help="skip the Prefect flow cases")
    parser.add_argument("--flow", action="store_true", help="run the flow case even with --quick")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "hanoi-ctr-bench")
    parser.add_argument("--profile", action="store_true", help="write pyinstrument profiles of the library runs")
    parser.add_argument("--inline", action="store_true", help="run the cases in this process (no flow)")
    parser.add_argument("--before", type=Path, help="a checkout of other code to time CITY's commands with too")
    args = parser.parse_args(argv)
    global INLINE
    INLINE = args.inline

    from workloads import national_catalog, scaled_catalog, templates

    only = set(args.only or ("city", "national", "w1", "w2", "w2bad"))

    args.cache.mkdir(parents=True, exist_ok=True)
    if args.quick:  # the bundled catalog: the scaled one's workbook alone takes seconds
        from hanoi_ctr.catalog import bundled_catalog_dir

        catalog = bundled_catalog_dir()
    else:
        catalog = scaled_catalog(args.cache / "catalog")
    whole_plan = []
    if args.quick:
        plan = [("quick", catalog, templates(catalog, [W1_QUARTER], args.cache, QUICK_UNITS), W1_QUARTER, 1)]
    else:
        plan = []
        if "city" in only:
            whole_plan.append(("CITY", catalog, templates(catalog, [W1_QUARTER], args.cache, format="xlsx"),
                               args.runs, True))
        if "national" in only:
            national = national_catalog(args.cache / "national", catalog)
            national_inbox = templates(national, [W1_QUARTER], args.cache, format="xlsx")
            whole_plan.append(("NATIONAL", national, national_inbox, 1, False))
            plan.append(("NATIONAL", national, national_inbox, W1_QUARTER, 1))  # its steps, for the plan on paper
        if "w1" in only:
            plan.append(("W1", catalog, templates(catalog, [W1_QUARTER], args.cache), W1_QUARTER, args.runs))
        if "w2" in only:
            plan.append(("W2", catalog, templates(catalog, W2_QUARTERS, args.cache), "2021-2025", args.w2_runs))
        if "w2bad" in only:
            plan.append(("W2-bad", catalog, templates(catalog, W2_QUARTERS, args.cache, bad=1 / 3), "2021-2025",
                         args.w2_runs))
    with_flow = not args.no_flow and not args.inline and (args.flow or not args.quick)
    scratch = Path(tempfile.mkdtemp(prefix="bench-", dir=args.cache))
    server = PrefectServer(scratch / "prefect-home") if with_flow else None
    results, whole_results = [], []
    try:
        for name, cat, inbox, runs, pandas in whole_plan:
            print(f"{name}: {len(list(inbox.rglob('*.xlsx')))} files, whole processes, {runs} run(s)", flush=True)
            whole_results.append(measure_whole(name, cat, inbox, W1_QUARTER, runs, scratch, pandas,
                                               args.before if name == "CITY" else None))
        for name, cat, inbox, period, runs in plan:
            print(f"{name}: {len(list(inbox.rglob('*.xlsx')))} files, period {period}, {runs} run(s)", flush=True)
            profile = args.cache / f"profile-{name}.txt" if args.profile else None
            flow = server if name != "NATIONAL" else None
            results.append(measure(name, cat, inbox, period, runs, scratch, flow, profile))
            if profile:
                print(f"  profile of the first cold library run: {profile}")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    text = f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} on {machine()}.\n\n"
    if whole_results:
        text += ("Whole processes (medians; CPU = user + system of the process and its children):\n\n"
                 + whole_table(whole_results) + "\n")
    if results:
        text += ("Library cases (imports not timed). Flow: against a `prefect server start` on 127.0.0.1 "
                 "already running; no warm-up flow run in the process.\n\n" + table(results))
    print(text)
    write_doc(args.out, text)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
