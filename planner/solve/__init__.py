"""The solve engine: one stage driver for both solvers (DESIGN.md §4).

Public API:

- `solve_model(model, settings, previous=None) -> Solution`: a plan, all stages; with
  ``model.stability`` set (a re-plan, planner.model.stability) its fixed columns are held and
  the stability stage runs against the previous plan.
- `Session(model, solver="highs", integer=None, keep_stage_bases=False)`: one model in one
  solver for repeated solves: `set_row_upper`, `set_col_upper`, `set_col_bounds`,
  `set_integer`, `solve(settings, previous=None) -> Solution`, and `run(objective, maximise,
  time_limit_s, mip_gap, start, basis, warm) -> RunResult` for one plain run; `basis()`.
- `Solution`, `SolveStatus`, `NoSolutionError`, `BEST_FOUND`.
- `STAGES` (planner.solve.stages): the stages, their objectives and scaling; `optimal_face`,
  `clean_x`, `objective_scale`, `smallest_scale`, `mip_stage_box`.
- Adapters (planner.model.adapter): `SolverAdapter`, `RunResult`, `RunStatus`; `make_adapter`.
"""

from planner.model.adapter import RunResult, RunStatus, SolverAdapter
from planner.solve.session import SOLVERS, Session, make_adapter, solve_model
from planner.solve.solution import BEST_FOUND, NoSolutionError, Solution, SolveStatus
from planner.solve.stages import (
    STAGES,
    Face,
    Stage,
    clean_x,
    mip_stage_box,
    objective_scale,
    optimal_face,
    smallest_scale,
    substitute_units,
)

__all__ = [
    "BEST_FOUND",
    "SOLVERS",
    "STAGES",
    "Face",
    "NoSolutionError",
    "RunResult",
    "RunStatus",
    "Session",
    "Solution",
    "SolveStatus",
    "SolverAdapter",
    "Stage",
    "clean_x",
    "make_adapter",
    "mip_stage_box",
    "objective_scale",
    "optimal_face",
    "smallest_scale",
    "solve_model",
    "substitute_units",
]
