"""Re-planning the medium benchmark as of its week 5 against planning it from scratch.

One run, side by side, on the same changed inputs (DESIGN.md §7, issue 15):

1. generate the instance (``benchmarks/generate.py``), plan it (the "week 1" plan) and write
   the plan workbook, as ``aidplan plan`` does;
2. change the inputs: the corridor that carried most tonnes is closed from week 5 to week 8;
3. **from scratch**: ``run_plan`` on the changed inputs (build, solve, extract, explain);
   **re-plan**: read the week-1 workbook, compare inputs, freeze weeks 1–4, ``run_replan``
   (build, map the previous plan onto the model, solve with the stability stage, extract,
   explain) and the Changes table.

Each side runs ``--repeat`` times, alternating, in this one process; the median is printed,
with the time of reading the previous plan (``read_plan_workbook`` + ``with_previous``: parsing
the workbook and comparing its Inputs sheet) as its own column. ``--openpyxl-too`` adds a third
side: the same re-plan with the workbook read by openpyxl (planner.io.sheet_values falls back to
it), the reader before decision 0010. It also prints how many allocations each plan changes
against the week-1 plan (the point of the stability stage) and the load average before and after
(the machine may be shared).

    .venv/bin/python -m benchmarks.replan [--size medium] [--as-of 5] [--repeat 3] [--openpyxl-too]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def timed_cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s of this process, result): CPU time moves less with the machine's load."""
    c0 = time.process_time()
    secs, out = timed(fn)
    return secs, time.process_time() - c0, out


def main(argv: Sequence[str] | None = None) -> None:
    from benchmarks.generate import make_instance, write_instance
    from planner.api import inputs_table, load_inputs, run_plan
    from planner.changes import PlanTables, plan_changes
    from planner.io.plan_workbook import plan_sheets, write_workbook
    from planner.io.previous_plan import read_plan_workbook
    from planner.replan import Replan, run_replan, with_previous

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--size", default="medium")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--as-of", type=int, default=5)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "aidplan-replan")
    p.add_argument(
        "--openpyxl-too",
        action="store_true",
        help="also re-plan with the previous plan read by openpyxl (the reader before 0010)",
    )
    a = p.parse_args(argv)
    load_before = os.getloadavg()

    folder = a.workdir / a.size
    catalog_dir, requests = write_instance(make_instance(a.size, a.seed), folder)
    inputs = load_inputs(requests, catalog_dir)
    t_week1, week1 = timed(lambda: run_plan(inputs))
    previous = folder / "plan-week1.xlsx"
    write_workbook(previous, plan_sheets(week1, inputs_table(inputs, week1)))

    tonnes = week1.allocations.groupby("corridor_id")["weight_t"].sum()
    busiest = str(tonnes.idxmax())
    cat = inputs.catalog
    cut = pd.DataFrame(
        [{"corridor_id": busiest, "from_period": a.as_of, "to_period": a.as_of + 3,
          "capacity_t": 0.0}]
    )  # fmt: skip
    changes_csv = pd.concat([cat.capacity_changes, cut], ignore_index=True)
    changed = dataclasses.replace(
        inputs, catalog=dataclasses.replace(cat, capacity_changes=changes_csv)
    )

    def scratch() -> Any:
        return run_plan(changed)

    reading: dict[str, list[float]] = {}

    def replan(name: str = "re-plan") -> Any:
        t0 = time.perf_counter()
        book = read_plan_workbook(previous)
        replan_inputs = with_previous(changed, book)
        reading.setdefault(name, []).append(time.perf_counter() - t0)
        result = run_replan(replan_inputs, Replan(book, a.as_of))
        changes = plan_changes(PlanTables.of_workbook(book), PlanTables.of_result(result))
        return result, changes

    def replan_openpyxl() -> Any:
        import planner.io.previous_plan as previous_plan

        with contextlib.ExitStack() as stack:
            fast = previous_plan.read_sheets
            stack.callback(setattr, previous_plan, "read_sheets", fast)
            previous_plan.read_sheets = lambda *_: None  # type: ignore[assignment]
            return replan("re-plan, openpyxl")

    sides: list[tuple[str, Callable[[], Any]]] = [("from scratch", scratch), ("re-plan", replan)]
    if a.openpyxl_too:
        sides.append(("re-plan, openpyxl", replan_openpyxl))
    times: dict[str, list[float]] = {name: [] for name, _ in sides}
    cpu: dict[str, list[float]] = {name: [] for name, _ in sides}
    solve: dict[str, list[float]] = {name: [] for name, _ in sides}
    results: dict[str, Any] = {}
    for _ in range(a.repeat):
        for name, fn in sides:
            secs, cpu_s, out = timed_cpu(fn)
            times[name].append(secs)
            cpu[name].append(cpu_s)
            res = out[0] if isinstance(out, tuple) else out
            solve[name].append(res.timings_s["solve"])
            results[name] = out
    week1_tables = PlanTables.of_result(week1)
    scratch_res = results["from scratch"]
    replan_res, replan_changes = results["re-plan"]
    scratch_changes = plan_changes(week1_tables, PlanTables.of_result(scratch_res))
    m = replan_res.model
    assert m.stability is not None
    print(
        f"{a.size} (seed {a.seed}): {m.n_vars:,} variables × {m.n_rows:,} rows; week-1 plan"
        f" {t_week1:.2f} s, {len(week1.allocations):,} allocations"
    )
    print(
        f"changed inputs: corridor {busiest} closed in weeks {a.as_of}–{a.as_of + 3};"
        f" re-plan as of week {a.as_of}:"
        f" {int((m.stability.fixed & (m.stability.previous > 0)).sum()):,} allocations frozen,"
        f" {int((m.stability.fixed & (m.stability.previous == 0)).sum()):,} other columns of"
        f" weeks 1–{a.as_of - 1} closed, {len(m.stability.kept_cols):,} preferred by the"
        " stability stage"
    )
    print(f"median of {a.repeat} runs, alternating, in one process:")
    print(
        f"{'':19}{'end to end s':>14}{'CPU s':>8}{'read prev. s':>14}{'solve s':>10}{'score':>11}"
        f"{'cost EUR':>18}{'changes':>9}"
    )
    rows = [("from scratch", scratch_res, scratch_changes), ("re-plan", replan_res, replan_changes)]
    if a.openpyxl_too:
        rows.append(("re-plan, openpyxl", *results["re-plan, openpyxl"]))
    for name, res, ch in rows:
        read = f"{statistics.median(reading[name]):.2f}" if name in reading else "–"
        print(
            f"{name:19}{statistics.median(times[name]):>14.2f}"
            f"{statistics.median(cpu[name]):>8.2f}{read:>14}"
            f"{statistics.median(solve[name]):>10.2f}{res.fulfilment_score:>11.6f}"
            f"{res.solution.cost_eur:>18,.0f}{len(ch):>9,}"
        )
    for what, table in (("wall", times), ("CPU", cpu)):
        new, old = statistics.median(table["re-plan"]), statistics.median(table["from scratch"])
        print(
            f"re-plan / from scratch, {what}: {new / old:.2f} ({new - old:+.2f} s); every run,"
            " re-plan − from scratch s: "
            + ", ".join(
                f"{r - f:+.2f}"
                for r, f in zip(table["re-plan"], table["from scratch"], strict=True)
            )
        )
    print(
        f"stages: from scratch {scratch_res.solution.stages_solved};"
        f" re-plan {replan_res.solution.stages_solved}"
    )
    load_after = os.getloadavg()
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{v:.2f}" for v in load_before)
        + "; after "
        + ", ".join(f"{v:.2f}" for v in load_after)
        + f"; {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
