"""The audit log: append-only, each line chained to the one before by its SHA-256, any edit detected."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hanoi_ctr.cli import main
from hanoi_ctr.errors import Refused
from hanoi_ctr.intake.audit import GENESIS, AuditLog, AuditLogDamaged

T0 = datetime(2025, 1, 15, 3, 0, tzinfo=timezone.utc)
DECISIONS = [
    {"by": "Nguyễn Văn An", "action": "accept", "unit_code": "00004", "period": "2024-Q4", "reviewer": "001",
     "files": ("a" * 64,)},
    {"by": "Trần Thị Bình", "action": "return", "unit_code": "002", "period": "2024-Q4", "reviewer": "01",
     "reason": "Số liệu 08.08 chưa khớp biên bản"},
    {"by": "city", "action": "lock-exception", "unit_code": "003", "period": "2023-Q1", "reviewer": "01",
     "reason": "QĐ 12/QĐ-TU", "until": date(2027, 1, 31)},
]


def _log(tmp_path) -> AuditLog:
    log = AuditLog(tmp_path)
    log.append(DECISIONS[:2], T0)
    log.append(DECISIONS[2:], T0 + timedelta(days=1))
    return log


def test_each_line_carries_the_sha256_of_the_line_before_and_the_head_the_last(tmp_path):
    log = _log(tmp_path)
    lines = log.path.read_bytes().splitlines()
    assert len(lines) == 3
    prevs = [json.loads(line)["prev"] for line in lines]
    assert prevs == [GENESIS, hashlib.sha256(lines[0]).hexdigest(), hashlib.sha256(lines[1]).hexdigest()]
    head = json.loads(log.head_path.read_text())
    assert head == {"entries": 3, "sha256": hashlib.sha256(lines[2]).hexdigest()}
    entries = log.verify().entries
    assert [(e.seq, e.action, e.by) for e in entries] == [
        (1, "accept", "Nguyễn Văn An"), (2, "return", "Trần Thị Bình"), (3, "lock-exception", "city")]
    assert entries[0].at == T0 and entries[1].at == T0 + timedelta(microseconds=1)  # one order, never a tie
    assert entries[2].until == date(2027, 1, 31) and entries[1].reason == "Số liệu 08.08 chưa khớp biên bản"
    assert json.loads(lines[0])["at"] == "2025-01-15T03:00:00.000000Z"  # stored in UTC


def test_an_entry_is_never_recorded_before_the_last_one(tmp_path):
    log = _log(tmp_path)
    later, = log.append([DECISIONS[0]], T0 - timedelta(days=30))  # a machine whose clock is behind
    assert later.at > log.verify().entries[-2].at


@given(st.data())
def test_any_single_byte_edit_of_the_log_is_detected(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("audit")
    log = _log(folder)
    original = log.path.read_bytes()
    at = data.draw(st.integers(0, len(original) - 1), label="position")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != original[at]), label="byte")
    log.path.write_bytes(original[:at] + bytes([byte]) + original[at + 1:])
    with pytest.raises(AuditLogDamaged):
        log.verify()


@pytest.mark.parametrize("damage", ["drop last", "drop first", "swap", "truncate", "head", "no head"])
def test_removed_reordered_or_cut_lines_and_a_changed_head_are_detected(tmp_path, damage):
    log = _log(tmp_path)
    lines = log.path.read_bytes().splitlines(keepends=True)
    if damage == "drop last":
        log.path.write_bytes(b"".join(lines[:-1]))
    elif damage == "drop first":
        log.path.write_bytes(b"".join(lines[1:]))
    elif damage == "swap":
        log.path.write_bytes(b"".join([lines[1], lines[0], lines[2]]))
    elif damage == "truncate":
        log.path.write_bytes(b"".join(lines)[:-10])
    elif damage == "head":
        log.head_path.write_text(json.dumps({"entries": 3, "sha256": "0" * 64}))
    else:
        log.head_path.unlink()
    with pytest.raises(AuditLogDamaged) as err:
        log.verify()
    assert "\n" not in str(err.value) and isinstance(err.value, Refused)


def test_an_append_interrupted_before_its_head_reads_and_is_healed_by_the_next(tmp_path):
    log = _log(tmp_path)
    head = log.head_path.read_bytes()
    log.append([DECISIONS[0]], T0 + timedelta(days=2))
    log.head_path.write_bytes(head)  # the crash: the log renamed into place, the head not yet
    assert log.verify().head_behind and len(log.entries()) == 4
    log.append([DECISIONS[1]], T0 + timedelta(days=3))
    verified = log.verify()
    assert not verified.head_behind and len(verified.entries) == 5


def test_a_damaged_log_takes_no_new_entry(tmp_path):
    log = _log(tmp_path)
    log.path.write_bytes(log.path.read_bytes().replace(b"An", b"Anh"))
    before = log.path.read_bytes()
    with pytest.raises(AuditLogDamaged):
        log.append([DECISIONS[0]], T0 + timedelta(days=5))
    assert log.path.read_bytes() == before


def test_audit_verify_command_exit_codes(tmp_path, capsys):
    log = _log(tmp_path)
    assert main(["audit", "verify", "--archive", str(tmp_path)]) == 0
    assert "audit log OK: 3 entries" in capsys.readouterr().out
    assert main(["audit", "log", "--archive", str(tmp_path), "--unit", "002"]) == 0
    assert "return" in capsys.readouterr().out
    log.path.write_bytes(log.path.read_bytes().replace("Bình".encode(), "Binh".encode()))
    assert main(["audit", "verify", "--archive", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "damaged" in err and "line 2" in err
