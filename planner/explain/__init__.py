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

from planner.explain.common import MAX_RESOLVES, RESOLVE_TIME_S, resolve_budget
from planner.explain.plan import explain_plan
from planner.explain.words import REASON_CHARS, money, names, short_reason

__all__ = [
    "MAX_RESOLVES",
    "REASON_CHARS",
    "RESOLVE_TIME_S",
    "explain_plan",
    "money",
    "names",
    "resolve_budget",
    "short_reason",
]
