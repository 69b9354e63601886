"""Packages (DESIGN.md §4.1) on seeded random instances: the reported value equals the value
recomputed by hand from the Allocations table, and no package counts a unit whose parts have
not all arrived.

The recomputation is written here from the design's words, independently of planner.results:
for each package line, the units of each part (the system and each component line, divided
by its ρ) arrived by each period, their minimum (whole for integer systems) is U_t, and the
line is worth W / q · Σ_t (U_t − U_t−1) · (1 − λ · max(0, t − d)); other lines are worth
W / q · Σ effective units · (1 − λ · late periods); component lines nothing.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from planner.data import build_planning_data
from planner.model import build_model
from planner.results import PlanResult, extract
from planner.schema import DEFAULT_PRIORITY_WEIGHTS, Settings
from planner.solve import solve_model
from tests.factories import START
from tests.random_instances import Instance, random_instance


def with_packages(inst: Instance) -> Instance:
    """i1 (integer when the instance has integers) needs 2 × i0 and 1 × i3 per unit; i2 needs
    0.5 × i0. Every request for i1 or i2 becomes a package."""
    items = inst.catalog.items.copy()
    items["requires"] = [
        (("i0", 2.0), ("i3", 1.0)) if i == "i1" else (("i0", 0.5),) if i == "i2" else ()
        for i in items["item_id"]
    ]
    return dataclasses.replace(inst, catalog=dataclasses.replace(inst.catalog, items=items))


def solve(inst: Instance, solver: str) -> PlanResult:
    s = Settings(start=START, horizon=inst.horizon, solver=solver)
    model = build_model(build_planning_data(inst.catalog, inst.requests, s))
    return extract(model, solve_model(model, s))


def value_by_hand(res: PlanResult) -> float:
    req = res.model.data.requests
    T = res.model.data.horizon
    lam = res.model.data.settings.late_penalty
    alloc = res.allocations
    arrived: dict[tuple[str, int], float] = {}
    for a in alloc.itertuples(index=False):
        key = (str(a.request_id), int(a.arrival_period))
        arrived[key] = arrived.get(key, 0.0) + float(a.effective_quantity)
    ids = list(req["request_id"])
    total = 0.0
    for i, line in enumerate(req.to_dict("records")):
        w = DEFAULT_PRIORITY_WEIGHTS[int(line["priority"])] / float(line["quantity"])
        due = int(line["due"])
        if line["package_of"] >= 0:
            continue  # a component line: no value of its own
        if not line["is_package"]:
            total += sum(
                w * q * (1 - lam * max(0, t - due))
                for (rid, t), q in arrived.items()
                if rid == line["request_id"]
            )
            continue
        parts = [(line["request_id"], 1.0)] + [
            (ids[j], float(req["rho"].iat[j]))
            for j in range(len(ids))
            if req["package_of"].iat[j] == i
        ]
        previous = 0.0
        for t in range(1, T + 1):
            usable = min(
                sum(q for (rid, s), q in arrived.items() if rid == pid and s <= t) / rho
                for pid, rho in parts
            )
            if line["item_integer"]:
                usable = math.floor(usable + 1e-6)
            total += w * (usable - previous) * (1 - lam * max(0, t - due))
            previous = usable
    return total


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize(("seed", "integers"), [(1, False), (2, True), (3, True), (4, False)])
def test_value_of_packages_recomputed_by_hand(seed: int, integers: bool, solver: str) -> None:
    res = solve(with_packages(random_instance(seed, integers=integers)), solver)
    req = res.model.data.requests
    assert req["is_package"].any()
    assert res.solution.value == pytest.approx(value_by_hand(res), rel=1e-6, abs=1e-6)
    # usable units never exceed the units of any part arrived by the horizon
    rq = res.requests.set_index("request_id")
    for i in req.index[req["is_package"]]:
        rid = req["request_id"].iat[i]
        comps = req[req["package_of"] == i]
        for c in comps.itertuples(index=False):
            got = float(rq.loc[c.request_id, "delivered"])
            assert rq.loc[rid, "delivered"] <= got / c.rho + 1e-6
