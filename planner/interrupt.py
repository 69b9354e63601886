"""SIGINT and SIGTERM as one kind of interruption, and short sections that finish first.

`install` (called once, by the command-line entry point) makes both signals raise
`Interrupted`, a KeyboardInterrupt, in the main thread. Every ``finally`` and ``except
BaseException`` on the way out then runs: temporary files are removed (planner.io.atomic), a
CBC child is ended with its files (planner.model.cbc_process), the old output stays untouched.
A plain ``kill`` (SIGTERM) thus behaves like Ctrl-C instead of killing the process on the spot.

Cleanup code runs inside `deferred()`: a signal that arrives there is held and raised once the
section is left, so a second Ctrl-C cannot cut a cleanup short and leave a file behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGINT or SIGTERM)."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_status(self) -> int:
        """The shell's convention: 128 + signal number (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + self.signum


_depth = 0
_pending: int | None = None
received: int | None = None  # the first signal of this run, for the exit status


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    global _pending, received
    if received is None:
        received = signum
    if _depth:
        _pending = signum
        return
    raise Interrupted(signum)


def install() -> None:
    """Make SIGINT and SIGTERM raise `Interrupted` (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in SIGNALS:
        signal.signal(sig, _on_signal)


def exit_status(exc: BaseException) -> int:
    """The exit status for an interruption: 143 after SIGTERM, 130 after SIGINT or Ctrl-C."""
    return exc.exit_status if isinstance(exc, Interrupted) else 128 + signal.SIGINT


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while the block runs; raise a held one when it is left.

    When the block itself ends with an exception that is already an interruption, the held
    signal is dropped (the run is stopping anyway); after any other exception it is raised.
    """
    global _depth, _pending
    _depth += 1
    try:
        yield
    except KeyboardInterrupt:
        _depth -= 1
        if _depth == 0:
            _pending = None
        raise
    except BaseException as exc:
        _depth -= 1
        if _depth == 0 and _pending is not None:
            signum, _pending = _pending, None
            raise Interrupted(signum) from exc
        raise
    _depth -= 1
    if _depth == 0 and _pending is not None:
        signum, _pending = _pending, None
        raise Interrupted(signum)


# -- worker processes (what-if and stress pools) ---------------------------------------------

_busy = 0


def _on_signal_in_worker(signum: int, frame: FrameType | None) -> None:
    if _busy:
        _on_signal(signum, frame)  # a task runs: unwind it, its clean-up included
    else:
        os._exit(128 + signum)  # idle between tasks: nothing to clean up, no traceback


def install_in_worker() -> None:
    """In a pool worker: SIGINT/SIGTERM stop a running task like in the main process (its CBC
    child ended, its files removed); an idle worker exits at once and quietly."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in SIGNALS:
        signal.signal(sig, _on_signal_in_worker)


@contextlib.contextmanager
def task() -> Iterator[None]:
    """Mark a pool worker as running a task (see `install_in_worker`)."""
    global _busy
    _busy += 1
    try:
        yield
    finally:
        _busy -= 1


def end_worker_processes(grace_s: float = 1.0) -> None:
    """Stop this process's multiprocessing children: SIGTERM (each ends its task and its
    children cleanly, see `install_in_worker`), then SIGKILL for any still alive after
    ``grace_s`` seconds.

    A worker that is in Python (waiting for CBC or for a fallback child, between tasks) runs
    its handler at once; one that has not answered within a second is inside HiGHS, which
    holds no file and no child, so it is killed: Ctrl-C on `aidplan whatif` took 5.3 s with
    a grace of 5 s (new-user trial, session 4)."""
    import multiprocessing
    import time

    with deferred():
        workers = multiprocessing.active_children()
        for proc in workers:
            with contextlib.suppress(OSError, ValueError):
                proc.terminate()
        deadline = time.monotonic() + grace_s
        for proc in workers:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                with contextlib.suppress(OSError, ValueError):
                    proc.kill()
                proc.join(1.0)
