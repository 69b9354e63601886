"""Whole units that buy nothing are not sent (planner.solve.trim): parts of a package that make
no system usable, in a plan whose repair or cost stage let them through."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.api import load_inputs, run_plan
from planner.data import build_planning_data
from planner.model import LinearModel, StabilityTarget, build_model
from planner.schema import Settings
from planner.solve import solve_model
from planner.solve.trim import trim_worthless
from tests.factories import START, make_catalog, make_requests
from tests.test_model_families import LAUNCHER_AND_MISSILES


def launcher_model(launcher_eur: float = 10.0) -> LinearModel:
    """3 launchers asked as a package (4 missiles each); 3 launchers in stock at € 10 and 8
    missiles at € 1 (test_package_usable_binds): at most 2 launchers are usable."""
    cat = make_catalog(
        items=LAUNCHER_AND_MISSILES,
        donors=[{"donor_id": "d1"}],
        offers=[
            {
                "offer_id": "o1",
                "donor_id": "d1",
                "item_id": "l",
                "quantity": 3,
                "unit_cost_eur": launcher_eur,
            },
            {"offer_id": "o2", "donor_id": "d1", "item_id": "m", "quantity": 8, "unit_cost_eur": 1},
        ],
        corridors=[{"corridor_id": "c1", "capacity_t": 1e6, "transit_periods": 0}],
    )
    s = Settings(start=START, horizon=2, solver="highs")
    reqs = make_requests([{"request_id": "R1", "item_id": "l", "quantity": 3, "priority": 1}])
    return build_model(build_planning_data(cat, reqs, s))


def with_idle_launcher(model: LinearModel, cost_eur: float = 38.0) -> tuple[np.ndarray, int]:
    """The optimal plan (2 launchers + 8 missiles, € 28) plus a third launcher sent on the
    column of the first two: feasible (stock 3, U = 2 still fits), worth the same, € 38."""
    x = solve_model(model, Settings(start=START, horizon=2, solver="highs")).x.copy()
    launcher = model.data.offers["item_id"].to_numpy()[model.vars["o"].to_numpy()] == "l"
    j = int(np.flatnonzero(launcher[: model.n_x] & (x[: model.n_x] > 0))[0])
    assert x[j] == pytest.approx(2.0)
    x[j] += 1.0
    upper = model.row_upper()
    assert (model.row_activity(x) <= upper + 1e-9).all()
    assert float(model.cost_eur @ x) == pytest.approx(cost_eur)
    return x, j


def test_an_idle_launcher_is_trimmed() -> None:
    """U = min(3 launchers, 8 / 4 missiles) = 2: the third launcher makes nothing usable.
    Its row ρ·U − launchers = 1·2 − 3 = −1 has slack 1, so δ = min(3 − 0, 1 / 1) = 1: back to
    2 launchers, € 38 − € 10 = € 28, value unchanged. The missiles' row 4·2 − 8 = 0 has no
    slack: all 8 stay."""
    model = launcher_model()
    x, j = with_idle_launcher(model)
    trimmed = trim_worthless(model, x)
    assert trimmed[j] == pytest.approx(2.0)
    assert float(model.cost_eur @ trimmed) == pytest.approx(28.0)
    assert float(model.value @ trimmed) == pytest.approx(float(model.value @ x))
    missiles = np.flatnonzero(trimmed[: model.n_x] != x[: model.n_x])
    assert list(missiles) == [j]  # nothing else moved
    assert trim_worthless(model, trimmed) == pytest.approx(trimmed)  # nothing left to trim


def test_idle_missiles_without_a_usable_launcher_are_trimmed() -> None:
    """With no launcher sent, U = 0 and the 8 missiles (€ 8) make nothing usable: the rows
    4·0 − 8 ≤ 0 have slack 8 = 8 missiles · 1, so all go: € 0."""
    model = launcher_model()
    x, _ = with_idle_launcher(model)
    launcher = model.data.offers["item_id"].to_numpy()[model.vars["o"].to_numpy()] == "l"
    x[: model.n_x][launcher] = 0.0
    x[model.n_x :] = 0.0  # no usable unit without launchers
    trimmed = trim_worthless(model, x)
    assert float(model.cost_eur @ trimmed) == pytest.approx(0.0)
    assert not trimmed[: model.n_x].any()


def test_a_re_plan_keeps_the_previous_plans_units() -> None:
    """In a re-plan the previous plan sent the 3 launchers: trimming never goes below the
    previous plan's units (the stability stage comes before cost), and never touches a frozen
    column. Kept: 3 stays 3; frozen: 3 stays 3."""
    model = launcher_model()
    x, j = with_idle_launcher(model)
    for fixed in (False, True):
        flags = np.zeros(model.n_vars, dtype=bool)
        flags[j] = fixed
        model.stability = StabilityTarget(previous=x.copy(), fixed=flags)
        assert trim_worthless(model, x)[j] == pytest.approx(3.0)
    previous = x.copy()
    previous[j] = 2.5  # kept 2.5 of them before (a divisible past): trimmed to whole 3 − 0 = 3
    model.stability = StabilityTarget(previous=previous, fixed=np.zeros(model.n_vars, bool))
    assert trim_worthless(model, x)[j] == pytest.approx(3.0)  # δ = ⌊0.5⌋ = 0


def test_a_free_idle_launcher_is_left_to_the_arrival_stage() -> None:
    """The same with launchers given free (€ 0): trimming only lowers cost, so the third
    launcher stays for the arrival stage (which counts each part −1) to take back."""
    model = launcher_model(launcher_eur=0.0)
    x, j = with_idle_launcher(model, cost_eur=8.0)
    assert trim_worthless(model, x)[j] == pytest.approx(3.0)


@pytest.mark.slow
def test_demo_with_cut_budgets_sends_no_idle_parts(tmp_path: Path) -> None:
    """The demo at budget × 0.75 sent 17 PAC-3 MSE (€ 62.6 m) to Patriot line M-07 with 0
    usable batteries and 20 IRIS-T missiles to M-09 with 0 fire units, while M-08 lacked 25
    PAC-3. Now a component line of a package whose parts cost something gets at most what
    its usable units need: delivered ≤ ρ · usable (parts are whole and counted one per unit in
    the demo; free parts, such as pilot training, are the arrival stage's)."""
    scenario = tmp_path / "q75.toml"
    scenario.write_text('name = "q75"\nbudget_scale = 0.75\n', encoding="utf-8")
    res = run_plan(load_inputs(scenario_path=scenario))
    req = res.model.data.requests
    rq = res.requests.set_index("request_id")
    checked = 0
    line_of = res.model.vars["r"].to_numpy()
    unit_eur = res.model.cost_eur[: res.model.n_x]
    for i in np.flatnonzero(req["package_of"].to_numpy() >= 0):
        if not (unit_eur[line_of == i] > 0).any():
            continue  # free parts (pilot training): the arrival stage's
        owner = req["request_id"].iat[int(req["package_of"].iat[i])]
        usable = float(rq.loc[owner, "delivered"])
        rho = float(req["rho"].iat[i])
        part = req["request_id"].iat[i]
        assert float(rq.loc[part, "delivered"]) <= rho * usable + 1e-6, (part, usable)
        checked += 1
    assert checked >= 5  # PAC-3 MSE and IRIS-T missiles among them
