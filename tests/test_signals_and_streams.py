"""The real process, signalled and with its standard output closed (DESIGN.md §8).

Each test runs aidplan in a child Python process, as a user's shell would, with a private
TMPDIR: after the run that folder must be empty (no openpyxl or CBC temporary file left), the
target folder must hold no ``.aidplan-*.tmp`` file and an old output must be byte for byte what
it was. Standard error never holds a traceback.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import old_plan_bytes

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "toml-with-bom"
OLD_PLAN = old_plan_bytes()
OLD_COMPARISON = old_plan_bytes("last week's what-if", "comparison workbook")
OLD_STRESS = old_plan_bytes("last week's stress run", "stress workbook")

# Runs the CLI like the `aidplan` script; with SLOW_SAVE set, every workbook save is followed
# by a long sleep while the written temporary file is still beside its target: openpyxl's
# save and XlsxWriter's close (plan workbooks are written with XlsxWriter; hooking only
# openpyxl left the test to catch a 3-line plan's temporary file in its ~50 ms of life).
CHILD = """
import os, sys, time
if os.environ.get("SLOW_SAVE"):
    import openpyxl, xlsxwriter
    save = openpyxl.Workbook.save
    def slow(self, filename):
        save(self, filename)
        time.sleep(120)
    openpyxl.Workbook.save = slow
    close = xlsxwriter.Workbook.close
    def slow_close(self):
        close(self)
        time.sleep(120)
    xlsxwriter.Workbook.close = slow_close
from planner.cli import main
sys.argv = ["aidplan", *sys.argv[1:]]
main()
"""


@pytest.fixture()
def case(tmp_path: Path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(DATA, folder)
    (tmp_path / "tmp").mkdir()
    return folder


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"), **extra)
    env.pop("AIDPLAN_DEBUG", None)
    return env


def start(args: list[str], tmp_path: Path, **popen: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        **popen,  # type: ignore[call-overload]
    )


def ended_by(proc: subprocess.Popen[bytes], signum: int) -> str:
    """Send ``signum`` to ``proc`` and wait (at most 60 s) for it to end; its standard error,
    after checking that it exited with 128 + signum and printed no traceback."""
    proc.send_signal(signum)
    _, err_bytes = proc.communicate(timeout=60)
    err = err_bytes.decode()
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err
    return err


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".aidplan-"))


def children(pid: int, name: str) -> list[int]:
    """Processes called ``name`` whose parent is ``pid`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        ppid = int(text[text.rindex(")") + 2 :].split()[1])
        if ppid == pid and comm == name:
            found.append(int(entry.name))
    return found


def wait_for(condition: object, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s")


def plan_args(case: Path, out: Path) -> list[str]:
    return ["plan", str(case / "req.xlsx"), "--catalog", str(case / "catalog"), "--out", str(out)]


def test_closed_stdout_still_writes_the_plan(case: Path, tmp_path: Path) -> None:
    """``aidplan plan --json >&-``: the plan is written, exit 0, a note on standard error."""
    out = case / "plan.xlsx"
    cmd = [sys.executable, "-c", CHILD, *plan_args(case, out), "--json"]
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *cmd],
        cwd=tmp_path,
        env=child_env(tmp_path),
        stderr=subprocess.PIPE,
        timeout=300,
    )
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert out.is_file() and out.read_bytes()[:2] == b"PK"
    assert "standard output is closed or broken" in err
    assert "Traceback" not in err
    assert list((tmp_path / "tmp").iterdir()) == []


def test_broken_pipe_still_writes_the_plan(case: Path, tmp_path: Path) -> None:
    """``aidplan plan --json | head -c 1``: the reader goes away; the plan is written, exit 0."""
    out = case / "plan.xlsx"
    proc = start(
        [*plan_args(case, out), "--json"],
        tmp_path,
        env=child_env(tmp_path),
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # nobody reads: every write to the pipe fails with EPIPE
    _, err_bytes = proc.communicate(timeout=300)
    err = err_bytes.decode()
    assert proc.returncode == 0, err
    assert out.is_file() and out.read_bytes()[:2] == b"PK"
    assert "Traceback" not in err and "BrokenPipeError" not in err


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_slow_write_keeps_old_plan(case: Path, tmp_path: Path, signum: int) -> None:
    out = case / "plan.xlsx"
    out.write_bytes(OLD_PLAN)
    inputs = {p: hashlib.sha256(p.read_bytes()).digest() for p in case.rglob("*") if p.is_file()}
    proc = start(plan_args(case, out), tmp_path, env=child_env(tmp_path, SLOW_SAVE="1"))
    try:
        wait_for(lambda: leftovers(case), 120)  # the new plan sits in its temporary file
        (tmp,) = leftovers(case)
        assert len(tmp) < 30 and (case / tmp).stat().st_mode & 0o077 == 0  # short, private
        ended_by(proc, signum)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert out.read_bytes() == OLD_PLAN
    assert leftovers(case) == []
    assert list((tmp_path / "tmp").iterdir()) == []  # openpyxl's temporary files too
    assert all(hashlib.sha256(p.read_bytes()).digest() == d for p, d in inputs.items())


@pytest.fixture(scope="module")
def medium_milp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark's medium instance with whole units: CBC needs many seconds for it."""
    inst = tmp_path_factory.mktemp("medium")
    subprocess.run(
        [sys.executable, "-m", "benchmarks.generate", "medium", "--integer", "--out", str(inst)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return inst


@pytest.mark.slow
def test_sigterm_during_cbc_solve_ends_cbc(tmp_path: Path, medium_milp: Path) -> None:
    """A MILP that keeps CBC busy for seconds; SIGTERM ends aidplan and cbc, removes CBC's
    private folder, and leaves the old plan as it was."""
    inst = medium_milp
    (tmp_path / "tmp").mkdir()
    out = tmp_path / "plan.xlsx"
    out.write_bytes(OLD_PLAN)
    args = ["plan", str(inst / "requests.xlsx"), "--catalog", str(inst / "catalog")]
    args += ["--solver", "cbc", "--time-limit", "300", "--out", str(out)]
    proc = start(args, tmp_path, env=child_env(tmp_path))
    try:
        wait_for(lambda: children(proc.pid, "cbc") or proc.poll() is not None, 240)
        assert proc.poll() is None, proc.communicate()[1].decode()
        (cbc,) = children(proc.pid, "cbc")
        (folder,) = list((tmp_path / "tmp").iterdir())
        assert folder.name.startswith("aidplan-cbc-") and folder.stat().st_mode & 0o077 == 0
        time.sleep(1.0)  # well inside the solve
        assert Path(f"/proc/{cbc}").exists()
        err = ended_by(proc, signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "terminated" in err
    assert not Path(f"/proc/{cbc}").exists()  # ended and reaped, not left running
    assert list((tmp_path / "tmp").iterdir()) == []
    assert out.read_bytes() == OLD_PLAN
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_sigterm_during_whatif_workers_ends_every_cbc(tmp_path: Path, medium_milp: Path) -> None:
    """``whatif --jobs 2 --solver cbc``: SIGTERM to aidplan ends both workers' CBC children
    (grandchildren of aidplan) with their folders, quietly, within seconds."""
    (tmp_path / "tmp").mkdir()
    out = tmp_path / "whatif.xlsx"
    out.write_bytes(OLD_COMPARISON)
    args = ["whatif", str(medium_milp / "requests.xlsx"), "--catalog", str(medium_milp / "catalog")]
    args += ["--solver", "cbc", "--jobs", "2", "--budget-scale", "0.5", "1", "--out", str(out)]
    proc = start(args, tmp_path, env=child_env(tmp_path))

    def cbc_grandchildren() -> list[int]:
        return [c for w in children(proc.pid, "python") for c in children(w, "cbc")] + [
            c
            for w in children(proc.pid, sys.executable.rsplit("/", 1)[-1][:15])
            for c in children(w, "cbc")
        ]

    try:
        wait_for(lambda: cbc_grandchildren() or proc.poll() is not None, 240)
        assert proc.poll() is None, proc.communicate()[1].decode()
        found = sorted(set(cbc_grandchildren()))
        assert found
        time.sleep(1.0)
        ended_by(proc, signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not any(Path(f"/proc/{c}").exists() for c in found)
    assert list((tmp_path / "tmp").iterdir()) == []
    assert out.read_bytes() == OLD_COMPARISON and not (tmp_path / "whatif.png").exists()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_stress_workers_ends_them_and_writes_nothing(
    tmp_path: Path, signum: int
) -> None:
    """``stress --jobs 2`` on the demo (planner.executor's local pool, the one whatif uses
    too): a signal while both workers solve samples ends them, exits 128 + the signal (143,
    130) without a traceback, leaves the old workbook byte for byte and no temporary file."""
    (tmp_path / "tmp").mkdir()
    out = tmp_path / "stress.xlsx"
    out.write_bytes(OLD_STRESS)
    args = ["stress", "--samples", "400", "--jobs", "2", "--out", str(out)]
    proc = start(args, tmp_path, env=child_env(tmp_path))
    names = {"python", "python3", sys.executable.rsplit("/", 1)[-1][:15]}

    def workers() -> list[int]:
        return sorted({c for n in names for c in children(proc.pid, n)})

    try:
        # Two pool workers (and multiprocessing's resource tracker) appear after the base plan.
        wait_for(lambda: len(workers()) >= 2 or proc.poll() is not None, 240)
        assert proc.poll() is None, proc.communicate()[1].decode()
        time.sleep(4.0)  # the workers have built their models and are solving samples
        found = workers()
        assert len(found) >= 2
        ended_by(proc, signum)
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_for(lambda: not any(Path(f"/proc/{c}").exists() for c in found), 10)
    assert out.read_bytes() == OLD_STRESS
    assert leftovers(tmp_path) == [] and list((tmp_path / "tmp").iterdir()) == []
