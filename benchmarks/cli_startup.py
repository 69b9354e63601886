"""Start-up cost of the command line: CPU seconds of fresh processes, side by side.

Each row runs its command ``--repeat`` times in a new Python process and reports the best and
median CPU time (user + system of the child, from ``getrusage``), so the figures do not depend
on how busy the machine is as much as wall time does:

* ``python -c pass``: the interpreter alone, for reference;
* ``aidplan --help`` and ``aidplan --version`` (target: help under 0.3 s);
* ``import plan command``: ``planner.cli`` with every command registered, i.e. what
  ``aidplan plan`` imports before its body runs (target: at most 0.5 s);
* ``imports of a plan run``: the library modules a plan then needs (``planner.api``, the
  request reader, the plan writer), which bring pandas, numpy, highspy, pydantic, openpyxl
  (the reader) and XlsxWriter; PuLP (CBC only) and matplotlib (what-if PNG only) stay out.

It also lists the ten largest cumulative imports of ``import plan command`` from
``python -X importtime``.

    .venv/bin/python -m benchmarks.cli_startup [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTER = "import planner.cli as c; c._register()"
PLAN_RUN = "import planner.cli as c; c._register(); import planner.api, planner.io.requests, " \
    "planner.io.plan_workbook, planner.io.sheet_writer, xlsxwriter"  # fmt: skip
HEAVY = ("pandas", "numpy", "highspy", "pulp", "openpyxl", "matplotlib", "xlsxwriter")


def _aidplan() -> list[str]:
    exe = Path(sys.executable).with_name("aidplan")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "planner.cli"]


def child_cpu(cmd: list[str]) -> float:
    """CPU seconds (user + system) of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_loaded(code: str) -> list[str]:
    """Which of HEAVY a Python process running ``code`` has imported."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def largest_imports(code: str, top: int = 10) -> list[tuple[float, str]]:
    """The ``top`` largest cumulative import times (s) of ``code``, from -X importtime."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    ).stderr
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            if name.startswith(" ") and not name.startswith("  "):  # top level only
                rows.append((int(parts[1]) / 1e6, name.strip()))
    return sorted(rows, reverse=True)[:top]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args(argv)
    py = [sys.executable]
    rows = [
        ("python -c pass", [*py, "-c", "pass"], None),
        ("aidplan --help", [*_aidplan(), "--help"], 0.3),
        ("aidplan --version", [*_aidplan(), "--version"], 0.3),
        ("import plan command", [*py, "-c", REGISTER], 0.5),
        ("imports of a plan run", [*py, "-c", PLAN_RUN], None),
    ]
    print(f"CPU seconds of a fresh process, best and median of {a.repeat}")
    print("| what | best s | median s | target s | met |")
    print("|---|---|---|---|---|")
    for name, cmd, target in rows:
        cpu = [child_cpu(cmd) for _ in range(a.repeat)]
        best, med = min(cpu), statistics.median(cpu)
        met = "" if target is None else ("yes" if med <= target else "NO")
        tgt = "" if target is None else f"{target:.1f}"
        print(f"| {name} | {best:.2f} | {med:.2f} | {tgt} | {met} |")
    print()
    print("heavy modules loaded by 'import plan command':", heavy_loaded(REGISTER) or "none")
    print("heavy modules loaded by 'imports of a plan run':", heavy_loaded(PLAN_RUN))
    print("largest top-level imports of 'import plan command' (s, cumulative, -X importtime):")
    for secs, name in largest_imports(REGISTER):
        print(f"  {secs:.3f}  {name}")


if __name__ == "__main__":
    main()
