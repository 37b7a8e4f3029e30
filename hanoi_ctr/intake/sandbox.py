"""Parse workbooks with fastexcel in a child process, bounded in memory and time.

The native parser cannot be interrupted, and when an allocation fails it
aborts the whole process: one hostile workbook would stop the inbox. So
workbooks are parsed in child processes, each with a data-memory limit
(`RLIMIT_DATA`) and a deadline per file. A child that runs out of memory
dies alone, one that overruns is killed; either is `ParseFailed` for that
file, and the next file gets a fresh child. Children are kept (two per
limit, one per reading thread) and reused, so the start-up cost (~0.3 s)
is paid once per run, not per file.

Run as a script, this module is the child: it imports nothing from
`hanoi_ctr`, reads requests on stdin and answers on stdout, the rows of
each sheet as JSON (cheaper to pass than a frame: a template's sheets go
through in well under a millisecond).
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

_REQUEST = struct.Struct(">IQ")  # length of the JSON part, length of the workbook's bytes that follow
_REPLY = struct.Struct(">Q")  # length of the JSON reply
_KEPT = 2  # idle children kept per memory limit: one per reading thread


class ParseFailed(Exception):
    """The child could not parse a workbook: `reason` is `memory`, `time` or `parser`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


def parse(data: bytes, sheets: list[str], memory: int, seconds: float) -> dict[str, list[list[str | None]]]:
    """Return {sheet name: rows of text cells} for some sheets of a workbook, parsed in a child.

    Raises ParseFailed when the child runs out of `memory` bytes or `seconds`, or the parser fails.
    """
    try:
        child = _POOL.take(memory)
    except OSError as exc:  # no child process can be started here: every workbook says why
        raise ParseFailed("parser", f"the parser process cannot start ({exc.strerror or exc})") from None
    try:
        reply = child.ask({"sheets": sheets}, data, time.monotonic() + seconds)
    except _Dead as dead:
        _POOL.discard(child)
        raise ParseFailed(dead.reason, dead.detail) from None
    _POOL.give(memory, child)
    if not reply.get("ok"):
        raise ParseFailed("parser", reply.get("error", ""))
    return dict(reply["sheets"])


class _Dead(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


class _Child:
    """One child process and its pipes."""

    def __init__(self, memory: int) -> None:
        env = dict(os.environ, RUST_BACKTRACE="0", POLARS_MAX_THREADS="1")
        self.process = subprocess.Popen([sys.executable, "-I", __file__, str(memory)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)

    def ask(self, request: dict, data: bytes, deadline: float) -> dict:
        """Send a request and its bytes; return the reply, or raise _Dead."""
        head = json.dumps(request).encode()
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
            if not self._closing_at_exit:  # registered on first use: importing starts nothing
                atexit.register(self.close)
                self._closing_at_exit = True
        return _Child(memory)

    def give(self, memory: int, child: _Child) -> None:
        with self._lock:
            idle = self._idle.setdefault(memory, [])
            if len(idle) < _KEPT:
                idle.append(child)
                return
        child.close()

    def discard(self, child: _Child) -> None:
        child.kill()

    def close(self) -> None:
        with self._lock:
            children = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for child in children:
            child.close()


_POOL = _Pool()


# --- the child ------------------------------------------------------------------------------


def _serve(memory: int) -> None:
    """Answer parse requests from stdin until it closes."""
    import resource

    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    import fastexcel
    import polars  # noqa: F401 (fastexcel's to_polars)

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = stdin.read(_REQUEST.size)
        if len(head) < _REQUEST.size:
            return
        size_json, size_data = _REQUEST.unpack(head)
        request = json.loads(stdin.read(size_json))
        data = stdin.read(size_data)
        try:
            reader = fastexcel.read_excel(data)
            sheets = [(name, reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_polars().rows())
                      for name in request["sheets"]]
            reply = json.dumps({"ok": True, "sheets": sheets}, ensure_ascii=False).encode()
        except Exception as exc:  # any failure of the parser on this file is the file's problem
            reply = json.dumps({"ok": False, "error": type(exc).__name__}).encode()
        stdout.write(_REPLY.pack(len(reply)) + reply)
        stdout.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
