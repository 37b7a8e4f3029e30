"""Schedules are declared once: serve and prefect.yaml agree, in Hanoi time, on the intended days."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
import yaml
from conftest import ROOT

from flows.schedules import DEPLOYMENTS, prefect_yaml
from hanoi_ctr.periods import TIMEZONE, deadline_passed_at, parse_period
from hanoi_ctr.settings import Settings


def test_committed_prefect_yaml_is_generated_from_the_declarations():
    assert (ROOT / "prefect.yaml").read_text(encoding="utf-8") == prefect_yaml(), (
        "regenerate with `python -m flows.schedules`")


def test_serve_and_prefect_yaml_describe_the_same_deployments():
    from flows.serve import deployments

    served = {d.name: d for d in deployments()}
    declared = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}
    assert set(served) == set(declared) == {d.name for d in DEPLOYMENTS}
    for name, d in served.items():
        y = declared[name]
        assert d.parameters == y["parameters"]
        assert y["entrypoint"].endswith(":" + d.flow_name.replace("-", "_")) or d.flow_name in y["entrypoint"]
        crons = [(s.schedule.cron, s.schedule.timezone) for s in d.schedules]
        assert crons == [(s["cron"], s["timezone"]) for s in y["schedules"]]
        assert all(tz == "Asia/Ho_Chi_Minh" for _, tz in crons)


def _next(cron: str, after: datetime) -> datetime:
    from prefect.server.schemas.schedules import CronSchedule

    [when] = asyncio.run(CronSchedule(cron=cron, timezone="Asia/Ho_Chi_Minh").get_dates(n=1, start=after))
    return when.astimezone(TIMEZONE)


CRON = {d.name: d.cron for d in DEPLOYMENTS}
AFTER_Q3 = datetime(2024, 9, 20, tzinfo=TIMEZONE)


def test_quarterly_rollup_runs_the_day_after_the_deadline():
    rule = Settings().deadline_rule
    passed = deadline_passed_at(parse_period("2024-Q3"), "calendar", rule)
    run = _next(CRON["quarterly-rollup"], AFTER_Q3)
    assert run >= passed and run.date() == passed.date()  # 6 October: the day after the 5 October deadline
    assert run.hour == 6


def test_templates_open_the_window_and_the_reminder_precedes_the_deadline():
    rule = Settings().deadline_rule
    passed = deadline_passed_at(parse_period("2024-Q3"), "calendar", rule)
    templates = _next(CRON["issue-templates"], AFTER_Q3)
    reminder = _next(CRON["completeness-reminder"], AFTER_Q3)
    assert templates.date() == datetime(2024, 10, 1).date()
    assert templates < reminder < passed and passed - reminder <= timedelta(days=3)


@pytest.mark.parametrize("name,period,after", [
    ("half-year-rollup", "2024-H1", datetime(2024, 6, 1, tzinfo=TIMEZONE)),
    ("half-year-rollup", "2024-H2", datetime(2024, 12, 1, tzinfo=TIMEZONE)),
    ("year-rollup", "2024", datetime(2024, 12, 1, tzinfo=TIMEZONE)),
])
def test_half_year_and_year_rollups_follow_their_deadlines(name, period, after):
    passed = deadline_passed_at(parse_period(period), "calendar", Settings().deadline_rule)
    run = _next(CRON[name], after)
    assert run >= passed and run.date() == passed.date()


def test_the_flow_picks_the_period_whose_deadline_just_passed(catalog):
    from hanoi_ctr.pipeline import resolve_period

    run = _next(CRON["quarterly-rollup"], AFTER_Q3)
    assert str(resolve_period(None, "quarter", catalog, Settings(), run)) == "2024-Q3"
    templates = _next(CRON["issue-templates"], AFTER_Q3)
    assert str(resolve_period(None, "quarter", catalog, Settings(), templates, closing=True)) == "2024-Q3"
    reminder = _next(CRON["completeness-reminder"], AFTER_Q3)
    assert str(resolve_period(None, "quarter", catalog, Settings(), reminder, closing=True)) == "2024-Q3"
    year = _next(CRON["year-rollup"], AFTER_Q3)
    assert str(resolve_period(None, "year", catalog, Settings(), year)) == "2024"


def test_deployments_give_their_flow_runs_the_data_folder():
    from flows.schedules import JOB_ENV

    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    assert JOB_ENV == {"HANOI_CTR_DATA_DIR": "{{ $HANOI_CTR_DATA_DIR }}"}
    assert all(d["work_pool"]["job_variables"]["env"] == JOB_ENV for d in declared)


def test_a_data_folder_prefect_deploy_did_not_resolve_stops_the_run():
    from hanoi_ctr.errors import ConfigError

    with pytest.raises(ConfigError, match=r"was not set when the deployments were made: set HANOI_CTR_DATA_DIR"):
        Settings.from_env({"HANOI_CTR_DATA_DIR": "{{ $HANOI_CTR_DATA_DIR }}"})
