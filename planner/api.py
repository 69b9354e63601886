"""The Python API: load inputs, plan, and get tidy DataFrames back.

>>> from planner.api import load_inputs, run_plan
>>> result = run_plan(load_inputs())            # the bundled demo   # doctest: +SKIP
>>> result.allocations.head()                                       # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from planner import __version__
from planner.catalog import Catalog
from planner.data import PlanningData, build_planning_data
from planner.errors import InputError, Issue
from planner.explain import explain_plan, short_reason
from planner.io.catalog import read_catalog
from planner.marginals import (
    NOTE_FINITE_STEPS,
    NOTE_INTEGERS_FIXED,
    SOURCE_FIXED,
    Marginals,
    marginal_values,
)
from planner.model import LinearModel, build_model
from planner.requests import RequestSet
from planner.results import PlanResult, extract
from planner.scenarios import apply_to_data, read_scenario, scenario_settings
from planner.schema import Scenario, Settings
from planner.solve import solve_model


@dataclass(frozen=True)
class PlanInputs:
    """Everything a plan is computed from, read and validated."""

    catalog: Catalog
    requests: RequestSet
    settings: Settings
    scenario: Scenario | None = None
    files: tuple[tuple[str, Path], ...] = ()
    read_time_s: float = 0.0
    overrides: dict[str, Any] = field(default_factory=dict)
    scenario_warnings: tuple[Issue, ...] = ()
    extra_warnings: tuple[Issue, ...] = ()
    """Warnings of other inputs: the previous plan of a re-plan (planner.replan, §7)."""

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """Every warning of every reader of this run (catalog, scenario, requests, previous
        plan), sorted by place: what the Input checks sheet, the console and ``--json`` show
        (DESIGN.md §5)."""
        found = (
            *self.catalog.warnings,
            *self.scenario_warnings,
            *self.requests.warnings,
            *self.extra_warnings,
        )
        return tuple(sorted(found, key=Issue.sort_key))


def base_settings(catalog: Catalog, overrides: dict[str, Any] | None = None) -> Settings:
    """Settings defaults ← the catalog's planning.toml ← explicit overrides."""
    return Settings.model_validate({**catalog.planning, **(overrides or {})})


def settings_with(settings: Settings, overrides: dict[str, Any]) -> Settings:
    """``settings`` with command-line ``overrides`` applied and checked again.

    Raises planner.errors.InputError [bad-option] naming the setting, never a pydantic error.
    """
    try:
        return Settings.model_validate({**settings.model_dump(), **overrides})
    except ValidationError as exc:
        issues = [
            Issue(
                "bad-option",
                "command line",
                f"{err['msg'].removeprefix('Value error, ')}, found {err.get('input')!r}",
                column=".".join(str(p) for p in err["loc"]) or None,
            )
            for err in exc.errors()
        ]
        raise InputError(issues) from None


def load_inputs(
    requests_path: Path | str | None = None,
    catalog_dir: Path | str | None = None,
    scenario_path: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
) -> PlanInputs:
    """Read catalog, scenario and request workbook (the bundled demo when paths are None).

    Raises planner.errors.InputError listing every problem found.
    """
    from planner.cli_common import default_catalog, default_requests
    from planner.io.requests import read_requests

    t0 = time.perf_counter()
    catalog_dir = Path(catalog_dir) if catalog_dir is not None else default_catalog()
    requests_path = Path(requests_path) if requests_path is not None else default_requests()
    catalog = read_catalog(catalog_dir)
    scenario = read_scenario(scenario_path, catalog) if scenario_path is not None else None
    settings = scenario_settings(base_settings(catalog), scenario)
    if overrides:
        settings = settings_with(settings, overrides)
    requests = read_requests(requests_path, catalog, settings)
    files: list[tuple[str, Path]] = [("catalog", p) for p in catalog.files]
    files.append(("requests", requests_path))
    if scenario_path is not None:
        files.append(("scenario", Path(scenario_path)))
    return PlanInputs(
        catalog,
        requests,
        settings,
        scenario,
        tuple(files),
        time.perf_counter() - t0,
        dict(overrides or {}),
    )


def planning_data(inputs: PlanInputs) -> PlanningData:
    """Model-ready tables, with the scenario's budgets and capacities applied."""
    data = build_planning_data(inputs.catalog, inputs.requests.table, inputs.settings)
    if inputs.scenario is not None:
        data = apply_to_data(data, inputs.scenario, inputs.catalog)
    return data


def solve_and_report(model: LinearModel, settings: Settings) -> PlanResult:
    """Solve a built model and extract the §5 tables, with the reason for every line that is
    unmet, partly met or late (planner.explain) and the marginal values of budgets and
    corridors as an extra Bottlenecks sheet (planner.marginals)."""
    t0 = time.perf_counter()
    sol = solve_model(model, settings)
    t1 = time.perf_counter()
    result = extract(model, sol)
    t2 = time.perf_counter()
    result.timings_s.update(solve=t1 - t0, extract=t2 - t1)
    if sol.usable:
        marginals = marginal_values(model, sol, settings)
        t3 = time.perf_counter()
        add_explanations(result, marginals)
        result.timings_s.update(marginals=t3 - t2, explain=time.perf_counter() - t3)
    return result


def marginal_notes(marginals: Marginals) -> list[str]:
    """What the user must know about how the marginal values were found."""
    notes = []
    if marginals.finite_steps:
        notes.append(NOTE_FINITE_STEPS)
        late = marginals.table[marginals.table["source"] == SOURCE_FIXED]
        if len(late):
            notes.append(
                f"{len(late)} budget(s) or corridor(s) were not reached in the time left: their "
                "values are the LP duals with the integer items fixed (see the source column)."
            )
    if marginals.integers_fixed:
        notes.append(NOTE_INTEGERS_FIXED)
    if marginals.table["value_gain"].isna().any():
        notes.append("Marginal values are missing: the LP for the duals did not solve in time.")
    return notes


def add_explanations(result: PlanResult, marginals: Marginals) -> None:
    """Fill the reason column, add the Bottlenecks sheet and the notes about them."""
    result.extra_sheets["Bottlenecks"] = marginals.table
    result.notes.extend(marginal_notes(marginals))
    detail = explain_plan(result.model, result.solution, result.requests, marginals)
    result.requests["reason"] = [short_reason(text) for text in detail]
    result.requests["reason_detail"] = detail


NOT_IN_CATALOG = "not in the catalog"


def add_unknown_lines(result: PlanResult, unknown: pd.DataFrame) -> None:
    """Append the lines kept with ``keep_unknown`` to the Requests table as unmet, reason
    "not in the catalog", and count them in the Summary's lines per priority (DESIGN.md §2.2).

    ``unknown``: a request table (planner.requests.REQUEST_COLUMNS) whose item_id is "".
    """
    if not len(unknown):
        return
    n = len(unknown)
    q = unknown["quantity"].to_numpy(dtype=float)
    lines = pd.DataFrame(
        {
            "request_id": unknown["request_id"],
            "item_id": "",
            "requested_item": unknown["requested_item"],
            "priority": unknown["priority"],
            "quantity": q,
            "delivered": 0.0,
            "unmet": q,
            "needed_by": unknown["needed_by"],
            "first_arrival": pd.array([None] * n, dtype="Int64"),
            "last_arrival": pd.array([None] * n, dtype="Int64"),
            "late_periods": 0,
            "status": "unmet",
            "reason": NOT_IN_CATALOG,
            "destination": unknown["destination"],
        }
    )
    lines = lines.reindex(columns=result.requests.columns)
    result.requests = pd.concat([result.requests, lines], ignore_index=True)
    from planner.results import headline

    summary = result.summary.copy()
    value = dict(zip(summary["key"], summary["value"], strict=True))

    def put(key: str, new: object) -> None:
        summary.loc[summary["key"] == key, "value"] = new

    if "request lines" in value:
        put("request lines", int(value["request lines"]) + n)
    for p, count in unknown["priority"].value_counts().items():
        key = f"priority {p} lines unmet"
        if key in value:
            put(key, int(value[key]) + int(count))
    if "plan" in value:  # the headline counts the kept lines like the figures below it
        score, cost = float(value["fulfilment score"]), float(value["total cost eur"])
        put("plan", headline(result.requests, score, cost))
    result.summary = summary


def run_plan(inputs: PlanInputs) -> PlanResult:
    """read → planning data → build → solve → extract, timing each step; lines whose item is
    not in the catalog (kept with ``keep_unknown``) are added to Requests as unmet."""
    t0 = time.perf_counter()
    data = planning_data(inputs)
    model = build_model(data)
    t1 = time.perf_counter()
    result = solve_and_report(model, inputs.settings)
    result.timings_s.update(read=inputs.read_time_s, build=t1 - t0)
    if result.solution.usable:
        add_unknown_lines(result, inputs.requests.unknown)
    return result


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def inputs_table(inputs: PlanInputs, result: PlanResult) -> pd.DataFrame:
    """The Inputs sheet: every input file with its hash, every setting, versions, run time."""
    rows: list[dict[str, Any]] = []
    for role, p in inputs.files:
        rows.append(
            {"kind": role, "name": p.name, "path": str(p), "sha256": sha256_of(p), "value": ""}
        )
    for key, value in inputs.settings.model_dump().items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v:g}" for k, v in value.items())
        elif isinstance(value, tuple | list):
            value = ", ".join(str(v) for v in value)
        rows.append({"kind": "setting", "name": key, "path": "", "sha256": "", "value": value})
    if inputs.scenario is not None:
        rows.append(
            {
                "kind": "scenario",
                "name": "name",
                "path": "",
                "sha256": "",
                "value": inputs.scenario.name,
            }
        )
    sol = result.solution
    rows += [
        {"kind": "run", "name": "aidplan version", "path": "", "sha256": "", "value": __version__},
        {"kind": "run", "name": "solver", "path": "", "sha256": "", "value": sol.solver},
        {
            "kind": "run",
            "name": "solver version",
            "path": "",
            "sha256": "",
            "value": sol.solver_version,
        },
        {
            "kind": "run",
            "name": "run at (UTC)",
            "path": "",
            "sha256": "",
            "value": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        },
    ]
    for step, secs in result.timings_s.items():
        rows.append(
            {
                "kind": "run",
                "name": f"time {step} s",
                "path": "",
                "sha256": "",
                "value": round(secs, 4),
            }
        )
    return pd.DataFrame(rows, columns=["kind", "name", "path", "sha256", "value"])
