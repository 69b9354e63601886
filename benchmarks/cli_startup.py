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
  (the reader) and XlsxWriter; PuLP (CBC only) and matplotlib (what-if PNG only) stay out;
* ``fixed libraries alone``: those six libraries (``FIXED``) imported with no planner code,
  the floor under the previous row.

It also lists the ten largest cumulative imports of ``import plan command`` from
``python -X importtime``.

Then (issue 17: "import cost of ``plan`` ≤ 0.5 s CPU") it measures what a real plan run
imports, not a list written by hand: ``aidplan plan`` runs once on the small benchmark instance
and records every module it loaded, in load order; fresh processes then import exactly those
modules, package group by package group in a fixed order (numpy, pandas, highspy, openpyxl,
XlsxWriter, pydantic, typer and rich, the rest of the standard library and third parties,
planner), and print each group's added CPU seconds (median of ``--repeat``). A group's figure
is what it adds on top of the groups before it (pandas without numpy, and so on); the table
ends with the share of the fixed libraries.

Every row is measured with planner's bytecode in place (``compileall`` runs first: what an
installed wheel has). The plan run's imports are measured twice: with that bytecode, and with
planner compiled from source in every process (a copy of the package without
``__pycache__``): what an editable install sees when ``PYTHONDONTWRITEBYTECODE`` is set, as
on the benchmark machine, where no ``__pycache__`` of planner is ever written. Third parties
are compiled in both (pip compiles them when it installs).

    .venv/bin/python -m benchmarks.cli_startup [--repeat 5] [--no-plan-run]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTER = "import planner.cli as c; c._register()"
PLAN_RUN = "import planner.cli as c; c._register(); import planner.api, planner.io.requests, " \
    "planner.io.plan_workbook, planner.io.sheet_writer, xlsxwriter"  # fmt: skip
HEAVY = ("pandas", "numpy", "highspy", "pulp", "openpyxl", "matplotlib", "xlsxwriter")
FIXED = ("numpy", "pandas", "highspy", "openpyxl", "xlsxwriter", "pydantic")
"""The libraries the brief fixes for what a plan run does (arrays, tables, the solver, reading
and writing workbooks, validation), imported with no planner code: the floor under the import
cost of a plan run (issue 17's 0.5 s target)."""


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


GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("numpy", ("numpy",)),
    ("pandas (without numpy)", ("pandas", "dateutil", "pytz", "tzdata")),
    ("highspy", ("highspy",)),
    (
        "openpyxl (with PIL, et_xmlfile, defusedxml)",
        ("openpyxl", "PIL", "et_xmlfile", "defusedxml"),
    ),
    ("xlsxwriter", ("xlsxwriter",)),
    ("pydantic", ("pydantic", "pydantic_core", "annotated_types", "typing_inspection")),
    ("typer and rich", ("typer", "rich", "click", "shellingham", "annotated_doc", "pygments")),
    ("planner", ("planner",)),
)
"""Package groups of `plan_run_imports`, imported in this order; anything else (standard
library, other third parties) is imported as "other" just before planner."""

RECORD = """
import atexit, json, sys
def _dump():
    with open({out!r}, "w", encoding="utf-8") as fh:
        json.dump(list(sys.modules), fh)
atexit.register(_dump)
sys.argv = ["aidplan", "plan", {req!r}, "--catalog", {cat!r}, "--out", {plan!r}]
from planner.cli import main
main()
"""

IMPORT_GROUPS = """
import importlib, json, sys, time
groups = json.loads(sys.argv[1])
out = {}
for name, mods in groups:
    c = time.process_time()
    for m in mods:
        if m in sys.modules:
            continue
        try:
            importlib.import_module(m)
        except Exception:  # a module that only imports inside its package's context
            pass
    out[name] = time.process_time() - c
print(json.dumps(out))
"""


def plan_run_modules(workdir: Path) -> list[str]:
    """Every module ``aidplan plan`` loads on the small benchmark instance, in load order."""
    from benchmarks.generate import make_instance, write_instance

    folder = workdir / "small"
    write_instance(make_instance("small", 1), folder)
    out = workdir / "modules.json"
    code = RECORD.format(
        out=str(out),
        req=str(folder / "requests.xlsx"),
        cat=str(folder / "catalog"),
        plan=str(workdir / "plan.xlsx"),
    )
    subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    mods: list[str] = json.loads(out.read_text(encoding="utf-8"))
    return [m for m in mods if m not in ("__main__", "sys", "builtins") and m.isascii()]


def grouped(mods: list[str]) -> list[tuple[str, list[str]]]:
    """``mods`` split into GROUPS (in GROUPS order, "other" before planner), load order kept."""
    top = {p: name for name, pkgs in GROUPS for p in pkgs}
    buckets: dict[str, list[str]] = {name: [] for name, _ in GROUPS}
    buckets["other"] = []
    for m in mods:
        buckets[top.get(m.split(".")[0], "other")].append(m)
    order = [name for name, _ in GROUPS if name != "planner"] + ["other", "planner"]
    return [(name, buckets[name]) for name in order]


def group_cpu(
    groups: list[tuple[str, list[str]]], cwd: Path, env: dict[str, str]
) -> dict[str, float]:
    """CPU seconds each group adds, in one fresh process started in ``cwd`` (planner is
    imported from there: the script's directory comes first on ``sys.path``)."""
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_GROUPS, json.dumps(groups)],
        cwd=cwd, capture_output=True, text=True, check=True, env=env,
    ).stdout  # fmt: skip
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def plan_run_imports(repeat: int) -> None:
    """Print the CPU each package group of a real plan run's imports adds, median of
    ``repeat``, with planner's bytecode compiled and compiled from source."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mods = plan_run_modules(work)
        groups = grouped(mods)
        # planner from source: a copy without __pycache__, never written to
        shutil.copytree(
            ROOT / "planner", work / "src" / "planner", ignore=shutil.ignore_patterns("__pycache__")
        )
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        variants = {"bytecode": ROOT, "source": work / "src"}
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
        for _ in range(repeat):
            for key, cwd in variants.items():  # alternate, so both see the same load
                runs[key].append(group_cpu(groups, cwd, env))
    print()
    print(f"Imports of a real `aidplan plan` run ({len(mods)} modules), CPU seconds each group")
    print(f"adds in this order, median of {repeat}:")
    print("| group | modules | planner as bytecode | planner from source |")
    print("|---|---|---|---|")
    total = {k: 0.0 for k in variants}
    for name, ms in groups:
        med = {k: statistics.median(r[name] for r in runs[k]) for k in variants}
        for k in variants:
            total[k] += med[k]
        print(f"| {name} | {len(ms)} | {med['bytecode']:.3f} | {med['source']:.3f} |")
    print(f"| total | {len(mods)} | {total['bytecode']:.3f} | {total['source']:.3f} |")
    fixed = [name for name, pkgs in GROUPS if pkgs[0] in FIXED]
    floor = {k: sum(statistics.median(r[n] for r in runs[k]) for n in fixed) for k in variants}
    print(
        f"| of which the fixed libraries ({', '.join(FIXED)}) | | {floor['bytecode']:.3f} | "
        f"{floor['source']:.3f} |"
    )
    print(
        f"target (issue 17): ≤ 0.5 s: {'met' if total['bytecode'] <= 0.5 else 'NOT met'} "
        f"(bytecode), {'met' if total['source'] <= 0.5 else 'NOT met'} (source)"
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--no-plan-run", action="store_true", help="skip the imports of a real plan run")
    a = p.parse_args(argv)
    # Every row with planner's bytecode in place, as an installed wheel has it; without this
    # the first run after a checkout (PYTHONDONTWRITEBYTECODE set) would compile planner in
    # every process and the next runs would not. The "from source" column below measures that.
    compileall.compile_dir(str(ROOT / "planner"), quiet=1)
    py = [sys.executable]
    rows = [
        ("python -c pass", [*py, "-c", "pass"], None),
        ("aidplan --help", [*_aidplan(), "--help"], 0.3),
        ("aidplan --version", [*_aidplan(), "--version"], 0.3),
        ("import plan command", [*py, "-c", REGISTER], 0.5),
        ("imports of a plan run", [*py, "-c", PLAN_RUN], None),
        ("fixed libraries alone", [*py, "-c", "import " + ", ".join(FIXED)], None),
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
    if not a.no_plan_run:
        plan_run_imports(a.repeat)


if __name__ == "__main__":
    main()
