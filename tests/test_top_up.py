"""Topping up a whole plan (planner.solve.top_up): units every limit still has room for."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from planner.api import load_inputs, run_plan
from planner.solve.top_up import top_up
from tests.test_whole_units import OPTIMUM, generators_and_tents, sent

ROOT = Path(__file__).resolve().parent.parent


def test_top_up_adds_the_units_every_limit_has_room_for_most_valuable_first() -> None:
    """Road 10 t in the one week; generator 4 t (line of 3, priority 1), tent 2 t (line of 3,
    priority 2). From a plan of 1 generator (4 t): a generator is worth more per unit, and
    min(3 − 1 asked, 9 in stock, (10 − 4) / 4 = 1.5 → 1 on the road) = 1 more fits (8 t); then
    a tent: min(3, 10, 2 / 2 = 1) = 1. The result, 2 generators and 1 tent, is the optimum
    (700), and the road is full, so a second call adds nothing."""
    model = generators_and_tents()
    gens = np.flatnonzero(
        model.data.offers["item_id"].to_numpy()[model.vars["o"].to_numpy()] == "gen"
    )
    x = np.zeros(model.n_vars)
    x[gens[0]] = 1.0
    y = top_up(model, x)
    assert (sent(model, y, "gen"), sent(model, y, "tent")) == (2.0, 1.0)
    assert abs(float(model.value @ y) - OPTIMUM) < 1e-9
    assert (model.row_activity(y) <= model.row_upper() + 1e-9).all()
    assert x[gens[0]] == 1.0 and x.sum() == 1.0  # x itself unchanged
    assert top_up(model, y) is y


def test_plans_leave_no_whole_unit_that_fits() -> None:
    """The scenario of a new-user trial (budgets −25 %, Germany out, US half): the plan had
    left 19.9 of 20 1 MW generators (199 × 100 kW) with one more 100 kW generator in stock,
    money and corridor room for it. Now no integer column of the plan can take one more unit
    (top_up finds nothing), and every row holds."""
    inputs = load_inputs(
        ROOT / "requests" / "demo.xlsx", None, ROOT / "scenarios" / "budget-cut-germany-out.toml"
    )
    result = run_plan(inputs)
    model, x = result.model, result.solution.x
    assert top_up(model, x) is x
    assert (model.row_activity(x) <= model.row_upper() * (1 + 1e-9) + 1e-6).all()


def test_trial_scenario_reasons_name_the_limit_of_late_packages() -> None:
    """The same scenario. M-15 (22 M777 howitzers as a package with shells) is late: 10 can
    arrive by week 8 (us-m777 ships at most 6 a week from week 8, ca-m777 has 4). Its reason
    named only the shells, "on time was possible … within the solver's tolerance"; it now
    names the howitzers' weekly limit, and the shell line points to its late package. No
    component line of a short or late package says "more was possible"."""
    inputs = load_inputs(
        ROOT / "requests" / "demo.xlsx", None, ROOT / "scenarios" / "budget-cut-germany-out.toml"
    )
    rq = run_plan(inputs).requests.set_index("request_id")
    detail = rq["reason_detail"].fillna("").astype(str)
    assert rq.loc["M-15", "status"] == "met late"
    assert "offer us-m777 ships at most 6 a week" in detail["M-15"], detail["M-15"]
    assert "on time was possible" not in detail["M-15"]
    assert detail["M-15/shell_155"].startswith(
        "sent only for usable systems of package M-15, which is late because "
    ), detail["M-15/shell_155"]
    components = [r for r in rq.index if "/" in str(r) and rq.loc[r, "status"] != "met"]
    assert components
    for r in components:
        assert "more was possible" not in detail[r], (r, detail[r])
