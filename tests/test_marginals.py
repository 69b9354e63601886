"""Marginal values (planner.marginals): duals of budgets and corridors, checked against the
change in value when the limit grows by a small step, on cases worked out by hand.

Start Monday 2022-03-07, weekly periods, default priority weights {1: 1000, 2: 100, 3: 10, 4: 1}.
"""

from __future__ import annotations

import io
from typing import Any

import highspy
import numpy as np
import pytest
from rich.console import Console

from planner.api import solve_and_report
from planner.commands.plan import print_marginals
from planner.data import build_planning_data
from planner.io.plan_workbook import plan_sheets
from planner.marginals import (
    BOTTLENECK_COLUMNS,
    HIGHS_MAX_SIGN,
    NOTE_FINITE_STEPS,
    NOTE_INTEGERS_FIXED,
    SOURCE_FIXED,
    SOURCE_LP,
    SOURCE_STEP,
    finite_step_budget,
    marginal_values,
)
from planner.model import LinearModel, build_model
from planner.model.highs_backend import HighsAdapter
from planner.schema import Settings
from planner.solve import solve_model
from tests.factories import START, make_catalog, make_requests

M = 1e6


def build(
    offers: list[dict[str, Any]],
    requests: list[dict[str, Any]],
    *,
    items: list[dict[str, Any]],
    donors: list[dict[str, Any]],
    capacity_t: float = 1e6,
    capacity_changes: list[dict[str, Any]] | None = None,
    horizon: int = 2,
    solver: str = "highs",
) -> tuple[LinearModel, Settings]:
    cat = make_catalog(
        items=items,
        donors=donors,
        offers=[{"available_from": 1, **o} for o in offers],
        corridors=[{"corridor_id": "c1", "capacity_t": capacity_t}],
        capacity_changes=capacity_changes,
    )
    s = Settings(start=START, horizon=horizon, solver=solver)
    return build_model(build_planning_data(cat, make_requests(requests), s)), s


def row(table: Any, kind: str, ident: str) -> Any:
    sel = table[(table["limit_kind"] == kind) & (table["id"] == ident)]
    assert len(sel) == 1
    return sel.iloc[0]


# --- budgets ----------------------------------------------------------------------------------

BUDGETS: dict[str, Any] = {
    "offers": [
        {"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10, "unit_cost_eur": 40e6},
        {"offer_id": "o2", "donor_id": "d2", "item_id": "b", "quantity": 10, "unit_cost_eur": 20e6},
    ],
    "requests": [
        {"request_id": "R1", "item_id": "a", "quantity": 10, "priority": 1},
        {"request_id": "R2", "item_id": "b", "quantity": 10, "priority": 2},
    ],
    "items": [{"item_id": "a", "unit_weight_t": 1.0}, {"item_id": "b", "unit_weight_t": 1.0}],
    "donors": [
        {"donor_id": "d1", "budget_eur": 100e6},
        {"donor_id": "d2", "budget_eur": 10e6},
        {"donor_id": "d3", "budget_eur": 5e6},
    ],
}
"""d1 (€ 100 m) sells a at € 40 m: 2.5 of R1's 10 units, each worth 1000/10 = 100.
One more € 1 m buys 1/40 unit = 2.5 value, and stays exact until d1's budget reaches € 400 m.
d2 (€ 10 m) sells b at € 20 m: 0.5 of R2's 10 units at 100/10 = 10 each: € 1 m -> 0.5 value.
d3 offers nothing: 0. Σ W = 1000 + 100 = 1100, so d1's € 1 m is 2.5/1100 = 0.227 score points."""


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_budget_marginal_matches_a_small_step(solver: str) -> None:
    model, s = build(**BUDGETS, solver=solver)
    sol = solve_model(model, s)
    assert sol.value == pytest.approx(2.5 * 100 + 0.5 * 10)
    table = marginal_values(model, sol, s).table
    assert list(table.columns) == BOTTLENECK_COLUMNS
    d1, d2, d3 = (row(table, "donor budget", d) for d in ("d1", "d2", "d3"))
    assert d1["value_gain"] == pytest.approx(2.5)
    assert d1["score_points"] == pytest.approx(100 * 2.5 / 1100)
    assert (d1["limit"], d1["used"]) == pytest.approx((100e6, 100e6))
    assert d2["value_gain"] == pytest.approx(0.5)
    assert d3["value_gain"] == 0.0
    # Ranked: d1 before d2 before d3; the corridor (never full) ranks first of its kind, at 0.
    budgets = table[table["limit_kind"] == "donor budget"]
    assert list(budgets["id"]) == ["d1", "d2", "d3"]
    assert list(budgets["rank"]) == [1, 2, 3]
    assert row(table, "corridor capacity", "c1")["value_gain"] == 0.0

    # The check: grow d1's budget by € 1 m (well inside the € 300 m the rate holds for).
    grown = dict(BUDGETS)
    grown["donors"] = [
        {**d, "budget_eur": d["budget_eur"] + (M if d["donor_id"] == "d1" else 0.0)}
        for d in BUDGETS["donors"]
    ]
    model2, s2 = build(**grown, solver=solver)
    step_value = solve_model(model2, s2).value - sol.value
    assert step_value == pytest.approx(2.5)
    assert d1["value_gain"] == pytest.approx(step_value, rel=1e-6)


def test_highs_reports_a_binding_budget_of_a_maximisation_as_positive() -> None:
    """Pins the sign convention: HiGHS's raw dual of d1's budget row is + 2.5 / € 1 m."""
    model, _ = build(**BUDGETS)
    backend = HighsAdapter(model)  # its duals are per euro (budget rows scaled back)
    run = backend.run(60.0, 1e-4)
    assert backend.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    row_ = model.row_offsets()["donor_budget"]  # d1 is the first budget row
    raw = float(np.asarray(run.row_dual)[row_])
    assert raw == pytest.approx(2.5e-6)
    assert HIGHS_MAX_SIGN * raw > 0


# --- corridors --------------------------------------------------------------------------------


def test_corridor_marginal_names_the_binding_week() -> None:
    """Item 2 t; corridor 6 t in week 1, 100 t in week 2; R1 wants 10 by week 1 (P1: 100 a unit).

    Week 1 carries 3 units on time (300), week 2 the other 7, one week late: 7 · 98 = 686.
    Value 986. One more tonne in week 1 moves half a unit from late to on time: +0.5 · 2 = 1.
    Week 2 has room: its tonne is worth 0. So +1 t in every week = 1.0, binding in week 1 only.
    """
    case: dict[str, Any] = {
        "offers": [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10}],
        "requests": [
            {"request_id": "R1", "item_id": "a", "quantity": 10, "priority": 1, "needed_by": 1}
        ],
        "items": [{"item_id": "a", "unit_weight_t": 2.0}],
        "donors": [{"donor_id": "d1"}],
        "capacity_t": 6.0,
        "capacity_changes": [
            {"corridor_id": "c1", "from_period": 2, "to_period": 2, "capacity_t": 100.0}
        ],
    }
    model, s = build(**case)
    sol = solve_model(model, s)
    assert sol.value == pytest.approx(986.0)
    c1 = row(marginal_values(model, sol, s).table, "corridor capacity", "c1")
    assert c1["value_gain"] == pytest.approx(1.0)
    assert c1["binding_periods"] == "week 1"
    assert (c1["limit"], c1["used"]) == pytest.approx((6.0, 6.0))
    # The check: capacity 7 t in week 1 -> 3.5 on time (350) + 6.5 late (637) = 987.
    case["capacity_t"] = 7.0
    model2, s2 = build(**case)
    assert solve_model(model2, s2).value - sol.value == pytest.approx(c1["value_gain"])


# --- integer items ----------------------------------------------------------------------------

MIXED: dict[str, Any] = {
    "offers": [
        {
            "offer_id": "o1",
            "donor_id": "d1",
            "item_id": "sys",
            "quantity": 5,
            "unit_cost_eur": 30e6,
        },
        {
            "offer_id": "o2",
            "donor_id": "d1",
            "item_id": "ammo",
            "quantity": 100,
            "unit_cost_eur": 10e6,
        },
    ],
    "requests": [
        {"request_id": "R1", "item_id": "sys", "quantity": 2, "priority": 1},
        {"request_id": "R2", "item_id": "ammo", "quantity": 20, "priority": 2},
    ],
    "items": [
        {"item_id": "sys", "unit_weight_t": 1.0, "integer": True},
        {"item_id": "ammo", "unit_weight_t": 1.0},
    ],
    "donors": [{"donor_id": "d1", "budget_eur": 100e6}],
}
"""d1 has € 100 m: 2 whole systems for R1 (€ 60 m, 500 each = 1000), then € 40 m of ammunition:
4 of R2's 20 units at 100/20 = 5 each = 20. Value 1020. With the systems fixed at 2, the LP's
budget dual is the ammunition's: 5 per € 10 m = 0.5 per € 1 m. The finite step is € 1 m (the
budget is used up, but divisible ammunition takes any step) in the LP relaxation: R1 is met
either way, so € 101 m buys 4.1 units of ammunition: + 0.5. A MILP with € 101 m also buys 4.1
units: 1020.5, the same + 0.5."""


def test_integer_items_get_finite_steps_and_the_plan_says_so() -> None:
    model, s = build(**MIXED)
    assert model.is_mip
    res = solve_and_report(model, s)
    assert res.solution.value == pytest.approx(1020.0)
    assert NOTE_FINITE_STEPS in res.notes
    assert NOTE_INTEGERS_FIXED not in res.notes
    d1 = row(res.extra_sheets["Bottlenecks"], "donor budget", "d1")
    assert d1["value_gain"] == pytest.approx(0.5)
    assert d1["step"] == "+€ 1 m"
    assert d1["source"] == SOURCE_STEP
    grown = dict(MIXED)
    grown["donors"] = [{"donor_id": "d1", "budget_eur": 101e6}]
    model2, s2 = build(**grown)
    # Solver tolerances move a MILP's value by ~1e-6 here; the step is worth 0.5.
    assert solve_model(model2, s2).value - res.solution.value == pytest.approx(0.5, abs=1e-4)


def test_lp_plan_has_no_integer_note_and_reuses_the_solver_duals() -> None:
    model, s = build(**BUDGETS)
    res = solve_and_report(model, s)
    assert NOTE_INTEGERS_FIXED not in res.notes
    marg = marginal_values(model, res.solution, s)
    assert marg.lp is None  # HiGHS returned the stage-1 duals: no extra solve
    assert not marg.integers_fixed
    assert set(res.extra_sheets["Bottlenecks"]["source"]) == {"LP duals"}


WHOLE_BUDGET: dict[str, Any] = {
    "offers": [
        {
            "offer_id": "o1",
            "donor_id": "d1",
            "item_id": "sys",
            "quantity": 10,
            "unit_cost_eur": 30e6,
        },
    ],
    "requests": [{"request_id": "R1", "item_id": "sys", "quantity": 5, "priority": 1}],
    "items": [{"item_id": "sys", "unit_weight_t": 1.0, "integer": True}],
    "donors": [{"donor_id": "d1", "budget_eur": 100e6}],
}
"""€ 100 m buys 3 whole systems at € 30 m (€ 90 m spent, € 10 m left: less than one more
system, so the budget is used up for whole units). R1's 5 systems are worth 1000/5 = 200 each:
value 600. Fixed at 3, no system can move, so the LP with the integers fixed prices the budget
at 0: the old "nothing binds". The finite step is one system, max(€ 1 m, € 30 m) = € 30 m. In
the LP relaxation € 100 m buys 3.33 systems (666.67) and € 130 m 4.33 (866.67): + 200, i.e.
100 · 200 / 1000 = 20 score points. A MILP with € 130 m buys 4 whole systems: 800, also + 200."""


def test_used_up_budget_of_whole_units_gets_a_finite_step_of_one_unit() -> None:
    model, s = build(**WHOLE_BUDGET)
    res = solve_and_report(model, s)
    assert res.solution.value == pytest.approx(600.0)
    d1 = row(res.extra_sheets["Bottlenecks"], "donor budget", "d1")
    assert d1["step"] == "+€ 30 m"
    assert d1["value_gain"] == pytest.approx(200.0)
    assert d1["score_points"] == pytest.approx(20.0)
    assert d1["where_it_binds"] == "used up"
    assert (d1["limit"], d1["used"]) == pytest.approx((100e6, 90e6))
    assert d1["source"] == SOURCE_STEP
    # The LP with the integers fixed sees nothing: that is what the finite step replaces.
    marg = marginal_values(model, res.solution, s)
    assert marg.duals is not None and not marg.duals.any()
    # € 10 m of € 100 m left is 10 % (more than LEFT_SHOWN_SHARE, 0.5 %): the reason says so
    # rather than "used up", which would send people asking for money the donor still has.
    assert res.requests["reason"].iloc[0] == (
        "budget of donor d1 (€ 100 m, € 10 m left) is too low for one more unit"
    )
    # The check on the MILP itself: € 130 m buys a fourth system.
    grown = {**WHOLE_BUDGET, "donors": [{"donor_id": "d1", "budget_eur": 130e6}]}
    model2, s2 = build(**grown)
    assert solve_model(model2, s2).value - res.solution.value == pytest.approx(200.0, abs=1e-6)


def test_used_up_whole_budget_whose_step_buys_nothing_names_the_stock() -> None:
    """As WHOLE_BUDGET, but o1 has only 3 systems: 3 sent (€ 90 m, € 10 m left, less than a
    system: used up for whole units). One more step (€ 30 m) buys nothing, in the relaxation
    too (3.33 systems at € 100 m are capped at the stock of 3): gain 0, and the row says the
    stock of o1 runs out first."""
    case = {**WHOLE_BUDGET, "offers": [{**WHOLE_BUDGET["offers"][0], "quantity": 3}]}
    model, s = build(**case)
    res = solve_and_report(model, s)
    assert res.solution.value == pytest.approx(600.0)
    d1 = row(res.extra_sheets["Bottlenecks"], "donor budget", "d1")
    assert d1["value_gain"] == 0.0
    assert d1["where_it_binds"] == (
        "used up; one more step (+€ 30 m) buys nothing: stock of o1 runs out first"
    )
    assert d1["source"] == SOURCE_STEP


def test_cheap_item_of_a_met_line_does_not_hide_a_budget_used_up_for_whole_units() -> None:
    """As WHOLE_BUDGET, plus a helmet offer of d1 (€ 1 m each, whole) for R2, which asks for
    2 helmets at priority 1. Value: systems 200 each (1000/5), helmets 500 each (1000/2), so
    the plan buys both helmets (€ 2 m) and 3 systems (€ 90 m): € 8 m left. A helmet would fit
    in € 8 m, but R2 is met and one more would over-deliver, so only R1's systems count: less
    than one system fits, the budget is used up for whole units and its step is one system,
    € 30 m (not € 1 m, which would buy nothing whole)."""
    case = {
        **WHOLE_BUDGET,
        "offers": [
            *WHOLE_BUDGET["offers"],
            {
                "offer_id": "o2",
                "donor_id": "d1",
                "item_id": "helmet",
                "quantity": 10,
                "unit_cost_eur": 1e6,
            },
        ],
        "requests": [
            *WHOLE_BUDGET["requests"],
            {"request_id": "R2", "item_id": "helmet", "quantity": 2, "priority": 1},
        ],
        "items": [
            *WHOLE_BUDGET["items"],
            {"item_id": "helmet", "unit_weight_t": 0.01, "integer": True},
        ],
    }
    model, s = build(**case)
    res = solve_and_report(model, s)
    assert res.solution.value == pytest.approx(3 * 200.0 + 2 * 500.0)
    d1 = row(res.extra_sheets["Bottlenecks"], "donor budget", "d1")
    assert d1["used"] == pytest.approx(92e6)
    assert d1["step"] == "+€ 30 m"
    assert d1["where_it_binds"] == "used up"
    assert d1["value_gain"] > 0


def test_table_only_skips_the_fixed_integer_lp_when_every_limit_was_stepped() -> None:
    """What-if runs want the table only (need_duals=False): with every limit stepped, the LP
    with the integers fixed is not solved, and the table is the same (d1: + 200 for € 30 m;
    the corridor, never full: 0)."""
    model, s = build(**WHOLE_BUDGET)
    sol = solve_model(model, s)
    full = marginal_values(model, sol, s)
    lean = marginal_values(model, sol, s, need_duals=False)
    assert full.duals is not None and full.lp is not None
    assert lean.duals is None and lean.lp is None and lean.finite_steps
    cols = ["id", "step", "value_gain", "where_it_binds", "source"]
    assert lean.table[cols].equals(full.table[cols])
    assert row(lean.table, "donor budget", "d1")["value_gain"] == pytest.approx(200.0)
    assert row(lean.table, "corridor capacity", "c1")["value_gain"] == 0.0


def test_whole_corridor_step_is_one_unit_and_names_the_week() -> None:
    """Transformers of 120 t (whole), corridor 200 t a week, horizon 1, R1 wants 2 by week 1 at
    1000/2 = 500 each: 1 sent (120 t, 80 t left, less than a transformer: full for whole
    units), value 500. Step max(1 t, 120 t) = 120 t in every week. LP relaxation: 200/120 =
    1.667 transformers (833.33); with 320 t all 2 fit (1000): + 166.67, binding in week 1.
    (A whole plan gains 500 with that step: the relaxation's value is a lower figure here,
    because its base already carries 2/3 of a transformer.)"""
    model, s = build(
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "tr", "quantity": 5}],
        [{"request_id": "R1", "item_id": "tr", "quantity": 2, "priority": 1, "needed_by": 1}],
        items=[{"item_id": "tr", "unit_weight_t": 120.0, "integer": True}],
        donors=[{"donor_id": "d1"}],
        capacity_t=200.0,
        horizon=1,
    )
    res = solve_and_report(model, s)
    assert res.solution.value == pytest.approx(500.0)
    c1 = row(res.extra_sheets["Bottlenecks"], "corridor capacity", "c1")
    assert c1["step"] == "+120 t in every week"
    assert c1["value_gain"] == pytest.approx(1000.0 - 1000.0 * 200 / 240)
    assert c1["binding_periods"] == "week 1"
    assert c1["where_it_binds"] == "full in week 1"
    assert c1["source"] == SOURCE_STEP


def test_finite_steps_stay_inside_the_time_limit() -> None:
    """Share of the solve time, 0.5–5 s, never past the time limit."""
    assert finite_step_budget(0.1, 0.2, 60.0) == pytest.approx(0.5)
    assert finite_step_budget(2.0, 2.5, 60.0) == pytest.approx(2.0)
    assert finite_step_budget(30.0, 30.0, 60.0) == pytest.approx(5.0)
    assert finite_step_budget(2.0, 59.8, 60.0) == pytest.approx(0.2)
    assert finite_step_budget(2.0, 61.0, 60.0) == 0.0


def test_no_time_left_keeps_the_fixed_integer_duals() -> None:
    """With the time limit spent by the solve, no step is asked: the values are the duals of
    the LP with the integers fixed, and the plan says so."""
    model, s = build(**WHOLE_BUDGET)
    sol = solve_model(model, s)
    sol.solve_time_s = s.time_limit_s
    marg = marginal_values(model, sol, s)
    assert not marg.finite_steps and marg.integers_fixed
    assert set(marg.table["source"]) == {SOURCE_FIXED}


def test_demo_bottlenecks_name_what_the_reasons_blame() -> None:
    """The bundled demo (almost every item whole): every budget and corridor a reason names
    alone is worth something in the Bottlenecks sheet, and the sheet is not empty. A limit
    named together with other limits on a line (joint causes, planner.explain.causes) may be
    worth nothing on its own: one more step of it alone buys nothing while the others bind."""
    from planner.api import load_inputs, run_plan

    res = run_plan(load_inputs())
    table = res.extra_sheets["Bottlenecks"]
    details = [d for d in res.requests["reason_detail"].fillna("") if d]

    def names(r: Any, d: str) -> bool:
        return (f" {r.name} (" in d or f"corridors {r.name}" in d or f", {r.name}" in d
                or f"corridor {r.name}" in d)  # fmt: skip

    def limits_named(d: str) -> int:
        clauses = [c for c in d.removeprefix("late because ").split("; ")
                   if not c.startswith("earliest possible arrival")]  # fmt: skip
        plural = sum(c.startswith(("budgets of", "corridors ", "stock of offers")) for c in clauses)
        return len(clauses) + plural

    blamed = [r for r in table.itertuples(index=False) if any(names(r, d) for d in details)]
    assert {r.limit_kind for r in blamed} == {"donor budget", "corridor capacity"}
    for r in blamed:
        alone = any(names(r, d) and limits_named(d) == 1 for d in details)
        if alone:
            assert r.value_gain > 0, f"{r.name} is the only limit a reason names but worth nothing"
    assert any(r.value_gain > 0 for r in blamed)
    assert (table["source"] == SOURCE_STEP).all()
    uk = row(table, "donor budget", "uk")
    assert uk["value_gain"] > 0 and uk["where_it_binds"] == "used up"


# --- where the values show up -----------------------------------------------------------------


def test_bottlenecks_sheet_and_printed_summary() -> None:
    """The sheet follows Corridors in the workbook; the summary prints the top values."""
    model, s = build(**BUDGETS)
    res = solve_and_report(model, s)
    sheets = list(plan_sheets(res, res.summary))
    assert sheets[sheets.index("Corridors") + 1] == "Bottlenecks"
    buf = io.StringIO()
    print_marginals(res, Console(file=buf, width=200))
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("what one more euro or tonne is worth")
    assert lines[1:] == [
        "  +€ 1 m for donor d1: +2.5 value (+0.23 score points; budget € 100 m used up)",
        "  +€ 1 m for donor d2: +0.5 value (+0.045 score points; budget € 10 m used up)",
    ]
    assert list(res.requests["reason"]) == [
        "budget of donor d1 (€ 100 m) is used up",
        "budget of donor d2 (€ 10 m) is used up",
    ]


def test_printed_budget_says_used_up_only_when_the_sheet_does() -> None:
    """The printed line of a donor budget repeats the Bottlenecks sheet's "where it binds";
    where the sheet says nothing, it gives what is spent. Rows as the sheet has them: d1 spent
    € 51 m of € 60 m, nothing said (before: "budget € 60 m used up"); d2 used up."""
    import pandas as pd

    table = pd.DataFrame(
        [
            ("donor budget", "d1", "+€ 1 m", 0.703, 0.0037, 60e6, 51e6, "", SOURCE_LP),
            ("donor budget", "d2", "+€ 1 m", 0.5, 0.0026, 10e6, 10e6, "used up", SOURCE_LP),
        ],
        columns=["limit_kind", "id", "step", "value_gain", "score_points", "limit", "used",
                 "where_it_binds", "source"],
    )  # fmt: skip
    settings = type("S", (), {"period_days": 7})()
    model = type("M", (), {"data": type("D", (), {"settings": settings})()})()
    result = type("R", (), {"extra_sheets": {"Bottlenecks": table}, "model": model})()
    buf = io.StringIO()
    print_marginals(result, Console(file=buf, width=200))  # type: ignore[arg-type]
    assert buf.getvalue().splitlines()[1:] == [
        "  +€ 1 m for donor d1: +0.703 value (+0.0037 score points; € 51 m of € 60 m spent)",
        "  +€ 1 m for donor d2: +0.5 value (+0.0026 score points; budget € 10 m used up)",
    ]


# --- plain words: closed corridors, limits per week, used-up budgets ------------------------


def test_closed_corridor_is_closed_never_full() -> None:
    """Corridor c1: 0 t in weeks 1–2 (closed), horizon 2. Nothing moves; the Bottlenecks row
    says "closed in weeks 1–2", limit 0 t a week, used 0."""
    model, s = build(
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 5}],
        [{"request_id": "R1", "item_id": "a", "quantity": 5, "priority": 1}],
        items=[{"item_id": "a", "unit_weight_t": 1.0}],
        donors=[{"donor_id": "d1"}],
        capacity_t=0.0,
    )
    sol = solve_model(model, s)
    c1 = row(marginal_values(model, sol, s).table, "corridor capacity", "c1")
    assert c1["where_it_binds"] == "closed in weeks 1–2"
    assert "full" not in c1["where_it_binds"]
    assert (c1["limit"], c1["used"]) == (0.0, 0.0)


def test_corridor_limit_is_per_week_not_summed() -> None:
    """Corridor 6 t a week, item 1 t, 20 units wanted by week 2 from a stock of 20: the corridor
    binds in weeks 1 and 2 (6 + 6 = 12 sent). The limit shown is 6 t (a week), not 12; used 6."""
    model, s = build(
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 20}],
        [{"request_id": "R1", "item_id": "a", "quantity": 20, "priority": 1}],
        items=[{"item_id": "a", "unit_weight_t": 1.0}],
        donors=[{"donor_id": "d1"}],
        capacity_t=6.0,
    )
    sol = solve_model(model, s)
    c1 = row(marginal_values(model, sol, s).table, "corridor capacity", "c1")
    assert c1["binding_periods"] == "weeks 1–2"
    assert c1["where_it_binds"] == "full in weeks 1–2"
    assert (c1["limit"], c1["used"]) == pytest.approx((6.0, 6.0))


def test_used_up_budget_whose_next_euro_buys_nothing_names_the_stock() -> None:
    """Donor d1: budget € 100, offer o1 of 5 units at € 20 (all € 100 spent), line of 10 units.
    With no price on the budget (duals 0: the stock of o1 is what runs out), the row says the
    budget is used up and the next euro buys nothing because the stock of o1 runs out first."""
    from planner.marginals import bottlenecks_table

    model, s = build(
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 5, "unit_cost_eur": 20}],
        [{"request_id": "R1", "item_id": "a", "quantity": 10, "priority": 1}],
        items=[{"item_id": "a", "unit_weight_t": 1.0}],
        donors=[{"donor_id": "d1", "budget_eur": 100.0}],
    )
    sol = solve_model(model, s)
    assert sol.cost_eur == pytest.approx(100.0)
    table = bottlenecks_table(model, sol.x, np.zeros(model.n_rows), False)
    d1 = row(table, "donor budget", "d1")
    assert d1["where_it_binds"] == (
        "used up; one more euro buys nothing: stock of o1 runs out first"
    )


# --- packages (DESIGN.md §4.1) ------------------------------------------------------------------


def test_budget_marginal_through_a_package() -> None:
    """R1 (P1, W = 1000) asks for 3 launchers "l" as a package, each usable with 4 missiles
    "m" (both divisible here, so the duals speak). d1 gives the launchers free; d2 sells
    missiles at € 1 m with a budget of € 8 m: 8 missiles, usable = 8 / 4 = 2, value = 1000 /
    3 · 2 = 666.67. One more € 1 m buys 1 missile = 1/4 usable launcher = 1000/3 / 4 = 83.33
    of value: the budget's marginal value flows through the package rows (the missiles have
    no value of their own)."""
    model, s = build(
        [
            {"offer_id": "o1", "donor_id": "d1", "item_id": "l", "quantity": 3},
            {"offer_id": "o2", "donor_id": "d2", "item_id": "m", "quantity": 20,
             "unit_cost_eur": 1e6},
        ],
        [{"request_id": "R1", "item_id": "l", "quantity": 3, "priority": 1}],
        items=[
            {"item_id": "l", "unit_weight_t": 1.0, "requires": (("m", 4.0),)},
            {"item_id": "m", "unit_weight_t": 0.1},
        ],
        donors=[{"donor_id": "d1"}, {"donor_id": "d2", "budget_eur": 8e6}],
    )  # fmt: skip
    sol = solve_model(model, s)
    assert sol.value == pytest.approx(2000.0 / 3.0)
    table = marginal_values(model, sol, s).table
    assert row(table, "donor budget", "d2")["value_gain"] == pytest.approx(1000.0 / 12.0)
