"""Serve the declared deployments on their schedules (`hanoi-ctr serve`).

Runs against the Prefect API the environment points at (`PREFECT_API_URL`),
for example a local `prefect server start`. The deployments and schedules
come from `flows.schedules.DEPLOYMENTS`, the same list `prefect.yaml` is
generated from.
"""

from __future__ import annotations

from typing import Any

from flows.schedules import DEPLOYMENTS, TIMEZONE


def deployments(names: tuple[str, ...] = ()) -> list[Any]:
    """Return Prefect deployments for the declared specs (all, or those named)."""
    from prefect.schedules import Cron

    from flows import pipelines

    chosen = [d for d in DEPLOYMENTS if not names or d.name in names]
    return [
        getattr(pipelines, d.flow).to_deployment(
            name=d.name, description=d.description, parameters=d.parameters,
            schedules=[Cron(d.cron, timezone=TIMEZONE)] if d.cron else [],
        )
        for d in chosen
    ]


def serve(names: tuple[str, ...] = ()) -> None:
    """Serve the deployments until interrupted."""
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(names))


if __name__ == "__main__":
    import sys

    serve(tuple(sys.argv[1:]))
