"""Same seed, same figures (DESIGN.md §9), on the demo, whose items come in whole units.

The demo's re-plans are MIPs (planner.solve.whole_units). `aidplan plan` boxes their later
stages in seconds, so a loaded worker could stop at another incumbent; `aidplan stress` solves
with a node budget instead (Settings.mip_node_limit, docs/decisions/0009). These tests check
that claim where it matters: on demo samples, under a clock that runs fast (a loaded machine,
simulated), and across executors and worker counts (a real LocalCluster of processes).
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from planner.api import load_inputs, planning_data
from planner.executor import WorkerSetup, run_jobs
from planner.model import build_model
from planner.solve import Solution, solve_model
from planner.stress.evaluate import StressJob, evaluate_sample, make_evaluator
from planner.stress.report import STRESS_NODE_LIMIT, stress_job
from planner.stress.sampling import draw_sample, read_disruptions, sampled_data

ROOT = Path(__file__).resolve().parent.parent
DISRUPTIONS = ROOT / "scenarios" / "disruptions-2022.toml"
SEED = 0


@pytest.fixture(scope="module")
def demo_job() -> StressJob:
    """The bundled demo with scenarios/disruptions-2022.toml, base plan solved, seed 0."""
    inputs = load_inputs(ROOT / "requests" / "demo.xlsx", ROOT / "catalogs" / "default", None, {})
    law = read_disruptions(DISRUPTIONS, inputs.catalog)
    job, _ = stress_job(planning_data(inputs), law, seed=SEED)
    return job


def _solve_sample(job: StressJob, index: int, node_limit: int | None) -> Solution:
    data = sampled_data(job.data, draw_sample(job.risk, job.seed, index))
    settings = data.settings.model_copy(update={"mip_node_limit": node_limit})
    return solve_model(build_model(data.with_(settings=settings)), settings)


def _loaded_clock(monkeypatch: pytest.MonkeyPatch, step_s: float = 30.0) -> None:
    """Every reading of time.perf_counter jumps ``step_s`` seconds: to the Python code that
    boxes stages, each step looks 30 s slow, as on a machine shared by many processes."""
    ticks = itertools.count()
    monkeypatch.setattr(time, "perf_counter", lambda: 1000.0 + step_s * next(ticks))


def test_stress_solves_with_a_node_budget(demo_job: StressJob) -> None:
    """The job's settings carry the node budget; the demo is a MIP (integer items)."""
    assert demo_job.data.settings.mip_node_limit == STRESS_NODE_LIMIT
    assert build_model(demo_job.data).is_mip


def test_a_demo_replan_does_not_depend_on_the_clock(
    demo_job: StressJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sample 1 of seed 0 (an LP relaxation with fractional whole units, so the repair MIP
    and its later stages run). With the node budget its plan is the same, column by column,
    under the real clock and under a clock that jumps 30 s per reading. Without it (the boxes
    of `aidplan plan`) the fast clock cuts the later stages short: the stages solved differ,
    which is what made stress figures depend on the load."""
    calm = _solve_sample(demo_job, 1, STRESS_NODE_LIMIT)
    calm_boxed = _solve_sample(demo_job, 1, None)
    _loaded_clock(monkeypatch)
    loaded = _solve_sample(demo_job, 1, STRESS_NODE_LIMIT)
    loaded_boxed = _solve_sample(demo_job, 1, None)
    assert calm.usable and loaded.usable
    assert np.array_equal(calm.x, loaded.x)
    assert (calm.value, calm.gap, calm.status, calm.stages) == (
        loaded.value,
        loaded.gap,
        loaded.status,
        loaded.stages,
    )
    assert "cost" in calm.stages  # the repair's cost stage ran, not cut by a box
    assert loaded_boxed.stages != calm_boxed.stages or not np.array_equal(
        loaded_boxed.x, calm_boxed.x
    )


def _key(outs: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (o.index, o.base_score, o.replan_score, o.replan_status, o.replan_stages, o.replan_gap,
         o.offers_failed, o.slip_periods, o.closed_periods, o.base_on_time.tolist(),
         o.replan_on_time.tolist(), o.replan_met.tolist(), o.corridor_binding.tolist(),
         o.budget_binding.tolist())
        for o in outs
    ]  # fmt: skip


@pytest.mark.slow
def test_demo_samples_agree_on_every_executor(demo_job: StressJob) -> None:
    """Samples 0–5 of the demo (seed 0) in this process, on 2 local processes, and on a Dask
    LocalCluster of 2 single-threaded worker processes started here: identical outcomes,
    sample by sample, float for float. The re-plans are MIPs; at least one sample stops with
    its gap above mip_gap (the path whose boxes made results depend on the worker's load)."""
    pytest.importorskip("dask.distributed")
    spec = WorkerSetup(make_evaluator, demo_job, evaluate_sample)
    items = list(range(6))
    serial = run_jobs(spec, items, executor="local", workers=1)
    pooled = run_jobs(spec, items, executor="local", workers=2)
    dask = run_jobs(spec, items, executor="dask", workers=2, dask_processes=True)
    assert _key(serial) == _key(pooled) == _key(dask)
    assert len({o.replan_score for o in serial}) > 1  # the futures do differ
    assert any(not o.replan_optimal for o in serial)  # a sample kept a repaired plan's gap
