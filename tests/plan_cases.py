"""Plans of the seeded random instances for the diff and re-planning tests: their inputs, a
written plan workbook, and the same instance a week later (more requests, a corridor cut)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from planner.api import PlanInputs, inputs_table
from planner.io.plan_workbook import plan_sheets, write_workbook
from planner.requests import RequestSet
from planner.results import PlanResult
from planner.schema import Settings
from tests.factories import START, make_requests
from tests.random_instances import Instance


def inputs_of(inst: Instance, **settings: object) -> PlanInputs:
    """The instance as a run's inputs, starting at START over its horizon; ``settings``
    override the others (``solver="cbc"``)."""
    s = Settings.model_validate({"start": START, "horizon": inst.horizon, **settings})
    return PlanInputs(inst.catalog, RequestSet(Path("requests.xlsx"), inst.requests), s)


def write_plan(
    inputs: PlanInputs, result: PlanResult, path: Path, changes: pd.DataFrame | None = None
) -> Path:
    """The plan workbook of ``result`` at ``path`` (with a Changes sheet when ``changes``)."""
    if changes is not None:
        result.extra_sheets["Changes"] = changes
    write_workbook(path, plan_sheets(result, inputs_table(inputs, result)))
    return path


def changed(inst: Instance, cut_from: int) -> Instance:
    """Two more requests (priority 1) and corridor c1 closed from week ``cut_from`` on."""
    cat = inst.catalog
    extra = make_requests(
        [
            {"request_id": "NEW-1", "item_id": "i0", "quantity": 6.0, "priority": 1},
            {"request_id": "NEW-2", "item_id": "i2", "quantity": 4.0, "priority": 1},
        ]
    )
    reqs = pd.concat([inst.requests, extra], ignore_index=True)
    cut = pd.DataFrame(
        [{"corridor_id": "c1", "from_period": cut_from, "to_period": inst.horizon, "capacity_t": 0}]
    )
    changes = pd.concat([cat.capacity_changes, cut], ignore_index=True)
    changes["capacity_t"] = changes["capacity_t"].astype(float)
    return Instance(dataclasses.replace(cat, capacity_changes=changes), reqs, inst.horizon)
