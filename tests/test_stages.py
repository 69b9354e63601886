"""The lexicographic stages of DESIGN.md §4 are exact on both solvers.

- No later stage lowers an earlier optimum by more than solver noise in units of the smallest
  line (not relative to the total): a 2,000,000-unit line beside a 1-unit critical line, and a
  500-line plan with a 10,000,000-litre water line, keep every unit.
- Plans do not depend on the weights' common scale (weights × 1e-12: the same plan).
- Requested items first: a substitute only fills what the requested item cannot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from planner.data import build_planning_data
from planner.model import build_model
from planner.results import PlanResult, extract
from planner.schema import Settings
from planner.solve import STAGES, smallest_scale, solve_model
from tests.factories import START, make_catalog, make_requests
from tests.random_instances import random_instance

SOLVERS = ["highs", "cbc"]
DATA = Path(__file__).resolve().parent / "data"


def plan(cat: Any, requests: list[dict[str, Any]], **settings: Any) -> PlanResult:
    s = Settings(start=START, **settings)
    model = build_model(build_planning_data(cat, make_requests(requests), s))
    return extract(model, solve_model(model, s))


def test_stage_order_is_design_order() -> None:
    assert [s.name for s in STAGES] == [
        "value", "requested items", "stability", "cost", "arrival",
    ]  # fmt: skip


def test_value_scale_makes_the_least_valuable_unit_worth_one() -> None:
    """1000/1 and 1/2,000,000 per unit: scaled by 2,000,000 to 2e9 and 1."""
    coef = np.array([1000.0, 5e-7, 0.0])
    assert smallest_scale(coef) * coef[1] == pytest.approx(1.0)
    assert smallest_scale(coef * 1e-12) * coef[1] * 1e-12 == pytest.approx(1.0)


def long_and_critical() -> Any:
    """Item a (water, 1 kg/unit, € 0.01) for a 2,000,000-unit P4 line; item b (1 t, € 1000) for
    a 1-unit P1 line. Stock, corridor (10,000 t a period) and budget (€ 1,000,000 000) all
    suffice, so both lines are met in full: value 1000 + 1 = 1001."""
    return make_catalog(
        items=[{"item_id": "a", "unit_weight_t": 0.001}, {"item_id": "b", "unit_weight_t": 1.0}],
        donors=[{"donor_id": "d1", "budget_eur": 1e9}],
        offers=[
            {"offer_id": "oa", "donor_id": "d1", "item_id": "a", "quantity": 3e6,
             "unit_cost_eur": 0.01},
            {"offer_id": "ob", "donor_id": "d1", "item_id": "b", "quantity": 5,
             "unit_cost_eur": 1000.0},
        ],
        corridors=[{"corridor_id": "c1", "capacity_t": 10_000.0}],
    )  # fmt: skip


LONG_LINES = [
    {"item_id": "a", "quantity": 2_000_000, "priority": 4},
    {"item_id": "b", "quantity": 1, "priority": 1},
]


def test_long_low_priority_line_beside_a_critical_one_same_on_both_solvers() -> None:
    """Both solvers: the 2,000,000 units and the 1 unit delivered, value 1001, same cost."""
    out = {s: plan(long_and_critical(), LONG_LINES, horizon=2, solver=s) for s in SOLVERS}
    for res in out.values():
        assert res.solution.status == "optimal"
        assert list(res.requests["delivered"]) == [2_000_000, 1]
        assert res.solution.value == pytest.approx(1001.0, rel=1e-12)
        # cost: 2,000,000 · 0.01 + 1000 = 21,000
        assert res.solution.cost_eur == pytest.approx(21_000.0, rel=1e-9)
    assert out["highs"].solution.value == pytest.approx(out["cbc"].solution.value, rel=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_weights_common_scale_does_not_change_the_plan(solver: str) -> None:
    """Weights × 1e-12 (and × 1e6) give exactly the plan of the default weights."""
    base = {1: 1000.0, 2: 100.0, 3: 10.0, 4: 1.0}
    plans = []
    for factor in (1.0, 1e-12, 1e6):
        w = {p: v * factor for p, v in base.items()}
        res = plan(long_and_critical(), LONG_LINES, horizon=2, solver=solver, priority_weights=w)
        plans.append(res)
        assert list(res.requests["delivered"]) == [2_000_000, 1]
    for res in plans[1:]:
        assert np.allclose(res.solution.x, plans[0].solution.x, rtol=0, atol=1e-6)


def test_weights_common_scale_on_a_random_instance() -> None:
    """A generated instance (substitutes, budgets, rates, windows): the same plan at 1e-12."""
    inst = random_instance(404, size=2)
    xs = []
    for factor in (1.0, 1e-12):
        w = {p: v * factor for p, v in {1: 1000.0, 2: 100.0, 3: 10.0, 4: 1.0}.items()}
        s = Settings(start=START, horizon=inst.horizon, priority_weights=w)
        model = build_model(build_planning_data(inst.catalog, inst.requests, s))
        xs.append(solve_model(model, s).x)
    assert np.allclose(xs[0], xs[1], rtol=0, atol=1e-6)


def five_hundred_lines() -> tuple[Any, list[dict[str, Any]]]:
    """499 one-unit P1 lines of item b (€ 1000 each from d1, 500 in stock) and one P4 line of
    10,000,000 litres of water (€ 0.0002 a litre). Everything fits: every line met in full.
    The total value is 499,001, so a relative floor of 1e-9 (old behaviour) would have let the
    cost stage drop ~5,000 litres (each worth 1e-7) to save € 1."""
    cat = make_catalog(
        items=[{"item_id": "w", "unit_weight_t": 0.0}, {"item_id": "b", "unit_weight_t": 0.0}],
        donors=[{"donor_id": "d1"}],
        offers=[
            {"offer_id": "ow", "donor_id": "d1", "item_id": "w", "quantity": 1e7,
             "unit_cost_eur": 0.0002},
            {"offer_id": "ob", "donor_id": "d1", "item_id": "b", "quantity": 500,
             "unit_cost_eur": 1000.0},
        ],
        corridors=[{"corridor_id": "c1", "capacity_t": 1.0}],
    )  # fmt: skip
    lines = [{"item_id": "b", "quantity": 1, "priority": 1} for _ in range(499)]
    lines.append({"item_id": "w", "quantity": 10_000_000, "priority": 4})
    return cat, lines


@pytest.mark.parametrize("solver", SOLVERS)
def test_five_hundred_lines_keep_every_litre(solver: str) -> None:
    """Every line delivered in full after the cost and arrival stages, on both solvers."""
    cat, lines = five_hundred_lines()
    res = plan(cat, lines, horizon=2, solver=solver)
    delivered = res.requests["delivered"].to_numpy()
    assert delivered[-1] == 10_000_000
    assert (delivered[:-1] == 1).all()
    # cost: 499 · 1000 + 10,000,000 · 0.0002 = 501,000
    assert res.solution.cost_eur == pytest.approx(501_000.0, rel=1e-9)


def test_template_substitute_sends_the_requested_item() -> None:
    """shared case template-substitute: 600 Javelins requested, Javelins available, nothing
    binding; the NLAW substitute is cheaper. The requested-items stage sends the 600 Javelins
    and no NLAW."""
    from planner.api import load_inputs, run_plan

    res = run_plan(load_inputs(DATA / "template-substitute" / "template-filled.xlsx"))
    al = res.allocations
    jav = al[al["requested_item"] == "javelin_missile"]
    assert jav["quantity"].sum() == 600
    assert set(jav["item_id"]) == {"javelin_missile"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_substitute_fills_only_what_the_requested_item_cannot(solver: str) -> None:
    """Request 10 of a; 6 of a offered at € 100, 20 of s (substitute, factor 1) at € 1.
    Value is the same either way; stage 2 sends all 6 of a and 4 of s (not 10 of s)."""
    cat = make_catalog(
        items=[{"item_id": "a", "unit_weight_t": 1.0}, {"item_id": "s", "unit_weight_t": 1.0}],
        donors=[{"donor_id": "d1"}],
        offers=[
            {"offer_id": "oa", "donor_id": "d1", "item_id": "a", "quantity": 6,
             "unit_cost_eur": 100.0},
            {"offer_id": "os", "donor_id": "d1", "item_id": "s", "quantity": 20,
             "unit_cost_eur": 1.0},
        ],
        corridors=[{"corridor_id": "c1", "capacity_t": 100.0}],
        substitutes=[{"item_id": "a", "substitute_id": "s", "factor": 1.0}],
    )  # fmt: skip
    res = plan(cat, [{"item_id": "a", "quantity": 10, "priority": 1}], horizon=2, solver=solver)
    sent = res.allocations.groupby("item_id")["quantity"].sum().to_dict()
    assert sent == {"a": 6, "s": 4}
    assert res.solution.stages == ["value", "requested items", "cost", "arrival"]


def test_cbc_gap_is_read_from_its_log_as_a_relative_gap() -> None:
    """CBC's closing summary: objective 100, bound 104 -> |100 − 104| / 100 = 0.04 (4 %); no
    bound in the log -> NaN."""
    from planner.model.pulp_backend import cbc_gap

    log = (
        "Result - Stopped on time limit\n\nObjective value:                100.00000000\n"
        "Upper bound:                    104.000\nGap:                            0.04\n"
    )
    assert cbc_gap(log) == pytest.approx(0.04)
    assert np.isnan(cbc_gap("Result - Optimal solution found\n"))


def test_cbc_gets_the_polish_too() -> None:
    """The jets-and-fuel case of test_mip_stages on CBC: from a poor plan (jets and fuel from
    d2 in period 2, € 100), the polish keeps the jets and moves the fuel to d1 in period 1 (€ 50)
    without changing the value."""
    from planner.solve import Session
    from tests.test_mip_stages import column, jets_and_fuel

    model, s = jets_and_fuel()
    poor = np.zeros(model.n_vars)
    poor[column(model, "jets", 2)] = 2
    poor[column(model, "fuel2", 2)] = 5
    x = Session(model, "cbc")._polish(poor, s.model_copy(update={"solver": "cbc"}), 10.0)
    assert x[column(model, "jets", 2)] == pytest.approx(2)
    assert x[column(model, "fuel1", 1)] == pytest.approx(5)
    assert float(model.cost_eur @ x) == pytest.approx(50.0)
    assert float(model.value @ x) == pytest.approx(float(model.value @ poor))
