"""CPU seconds of each step of a plan run, repeated in one process (imports excluded).

Runs ``load_inputs → run_plan → plan_sheets → write_workbook`` on one benchmark instance
``--repeat`` times after a warm-up run and prints, per step, the median and the best CPU time
(``time.process_time``; HiGHS runs on one thread, so CPU time is what the machine's load
changes least). Steps: reading the catalog and the request workbook, planning data, model
build, handing the model to HiGHS, the HiGHS runs of the stages, the rest of the solve (the
stages' bookkeeping: objectives, bounds, optimal faces), extract, marginal values, reasons,
the plan sheets and the workbook. The instance must exist (``benchmarks.generate SIZE --out
DIR`` or a run of ``benchmarks.run``, which leaves it in ``$TMPDIR/aidplan-bench/SIZE-seed1``).

    .venv/bin/python -m benchmarks.plan_phases /tmp/aidplan-bench/medium-seed1 [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def _timed(acc: dict[str, float], label: str, f: Callable[..., Any]) -> Callable[..., Any]:
    def g(*args: Any, **kwargs: Any) -> Any:
        c = time.process_time()
        try:
            return f(*args, **kwargs)
        finally:
            acc[label] = acc.get(label, 0.0) + time.process_time() - c

    return g


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path, help="instance folder (catalog/, requests.xlsx)")
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)

    import planner.api as api
    import planner.io.requests as requests_io
    from planner.io.plan_workbook import plan_sheets, write_workbook
    from planner.model import highs_backend

    acc: dict[str, float] = {}
    patches: list[tuple[Any, str, str]] = [
        (api, "read_catalog", "read catalog"),
        (requests_io, "read_requests", "read request workbook"),
        (api, "planning_data", "planning data"),
        (api, "build_model", "model build"),
        (highs_backend.HighsAdapter, "_pass_model", "hand the model to HiGHS"),
        (highs_backend.HighsAdapter, "run", "HiGHS runs"),
        (api, "solve_model", "solve (all)"),
        (api, "extract", "extract"),
        (api, "marginal_values", "marginal values"),
        (api, "add_explanations", "reasons"),
    ]
    for owner, name, label in patches:
        if hasattr(owner, name):
            setattr(owner, name, _timed(acc, label, getattr(owner, name)))
    rows: dict[str, list[float]] = {}
    value = float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "plan.xlsx"
        for i in range(a.repeat + 1):  # the first run warms caches and is not counted
            acc.clear()
            c0 = time.process_time()
            inputs = api.load_inputs(a.folder / "requests.xlsx", a.folder / "catalog")
            result = api.run_plan(inputs)
            c1 = time.process_time()
            sheets = plan_sheets(result, api.inputs_table(inputs, result))
            c2 = time.process_time()
            write_workbook(target, sheets)
            c3 = time.process_time()
            value = result.solution.value
            acc["plan sheets"] = c2 - c1
            acc["write workbook"] = c3 - c2
            acc["stage bookkeeping"] = acc["solve (all)"] - acc["HiGHS runs"]
            acc["total"] = c3 - c0
            acc["total without HiGHS runs"] = c3 - c0 - acc["HiGHS runs"]
            if i:
                for key, secs in acc.items():
                    rows.setdefault(key, []).append(secs)
    print(f"{a.folder.name}: value {value:.6f}; CPU s over {a.repeat} runs after a warm-up")
    print("| step | median | best |")
    print("|---|---|---|")
    for key, secs in rows.items():
        print(f"| {key} | {statistics.median(secs):.3f} | {min(secs):.3f} |")


if __name__ == "__main__":
    main()
