"""What one more euro or tonne is worth: marginal values of budgets and corridors (LP duals).

The dual y of a constraint row ``Σ a·x ≤ b`` of the value-maximising stage-1 problem of
DESIGN.md §4 is the value gained per unit of ``b``, ``∂ value / ∂ b``. We report

    budget of donor k       value per +1 M EUR         = 10⁶ · y[donor_budget k]
    corridor h              value per +1 t per period  = Σ_t y[corridor_capacity h,t]
                            (one more tonne in every period of the horizon; the periods with
                            y > 0 are the ones where the corridor binds)

and the same in points of the fulfilment score (value / Σ_r W_{p_r}, × 100). Duals are rates at
the margin: "+1 M EUR" is the rate times a million, exact only as far as the rate holds.

Sign convention (checked empirically with highspy 1.16 / HiGHS 1.16.0, and pinned by
tests/test_marginals.py): for a *maximisation* HiGHS reports the dual of a binding ``≤`` row as
a positive number, the gain in objective per unit of right-hand side. `HIGHS_MAX_SIGN` carries
that sign; values are normalised so that a binding budget is always positive.

Where the duals come from:
- an LP solved by HiGHS: the stage-1 duals the solver returned (Solution.row_duals); no solve.
- integer items (a MILP has no duals): every integer variable is fixed at its value in the plan
  and made continuous, and the remaining LP (value objective only) is solved, warm-started from
  the plan (`plan_lp`). The marginal values then count what divisible items could still gain
  (`integers_fixed` is true and the plan carries a note saying so).
- CBC (through PuLP): its duals are not used; the LP is solved as above, so every plan's
  marginal values follow the one convention checked here.
The solved LP is kept (`Marginals.lp`) for planner.explain to re-solve from.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.data import max_value
from planner.finite_step import FINITE_STEP_MAX_VARS, StepValue, finite_steps
from planner.model import LinearModel
from planner.model.families import donor_of_variable, family
from planner.periods import period_word
from planner.schema import Settings
from planner.solve import RunStatus, Session, Solution

HIGHS_MAX_SIGN = 1.0
"""Factor turning a HiGHS row dual of a maximisation into 'value gained per unit of rhs'."""
DUAL_REL_EPS = 1e-9
"""A dual counts as zero (the limit does not bind) when one unit of the row's largest
coefficient is worth less than this share of the most valuable unit of the model."""

BOTTLENECK_COLUMNS = [
    "limit_kind", "rank", "id", "name", "step", "value_gain", "score_points",
    "binding_periods", "where_it_binds", "limit", "used", "unit", "source",
]  # fmt: skip
MIN_DUAL_S = 0.5
"""Least time the LP for marginal values gets when the plan used up its time limit."""
FULL_REL_TOL = 1e-6
"""A row counts as used up when its slack is at most this share of its limit (at least 1)."""

SOURCE_LP = "LP duals"
SOURCE_FIXED = "LP duals, integer items fixed"
SOURCE_STEP = "finite step re-solve"
FINITE_STEP_SHARE = 1.0
FINITE_STEP_MIN_S = 0.5
FINITE_STEP_MAX_S = 5.0
"""Seconds for the finite steps of a MILP: FINITE_STEP_SHARE × its solve time, at least
FINITE_STEP_MIN_S and at most FINITE_STEP_MAX_S, and never beyond its time limit. The demo
(9,320 variables) needs about 0.2 s: one LP relaxation and 5 ms per limit."""

NOTE_FINITE_STEPS = (
    "Marginal values (Bottlenecks sheet) of a plan with whole units are finite steps: what one "
    "more step of each budget or corridor (€ 1 m or 1 t a week, one whole unit where that costs "
    "more) adds to the LP relaxation the plan's gap is measured against."
)
NOTE_INTEGERS_FIXED = (
    "Marginal values (Bottlenecks sheet) come from the LP with the integer items fixed at "
    "their planned quantities: they count what divisible items could gain, not extra "
    "whole systems."
)


@dataclass(frozen=True)
class Marginals:
    """Normalised duals of every family row and the Bottlenecks table built from them.

    duals: per row of model.stacked(), value gained per unit of right-hand side (≥ 0 for the
        ≤ rows of a maximisation; 0 where the row does not bind); None if the LP failed.
    integers_fixed: the duals are those of the LP with integer variables fixed.
    finite_steps: the table's values are finite steps (planner.finite_step) where its
        ``source`` column says so.
    time_s: seconds spent, so that reasons after it stay inside the plan's time limit.
    table: the Bottlenecks sheet (columns BOTTLENECK_COLUMNS), budgets then corridors, each
        ranked by value_gain.
    lp: the solved LP (`plan_lp`) for planner.explain to re-solve from; None when the duals
        came from the solver or the LP failed.
    """

    duals: np.ndarray | None
    integers_fixed: bool
    table: pd.DataFrame
    lp: Session | None = field(default=None, repr=False, compare=False)
    finite_steps: bool = False
    time_s: float = 0.0

    @property
    def source(self) -> str:
        if self.finite_steps:
            return SOURCE_STEP
        return SOURCE_FIXED if self.integers_fixed else SOURCE_LP


def plan_lp(model: LinearModel, x: np.ndarray) -> Session:
    """The stage-1 problem as an LP in a HiGHS session, integer items fixed at the plan ``x``.

    Integer variables are made continuous and fixed at their planned (whole) values; pass
    `plan_start` as the ``start`` of its first run, so the solve is a short warm start rather
    than a cold one. planner.explain re-uses the solved session for its re-solves.
    """
    session = Session(model, "highs", integer=np.zeros_like(model.integer))
    cols = np.flatnonzero(model.integer)
    if len(cols):
        fixed = np.round(x[cols]).astype(float)
        session.set_col_bounds(cols, fixed, fixed)
    return session


def plan_start(model: LinearModel, x: np.ndarray) -> np.ndarray | None:
    """The plan as a starting point (integer items rounded); None when it has no values."""
    if not model.n_vars or np.isnan(x).any():
        return None
    return np.where(model.integer, np.round(x), x)


def lp_duals(
    session: Session, settings: Settings, start: np.ndarray | None = None
) -> np.ndarray | None:
    """Solve ``session`` (see `plan_lp`) for value and return its normalised row duals
    (stacked order); None if the solver stops short of optimal."""
    model = session.model
    run = session.run(model.value, True, float(settings.time_limit_s), start=start)
    if run.status is not RunStatus.OPTIMAL or run.row_dual is None:
        return None
    return normalise(model, run.row_dual[: session.n_family_rows])


def normalise(model: LinearModel, highs_duals: np.ndarray) -> np.ndarray:
    """HiGHS row duals of the maximisation -> value gained per unit of right-hand side, with
    solver noise (see DUAL_REL_EPS) set to exactly 0."""
    duals = HIGHS_MAX_SIGN * np.asarray(highs_duals, dtype=float)
    row_max = np.zeros(model.n_rows)
    offsets = model.row_offsets()
    for b in model.blocks:
        np.maximum.at(row_max, b.row + offsets[b.family], np.abs(b.coef))
    top = float(np.abs(model.value).max()) if model.n_vars else 1.0
    return np.where(np.abs(duals) * row_max < DUAL_REL_EPS * max(top, 1e-300), 0.0, duals)


def row_activity(model: LinearModel, x: np.ndarray) -> np.ndarray:
    """Σ a·x per row, in model.stacked() order (`LinearModel.row_activity`)."""
    return model.row_activity(x)


def period_ranges(periods: list[int] | np.ndarray, period_days: int) -> str:
    """'weeks 4–6, 9' (or 'periods …' when a period is not a week); '' for none."""
    ps = sorted({int(p) for p in periods})
    if not ps:
        return ""
    parts: list[str] = []
    lo = prev = ps[0]
    for p in [*ps[1:], None]:
        if p is not None and p == prev + 1:
            prev = p
            continue
        parts.append(f"{lo}" if lo == prev else f"{lo}–{prev}")
        if p is not None:
            lo = prev = p
    return f"{period_word(period_days, plural=len(ps) > 1)} {', '.join(parts)}"


def bottlenecks_table(
    model: LinearModel,
    x: np.ndarray,
    duals: np.ndarray | None,
    integers_fixed: bool,
    steps: dict[tuple[str, int], StepValue] | None = None,
) -> pd.DataFrame:
    """The Bottlenecks sheet: one row per donor with a budget and per real corridor.

    value_gain is the value gained by one step (+1 M EUR of budget; +1 t in every period of a
    corridor; for a limit in ``steps``, its finite step as the ``step`` column words it),
    score_points the same in points of the fulfilment score (NaN without a value).
    limit and used: the budget and the money spent; for a corridor, the largest capacity of
    one of its binding periods and the most dispatched in one of them (of the horizon when none
    binds). where_it_binds: "used up" (for whole units: nothing of value fits in what is left),
    and what binds instead when the next step buys nothing; "full in weeks …", "closed in
    weeks …". source: SOURCE_STEP for a finite step, else the duals' (SOURCE_LP,
    SOURCE_FIXED).
    """
    from planner.explain.words import money

    steps = steps or {}
    data = model.data
    total_w = max_value(data)
    offsets = model.row_offsets()
    activity = row_activity(model, x)
    source = SOURCE_FIXED if integers_fixed else SOURCE_LP
    nan = float("nan")
    rows: list[dict[str, object]] = []

    # Budgets: every donor with a budget, whether or not a row was built for it.
    budget_words = family("donor_budget").marginal
    assert budget_words is not None
    budget_block = model.block("donor_budget")
    row_of_donor = (
        {int(k): i for i, k in enumerate(budget_block.labels["k"].to_numpy(dtype=int))}
        if budget_block.n_rows
        else {}
    )
    donors = data.donors
    for k, d in enumerate(donors.itertuples(index=False)):
        budget = float(d.budget_eur)
        if np.isnan(budget):
            continue
        i = row_of_donor.get(k)
        at = offsets["donor_budget"] + (i if i is not None else 0)
        y = 0.0 if i is None else (nan if duals is None else float(duals[at]))
        spent = 0.0 if i is None else float(activity[at])
        gain = y * budget_words.step_size
        step_words, next_step, row_source = budget_words.step, "one more euro", source
        used_up = budget > 0 and spent >= budget - FULL_REL_TOL * max(1.0, budget)
        sv = steps.get(("donor_budget", k))
        if sv is not None:
            gain, row_source = sv.value_gain, SOURCE_STEP
            step_words = f"+{money(sv.step)}"
            next_step = f"one more step ({step_words})"
            used_up = used_up or sv.used_up
        where = ""
        if budget > 0 and used_up:
            where = "used up"
            if gain == 0.0:
                where += f"; {next_step} buys nothing: " + _binds_instead(model, x, k, activity)
        rows.append(
            {
                "limit_kind": budget_words.limit_kind,
                "id": str(d.donor_id),
                "name": str(d.name),
                "step": step_words,
                "value_gain": gain,
                "score_points": 100.0 * gain / total_w if total_w > 0 else nan,
                "binding_periods": "",
                "where_it_binds": where,
                "limit": budget,
                "used": spent,
                "unit": budget_words.unit,
                "source": row_source,
            }
        )

    # Corridors: Σ_t of the duals of (h, t); binding periods are those with a positive dual.
    cap_words = family("corridor_capacity").marginal
    assert cap_words is not None
    cap_block = model.block("corridor_capacity")
    corr = data.corridors
    period_days = data.settings.period_days
    word = period_word(period_days)
    hh = cap_block.labels["h"].to_numpy(dtype=int) if cap_block.n_rows else np.array([], int)
    tt = cap_block.labels["t"].to_numpy(dtype=int) if cap_block.n_rows else np.array([], int)
    base = offsets["corridor_capacity"]
    for h in np.flatnonzero(~corr["virtual"].to_numpy(dtype=bool)):
        mine = np.flatnonzero(hh == h)
        ys = np.zeros(len(mine)) if duals is None else duals[base + mine]
        binding = ys > 0
        gain = nan if duals is None and len(mine) else float(ys.sum()) * cap_words.step_size
        step_words, row_source = cap_words.step.format(period=word), source
        sv = steps.get(("corridor_capacity", int(h)))
        if sv is not None:
            # sv.rows are this corridor's rows in the family, in the order of ``mine``.
            binding = sv.binding.copy()
            gain, row_source = sv.value_gain, SOURCE_STEP
            step_words = f"+{sv.step:g} t in every {word}"
        periods = tt[mine][binding]
        # Limits per period, never summed over periods: the largest capacity of the periods
        # where it binds (of the horizon when none binds), and the most used in one of them.
        cap_h = data.capacity_t[h]
        closed = np.flatnonzero(cap_h <= 0) + 1
        full = [int(t) for t in periods if cap_h[int(t) - 1] > 0]
        if binding.any():
            limit = float(cap_block.upper[mine][binding].max())
            used = float(activity[base + mine][binding].max())
        else:
            limit = float(cap_h.max()) if len(cap_h) else 0.0
            used = float(activity[base + mine].max()) if len(mine) else 0.0
        bits = []
        if full:
            bits.append(f"full in {period_ranges(full, period_days)}")
        if len(closed):
            bits.append(f"closed in {period_ranges(closed, period_days)}")
        rows.append(
            {
                "limit_kind": cap_words.limit_kind,
                "id": str(corr["corridor_id"].iloc[h]),
                "name": str(corr["name"].iloc[h]),
                "step": step_words,
                "value_gain": gain,
                "score_points": 100.0 * gain / total_w if total_w > 0 else nan,
                "binding_periods": period_ranges(periods, period_days),
                "where_it_binds": " and ".join(bits),
                "limit": limit,
                "used": used,
                "unit": cap_words.unit,
                "source": row_source,
            }
        )

    df = pd.DataFrame(rows, columns=[c for c in BOTTLENECK_COLUMNS if c != "rank"])
    if not len(df):
        return pd.DataFrame(columns=BOTTLENECK_COLUMNS)
    kind_order = {budget_words.limit_kind: 0, cap_words.limit_kind: 1}
    df["_kind"] = df["limit_kind"].map(kind_order)
    df["_gain"] = df["value_gain"].fillna(-1.0)
    df = df.sort_values(["_kind", "_gain", "id"], ascending=[True, False, True], kind="stable")
    df["rank"] = df.groupby("_kind").cumcount() + 1
    return df[BOTTLENECK_COLUMNS].reset_index(drop=True)


def _binds_instead(model: LinearModel, x: np.ndarray, k: int, activity: np.ndarray) -> str:
    """What stops donor ``k``'s next euro buying anything (its budget is used up, dual 0):
    its offers' stock, their weekly limits or its corridors are used up first, or the lines its
    offers serve are already met."""
    offsets = model.row_offsets()
    donor = donor_of_variable(model) == k
    cols = np.flatnonzero(donor)
    labels = {"offer_stock": "stock of", "offer_rate": "weekly limit of", "corridor_capacity": ""}
    for fam, word in labels.items():
        b = model.block(fam)
        if not b.n_rows:
            continue
        mine = np.isin(b.var, cols)
        rows = np.unique(b.row[mine])
        up = b.upper[rows]
        act = activity[offsets[fam] + rows]
        full = rows[act >= up - FULL_REL_TOL * np.maximum(1.0, np.abs(up))]
        if not len(full):
            continue
        id_col = family(fam).index[0]
        ids = sorted({str(v) for v in b.labels[id_col].to_numpy()[full]})
        listed = ", ".join(ids[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "")
        if fam == "corridor_capacity":
            return f"corridor {listed} is full first"
        return f"{word} {listed} runs out first"
    return "the lines its offers can serve are met"


def finite_step_budget(solve_time_s: float, spent_s: float, time_limit_s: float) -> float:
    """Seconds for the finite steps of a MILP that took ``solve_time_s`` to solve (see
    FINITE_STEP_SHARE), inside what ``time_limit_s`` leaves after ``spent_s`` seconds so far
    (0 when nothing is left)."""
    share = min(FINITE_STEP_MAX_S, max(FINITE_STEP_MIN_S, FINITE_STEP_SHARE * solve_time_s))
    return max(0.0, min(share, time_limit_s - spent_s))


def _all_limits(model: LinearModel) -> int:
    """How many limits `finite_steps` asks: donors with a budget row and real corridors with
    capacity rows."""
    budgets = model.block("donor_budget")
    n = len(np.unique(budgets.labels["k"].to_numpy(dtype=int))) if budgets.n_rows else 0
    cap = model.block("corridor_capacity")
    if cap.n_rows:
        virtual = model.data.corridors["virtual"].to_numpy(dtype=bool)
        hs = np.unique(cap.labels["h"].to_numpy(dtype=int))
        n += int((~virtual[hs]).sum())
    return n


def marginal_values(
    model: LinearModel, sol: Solution, settings: Settings, need_duals: bool = True
) -> Marginals:
    """Normalised stage-1 duals and the Bottlenecks table (see the module docstring).

    The solver's own duals are used when it returned them (HiGHS, LP); otherwise the LP with
    integer items fixed at the plan is solved for them. ``duals`` is None only if that LP fails.
    A MILP of at most FINITE_STEP_MAX_VARS variables gets finite steps (planner.finite_step)
    for the limits the time left reaches (`finite_step_budget`). need_duals: False when only
    the table is wanted (what-if runs without plans): a MILP whose finite steps reached every
    limit then skips the LP with the integer items fixed (``duals`` None, ``lp`` None).
    """
    t0 = time.perf_counter()
    x = sol.x
    fixed = model.is_mip
    steps: dict[tuple[str, int], StepValue] = {}
    if fixed and 0 < model.n_vars <= FINITE_STEP_MAX_VARS:
        budget = finite_step_budget(
            sol.solve_time_s, sol.solve_time_s, float(settings.time_limit_s)
        )
        if budget > 0:
            steps = finite_steps(model, x, budget)
    lp: Session | None = None
    duals: np.ndarray | None
    if not model.n_vars:
        duals = np.zeros(model.n_rows)
    elif sol.solver == "highs" and sol.row_duals is not None and not fixed:
        duals = normalise(model, sol.row_duals)
    elif not need_duals and steps and len(steps) >= _all_limits(model):
        duals = None
    else:
        lp = plan_lp(model, x)
        # Inside the plan's time limit: what the solve left, at least MIN_DUAL_S.
        spent = sol.solve_time_s + (time.perf_counter() - t0)
        left = max(MIN_DUAL_S, float(settings.time_limit_s) - spent)
        duals = lp_duals(
            lp, settings.model_copy(update={"time_limit_s": left}), plan_start(model, x)
        )
        if duals is None:
            lp = None
    table = bottlenecks_table(model, x, duals, fixed, steps)
    return Marginals(
        duals=duals,
        integers_fixed=fixed and not steps,
        table=table,
        lp=lp,
        finite_steps=bool(steps),
        time_s=time.perf_counter() - t0,
    )
