"""Constants and cause kinds shared by the explanation modules."""

from __future__ import annotations

from planner.model.families import FAMILIES

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
