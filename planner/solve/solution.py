"""What a solve returns: `Solution`, its `SolveStatus`, and `NoSolutionError`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class SolveStatus(StrEnum):
    """How the value stage (stage 1) of a plan ended; the text is what reports print."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible (time limit)"
    NO_SOLUTION = "no solution (time limit)"
    NO_SOLUTION_NODES = "no solution (node limit)"
    """A MIP stopped by ``Settings.mip_node_limit`` before its first plan."""
    INFEASIBLE = "no solution (infeasible)"
    UNBOUNDED = "no solution (unbounded)"
    ERROR = "no solution (solver error)"
    GAP = "feasible (gap above mip_gap)"
    """A plan whose gap to the best bound known stayed above ``mip_gap`` when its branch and
    bound box (planner.solve.whole_units) or node budget (``Settings.mip_node_limit``) ran out,
    before the time limit."""


BEST_FOUND = " (best found)"
"""Suffix of a stage that stopped at its time limit with a plan it could not prove optimal."""

NOT_RUN = " (not run)"
"""Suffix of a stage the plan was meant to run that never started: the time limit or the box
of the stage before left it no time (a stage needs at least 1 s)."""


STATUS_MEANINGS: dict[str, str] = {
    SolveStatus.OPTIMAL: "Proven: no plan is worth more than this one by more than mip_gap "
    "({mip_gap}).",
    SolveStatus.FEASIBLE: "The time limit stopped the solver before it could prove the plan "
    "within mip_gap ({mip_gap}); the gap says how far it may be from the best. A longer "
    "--time-limit may close it.",
    SolveStatus.GAP: "A time box (or node budget) of the branch and bound ended before the "
    "plan was proven within mip_gap ({mip_gap}); the gap says how far it may be from the best. "
    "Tight budgets often end so.",
}
"""What each status means on the Summary sheet (``{mip_gap}``: the setting, as a percent)."""

STAGES_MEANING = (
    "Each stage keeps what the ones before achieved. '(best found)': its time box stopped "
    "it with the best plan it had; '(not run)': it did not start, because the search that "
    "found this plan spent its box on the value stage (a longer time limit does not change "
    "that box) or the time limit was reached."
)


@dataclass
class Solution:
    """Values of the variables and how the solver got there.

    x: units per variable (model.vars order); NaN everywhere when no plan was found.
    status: how stage 1 ended; proven_optimal: stage 1 proven optimal (within mip_gap).
    gap: relative MIP gap of stage 1 (a fraction: 0.0012 is 0.12 %; 0 for an LP; NaN unknown).
    value: Σ value · x of the final plan; cost_eur: Σ cost · x (EUR).
    row_duals: stage-1 duals per unit of each family row's right-hand side (value per EUR,
        per tonne, ...), model.stacked() order; LP only.
    stages: the stages run, in order; a stage that stopped at its time limit carries
        BEST_FOUND ("cost (best found)").
    value_bound: an upper bound on the value of any plan (see the field).
    """

    x: np.ndarray
    status: SolveStatus
    proven_optimal: bool
    gap: float
    value: float
    cost_eur: float
    solver: str
    solver_version: str
    solve_time_s: float
    row_duals: np.ndarray | None = None
    stages: list[str] = field(default_factory=list)
    stage_names: tuple[str, ...] = ()
    """Every stage this plan was meant to run (those not skipped), for `all_stages_proven`."""
    value_bound: float = float("nan")
    """No plan is worth more than this (Σ value · x): the value stage's LP optimum, or a MIP
    value stage's plan × (1 + gap); NaN when the solver gave none. planner.solve.whole_units
    proves its gap against the LP relaxation's."""

    @classmethod
    def without_plan(
        cls, n_vars: int, status: SolveStatus, solver: str, version: str, solve_time_s: float
    ) -> Solution:
        """The solver stopped before any plan: x is NaN, so `usable` is False."""
        nan = float("nan")
        return cls(
            np.full(n_vars, nan), status, False, nan, nan, nan, solver, version, solve_time_s
        )

    @property
    def stages_solved(self) -> str:
        """The stages as the Summary and Scenarios sheets show them: "value > cost > arrival",
        with the stages meant to run that never started as "arrival (not run)"."""
        skipped = [name + NOT_RUN for name in self.stage_names[len(self.stages) :]]
        return " > ".join([*self.stages, *skipped])

    @property
    def all_stages_proven(self) -> bool:
        """Every stage ran and ended proven optimal."""
        return self.proven_optimal and tuple(self.stages) == self.stage_names

    @property
    def gap_percent(self) -> float:
        """The relative gap in percent (0.12 for 0.12 %)."""
        return 100.0 * self.gap

    @property
    def usable(self) -> bool:
        return self.x.size == 0 or not np.isnan(self.x).any()


class NoSolutionError(Exception):
    """The solver stopped without any usable plan (time limit before a first solution)."""
