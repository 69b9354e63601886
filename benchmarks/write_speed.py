"""CPU time of writing a plan workbook, on the plan of a generated benchmark instance.

Plans the instance once (``benchmarks/generate.py``, default: medium, seed 1), then times
``plan_sheets`` + ``write_workbook`` (the *write* step of ``benchmarks/run.py`` and of
``aidplan plan``) ``--repeat`` times and prints the process CPU time and wall time of each, the
best of them, the file size and the number of cells written.

    .venv/bin/python -m benchmarks.write_speed                  # medium, 5 repeats
    .venv/bin/python -m benchmarks.write_speed --size large --repeat 2
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="medium", choices=("small", "medium", "large"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "aidplan-write")
    a = p.parse_args(argv)

    from benchmarks.generate import make_instance, write_instance
    from planner.api import inputs_table, load_inputs, run_plan
    from planner.io.plan_workbook import plan_sheets, write_workbook

    folder = a.workdir / f"{a.size}-{a.seed}"
    if not (folder / "requests.xlsx").is_file():
        write_instance(make_instance(a.size, a.seed), folder)
    inputs = load_inputs(folder / "requests.xlsx", folder / "catalog")
    result = run_plan(inputs)
    target = folder / "plan.xlsx"
    cpu, wall = [], []
    cells = 0
    for _ in range(a.repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        sheets = plan_sheets(result, inputs_table(inputs, result))
        write_workbook(target, sheets)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
        cells = sum(df.shape[0] * df.shape[1] + df.shape[1] for df in sheets.values())
    print(
        f"{a.size} seed {a.seed}: {len(result.allocations):,} allocations, "
        f"{cells:,} table cells, {target.stat().st_size / 1024:,.0f} KiB"
    )
    print("write CPU s: " + " ".join(f"{c:.2f}" for c in cpu) + f"  (best {min(cpu):.2f})")
    print("write wall s: " + " ".join(f"{w:.2f}" for w in wall) + f"  (best {min(wall):.2f})")


if __name__ == "__main__":
    main()
