"""Run the quarterly rollup on the bundled demo submissions (`hanoi-ctr demo`).

No server to start: Prefect runs the flow in its embedded mode. The inbox
is the demo data shipped with the package; the archive and the outputs go to
a folder of the user's choosing.
"""

from __future__ import annotations

import os
from pathlib import Path

from hanoi_ctr.catalog import bundled_catalog_dir

#: The latest quarter in the bundled demo data.
DEMO_PERIOD = "2024-Q4"


def demo_inbox() -> Path:
    """Return the folder of bundled demo submissions."""
    return bundled_catalog_dir() / "submissions"


def run_demo(data_dir: Path, period: str = DEMO_PERIOD, lang: str = "vi", dask: bool = False) -> Path:
    """Ingest the demo inbox into `data_dir` and roll up `period`; return the workbook's path."""
    os.environ["HANOI_CTR_INBOX_DIR"] = str(demo_inbox())
    os.environ["HANOI_CTR_DATA_DIR"] = str(data_dir)
    # The embedded server would try to send usage statistics; this machine may have no internet.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.pipelines import quarterly_rollup

    flow = quarterly_rollup
    if dask:
        from flows.scale import dask_runner

        flow = quarterly_rollup.with_options(task_runner=dask_runner())
    return Path(flow(period=period, lang=lang))
