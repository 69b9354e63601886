"""What one what-if run reports (`RunOutcome`) and the small summaries of its tables."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.whatif.runs import TOP_BINDING

# --------------------------------------------------------------------------------------------
# Outcomes


@dataclass
class RunOutcome:
    """What one run gave: key figures for the comparison, and the full plan when asked for."""

    index: int
    label: str
    family: str
    budget_factor: float
    budget_scale: float
    source: str
    status: str
    proven_optimal: bool
    gap: float
    fulfilment_score: float
    critical_coverage: float
    value: float
    cost_eur: float
    lines: dict[str, int]
    requests: pd.DataFrame
    bottlenecks: pd.DataFrame
    solve_time_s: float
    reused_from: str | None = None
    notes: list[str] = field(default_factory=list)
    plan: dict[str, pd.DataFrame] | None = None
    stages: str = ""  # as on a plan's Summary sheet: "value > cost (best found) > arrival"

    @property
    def usable(self) -> bool:
        return not math.isnan(self.value)


def critical_coverage(requests: pd.DataFrame) -> float:
    """Mean delivered share of the priority-1 (critical) lines; NaN when there are none."""
    crit = requests[requests["priority"] == 1]
    if not len(crit):
        return float("nan")
    share = np.minimum(
        crit["delivered"].to_numpy(dtype=float) / crit["quantity"].to_numpy(dtype=float), 1.0
    )
    return float(share.mean())


def binding_text(bottlenecks: pd.DataFrame, kind: str, top: int = TOP_BINDING) -> str:
    """`id +points; id +points` for the limits of ``kind`` that bind most (score points/step)."""
    if not len(bottlenecks):
        return ""
    b = bottlenecks[bottlenecks["limit_kind"] == kind]
    gain = b["score_points"].to_numpy(dtype=float)
    if np.isnan(gain).all() and len(b):
        return "n/a (no duals)"
    b = b[gain > 0].sort_values(["score_points", "id"], ascending=[False, True])
    return "; ".join(f"{row.id} +{row.score_points:.2g}" for row in b.head(top).itertuples())
