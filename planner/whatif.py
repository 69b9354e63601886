"""What-if runs (DESIGN.md §6): many scenarios solved on one built model, compared side by side.

A what-if is a list of *runs*: the base case and named scenarios (§2.3), each possibly at several
global budget scales. Every run gives the same plan as ``aidplan plan --scenario`` would; what
differs is how it gets there.

How the runs are made fast
--------------------------
1. **One model per shape.** Runs are grouped by the settings that shape the model (everything in
   §3 except ``time_limit_s`` and ``mip_gap``, which only steer the solver). Each group is read
   and built once; the request workbook is read again only when a scenario moves the calendar
   (``start``, ``period_days``, ``horizon``).
2. **Right-hand sides only.** Budgets (``donor_budget`` rows) and corridor capacities
   (``corridor_capacity`` rows) are right-hand sides, so a run sets exactly the rows whose value
   differs from what the solver holds (`HighsBackend.set_row_upper`) and solves again. The
   backend always ends up holding the run's own values; nothing leaks from one run to the next,
   which is what "apply, solve, restore" needs without paying for the restore.
3. **The solver's previous solution.** A plan takes three solves (value, then cost, then
   arrival; planner.solve), each with its own objective. For an LP, the shared
   `HighsBackend` (``keep_stage_bases``) keeps the optimal basis each stage ended with and
   starts the same stage of the next run from it: only right-hand sides changed, so that basis
   is still dual feasible and the dual simplex repairs it in a few iterations (the demo as an
   LP: ~1 s → ~0.05 s a run). A MILP's branch and bound has no basis to reuse, and handing
   HiGHS the previous (looser) run's plan as a start saved
   only about 15 % of the demo's value stages (20 points: 27 s → 23 s, measured with
   MIP_OPTIONS), not worth giving up the agreement with `aidplan plan` below. A MILP run
   therefore gets a fresh HiGHS instance built from the model's arrays (0.03 s for the demo):
   it then takes exactly the path of `aidplan plan`, so a what-if row and the plan of the same
   scenario agree to the last digit (unless a wall-clock limit stops a stage: the time limit,
   or the boxes of the cost and arrival stages of a MIP, decision 0002 point 7). What a MILP
   what-if saves is everything around the solve (process start, reading, building, reasons,
   workbooks) — and the processes of ``--jobs``.
4. **Plans that stay optimal are not solved again.** Runs of a group are solved from the
   loosest to the tightest budget. When a run's budgets and capacities are all ≤ those of a run
   already solved to proven optimality, and that plan still fits them, it is optimal for this run
   too (lexicographically, all three stages: it was the best over a larger feasible set, and it is
   still in the smaller one), so it is reused and marked as such. Its LP duals remain valid too.
5. **Processes.** ``jobs > 1`` runs the runs in worker processes (spawned; HiGHS uses one thread
   each). A worker builds each group's model once, the first time it needs it, and keeps it for
   every later run it is handed; runs are handed out one at a time, loosest first, so the slow
   tight-budget MILPs do not pile up on one worker. The processes come from planner.executor:
   a local pool (``executor="local"``) or the workers of a Dask cluster (``executor="dask"``).

Excluded donors (``settings.exclude_donors``) change the model's shape: such a scenario is its
own group and is rebuilt. Fixing the excluded donors' columns at 0 would be cheaper to solve, but
the marginal values (planner.marginals) and the reasons for unmet lines (planner.explain) re-solve
the model from its arrays and would bring those donors back; a rebuild of the demo costs ~0.05 s.

The comparison workbook is written by planner.io.comparison_workbook.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from planner import __version__
from planner.api import PlanInputs, add_explanations, inputs_table, marginal_notes, sha256_of
from planner.data import PlanningData, build_planning_data
from planner.errors import InputError, Issue
from planner.marginals import marginal_values
from planner.model import LinearModel, build_model
from planner.model.build import RowBlock
from planner.model.highs_backend import HighsBackend
from planner.results import PlanResult, extract, requests_table
from planner.scenarios import apply_to_data, scenario_settings
from planner.schema import Scenario, Settings
from planner.solve import ALL_STAGES, Backend, Solution, make_backend

CHANGED_FAMILIES = ("donor_budget", "corridor_capacity")
"""Constraint families whose right-hand sides a scenario may change without a rebuild."""
SOLVE_ONLY_SETTINGS = ("time_limit_s", "mip_gap")
"""Settings that steer the solver but leave the model unchanged."""
CALENDAR_SETTINGS = ("start", "period_days", "horizon")
"""Settings that change how request dates map to periods: the workbook is read again."""
BASE_NAME = "base"
TOP_BINDING = 3
"""Most binding donors / corridors named per run in the Scenarios sheet."""
FEAS_REL_TOL = 1e-9
FEAS_ABS_TOL = 1e-6


# --------------------------------------------------------------------------------------------
# Runs


@dataclass(frozen=True)
class WhatIfRun:
    """One point of a what-if: a scenario (its budget scale already multiplied by the sweep's).

    label: unique name of the run in tables and file names
    family: the scenario's name; a chart draws one line per family
    budget_factor: the sweep's factor (1 when there is no sweep)
    source: the scenario file, if any
    """

    label: str
    family: str
    scenario: Scenario
    budget_factor: float = 1.0
    source: Path | None = None

    @property
    def budget_scale(self) -> float:
        return float(self.scenario.budget_scale)


def _fmt_scale(x: float) -> str:
    return f"{x:g}"


def make_runs(
    scenarios: Sequence[tuple[Scenario, Path | None]],
    budget_scales: Sequence[float] | None = None,
    *,
    include_base: bool = True,
) -> list[WhatIfRun]:
    """The runs of a what-if, in the order they are reported.

    Parameters
    ----------
    scenarios
        Named scenarios with the file each came from.
    budget_scales
        A global budget sweep. Each scale multiplies the scenario's own ``budget_scale``.
    include_base
        With named scenarios, also run the base case (no changes) for comparison. Without named
        scenarios the base case is always run (at each budget scale).

    With a sweep and scenarios, every scenario (and the base case) is run at every scale.
    """
    scales = list(dict.fromkeys(float(s) for s in budget_scales)) if budget_scales else []
    families: list[tuple[Scenario, Path | None]] = []
    if include_base or not scenarios:
        families.append((Scenario(name=BASE_NAME), None))
    families.extend(scenarios)
    runs: list[WhatIfRun] = []
    used: set[str] = set()

    def unique(label: str) -> str:
        out, n = label, 2
        while out in used:
            out, n = f"{label} ({n})", n + 1
        used.add(out)
        return out

    only_base = not scenarios
    names: set[str] = set()
    for scenario, source in families:
        family, n = scenario.name, 2
        while family in names:  # two scenarios of one name still get a line each
            family, n = f"{scenario.name} ({n})", n + 1
        names.add(family)
        for factor in scales or [1.0]:
            if scales:
                sweep = f"budget ×{_fmt_scale(factor)}"
                label = sweep if only_base else f"{family} · {sweep}"
                scn = scenario.model_copy(update={"budget_scale": scenario.budget_scale * factor})
            else:
                label, scn = family, scenario
            runs.append(WhatIfRun(unique(label), family, scn, factor, source))
    return runs


def check_budget_scales(scales: Sequence[float]) -> list[Issue]:
    """Every budget scale must be a finite number ≥ 0."""
    return [
        Issue("bad-option", "--budget-scale", f"expected a finite number ≥ 0, found {s!r}")
        for s in scales
        if not (math.isfinite(s) and s >= 0)
    ]


@dataclass(frozen=True)
class PreparedRun:
    """A run with its full settings and the model group it is solved in."""

    index: int
    run: WhatIfRun
    settings: Settings
    group: str


@dataclass(frozen=True)
class ModelGroup:
    """Runs that share one built model: inputs (settings of the group) read and checked."""

    key: str
    inputs: PlanInputs


@dataclass(frozen=True)
class WhatIfJob:
    """Everything the runs need, read and validated; picklable for worker processes."""

    base: PlanInputs
    runs: tuple[PreparedRun, ...]
    groups: dict[str, ModelGroup]


def run_settings(base: PlanInputs, scenario: Scenario) -> Settings:
    """The settings of one run: base ← scenario [settings] ← command-line overrides."""
    merged = scenario_settings(base.settings, scenario)
    if base.overrides:
        merged = Settings.model_validate({**merged.model_dump(), **base.overrides})
    return merged


def shape_key(settings: Settings) -> str:
    """Settings that shape the model, as a stable text key."""
    d = settings.model_dump()
    for k in SOLVE_ONLY_SETTINGS:
        d.pop(k, None)
    d["exclude_donors"] = sorted(d["exclude_donors"])
    d["priority_weights"] = sorted(d["priority_weights"].items())
    return repr(sorted(d.items()))


def prepare(base: PlanInputs, runs: Sequence[WhatIfRun]) -> WhatIfJob:
    """Settings of every run and one model group per model shape.

    Raises InputError when a scenario's settings do not combine with the command line's, or when
    the request workbook is invalid under a scenario's calendar.
    """
    prepared: list[PreparedRun] = []
    groups: dict[str, ModelGroup] = {}
    issues: list[Issue] = []
    for i, run in enumerate(runs):
        where = str(run.source) if run.source is not None else run.label
        try:
            settings = run_settings(base, run.scenario)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "settings"
                issues.append(Issue("bad-scenario", where, err["msg"], column=f"settings.{loc}"))
            continue
        key = shape_key(settings)
        if key not in groups:
            try:
                groups[key] = ModelGroup(key, _group_inputs(base, settings))
            except InputError as exc:
                note = Issue(
                    "bad-scenario",
                    where,
                    "the request workbook is not valid with this scenario's calendar (below)",
                    column="settings",
                )
                issues += [note, *exc.issues]
                continue
        prepared.append(PreparedRun(i, run, settings, key))
    if issues:
        raise InputError(issues)
    return WhatIfJob(base, tuple(prepared), groups)


def _group_inputs(base: PlanInputs, settings: Settings) -> PlanInputs:
    requests = base.requests
    if any(getattr(settings, k) != getattr(base.settings, k) for k in CALENDAR_SETTINGS):
        from planner.io.requests import read_requests

        requests = read_requests(base.requests.source, base.catalog, settings)
    return dataclasses.replace(base, settings=settings, requests=requests, scenario=None)


def solve_order(job: WhatIfJob) -> list[PreparedRun]:
    """Group by group, loosest budget first (so a reusable plan is solved before its users)."""
    first = {key: i for i, key in enumerate(dict.fromkeys(p.group for p in job.runs))}
    return sorted(job.runs, key=lambda p: (first[p.group], -p.run.budget_scale, p.index))


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


# --------------------------------------------------------------------------------------------
# Solving the runs of one process


@dataclass
class _Solved:
    label: str
    upper: np.ndarray
    params: tuple[float, float]
    solution: Solution


class _GroupModel:
    """One built model, its backend, and the right-hand sides the backend holds now."""

    def __init__(self, group: ModelGroup):
        t0 = time.perf_counter()
        inp = group.inputs
        self.settings = inp.settings
        self.data = build_planning_data(inp.catalog, inp.requests.table, inp.settings)
        self.model = build_model(self.data)
        # One HiGHS instance is shared by the runs of an LP (its bases are the point). A MILP run
        # gets a fresh backend made from its view of the model (0.03 s for the demo): HiGHS's
        # branch and bound reuses nothing, and a fresh instance takes exactly the path of
        # `aidplan plan`, so both report the same plan. CBC rebuilds its problem for every
        # solve anyway.
        shared = inp.settings.solver == "highs" and not self.model.is_mip
        self.backend: Backend | None = (
            HighsBackend(self.model, keep_stage_bases=True) if shared else None
        )
        offsets = self.model.row_offsets()
        blocks = [self.model.block(f) for f in CHANGED_FAMILIES]
        self.rows = np.concatenate(
            [offsets[b.family] + np.arange(b.n_rows, dtype=np.int64) for b in blocks]
        )
        self.upper = np.concatenate([b.upper for b in blocks]).astype(float)
        self.solved: list[_Solved] = []
        self.build_time_s = time.perf_counter() - t0

    def target_upper(self, data: PlanningData) -> dict[str, np.ndarray]:
        """Right-hand sides of the changed families for scenario-applied ``data``."""
        out: dict[str, np.ndarray] = {}
        b = self.model.block("donor_budget")
        k = b.labels["k"].to_numpy(dtype=int) if b.n_rows else np.array([], int)
        out["donor_budget"] = data.donors["budget_eur"].to_numpy(dtype=float)[k]
        c = self.model.block("corridor_capacity")
        if c.n_rows:
            h = c.labels["h"].to_numpy(dtype=int)
            t = c.labels["t"].to_numpy(dtype=int)
            out["corridor_capacity"] = data.capacity_t[h, t - 1].astype(float)
        else:
            out["corridor_capacity"] = np.array([], dtype=float)
        return out

    def activity(self, x: np.ndarray) -> np.ndarray:
        """Σ a·x of the changed rows, in the order of ``self.rows``."""
        parts = []
        for f in CHANGED_FAMILIES:
            b = self.model.block(f)
            parts.append(np.bincount(b.row, weights=b.coef * x[b.var], minlength=b.n_rows))
        return np.concatenate(parts) if parts else np.array([], dtype=float)

    def reusable(self, upper: np.ndarray, params: tuple[float, float]) -> _Solved | None:
        """A proven-optimal plan of a looser run that still fits ``upper`` (see module doc)."""
        tol = FEAS_REL_TOL * np.maximum(np.abs(upper), 1.0) + FEAS_ABS_TOL
        for s in self.solved:
            if s.params != params or not np.all(s.upper >= upper):
                continue
            changed = s.upper != upper
            act = self.activity(s.solution.x)
            if np.all(act[changed] <= upper[changed] + tol[changed]):
                return s
        return None

    def solve(self, upper: np.ndarray, view: LinearModel, settings: Settings) -> Solution:
        """Solve with the run's right-hand sides: on the shared HiGHS instance (LP), setting only
        the rows whose value differs from what it holds; else with a backend of the run's own."""
        if self.backend is None:
            return make_backend(view, settings.solver).solve(settings)
        diff = np.flatnonzero(upper != self.upper)
        if len(diff):
            self.backend.set_row_upper(self.rows[diff], upper[diff])
            self.upper = upper.copy()
        return self.backend.solve(settings)

    def view(self, data: PlanningData, target: dict[str, np.ndarray]) -> LinearModel:
        """The model as this run sees it: its data and right-hand sides (arrays shared)."""
        blocks: list[RowBlock] = [
            dataclasses.replace(b, upper=target[b.family]) if b.family in target else b
            for b in self.model.blocks
        ]
        return dataclasses.replace(self.model, data=data, blocks=blocks)


class ScenarioRunner:
    """Solves prepared runs one after another, keeping each group's model and solver."""

    def __init__(self, job: WhatIfJob, keep_plans: bool = False):
        self.job = job
        self.keep_plans = keep_plans
        self._groups: dict[str, _GroupModel] = {}

    def group(self, key: str) -> _GroupModel:
        if key not in self._groups:
            self._groups[key] = _GroupModel(self.job.groups[key])
        return self._groups[key]

    def run(self, p: PreparedRun) -> RunOutcome:
        """Apply the run's right-hand sides, solve (or reuse a plan), extract, report."""
        g = self.group(p.group)
        data = apply_to_data(g.data, p.run.scenario).with_(settings=p.settings)
        target = g.target_upper(data)
        upper = np.concatenate([target[f] for f in CHANGED_FAMILIES])
        params = (p.settings.time_limit_s, p.settings.mip_gap)
        view = g.view(data, target)
        prior = g.reusable(upper, params)
        if prior is not None:
            sol = dataclasses.replace(prior.solution, solve_time_s=0.0)
            reused: str | None = prior.label
        else:
            t0 = time.perf_counter()
            sol = g.solve(upper, view, p.settings)
            sol.solve_time_s = time.perf_counter() - t0
            reused = None
            if sol.usable and sol.proven_optimal and tuple(sol.stages) == ALL_STAGES:
                g.solved.append(_Solved(p.run.label, upper, params, sol))
        return self._report(p, view, sol, reused)

    def _report(
        self, p: PreparedRun, model: LinearModel, sol: Solution, reused: str | None
    ) -> RunOutcome:
        run = p.run
        common: dict[str, Any] = {
            "index": p.index,
            "label": run.label,
            "family": run.family,
            "budget_factor": run.budget_factor,
            "budget_scale": run.budget_scale,
            "source": str(run.source) if run.source is not None else "",
            "status": sol.status,
            "proven_optimal": sol.proven_optimal,
            "gap": sol.gap,
            "solve_time_s": sol.solve_time_s,
            "reused_from": reused,
            "stages": sol.stages_solved,
        }
        if not sol.usable:
            nan = float("nan")
            return RunOutcome(
                **common,
                fulfilment_score=nan,
                critical_coverage=nan,
                value=nan,
                cost_eur=nan,
                lines={},
                requests=pd.DataFrame(),
                bottlenecks=pd.DataFrame(),
            )
        marg = marginal_values(model, sol, p.settings)
        notes = marginal_notes(marg)
        if reused is not None:
            notes.append(
                f"The plan of run {reused!r} was reused: it still fits this run's budgets and "
                "capacities, so it is optimal here too."
            )
        plan: dict[str, pd.DataFrame] | None = None
        if self.keep_plans:
            result = extract(model, sol)
            add_explanations(result, marg)
            if reused is not None:
                result.notes.append(notes[-1])
            plan = self._plan_sheets(p, result)
            requests = result.requests
        else:  # the comparison needs the Requests table only, not the whole plan
            requests = requests_table(model, sol.x)
        total_w = float(model.data.requests["weight_value"].sum())
        lines = {
            f"P{q} {st}": int(((requests["priority"] == q) & (requests["status"] == st)).sum())
            for q in (1, 2, 3, 4)
            for st in ("met", "partly met", "unmet")
        }
        keep = ["request_id", "item_id", "priority", "quantity", "delivered"]
        return RunOutcome(
            **common,
            fulfilment_score=sol.value / total_w if total_w > 0 else 1.0,
            critical_coverage=critical_coverage(requests),
            value=sol.value,
            cost_eur=sol.cost_eur,
            lines=lines,
            requests=requests[keep].copy(),
            bottlenecks=marg.table,
            notes=notes,
            plan=plan,
        )

    def _plan_sheets(self, p: PreparedRun, result: PlanResult) -> dict[str, pd.DataFrame]:
        """The §5 plan workbook of this run, as `aidplan plan --scenario` writes it."""
        from planner.io.plan_workbook import plan_sheets

        run = p.run
        base = self.job.base
        files = base.files
        if run.source is not None:
            files = (*files, ("scenario", run.source))
        inputs = dataclasses.replace(
            self.job.groups[p.group].inputs, settings=p.settings, scenario=run.scenario, files=files
        )
        table = inputs_table(inputs, result)
        extra = pd.DataFrame(
            [
                {"kind": "scenario", "name": "run", "path": "", "sha256": "", "value": run.label},
                {
                    "kind": "scenario",
                    "name": "budget_scale",
                    "path": "",
                    "sha256": "",
                    "value": run.budget_scale,
                },
            ]
        )
        return plan_sheets(result, pd.concat([table, extra], ignore_index=True))


def _make_runner(payload: tuple[WhatIfJob, bool]) -> ScenarioRunner:
    """Worker setup for planner.executor: one runner (models built lazily) per worker."""
    return ScenarioRunner(*payload)


def _run_one(runner: ScenarioRunner, p: PreparedRun) -> RunOutcome:
    return runner.run(p)


def run_whatif(
    job: WhatIfJob,
    *,
    jobs: int = 1,
    keep_plans: bool = False,
    on_done: Callable[[RunOutcome], None] | None = None,
    executor: str = "local",
    scheduler: str | None = None,
) -> list[RunOutcome]:
    """Solve every run of ``job``; outcomes in the order of ``job.runs``.

    Parameters
    ----------
    jobs
        Worker processes (1: solve in this process), or workers of the local Dask cluster.
    keep_plans
        Also return each run's full plan sheets (with reasons for unmet lines: slower).
    on_done
        Called with each outcome as soon as it is ready (for a progress bar).
    executor, scheduler
        Where the runs are solved (planner.executor): "local" or "dask", and the address of
        a Dask scheduler (default: a local Dask cluster).
    """
    from planner.executor import WorkerSetup, run_jobs

    order = solve_order(job)
    notify = on_done or (lambda _o: None)
    done = run_jobs(
        WorkerSetup(_make_runner, (job, keep_plans), _run_one),
        order,
        executor=executor,
        workers=jobs,
        scheduler=scheduler,
        on_done=lambda _pos, out: notify(out),
    )
    return sorted(done, key=lambda o: o.index)


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
