"""Why a request line is unmet, partly met or late: the `reason` column of the Requests sheet.

Reasons are checked in this order and named concretely (DESIGN.md §5):

1. no donor offers the item or a substitute;
2. offers exist but cannot arrive inside the horizon, or before the deadline — with the
   earliest possible arrival (ignoring every capacity limit);
3. the stock of the offers is taken by other lines (named; "higher-priority" when all are);
   an offer's weekly dispatch limit is reported next, as the same kind of supply limit;
4. the budget of donor k is used up;
5. corridor h is full (or closed) in periods t..t'.

How the binding cause is found
------------------------------
A line is short because every way of sending it more — every variable x[o,r,h,t] of the line —
is blocked by a full constraint: the stock of o, the rate of o in t, the budget of o's donor or
corridor h in period t. That *cheap signal* is read from the plan alone: a row blocks a variable
when its slack is smaller than one more step of that variable (one unit for integer items).
A limit that alone blocks some variable is a cause. Where a variable is blocked by several full
rows, the LP duals (value per unit of right-hand side, planner.marginals) keep those whose dual
is positive: the limits whose prices make more of this line not worth it. For integer items,
which have no duals, or where several priced rows remain, the signal is *ambiguous*, and each
candidate limit is verified by re-solving with it lifted: does the line then get more? (One LP
per question, from the plan's optimal basis, plus one baseline per line; see `_Resolver`.)
Re-solves are bounded by ``max_resolves`` questions per plan (MAX_RESOLVES) and
``resolve_time_s`` of wall time (by default 20 % of the plan's solve time, 0.5–5 s, and none
for LPs of over 20,000 variables: `resolve_budget`), spent on the most important lines first;
once spent, the cheap signal decides in the order above. Limits verified to help name the
cause; where none helps alone they bind jointly, and those shared by all of an offer's
variables (its stock, its donor's budget) are named.

Lateness is explained the same way on the line's on-time variables, ignoring the limits that
moving one of its late units to an on-time dispatch of the same offer would free by itself.
Cost: the cheap signal is a few vectorised passes over the variables plus a small loop per
explained line (0.3 s for 300 lines and 80,000 variables); the re-solves add at most
`resolve_budget` (RESOLVE_TIME_S at most).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.data import allowed_routes, compatible_pairs
from planner.marginals import (
    Marginals,
    period_ranges,
    plan_lp,
    plan_start,
    row_activity,
    row_upper,
)
from planner.model import LinearModel
from planner.model.families import FAMILIES, donor_of_variable
from planner.periods import period_word
from planner.schema import Settings
from planner.solve import RunStatus, Session, Solution

MAX_RESOLVES = 24
"""Most re-solve questions (one LP each) per plan."""
RESOLVE_TIME_S = 5.0
"""Most wall-clock time for all re-solves of one plan, seconds."""
RESOLVE_SHARE = 0.2
RESOLVE_MIN_S = 0.5
"""The re-solve budget of a plan is RESOLVE_SHARE of its solve time, at least RESOLVE_MIN_S and
at most RESOLVE_TIME_S: reasons never take much longer than the plan itself. A small plan's 24
questions take well under RESOLVE_MIN_S; on the medium benchmark (54,000 variables) one
question takes 0.02–0.7 s, and a fixed 5 s budget doubled the time of `aidplan plan`."""
RESOLVE_MAX_LP_VARS = 20_000
"""An LP with more variables gets no re-solves: its duals already narrow the causes, and one
question costs 0.1–0.7 s at 54,000 variables (medium benchmark), so the budget would verify
three or four lines and add half a second to every plan. MILPs (no duals) keep them."""
TIE_BREAK = 1e-6
"""In a re-solve the line's own value is raised by this share, so it wins ties with others."""
MAX_NAMES = 4
"""Most ids listed in one phrase before '… and N more'."""


def resolve_budget(solve_time_s: float, n_vars: int = 0, is_mip: bool = False) -> float:
    """Seconds of re-solves allowed for a plan that took ``solve_time_s`` to solve."""
    if not is_mip and n_vars > RESOLVE_MAX_LP_VARS:
        return 0.0
    return min(RESOLVE_TIME_S, max(RESOLVE_MIN_S, RESOLVE_SHARE * solve_time_s))


STOCK, RATE, BUDGET, CORRIDOR, UNIT = 0, 1, 2, 3, 4
KINDS = (STOCK, RATE, BUDGET, CORRIDOR)
KIND_OF_CAUSE = {"stock": STOCK, "rate": RATE, "budget": BUDGET, "corridor": CORRIDOR}
FAMILY_OF_KIND = {
    KIND_OF_CAUSE[f.explain_kind]: f.name for f in FAMILIES if f.explain_kind is not None
}
"""Explanation kind -> constraint family, from the registry (planner.model.families)."""

Cause = tuple[int, int]
"""(kind, entity): entity is the offer (stock, rate), donor (budget) or corridor position."""


# ---------------------------------------------------------------------------------------------
# Plain words
# ---------------------------------------------------------------------------------------------


def money(eur: float) -> str:
    """'€ 1.2 bn', '€ 300 m', '€ 4,500'."""
    if eur >= 1e9:
        return f"€ {eur / 1e9:.3g} bn"
    if eur >= 1e6:
        return f"€ {eur / 1e6:.3g} m"
    return f"€ {eur:,.0f}"


def names(ids: list[str]) -> str:
    """'R-3, R-7' or 'R-1, R-2, R-3, R-4 and 5 more'."""
    if len(ids) <= MAX_NAMES:
        return ", ".join(ids)
    return f"{', '.join(ids[:MAX_NAMES])} and {len(ids) - MAX_NAMES} more"


def _period_word(settings: Settings) -> str:
    return period_word(settings.period_days)


def _when(period: int, settings: Settings) -> str:
    """'week 9 (2022-05-02)'."""
    return f"{_period_word(settings)} {period} ({settings.date_of(period).isoformat()})"


# ---------------------------------------------------------------------------------------------
# The cheap signal: which full rows block which variables
# ---------------------------------------------------------------------------------------------


@dataclass
class _Signal:
    """Per variable and kind: the stacked row, whether it is full for one more step, and
    whether its dual is positive (only where duals apply)."""

    row: dict[int, np.ndarray]  # kind -> stacked row per variable (-1: not in that family)
    tight: dict[int, np.ndarray]  # kind -> bool per variable
    priced: dict[int, np.ndarray]  # kind -> bool per variable (dual > 0)
    has_dual: np.ndarray  # bool per variable: duals speak for this variable
    demand_slack: np.ndarray  # per request


def _signal(model: LinearModel, x: np.ndarray, duals: np.ndarray | None) -> _Signal:
    n = model.n_vars
    upper = row_upper(model)
    slack = upper - row_activity(model, x)
    tol_row = 1e-7 * np.maximum(1.0, np.abs(upper)) + 1e-9
    req = model.data.requests
    q = req["quantity"].to_numpy(dtype=float)
    vr = model.vars["r"].to_numpy()
    # One more step: a whole unit for integer items, a negligible share of the line otherwise.
    step = np.where(model.integer, 1.0, 1e-6 * np.maximum(1.0, q[vr]))
    offsets = model.row_offsets()
    rows: dict[int, np.ndarray] = {}
    tight: dict[int, np.ndarray] = {}
    priced: dict[int, np.ndarray] = {}
    for kind, fam in FAMILY_OF_KIND.items():
        b = model.block(fam)
        row = np.full(n, -1, dtype=np.int64)
        coef = np.zeros(n)
        row[b.var] = b.row + offsets[fam]
        coef[b.var] = b.coef
        has = row >= 0
        t = np.zeros(n, dtype=bool)
        t[has] = slack[row[has]] <= coef[has] * step[has] + tol_row[row[has]]
        p = np.zeros(n, dtype=bool)
        if duals is not None:
            p[has] = duals[row[has]] > 0  # normalised: noise is exactly 0
        rows[kind], tight[kind], priced[kind] = row, t, p
    has_dual = np.zeros(n, dtype=bool) if duals is None else ~model.integer
    delivered = (
        np.bincount(vr, weights=x * model.vars["factor"].to_numpy(), minlength=len(req))
        if n
        else np.zeros(len(req))
    )
    return _Signal(rows, tight, priced, has_dual, q - delivered)


# ---------------------------------------------------------------------------------------------
# Verification by re-solving with a limit lifted
# ---------------------------------------------------------------------------------------------


class _Resolver:
    """Lifts rows and re-solves an LP: how much a line gets when a limit is gone.

    One LP per question, started from the basis of the plan's LP: the value objective with
    the line's own variables worth TIE_BREAK more, so that among plans of (practically) the
    same value the line gets as much as it can. A model with integer items is asked through its
    LP relaxation (every unit divisible, the plan's integers free to move, since lifting a limit
    may pay off only when another line's units move); the baseline comes from the same
    relaxation, and a gain counts only when it reaches one whole unit (`_gain`).

    Bounded: ``max_questions`` calls of `best` and ``time_s`` of wall time, then `available`
    turns false and callers fall back on the cheap signal.
    """

    def __init__(
        self,
        model: LinearModel,
        x: np.ndarray,
        settings: Settings,
        max_questions: int,
        time_s: float,
        lp: Session | None = None,
    ):
        self.model = model
        self.settings = settings
        self.left = max_questions
        self.deadline = time.perf_counter() + time_s
        self._session = lp
        self._basis: object | None = None
        self._ready = False
        self._x = x
        self._upper = row_upper(model)
        self._int_cols = np.flatnonzero(model.integer)

    def available(self) -> bool:
        return self.left > 0 and time.perf_counter() < self.deadline - 0.05

    def _get(self) -> Session:
        """The plan's LP relaxation, solved once; its optimal basis starts every question."""
        if self._session is None:
            self._session = plan_lp(self.model, self._x)
        if not self._ready:
            s = self._session
            ic = self._int_cols
            if len(ic):  # plan_lp fixed them at the plan; questions need them free
                s.set_col_bounds(ic, np.zeros(len(ic)), np.full(len(ic), np.inf))
            s.run(self.model.value, True, self._time_left(), start=plan_start(self.model, self._x))
            self._basis = s.basis()
            self._ready = True
        return self._session

    def _time_left(self) -> float:
        return max(0.05, self.deadline - time.perf_counter())

    def best(self, cols: np.ndarray, weights: np.ndarray, lifted: np.ndarray) -> float | None:
        """Σ weights·x[cols] in a best plan that favours ``cols`` with rows ``lifted`` unlimited.

        None when the question could not be answered (budget spent, time limit).
        """
        if not self.available():
            return None
        self.left -= 1
        s = self._get()
        lifted = np.asarray(lifted, dtype=np.int64)
        obj = self.model.value.astype(float)
        obj[cols] *= 1.0 + TIE_BREAK
        try:
            s.set_row_upper(lifted, np.full(len(lifted), np.inf))
            # Start from the plan's basis, not from the last question.
            run = s.run(obj, True, self._time_left(), basis=self._basis)
            if run.status is not RunStatus.OPTIMAL or run.x is None:
                return None
            return float(weights @ run.x[cols])
        finally:
            s.set_row_upper(lifted, self._upper[lifted])


# ---------------------------------------------------------------------------------------------
# Choosing the causes of one line
# ---------------------------------------------------------------------------------------------


@dataclass
class _Found:
    """Causes of one shortfall (or lateness): ordered, with the variables each one blocks."""

    causes: list[Cause] = field(default_factory=list)
    periods: dict[Cause, list[int]] = field(default_factory=dict)
    unblocked: bool = False


def _entities(model: LinearModel) -> dict[int, np.ndarray]:
    """Per kind, the entity of each variable: offer, offer, donor, corridor position."""
    v = model.vars
    o = v["o"].to_numpy()
    k = donor_of_variable(model)
    return {STOCK: o, RATE: o, BUDGET: k, CORRIDOR: v["h"].to_numpy()}


def _find(
    masks: dict[int, np.ndarray],
    priced: dict[int, np.ndarray],
    has_dual: np.ndarray,
    ent: dict[int, np.ndarray],
    t_of: np.ndarray,
    rows: dict[int, np.ndarray],
    ask: _Ask | None,
) -> _Found:
    """Causes blocking a set of variables; every argument is per variable of that set.

    masks: kind -> the variable's row of that kind is full (UNIT: one more whole unit would
    over-deliver); priced: kind -> that row has a positive dual; has_dual: duals speak for the
    variable; ent, rows: kind -> entity and stacked row; t_of: dispatch period.

    Causes that alone block some variable are taken; the others are verified by ``ask`` while
    its budget lasts, else chosen in the order stock, rate, budget, corridor until every
    variable is covered. Candidates that were all verified and none of which helps on its own
    bind jointly and are all named.
    """
    found = _Found()
    n = len(next(iter(masks.values())))
    if not n:
        return found
    kinds = [k for k in (*KINDS, UNIT) if k in masks]
    masks = dict(masks)
    # Duals: where a variable has a priced full row, only its priced rows count.
    any_priced = np.zeros(n, dtype=bool)
    for kind in kinds:
        if kind in priced:
            any_priced |= masks[kind] & priced[kind]
    narrow = has_dual & any_priced
    for kind in kinds:
        if kind in priced:
            masks[kind] = np.where(narrow, masks[kind] & priced[kind], masks[kind])
        else:
            masks[kind] = np.where(narrow, False, masks[kind])
    n_cands = np.sum([masks[k] for k in kinds], axis=0, dtype=int)
    found.unblocked = bool((n_cands == 0).any())

    def causes_of(sel: np.ndarray) -> list[Cause]:
        out: set[Cause] = set()
        for kind in kinds:
            out.update((kind, int(e)) for e in np.unique(ent[kind][masks[kind] & sel]))
        return sorted(out)

    def covered_by(chosen: set[Cause] | list[Cause]) -> np.ndarray:
        cov = np.zeros(n, dtype=bool)
        for kind in kinds:
            es = [e for k, e in chosen if k == kind]
            if es:
                cov |= masks[kind] & np.isin(ent[kind], es)
        return cov

    chosen = set(causes_of(n_cands == 1))
    remaining = ~covered_by(chosen) & (n_cands > 0)
    if remaining.any():
        candidates = [c for c in causes_of(remaining) if c not in chosen]
        verdicts: dict[Cause, bool] = {}
        if ask is not None:
            for c in candidates:
                kind, e = c
                if kind == UNIT:
                    continue
                verdict = ask(np.unique(rows[kind][masks[kind] & (ent[kind] == e)]))
                if verdict is None:  # re-solve budget spent: the cheap signal decides
                    break
                verdicts[c] = verdict
        chosen.update(c for c in candidates if verdicts.get(c))
        for c in candidates:  # cheap signal, in the order of the reasons
            todo = remaining & ~covered_by(chosen)
            if not todo.any():
                break
            if verdicts.get(c, True) and (todo & covered_by([c])).any():
                chosen.add(c)
        # Left: variables whose every candidate was verified not to help alone, so limits
        # bind jointly. Per offer, name the limits that block every one of its variables
        # (its stock, its donor's budget), else the first in the order that blocks any.
        leftover = remaining & ~covered_by(chosen)
        for o in np.unique(ent[STOCK][leftover]):
            group = leftover & (ent[STOCK] == o)
            shared = [c for c in causes_of(group) if not (group & ~covered_by([c])).any()]
            chosen.update(shared or causes_of(group)[:1])
            for c in causes_of(group):
                if not (group & ~covered_by(chosen)).any():
                    break
                if (group & ~covered_by(chosen) & covered_by([c])).any():
                    chosen.add(c)
    found.causes = sorted(chosen)
    for c in found.causes:
        kind, e = c
        m = masks[kind] & (ent[kind] == e)
        found.periods[c] = sorted({int(t) for t in t_of[m]})
    return found


class _Ask:
    """A yes/no question for the resolver: does lifting these rows give the line more?"""

    def __init__(self, resolver: _Resolver, cols: np.ndarray, weights: np.ndarray, tol: float):
        self.resolver, self.cols, self.weights, self.tol = resolver, cols, weights, tol
        self._base: float | None = None

    def __call__(self, rows: np.ndarray) -> bool | None:
        if self._base is None:
            self._base = self.resolver.best(self.cols, self.weights, np.array([], np.int64))
            if self._base is None:
                return None
        got = self.resolver.best(self.cols, self.weights, rows)
        return None if got is None else got > self._base + self.tol


# ---------------------------------------------------------------------------------------------
# Phrases
# ---------------------------------------------------------------------------------------------


def _phrase(
    found: _Found,
    r: int,
    model: LinearModel,
    takers_of: dict[int, list[int]],
    remainder: float,
) -> list[str]:
    """The causes of one shortfall or lateness in plain words, in the order of the reasons."""
    data = model.data
    req, off, donors, corr = data.requests, data.offers, data.donors, data.corridors
    s = data.settings
    rid = req["request_id"].to_numpy()
    prio = req["priority"].to_numpy()
    offer_id = off["offer_id"].to_numpy()
    out: list[str] = []

    # Stock: offers only this line takes; offers taken by higher-priority lines; by others.
    mine: list[int] = []
    higher: tuple[list[int], set[int]] = ([], set())
    other: tuple[list[int], set[int]] = ([], set())
    for kind, o in found.causes:
        if kind != STOCK:
            continue
        others = {t for t in takers_of.get(o, []) if t != r}
        if not others:
            mine.append(o)
        elif all(prio[t] < prio[r] for t in others):
            higher[0].append(o)
            higher[1].update(others)
        else:
            other[0].append(o)
            other[1].update(others)
    if len(mine) == 1:
        o = mine[0]
        out.append(
            f"offer {offer_id[o]} has only {off['quantity'].iloc[o]:g}, all sent to this line"
        )
    elif mine:
        listed = [f"{offer_id[o]} ({off['quantity'].iloc[o]:g})" for o in mine]
        out.append(f"offers {names(listed)} are all sent to this line")
    for (offers, takers), label in ((higher, "higher-priority lines"), (other, "other lines")):
        if not offers:
            continue
        word = "offer" if len(offers) == 1 else "offers"
        by_prio = sorted(takers, key=lambda t: (prio[t], str(rid[t])))
        if label == "other lines":
            listed = [f"{rid[t]} (priority {prio[t]})" for t in by_prio]
        else:
            listed = [str(rid[t]) for t in by_prio]
        out.append(
            f"stock of {word} {names([str(offer_id[o]) for o in offers])} taken by {label} "
            f"{names(listed)}"
        )

    # Weekly dispatch limits of offers.
    per = f"a {period_word(s.period_days)}"
    rates = [(o, found.periods[(k, o)]) for k, o in found.causes if k == RATE]
    if len(rates) == 1:
        o, ps = rates[0]
        out.append(
            f"offer {offer_id[o]} ships at most {off['max_per_period'].iloc[o]:g} {per}, "
            f"all taken in {period_ranges(ps, s.period_days)}"
        )
    elif rates:
        listed = [
            f"{offer_id[o]} ({off['max_per_period'].iloc[o]:g} {per}, "
            f"{period_ranges(ps, s.period_days)})"
            for o, ps in rates
        ]
        out.append(f"offers {names(listed)} ship at their limit")

    # Budgets.
    budgets = [
        f"{donors['donor_id'].iloc[k]} ({money(float(donors['budget_eur'].iloc[k]))})"
        for kind, k in found.causes
        if kind == BUDGET
    ]
    if len(budgets) == 1:
        out.append(f"budget of donor {budgets[0]} is used up")
    elif budgets:
        out.append(f"budgets of donors {names(budgets)} are used up")

    # Corridors: full (capacity left but used) or closed (capacity 0) in which periods.
    corridor_bits: list[str] = []
    for kind, h in found.causes:
        if kind != CORRIDOR:
            continue
        ps = found.periods[(kind, h)]
        closed = [t for t in ps if data.capacity_t[h, t - 1] <= 0]
        full = [t for t in ps if data.capacity_t[h, t - 1] > 0]
        bits = []
        if full:
            bits.append(f"full in {period_ranges(full, s.period_days)}")
        if closed:
            bits.append(f"closed in {period_ranges(closed, s.period_days)}")
        corridor_bits.append(f"{corr['corridor_id'].iloc[h]} {' and '.join(bits)}")
    if len(corridor_bits) == 1:
        out.append(f"corridor {corridor_bits[0]}")
    elif corridor_bits:
        out.append(f"corridors {names(corridor_bits)}")

    if (UNIT, 0) in found.causes:
        out.append(f"the remaining {remainder:g} is less than one whole unit of any offer left")
    return out


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

    x = sol.x
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
    sig = _signal(model, x, duals)
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
            x,
            s,
            max_resolves,
            resolve_budget(sol.solve_time_s, model.n_vars, model.is_mip)
            if resolve_time_s is None
            else resolve_time_s,
            lp,
        )
        if max_resolves > 0
        else None
    )
    proven = sol.proven_optimal
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
                    else "the solver stopped at its time limit before sending more"
                )
            else:
                parts += _phrase(found, r, model, takers_of, rest)
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
                    else "the solver stopped at its time limit before moving it earlier"
                )
            else:
                why = _phrase(found, r, model, takers_of, 0.0)
                if why:
                    parts.append("late because " + "; ".join(why))
        reasons[r] = "; ".join(dict.fromkeys(parts))
    return reasons


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
