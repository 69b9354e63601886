"""A MIP that needs branching really stops at ``Settings.mip_node_limit`` (docs/decisions/0009),
in HiGHS and in CBC, and says so: the run reports `RunStatus.NODE_LIMIT`, the plan the status
"feasible (gap above mip_gap)" (not "feasible (time limit)") and its value stage "value (best
found)".

The instance is a knapsack with two constraints, one period: 14 whole items (each its own
request line, offered by donor d1 in ample quantity), each unit taking w tonnes of the one
corridor (capacity 472 t) and costing c euros of d1's budget (452 EUR). A line of quantity q at
priority p is worth W_p / q per unit (W = 1000, 100, 10, 1 for p = 1..4), at most q units.
Neither a tonne nor a euro ranks the items the same way, so the LP optimum is fractional in
two items and the root's cuts and heuristics do not close the gap. Seeded random data; with
HiGHS 1.16 and PuLP's CBC the full solve needs 11 and 18 nodes, and on 1 node both stop at
the root with a plan (CBC's gap there: 0.38 %, above the default mip_gap of 0.01 %). Should a
later solver close this instance at its root, `test_the_instance_needs_branching` fails first:
pick a harder one.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.data import build_planning_data
from planner.model import LinearModel, build_model
from planner.model.adapter import RunStatus
from planner.model.highs_backend import HighsAdapter
from planner.model.pulp_backend import cbc_stopped_on_nodes
from planner.schema import Settings
from planner.solve import Session
from planner.solve.solution import SolveStatus
from tests.factories import START, make_catalog, make_requests

TONNES = [17, 50, 30, 12, 55, 57, 12, 39, 51, 49, 30, 52, 51, 15]
EUROS = [48, 10, 25, 59, 23, 35, 53, 41, 54, 18, 35, 41, 27, 38]
QUANTITY = [1, 1, 2, 1, 1, 1, 2, 2, 1, 3, 3, 2, 3, 3]
PRIORITY = [1, 1, 4, 2, 1, 2, 2, 2, 2, 2, 2, 2, 4, 3]
CAPACITY_T = 472.0
BUDGET_EUR = 452.0


def knapsack(solver: str, node_limit: int | None) -> LinearModel:
    n = len(TONNES)
    cat = make_catalog(
        items=[
            {"item_id": f"i{i}", "unit_weight_t": float(TONNES[i]), "integer": True}
            for i in range(n)
        ],
        donors=[{"donor_id": "d1", "budget_eur": BUDGET_EUR}],
        offers=[
            {"offer_id": f"o{i}", "donor_id": "d1", "item_id": f"i{i}", "quantity": 10,
             "unit_cost_eur": float(EUROS[i])}
            for i in range(n)
        ],
        corridors=[{"corridor_id": "road", "capacity_t": CAPACITY_T, "transit_periods": 0}],
    )  # fmt: skip
    reqs = make_requests(
        [{"item_id": f"i{i}", "quantity": QUANTITY[i], "priority": PRIORITY[i]} for i in range(n)]
    )
    s = Settings(start=START, horizon=1, solver=solver, mip_node_limit=node_limit)  # type: ignore[arg-type]
    return build_model(build_planning_data(cat, reqs, s))


def _highs_value_run(node_limit: int | None) -> tuple[RunStatus, int, np.ndarray | None]:
    model = knapsack("highs", node_limit)
    ad = HighsAdapter(model)
    ad.set_objective(model.value, True)
    run = ad.run(60.0, 1e-4, stage="value", node_limit=node_limit)
    return run.status, int(ad.h.getInfo().mip_node_count), run.x


def test_the_instance_needs_branching() -> None:
    """HiGHS without a node limit proves the optimum only after branching (11 nodes, > 1)."""
    status, nodes, _x = _highs_value_run(None)
    assert status is RunStatus.OPTIMAL
    assert nodes > 1


def test_highs_stops_after_one_node_with_a_plan() -> None:
    """``mip_max_nodes`` = 1: HiGHS stops at the root, reports the node limit, keeps its plan,
    which fits the corridor and the budget."""
    status, nodes, x = _highs_value_run(1)
    assert status is RunStatus.NODE_LIMIT
    assert nodes == 1
    assert x is not None
    model = knapsack("highs", 1)
    assert model.vars["weight_t"].to_numpy() @ x <= CAPACITY_T + 1e-6
    assert model.cost_eur @ x <= BUDGET_EUR + 1e-6


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_plan_stopped_by_the_node_limit_says_so(solver: str) -> None:
    """Through `Session` with ``Settings.mip_node_limit`` = 1 (the path of `aidplan stress`):
    the value stage stops unproven at the root; the plan is "feasible (gap above mip_gap)",
    for CBC too, whose PuLP status alone would read as a time limit. Without the limit the same
    model is proven optimal and worth at least as much."""
    limited = Session(knapsack(solver, 1), solver).solve(knapsack(solver, 1).data.settings)
    assert limited.usable
    assert limited.status is SolveStatus.GAP
    assert limited.status == "feasible (gap above mip_gap)"
    assert not limited.proven_optimal
    assert limited.stages[0] == "value (best found)"

    model = knapsack(solver, None)
    full = Session(model, solver).solve(model.data.settings)
    assert full.status is SolveStatus.OPTIMAL
    assert full.value >= limited.value - 1e-9


def test_cbc_node_stop_is_read_from_its_closing_line() -> None:
    """CBC's summary says which limit ended the run; only the node limit counts."""
    assert cbc_stopped_on_nodes(
        "Cbc0003I Exiting on maximum nodes\nResult - Stopped on node limit\n"
    )
    assert not cbc_stopped_on_nodes("Result - Stopped on time limit\n")
    assert not cbc_stopped_on_nodes("Result - Optimal solution found\n")
