"""One sampled future, two views (DESIGN.md §9): the base plan as it stands, and the re-plan.

Base plan as it stands (no solve). Every shipment x[o,r,h,t] > 0 of the base plan keeps its
request, corridor and quantity; in the sample's future

- it is lost when its offer failed;
- a slipped offer's shipments leave D_o periods later: dispatch t + D_o, arrival a + D_o; a
  shipment that would then arrive after the horizon is lost;
- it is lost when its corridor is closed in its (possibly slipped) dispatch period.

Its value is the model's (planner.model.build_model): W_r / q_r · f_or · x · (1 − late_penalty ·
max(0, arrival − due_r)), with the new arrival. This view does not re-check stock, rates,
budgets or corridor capacities against the slipped shipments: it is the plan as it stands,
with nobody re-planning.

Best re-plan (a solve). The planning data of the sample's future (planner.stress.sampling
.sampled_data) is built and solved like `aidplan plan` does, all stages, but with a node budget
per MIP run instead of wall-clock boxes (planner.stress.report.STRESS_NODE_LIMIT), so a sample
gives the same re-plan on any worker under any load (docs/decisions/0009).

A line is *met on time* in a view when its units arriving by its due period reach its quantity
(within 1e-6 relative); *met* when all its units arrive within the horizon. A corridor is
*binding* in a sample when the re-plan uses it to its capacity (within 1e-6 relative) in some
period where it is open; a budget when the re-plan spends it to within 1e-6 (relative).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from planner.data import PlanningData
from planner.model import LinearModel, build_model
from planner.results import MET_TOL, extract, package_value, usable_from_arrivals
from planner.schema import Settings
from planner.solve import solve_model
from planner.stress.sampling import RiskTable, Sample, draw_sample, sampled_data

BINDING_REL_TOL = 1e-6


@dataclass(frozen=True)
class StressJob:
    """What every worker needs: the base planning data, the base plan and the sampling law."""

    data: PlanningData
    base_x: np.ndarray
    risk: RiskTable
    seed: int


@dataclass
class SampleOutcome:
    """What one sample reports (small: it travels back from the worker).

    base_score, replan_score: fulfilment score (0..1) of the two views
    replan_gap: the re-plan's relative gap to its bound (0.0001 is 0.01 %; NaN without a plan)
    base_on_time, replan_on_time, base_met, replan_met: bool per request line
    corridor_binding: bool per real corridor; budget_binding: bool per donor
    timings_s: sampling, build, solve, report (seconds)
    """

    index: int
    base_score: float
    replan_score: float
    replan_status: str
    replan_optimal: bool
    replan_stages: str
    replan_gap: float
    offers_failed: int
    offers_slipped: int
    slip_periods: int
    closed_periods: int
    base_on_time: np.ndarray
    replan_on_time: np.ndarray
    base_met: np.ndarray
    replan_met: np.ndarray
    corridor_binding: np.ndarray
    budget_binding: np.ndarray
    timings_s: dict[str, float] = field(default_factory=dict)


class SampleEvaluator:
    """A worker's state: the base model rebuilt from the job's data, ready for many samples."""

    def __init__(self, job: StressJob):
        self.job = job
        self.model: LinearModel = build_model(job.data)
        self.settings: Settings = job.data.settings
        req = job.data.requests
        self.weight = req["weight_value"].to_numpy(dtype=float)
        self.quantity = req["quantity"].to_numpy(dtype=float)
        self.due = req["due"].to_numpy(dtype=int)
        self.total_weight = float(self.weight.sum())
        self.real_corridors = np.flatnonzero(~job.data.corridors["virtual"].to_numpy(dtype=bool))

    def score(self, value: float) -> float:
        """Fulfilment score of a value (DESIGN.md §4)."""
        return value / self.total_weight if self.total_weight > 0 else 1.0

    def base_view(self, sample: Sample) -> tuple[float, np.ndarray, np.ndarray]:
        """(score, on time per line, met per line) of the base plan as it stands in ``sample``."""
        v = self.model.vars
        x = self.job.base_x[: self.model.n_x]  # shipments; U is recomputed below
        T = self.job.data.horizon
        o = v["o"].to_numpy()
        r = v["r"].to_numpy()
        h = v["h"].to_numpy()
        slip = sample.offer_slip[o]
        dispatch = v["t"].to_numpy() + slip
        arrival = v["arrival"].to_numpy() + slip
        inside = arrival <= T
        open_at = np.zeros(len(v), dtype=bool)
        open_at[inside] = sample.corridor_open[h[inside], dispatch[inside] - 1]
        kept = np.where(~sample.offer_failed[o] & inside & open_at, x, 0.0)
        eff = kept * v["factor"].to_numpy(dtype=float)
        late = np.maximum(0, arrival - self.due[r])
        req = self.job.data.requests
        pk = req["is_package"].to_numpy(dtype=bool)
        per_unit = np.where(pk, 0.0, self.weight / self.quantity)[r]  # packages: by U below
        value = float((per_unit * eff * (1.0 - self.settings.late_penalty * late)).sum())
        n = len(self.quantity)
        delivered = np.bincount(r, weights=eff, minlength=n)
        on_time = np.bincount(r, weights=np.where(late == 0, eff, 0.0), minlength=n)
        if pk.any():  # packages (DESIGN.md §4.1): usable units of what still arrives
            usable = usable_from_arrivals(req, T, r, arrival, eff)
            value += package_value(req, usable, self.settings.late_penalty)
            delivered[pk] = usable[pk, -1]
            on_time[pk] = usable[pk, np.minimum(self.due[pk], T) - 1]
        return self.score(value), self._reaches(on_time), self._reaches(delivered)

    def _reaches(self, units: np.ndarray) -> np.ndarray:
        return bool_array(self.quantity - units <= MET_TOL * np.maximum(self.quantity, 1.0))

    def run(self, index: int) -> SampleOutcome:
        """Draw sample ``index``, evaluate the base plan in it, re-plan it."""
        t0 = time.perf_counter()
        sample = draw_sample(self.job.risk, self.job.seed, index)
        base_score, base_on_time, base_met = self.base_view(sample)
        data = sampled_data(self.job.data, sample)
        t1 = time.perf_counter()
        model = build_model(data)
        t2 = time.perf_counter()
        sol = solve_model(model, self.settings)
        t3 = time.perf_counter()
        n_req = len(self.quantity)
        n_corr = len(self.real_corridors)
        n_don = len(self.job.data.donors)
        if sol.usable:
            result = extract(model, sol)
            reqs = result.requests
            replan_met = bool_array(reqs["status"] == "met")
            replan_on_time = replan_met & bool_array(reqs["late_periods"] == 0)
            replan_score = self.score(sol.value)
            corridor_binding = self._corridor_binding(result.corridors)
            budget_binding = self._budget_binding(result.donors)
        else:  # time limit before any plan: counted as nothing met, reported by status
            replan_met = replan_on_time = np.zeros(n_req, dtype=bool)
            replan_score = float("nan")
            corridor_binding = np.zeros(n_corr, dtype=bool)
            budget_binding = np.zeros(n_don, dtype=bool)
        t4 = time.perf_counter()
        return SampleOutcome(
            index=int(index),
            base_score=base_score,
            replan_score=replan_score,
            replan_status=sol.status,
            replan_optimal=bool(sol.proven_optimal),
            replan_stages=sol.stages_solved,
            replan_gap=float(sol.gap),
            offers_failed=int(sample.offer_failed.sum()),
            offers_slipped=int((sample.offer_slip > 0).sum()),
            slip_periods=int(sample.offer_slip.sum()),
            closed_periods=int((~sample.corridor_open[self.real_corridors]).sum()),
            base_on_time=base_on_time,
            replan_on_time=replan_on_time,
            base_met=base_met,
            replan_met=replan_met,
            corridor_binding=corridor_binding,
            budget_binding=budget_binding,
            timings_s={"sampling": t1 - t0, "build": t2 - t1, "solve": t3 - t2, "report": t4 - t3},
        )

    def _corridor_binding(self, corridors: object) -> np.ndarray:
        import pandas as pd

        assert isinstance(corridors, pd.DataFrame)
        ids = self.job.data.corridors["corridor_id"].to_numpy()[self.real_corridors]
        cap = corridors["capacity_t"].to_numpy(dtype=float)
        used = corridors["used_t"].to_numpy(dtype=float)
        full = (cap > 0) & (used >= cap * (1 - BINDING_REL_TOL))
        hit = set(corridors["corridor_id"].to_numpy()[full])
        return np.array([c in hit for c in ids], dtype=bool)

    def _budget_binding(self, donors: object) -> np.ndarray:
        import pandas as pd

        assert isinstance(donors, pd.DataFrame)
        budget = donors["budget_eur"].to_numpy(dtype=float)
        spent = donors["spent_eur"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return bool_array(np.isfinite(budget) & (spent >= budget * (1 - BINDING_REL_TOL)))


def bool_array(values: object) -> np.ndarray:
    """A plain numpy bool array (from a Series or an array)."""
    return np.asarray(values, dtype=bool)


def make_evaluator(job: StressJob) -> SampleEvaluator:
    """Worker setup for planner.executor: rebuild the base model once per worker."""
    return SampleEvaluator(job)


def evaluate_sample(evaluator: SampleEvaluator, index: int) -> SampleOutcome:
    """One job for planner.executor: sample ``index``."""
    return evaluator.run(index)
