"""Serve the declared deployments on their schedules (`hanoi-ctr serve`).

Runs against the Prefect API the environment points at (`PREFECT_API_URL`),
for example a local `prefect server start`. Without one Prefect would start
a temporary server whose schedules vanish with it: that is refused unless
asked for. The deployments and schedules come from
`flows.schedules.DEPLOYMENTS`, the same list `prefect.yaml` is generated from.
"""

from __future__ import annotations

from typing import Any

from flows.schedules import DEPLOYMENTS, TIMEZONE
from hanoi_ctr.errors import ConfigError

NO_SERVER = ("PREFECT_API_URL is not set, and the schedules would vanish with a temporary server: start one with "
             "`prefect server start --host 127.0.0.1`, set PREFECT_API_URL=http://127.0.0.1:4200/api and serve "
             "again, or pass --temporary-server")


def api_url() -> str | None:
    """Return the Prefect API this process talks to (environment or profile), or None."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


def deployments(names: tuple[str, ...] = ()) -> list[Any]:
    """Return Prefect deployments for the declared specs (all, or those named)."""
    from prefect.schedules import Cron

    from flows import pipelines

    known = [d.name for d in DEPLOYMENTS]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"no deployment named {unknown[0]!r}; the deployments are {', '.join(known)}")
    chosen = [d for d in DEPLOYMENTS if not names or d.name in names]
    return [
        getattr(pipelines, d.flow).to_deployment(
            name=d.name, description=d.description, parameters=d.parameters,
            schedules=[Cron(d.cron, timezone=TIMEZONE)] if d.cron else [],
        )
        for d in chosen
    ]


def serve(names: tuple[str, ...] = (), temporary_server: bool = False) -> None:
    """Serve the deployments until interrupted; without a Prefect server only if `temporary_server`."""
    if not temporary_server and not api_url():
        raise ConfigError(NO_SERVER)
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(names))


if __name__ == "__main__":
    import sys

    serve(tuple(sys.argv[1:]))
