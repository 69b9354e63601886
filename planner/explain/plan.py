"""The public entry point: reasons for every line of a plan."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.data import allowed_routes, compatible_pairs
from planner.explain.causes import _Ask, _entities, _find, _Found
from planner.explain.common import (
    BUDGET,
    KINDS,
    MAX_RESOLVES,
    RATE,
    RESOLVE_MAX_LP_VARS,
    STOCK,
    UNIT,
    resolve_budget,
)
from planner.explain.phrases import PhraseColumns, _phrase
from planner.explain.resolve import _Resolver
from planner.explain.signal import _signal
from planner.explain.words import _period_word, _when
from planner.marginals import (
    Marginals,
)
from planner.model import LinearModel
from planner.schema import Settings
from planner.solve import Session, Solution, SolveStatus

# ---------------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------------


def explain_plan(
    model: LinearModel,
    sol: Solution,
    requests: pd.DataFrame,
    marginals: Marginals | np.ndarray | None = None,
    *,
    max_resolves: int = MAX_RESOLVES,
    resolve_time_s: float | None = None,
) -> list[str]:
    """The reason for every request line that is unmet, partly met or late ('' for the others).

    Parameters
    ----------
    model, sol
        The built model and its solution.
    requests
        The Requests table of planner.results (one row per line, in model order): status,
        unmet and late_periods are read.
    marginals
        The plan's marginal values (planner.marginals): their duals narrow the cheap signal
        (for continuous variables only) and their solved LP is where re-solves start from.
        None: no duals, and a fresh LP is built if a re-solve is needed. A bare array is
        taken as the normalised duals (Marginals.duals) without a solved LP.
    max_resolves, resolve_time_s
        Bound on the verification re-solves (see the module docstring); 0 turns them off.
        ``resolve_time_s`` None: `resolve_budget` of the plan's solve time.

    Returns
    -------
    One reason per request line, in the order of ``requests``.
    """
    data = model.data
    s = data.settings
    T = data.horizon
    req = data.requests
    n_req = len(req)
    reasons = [""] * n_req
    status = requests["status"].to_numpy()
    late = requests["late_periods"].to_numpy(dtype=int)
    unmet = requests["unmet"].to_numpy(dtype=float)
    todo = np.flatnonzero((status != "met") | (late > 0))
    if not len(todo):
        return reasons

    x_all = sol.x  # every column; x: the dispatch columns (packages add U after them)
    x = x_all[: model.n_x]
    v = model.vars
    vr = v["r"].to_numpy()
    starts = np.searchsorted(vr, np.arange(n_req + 1))  # variables are ordered by r
    items = data.items
    item_name = {str(k): str(n) for k, n in zip(items["item_id"], items["name"], strict=True)}
    due = req["due"].to_numpy(dtype=int)
    prio = req["priority"].to_numpy(dtype=int)
    qty = req["quantity"].to_numpy(dtype=float)
    has_deadline = req["needed_by"].notna().to_numpy(dtype=bool)
    earliest_arrival, offered = _earliest_arrivals(model)

    duals: np.ndarray | None
    lp: Session | None
    if isinstance(marginals, np.ndarray):
        duals, lp = marginals, None
    else:
        duals = marginals.duals if marginals is not None else None
        lp = marginals.lp if marginals is not None else None
    # A MILP of over RESOLVE_MAX_LP_VARS variables: the duals of its LP with the integer items
    # fixed speak for every variable, instead of re-solves (0.1–0.7 s a question there).
    big_mip = model.is_mip and model.n_vars > RESOLVE_MAX_LP_VARS and duals is not None
    sig = _signal(model, x_all, duals, all_priced=big_mip)
    ent = _entities(model)
    t_of = v["t"].to_numpy()
    arrival = v["arrival"].to_numpy()
    factor = v["factor"].to_numpy(dtype=float)
    takers_of: dict[int, list[int]] = {}
    used = x > 0
    for o, r in sorted(set(zip(ent[STOCK][used].tolist(), vr[used].tolist(), strict=True))):
        takers_of.setdefault(int(o), []).append(int(r))
    resolver = (
        _Resolver(
            model,
            x_all,
            s,
            max_resolves,
            _time_left(model, sol, s, marginals)
            if resolve_time_s is None and not big_mip
            else 0.0
            if resolve_time_s is None
            else resolve_time_s,
            lp,
        )
        if max_resolves > 0 and not big_mip
        else None
    )
    proven = sol.proven_optimal
    # Who stopped an unproven plan's search: the time limit (a longer one may help), or the
    # search's own box, relative to the time spent (a longer limit changes nothing; a trial
    # user raised it and got the same plan).
    stopped = (
        "the time limit stopped the solver"
        if sol.status is SolveStatus.FEASIBLE
        else "the solver's search stopped at its box (a longer time limit does not move it)"
    )
    cols = PhraseColumns.of(model, x_all)
    per = _period_word(s)

    def blocked(
        J: np.ndarray, excluded: dict[int, np.ndarray], unit: np.ndarray | None, ask: _Ask | None
    ) -> _Found:
        masks = {k: sig.tight[k][J] & ~excluded.get(k, np.zeros(len(J), bool)) for k in KINDS}
        ents = {k: ent[k][J] for k in KINDS}
        if unit is not None:
            masks[UNIT] = unit
            ents[UNIT] = np.zeros(len(J), dtype=np.int64)
        return _find(
            masks,
            {k: sig.priced[k][J] for k in KINDS},
            sig.has_dual[J],
            ents,
            t_of[J],
            {k: sig.row[k][J] for k in KINDS},
            ask,
        )

    # Most important lines first, so the re-solve budget goes where ministers look.
    for r in sorted(todo.tolist(), key=lambda r: (prio[r], r)):
        item = str(req["item_id"].iloc[r])
        if not offered[r]:
            reasons[r] = f"no donor offers {item_name.get(item, item)} or a substitute"
            continue
        if not np.isfinite(earliest_arrival[r]):
            reasons[r] = f"no corridor is open to the donors offering {item_name.get(item, item)}"
            continue
        ea = int(earliest_arrival[r])
        if ea > T:
            reasons[r] = (
                f"earliest possible arrival is {_when(ea, s)}, after the plan's last {per} {T}"
            )
            continue
        parts: list[str] = []
        deadline_missed = bool(has_deadline[r] and ea > due[r])
        if deadline_missed:
            parts.append(
                f"earliest possible arrival is {_when(ea, s)}, after the deadline {per} {due[r]}"
            )
        J = np.arange(starts[r], starts[r + 1])
        tol = 1e-6 * max(1.0, float(qty[r]))  # a gain worth naming in a re-solve

        if unmet[r] > 0:
            rest = float(sig.demand_slack[r])
            # Integer units that would over-deliver: the rest is smaller than one whole unit.
            unit = model.integer[J] & (factor[J] > rest + 1e-9)
            ask = (
                _Ask(resolver, J, factor[J], _gain(model, factor, J, tol))
                if resolver is not None
                else None
            )
            found = blocked(J, {}, unit, ask)
            # A way to send more that no limit blocks: the limits are not why the line is
            # short; the plan stopped within the solver's tolerance (or its time limit).
            if found.unblocked:
                parts.append(
                    "more was possible but adds almost no value (within the solver's tolerance)"
                    if proven
                    else f"{stopped} before sending more"
                )
            else:
                parts += _phrase(found, r, model, takers_of, rest, cols)
        if late[r] > 0 and not deadline_missed:
            on_time = J[arrival[J] <= due[r]]
            late_j = J[used[J] & (arrival[J] > due[r])]
            excluded = _swap_frees(model, ent, on_time, late_j, t_of)
            ask = (
                _Ask(resolver, on_time, factor[on_time], _gain(model, factor, on_time, tol))
                if resolver is not None
                else None
            )
            found = blocked(on_time, excluded, None, ask)
            if found.unblocked:
                parts.append(
                    "on time was possible but costs more for almost no value "
                    "(within the solver's tolerance)"
                    if proven
                    else f"{stopped} before moving it earlier"
                )
            else:
                why = _phrase(found, r, model, takers_of, 0.0, cols)
                if why:
                    parts.append("late because " + "; ".join(why))
        reasons[r] = "; ".join(dict.fromkeys(parts))
    return package_reasons(model, x, requests, reasons)


_NOT_LIMITED = (
    "more was possible",
    "on time was possible",
    "the solver's search stopped",
    "the time limit stopped",
)
"""Starts of reasons that name no limit (see explain_plan)."""


def package_reasons(
    model: LinearModel, x: np.ndarray, requests: pd.DataFrame, reasons: list[str]
) -> list[str]:
    """Reasons of package lines (DESIGN.md §4.1) name the part that limits them.

    A package short of usable units: the part (the system itself or a component line) with
    the fewest units arrived ÷ ρ by the end of the horizon among those whose own reason names
    a limit (all parts when none does); a late package: the part whose last unit arrives
    last. When that part is a component, the package's reason is "<component name>: <the
    component line's reason>"
    ("PAC-3 MSE interceptor: stock of offer us-pac3 taken by other lines M-32 (priority 1)").
    ``x``: the dispatch columns.
    """
    from planner.results import usable_units_parts

    req = model.data.requests
    if "is_package" not in req or not req["is_package"].any():
        return reasons
    names = {
        str(k): str(n)
        for k, n in zip(model.data.items["item_id"], model.data.items["name"], strict=True)
    }
    of = req["package_of"].to_numpy(dtype=int)
    status = requests["status"].to_numpy()
    last = requests["last_arrival"]
    out = list(reasons)

    def unblocked(p: int) -> bool:
        return not reasons[p] or reasons[p].startswith(_NOT_LIMITED)

    for r in np.flatnonzero(req["is_package"].to_numpy(dtype=bool)).tolist():
        if status[r] == "met":
            continue
        parts = [r, *np.flatnonzero(of == r).tolist()]
        if status[r] in ("met late",):
            # the part whose last unit arrives last; on a tie the one whose reason names a
            # limit (a trial's M-15: the howitzers' weekly rate, not the shells' "on time was
            # possible"), then the system itself
            arrived = [
                (int(last.iat[p]) if pd.notna(last.iat[p]) else 0, not unblocked(p), p == r, p)
                for p in parts
            ]
            part = max(arrived)[3]
        else:
            # a part held back by a limit the explanation names before one that merely was
            # not sent (nothing usable to send it for); among those, fewest units ÷ ρ
            cum = usable_units_parts(model, x)
            part = min(parts, key=lambda p: (unblocked(p), round(float(cum[p]), 9), p != r))
        if part != r and reasons[part]:
            item = str(req["item_id"].iat[part])
            out[r] = f"{names.get(item, item)}: {reasons[part]}"
        # A component line no limit holds back is short because its package is: it is sent
        # only for systems that can be used. Say so, not "more was possible" (a trial found
        # the F-16's pilot training "unmet … adds almost no value" with no F-16 offered).
        rid = str(req["request_id"].iat[r])
        word = "late" if status[r] == "met late" else "short"
        if out[r] and not out[r].startswith(_NOT_LIMITED):
            why = out[r]
            if word == "late" and why.startswith("late because "):
                why = why.removeprefix("late")  # "…, which is late because …"
            else:
                why = f": {why}"
            pointer = f"sent only for usable systems of package {rid}, which is {word}{why}"
            for p in parts[1:]:
                if status[p] == "met":
                    continue
                clauses = reasons[p].split("; ")
                if unblocked(p):
                    out[p] = pointer
                elif any(c.startswith(_NOT_LIMITED) for c in clauses):
                    # a clause saying no limit held this part: its package did
                    said = (pointer if c.startswith(_NOT_LIMITED) else c for c in clauses)
                    out[p] = "; ".join(dict.fromkeys(said))
    return out


def _time_left(
    model: LinearModel,
    sol: Solution,
    settings: Settings,
    marginals: Marginals | np.ndarray | None = None,
) -> float:
    """Re-solve seconds: `resolve_budget`, and for a MILP no more than what its time limit
    leaves after the solve and the marginal values (reasons stay inside --time-limit)."""
    budget = resolve_budget(sol.solve_time_s, model.n_vars, model.is_mip)
    if model.is_mip:
        spent = sol.solve_time_s + (marginals.time_s if isinstance(marginals, Marginals) else 0.0)
        budget = min(budget, max(0.0, settings.time_limit_s - spent))
    return budget


def _gain(model: LinearModel, factor: np.ndarray, cols: np.ndarray, tol: float) -> float:
    """Gain a re-solve must show: any for divisible items, one whole unit for integer ones."""
    whole = model.integer[cols]
    return tol if not whole.any() else max(tol, 0.999 * float(factor[cols][whole].min()))


def _earliest_arrivals(model: LinearModel) -> tuple[np.ndarray, np.ndarray]:
    """Per line: the earliest arrival any compatible offer could make over any route it may use
    (t ≥ ready, t + τ ≥ earliest, capacities ignored; inf when no route), and whether any
    compatible offer exists at all."""
    data = model.data
    req = data.requests
    n_req = len(req)
    pairs = compatible_pairs(data)
    offered = np.zeros(n_req, dtype=bool)
    offered[pairs["r"].to_numpy(dtype=int)] = True
    arcs = pairs.merge(allowed_routes(data), on="o")
    earliest = np.full(n_req, np.inf)
    if len(arcs):
        tau = data.corridors["transit_periods"].to_numpy(dtype=int)[arcs["h"].to_numpy()]
        ready = data.offers["ready"].to_numpy(dtype=int)[arcs["o"].to_numpy()]
        e_r = req["earliest"].to_numpy(dtype=int)[arcs["r"].to_numpy()]
        arr = np.maximum.reduce([ready + tau, e_r, 1 + tau]).astype(float)
        np.minimum.at(earliest, arcs["r"].to_numpy(dtype=int), arr)
    return earliest, offered


def _swap_frees(
    model: LinearModel,
    ent: dict[int, np.ndarray],
    on_time: np.ndarray,
    late_j: np.ndarray,
    t_of: np.ndarray,
) -> dict[int, np.ndarray]:
    """Limits that moving one of the line's late units to an on-time dispatch would free itself.

    The stock of an offer the line already gets late; the rate of that offer in a period it
    already dispatches late units in; the budget of a donor that pays for late units costing at
    least as much as the on-time one.
    """
    o_on, o_late = ent[STOCK][on_time], ent[STOCK][late_j]
    stock = np.isin(o_on, o_late)
    T1 = int(t_of.max()) + 1 if len(t_of) else 1
    rate = np.isin(o_on * T1 + t_of[on_time], o_late * T1 + t_of[late_j])
    k_on, k_late = ent[BUDGET][on_time], ent[BUDGET][late_j]
    dearest: dict[int, float] = {}
    for k, c in zip(k_late.tolist(), model.cost_eur[late_j].tolist(), strict=True):
        dearest[k] = max(dearest.get(k, -np.inf), c)
    cap = np.array([dearest.get(k, -np.inf) for k in k_on.tolist()], dtype=float)
    budget = model.cost_eur[on_time] <= cap + 1e-9
    return {STOCK: stock, RATE: rate, BUDGET: budget}
