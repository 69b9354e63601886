"""Re-planning against a previous plan (DESIGN.md §7): keep what is already moving.

`aidplan plan … --previous PLAN.xlsx --as-of DATE|WEEK [--freeze-weeks N]`:

- the previous plan (planner.io.previous_plan) is an input of the run: listed in
  ``PlanInputs.files`` as ``previous plan`` (so the output-path check sees it) and its Inputs
  sheet compared with this run (`compare_inputs`): a changed start, period length or horizon is
  an error [replan-settings]; any other changed setting or input file is a warning
  [input-changed] in ``PlanInputs.warnings``;
- allocations dispatched before week ``as_of``, and those in the ``freeze_weeks`` weeks from it,
  are frozen (`frozen_mask`): their model columns are held at the previous units, so they use
  stock, rate, budget and corridor capacity as they did. The weeks before ``as_of`` have
  happened: no new dispatch is planned in them (in the frozen weeks from ``as_of`` on, new
  dispatches may be added beside the frozen ones). A frozen allocation whose offer,
  request or corridor is gone is an error naming it [frozen-missing]; one whose column no longer
  exists (the offer is not ready yet, its donor may no longer use the corridor, it would arrive
  outside the request's window or the horizon) is an error [frozen-not-allowed]; frozen
  allocations that alone break a constraint of this run (a stock, budget or capacity now below
  what was already sent) are an error naming the constraint [frozen-exceeds];
- every other allocation of the previous plan is a target of the stability stage
  (planner.solve.session, DESIGN.md §4 stage 3): among value-optimal plans, the one that moves
  the fewest previous units;
- the plan gets a Changes sheet (`add_changes`): planner.changes.plan_changes of the previous
  workbook against the new plan, the same table as ``aidplan diff``.

The command checks ``--out`` against the previous plan before anything is read
(planner.io.output_paths.check_outputs): a re-plan never overwrites its previous plan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.api import (
    PlanInputs,
    add_unknown_lines,
    planning_data,
    sha256_of,
    solve_and_report,
)
from planner.changes import PlanTables, changes_summary, plan_changes
from planner.errors import InputError, Issue, raise_if_errors
from planner.io.previous_plan import PlanWorkbook, normalise
from planner.model import LinearModel, StabilityTarget, build_model
from planner.model.rows import POSITION_COLUMNS
from planner.periods import parse_time, to_period
from planner.results import PlanResult
from planner.schema import Settings

PREVIOUS_ROLE = "previous plan"
"""The role of the previous plan in PlanInputs.files and on the Inputs sheet."""
LOCKED_SETTINGS = ("start", "period_days", "horizon")
"""Settings a re-plan must share with its previous plan: they define what a week is."""
FAMILY_UNITS = {"corridor_capacity": " t", "donor_budget": " EUR"}
"""The unit after a number of a family's row in messages (units of items need none)."""
FAMILY_WORDS = {
    "request_demand": "the quantity of request",
    "offer_stock": "the stock of offer",
    "offer_rate": "the rate per week of offer",
    "donor_budget": "the budget of donor",
    "corridor_capacity": "the capacity of corridor",
}


@dataclasses.dataclass(frozen=True)
class Replan:
    """What a re-plan is made against: the previous plan, week ``as_of`` and frozen weeks."""

    previous: PlanWorkbook
    as_of: int
    freeze_weeks: int = 0

    @property
    def frozen_until(self) -> int:
        """Allocations dispatched in a week before this one are frozen."""
        return self.as_of + self.freeze_weeks


def parse_as_of(text: str, settings: Settings) -> int:
    """``--as-of``: a date (YYYY-MM-DD) or a plan week (``W3``, ``week 3``, ``3``) -> a week.

    Raises InputError [bad-option] for anything else, a date before the plan's start or a week
    after the horizon.
    """
    try:
        parsed = parse_time(text)
    except ValueError as exc:
        raise InputError([Issue("bad-option", "--as-of", f"{exc}, found {text!r}")]) from None
    if parsed is None:
        raise InputError([Issue("bad-option", "--as-of", "expected a date or a plan week")])
    if isinstance(parsed, dt.date) and parsed < settings.start:
        # to_period would take it for week 1: a mistyped year would silently un-freeze every
        # dispatch that has happened.
        raise InputError(
            [
                Issue(
                    "bad-option",
                    "--as-of",
                    f"{text} is before the plan's start ({settings.start.isoformat()}, week 1)",
                )
            ]
        )
    week = to_period(parsed, settings.start, settings.period_days)
    if week > settings.horizon:
        raise InputError(
            [
                Issue(
                    "bad-option",
                    "--as-of",
                    f"{text} is week {week}, after the horizon of {settings.horizon} weeks",
                )
            ]
        )
    return week


def frozen_mask(allocations: pd.DataFrame, frozen_until: int) -> np.ndarray:
    """True for the allocations dispatched before week ``frozen_until`` (as-of + freeze weeks)."""
    return allocations["dispatch_period"].to_numpy(dtype=int) < frozen_until


def _setting_text(value: object) -> str:
    """A setting as the Inputs sheet writes it (planner.api.inputs_table)."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v:g}" for k, v in value.items())
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _same(old: object, new: object) -> bool:
    """Equal as the user reads them: numbers by value, dates by day, text by its words."""
    if isinstance(old, dt.datetime):
        old = old.date()
    if isinstance(new, dt.date) and isinstance(old, str):
        try:
            old = dt.date.fromisoformat(old.strip()[:10])
        except ValueError:
            return False
    if isinstance(old, dt.date) or isinstance(new, dt.date):
        return old == new
    try:
        a, b = float(str(old)), float(str(new))
        return math.isclose(a, b, rel_tol=1e-12) or (math.isnan(a) and math.isnan(b))
    except ValueError:
        return normalise(_setting_text(old)) == normalise(_setting_text(new))


def compare_inputs(previous: PlanWorkbook, inputs: PlanInputs) -> list[Issue]:
    """The previous plan's Inputs sheet against this run.

    Returns errors [replan-settings] for a changed or missing start, period length or horizon,
    and warnings [input-changed] for every other setting and input file that differs (a file
    by its sha256), each at its row of the previous plan's Inputs sheet.
    """
    issues: list[Issue] = []
    sheet = "Inputs"
    settings = inputs.settings.model_dump()
    for key in LOCKED_SETTINGS:
        old, row = previous.setting(key)
        new = settings[key]
        if old is None:
            issues.append(
                Issue(
                    "replan-settings",
                    previous.display,
                    f"expected the setting {key} in the previous plan's Inputs sheet, found none",
                    sheet=sheet,
                )
            )
        elif not _same(old, new):
            issues.append(
                Issue(
                    "replan-settings",
                    previous.display,
                    f"the previous plan has {key} = {_setting_text(old)}, this run"
                    f" {_setting_text(new)}: a re-plan needs the same start, period length and"
                    " horizon, so that its weeks are the previous plan's weeks",
                    sheet=sheet,
                    row=row,
                )
            )
    locked = {n for k in LOCKED_SETTINGS for n in (normalise(k),)}
    inp = previous.inputs
    for rec in inp.itertuples(index=False):
        kind, name = normalise(rec.kind), str(rec.name)
        if kind != "setting" or normalise(name) in locked:
            continue
        key = name if name in settings else name.replace(" ", "_")
        if key in LOCKED_SETTINGS or key not in settings:
            continue
        if not _same(rec.value, _setting_text(settings[key])):
            issues.append(
                Issue(
                    "input-changed",
                    previous.display,
                    f"setting {key}: {_setting_text(rec.value) or '(empty)'} in the previous"
                    f" plan, {_setting_text(settings[key]) or '(empty)'} now",
                    sheet=sheet,
                    row=int(rec.row),
                    severity="warning",
                )
            )
    old_files = {
        (normalise(r.kind), str(r.name)): (str(r.sha256), int(r.row))
        for r in inp.itertuples(index=False)
        if normalise(r.kind) in ("catalog", "requests", "scenario") and (r.sha256 or r.path)
    }  # a file has a path and a hash; the row (scenario, name) holds the scenario's name
    new_files = {(normalise(role), p.name): p for role, p in inputs.files if role != PREVIOUS_ROLE}
    for role in sorted({k[0] for k in old_files} | {k[0] for k in new_files}):
        olds = sorted(k for k in old_files if k[0] == role)
        news = sorted(k for k in new_files if k[0] == role)
        if len(olds) == 1 and len(news) == 1 and olds != news:
            # one request workbook (or scenario) each: the same input, renamed
            (_, old_name), (_, new_name) = olds[0], news[0]
            issues.append(
                Issue(
                    "input-changed",
                    previous.display,
                    f"{role} file {old_name} in the previous plan, {new_name} now",
                    sheet=sheet,
                    row=old_files[olds[0]][1],
                    severity="warning",
                )
            )
            continue
        for file_key in olds:
            sha, row = old_files[file_key]
            found = new_files.get(file_key)
            if found is None:
                what = "is not an input of this run"
            elif sha and sha != sha256_of(found):
                what = "has changed since the previous plan"
            else:
                continue
            issues.append(
                Issue(
                    "input-changed",
                    previous.display,
                    f"{role} file {file_key[1]} {what}",
                    sheet=sheet,
                    row=row,
                    severity="warning",
                )
            )
        for file_key in news:
            if file_key not in old_files:
                issues.append(
                    Issue(
                        "input-changed",
                        previous.display,
                        f"{role} file {file_key[1]} ({new_files[file_key]}) was not an input of"
                        " the previous plan",
                        sheet=sheet,
                        severity="warning",
                    )
                )
    return issues


def with_previous(inputs: PlanInputs, previous: PlanWorkbook) -> PlanInputs:
    """``inputs`` with the previous plan as one more input file (role ``previous plan``) and the
    differences of `compare_inputs` among its warnings. Raises InputError on a locked setting."""
    issues = compare_inputs(previous, inputs)
    raise_if_errors(issues)
    return dataclasses.replace(
        inputs,
        files=(*inputs.files, (PREVIOUS_ROLE, previous.path)),
        extra_warnings=(*inputs.extra_warnings, *issues),
    )


def _positions(ids: pd.Series) -> dict[str, int]:
    return {str(v): i for i, v in enumerate(ids)}


def stability_target(model: LinearModel, replan: Replan) -> StabilityTarget:
    """Map the previous plan's allocations onto ``model``'s columns.

    Returns previous units per column (every allocation that still has a column) and the mask of
    fixed columns: the frozen allocations, and every column dispatched before week ``as_of``
    (the past: nothing new is sent in it, so those columns are fixed at 0).

    Raises InputError [frozen-missing], [frozen-not-allowed] or [frozen-exceeds] (see the module
    docstring), naming each frozen allocation at its row of the Allocations sheet.
    """
    data, prev = model.data, replan.previous
    alloc = prev.allocations
    # Dispatch columns are the first n = n_x; a package's usable units U (DESIGN.md §4.1) follow
    # and are never kept nor fixed: they follow from the dispatches.
    n = model.n_x
    previous = np.zeros(model.n_vars)
    # The weeks before as-of have happened: nothing new is dispatched in them (their columns
    # are fixed at the previous plan's units, 0 where it sent nothing).
    fixed = np.zeros(model.n_vars, dtype=bool)
    fixed[:n] = model.vars["t"].to_numpy(dtype=int) < replan.as_of
    if not len(alloc):
        return StabilityTarget(previous, fixed)
    offers = _positions(data.offers["offer_id"])
    requests = _positions(data.requests["request_id"])
    corridors = _positions(data.corridors["corridor_id"])
    o = np.array([offers.get(str(v), -1) for v in alloc["offer_id"]])
    r = np.array([requests.get(str(v), -1) for v in alloc["request_id"]])
    h = np.array([corridors.get(str(v), -1) for v in alloc["corridor_id"]])
    t = alloc["dispatch_period"].to_numpy(dtype=np.int64)
    frozen = frozen_mask(alloc, replan.frozen_until)
    R, H, T1 = len(data.requests) + 1, len(data.corridors) + 1, data.horizon + 2
    v = model.vars

    def key(oo: np.ndarray, rr: np.ndarray, hh: np.ndarray, tt: np.ndarray) -> np.ndarray:
        tt = np.clip(tt, 0, T1 - 1)
        return ((oo.astype(np.int64) * R + rr) * H + hh) * T1 + tt

    col_keys = key(v["o"].to_numpy(), v["r"].to_numpy(), v["h"].to_numpy(), v["t"].to_numpy())
    order = np.argsort(col_keys, kind="stable")
    known = (o >= 0) & (r >= 0) & (h >= 0)
    want = key(o, r, h, t)
    at = np.searchsorted(col_keys[order], want)
    at = np.minimum(at, max(n - 1, 0))
    found = known & (n > 0)
    if n:
        found &= col_keys[order][at] == want
    col = np.where(found, order[at] if n else -1, -1)
    issues: list[Issue] = []
    qty = alloc["quantity"].to_numpy(dtype=float)
    for i in np.flatnonzero(frozen & ~found):
        a = alloc.iloc[i]
        what = (
            f"frozen allocation of {qty[i]:g} units of offer {a.offer_id} for request"
            f" {a.request_id} via {a.corridor_id} in week {int(a.dispatch_period)}"
        )
        gone = [
            f"{kind} {a[f'{kind}_id']} is no longer in this run's "
            + ("catalog" if kind != "request" else "requests")
            for kind, pos in (("offer", o[i]), ("request", r[i]), ("corridor", h[i]))
            if pos < 0
        ]
        if gone:
            msg, code = f"{what}: {'; '.join(gone)}", "frozen-missing"
        else:
            msg = (
                f"{what} is no longer possible in this run (the offer is not ready by then, its"
                " donor may no longer use the corridor, or it would arrive outside the"
                " request's window or the horizon)"
            )
            code = "frozen-not-allowed"
        issues.append(Issue(code, prev.display, msg, sheet="Allocations", row=int(a.row)))
    raise_if_errors(issues)
    np.add.at(previous, col[found], qty[found])
    fixed[col[found & frozen]] = True
    target = StabilityTarget(previous, fixed)
    raise_if_errors(frozen_excess(model, target, prev.display))
    return target


def frozen_excess(model: LinearModel, target: StabilityTarget, display: str) -> list[Issue]:
    """[frozen-exceeds] for every constraint row the frozen allocations alone break."""
    xf = np.where(target.fixed, target.previous, 0.0)
    issues = []
    for b in model.blocks:
        if not b.n_rows or not xf.any():
            continue
        lhs = b.activity(xf)
        over = np.flatnonzero(lhs > b.upper + 1e-6 * np.maximum(1.0, np.abs(b.upper)))
        if not len(over):
            continue
        cols = [c for c in b.labels.columns if c not in POSITION_COLUMNS]
        unit = FAMILY_UNITS.get(b.family, "")
        for i in over.tolist():
            label = b.labels.iloc[i]
            ident = " ".join(
                f"in week {label[c]}" if c == "period" else str(label[c]) for c in cols
            )
            issues.append(
                Issue(
                    "frozen-exceeds",
                    display,
                    f"the frozen allocations alone need {lhs[i]:,.6g}{unit} of"
                    f" {FAMILY_WORDS.get(b.family, b.family)} {ident}, but this run allows"
                    f" {b.upper[i]:,.6g}{unit}: they were dispatched before --as-of or are"
                    " promised in the --freeze-weeks weeks, so the new inputs cannot hold them;"
                    " freeze fewer weeks, or change the input that lowered this limit",
                    sheet="Allocations",
                )
            )
    return issues


def run_replan(inputs: PlanInputs, replan: Replan) -> PlanResult:
    """planner.api.run_plan with the previous plan's frozen columns and the stability stage
    (``model.stability``, planner.model.stability). Raises InputError as `stability_target`."""
    t0 = time.perf_counter()
    data = planning_data(inputs)
    model = build_model(data)
    model.stability = stability_target(model, replan)
    t1 = time.perf_counter()
    result = solve_and_report(model, inputs.settings)
    result.timings_s.update(read=inputs.read_time_s, build=t1 - t0)
    if result.solution.usable:
        add_unknown_lines(result, inputs.requests.unknown)
    frozen = int((model.stability.fixed & (model.stability.previous > 0)).sum())
    kept = model.stability.kept_cols
    result.notes.append(
        f"Re-planned against {replan.previous.display} as of week {replan.as_of}"
        + (f" with {replan.freeze_weeks} frozen week(s)" if replan.freeze_weeks else "")
        + f": {frozen} allocation(s) frozen, {len(kept)} more preferred by the stability stage."
    )
    return result


def add_changes(result: PlanResult, replan: Replan) -> pd.DataFrame:
    """Add the Changes sheet (planner.changes.plan_changes of the previous plan against
    ``result``, the table ``aidplan diff`` shows) to ``result.extra_sheets`` and a one-line
    note; returns the table."""
    changes = plan_changes(PlanTables.of_workbook(replan.previous), PlanTables.of_result(result))
    result.extra_sheets["Changes"] = changes
    result.notes.append(f"Changes from the previous plan: {changes_summary(changes)}.")
    return changes


def replan_settings(replan: Replan) -> pd.DataFrame:
    """Rows for the Inputs sheet (kind, name, path, sha256, value): as-of week and frozen
    weeks."""
    rows: list[dict[str, Any]] = [
        {"kind": "replan", "name": name, "path": "", "sha256": "", "value": value}
        for name, value in (("as of week", replan.as_of), ("freeze weeks", replan.freeze_weeks))
    ]
    return pd.DataFrame(rows, columns=["kind", "name", "path", "sha256", "value"])


def load_previous(path: Path | str) -> PlanWorkbook:
    """planner.io.previous_plan.read_plan_workbook (re-exported for the command)."""
    from planner.io.previous_plan import read_plan_workbook

    return read_plan_workbook(path)


def prepare_replan(
    inputs: PlanInputs, previous: Path, as_of: str, freeze_weeks: int = 0
) -> tuple[PlanInputs, Replan]:
    """Read the previous plan, compare its inputs with this run.

    Raises InputError [bad-option] for an ``as_of`` that is no date or week of the plan or a
    negative ``freeze_weeks``, and the errors of planner.io.previous_plan.read_plan_workbook
    and `compare_inputs`.
    """
    if freeze_weeks < 0:
        raise InputError(
            [Issue("bad-option", "--freeze-weeks", f"expected 0 or more, found {freeze_weeks}")]
        )
    week = parse_as_of(as_of, inputs.settings)
    book = load_previous(previous)
    return with_previous(inputs, book), Replan(book, week, freeze_weeks)
