"""Scale the ingest fan-out out on Dask.

`dask_runner()` returns a `DaskTaskRunner` on a local cluster (two worker
processes, one thread each, on this 2-core machine), or on the scheduler at
`HANOI_CTR_DASK_ADDRESS` when set. Results are identical to the default
runner's: each ingest task commits its own batch under the archive lock.
"""

from __future__ import annotations

from typing import Any

from hanoi_ctr.settings import Settings


def dask_runner(settings: Settings | None = None, n_workers: int = 2) -> Any:
    """Return a DaskTaskRunner for the configured scheduler, or a LocalCluster."""
    from prefect_dask import DaskTaskRunner

    settings = settings or Settings.from_env()
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(cluster_class="distributed.LocalCluster",
                          cluster_kwargs={"n_workers": n_workers, "threads_per_worker": 1, "processes": True})
