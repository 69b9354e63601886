"""planner.executor: the same jobs give the same results in this process, in a local process
pool and on a Dask cluster; whatif runs through it with --executor dask."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.api import PlanInputs
from planner.executor import WorkerSetup, run_jobs
from planner.requests import RequestSet
from planner.schema import Settings
from planner.whatif import make_runs, prepare, run_whatif
from tests.factories import START
from tests.random_instances import random_instance


def _setup(payload: int) -> dict[str, int]:
    return {"offset": payload, "calls": 0}


def _work(state: dict[str, int], item: int) -> tuple[int, int]:
    """Returns the item shifted by the payload, and how many jobs this worker state has run:
    the state is built once and reused, never rebuilt per job."""
    state["calls"] += 1
    return item + state["offset"], state["calls"]


def test_state_is_built_once_per_worker_and_results_keep_their_order() -> None:
    """In this process: one state for all 5 jobs, so the call counts are 1..5."""
    out = run_jobs(WorkerSetup(_setup, 100, _work), [5, 4, 3, 2, 1])
    assert [r[0] for r in out] == [105, 104, 103, 102, 101]
    assert [r[1] for r in out] == [1, 2, 3, 4, 5]


def test_dask_threads_build_their_own_state() -> None:
    """A LocalCluster of 2 thread workers: each builds one state; together they run 6 jobs,
    so the highest call counts of the two states add up to 6."""
    pytest.importorskip("dask.distributed")
    out = run_jobs(
        WorkerSetup(_setup, 10, _work),
        list(range(6)),
        executor="dask",
        workers=2,
        dask_processes=False,
    )
    assert [r[0] for r in out] == [10, 11, 12, 13, 14, 15]
    calls = sorted(r[1] for r in out)
    # Each state counts 1..k_i with k_1 + k_2 = 6.
    ones = calls.count(1)
    assert 1 <= ones <= 2 and len(calls) == 6


def test_whatif_on_dask_equals_local() -> None:
    """A 3-point budget sweep of a random LP on a 1-worker Dask LocalCluster (a process, as
    users get it) gives the values of the in-process run."""
    pytest.importorskip("dask.distributed")
    inst = random_instance(2)
    inputs = PlanInputs(
        inst.catalog,
        RequestSet(Path("requests.xlsx"), inst.requests),
        Settings(start=START, horizon=inst.horizon),
    )
    job = prepare(inputs, make_runs([], [0.5, 1.0, 1.5]))
    local = run_whatif(job)
    dask = run_whatif(job, executor="dask", jobs=1)
    assert [o.label for o in dask] == [o.label for o in local]
    assert [o.value for o in dask] == pytest.approx([o.value for o in local], abs=1e-9)


def _dask_setup(_payload: None) -> None:
    return None


def _worker_monitoring(_state: None, _item: int) -> tuple[object, bool, object]:
    """Inside a Dask worker: its profiler setting, whether a profile callback was made, and
    its event-loop tick interval."""
    import dask.config
    from distributed import get_worker

    worker = get_worker()
    return (
        dask.config.get("distributed.worker.profile.enabled"),
        "profile" in worker.periodic_callbacks,
        dask.config.get("distributed.admin.tick.interval"),
    )


def test_local_cluster_workers_run_without_the_profiler() -> None:
    """The LocalCluster aidplan starts hands its workers LOCAL_CLUSTER_CONFIG: a worker
    process (spawned by its nanny, so the settings must travel with it) has the profiler off
    and no profile callback, and ticks once a second. The caller's own dask config is left
    as it was (Dask's default: profiler on, 20 ms tick)."""
    pytest.importorskip("dask.distributed")
    import dask.config

    before = dask.config.get("distributed.worker.profile.enabled")
    tick_before = dask.config.get("distributed.admin.tick.interval")
    [(enabled, has_profile, tick)] = run_jobs(
        WorkerSetup(_dask_setup, None, _worker_monitoring),
        [0],
        executor="dask",
        workers=1,
        dask_processes=True,
    )
    assert (enabled, has_profile, tick) == (False, False, "1s")
    assert dask.config.get("distributed.worker.profile.enabled") == before
    assert dask.config.get("distributed.admin.tick.interval") == tick_before
