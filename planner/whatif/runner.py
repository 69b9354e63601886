"""Solving what-if runs: one model and solver session per group, in this process or in workers.

Runs go through planner.executor (the local process pool or Dask, one implementation of both,
signals included): each worker builds one `ScenarioRunner` from the `WhatIfJob` (`_make_runner`)
and solves the `PreparedRun`s it is handed (`_run_one`), returning picklable `RunOutcome`s.
`solve_run(job, run, keep_plans)` does the same for one run in the calling process."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.api import add_explanations, inputs_table, marginal_notes
from planner.data import PlanningData, build_planning_data, fulfilment_score
from planner.marginals import marginal_values
from planner.model import LinearModel, build_model
from planner.model.build import RowBlock
from planner.model.families import family
from planner.results import BROAD_STATUS, PlanResult, extract, own_lines, requests_table
from planner.scenarios import apply_to_data
from planner.schema import Settings
from planner.solve import Session, Solution, solve_model
from planner.whatif.outcomes import RunOutcome, critical_coverage
from planner.whatif.runs import (
    CHANGED_FAMILIES,
    FEAS_ABS_TOL,
    FEAS_REL_TOL,
    ModelGroup,
    PreparedRun,
    WhatIfJob,
    solve_order,
)

# --------------------------------------------------------------------------------------------
# Solving the runs of one process


@dataclass
class _Solved:
    label: str
    upper: np.ndarray
    params: tuple[float, float]
    solution: Solution


class _GroupModel:
    """One built model, its solver session, and the right-hand sides the session holds now."""

    def __init__(self, group: ModelGroup):
        t0 = time.perf_counter()
        inp = group.inputs
        self.settings = inp.settings
        self.data = build_planning_data(inp.catalog, inp.requests.table, inp.settings)
        self.model = build_model(self.data)
        # One HiGHS instance is shared by the runs of an LP (its bases are the point). A MILP run
        # gets a fresh session made from its view of the model (0.03 s for the demo): HiGHS's
        # branch and bound reuses nothing, and a fresh instance takes exactly the path of
        # `aidplan plan`, so both report the same plan. CBC rebuilds its problem for every
        # solve anyway.
        shared = inp.settings.solver == "highs" and not self.model.is_mip
        self.session: Session | None = (
            Session(self.model, "highs", keep_stage_bases=True) if shared else None
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
        return {
            f: family(f).rhs(data, self.model.block(f).labels) if self.model.block(f).n_rows
            else np.array([], dtype=float)
            for f in CHANGED_FAMILIES
        }  # fmt: skip

    def activity(self, x: np.ndarray) -> np.ndarray:
        """Σ a·x of the changed rows, in the order of ``self.rows``."""
        parts = [self.model.block(f).activity(x) for f in CHANGED_FAMILIES]
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
        the rows whose value differs from what it holds; else with a session of the run's own."""
        if self.session is None:
            return solve_model(view, settings)  # a MILP: whole units (planner.solve.whole_units)
        diff = np.flatnonzero(upper != self.upper)
        if len(diff):
            self.session.set_row_upper(self.rows[diff], upper[diff])
            self.upper = upper.copy()
        return self.session.solve(settings)

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
            if sol.usable and sol.all_stages_proven:
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
        # The reasons of a kept plan need the duals; the comparison needs the table only.
        marg = marginal_values(model, sol, p.settings, need_duals=self.keep_plans)
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
        score = fulfilment_score(model.data, sol.value)
        own = own_lines(requests)  # lines counted as a plan counts them (not components)
        broad = own["status"].replace(BROAD_STATUS)  # met late counts as met here
        lines = {
            f"P{q} {st}": int(((own["priority"] == q) & (broad == st)).sum())
            for q in (1, 2, 3, 4)
            for st in ("met", "partly met", "unmet")
        }
        keep = ["request_id", "item_id", "priority", "quantity", "delivered"]
        return RunOutcome(
            **common,
            fulfilment_score=score,
            critical_coverage=critical_coverage(own),
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


_WORKER: ScenarioRunner | None = None


def solve_run(job: WhatIfJob, run: PreparedRun, keep_plans: bool = False) -> RunOutcome:
    """Solve one prepared run of ``job`` (inputs and result are picklable). A process keeps
    one `ScenarioRunner` for the last job it saw, so the runs of a group it is handed share
    one built model and solver session."""
    global _WORKER
    if _WORKER is None or _WORKER.job is not job or _WORKER.keep_plans != keep_plans:
        _WORKER = ScenarioRunner(job, keep_plans)
    return _WORKER.run(run)


def _make_runner(payload: tuple[WhatIfJob, bool]) -> ScenarioRunner:
    """Worker setup for planner.executor: one runner per worker (models built lazily)."""
    return ScenarioRunner(*payload)


def _run_one(runner: ScenarioRunner, p: PreparedRun) -> RunOutcome:
    """One job for planner.executor: one prepared run."""
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
        Worker processes (1: solve in this process).
    keep_plans
        Also return each run's full plan sheets (with reasons for unmet lines: slower).
    on_done
        Called with each outcome as soon as it is ready (for a progress bar).
    executor, scheduler
        Where the runs are solved: "local" (this machine's processes) or "dask" (the workers
        of the Dask cluster at ``scheduler``, default a local Dask cluster). Both through
        planner.executor.run_jobs, which also ends the workers on SIGINT or SIGTERM.
    """
    from planner.executor import WorkerSetup, run_jobs

    notify = on_done or (lambda _o: None)
    done: list[RunOutcome] = run_jobs(
        WorkerSetup(_make_runner, (job, keep_plans), _run_one),
        solve_order(job),  # a group's runs in a row: one worker builds its model once
        executor=executor,
        workers=jobs,
        scheduler=scheduler,
        on_done=lambda _pos, out: notify(out),
    )
    return sorted(done, key=lambda o: o.index)
