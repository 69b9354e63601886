"""CPU time of HiGHS algorithms per lexicographic stage on one benchmark instance (decision 0008).

Builds the instance's model as ``aidplan plan`` does, then

1. solves the value stage once per value-stage variant, each from scratch (primal simplex with
   and without presolve, interior point with crossover), and keeps the last one's result;
2. runs the later stages as aidplan does (`planner.solve.Session`), except that the arrival
   stage is solved once per arrival variant, every one from the cost stage's optimal basis on
   its optimal face (primal or dual simplex from that basis, interior point from scratch).

Prints CPU seconds (``time.process_time``; one HiGHS thread), wall seconds, iterations and the
stage objective of every run: on a shared machine CPU time and iteration counts are what to
compare. The instance must exist (``benchmarks.generate SIZE --out DIR``, or a run of
``benchmarks.run``, which leaves it in ``$TMPDIR/aidplan-bench/SIZE-seed1``).

    .venv/bin/python -m benchmarks.stage_algorithms /tmp/aidplan-bench/medium-seed1
    .venv/bin/python -m benchmarks.stage_algorithms DIR --value primal --arrival primal ipm
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

VARIANTS: dict[str, dict[str, str | int]] = {
    "primal": {"solver": "simplex", "simplex_strategy": 4, "presolve": "on"},
    "primal-no-presolve": {"solver": "simplex", "simplex_strategy": 4, "presolve": "off"},
    "dual": {"solver": "simplex", "simplex_strategy": 1, "presolve": "on"},
    "ipm": {"solver": "ipm", "run_crossover": "on", "presolve": "on"},
}
"""HiGHS options per variant; "ipm" always starts from scratch (the basis is cleared)."""


def timed_run(
    h: Any, options: dict[str, str | int], limit_s: float, cold: bool = False
) -> dict[str, Any]:
    """One HiGHS run with ``options`` (from scratch if ``cold`` or interior point); CPU and
    wall seconds, status, iterations, objective."""
    if cold or options.get("solver") == "ipm":
        h.clearSolver()
    for key, val in options.items():
        h.setOptionValue(key, val)
    h.setOptionValue("time_limit", float(h.getRunTime()) + limit_s)
    c, t = time.process_time(), time.perf_counter()
    h.run()
    info = h.getInfo()
    return {
        "cpu_s": time.process_time() - c,
        "wall_s": time.perf_counter() - t,
        "status": h.modelStatusToString(h.getModelStatus()),
        "simplex_it": info.simplex_iteration_count,
        "ipm_it": info.ipm_iteration_count,
        "crossover_it": info.crossover_iteration_count,
        "objective": info.objective_function_value,
    }


def line(stage: str, name: str, r: dict[str, Any]) -> str:
    return (
        f"{stage:8s} {name:20s} CPU {r['cpu_s']:8.2f} s  wall {r['wall_s']:8.2f} s"
        f"  {r['status']:12s}"
        f" simplex {r['simplex_it']:6d}  ipm {r['ipm_it']:4d}  crossover {r['crossover_it']:6d}"
        f"  objective {r['objective']:.10g}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="HiGHS algorithms per stage, side by side.")
    p.add_argument("folder", type=Path, help="instance folder (catalog/, requests.xlsx)")
    p.add_argument("--value", nargs="+", default=["primal", "primal-no-presolve"])
    p.add_argument("--arrival", nargs="+", default=["primal", "dual", "ipm"])
    p.add_argument("--limit", type=float, default=3600.0, help="seconds per run")
    a = p.parse_args(argv)

    import numpy as np

    from planner.api import load_inputs, planning_data
    from planner.model.adapter import RunResult, RunStatus
    from planner.model.build import build_model
    from planner.model.highs_backend import HighsAdapter
    from planner.solve import Session

    inputs = load_inputs(a.folder / "requests.xlsx", a.folder / "catalog", None, {})
    model = build_model(planning_data(inputs))
    print(f"{a.folder.name}: {model.n_vars:,} variables, {model.n_rows:,} rows", flush=True)
    session = Session(model, "highs")
    ad = session.adapter
    assert isinstance(ad, HighsAdapter)

    def result(h: Any, ok: bool) -> RunResult:
        sol, info = h.getSolution(), h.getInfo()
        x = np.asarray(sol.col_value, float) if info.primal_solution_status == 2 else None
        row = col = None
        if info.dual_solution_status == 2:
            raw = np.asarray(sol.row_dual, float)
            row = raw * ad._scale(np.arange(len(raw)))
            col = np.asarray(sol.col_dual, float)
        return RunResult(RunStatus.OPTIMAL if ok else RunStatus.TIME_LIMIT, x, row, col)

    def run(self: HighsAdapter, limit_s: float, *args: Any, **kw: Any) -> RunResult:
        stage = kw.get("stage")
        if stage == "value":
            for name in a.value:
                r = timed_run(self.h, VARIANTS[name], a.limit, cold=True)
                print(line("value", name, r), flush=True)
        elif stage == "arrival":
            basis = self.h.getBasis()
            for name in a.arrival:
                self.h.setBasis(basis)
                r = timed_run(self.h, VARIANTS[name], a.limit)
                print(line("arrival", name, r), flush=True)
        else:
            r = timed_run(self.h, VARIANTS["primal"], a.limit)
            print(line(str(stage), "primal", r), flush=True)
        return result(self.h, r["status"] == "Optimal")

    HighsAdapter.run = run  # type: ignore[method-assign]
    sol = session.solve(inputs.settings)
    print(f"stages {', '.join(sol.stages)}; value {sol.value:.10g}, cost € {sol.cost_eur:,.0f}")


if __name__ == "__main__":
    main()
