"""Whole units (planner.solve.whole_units): LP relaxation, round down, repair, LP-bound gap.

The hand case, one period and one road corridor of 10 t:

- generators: integer, 4 t each, request of 3 at priority 1 (weight 1000: 1000/3 per unit);
- tents: integer, 2 t each, request of 3 at priority 2 (weight 100: 100/3 per unit).

A generator is worth 83.3 per tonne, a tent 16.7, so the LP relaxation fills the corridor with
generators: 10 / 4 = 2.5 generators, value 2.5 × 1000/3 = 833.33 (the LP bound).

- Rounding 2.5 to the nearest whole number gives 3 generators = 12 t > 10 t: infeasible.
- Rounding down gives 2 generators (8 t), value 666.67, and leaves 2 t unused.
- The optimum: 2 generators + 1 tent = 8 + 2 = 10 t, value 666.67 + 33.33 = 700.
  (The other whole plans are worse: 1 generator + 3 tents = 10 t is worth 333.33 + 100 = 433.33;
  0 generators + 3 tents = 100.)

The repair MIP holds the generators at ≥ 2 and finds the tent: 700. Against the LP bound its gap
is (833.33 − 700) / 833.33 = 0.16 exactly (= 1 − 700/833.33 = 1 − 0.84).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from planner.api import load_inputs, run_plan
from planner.data import build_planning_data
from planner.model import LinearModel, build_model
from planner.results import PlanResult
from planner.schema import Settings
from planner.solve import Session, solve_model
from planner.solve.whole_units import (
    FALLBACK_MIN_S,
    fallback_box,
    floor_lower,
    fractional,
    gap_to_bound,
    held_at_zero,
    lp_session,
    solve_whole_units,
)
from tests.factories import START, make_catalog, make_requests

LP_BOUND = 2.5 * 1000 / 3  # 833.33
OPTIMUM = 2 * 1000 / 3 + 100 / 3  # 700


def generators_and_tents(solver: str = "highs", **settings: object) -> LinearModel:
    cat = make_catalog(
        items=[
            {"item_id": "gen", "unit_weight_t": 4.0, "integer": True},
            {"item_id": "tent", "unit_weight_t": 2.0, "integer": True},
        ],
        donors=[{"donor_id": "d1"}],
        offers=[
            {"offer_id": "gens", "donor_id": "d1", "item_id": "gen", "quantity": 10},
            {"offer_id": "tents", "donor_id": "d1", "item_id": "tent", "quantity": 10},
        ],
        corridors=[{"corridor_id": "road", "capacity_t": 10.0, "transit_periods": 0}],
    )  # fmt: skip
    s = Settings(start=START, horizon=1, solver=solver, **settings)  # type: ignore[arg-type]
    reqs = make_requests(
        [
            {"item_id": "gen", "quantity": 3, "priority": 1},
            {"item_id": "tent", "quantity": 3, "priority": 2},
        ]
    )
    return build_model(build_planning_data(cat, reqs, s))


def sent(model: LinearModel, x: np.ndarray, item: str) -> float:
    items = model.data.offers["item_id"].to_numpy()[model.vars["o"].to_numpy()]
    return float(x[items == item].sum())


def test_rounding_the_lp_is_infeasible_or_short_and_the_repair_finds_the_optimum() -> None:
    model = generators_and_tents(mip_gap=0.2)  # accept the repaired plan: no branch and bound
    lp = lp_session(model, "highs").solve(model.data.settings)
    assert lp.value == pytest.approx(LP_BOUND)
    assert sent(model, lp.x, "gen") == pytest.approx(2.5)
    assert fractional(lp.x, model.integer).any()
    weight = model.vars["weight_t"].to_numpy()
    assert weight @ np.round(lp.x + 1e-9) > 10.0  # rounded to nearest: 12 t, infeasible
    floor = floor_lower(lp.x, model.integer)
    assert model.value @ floor == pytest.approx(2 * 1000 / 3)  # rounded down: 666.67

    sol = solve_whole_units(model, model.data.settings)
    assert sent(model, sol.x, "gen") == 2
    assert sent(model, sol.x, "tent") == 1
    assert sol.value == pytest.approx(OPTIMUM)
    assert np.array_equal(sol.x, np.round(sol.x))


def test_gap_is_measured_against_the_lp_bound() -> None:
    """(833.33 − 700) / 833.33 = 0.16, above no mip_gap of 0.2: reported optimal, bound kept."""
    model = generators_and_tents(mip_gap=0.2)
    sol = solve_whole_units(model, model.data.settings)
    assert sol.value_bound == pytest.approx(LP_BOUND)
    assert sol.gap == pytest.approx(0.16)
    assert sol.proven_optimal and sol.status == "optimal"


def test_gap_above_mip_gap_hands_over_to_branch_and_bound() -> None:
    """With the default mip_gap (1e-4) the LP bound cannot prove 700; branch and bound from the
    repaired plan closes its own bound at 700: gap 0 against the tighter bound."""
    model = generators_and_tents()
    sol = solve_whole_units(model, model.data.settings)
    assert sol.value == pytest.approx(OPTIMUM)
    assert sol.value_bound == pytest.approx(OPTIMUM, rel=1e-4)
    assert sol.gap <= 1e-4
    assert sol.proven_optimal


def test_whole_lp_plan_is_kept_with_gap_zero() -> None:
    """Capacity 12 t: the LP sends 3 generators (12 t), already whole: no repair, gap 0."""
    model = generators_and_tents()
    block = model.block("corridor_capacity")
    block.upper[:] = 12.0
    sol = solve_whole_units(model, model.data.settings)
    assert sent(model, sol.x, "gen") == 3
    assert sol.value == pytest.approx(1000.0)
    assert sol.gap == 0.0 and sol.status == "optimal"
    assert sol.all_stages_proven


def test_gap_to_bound() -> None:
    assert gap_to_bound(700.0, LP_BOUND) == pytest.approx(0.16)
    assert gap_to_bound(5.0, 5.0) == 0.0
    assert gap_to_bound(5.0, 4.0) == 0.0  # a bound below the value (solver noise): no gap
    assert gap_to_bound(0.0, 0.0) == 0.0
    assert np.isnan(gap_to_bound(1.0, float("nan")))


def test_solve_model_uses_whole_units_for_highs_mips() -> None:
    model = generators_and_tents(mip_gap=0.2)
    sol = solve_model(model, model.data.settings)
    assert sol.value_bound == pytest.approx(LP_BOUND)  # the LP bound, not a MIP's own
    assert sol.value == pytest.approx(OPTIMUM)


def test_cbc_takes_the_same_path() -> None:
    """CBC: the same LP bound (833.33), repair (700) and gap 0.16 as HiGHS."""
    model = generators_and_tents(solver="cbc", mip_gap=0.2)
    sol = solve_model(model, model.data.settings)
    assert sol.solver == "cbc"
    assert sol.value == pytest.approx(OPTIMUM)
    assert sol.value_bound == pytest.approx(LP_BOUND)
    assert sol.gap == pytest.approx(0.16)


# --- the demo: every item counted in units is whole -------------------------------------------


@pytest.fixture(scope="module")
def demo() -> PlanResult:
    return run_plan(load_inputs())


def test_demo_catalog_counts_units_as_integer() -> None:
    """DESIGN.md §2.1: only services measured in time (and bulk goods, none in the demo) stay
    divisible."""
    items = load_inputs().catalog.items
    divisible = items.loc[~items["integer"].astype(bool), "item_id"].tolist()
    assert divisible == ["intel_support"]


def test_demo_plan_sends_whole_units_with_a_proven_gap(demo: PlanResult) -> None:
    items = demo.model.data.offers
    integer_items = set(items.loc[items["integer"].astype(bool), "item_id"])
    alloc = demo.allocations
    whole = alloc[alloc["item_id"].isin(integer_items)]["quantity"].to_numpy(dtype=float)
    assert len(whole) > 0
    assert np.array_equal(whole, np.round(whole))
    sol = demo.solution
    assert sol.status == "optimal" and sol.proven_optimal
    assert 0.0 <= sol.gap <= 1e-4
    assert sol.value >= sol.value_bound * (1 - 1e-4)


def test_fallback_branch_and_bound_is_boxed() -> None:
    """At most as long again as LP + repair took, and at least FALLBACK_MIN_S (1 s)."""
    assert fallback_box(0.5) == FALLBACK_MIN_S == 1.0
    assert fallback_box(7.0) == 7.0


def test_session_reports_its_value_bound_and_starts_from_a_plan() -> None:
    """The LP session's value_bound is its value-stage optimum (833.33); a MIP session started
    from the whole plan 2 generators + 1 tent (700, the optimum) ends at 700 with its bound
    700 × (1 + gap), gap ≤ 1e-4."""
    model = generators_and_tents()
    assert lp_session(model, "highs").solve(model.data.settings).value_bound == pytest.approx(
        LP_BOUND
    )
    start = start_at_optimum(model)
    assert model.value @ start == pytest.approx(OPTIMUM)
    sol = Session(model, "highs").solve(model.data.settings, start=start)
    assert sol.value == pytest.approx(OPTIMUM)
    assert OPTIMUM - 1e-6 <= sol.value_bound <= OPTIMUM * (1 + 1e-4) + 1e-6


def test_repair_holds_pairs_the_lp_left_unused_for_lines_it_met() -> None:
    """Generators from two donors' offers, g1 at € 1 and g2 at € 2 a unit, one line of 3 (P1)
    met by the LP from g1 alone (the cost stage picks the cheaper): the pair (g2, line) is held
    at 0 in the repair, the pair (g1, line) is not. In generators_and_tents the LP sends
    2.5 generators and no tent: the tent line is short, so its pair stays free (the repair
    sends a tent there), and so does the generators' pair the LP chose."""
    cat = make_catalog(
        items=[{"item_id": "gen", "unit_weight_t": 1.0, "integer": True}],
        donors=[{"donor_id": "d1"}, {"donor_id": "d2"}],
        offers=[
            {"offer_id": "g1", "donor_id": "d1", "item_id": "gen", "quantity": 5,
             "unit_cost_eur": 1.0},
            {"offer_id": "g2", "donor_id": "d2", "item_id": "gen", "quantity": 5,
             "unit_cost_eur": 2.0},
        ],
        corridors=[{"corridor_id": "road", "capacity_t": 100.0, "transit_periods": 0}],
    )  # fmt: skip
    s = Settings(start=START, horizon=1)
    model = build_model(
        build_planning_data(cat, make_requests([{"item_id": "gen", "quantity": 3}]), s)
    )
    lp = lp_session(model, "highs").solve(s)
    offer = model.data.offers["offer_id"].to_numpy()[model.vars["o"].to_numpy()]
    assert lp.x[offer == "g1"].sum() == pytest.approx(3.0)
    held = held_at_zero(model, lp.x)
    assert set(offer[held]) == {"g2"}

    model2 = generators_and_tents()
    lp2 = lp_session(model2, "highs").solve(model2.data.settings)
    assert sent(model2, lp2.x, "tent") == 0.0
    assert len(held_at_zero(model2, lp2.x)) == 0


def start_at_optimum(model: LinearModel) -> np.ndarray:
    """The whole plan 2 generators + 1 tent (value 700, the optimum)."""
    items = model.data.offers["item_id"].to_numpy()[model.vars["o"].to_numpy()]
    start = np.zeros(model.n_vars)
    start[np.flatnonzero(items == "gen")[0]] = 2
    start[np.flatnonzero(items == "tent")[0]] = 1
    return start


def test_session_stops_after_the_value_stage_when_it_cannot_beat_the_callers_plan() -> None:
    """From the 700 plan the value stage ends at 700. Asked to beat 700 + 1e-6 it stops there:
    one stage, value 700, bound 700 × (1 + gap). Asked to beat 600 it runs every stage."""
    model = generators_and_tents()
    start = start_at_optimum(model)
    settings = model.data.settings
    stopped = Session(model, "highs").solve(settings, start=start, improve_on=OPTIMUM + 1e-6)
    assert stopped.stages == ["value"]
    later = stopped.stage_names[1:]  # never started: shown as such on the Summary sheet
    assert later and stopped.stages_solved == " > ".join(
        ["value", *(f"{name} (not run)" for name in later)]
    )
    assert stopped.value == pytest.approx(OPTIMUM)
    assert OPTIMUM - 1e-6 <= stopped.value_bound <= OPTIMUM * (1 + 1e-4) + 1e-6
    full = Session(model, "highs").solve(settings, start=start, improve_on=600.0)
    assert len(full.stages) == len(full.stage_names) > 1
    assert full.value == pytest.approx(OPTIMUM)


def test_mip_presolve_can_be_switched_off_for_the_value_stage() -> None:
    """mip_presolve=False: HiGHS runs the value stage without presolve and later stages with
    it (they overran their boxes without it); the default keeps it for every stage."""
    model = generators_and_tents()

    def presolve_after(adapter: object, stage: str) -> str:
        adapter.run(5.0, 1e-4, stage=stage)  # type: ignore[attr-defined]
        return str(adapter.h.getOptionValue("presolve")[1])  # type: ignore[attr-defined]

    on = Session(model, "highs").adapter
    assert presolve_after(on, "value") == presolve_after(on, "cost") == "choose"
    off = Session(model, "highs", mip_presolve=False).adapter
    assert presolve_after(off, "value") == "off"
    assert presolve_after(off, "cost") == "choose"


def test_fallback_runs_without_presolve_and_stops_at_a_tie(monkeypatch: pytest.MonkeyPatch) -> None:
    """mip_gap 1e-4: the repaired plan (700, the optimum) misses the LP bound (833.33) by 0.16,
    so branch and bound starts from it. It is built without presolve and, finding nothing worth
    more than 700, returns after its value stage; the repaired plan stays, proven by the
    fallback's bound (700 × (1 + gap))."""
    import planner.solve.whole_units as wu

    made: list[Session] = []
    returned: list[object] = []

    class Recording(Session):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    def recording_call_by(deadline_s: float, fn: Callable[[], object]) -> object:
        out = fn()  # in this process (as where there is no fork), so the session is seen here
        returned.append(out)
        return out

    monkeypatch.setattr(wu, "Session", Recording)
    monkeypatch.setattr(wu, "call_by", recording_call_by)
    model = generators_and_tents()
    sol = solve_whole_units(model, model.data.settings)
    fallback = [s for s in made if s.is_mip][-1]  # the repair's session, then the fallback's
    assert fallback.adapter.h.getOptionValue("presolve")[1] == "off"  # type: ignore[attr-defined]
    assert len(returned) == 1 and returned[0] is not None
    assert returned[0].stages == ["value"]  # type: ignore[attr-defined]
    assert sol.value == pytest.approx(OPTIMUM)
    assert sol.proven_optimal and len(sol.stages) > 1  # the repaired plan, every stage run


def test_a_time_limit_that_leaves_no_fallback_reads_time_limit() -> None:
    """time_limit_s 0.5 s: the LP and the repair (700, the optimum, gap 0.16 against 833.33)
    take a few hundredths of a second, so less than the 1 s a fallback needs is left. The plan
    is the repaired one, and its status says the time limit stopped it ("feasible (time
    limit)"), not a box ("feasible (gap above mip_gap)")."""
    from planner.solve.solution import SolveStatus

    model = generators_and_tents(time_limit_s=0.5)
    sol = solve_whole_units(model, model.data.settings)
    assert sol.value == pytest.approx(OPTIMUM)
    assert sol.gap == pytest.approx(0.16)
    assert sol.status is SolveStatus.FEASIBLE and not sol.proven_optimal


def test_summary_says_what_the_status_and_the_stages_mean() -> None:
    """The 0.5 s case above: the Summary's status row explains that the time limit stopped the
    proof (mip_gap 0.01 %), and the stages row explains "(best found)" and "(not run)"."""
    from planner.api import solve_and_report

    model = generators_and_tents(time_limit_s=0.5)
    res = solve_and_report(model, model.data.settings)
    meaning = dict(zip(res.summary["key"], res.summary["meaning"], strict=True))
    assert res.summary_dict()["status"] == "feasible (time limit)"
    assert "time limit stopped the solver" in meaning["status"]
    assert "(0.01%)" in meaning["status"]
    assert "(not run)" in meaning["stages solved"] and "(best found)" in meaning["stages solved"]
