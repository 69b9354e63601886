"""Time `aidplan stress` on 1 and 2 local workers and on a local Dask cluster, side by side.

One run of this script, on the bundled demo with ``scenarios/disruptions-2022.toml``:

1. the base plan is made once; then the same N samples (default 200, one seed) are evaluated
   with ``--executor local`` on 1 worker (in this process), on 2 worker processes, and with
   ``--executor dask`` on a LocalCluster of 2 single-threaded worker processes started for the
   run (its start-up is counted, as a user pays it); with ``--dask-defaults`` also on such a
   cluster left with Dask's own monitoring settings (as before
   planner.executor.LOCAL_CLUSTER_CONFIG);
2. it checks that the runs give the same numbers sample by sample;
3. it prints wall times, the speed-up of 2 local workers over 1 (target ≥ 1.7×), the Dask
   overhead against 2 local workers (target ≤ 15 %), and the per-sample cost split into
   sampling (draw + base-plan view + sampled data), build, solve and reporting (extract and
   the per-sample summary), plus the time to table the whole run;
4. optionally (``--medium K``) it times K samples of the medium benchmark instance
   (benchmarks.generate), the input of docs/scaling.md.

The machine may be shared: the load average is printed before and after, and only ratios
measured in this one run should be compared. Run from the project root::

    .venv/bin/python -m benchmarks.stress_scaling                 # 200 samples, 9-15 min
    .venv/bin/python -m benchmarks.stress_scaling --samples 40 --medium 4 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from planner import executor as executor_module
from planner.api import load_inputs
from planner.executor import WorkerSetup, run_jobs
from planner.stress.evaluate import SampleOutcome, evaluate_sample, make_evaluator
from planner.stress.report import StressRun, prepare_job, stress_tables
from planner.stress.sampling import read_disruptions

ROOT = Path(__file__).resolve().parent.parent
SPEEDUP_TARGET = 1.7
DASK_OVERHEAD_TARGET = 0.15
DASK_DEFAULTS = "dask LocalCluster, 2 workers, Dask's default monitoring"


def _time_run(
    job: Any, samples: int, executor: str, workers: int, dask_defaults: bool = False
) -> tuple[float, list[SampleOutcome]]:
    """Wall seconds and outcomes of one run. ``dask_defaults``: the LocalCluster keeps Dask's
    own monitoring settings instead of planner.executor.LOCAL_CLUSTER_CONFIG (what main did
    before 2026-12-01), for the side-by-side comparison."""
    saved = dict(executor_module.LOCAL_CLUSTER_CONFIG)
    if dask_defaults:
        executor_module.LOCAL_CLUSTER_CONFIG.clear()
    try:
        t0 = time.perf_counter()
        outs = run_jobs(
            WorkerSetup(make_evaluator, job, evaluate_sample),
            list(range(samples)),
            executor=executor,
            workers=workers,
        )
        return time.perf_counter() - t0, outs
    finally:
        executor_module.LOCAL_CLUSTER_CONFIG.update(saved)


def _same(a: list[SampleOutcome], b: list[SampleOutcome]) -> tuple[bool, int]:
    """(scores equal on every sample, samples that differ in anything but their timings).

    Stress re-plans solve on a node budget, not on the clock (docs/decisions/0009), so the
    outcomes must be identical, float for float, whatever the executor and the load.
    """
    scores = all(
        x.index == y.index
        and x.base_score == y.base_score
        and (
            x.replan_score == y.replan_score
            or (np.isnan(x.replan_score) and np.isnan(y.replan_score))
        )
        for x, y in zip(a, b, strict=True)
    )
    details = sum(
        not (
            x.replan_status == y.replan_status
            and x.replan_stages == y.replan_stages
            and np.array_equal(x.base_on_time, y.base_on_time)
            and np.array_equal(x.replan_on_time, y.replan_on_time)
            and np.array_equal(x.replan_met, y.replan_met)
            and np.array_equal(x.corridor_binding, y.corridor_binding)
            and np.array_equal(x.budget_binding, y.budget_binding)
        )
        for x, y in zip(a, b, strict=True)
    )
    return scores, details


def _split(outs: list[SampleOutcome]) -> dict[str, float]:
    keys = ("sampling", "build", "solve", "report")
    return {k: float(np.mean([o.timings_s[k] for o in outs])) for k in keys}


def _medium(k: int, seed: int) -> dict[str, Any]:
    """K samples of the medium instance, in this process (per-sample cost for scaling.md)."""
    from benchmarks.generate import make_instance, write_instance
    from planner.stress.sampling import CorridorDisruption, Disruptions

    with tempfile.TemporaryDirectory() as tmp:
        catalog, requests = write_instance(make_instance("medium", seed=1), Path(tmp))
        inputs = load_inputs(requests, catalog)
        ids = [str(c) for c in inputs.catalog.corridors["corridor_id"]]
        law = Disruptions("medium: every corridor 3 %/period, 2 periods", tuple(
            CorridorDisruption(c, 0.03, 2) for c in ids
        ))  # fmt: skip
        t0 = time.perf_counter()
        job, _score = prepare_job(inputs, law, seed)
        base_s = time.perf_counter() - t0
        donors = job.data.donors.assign(reliability=0.85, delay_periods=1.0)
        offers = job.data.offers.assign(status="announced")
        from planner.stress.sampling import risk_table

        data = job.data.with_(donors=donors, offers=offers)
        job = type(job)(data, job.base_x, risk_table(data, law), seed)
        wall, outs = _time_run(job, k, "local", 1)
    return {
        "samples": k,
        "base_plan_s": base_s,
        "wall_s": wall,
        "per_sample_s": wall / k,
        "split_s": _split(outs),
        "variables": len(make_evaluator(job).model.vars) if k else 0,
    }


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--disruptions", type=Path, default=ROOT / "scenarios/disruptions-2022.toml")
    p.add_argument("--medium", type=int, default=0, help="also time K medium samples")
    p.add_argument("--json", type=Path, help="write every number to this file")
    p.add_argument(
        "--dask-defaults",
        action="store_true",
        help="also time a LocalCluster with Dask's default monitoring (profiler on, 20 ms ticks)",
    )
    args = p.parse_args(argv)

    load0 = os.getloadavg()
    inputs = load_inputs(ROOT / "requests/demo.xlsx", ROOT / "catalogs/default")
    law = read_disruptions(args.disruptions, inputs.catalog)
    t0 = time.perf_counter()
    job, base_score = prepare_job(inputs, law, args.seed)
    base_s = time.perf_counter() - t0

    runs: dict[str, tuple[float, list[SampleOutcome]]] = {}
    plan = [
        ("local, 1 worker", "local", 1, False),
        ("local, 2 workers", "local", 2, False),
        ("dask LocalCluster, 2 workers", "dask", 2, False),
    ]
    if args.dask_defaults:
        plan.append((DASK_DEFAULTS, "dask", 2, True))
    for label, executor, workers, defaults in plan:
        runs[label] = _time_run(job, args.samples, executor, workers, defaults)
        print(f"{label}: {runs[label][0]:.1f} s", flush=True)
    ref = runs["local, 1 worker"][1]
    checks = [_same(ref, outs) for _w, outs in runs.values()]
    agree = all(c[0] for c in checks)
    detail_diffs = max(c[1] for c in checks)

    t1 = time.perf_counter()
    run = StressRun(inputs, job, law, base_score, ref, "local", 1, None)
    stress_tables(run)
    table_s = time.perf_counter() - t1
    load1 = os.getloadavg()

    w1 = runs["local, 1 worker"][0]
    w2 = runs["local, 2 workers"][0]
    wd = runs["dask LocalCluster, 2 workers"][0]
    speedup = w1 / w2
    overhead = wd / w2 - 1
    split = _split(ref)
    n = args.samples
    print()
    print(f"demo, {n} samples, seed {args.seed}, disruptions {args.disruptions.name}")
    print(f"load average before {load0[0]:.1f}, after {load1[0]:.1f} (2 cores)")
    print(f"base plan: {base_s:.2f} s, score {base_score:.4f}")
    print()
    print("| executor | wall s | per sample s | vs 1 local worker |")
    print("|---|---|---|---|")
    for label, (wall, _outs) in runs.items():
        print(f"| {label} | {wall:.1f} | {wall / n:.3f} | {w1 / wall:.2f}× |")
    print()
    verdict = "met" if speedup >= SPEEDUP_TARGET else "NOT met"
    print(f"speed-up 2 vs 1 local workers: {speedup:.2f}× (target ≥ {SPEEDUP_TARGET}×: {verdict})")
    verdict = "met" if overhead <= DASK_OVERHEAD_TARGET else "NOT met"
    print(
        f"Dask overhead vs 2 local workers: {overhead:+.1%} "
        f"(target ≤ {DASK_OVERHEAD_TARGET:.0%}: {verdict})"
    )
    if DASK_DEFAULTS in runs:
        print(f"  with Dask's default monitoring: {runs[DASK_DEFAULTS][0] / w2 - 1:+.1%}")
    print(f"same scores sample by sample on all runs (exactly): {'yes' if agree else 'NO'}")
    print(f"samples whose status, stages, lines or binding limits differ: {detail_diffs}")
    total = sum(split.values())
    print()
    print("per-sample cost (1 worker, mean over samples):")
    for k, v in split.items():
        print(f"  {k:<9} {v * 1000:8.1f} ms  {v / total:6.1%}")
    print(f"  tabling the {n} samples once: {table_s * 1000:.0f} ms")
    out: dict[str, Any] = {
        "samples": n,
        "seed": args.seed,
        "load_before": load0,
        "load_after": load1,
        "base_plan_s": base_s,
        "wall_s": {k: v[0] for k, v in runs.items()},
        "speedup_2_vs_1": speedup,
        "dask_overhead_vs_local_2": overhead,
        "dask_defaults_overhead_vs_local_2": (
            runs[DASK_DEFAULTS][0] / w2 - 1 if DASK_DEFAULTS in runs else None
        ),
        "agree": agree,
        "detail_diffs": detail_diffs,
        "per_sample_split_s": split,
        "tabling_s": table_s,
    }
    if args.medium:
        med = _medium(args.medium, args.seed)
        out["medium"] = med
        print()
        print(
            f"medium instance ({med['variables']:,} variables, LP): base plan "
            f"{med['base_plan_s']:.1f} s; {med['samples']} samples in one process "
            f"{med['wall_s']:.1f} s = {med['per_sample_s']:.2f} s per sample"
        )
        for k, v in med["split_s"].items():
            print(f"  {k:<9} {v * 1000:8.1f} ms")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=float))


if __name__ == "__main__":
    main()
