"""Scenario files (DESIGN.md §2.3): read, check against the catalog, apply to planning data.

Order of capacity rules: base capacity → catalog capacity_changes → scenario corridor scale →
scenario capacity_changes (absolute values, applied last). Budgets: B_k × budget_scale ×
donor_budget_scale[k]; an unlimited budget (NaN) stays unlimited whatever the scale. Applying
never mutates the base data.

Every problem of a scenario file is collected and reported with the file and the key, e.g.
``scenarios/cut.toml › donor_budget_scale.usaa: unknown donor 'usaa' (closest: usa)``.
Codes: those of planner.io.input_files (``missing-file``, ``not-a-file``, ``symlink-loop``,
``unreadable``, ``file-too-large``), ``bad-toml``, ``unknown-key``, ``unknown-setting``,
``unknown-donor``, ``unknown-corridor``, ``bad-scenario`` (a value of the wrong kind or range).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from planner.catalog import Catalog
from planner.data import PlanningData, capacity_table
from planner.errors import Issue, raise_if_errors
from planner.io.input_files import read_toml
from planner.names import closest_names
from planner.schema import CapacityChangeRow, Scenario, Settings

SCENARIO_KEYS = tuple(Scenario.model_fields)
SETTING_KEYS = tuple(Settings.model_fields)
CAPACITY_CHANGE_KEYS = tuple(CapacityChangeRow.model_fields)


def _loc(err_loc: Iterable[Any]) -> str:
    """A pydantic error location as a TOML key path: ``capacity_changes[2].capacity_t``."""
    out = ""
    for part in err_loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def closest(value: str, known: Iterable[str]) -> str:
    """`` (closest: a, b)`` for the known names nearest ``value``, or ``""``."""
    near = closest_names(str(value), sorted(known))
    return f" (closest: {', '.join(near)})" if near else ""


def _known_keys_at(loc: tuple[Any, ...]) -> tuple[str, ...]:
    """The keys allowed where an unknown key ``loc`` was found."""
    if len(loc) >= 3 and loc[0] == "capacity_changes":
        return CAPACITY_CHANGE_KEYS
    if len(loc) >= 2 and loc[0] == "settings":
        return SETTING_KEYS
    return SCENARIO_KEYS


PLAIN_ERRORS = {
    "missing": "required key missing",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": 'expected text in quotes, e.g. "uk"',
    "date_parsing": "expected a date, e.g. 2022-03-07",
    "date_from_datetime_parsing": "expected a date, e.g. 2022-03-07",
    "tuple_type": 'expected a list, e.g. ["a", "b"]',
    "list_type": 'expected a list, e.g. ["a", "b"]',
}
"""pydantic's error types in the words of a scenario file's reader; any other keeps pydantic's
message."""


def _validation_issues(exc: ValidationError, name: str, prefix: str = "") -> list[Issue]:
    """One issue per pydantic error, naming the key (and the closest known key for a typo)."""
    issues: list[Issue] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = (prefix + _loc(loc)) if loc else (prefix.rstrip(".") or "(file)")
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            if prefix:
                code, what, known = "unknown-setting", "unknown setting", SETTING_KEYS
            else:
                code, what, known = "unknown-key", "unknown key", _known_keys_at(loc)
            msg = f"{what} {key!r}{closest(key, known)}"
        else:
            code = "bad-scenario"
            found = err.get("input")
            shown = "" if isinstance(found, dict | list) else f", found {found!r}"
            text = PLAIN_ERRORS.get(err["type"], str(err["msg"]).removeprefix("Value error, "))
            if err["type"] == "missing":
                shown = ""  # pydantic's input is the whole table the key is missing from
            msg = f"{text}{shown}"
        issues.append(Issue(code, name, msg, column=where))
    return issues


def read_scenario(path: Path | str, catalog: Catalog) -> Scenario:
    """Parse and check a scenario file; unknown keys, donors and corridors are errors.

    Raises planner.errors.InputError listing every problem of the file.
    """
    path = Path(path)
    name = str(path)
    if not os.path.lexists(path):
        raise_if_errors([Issue("missing-file", name, "scenario file not found")])
    raw = read_toml(path, name, "scenario file (.toml)")
    raw.setdefault("name", path.stem)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        issues = _validation_issues(exc, name)
        # Check the ids of the parts that did parse too, so every problem is reported at once.
        bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
        try:
            rest = Scenario.model_validate({k: v for k, v in raw.items() if k not in bad})
        except ValidationError:
            pass
        else:
            issues += check_scenario(rest, catalog, name)
        raise_if_errors(issues)
        raise AssertionError("unreachable") from None
    raise_if_errors(check_scenario(scenario, catalog, name))
    return scenario


def _check_scale(table: str, key: str, scale: object, name: str) -> list[Issue]:
    if isinstance(scale, int | float) and math.isfinite(scale) and scale >= 0:
        return []
    return [
        Issue(
            "bad-scenario",
            name,
            f"expected a finite scale ≥ 0, found {scale!r}",
            column=f"{table}.{key}",
        )
    ]


def check_scenario(scenario: Scenario, catalog: Catalog, name: str) -> list[Issue]:
    """Every id a scenario names must exist; settings must be known and valid."""
    issues: list[Issue] = []
    donors = set(catalog.donors["donor_id"])
    corridors = set(catalog.corridors["corridor_id"])

    for d, scale in scenario.donor_budget_scale.items():
        where = f"donor_budget_scale.{d}"
        if d not in donors:
            msg = f"unknown donor {d!r}{closest(d, donors)}"
            issues.append(Issue("unknown-donor", name, msg, column=where))
        issues += _check_scale("donor_budget_scale", d, scale, name)
    for c, scale in scenario.corridor_capacity_scale.items():
        where = f"corridor_capacity_scale.{c}"
        if c not in corridors:
            msg = f"unknown corridor {c!r}{closest(c, corridors)}"
            issues.append(Issue("unknown-corridor", name, msg, column=where))
        issues += _check_scale("corridor_capacity_scale", c, scale, name)
    for i, ch in enumerate(scenario.capacity_changes, start=1):
        if ch.corridor_id not in corridors:
            msg = f"unknown corridor {ch.corridor_id!r}{closest(ch.corridor_id, corridors)}"
            issues.append(
                Issue("unknown-corridor", name, msg, column=f"capacity_changes[{i}].corridor_id")
            )
    excluded = scenario.settings.get("exclude_donors", [])
    if isinstance(excluded, list | tuple):
        for d in excluded:
            if str(d) not in donors:
                msg = f"unknown donor {d!r}{closest(str(d), donors)}"
                issues.append(Issue("unknown-donor", name, msg, column="settings.exclude_donors"))
    try:
        Settings.model_validate({**catalog.planning, **scenario.settings})
    except ValidationError as exc:
        issues += _validation_issues(exc, name, prefix="settings.")
    return issues


def apply_to_data(
    data: PlanningData, scenario: Scenario, catalog: Catalog | None = None
) -> PlanningData:
    """Budgets and corridor capacities of ``scenario`` applied to ``data`` (a new object).

    Settings and excluded donors must already be in ``data`` (they change the model's shape;
    see `scenario_settings`). ``catalog`` is not needed and kept for compatibility.
    """
    donors = data.donors.copy()
    scale = np.array(
        [
            scenario.budget_scale * float(scenario.donor_budget_scale.get(d, 1.0))
            for d in donors["donor_id"]
        ],
        dtype=float,
    )
    donors["budget_eur"] = donors["budget_eur"].to_numpy(dtype=float) * scale
    corr = data.corridors
    cap = data.capacity_t.copy()
    for i, cid in enumerate(corr["corridor_id"]):
        if cid in scenario.corridor_capacity_scale:
            cap[i, :] *= float(scenario.corridor_capacity_scale[cid])
    if scenario.capacity_changes:
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
