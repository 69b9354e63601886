"""Build and solve time of one generated instance with and without packages, side by side.

The same instance (``benchmarks/generate.py``, default: medium, seed 1, integer items) is
written twice, once as generated and once with ``--packages`` (every system item needs one or
two munitions; DESIGN.md §4.1), read back through the ordinary readers and planned with the
ordinary stages. Printed per variant: request lines after expansion (package lines bring
component lines), variables (x + usable units U), rows, build and solve seconds, fulfilment
score, and packages complete.

    .venv/bin/python -m benchmarks.packages [--size medium] [--seed 1] [--divisible]
        [--time-limit 60] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.generate import make_instance, write_instance
from planner import api
from planner.data import fulfilment_score


def measure(folder: Path, time_limit_s: float) -> dict[str, object]:
    """Read, build and solve the instance written under ``folder``; the figures printed."""
    inputs = api.load_inputs(folder / "requests.xlsx", folder / "catalog")
    inputs = api.PlanInputs(
        inputs.catalog,
        inputs.requests,
        inputs.settings.model_copy(update={"time_limit_s": time_limit_s}),
    )
    data = api.planning_data(inputs)
    t0 = time.perf_counter()
    model = api.build_model(data)
    t1 = time.perf_counter()
    sol = api.solve_model(model, data.settings)
    t2 = time.perf_counter()
    result = api.extract(model, sol)
    summary = result.summary_dict()
    return {
        "lines": len(data.requests),
        "package lines": int(data.requests["is_package"].sum()),
        "variables": model.n_vars,
        "usable units U": len(model.usable),
        "rows": model.n_rows,
        "build s": t1 - t0,
        "solve s": t2 - t1,
        "status": str(sol.status),
        "gap": sol.gap,
        "score": fulfilment_score(data, sol.value),
        "packages complete": summary.get("packages complete", "—"),
    }


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--size", default="medium")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--divisible", action="store_true", help="no integer items (an LP)")
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--workdir", type=Path, default=None)
    a = p.parse_args(argv)
    work = a.workdir or Path(tempfile.mkdtemp(prefix="aidplan-packages-"))
    rows: dict[str, dict[str, object]] = {}
    for name, packages in (("without packages", False), ("with packages", True)):
        inst = make_instance(a.size, a.seed, integer=not a.divisible, packages=packages)
        folder = work / name.replace(" ", "-")
        write_instance(inst, folder)
        rows[name] = measure(folder, a.time_limit)
    keys = list(next(iter(rows.values())))
    print(f"{a.size} instance, seed {a.seed}, {'LP' if a.divisible else 'integer items'}")
    print(f"{'':22}" + "".join(f"{n:>20}" for n in rows))
    for k in keys:
        cells = []
        for r in rows.values():
            v = r[k]
            cells.append(f"{v:>20.3f}" if isinstance(v, float) else f"{v!s:>20}")
        print(f"{k:22}" + "".join(cells))


if __name__ == "__main__":
    main()
