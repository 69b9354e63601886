"""Verification by re-solving with a limit lifted (through a planner.solve.Session)."""

from __future__ import annotations

import time

import numpy as np

from planner.explain.common import TIE_BREAK
from planner.marginals import (
    plan_lp,
    plan_start,
)
from planner.model import LinearModel
from planner.schema import Settings
from planner.solve import RunStatus, Session

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
        self._upper = model.row_upper()
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
        # Lines without a value of their own (package and component lines, DESIGN.md §4.1):
        # a small value, so the question still asks what stops them from getting more.
        zero = obj[cols] == 0.0
        if zero.any():
            scale = float(np.abs(self.model.value).max()) if len(obj) else 1.0
            obj[cols[zero]] = TIE_BREAK * max(scale, 1.0)
        try:
            s.set_row_upper(lifted, np.full(len(lifted), np.inf))
            # Start from the plan's basis, not from the last question.
            run = s.run(obj, True, self._time_left(), basis=self._basis)
            if run.status is not RunStatus.OPTIMAL or run.x is None:
                return None
            return float(weights @ run.x[cols])
        finally:
            s.set_row_upper(lifted, self._upper[lifted])
