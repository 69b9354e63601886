"""A hard wall-clock deadline for a solver call that may not stop at its own time limit.

HiGHS checks its ``time_limit`` only between steps of its branch and bound. At the root node of
a hard MILP one step can take far longer than the limit: the demo with packages at budget × 0.5
spent 17–97 s in one round of root propagation (conflict and reduced-cost propagation, measured
with ``perf``) under a 4.7 s limit, so ``aidplan plan --time-limit 60`` took 80–104 s.

`call_by(deadline_s, fn)` runs ``fn()`` in a forked child process and returns its result, or
None when the child has not answered by ``deadline_s`` (a ``time.perf_counter()`` instant): the
child is then killed, and the caller keeps the plan it already has. Where ``os.fork`` does not
exist (Windows) ``fn()`` runs in this process, with only the solver's own limit.

The child inherits the parent's memory (the built model), so nothing is pickled on the way in;
its result comes back pickled through a pipe. It runs with SIGINT and SIGTERM at their default
action, and it ends through ``os._exit``: no ``atexit`` handler and no buffered output of the
parent runs twice. It leads a process group of its own, and the parent ends that whole group in
a ``finally``: an interrupted parent leaves nothing behind, not even a solver the child started
as its own process (CBC runs as a subprocess of PuLP).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

CAN_FORK = hasattr(os, "fork")


def call_by(deadline_s: float, fn: Callable[[], T]) -> T | None:
    """``fn()``, or None if it has not returned by ``deadline_s`` (perf_counter seconds) or
    failed in the child (module docstring). ``fn``'s result must be picklable."""
    if not CAN_FORK:
        return fn()
    if time.perf_counter() >= deadline_s:
        return None
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, send, leave without running the parent's exit code
        status = 1
        try:
            os.setpgid(0, 0)  # its own group, so everything it starts is ended with it
            os.close(read_fd)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            data = pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view) :]
            status = 0
        finally:
            os._exit(status)
    with contextlib.suppress(OSError):  # both sides set the group: no race with the kill
        os.setpgid(pid, pid)
    os.close(write_fd)
    chunks: list[bytes] = []
    done = False
    try:
        while True:
            left = deadline_s - time.perf_counter()
            if left <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                break
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:  # the child closed the pipe: finished (or failed)
                done = True
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if not done:  # the child and whatever it started (a finished child waited for its own)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        _, wait_status = os.waitpid(pid, 0)
    if not done or not os.WIFEXITED(wait_status) or os.WEXITSTATUS(wait_status) != 0:
        return None
    result: T = pickle.loads(b"".join(chunks))
    return result
