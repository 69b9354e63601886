"""What-if runs: a sweep's or scenarios' runs, grouped by model shape (see planner.whatif)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from planner.api import PlanInputs
from planner.errors import InputError, Issue
from planner.model.families import SCENARIO_FAMILIES
from planner.scenarios import scenario_settings
from planner.schema import Scenario, Settings

CHANGED_FAMILIES = SCENARIO_FAMILIES
"""Constraint families whose right-hand sides a scenario may change without a rebuild."""
SOLVE_ONLY_SETTINGS = ("time_limit_s", "mip_gap", "mip_node_limit")
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


def whole_units(inputs: PlanInputs) -> bool:
    """Whether a plan of ``inputs`` may have integer columns (DESIGN.md §2.1): some offer is of
    an item counted in whole units (a column is integer when its offer's item is, planner.data)."""
    items = inputs.catalog.items
    integer = set(items.loc[items["integer"].astype(bool), "item_id"])
    return bool(integer & set(inputs.catalog.offers["item_id"]))


def solve_order(job: WhatIfJob) -> list[PreparedRun]:
    """Group by group. An LP group loosest budget first, so that a reusable plan is solved
    before its users (planner.whatif.runner). A group with whole units tightest budget first:
    there the tight points take longest (demo: 4–20 s below budget × 0.9 against 0.5–1.5 s
    above 1.05) and, handed out last, one of them kept one worker busy while the other had
    nothing left; a looser run's whole plan rarely fits a tighter budget anyway."""
    first = {key: i for i, key in enumerate(dict.fromkeys(p.group for p in job.runs))}
    tightest_first = {key: whole_units(g.inputs) for key, g in job.groups.items()}

    def key(p: PreparedRun) -> tuple[int, float, int]:
        scale = p.run.budget_scale
        return first[p.group], scale if tightest_first[p.group] else -scale, p.index

    return sorted(job.runs, key=key)
