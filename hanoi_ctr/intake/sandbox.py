"""Open workbooks in a child process, bounded in memory and time, and ask it what they hold.

The native parser cannot be interrupted, and when an allocation fails it
aborts the whole process: one hostile workbook would stop the inbox. So a
workbook is opened in a child process with a data-memory limit
(`RLIMIT_DATA`) and a deadline per file: the child measures it and reads
its XML (`sheetxml`), then parses the sheets asked for with fastexcel and
tells the formats of the cells asked for. A child that runs out of memory
dies alone, one that overruns is killed; either is `ParseFailed` for that
file, and the next file gets a fresh child. Nothing of a workbook's content
is read in the parent, and the children of the two reading threads work in
parallel. Children are kept (two per limit) and reused, so the start-up
cost (~0.3 s) is paid once per run, not per file.

The child is `sandbox_child.py`, run as a script: it loads `sheetxml`
(standard library only) by its path and nothing else of `hanoi_ctr`, reads
requests on stdin and answers in JSON on stdout.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection

from hanoi_ctr.intake import sheetxml

# The framing `sandbox_child` reads and writes.
_REQUEST = struct.Struct(">IQ")  # length of the JSON part, length of the workbook's bytes that follow
_REPLY = struct.Struct(">Q")  # length of the JSON reply
_KEPT = 2  # idle children kept per memory limit: one per reading thread


class ParseFailed(Exception):
    """The child could not read a workbook: `reason` is `memory`, `time` or `parser`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


@dataclass
class Sheet(sheetxml.SheetRange):
    """One worksheet as the child read it; `first_column` and `hidden_rows` once its rows are asked for."""

    name: str
    state: str
    rows: int
    columns: int
    #: The first column holding a value: the parsed rows start there (their position 0).
    first_column: int = 1
    hidden_rows: frozenset[int] = field(default_factory=frozenset)

    def column(self, position: int) -> int:
        """Return the sheet column (1-based) of a position in the parsed rows."""
        return self.first_column + position

    def position(self, column: int) -> int:
        """Return the position in the parsed rows of a sheet column."""
        return column - self.first_column

    def letters(self, position: int) -> str:
        """Return the letters of the column at a position in the parsed rows."""
        return sheetxml.column_letters(self.column(position))


class Workbook:
    """A workbook opened in a child process (use it as a context manager).

    `refused` says why it is not parsed at all (`sheetxml.Refused`); otherwise `sheets` lists its
    worksheets in tab order, `rows(names)` parses some and `cells(name, columns)` tells how the
    cells of some columns were stored. Every call raises ParseFailed when the child runs out of
    `memory` bytes or of the `seconds` the whole file has, or the parser fails.
    """

    def __init__(self, data: bytes, limits: sheetxml.Limits, memory: int, seconds: float,
                 template: tuple[str, ...] | None = None, positions: dict[str, list[int]] | None = None) -> None:
        self._memory, self._deadline = memory, time.monotonic() + seconds
        try:
            self._child: _Child | None = _POOL.take(memory)
        except OSError as exc:  # no child process can be started here: every workbook says why
            raise ParseFailed("parser", f"the parser process cannot start ({exc.strerror or exc})") from None
        # With `template`, the child reads everything a reader takes in the same round trip (`read`).
        # `positions`: per sheet, the positions in the parsed rows whose cells' storage will be asked about.
        op = {"op": "open"} if template is None else {"op": "read", "template": list(template),
                                                       "positions": positions or {}}
        opened = self._ask(op | {"limits": [limits.uncompressed_bytes, limits.cells]}, data)
        self.refused = sheetxml.Refused(opened["refused"][0], _detail(opened["refused"][1])) if "refused" in opened \
            else None
        self.sheets = tuple(Sheet(*s) for s in opened.get("sheets", []))
        self._rows = self._parsed(opened.get("rows", []))
        self._stored = {name: (frozenset(told["columns"]), {(row, column): sheetxml.Cell(kind, pad)
                                                            for row, column, kind, pad in told["cells"]})
                        for name, told in opened.get("cells", {}).items()}

    def sheet(self, name: str) -> Sheet | None:
        """Return the sheet of a name, or None."""
        return next((s for s in self.sheets if s.name == name), None)

    def rows(self, names: list[str]) -> dict[str, list[list[str]]]:
        """Return the named sheets as rows of text (index i is the user's row i + 1)."""
        if all(name in self._rows for name in names):  # read with the workbook
            return {name: self._rows[name] for name in names}
        return self._parsed(self._ask({"op": "rows", "sheets": names})["sheets"])

    def _parsed(self, sheets: list) -> dict[str, list[list[str]]]:
        for name, _, first, hidden in sheets:
            sheet = self.sheet(name)
            if sheet is not None:
                sheet.first_column, sheet.hidden_rows = first, frozenset(hidden)
        return {name: rows for name, rows, _, _ in sheets}

    def cells(self, name: str, columns: Collection[int]) -> dict[tuple[int, int], sheetxml.Cell]:
        """Return (row, column) → Cell for the cells of some columns of a sheet (1-based).

        Only cells stored as numbers or percentages are told when the workbook was read whole;
        a reader asks about no other kind.
        """
        if not columns:
            return {}
        wanted = set(columns)
        if name in self._stored:
            covered, stored = self._stored[name]
            if wanted <= covered:
                return {key: cell for key, cell in stored.items() if key[1] in wanted}
        found = self._ask({"op": "cells", "sheet": name, "columns": sorted(wanted)})["cells"]
        return {(row, column): sheetxml.Cell(kind, pad) for row, column, kind, pad in found}

    def _ask(self, request: dict, data: bytes = b"") -> dict:
        if self._child is None:
            raise ParseFailed("parser", "the workbook is closed")
        try:
            reply = self._child.ask(request, data, self._deadline)
        except _Dead as dead:
            self._child.kill()
            self._child = None
            raise ParseFailed(dead.reason, dead.detail) from None
        if "error" in reply:
            raise ParseFailed("parser", reply["error"])
        return reply

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc: object) -> None:
        if self._child is not None:
            _POOL.give(self._memory, self._child)
            self._child = None


def _detail(detail: str | list[str]) -> str | tuple[str, str]:
    return detail if isinstance(detail, str) else (detail[0], detail[1])


class _Dead(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


class _Child:
    """One child process and its pipes."""

    def __init__(self, memory: int) -> None:
        env = dict(os.environ, RUST_BACKTRACE="0", POLARS_MAX_THREADS="1")
        script = Path(__file__).with_name("sandbox_child.py")
        self.process = subprocess.Popen([sys.executable, "-I", str(script), str(memory)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        #: Whether it was asked anything (one started ahead and never used is stopped at once at exit).
        self.used = False

    def ask(self, request: dict, data: bytes, deadline: float) -> dict:
        """Send a request and its bytes; return the reply, or raise _Dead."""
        head = json.dumps(request).encode()
        self.used = True
        try:
            self.process.stdin.write(_REQUEST.pack(len(head), len(data)) + head)
            self.process.stdin.write(data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._died() from None
        (size,) = _REPLY.unpack(self._read(_REPLY.size, deadline))
        return json.loads(self._read(size, deadline))

    def _read(self, n: int, deadline: float) -> bytes:
        fd, chunks, left = self.process.stdout.fileno(), [], n
        while left:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                self.kill()
                raise _Dead("time")
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                raise self._died()
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _died(self) -> _Dead:
        code = self.process.wait()
        # A failed allocation aborts (SIGABRT); anything else is the parser's own failure.
        return _Dead("memory" if code == -6 else "parser", f"exit status {code}")

    def kill(self) -> None:
        """End the child now."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def close(self) -> None:
        """Let the child end (it stops at the end of its input)."""
        try:
            self.process.stdin.close()
            self.process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()


class _Pool:
    """Idle children by memory limit, shared by the reading threads."""

    def __init__(self) -> None:
        self._idle: dict[int, list[_Child]] = {}
        self._lock = threading.Lock()
        self._closing_at_exit = False

    def take(self, memory: int) -> _Child:
        with self._lock:
            idle = self._idle.setdefault(memory, [])
            while idle:
                child = idle.pop()
                if child.process.poll() is None:
                    return child
            self._close_at_exit()
        return _Child(memory)

    def prestart(self, memory: int, count: int) -> None:
        with self._lock:
            missing = count - sum(c.process.poll() is None for c in self._idle.get(memory, []))
            if missing > 0:
                self._close_at_exit()
        for _ in range(max(missing, 0)):
            try:
                child = _Child(memory)
            except OSError:  # a parser that cannot start is said for each workbook when it is read
                return
            self.give(memory, child)

    def _close_at_exit(self) -> None:
        """Have the children closed at exit (under the lock): registered when the first is started, so
        that importing starts nothing."""
        if not self._closing_at_exit:
            atexit.register(self.close)
            self._closing_at_exit = True

    def give(self, memory: int, child: _Child) -> None:
        with self._lock:
            idle = self._idle.setdefault(memory, [])
            if len(idle) < _KEPT:
                idle.append(child)
                return
        child.close()

    def close(self) -> None:
        with self._lock:
            children = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for child in children:
            if child.used:
                child.close()
            else:
                child.kill()


_POOL = _Pool()


def prestart(memory: int) -> None:
    """Start the children that read workbooks with `memory` now, one per reading thread: each loads its
    parser while the caller goes on, for the workbooks about to come."""
    _POOL.prestart(memory, _KEPT)
