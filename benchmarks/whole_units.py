"""Whole units side by side (issue 13): the demo with every discrete item whole against the demo
as it was with its 10 integer items, and the medium benchmark with integer items end to end.

Each plan runs in a fresh process (read → plan → write the workbook, `planner.api`), the two
demo variants alternately, all in this one run, so that the ratio is measured under the same
load. Run from the project root::

    .venv/bin/python -m benchmarks.whole_units                 # demo × 3 each, medium × 1
    .venv/bin/python -m benchmarks.whole_units --repeat 5 --medium-repeat 2
    .venv/bin/python -m benchmarks.whole_units --no-medium

The old demo is made on the fly: a copy of catalogs/default whose ``integer`` column is true only
for OLD_INTEGER_ITEMS, the 10 items the bundled catalog marked integer before every item counted
in units became integer (commit 2b4c9bd; `git log -- catalogs/default/items.csv`). The medium
instance is `benchmarks.generate` ``medium --integer`` (seed 1).

Targets (issue 13): the whole demo reaches a gap ≤ 0.01 % in ≤ 1.5 × the old demo's time (end
to end, medians); the medium instance with integer items a gap ≤ 0.1 % in ≤ 20 s end to end.
The 20-point what-if sweep target is measured by benchmarks/whatif_sweep.py.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OLD_INTEGER_ITEMS = frozenset(
    {
        "patriot_battery", "iris_t_slm", "javelin_clu", "mig29", "a10", "f16",
        "harpoon_launcher", "m777", "himars", "t72",
    }
)  # fmt: skip
"""The demo catalog's integer items before issue 13 (commit 2b4c9bd)."""
DEMO_GAP = 1e-4
DEMO_RATIO = 1.5
MEDIUM_GAP = 1e-3
MEDIUM_S = 20.0


def make_demo(folder: Path, old: bool) -> Path:
    """The bundled demo under ``folder`` (``catalog/``, ``requests.xlsx``); ``old``: only
    OLD_INTEGER_ITEMS integer."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "catalogs" / "default", folder / "catalog")
    shutil.copy(ROOT / "requests" / "demo.xlsx", folder / "requests.xlsx")
    if old:
        path = folder / "catalog" / "items.csv"
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            row["integer"] = "true" if row["item_id"] in OLD_INTEGER_ITEMS else "false"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return folder


def make_medium(folder: Path) -> Path:
    """The medium benchmark instance with integer items (seed 1) under ``folder``."""
    from benchmarks.generate import make_instance, write_instance

    shutil.rmtree(folder, ignore_errors=True)
    write_instance(make_instance("medium", 1, True), folder)
    return folder


def child(folder: Path, time_limit_s: float) -> dict[str, Any]:
    """One plan of ``folder`` in this process: read → plan → write, timed; gap and whether
    any integer column is fractional."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    import numpy as np

    from planner.api import inputs_table, load_inputs, run_plan
    from planner.io.plan_workbook import plan_sheets, write_workbook

    t_import = time.perf_counter() - t0
    inputs = load_inputs(
        folder / "requests.xlsx", folder / "catalog", None, {"time_limit_s": time_limit_s}
    )
    result = run_plan(inputs)
    write_workbook(folder / "plan.xlsx", plan_sheets(result, inputs_table(inputs, result)))
    t1 = time.perf_counter()
    sol, model = result.solution, result.model
    xi = sol.x[model.integer]
    return {
        "e2e_s": t1 - t0,
        "import_s": t_import,
        "cpu_s": time.process_time() - c0,
        "timings": result.timings_s,
        "n_vars": model.n_vars,
        "n_integer": int(model.integer.sum()),
        "value": sol.value,
        "gap": sol.gap,
        "status": str(sol.status),
        "stages": list(sol.stages),
        "fractional": int((np.abs(xi - np.round(xi)) > 1e-6).sum()),
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def spawn(folder: Path, time_limit_s: float) -> dict[str, Any]:
    """`child` in a fresh interpreter; adds the process's wall time (start-up included)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    args = [sys.executable, "-m", "benchmarks.whole_units", "--child", str(folder)]
    args += ["--child-out", str(out), "--time-limit", str(time_limit_s)]
    t0 = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"plan of {folder} failed with status {proc.returncode}")
    row: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    row["process_s"] = wall
    return row


def _median(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in rows)


def _line(name: str, rows: list[dict[str, Any]]) -> str:
    r0 = rows[0]
    solve = statistics.median(float(r["timings"]["solve"]) for r in rows)
    gaps = ", ".join(f"{100 * r['gap']:.4f}" for r in rows)
    return (
        f"| {name} | {r0['n_vars']:,} | {r0['n_integer']:,} | {len(rows)} | "
        f"{_median(rows, 'e2e_s'):.2f} | {_median(rows, 'process_s'):.2f} | "
        f"{_median(rows, 'cpu_s'):.2f} | {solve:.2f} | {gaps} | "
        f"{max(r['fractional'] for r in rows)} | {r0['value']:.2f} |"
    )


def report(
    old: list[dict[str, Any]], whole: list[dict[str, Any]], medium: list[dict[str, Any]]
) -> str:
    """The Markdown table and the targets, met or not."""
    out = [
        "| plan | vars | integer vars | runs | end to end s (median) | process s | CPU s "
        "| solve s | gap % (each run) | fractional units | value |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        _line("demo, 10 integer items (before issue 13)", old),
        _line("demo, every discrete item whole", whole),
    ]
    if medium:
        out.append(_line("medium, integer items (generate.py --integer)", medium))
    ratio = _median(whole, "e2e_s") / _median(old, "e2e_s")
    cpu_ratio = _median(whole, "cpu_s") / _median(old, "cpu_s")
    gap = max(float(r["gap"]) for r in whole)
    ok = ratio <= DEMO_RATIO and gap <= DEMO_GAP and all(r["fractional"] == 0 for r in whole)
    out += [
        "",
        f"- whole demo / old demo, end to end: {ratio:.2f}× (CPU {cpu_ratio:.2f}×); worst gap "
        f"{100 * gap:.4f} % — target gap ≤ {100 * DEMO_GAP:g} % in ≤ {DEMO_RATIO}×: "
        + ("met" if ok else "NOT met"),
    ]
    if medium:
        e2e = _median(medium, "e2e_s")
        mgap = max(float(r["gap"]) for r in medium)
        ok = e2e <= MEDIUM_S and mgap <= MEDIUM_GAP
        out.append(
            f"- medium with integer items: {e2e:.1f} s end to end (CPU "
            f"{_median(medium, 'cpu_s'):.1f} s), gap {100 * mgap:.4f} % — target gap ≤ "
            f"{100 * MEDIUM_GAP:g} % in ≤ {MEDIUM_S:g} s: " + ("met" if ok else "NOT met")
        )
    out.append(f"- load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--repeat", type=int, default=3, help="runs of each demo variant")
    p.add_argument("--medium-repeat", type=int, default=1)
    p.add_argument("--no-medium", action="store_true")
    p.add_argument("--time-limit", type=float, default=60.0, help="per plan, seconds")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "aidplan-whole")
    p.add_argument("--json", type=Path, help="also write every number to this JSON file")
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child is not None:
        a.child_out.write_text(json.dumps(child(a.child, a.time_limit), default=str))
        return
    old_dir = make_demo(a.workdir / "demo-10-integer", old=True)
    whole_dir = make_demo(a.workdir / "demo-whole", old=False)
    old: list[dict[str, Any]] = []
    whole: list[dict[str, Any]] = []
    for _ in range(a.repeat):
        old.append(spawn(old_dir, a.time_limit))
        whole.append(spawn(whole_dir, a.time_limit))
    medium: list[dict[str, Any]] = []
    if not a.no_medium:
        medium_dir = make_medium(a.workdir / "medium-integer")
        medium = [spawn(medium_dir, a.time_limit) for _ in range(a.medium_repeat)]
    print(report(old, whole, medium))
    if a.json:
        a.json.write_text(json.dumps({"old": old, "whole": whole, "medium": medium}, indent=1))


if __name__ == "__main__":
    main()
