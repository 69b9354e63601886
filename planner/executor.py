"""Where independent jobs run: this machine's process pool, or a Dask cluster (DESIGN.md §9).

`aidplan stress` (one job per sampled future) and `aidplan whatif` (one job per run) hand their
jobs to `run_jobs`. A job never depends on another, and every job carries all it needs to be
reproduced (a sample index, a prepared run), so results never depend on where or in which
order the jobs ran.

The contract is a `WorkerSetup`: ``setup(payload)`` builds a worker's state once (for planning,
the model is rebuilt there from the planning data), then ``work(state, item)`` runs each job.
``setup`` and ``work`` must be module-level functions (they are pickled by reference).

Executors
---------
local
    ``workers <= 1``: every job in this process, one after the other. ``workers > 1``: a
    ``concurrent.futures.ProcessPoolExecutor`` of spawned processes; the payload is sent once
    per worker through the pool's initializer, never once per job. HiGHS runs one thread per
    job (planner.model.highs_backend). SIGINT and SIGTERM (planner.interrupt, decision 0005):
    the `Interrupted` raised here cancels the jobs not started and ends the workers (each ends
    its running job and that job's CBC child and files; an idle one exits at once), then
    propagates, so the command exits 130 or 143 having written nothing.
dask
    A `dask.distributed` cluster: the scheduler at ``scheduler`` (``tcp://host:8786``), or, when
    none is given, a ``LocalCluster`` of ``workers`` single-threaded worker processes started
    here and closed when the jobs are done, with Dask's statistical profiler off and its
    monitors sampling less often (`LOCAL_CLUSTER_CONFIG`: they took CPU the jobs needed). The
    payload is scattered once to every worker (``broadcast=True``); each worker thread builds
    its own state from it the first time it runs a job of this batch and keeps it for the later
    ones. Needs the optional dependency ``pip install 'aidplan[cluster]'`` and, on remote
    workers, aidplan itself installed.

Errors
------
`ExecutorUnavailable` (an `InputError`, exit status 2): ``--executor dask`` without dask
installed, an unknown executor name, or a scheduler that cannot be reached.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from planner import interrupt
from planner.errors import InputError, Issue

EXECUTORS = ("local", "dask")
DASK_CONNECT_TIMEOUT_S = 20


class ExecutorUnavailable(InputError):
    """The executor asked for cannot run here (exit status 2)."""

    def __init__(self, option: str, message: str):
        super().__init__([Issue("bad-executor", option, message)])


@dataclass(frozen=True)
class WorkerSetup:
    """What every worker builds once, and what it does per job.

    setup: ``setup(payload) -> state``, run once per worker (per worker thread for Dask)
    payload: the inputs, sent once per worker
    work: ``work(state, item) -> result``, run once per job
    key: names this batch, so a long-lived Dask worker never mixes the state of two batches
    """

    setup: Callable[[Any], Any]
    payload: Any
    work: Callable[[Any, Any], Any]
    key: str = field(default_factory=lambda: uuid.uuid4().hex)


def check_executor(executor: str, scheduler: str | None) -> None:
    """Refuse an unknown executor, a scheduler without dask, or dask when it is not installed.

    Raises ExecutorUnavailable (exit status 2), before any work is done.
    """
    if executor not in EXECUTORS:
        raise ExecutorUnavailable(
            "--executor", f"expected one of {', '.join(EXECUTORS)}, found {executor!r}"
        )
    if scheduler is not None and executor != "dask":
        raise ExecutorUnavailable("--scheduler", "--scheduler needs --executor dask")
    if executor == "dask":
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise ExecutorUnavailable(
                "--executor",
                "--executor dask needs dask.distributed, which is not installed: "
                "pip install 'aidplan[cluster]' (or: pip install 'dask[distributed]')",
            ) from None


def run_jobs(
    spec: WorkerSetup,
    items: Sequence[Any],
    *,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[int, Any], None] | None = None,
    dask_processes: bool = True,
) -> list[Any]:
    """Run ``spec.work`` on every item; results in the order of ``items``.

    Parameters
    ----------
    executor
        "local" or "dask" (see the module docstring).
    workers
        Processes of the local pool, or workers of the LocalCluster started when dask has no
        ``scheduler``. Ignored with a scheduler (the cluster decides).
    scheduler
        Address of a running Dask scheduler.
    on_done
        Called as ``on_done(position, result)`` as each job finishes (for a progress bar).
    dask_processes
        False starts the LocalCluster's workers as threads of this process (lighter; tests).

    Raises ExecutorUnavailable; an exception raised by a job is raised here.
    """
    check_executor(executor, scheduler)
    notify = on_done or (lambda _i, _r: None)
    results: list[Any] = [None] * len(items)
    stream = (
        _run_dask(spec, items, workers, scheduler, dask_processes)
        if executor == "dask"
        else _run_local(spec, items, workers)
    )
    for pos, result in stream:
        results[pos] = result
        notify(pos, result)
    return results


# --------------------------------------------------------------------------------------------
# local

_LOCAL_STATE: list[Any] = []


def _init_local(setup: Callable[[Any], Any], payload: Any) -> None:
    interrupt.install_in_worker()
    _LOCAL_STATE[:] = [setup(payload)]


def _work_local(work: Callable[[Any, Any], Any], pos: int, item: Any) -> tuple[int, Any]:
    with interrupt.task():
        return pos, work(_LOCAL_STATE[0], item)


def _run_local(spec: WorkerSetup, items: Sequence[Any], workers: int) -> Iterator[tuple[int, Any]]:
    if workers <= 1 or len(items) <= 1:
        state = spec.setup(spec.payload)
        for pos, item in enumerate(items):
            yield pos, spec.work(state, item)
        return
    ex = ProcessPoolExecutor(
        max_workers=min(workers, len(items)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_local,
        initargs=(spec.setup, spec.payload),
    )
    try:
        # Submitted in order; the pool hands them out one at a time as workers free up. The
        # first submits spawn the workers, each sent the payload through a pipe while it
        # imports what unpickling it needs (seconds under load): a signal is held until they
        # are sent, so no worker is left reading a truncated payload (and printing why).
        with interrupt.deferred():
            pending: set[Future[tuple[int, Any]]] = {
                ex.submit(_work_local, spec.work, pos, item) for pos, item in enumerate(items)
            }
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in sorted(finished, key=lambda f: f.result()[0]):
                yield f.result()
    except BaseException:
        ex.shutdown(wait=False, cancel_futures=True)
        interrupt.end_worker_processes()  # running jobs (a CBC child too) end now
        # Join the pool's manager thread now that its workers are gone: left to the
        # interpreter's exit, its wake-up pipe may already be closed and Python 3.11 prints
        # "OSError: [Errno 9] Bad file descriptor" with a traceback (seen once under load).
        with contextlib.suppress(Exception):
            ex.shutdown(wait=True)
        raise
    ex.shutdown(wait=True)


# --------------------------------------------------------------------------------------------
# dask

LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    # Dask's monitoring, on the LocalCluster aidplan starts (not on a cluster given by
    # --scheduler: its workers keep the configuration they were started with; docs/scaling.md
    # says how to start them). On the stress demo each job is ~1.2 s of CPU in one thread, and
    # the defaults cost CPU per second of wall time, not per job: measured with 2 workers
    # busy, 17 % of a core in the workers and 5 % in the scheduler and nannies; the CPU per
    # sample was 1.7-1.8 s against 1.1-1.3 s in the local pool, and 1.2 s with the settings
    # below (benchmarks/README.md, 2026-12-01). On a machine whose cores the workers fill,
    # that CPU is taken from the jobs: +9 % to +29.5 % of wall time against the local pool on
    # 200 demo samples, −4.4 % and +5.0 % with these settings.
    #
    # The statistical profiler walks the running job's stack 100 times a second (HiGHS
    # releases the GIL, so it runs beside the solve on another core); it only feeds the
    # dashboard's Profile page.
    "distributed.worker.profile.enabled": False,
    # Event-loop health check of every scheduler, nanny and worker: 50 times a second by
    # default. Once a second still catches a loop blocked for its 3 s warning limit.
    "distributed.admin.tick.interval": "1s",
    # Process and memory sampling for the dashboard and the pause/spill/terminate thresholds;
    # a job allocates ~100 MB over ~1 s, so a check a second is enough.
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings in force while aidplan starts its own LocalCluster (see the comments)."""

_DASK_STATE: dict[tuple[str, int], Any] = {}
_DASK_LOCK = threading.Lock()


def _work_dask(
    key: str,
    setup: Callable[[Any], Any],
    work: Callable[[Any, Any], Any],
    payload: Any,
    pos: int,
    item: Any,
) -> tuple[int, Any]:
    """One job on a Dask worker; the state is built once per (batch, worker thread)."""
    slot = (key, threading.get_ident())
    with _DASK_LOCK:
        state = _DASK_STATE.get(slot)
    if state is None:
        state = setup(payload)
        with _DASK_LOCK:
            # A batch's state is dropped when the next batch arrives on this thread.
            for old in [s for s in _DASK_STATE if s[1] == slot[1] and s[0] != key]:
                del _DASK_STATE[old]
            _DASK_STATE[slot] = state
    return pos, work(state, item)


def _run_dask(
    spec: WorkerSetup,
    items: Sequence[Any],
    workers: int,
    scheduler: str | None,
    processes: bool,
) -> Iterator[tuple[int, Any]]:
    import dask.config
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler is None:
            # Read when the scheduler, nannies and workers are made (a nanny hands its config
            # to the worker process it spawns); the caller's dask config is restored after.
            with dask.config.set(LOCAL_CLUSTER_CONFIG):
                cluster = LocalCluster(
                    n_workers=max(1, workers),
                    threads_per_worker=1,
                    processes=processes,
                    dashboard_address=":0",  # a free port: never collides with another cluster
                    silence_logs=logging.ERROR,
                )
                client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT_S)
            except OSError as exc:
                raise ExecutorUnavailable(
                    "--scheduler", f"cannot reach the Dask scheduler at {scheduler!r}: {exc}"
                ) from None
    except BaseException:
        if cluster is not None:
            cluster.close()
        raise
    try:
        # Scattered inside a list so a tuple payload travels as one object, not element-wise.
        [payload] = client.scatter([spec.payload], broadcast=True, hash=False)
        futures = [
            client.submit(
                _work_dask, spec.key, spec.setup, spec.work, payload, pos, item, pure=False
            )
            for pos, item in enumerate(items)
        ]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
