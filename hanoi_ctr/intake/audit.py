"""The audit log: who decided what about a unit's report, when and why; append-only and hash-chained.

`<archive>/audit.jsonl` holds one JSON object per line (UTF-8, keys sorted,
no spaces), oldest first: `seq` (1, 2, …), `at` (UTC, `…Z`), `by` (a name),
`action`, `unit_code`, `period`, `reviewer` (the unit acting), `reason`,
`until` (a lock exception's last day), `files` (the SHA-256 of the files
the decision is about) and `prev`, the SHA-256 of the line before it
(64 zeros for the first). `<archive>/audit.head` records how many lines the
log has and the SHA-256 of the last one. Changing, removing, inserting or
reordering any line, the last one included, breaks the chain: `verify`
says at which line, and nothing reads a damaged log (`AuditLogDamaged`).

Entries are appended under the archive's lock (the caller holds it): the
log is written whole to a temporary file renamed over it, then the head
likewise, so that a crash never leaves half a line. A crash between the
two renames leaves the log one well-chained line ahead of its head; that
is read as the interrupted write it is, and the next append brings the
head up to date.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from hanoi_ctr.atomic import write_bytes_atomic
from hanoi_ctr.errors import Refused, writing

GENESIS = "0" * 64
LOG, HEAD = "audit.jsonl", "audit.head"
#: Decisions on a unit's report (`review`), on a period lock (`period_locks`) and on a rollup (the flows).
ACTIONS = ("accept", "return", "approve", "lock-exception", "rollup-approve", "rollup-return")
_KEYS = {"seq", "at", "by", "action", "unit_code", "period", "reviewer", "reason", "until", "files", "prev"}


class AuditLogDamaged(Refused):
    """The audit log does not verify: a line was changed, removed or added outside `hanoi-ctr`."""


@dataclass(frozen=True)
class Entry:
    """One decision of the log."""

    seq: int
    at: datetime
    by: str
    action: str
    unit_code: str | None = None
    period: str | None = None
    reviewer: str | None = None
    reason: str | None = None
    until: date | None = None
    files: tuple[str, ...] = ()
    prev: str = GENESIS

    def line(self) -> bytes:
        """Return the entry as its line of the log (without the newline)."""
        record = {"seq": self.seq, "at": self.at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                  "by": self.by, "action": self.action, "unit_code": self.unit_code, "period": self.period,
                  "reviewer": self.reviewer, "reason": self.reason,
                  "until": self.until.isoformat() if self.until else None, "files": list(self.files),
                  "prev": self.prev}
        return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Verified:
    """What `verify` found: the entries, and whether the head lagged one entry (an interrupted write)."""

    entries: tuple[Entry, ...]
    head_behind: bool = False

    @property
    def last_sha256(self) -> str:
        """Return the SHA-256 of the last line (the genesis hash for an empty log)."""
        return _sha(self.entries[-1].line()) if self.entries else GENESIS


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class AuditLog:
    """The hash-chained decision log of an archive."""

    def __init__(self, archive: Path | str) -> None:
        self.path = Path(archive) / LOG
        self.head_path = Path(archive) / HEAD

    def _damaged(self, line: int | None, why: str) -> AuditLogDamaged:
        where = f" at line {line}" if line else ""
        return AuditLogDamaged(f"the audit log {self.path} is damaged{where}: {why}; nothing was changed — "
                               f"restore {LOG} and {HEAD} from a backup (`hanoi-ctr audit verify` checks "
                               "them)")

    def verify(self) -> Verified:
        """Return the entries if the chain and the head hold; raise `AuditLogDamaged` saying where not."""
        if not self.path.exists():
            if self.head_path.exists():
                raise self._damaged(None, f"{LOG} is missing but {HEAD} records entries")
            return Verified(())
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            raise self._damaged(data.count(b"\n") + 1, "the last line is incomplete")
        entries, prev = [], GENESIS
        for n, raw in enumerate(data.split(b"\n")[:-1], start=1):
            entry = self._parse(n, raw)
            if entry.prev != prev:
                raise self._damaged(None, f"line {n}'s `prev` is not the SHA-256 of line {n - 1} (one of the "
                                          "two was changed, or lines were removed or reordered)" if n > 1 else
                                          "line 1 does not start the chain (lines before it were removed)")
            if entry.seq != n or entry.line() != raw:
                raise self._damaged(n, "the line is not as it was written")
            entries.append(entry)
            prev = _sha(raw)
        return Verified(tuple(entries), self._check_head(entries))

    def _parse(self, n: int, raw: bytes) -> Entry:
        try:
            record = json.loads(raw.decode("utf-8"))
            if not isinstance(record, dict) or set(record) != _KEYS or record["action"] not in ACTIONS:
                raise ValueError("not an entry")
            return Entry(int(record["seq"]), datetime.fromisoformat(record["at"].replace("Z", "+00:00")),
                         str(record["by"]), record["action"], record["unit_code"], record["period"],
                         record["reviewer"], record["reason"],
                         date.fromisoformat(record["until"]) if record["until"] else None,
                         tuple(record["files"]), str(record["prev"]))
        except (ValueError, TypeError, KeyError, AttributeError):
            raise self._damaged(n, "the line does not read as an entry") from None

    def _check_head(self, entries: list[Entry]) -> bool:
        """Check the head against the log; return True when it lags one entry (an interrupted write)."""
        if not self.head_path.exists():
            if len(entries) <= 1:
                return bool(entries)
            raise self._damaged(None, f"{HEAD} is missing")
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            count, sha = int(head["entries"]), str(head["sha256"])
        except (ValueError, TypeError, KeyError, UnicodeDecodeError):
            raise self._damaged(None, f"{HEAD} does not read") from None
        shas = [GENESIS] + [_sha(e.line()) for e in entries]
        if count == len(entries) and sha == shas[-1]:
            return False
        if count == len(entries) - 1 and sha == shas[-2]:
            return True
        raise self._damaged(None, f"{HEAD} records {count} entries ending {sha[:12]}…, the log has "
                                  f"{len(entries)} ending {shas[-1][:12]}… (lines were removed, added or "
                                  "changed)")

    def entries(self) -> tuple[Entry, ...]:
        """Return every entry, oldest first, after verifying the log."""
        return self.verify().entries

    def append(self, drafts: Iterable[dict[str, Any]], now: datetime, after: datetime | None = None
               ) -> list[Entry]:
        """Append entries (dicts of Entry's fields but seq, at, prev); call it holding the archive's lock.

        They are recorded at `now`, but after the last entry and after `after` (the last receipt),
        a microsecond apart, so that the log and the batches share one order. All or none are written.
        """
        verified = self.verify()
        last = verified.entries[-1].at if verified.entries else None
        floor = max([t for t in (last, after) if t is not None], default=None)
        at = now.astimezone(timezone.utc)
        if floor is not None and at <= floor:
            at = floor + timedelta(microseconds=1)
        prev, seq, new = verified.last_sha256, len(verified.entries), []
        for i, draft in enumerate(drafts):
            entry = Entry(seq=seq + i + 1, at=at + timedelta(microseconds=i), prev=prev, **draft)
            new.append(entry)
            prev = _sha(entry.line())
        if not new:
            return []
        old = self.path.read_bytes() if self.path.exists() else b""
        with writing(f"the audit log {self.path}", "--archive, HANOI_CTR_ARCHIVE_DIR"):
            write_bytes_atomic(self.path, old + b"".join(e.line() + b"\n" for e in new))
            head = {"entries": len(verified.entries) + len(new), "sha256": prev}
            write_bytes_atomic(self.head_path, json.dumps(head).encode("ascii") + b"\n")
        return new

    def last_at(self) -> datetime | None:
        """Return when the last entry was recorded (None: no entry yet)."""
        entries = self.entries()
        return entries[-1].at if entries else None
