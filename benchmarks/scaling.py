"""How aidplan's time grows with the model: a table and fitted exponents (issue 17).

Runs ``benchmarks/run.py``'s side-by-side benchmark (aidplan and the independent baseline in
fresh processes, optimal values compared) at six sizes from small to twice medium (``small``,
``m025``, ``m050``, ``medium``, ``m150``, ``m200``; see ``benchmarks/generate.py``), then prints
end-to-end, build, solve and write time (and aidplan's CPU time: the machine is shared)
against the number of variables, and for each column the exponent b of the least-squares fit
``time ≈ a · variables^b`` (on log-log axes), once over all sizes and once without ``small``,
where fixed costs (a few hundredths of a second) still dominate every step.

    .venv/bin/python -m benchmarks.scaling                       # about 3 minutes here
    .venv/bin/python -m benchmarks.scaling --json /tmp/scaling.json
    .venv/bin/python -m benchmarks.scaling --from-json /tmp/scaling.json   # table only
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SIZES = ("small", "m025", "m050", "medium", "m150", "m200")
COLUMNS = (
    ("end to end", "e2e_s"),
    ("build", "build_s"),
    ("solve", "solve_s"),
    ("write", "write_s"),
    ("aidplan CPU", "cpu_s"),
)


def fit_exponent(n: Sequence[float], t: Sequence[float]) -> float:
    """Slope b of the least-squares line log t = log a + b · log n (NaN with < 2 points)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(n, t, strict=True) if x > 0 and y > 0]
    if len(pts) < 2:
        return float("nan")
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    if sxx == 0:
        return float("nan")
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown table (one row per size) and the fitted exponents below it."""
    head = (
        "| size | variables | rows | end to end s | build s | solve s | write s | aidplan CPU s"
        " | baseline build + solve s | ratio | CPU ratio | value stage s | load average |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        a, b = r["aidplan"], r["baseline"]
        stage1 = a["stage_s"][0] if a["stage_s"] else float("nan")
        lines.append(
            f"| {r['size']} | {a['n_vars']:,} | {a['n_rows']:,} | {a['e2e_s']:.2f}"
            f" | {a['build_s']:.2f} | {a['solve_s']:.2f} | {a['write_s']:.2f} | {a['cpu_s']:.2f}"
            f" | {b['total_s']:.2f} | {r['ratio_e2e']:.2f} | {r['ratio_cpu']:.2f} | {stage1:.2f}"
            f" | {a['load_avg'][0]:.1f} |"
        )
    lines.append("")
    lines.append("Fitted exponent b of time ≈ a · variables^b:")
    lines.append("")
    lines.append("| fit over | " + " | ".join(name for name, _ in COLUMNS) + " |")
    lines.append("|---|" + "---|" * len(COLUMNS))
    for label, sel in (
        ("all sizes", rows),
        ("without small", [r for r in rows if r["size"] != "small"]),
    ):
        n = [float(r["aidplan"]["n_vars"]) for r in sel]
        fits = [fit_exponent(n, [float(r["aidplan"][key]) for r in sel]) for _, key in COLUMNS]
        lines.append(f"| {label} ({len(sel)}) | " + " | ".join(f"{b:.2f}" for b in fits) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Scaling table with fitted exponents.")
    p.add_argument("--sizes", nargs="+", default=list(SIZES))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "aidplan-bench")
    p.add_argument("--json", type=Path, help="also write every number to this JSON file")
    p.add_argument("--from-json", type=Path, help="print the table of an earlier --json run")
    a = p.parse_args(argv)
    if a.from_json is not None:
        rows = json.loads(a.from_json.read_text(encoding="utf-8"))
    else:
        from benchmarks.run import bench_size

        rows = []
        for size in a.sizes:
            print(f"… {size}", file=sys.stderr, flush=True)
            rows.append(bench_size(size, a.seed, False, a.workdir))
    print(table(rows))
    if a.json is not None:
        a.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
