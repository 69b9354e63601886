"""Scenario files (DESIGN.md §2.3): read, check against the catalog, apply to planning data.

Order of capacity rules: base capacity → catalog capacity_changes → scenario corridor scale →
scenario capacity_changes (absolute values, applied last). Budgets: B_k × budget_scale ×
donor_budget_scale[k]. Applying never mutates the base data.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from planner.catalog import Catalog
from planner.data import PlanningData, capacity_table
from planner.errors import Issue, raise_if_errors
from planner.schema import Scenario, Settings


def _loc(err_loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in err_loc)


def read_scenario(path: Path | str, catalog: Catalog) -> Scenario:
    """Parse and check a scenario file; unknown keys, donors and corridors are errors."""
    path = Path(path)
    name = str(path)
    issues: list[Issue] = []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise_if_errors([Issue("missing-file", name, "scenario file not found")])
        raise AssertionError("unreachable") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise_if_errors([Issue("bad-toml", name, f"expected valid TOML: {exc}")])
        raise AssertionError("unreachable") from None
    raw.setdefault("name", path.stem)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            where = _loc(err["loc"])
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            issues.append(Issue("bad-scenario", name, f"{msg}: {where!r}", column=where))
        raise_if_errors(issues)
        raise AssertionError("unreachable") from None
    issues += check_scenario(scenario, catalog, name)
    raise_if_errors(issues)
    return scenario


def check_scenario(scenario: Scenario, catalog: Catalog, name: str) -> list[Issue]:
    """Every id a scenario names must exist; settings must be known and valid."""
    issues: list[Issue] = []
    donors = set(catalog.donors["donor_id"])
    corridors = set(catalog.corridors["corridor_id"])

    def closest(value: str, known: set[str]) -> str:
        import difflib

        near = difflib.get_close_matches(value, sorted(known), n=3)
        return f" (closest: {', '.join(near)})" if near else ""

    for d, scale in scenario.donor_budget_scale.items():
        if d not in donors:
            issues.append(
                Issue(
                    "unknown-donor",
                    name,
                    f"unknown donor {d!r}{closest(d, donors)}",
                    column=f"donor_budget_scale.{d}",
                )
            )
        if not (isinstance(scale, int | float) and scale >= 0):
            issues.append(
                Issue(
                    "bad-scenario",
                    name,
                    f"scale must be ≥ 0, found {scale!r}",
                    column=f"donor_budget_scale.{d}",
                )
            )
    for c, scale in scenario.corridor_capacity_scale.items():
        if c not in corridors:
            issues.append(
                Issue(
                    "unknown-corridor",
                    name,
                    f"unknown corridor {c!r}{closest(c, corridors)}",
                    column=f"corridor_capacity_scale.{c}",
                )
            )
        if not (isinstance(scale, int | float) and scale >= 0):
            issues.append(
                Issue(
                    "bad-scenario",
                    name,
                    f"scale must be ≥ 0, found {scale!r}",
                    column=f"corridor_capacity_scale.{c}",
                )
            )
    for i, ch in enumerate(scenario.capacity_changes, start=1):
        if ch.corridor_id not in corridors:
            issues.append(
                Issue(
                    "unknown-corridor",
                    name,
                    f"unknown corridor {ch.corridor_id!r}{closest(ch.corridor_id, corridors)}",
                    column=f"capacity_changes[{i}].corridor_id",
                )
            )
    for d in scenario.settings.get("exclude_donors", []) or []:  # type: ignore[attr-defined]
        if d not in donors:
            issues.append(
                Issue(
                    "unknown-donor",
                    name,
                    f"unknown donor {d!r}{closest(d, donors)}",
                    column="settings.exclude_donors",
                )
            )
    try:
        Settings.model_validate({**catalog.planning, **scenario.settings})
    except ValidationError as exc:
        for err in exc.errors():
            where = _loc(err["loc"])
            msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
            issues.append(
                Issue("bad-scenario", name, f"{msg}: {where!r}", column=f"settings.{where}")
            )
    return issues


def apply_to_data(data: PlanningData, scenario: Scenario, catalog: Catalog) -> PlanningData:
    """Budgets and corridor capacities of ``scenario`` applied to ``data`` (a new object).

    Settings and excluded donors must already be in ``data`` (they change the model's shape;
    see `scenario_settings`).
    """
    donors = data.donors.copy()
    scale = np.array(
        [
            scenario.budget_scale * float(scenario.donor_budget_scale.get(d, 1.0))
            for d in donors["donor_id"]
        ]
    )
    donors["budget_eur"] = donors["budget_eur"].to_numpy(dtype=float) * scale
    corr = data.corridors
    cap = data.capacity_t.copy()
    for i, cid in enumerate(corr["corridor_id"]):
        if cid in scenario.corridor_capacity_scale:
            cap[i, :] *= float(scenario.corridor_capacity_scale[cid])
    if scenario.capacity_changes:
        import pandas as pd

        changes = pd.DataFrame([c.model_dump() for c in scenario.capacity_changes])
        absolute = capacity_table(corr, changes, data.horizon)
        touched = capacity_table(corr.assign(capacity_t=np.nan), changes, data.horizon)
        cap = np.where(np.isnan(touched), cap, absolute)
    return data.with_(donors=donors, capacity_t=cap)


def scenario_settings(base: Settings, scenario: Scenario | None) -> Settings:
    """Settings with the scenario's [settings] table applied (validated again)."""
    if scenario is None or not scenario.settings:
        return base
    merged = {**base.model_dump(), **scenario.settings}
    if "exclude_donors" in scenario.settings:
        merged["exclude_donors"] = tuple(scenario.settings["exclude_donors"])  # type: ignore[arg-type]
    return Settings.model_validate(merged)
