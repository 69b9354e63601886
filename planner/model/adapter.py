"""What every solver adapter offers (HiGHS, CBC through PuLP), and what one run returns.

An adapter is thin: it holds the model's arrays inside one solver, lets the caller change the
objective, bounds and integrality and add a few rows, runs the solver and returns a `RunResult`.
It knows nothing of stages, tolerances or plans; planner.solve drives it. Rows are numbered as
in ``LinearModel.stacked()`` (the family rows), followed by the rows added with `add_row` and
`add_rows`; columns as in ``LinearModel.vars``, followed by the columns added with `add_cols`
(the stability stage's helper columns, planner.solve.session). Arrays over columns given to an
adapter may stop at the model's columns: the added columns then get 0 (objective, row
coefficients); run results always cover every column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np


class RunStatus(StrEnum):
    """How one solver run ended."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time limit"
    NODE_LIMIT = "node limit"
    """A MIP run stopped by its branch-and-bound node budget (``node_limit``)."""
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"


@dataclass
class RunResult:
    """One run's outcome.

    x: column values (None when the run found no solution).
    row_dual, col_dual: LP duals and reduced costs in the sense of the objective that was set
        (per unit of each row's right-hand side in its own units); None for MIPs or when the
        solver returned none.
    gap: relative MIP gap (|primal − bound| / |primal|; 0 for an LP; NaN when unknown).
    """

    status: RunStatus
    x: np.ndarray | None
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None
    gap: float = 0.0

    @property
    def optimal(self) -> bool:
        return self.status is RunStatus.OPTIMAL and self.x is not None


class SolverAdapter(Protocol):
    """One solver holding one model; see the module docstring."""

    name: str
    """"highs" or "cbc"."""
    version: str
    n_rows: int
    """Family rows plus added rows."""
    n_cols: int
    """Model columns plus added columns."""

    def set_objective(self, coef: np.ndarray, maximise: bool) -> None:
        """Objective coefficient per column and its sense."""

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Bounds of the given columns (np.inf for none)."""

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Bounds of the given rows, each row in its own units (±np.inf for none)."""

    def add_row(self, coef: np.ndarray, lower: float, upper: float) -> int:
        """Add the row ``lower ≤ Σ coef · x ≤ upper`` (coef dense over the columns); its index."""

    def add_cols(self, lower: np.ndarray, upper: np.ndarray) -> int:
        """Add continuous columns with these bounds, no row entries and objective 0; the index
        of the first."""

    def add_rows(
        self,
        lower: np.ndarray,
        upper: np.ndarray,
        start: np.ndarray,
        index: np.ndarray,
        value: np.ndarray,
    ) -> int:
        """Add rows ``lower ≤ Σ value · x ≤ upper`` given row-wise (row i has the entries
        ``start[i]:start[i + 1]`` of ``index`` and ``value``; ``start`` has one more entry than
        rows); the index of the first."""

    def set_integer(self, cols: np.ndarray, integer: bool) -> None:
        """Make columns integer or continuous."""

    def set_start(self, x: np.ndarray) -> None:
        """A plan to start from (MIP incumbent or LP starting point), where supported."""

    def get_basis(self) -> object | None:
        """The current simplex basis, or None where the solver offers none."""

    def set_basis(self, basis: object) -> None:
        """Start the next run from a basis from `get_basis`."""

    def clear_basis(self) -> None:
        """Start the next run from scratch (with presolve), not from the last basis."""

    def run(
        self,
        time_limit_s: float,
        mip_gap: float,
        warm: bool = False,
        stage: str | None = None,
        node_limit: int | None = None,
    ) -> RunResult:
        """Solve within ``time_limit_s`` seconds of this run. ``warm``: bounds changed since
        the last optimal basis (the solver may then prefer its dual simplex). ``stage``: the
        DESIGN.md §4 stage this run solves ("value", "cost", ...; None for a plain run), so
        the solver may choose its algorithm by it. ``node_limit``: a MIP run stops after this
        many branch-and-bound nodes (`RunStatus.NODE_LIMIT`); None for no limit; ignored for
        an LP."""
