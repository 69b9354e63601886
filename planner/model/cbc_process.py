"""CBC as a child process this run owns (DESIGN.md §8).

PuLP's own CBC call leaves its model and solution files in the shared temporary folder and, when
the run is stopped, the cbc process running. `PrivateCbc` is PuLP's bundled CBC with only the
process handling replaced:

- its files live in a private folder (``aidplan-cbc-XXXXXXXX``, mode 0700) removed on every exit;
- cbc runs in its own session, so a terminal's Ctrl-C reaches this process only, which then ends
  the child itself: SIGTERM first, SIGKILL after `END_GRACE_S`, always waited for;
- SIGINT and SIGTERM (planner.interrupt) and any exception end the child and remove its files
  before they propagate; the clean-up cannot be cut short by a second signal.

The command line, the options and the reading of the solution are PuLP's (``getOptions``,
``readsol_MPS``), so the results are the same as with ``pulp.PULP_CBC_CMD``.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulp

from planner.interrupt import deferred

END_GRACE_S = 2.0
TEMP_PREFIX = "aidplan-cbc-"


@contextlib.contextmanager
def private_folder() -> Iterator[Path]:
    """A new folder only this user can read (0700), removed with everything in it on exit."""
    folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    try:
        yield folder
    finally:
        with deferred():
            shutil.rmtree(folder, ignore_errors=True)


def end_child(proc: subprocess.Popen[Any]) -> None:
    """Stop ``proc`` (SIGTERM, then SIGKILL after END_GRACE_S) and reap it."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(OSError):
        proc.terminate()
    try:
        proc.wait(timeout=END_GRACE_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait()


def run_child(
    args: list[str], cwd: Path, show_output: bool = False, log: Path | None = None
) -> int:
    """Run ``args`` in its own session with ``cwd`` as working folder; return its exit status.
    With ``log``, the child's output goes to that file (CBC's log, read for its gap).

    Any exception while waiting (SIGINT or SIGTERM among them) ends the child before it
    propagates.
    """
    with contextlib.ExitStack() as stack:
        out: Any = None if show_output else subprocess.DEVNULL
        if log is not None:
            out = stack.enter_context(open(log, "w"))
        proc = subprocess.Popen(
            args,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        try:
            return proc.wait()
        except BaseException:
            with deferred():
                end_child(proc)
            raise


class PrivateCbc(pulp.PULP_CBC_CMD):  # type: ignore[misc]
    """``pulp.PULP_CBC_CMD`` whose child process and files are handled as the module says.
    After a solve, ``log_text`` holds CBC's log."""

    log_text: str = ""

    def solve_CBC(self, lp: pulp.LpProblem, use_mps: bool = True) -> int:
        """Solve ``lp`` with CBC from an MPS file in a private folder; PuLP's status code."""
        if not self.executable(self.path):
            raise pulp.PulpSolverError(f"CBC cannot be run from {self.path}")
        with private_folder() as folder:
            mps, sol = folder / "model.mps", folder / "model.sol"
            vs, var_names, con_names, _ = lp.writeMPS(str(mps), rename=1)
            args = [self.path, str(mps)]
            if self.optionsDict.get("warmStart", False):  # a MIP start, as PuLP writes it
                mst = folder / "start.mst"
                self.writesol(str(mst), lp, vs, var_names, con_names)
                args += ["-mips", str(mst)]
            if lp.sense == pulp.LpMaximize:
                args.append("-max")
            if self.timeLimit is not None:
                args += ["-sec", str(self.timeLimit)]
            for option in [*self.options, *self.getOptions()]:
                args += f"-{option}".split()
            args += ["-solve" if self.mip else "-initialSolve", "-printingOptions", "all"]
            args += ["-solution", str(sol)]
            log = folder / "cbc.log"  # CBC's log, kept as ``log_text`` (its gap is read there)
            status = run_child(args, folder, log=log)
            self.log_text = log.read_text(errors="replace") if log.exists() else ""
            if status != 0 or not sol.exists():
                raise pulp.PulpSolverError(f"CBC stopped with exit status {status}")
            result = self.readsol_MPS(str(sol), lp, vs, var_names, con_names)
        lp_status, values, reduced_costs, shadow_prices, slacks, sol_status = result
        lp.assignVarsVals(values)
        lp.assignVarsDj(reduced_costs)
        lp.assignConsPi(shadow_prices)
        lp.assignConsSlack(slacks, activity=True)
        lp.assignStatus(lp_status, sol_status)
        return int(lp_status)
