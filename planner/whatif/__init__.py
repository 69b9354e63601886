"""What-if runs (DESIGN.md §6): many scenarios solved on one built model, compared side by side.

A what-if is a list of *runs*: the base case and named scenarios (§2.3), each possibly at several
global budget scales. Every run gives the same plan as ``aidplan plan --scenario`` would; what
differs is how it gets there.

How the runs are made fast
--------------------------
1. **One model per shape.** Runs are grouped by the settings that shape the model (everything in
   §3 except ``time_limit_s``, ``mip_gap`` and ``mip_node_limit``, which only steer the
   solver). Each group is read and built once; the request workbook is read again only when a
   scenario moves the calendar (``start``, ``period_days``, ``horizon``).
2. **Right-hand sides only.** Budgets (``donor_budget`` rows) and corridor capacities
   (``corridor_capacity`` rows) are right-hand sides, so a run sets exactly the rows whose value
   differs from what the solver holds (`Session.set_row_upper`) and solves again. The
   backend always ends up holding the run's own values; nothing leaks from one run to the next,
   which is what "apply, solve, restore" needs without paying for the restore.
3. **The solver's previous solution.** A plan takes three solves (value, then cost, then
   arrival; planner.solve), each with its own objective. For an LP, the shared
   `Session` (``keep_stage_bases``) keeps the optimal basis each stage ended with and
   starts the same stage of the next run from it: only right-hand sides changed, so that basis
   is still dual feasible and the dual simplex repairs it in a few iterations (the demo as an
   LP: ~1 s → ~0.05 s a run). A MILP's branch and bound has no basis to reuse, and handing
   HiGHS the previous (looser) run's plan as a start saved
   only about 15 % of the demo's value stages (20 points: 27 s → 23 s, measured with
   MIP_OPTIONS), not worth giving up the agreement with `aidplan plan` below. A MILP run
   therefore gets a fresh HiGHS instance built from the model's arrays (0.03 s for the demo):
   it then takes exactly the path of `aidplan plan`, so a what-if row and the plan of the same
   scenario agree to the last digit (unless a wall-clock limit stops a stage: the time limit,
   or the boxes of the cost and arrival stages of a MIP, decision 0002 point 7, or the box of
   the whole-units fallback, decision 0006). What a MILP
   what-if saves is everything around the solve (process start, reading, building, reasons,
   workbooks) — and the processes of ``--jobs``.
4. **Plans that stay optimal are not solved again.** Runs of a group are solved from the
   loosest to the tightest budget. When a run's budgets and capacities are all ≤ those of a run
   already solved to proven optimality, and that plan still fits them, it is optimal for this run
   too (lexicographically, all three stages: it was the best over a larger feasible set, and it is
   still in the smaller one), so it is reused and marked as such. Its LP duals remain valid too.
5. **Processes.** ``jobs > 1`` runs the runs in worker processes (spawned; HiGHS uses one thread
   each). A worker builds each group's model once, the first time it needs it, and keeps it for
   every later run it is handed; runs are handed out one at a time, loosest first, so the slow
   tight-budget MILPs do not pile up on one worker.

Excluded donors (``settings.exclude_donors``) change the model's shape: such a scenario is its
own group and is rebuilt. Fixing the excluded donors' columns at 0 would be cheaper to solve, but
the marginal values (planner.marginals) and the reasons for unmet lines (planner.explain) re-solve
the model from its arrays and would bring those donors back; a rebuild of the demo costs ~0.05 s.

The comparison workbook is written by planner.io.comparison_workbook.
"""

from planner.whatif.outcomes import RunOutcome, binding_text, critical_coverage
from planner.whatif.runner import ScenarioRunner, run_whatif, solve_run
from planner.whatif.runs import (
    BASE_NAME,
    CALENDAR_SETTINGS,
    CHANGED_FAMILIES,
    SOLVE_ONLY_SETTINGS,
    TOP_BINDING,
    ModelGroup,
    PreparedRun,
    WhatIfJob,
    WhatIfRun,
    check_budget_scales,
    make_runs,
    prepare,
    run_settings,
    shape_key,
    solve_order,
)
from planner.whatif.tables import (
    CORRIDOR_COLUMN,
    DONOR_COLUMN,
    LINE_COLUMNS,
    bottleneck_comparison,
    comparison_inputs,
    comparison_sheets,
    plan_file_name,
    plan_file_names,
    request_comparison,
    scenarios_table,
)

__all__ = [
    "BASE_NAME",
    "CALENDAR_SETTINGS",
    "CHANGED_FAMILIES",
    "CORRIDOR_COLUMN",
    "DONOR_COLUMN",
    "LINE_COLUMNS",
    "SOLVE_ONLY_SETTINGS",
    "TOP_BINDING",
    "ModelGroup",
    "PreparedRun",
    "RunOutcome",
    "ScenarioRunner",
    "WhatIfJob",
    "WhatIfRun",
    "binding_text",
    "bottleneck_comparison",
    "check_budget_scales",
    "comparison_inputs",
    "comparison_sheets",
    "critical_coverage",
    "make_runs",
    "plan_file_name",
    "plan_file_names",
    "prepare",
    "request_comparison",
    "run_settings",
    "run_whatif",
    "scenarios_table",
    "shape_key",
    "solve_order",
    "solve_run",
]
