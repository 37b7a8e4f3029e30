"""Settings: one immutable object, read from the environment at the entry point.

Every setting has a default and an environment variable `HANOI_CTR_<NAME>`
(e.g. `HANOI_CTR_CALENDAR=decree09`). Read them once with
`Settings.from_env()` where the program starts and pass the object down;
nothing else in the library reads the environment.

Library functions that take settings either require them or say that
`None` means these defaults (`Settings()`), never the environment.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping, get_args

from hanoi_ctr.errors import ConfigError
from hanoi_ctr.periods import Calendar, DeadlineRule

ENV_PREFIX = "HANOI_CTR_"
Lang = Literal["vi", "en"]
CALENDARS: tuple[str, ...] = get_args(Calendar)
LANGUAGES: tuple[str, ...] = get_args(Lang)


@dataclass(frozen=True)
class Settings:
    """Everything a run can be configured with."""

    #: Catalog directory; None = the catalog bundled with the package.
    catalog_dir: Path | None = None
    #: Base directory for the inbox, archive and outputs unless set one by one.
    data_dir: Path = Path("hanoi-ctr-data")
    inbox_dir: Path | None = None
    archive_dir: Path | None = None
    output_dir: Path | None = None
    #: Data windows: plain calendar quarters or Decree 09/2019 cut-offs (15th → 14th).
    calendar: Calendar = "calendar"
    #: Days after a window's end by which a submission is on time.
    deadline_quarter_days: int = 5
    deadline_half_days: int = 10
    deadline_year_days: int = 15
    deadline_term_days: int = 30
    #: Status thresholds on progress ÷ expected progress: ≥ on_track → on track, ≥ at_risk → at risk.
    on_track: float = 0.9
    at_risk: float = 0.7
    #: A district's own figure and its wards' rollup disagree beyond this relative tolerance.
    rollup_tolerance: float = 0.01
    #: A sum over fewer than this share of its expected reports is `incomplete`: not judged.
    complete_coverage: float = 1.0
    #: Robust z-score beyond which a value is an outlier.
    outlier_z: float = 3.5
    #: An outlier's scale is at least this share of |median|, so that a flat history still has one.
    outlier_floor_share: float = 0.05
    lang: Lang = "vi"
    #: Guards against hostile or accidental huge files.
    max_file_bytes: int = 20_000_000
    max_rows: int = 100_000
    max_uncompressed_bytes: int = 200_000_000
    #: A sheet's used range (rows × columns) above this is refused before parsing.
    max_cells: int = 5_000_000
    #: A workbook is parsed in a child process with this much data memory and this long at most.
    max_parse_memory_bytes: int = 1_500_000_000
    max_parse_seconds: float = 60.0
    #: A period locks this many days after its deadline has passed (0: as soon as it passes): a file for it
    #: received later is archived but held (`period-locked`) until a lock exception is recorded for its
    #: unit and period. None (the default, or an empty HANOI_CTR_LOCK_DAYS) = periods never lock.
    lock_days: int | None = None
    #: Roll up only what the city approved (each unit's values as they stood when approved), not every
    #: value accepted at intake; the workbook marks values not approved either way.
    approved_only: bool = False
    #: Dask scheduler address for scaled-out ingestion; None = a local cluster.
    dask_address: str | None = None
    #: Where checked catalogs are kept by content (`catalog.cache`); None = nowhere. `from_env`
    #: defaults it to the user's cache folder (`$XDG_CACHE_HOME/hanoi-ctr`, else `~/.cache/hanoi-ctr`);
    #: an empty `HANOI_CTR_CACHE_DIR` keeps none.
    cache_dir: Path | None = None
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.calendar not in CALENDARS:
            raise ConfigError(f"calendar must be one of {', '.join(CALENDARS)}, not {self.calendar!r}")
        if self.lang not in LANGUAGES:
            raise ConfigError(f"lang must be one of {', '.join(LANGUAGES)}, not {self.lang!r}")
        if not 0 < self.at_risk <= self.on_track:
            raise ConfigError("status thresholds need 0 < at_risk <= on_track")
        if not 0 < self.complete_coverage <= 1:
            raise ConfigError("complete_coverage must be a share: 0 < complete_coverage <= 1")
        if self.outlier_z <= 0 or not 0 <= self.outlier_floor_share < 1:
            raise ConfigError("outliers need outlier_z > 0 and 0 <= outlier_floor_share < 1")
        if self.lock_days is not None and self.lock_days < 0:
            raise ConfigError(f"lock_days must be 0 or more (or empty: periods never lock), "
                              f"not {self.lock_days}")

    @property
    def inbox(self) -> Path:
        """Return the folder where submissions arrive."""
        return self.inbox_dir or self.data_dir / "inbox"

    @property
    def archive(self) -> Path:
        """Return the folder where received files, the ledger and the value store live."""
        return self.archive_dir or self.data_dir / "archive"

    @property
    def output(self) -> Path:
        """Return the folder where workbooks and Parquet results are written."""
        return self.output_dir or self.data_dir / "output"

    @property
    def deadline_rule(self) -> DeadlineRule:
        """Return the submission deadline rule."""
        return DeadlineRule(
            quarter=self.deadline_quarter_days, half=self.deadline_half_days,
            year=self.deadline_year_days, term=self.deadline_term_days,
        )

    def replace(self, **changes: Any) -> "Settings":
        """Return a copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Read settings from `HANOI_CTR_*` variables; keyword overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            key = ENV_PREFIX + f.name.upper()
            if f.name == "extra" or key not in env:
                continue
            values[f.name] = _parse(f.name, str(f.type), env[key])
        if ENV_PREFIX + "CACHE_DIR" not in env:
            values["cache_dir"] = user_cache_dir(env)
        values.update(overrides)
        return cls(**values)


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def user_cache_dir(env: Mapping[str, str]) -> Path | None:
    """Return the user's cache folder for hanoi_ctr by the XDG convention (None without a home).

    >>> user_cache_dir({"XDG_CACHE_HOME": "/var/cache/me", "HOME": "/home/me"})
    PosixPath('/var/cache/me/hanoi-ctr')
    >>> user_cache_dir({"HOME": "/home/me"}), user_cache_dir({})
    (PosixPath('/home/me/.cache/hanoi-ctr'), None)
    """
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "hanoi-ctr"
    return Path(env["HOME"]) / ".cache" / "hanoi-ctr" if env.get("HOME") else None


def _parse(name: str, type_name: str, text: str) -> Any:
    if "{{" in text:  # a deployment's job variable that `prefect deploy` found no value for
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}={text!r} was not set when the deployments were made: "
                          f"set {ENV_PREFIX}{name.upper()} and run `prefect deploy --all` again")
    if not text.strip() and "None" in type_name:
        return None
    if type_name == "bool":
        if text.strip().lower() in _TRUE | _FALSE:
            return text.strip().lower() in _TRUE
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}={text!r} is not a yes/no value "
                          "(1/0, true/false, yes/no)")
    try:
        if "Path" in type_name:
            return Path(text) if text else None
        if type_name.startswith("int"):
            return int(text)
        if type_name.startswith("float"):
            return float(text)
    except ValueError:
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}={text!r} is not a valid {type_name}") from None
    return text or None if "None" in type_name else text
