"""The comparison tables of a what-if (Scenarios, Requests, Bottlenecks, Inputs sheets)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from planner import __version__
from planner.api import sha256_of
from planner.whatif.outcomes import RunOutcome, binding_text
from planner.whatif.runs import (
    WhatIfJob,
)

# --------------------------------------------------------------------------------------------
# Comparison tables

LINE_COLUMNS = tuple(f"P{q} {st}" for q in (1, 2, 3, 4) for st in ("met", "partly met", "unmet"))
DONOR_COLUMN = "most binding donors (score points per +1 M EUR)"
CORRIDOR_COLUMN = "most binding corridors (score points per +1 t every period)"


def scenarios_table(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """One row per run: scores, lines met / partly / unmet by priority, cost, what binds."""
    rows = []
    for o in outcomes:
        if o.reused_from is not None:
            how = f"plan of {o.reused_from!r} reused (still optimal)"
        elif o.usable:
            how = "solved"
        else:
            how = "no plan"
        rows.append(
            {
                "scenario": o.label,
                "family": o.family,
                "budget_scale": o.budget_scale,
                "status": o.status,
                "fulfilment score": o.fulfilment_score,
                "critical-line coverage": o.critical_coverage,
                "value": o.value,
                "total cost eur": o.cost_eur,
                **{c: o.lines.get(c) for c in LINE_COLUMNS},
                DONOR_COLUMN: binding_text(o.bottlenecks, "donor budget"),
                CORRIDOR_COLUMN: binding_text(o.bottlenecks, "corridor capacity"),
                "gap": o.gap,
                "stages solved": o.stages,
                "solve time s": o.solve_time_s,
                "how": how,
                "file": o.source,
            }
        )
    table = pd.DataFrame(rows)
    for c in LINE_COLUMNS:  # whole numbers, empty for a run without a plan
        table[c] = pd.array([o.lines.get(c) for o in outcomes], dtype="Int64")
    return table


def request_comparison(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Per request line, the delivered share (0..1) in every run (one column per run)."""
    frames = [o.requests for o in outcomes if o.usable and len(o.requests)]
    if not frames:
        return pd.DataFrame(columns=["request_id", "item_id", "priority", "quantity"])
    keys = ["request_id", "item_id", "priority", "quantity"]
    table = frames[0][keys].copy()
    for o in outcomes:
        if not (o.usable and len(o.requests)):
            table[o.label] = np.nan
            continue
        share = o.requests["delivered"].to_numpy(dtype=float) / o.requests["quantity"].to_numpy(
            dtype=float
        )
        col = pd.Series(np.minimum(share, 1.0), index=o.requests["request_id"].to_numpy())
        table[o.label] = col.reindex(table["request_id"].to_numpy()).to_numpy()
    return table.reset_index(drop=True)


def bottleneck_comparison(outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """Every run's budgets and corridors with their marginal values (long format)."""
    keep = ["limit_kind", "id", "value_gain", "score_points", "binding_periods", "limit", "used"]
    frames = []
    for o in outcomes:
        if not len(o.bottlenecks):
            continue
        b = o.bottlenecks[keep].copy()
        b.insert(0, "scenario", o.label)
        frames.append(b)
    if not frames:
        return pd.DataFrame(columns=["scenario", *keep])
    return pd.concat(frames, ignore_index=True)


def comparison_inputs(
    job: WhatIfJob, outcomes: Sequence[RunOutcome], *, jobs: int, wall_s: float
) -> pd.DataFrame:
    """Input files with hashes, scenario files, base settings, version and run facts."""
    rows: list[dict[str, Any]] = []
    files = list(job.base.files)
    seen: set[str] = set()
    for p in job.runs:
        if p.run.source is not None and str(p.run.source) not in seen:
            seen.add(str(p.run.source))
            files.append(("scenario", p.run.source))
    for role, path in files:
        rows.append(
            {
                "kind": role,
                "name": path.name,
                "path": str(path),
                "sha256": sha256_of(path),
                "value": "",
            }
        )
    for key, value in job.base.settings.model_dump().items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v:g}" for k, v in value.items())
        elif isinstance(value, tuple | list):
            value = ", ".join(str(v) for v in value)
        rows.append({"kind": "setting", "name": key, "path": "", "sha256": "", "value": value})
    solved = sum(1 for o in outcomes if o.reused_from is None and o.usable)
    facts: list[tuple[str, object]] = [
        ("aidplan version", __version__),
        ("runs", len(outcomes)),
        ("runs solved", solved),
        ("runs reusing a plan", sum(1 for o in outcomes if o.reused_from is not None)),
        ("models built", len(job.groups)),
        ("jobs", jobs),
        ("run at (UTC)", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")),
        ("time total s", round(wall_s, 3)),
    ]
    for name, value in facts:
        rows.append({"kind": "run", "name": name, "path": "", "sha256": "", "value": value})
    return pd.DataFrame(rows, columns=["kind", "name", "path", "sha256", "value"])


def comparison_sheets(
    job: WhatIfJob, outcomes: Sequence[RunOutcome], *, jobs: int = 1, wall_s: float = 0.0
) -> dict[str, pd.DataFrame]:
    """The sheets of the comparison workbook, in order (the chart sheet is added on writing)."""
    return {
        "Scenarios": scenarios_table(outcomes),
        "Requests": request_comparison(outcomes),
        "Bottlenecks": bottleneck_comparison(outcomes),
        "Inputs": comparison_inputs(job, outcomes, jobs=jobs, wall_s=wall_s),
    }


def plan_file_name(label: str) -> str:
    """A file name for a run's plan: `plan-<label with safe characters>.xlsx`."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", label.replace("×", "x")).strip("._") or "run"
    return f"plan-{safe[:80]}.xlsx"


def plan_file_names(labels: Sequence[str]) -> list[str]:
    """One file name per run label (`plan_file_name`), never two alike, not even in case only:
    where two labels give the same name ("cut A" and "cut/A" both give ``plan-cut_A.xlsx``)
    each gets the first 8 hex digits of its label's SHA-256 added, so a name does not depend
    on which other runs there are besides the ones it collides with."""
    names = [plan_file_name(label) for label in labels]
    clashing = Counter(n.casefold() for n in names)
    out: list[str] = []
    seen: set[str] = set()
    for label, name in zip(labels, names, strict=True):
        stem = name.removesuffix(".xlsx")
        if clashing[name.casefold()] > 1:
            stem += "-" + hashlib.sha256(label.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        candidate, n = f"{stem}.xlsx", 2
        while candidate.casefold() in seen:  # equal labels: numbered
            candidate, n = f"{stem}-{n}.xlsx", n + 1
        seen.add(candidate.casefold())
        out.append(candidate)
    return out
