"""The forms a paused flow run shows in the Prefect UI (and accepts through the API) to take a decision.

`CityDecision` is the city's answer to a draft rollup: approve or return,
with a note and a name. `review_form(rows)` builds, for one reviewing unit,
a form listing every report awaiting it (rows from
`pipeline.review_choices`): per report a choice among the actions it may
take (or `leave`, the default) and a reason, which a return needs. The
pydantic model is the form: Prefect renders its JSON schema as the
**Resume** form of the paused run and validates what is sent back, from
the browser or from `POST /flow_runs/{id}/resume` with a `run_input`.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic
from prefect.input import RunInput

LEAVE = "leave"


class CityDecision(RunInput):
    """The city's decision on a draft rollup workbook."""

    decision: Literal["approve", "return"] = pydantic.Field(
        description="approve: the final workbook is written from the draft's results; "
                    "return: it stays a draft")
    note: str = pydantic.Field("", description="why (recorded in the audit log with the decision)")
    by: str = pydantic.Field("", description="who decides (recorded)")


class ReviewForm(RunInput):
    """A reviewing unit's decisions on the reports awaiting it (fields `r1`, `r1_reason`, … per report)."""

    by: str = pydantic.Field(description="who reviews (recorded in the audit log)")

    def decisions(self, rows: list[dict]) -> list[tuple[str, str, str, str]]:
        """Return (unit_code, period, action, reason) for every report given an action other than leave."""
        chosen = []
        for i, row in enumerate(rows, start=1):
            action = getattr(self, f"r{i}")
            if action != LEAVE:
                chosen.append((row["unit_code"], row["period"], action, getattr(self, f"r{i}_reason")))
        return chosen


def review_form(rows: list[dict], reviewer: str) -> type[ReviewForm]:
    """Return the form listing the reports awaiting `reviewer`, one choice and one reason per report."""
    fields: dict[str, Any] = {}
    for i, row in enumerate(rows, start=1):
        label = f"{row['unit_code']} {row['name'] or ''} — {row['period']} ({row['review_state']}, " \
                f"{row['n_files']} file(s))"
        choice = Literal[(LEAVE, *row["actions"])]  # type: ignore[valid-type]
        fields[f"r{i}"] = (choice, pydantic.Field(LEAVE, title=label))
        fields[f"r{i}_reason"] = (str, pydantic.Field("", title=f"{row['unit_code']} {row['period']}: reason "
                                                               "(needed to return)"))
    form = pydantic.create_model("ReviewForm", __base__=ReviewForm, **fields)
    lines = [f"Reports awaiting **{reviewer}**: choose accept, return (with a reason) or approve for each, "
             "or leave it for later."]
    lines += [f"- `{r['unit_code']}` {r['name'] or ''}, {r['period']}: {r['review_state']}" for r in rows]
    form._description = "\n".join(lines)
    return form
