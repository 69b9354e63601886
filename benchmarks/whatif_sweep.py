"""Time a what-if budget sweep against the same plans made by separate `aidplan plan` runs.

Both sides are run the way a planner would run them, as fresh processes, one after the other in
this one run of the script, on the same request workbook and catalog (the bundled demo unless
told otherwise):

* sweep: one ``aidplan whatif --budget-scale s1 … sN`` (read and build once, re-solve per point);
* separate: N × ``aidplan plan --scenario scale-i.toml`` with ``budget_scale = si`` (each reads,
  builds, solves, explains and writes a plan workbook).

The script then checks that both give the same fulfilment score per point (to within the MIP gap)
and prints the times and the speed-up. Run from the project root::

    .venv/bin/python -m benchmarks.whatif_sweep                  # 20 points, 0.5 … 1.5
    .venv/bin/python -m benchmarks.whatif_sweep --points 20 --jobs 1 --time-limit 30
    .venv/bin/python -m benchmarks.whatif_sweep --divisible     # the demo as an LP

``--divisible`` runs on a copy of the catalog whose items are all divisible (``integer`` false),
so the model is an LP: this shows what the sweep's machinery saves when solves are cheap, since
on the demo's MILP the branch-and-bound of every point dominates either way.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import openpyxl

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from planner.cli import main; main()"]


def _children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process so far, theirs included."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(args: Sequence[str], cwd: Path) -> tuple[float, float]:
    """Run the CLI with ``args``; (wall seconds, CPU seconds of the process and every process
    it waited for: the sweep's workers, a fallback's child). Stops the benchmark on any
    failure."""
    t0, c0 = time.perf_counter(), _children_cpu()
    proc = subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"aidplan {' '.join(args[:1])} failed with status {proc.returncode}")
    return wall, cpu


def _summary_score(path: Path) -> float:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = wb["Summary"].iter_rows(min_row=2, values_only=True)
    return float(next(v for k, v, *_ in rows if str(k).lower() == "fulfilment score"))


def _sweep_scores(path: Path) -> list[float]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = wb["Scenarios"].iter_rows(values_only=True)
    header = [str(h).lower() for h in next(rows)]
    col = header.index("fulfilment score")
    return [float(r[col]) for r in rows]


def divisible_copy(catalog: Path, target: Path) -> Path:
    """A copy of ``catalog`` with every item divisible (the model becomes an LP)."""
    shutil.copytree(catalog, target, dirs_exist_ok=True)
    items = target / "items.csv"
    with open(items, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "integer" in rows[0]:
        for row in rows:
            row["integer"] = "false"
        with open(items, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=Path, default=ROOT / "requests" / "demo.xlsx")
    parser.add_argument("--catalog", type=Path, default=ROOT / "catalogs" / "default")
    parser.add_argument("--points", type=int, default=20, help="budget scales in the sweep")
    parser.add_argument("--from", dest="lo", type=float, default=0.5, help="lowest scale")
    parser.add_argument("--to", dest="hi", type=float, default=1.5, help="highest scale")
    parser.add_argument(
        "--jobs",
        type=int,
        default=0,
        help="worker processes of the sweep (0: the whatif default, one per core)",
    )
    parser.add_argument("--time-limit", type=float, default=None, help="solver limit per run, s")
    parser.add_argument("--keep", type=Path, default=None, help="keep the outputs in this folder")
    parser.add_argument("--divisible", action="store_true", help="all items divisible: an LP")
    a = parser.parse_args(argv)

    scales = [float(f"{s:.4g}") for s in np.linspace(a.lo, a.hi, a.points)]
    limit = ["--time-limit", str(a.time_limit)] if a.time_limit is not None else []
    with tempfile.TemporaryDirectory(prefix="aidplan-whatif-bench-") as tmp_name:
        work = a.keep.resolve() if a.keep is not None else Path(tmp_name)
        work.mkdir(parents=True, exist_ok=True)
        catalog = a.catalog.resolve()
        if a.divisible:
            catalog = divisible_copy(catalog, work / "catalog-divisible")
        common = [str(a.requests.resolve()), "--catalog", str(catalog), *limit]
        kind = "LP: every item divisible" if a.divisible else "as catalogued"
        print(
            f"{a.points} budget scales {scales[0]:g} … {scales[-1]:g} on {a.requests.name} ({kind})"
        )

        sweep_out = work / "whatif.xlsx"
        sweep_s, sweep_cpu = _run(
            [
                "whatif",
                *common,
                "--budget-scale",
                *[f"{s:g}" for s in scales],
                "--jobs",
                str(a.jobs),
                "--out",
                str(sweep_out),
            ],
            work,
        )
        jobs = a.jobs if a.jobs > 0 else f"{os.cpu_count()} (default: cores)"
        print(f"sweep    (1 × aidplan whatif, --jobs {jobs}): {sweep_s:8.1f} s", end="")
        print(f", CPU {sweep_cpu:.1f} s; load average {os.getloadavg()[0]:.1f}")

        runs_s: list[float] = []
        runs_cpu: list[float] = []
        scores: list[float] = []
        for i, s in enumerate(scales, start=1):
            scn = work / f"scale-{i:02d}.toml"
            scn.write_text(f'name = "budget x{s:g}"\nbudget_scale = {s!r}\n', encoding="utf-8")
            out = work / f"plan-{i:02d}.xlsx"
            wall, cpu = _run(["plan", *common, "--scenario", str(scn), "--out", str(out)], work)
            runs_s.append(wall)
            runs_cpu.append(cpu)
            scores.append(_summary_score(out))
            print(f"  plan {i:2d}/{a.points} (× {s:g}): {wall:6.1f} s, CPU {cpu:5.1f} s", end="")
            print(f"; load {os.getloadavg()[0]:.1f}", flush=True)
        separate_s = sum(runs_s)
        print(
            f"separate ({a.points} × aidplan plan):          {separate_s:8.1f} s, "
            f"CPU {sum(runs_cpu):.1f} s"
        )
        ratio = separate_s / sweep_s
        print(f"speed-up: {ratio:.2f}×  (target ≥ 3×: {'met' if ratio >= 3 else 'NOT met'})")
        print(
            f"CPU: the sweep used {sweep_cpu / sum(runs_cpu):.2f} of the separate runs' CPU "
            f"({sum(runs_cpu) / sweep_cpu:.2f}× less)"
        )

        sweep_scores = _sweep_scores(sweep_out)
        diff = max(abs(x - y) for x, y in zip(sweep_scores, scores, strict=True))
        print(f"largest difference in fulfilment score between the two: {diff:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
