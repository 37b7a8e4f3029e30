"""What a period's outputs were made from, recorded beside them, so that an unchanged re-run keeps them.

`made_from` names everything a rollup's outputs depend on: the archive's
state (its committed batches: the archive only ever grows by a batch), the
as-of instant asked for, the catalog's version, the settings, the language,
whether wards are shown, a pinned generation date, the process umask (the
files' mode) and the software (its version and a digest of its code and
method text, so that a changed program is never taken for the same one).
`record` writes it, with the SHA-256 of every output and the summary the
run returned, as `made-from-<period>.json` beside the outputs, after them;
`kept` returns that summary when what a new run would be made from is the
same and every output is still there with the same content, else None.

The generation date ("Ngày lập") counts only when pinned (`generated_on`,
or `SOURCE_DATE_EPOCH`): unpinned, outputs made from the same inputs on an
earlier day are kept, and say the day they were made.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from hanoi_ctr.atomic import current_umask, write_text_atomic
from hanoi_ctr.catalog import Catalog
from hanoi_ctr.intake.store import Store
from hanoi_ctr.periods import Period
from hanoi_ctr.report.method import method_text
from hanoi_ctr.settings import Settings
from hanoi_ctr.version import __version__

#: Settings that only say where things are (the archive is identified by its state instead).
_PLACES = ("catalog_dir", "data_dir", "inbox_dir", "archive_dir", "output_dir", "cache_dir", "dask_address")


def manifest_path(out: Path, period: Period | str) -> Path:
    """Return where the record of a period's outputs is kept."""
    return out / f"made-from-{str(period).replace('/', '-')}.json"


def archive_state(store: Store) -> str:
    """Return a digest of the archive's committed batches (a new batch changes it)."""
    return hashlib.sha256("\n".join(store.batch_names()).encode()).hexdigest()


def made_from(archive: str, as_of: datetime | None, catalog: Catalog, settings: Settings, period: Period | str,
              lang: str, include_wards: bool, generated_on: date | None) -> dict[str, Any]:
    """Return what a period's outputs are made from, as plain JSON values."""
    pinned = generated_on or _pinned_date()
    return {
        "software": __version__, "code": _code_digest(), "period": str(period), "archive": archive,
        "as_of": None if as_of is None else as_of.isoformat(), "catalog": catalog.version,
        "settings": settings_digest(settings), "lang": lang, "include_wards": include_wards,
        "generated_on": None if pinned is None else pinned.isoformat(), "umask": current_umask(),
    }


def settings_digest(settings: Settings) -> str:
    """Return a digest of every setting that can change an output (not where files are)."""
    values = {name: repr(value) for name, value in sorted(vars(settings).items()) if name not in _PLACES}
    values["extra"] = repr(sorted(dict(settings.extra).items()))
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def record(path: Path, made: Mapping[str, Any], outputs: Mapping[str, Path], summary: Mapping[str, Any]) -> None:
    """Write the record of a period's outputs: what they were made from, their SHA-256, the run's summary."""
    files = {name: {"file": p.name, "sha256": _sha256(p)} for name, p in sorted(outputs.items())}
    body = {"made_from": dict(made), "outputs": files, "summary": dict(summary)}
    write_text_atomic(path, json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def kept(path: Path, made: Mapping[str, Any]) -> tuple[dict[str, Path], dict[str, Any]] | None:
    """Return (outputs by name, summary) when they were made from `made` and are intact, else None."""
    try:
        body = json.loads(path.read_text(encoding="utf8"))
        if body["made_from"] != dict(made):
            return None
        outputs = {name: path.parent / entry["file"] for name, entry in body["outputs"].items()}
        if any(_sha256(p) != body["outputs"][name]["sha256"] for name, p in outputs.items()):
            return None
        return outputs, body["summary"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pinned_date() -> date | None:
    from hanoi_ctr.report.inputs import generation_date

    return generation_date() if os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit() else None


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """Return a digest of the package's code and the method text the workbook lays out."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(method_text().encode())
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()
