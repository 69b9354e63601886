"""Where a whole-units budget sweep spends its time, point by point (issue 13).

Solves the points of ``aidplan whatif --budget-scale …`` on the demo one after another in this
one process (the sweep's own runner, `planner.whatif.runner.ScenarioRunner`, in its solve
order), and prints per point the wall seconds of the whole run (solve, marginal values,
tables), of its solve, and of the two steps of `planner.solve.whole_units` that take most of
it: the repair (its MIP stages and the polish) and the fallback branch and bound (its child
process, box and grace included); the LP relaxation is the rest of the solve. Then the sum
over the points and the bound on the sweep's speed-up that follows from it (see
benchmarks/README.md, session 5).

``--repair-presolve off`` runs the repair MIP without HiGHS presolve (as the fallback's value
stage runs), to measure that choice; the plans are then not the ones ``aidplan`` makes.

    .venv/bin/python -m benchmarks.sweep_points [--points 20] [--repair-presolve off]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def timed(log: list[tuple[str, float]], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` that appends (``name``, its wall seconds) to ``log`` on every call."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            log.append((name, time.perf_counter() - t0))

    return wrapper


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=Path, default=ROOT / "requests" / "demo.xlsx")
    p.add_argument("--points", type=int, default=20)
    p.add_argument("--lo", type=float, default=0.5)
    p.add_argument("--hi", type=float, default=1.5)
    p.add_argument("--repair-presolve", choices=("on", "off"), default="on")
    a = p.parse_args(argv)

    import planner.solve.whole_units as wu
    from planner.api import load_inputs
    from planner.whatif.runner import ScenarioRunner
    from planner.whatif.runs import make_runs, prepare, solve_order

    log: list[tuple[str, float]] = []
    wu.repair = timed(log, "repair", wu.repair)  # type: ignore[assignment]
    wu.call_by = timed(log, "fallback", wu.call_by)  # type: ignore[assignment]
    if a.repair_presolve == "off":
        session = wu.Session

        def no_presolve(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("mip_presolve", False)  # the fallback passes its own
            return session(*args, **kwargs)

        wu.Session = no_presolve  # type: ignore[assignment,misc]

    # the same scales as benchmarks.whatif_sweep
    scales = [float(f"{s:.4g}") for s in np.linspace(a.lo, a.hi, a.points)]
    job = prepare(load_inputs(a.requests, None, None, {}), make_runs([], scales))
    runner = ScenarioRunner(job)
    print(
        f"{a.points} budget scales {scales[0]:g} … {scales[-1]:g} on {a.requests.name}, repair "
        f"presolve {a.repair_presolve}, one process, in the sweep's solve order"
    )
    print("| budget × | run s | solve s | repair s | fallback s | gap | status |")
    print("|---|---|---|---|---|---|---|")
    total = solve = 0.0
    for prepared in solve_order(job):
        log.clear()
        t0 = time.perf_counter()
        out = runner.run(prepared)
        wall = time.perf_counter() - t0
        total, solve = total + wall, solve + out.solve_time_s
        part = {name: sum(s for n, s in log if n == name) for name in ("repair", "fallback")}
        fb = f"{part['fallback']:.2f}" if any(n == "fallback" for n, _ in log) else ""
        print(
            f"| {prepared.run.budget_scale:g} | {wall:.2f} | {out.solve_time_s:.2f} | "
            f"{part['repair']:.2f} | {fb} | {out.gap:.2e} | {out.status} |"
        )
    n = len(job.runs)
    per = solve / n
    print(f"sum: runs {total:.1f} s, solves {solve:.1f} s; mean solve S = {per:.2f} s per point")
    print(
        "speed-up bound on 2 cores, 2 × (S + 1.8) / (S + 0.4) (benchmarks/README.md, sessions 4 "
        f"and 5): {2 * (per + 1.8) / (per + 0.4):.2f} ×; 3 × needs S ≤ 2.4 s"
    )


if __name__ == "__main__":
    main()
