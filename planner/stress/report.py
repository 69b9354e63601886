"""The stress report: what many sampled futures say about a plan (DESIGN.md §9); no file I/O.

`run_stress` plans the base case, hands one job per sample to planner.executor and gathers the
outcomes; `stress_tables` turns them into the tables of the workbook and of ``--json``:

Summary        key, value: the base plan's score, the score distribution of both views, counts
Distribution   view, p10, p50, p90, mean, min, max (fulfilment score 0..1)
Requests       request_id, item_id, priority, quantity, base_on_time_p, replan_on_time_p,
               base_unmet_p, replan_unmet_p (shares of samples, 0..1), sorted by replan_unmet_p
               (the lines most often unmet first)
Binding        kind (corridor | budget), id, name, binding_p (share of samples whose re-plan
               uses it to its limit), sorted most often first
Samples        sample, base_score, replan_score, status, gap, offers_failed, offers_slipped,
               slip_periods, closed_periods (corridor-periods), sampling_s, build_s, solve_s,
               report_s
Inputs         setting, value: seed, samples, executor, workers, files, disruptions, law
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.api import PlanInputs, planning_data
from planner.data import PlanningData
from planner.model import build_model
from planner.solve import solve_model
from planner.stress.evaluate import SampleOutcome, StressJob, evaluate_sample, make_evaluator
from planner.stress.sampling import NO_DISRUPTIONS, Disruptions, risk_table

PERCENTILES = (10, 50, 90)
STRESS_NODE_LIMIT = 1000
"""Branch-and-bound nodes per MIP run of the base plan and of every sample's re-plan, in place
of the wall-clock boxes of `aidplan plan` (Settings.mip_node_limit), so the same seed gives the
same figures on any executor, any number of workers and any load (docs/decisions/0009)."""
VIEWS = (("base", "base plan as it stands"), ("replan", "best re-plan"))


class BasePlanError(Exception):
    """The base plan could not be solved (time limit before any plan)."""


@dataclass
class StressRun:
    """Everything one `aidplan stress` run computed, before it is tabled."""

    inputs: PlanInputs
    job: StressJob
    disruptions: Disruptions
    base_score: float
    outcomes: list[SampleOutcome]
    executor: str
    workers: int
    scheduler: str | None
    timings_s: dict[str, float] = field(default_factory=dict)


def prepare_job(
    inputs: PlanInputs, disruptions: Disruptions = NO_DISRUPTIONS, seed: int = 0
) -> tuple[StressJob, float]:
    """Plan the base case of ``inputs`` and package what the workers need: (job, base score).

    Raises BasePlanError when the base case has no plan.
    """
    return stress_job(planning_data(inputs), disruptions, seed)


def stress_job(
    data: PlanningData, disruptions: Disruptions = NO_DISRUPTIONS, seed: int = 0
) -> tuple[StressJob, float]:
    """Solve the base plan of ``data`` (all stages) and package it with the sampling law.

    The base plan and every re-plan solve with a node budget (`STRESS_NODE_LIMIT`, unless
    ``data.settings.mip_node_limit`` sets one) rather than wall-clock boxes. Raises
    BasePlanError when the base case has no plan.
    """
    if data.settings.mip_node_limit is None:
        limited = data.settings.model_copy(update={"mip_node_limit": STRESS_NODE_LIMIT})
        data = data.with_(settings=limited)
    model = build_model(data)
    sol = solve_model(model, data.settings)
    if not sol.usable:
        raise BasePlanError(f"the solver stopped ({sol.status}) before finding the base plan")
    total = float(data.requests["weight_value"].sum())
    score = sol.value / total if total > 0 else 1.0
    return StressJob(data, sol.x, risk_table(data, disruptions), int(seed)), score


def run_stress(
    inputs: PlanInputs,
    *,
    samples: int,
    seed: int,
    disruptions: Disruptions = NO_DISRUPTIONS,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[SampleOutcome], None] | None = None,
    dask_processes: bool = True,
) -> StressRun:
    """Plan the base case, then evaluate samples 0..samples−1 on the chosen executor.

    Results depend only on the inputs, ``samples`` and ``seed``, not on the executor or the
    number of workers. Raises BasePlanError, planner.executor.ExecutorUnavailable.
    """
    from planner.executor import WorkerSetup, check_executor, run_jobs

    check_executor(executor, scheduler)
    t0 = time.perf_counter()
    job, base_score = prepare_job(inputs, disruptions, seed)
    t1 = time.perf_counter()
    notify = on_done or (lambda _o: None)
    outcomes = run_jobs(
        WorkerSetup(make_evaluator, job, evaluate_sample),
        list(range(samples)),
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        on_done=lambda _pos, out: notify(out),
        dask_processes=dask_processes,
    )
    t2 = time.perf_counter()
    return StressRun(
        inputs,
        job,
        disruptions,
        base_score,
        outcomes,
        executor,
        workers,
        scheduler,
        {"base plan": t1 - t0, "samples": t2 - t1},
    )


def score_distribution(scores: np.ndarray) -> dict[str, float]:
    """P10, P50, P90 (linear interpolation), mean, min, max of the finite scores."""
    s = scores[np.isfinite(scores)]
    if not len(s):
        nan = float("nan")
        return {"p10": nan, "p50": nan, "p90": nan, "mean": nan, "min": nan, "max": nan}
    out = {f"p{q}": float(np.percentile(s, q)) for q in PERCENTILES}
    out.update(mean=float(s.mean()), min=float(s.min()), max=float(s.max()))
    return out


def _share(rows: Sequence[np.ndarray], width: int) -> np.ndarray:
    if not rows:
        return np.zeros(width)
    return np.vstack(rows).astype(float).mean(axis=0)


def stress_tables(run: StressRun) -> dict[str, pd.DataFrame]:
    """The tables of the module docstring, in workbook order."""
    outs = run.outcomes
    data = run.job.data
    req = data.requests
    n = len(req)
    base = np.array([o.base_score for o in outs], dtype=float)
    replan = np.array([o.replan_score for o in outs], dtype=float)
    dist_rows = []
    for key, label in VIEWS:
        d = score_distribution(base if key == "base" else replan)
        dist_rows.append({"view": label, **d})
    distribution = pd.DataFrame(
        dist_rows, columns=["view", "p10", "p50", "p90", "mean", "min", "max"]
    )

    requests = pd.DataFrame(
        {
            "request_id": req["request_id"].to_numpy(),
            "item_id": req["item_id"].to_numpy(),
            "priority": req["priority"].to_numpy(),
            "quantity": req["quantity"].to_numpy(dtype=float),
            "base_on_time_p": _share([o.base_on_time for o in outs], n),
            "replan_on_time_p": _share([o.replan_on_time for o in outs], n),
            "base_unmet_p": 1.0 - _share([o.base_met for o in outs], n),
            "replan_unmet_p": 1.0 - _share([o.replan_met for o in outs], n),
        }
    )
    requests = requests.sort_values(
        ["replan_unmet_p", "base_unmet_p", "priority", "request_id"],
        ascending=[False, False, True, True],
        kind="stable",
    ).reset_index(drop=True)

    corr = data.corridors[~data.corridors["virtual"].to_numpy(dtype=bool)]
    n_corr, n_don = len(corr), len(data.donors)
    corridor_p = _share([o.corridor_binding for o in outs], n_corr)
    budget_p = _share([o.budget_binding for o in outs], n_don)
    has_budget = np.isfinite(data.donors["budget_eur"].to_numpy(dtype=float))
    binding = pd.DataFrame(
        [
            {"kind": "corridor", "id": c, "name": nm, "binding_p": float(p)}
            for c, nm, p in zip(corr["corridor_id"], corr["name"], corridor_p, strict=True)
        ]
        + [
            {"kind": "budget", "id": d, "name": nm, "binding_p": float(p)}
            for d, nm, p, b in zip(
                data.donors["donor_id"], data.donors["name"], budget_p, has_budget, strict=True
            )
            if b
        ],
        columns=["kind", "id", "name", "binding_p"],
    )
    binding = binding.sort_values(
        ["binding_p", "kind", "id"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)

    samples = pd.DataFrame(
        [
            {
                "sample": o.index,
                "base_score": o.base_score,
                "replan_score": o.replan_score,
                "status": o.replan_status,
                "gap": o.replan_gap,
                "stages": o.replan_stages,
                "offers_failed": o.offers_failed,
                "offers_slipped": o.offers_slipped,
                "slip_periods": o.slip_periods,
                "closed_periods": o.closed_periods,
                **{f"{k}_s": v for k, v in o.timings_s.items()},
            }
            for o in outs
        ]
    )

    # lines counted as a plan counts them: a package's component lines through their package
    components = set(
        req["request_id"][req["package_of"].to_numpy(dtype=int) >= 0] if "package_of" in req else []
    )
    own = ~requests["request_id"].isin(components)
    on_time = requests[(requests["priority"] == 1) & own]
    summary_rows: list[tuple[str, Any]] = [
        ("what this says", _sentence(run, distribution)),
        ("samples", len(outs)),
        ("seed", run.job.seed),
        ("base plan fulfilment score", run.base_score),
    ]
    for row in distribution.to_dict("records"):
        for k in ("p10", "p50", "p90", "mean"):
            summary_rows.append((f"{row['view']}: {k.upper()} score", row[k]))
    summary_rows += [
        (
            "critical lines met on time in every re-plan",
            int((on_time["replan_on_time_p"] >= 1.0).sum()),
        ),
        ("critical lines", len(on_time)),
        (
            "re-plans without a proven optimum",
            int(sum(1 for o in outs if not o.replan_optimal)),
        ),
        ("disruptions", run.disruptions.name),
        ("executor", run.executor),
    ]
    summary = pd.DataFrame(summary_rows, columns=["key", "value"])

    inputs_rows: list[tuple[str, Any]] = [
        ("seed", run.job.seed),
        ("samples", len(outs)),
        ("executor", run.executor),
        ("workers", run.workers if run.scheduler is None else "cluster"),
        ("scheduler", run.scheduler or ""),
        ("disruptions file", str(run.disruptions.source or "")),
        ("disruptions", run.disruptions.name),
        (
            "solver work budget",
            f"{run.job.data.settings.mip_node_limit} branch-and-bound nodes per MIP run, "
            "no wall-clock box (the time limit is only a safety net per run)",
        ),
        (
            "sampling law",
            "offer fails with p = w·(1−reliability), w = 1 announced / 0.5 committed / 0 "
            "delivered; slips with p = w by Poisson(delay_periods) periods; corridor closure "
            "starts with its probability per period and lasts its length; "
            "rng = numpy default_rng([seed, sample])",
        ),
    ]
    inputs_rows += [(f"{role} file", str(p)) for role, p in run.inputs.files]
    inputs_rows += [(f"time {k} s", round(v, 3)) for k, v in run.timings_s.items()]
    inputs = pd.DataFrame(inputs_rows, columns=["setting", "value"])
    inputs["value"] = inputs["value"].astype(object)
    return {
        "Summary": summary,
        "Distribution": distribution,
        "Requests": requests,
        "Binding": binding,
        "Samples": samples,
        "Inputs": inputs,
    }


def _sentence(run: StressRun, distribution: pd.DataFrame) -> str:
    rows = {r["view"]: r for r in distribution.to_dict("records")}
    b, r = rows[VIEWS[0][1]], rows[VIEWS[1][1]]
    if not len(run.outcomes):
        return "No samples were drawn."
    return (
        f"Over {len(run.outcomes)} sampled futures the plan as it stands scores "
        f"{b['p10']:.1%}–{b['p90']:.1%} (P10–P90, median {b['p50']:.1%}) against "
        f"{run.base_score:.1%} if every pledge and corridor holds; re-planning each future "
        f"recovers {r['p10']:.1%}–{r['p90']:.1%} (median {r['p50']:.1%})."
    )


def tables_to_json(tables: dict[str, pd.DataFrame]) -> dict[str, list[dict[str, Any]]]:
    """The tables as JSON-ready lists of records (NaN as null, numpy scalars unwrapped)."""

    def clean(v: Any) -> Any:
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not np.isfinite(v):
            return None
        return v

    return {
        name: [{k: clean(v) for k, v in row.items()} for row in df.to_dict("records")]
        for name, df in tables.items()
    }
