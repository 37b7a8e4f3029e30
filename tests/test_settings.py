"""Settings: one immutable object read from HANOI_CTR_* variables, with clear configuration errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hanoi_ctr import ConfigError, Settings


def test_defaults_and_derived_folders():
    s = Settings()
    assert (s.calendar, s.lang, s.on_track, s.at_risk) == ("calendar", "vi", 0.9, 0.7)
    assert s.inbox == Path("hanoi-ctr-data/inbox") and s.archive == Path("hanoi-ctr-data/archive")
    assert s.output == Path("hanoi-ctr-data/output")
    assert s.deadline_rule.days("quarter") == 5


def test_environment_variables_are_typed():
    s = Settings.from_env({"HANOI_CTR_DATA_DIR": "/srv/x", "HANOI_CTR_OUTPUT_DIR": "/srv/out",
                           "HANOI_CTR_CALENDAR": "decree09", "HANOI_CTR_DEADLINE_QUARTER_DAYS": "7",
                           "HANOI_CTR_ON_TRACK": "0.95", "HANOI_CTR_LANG": "en", "UNRELATED": "x"})
    assert s.inbox == Path("/srv/x/inbox") and s.output == Path("/srv/out")
    assert (s.calendar, s.deadline_rule.days("quarter"), s.on_track, s.lang) == ("decree09", 7, 0.95, "en")


def test_keyword_overrides_win_and_the_object_is_immutable():
    s = Settings.from_env({"HANOI_CTR_LANG": "en"}, lang="vi")
    assert s.lang == "vi"
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.lang = "en"  # type: ignore[misc]
    assert s.replace(lang="en").lang == "en" and s.lang == "vi"


@pytest.mark.parametrize("env,message", [
    ({"HANOI_CTR_CALENDAR": "lunar"}, "calendar must be one of"),
    ({"HANOI_CTR_LANG": "fr"}, "lang must be one of"),
    ({"HANOI_CTR_DEADLINE_QUARTER_DAYS": "five"}, "HANOI_CTR_DEADLINE_QUARTER_DAYS='five' is not a valid int"),
    ({"HANOI_CTR_ON_TRACK": "0.5", "HANOI_CTR_AT_RISK": "0.8"}, "at_risk <= on_track"),
])
def test_bad_settings_are_one_line_configuration_errors(env, message):
    with pytest.raises(ConfigError, match=message) as err:
        Settings.from_env(env)
    assert "\n" not in str(err.value)


def test_importing_reads_no_environment(monkeypatch):
    import importlib

    import hanoi_ctr

    monkeypatch.setenv("HANOI_CTR_CALENDAR", "not-a-calendar")
    importlib.reload(hanoi_ctr)  # no error: nothing is read until Settings.from_env() is called
    with pytest.raises(ConfigError):
        Settings.from_env()


def test_period_locks_and_approved_only_are_off_by_default_and_read_from_the_environment():
    assert (Settings().lock_days, Settings().approved_only) == (None, False)
    s = Settings.from_env({"HANOI_CTR_LOCK_DAYS": "90", "HANOI_CTR_APPROVED_ONLY": "yes"})
    assert (s.lock_days, s.approved_only) == (90, True)
    s = Settings.from_env({"HANOI_CTR_LOCK_DAYS": "", "HANOI_CTR_APPROVED_ONLY": "0"})
    assert (s.lock_days, s.approved_only) == (None, False)
    for env, message in (({"HANOI_CTR_APPROVED_ONLY": "maybe"}, "is not a yes/no value"),
                         ({"HANOI_CTR_LOCK_DAYS": "-1"}, "lock_days must be 0 or more"),
                         ({"HANOI_CTR_LOCK_DAYS": "ninety"}, "is not a valid int")):
        with pytest.raises(ConfigError, match=message):
            Settings.from_env(env)
