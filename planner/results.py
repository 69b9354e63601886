"""Tidy DataFrames from a solved model (DESIGN.md §5); no file I/O here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.data import fulfilment_score, max_value
from planner.model import LinearModel
from planner.periods import period_word
from planner.solve import Solution
from planner.solve.solution import STAGES_MEANING, STATUS_MEANINGS

MET_TOL = 1e-6
ALLOCATION_COLUMNS = [
    "request_id", "requested_item", "item_id", "sent_as", "donor_id", "offer_id", "corridor_id",
    "dispatch_period", "dispatch_date", "arrival_period", "arrival_date", "quantity", "unit",
    "effective_quantity", "unit_cost_eur", "cost_eur", "weight_t", "late_periods",
]  # fmt: skip
REQUEST_COLUMNS = [
    "request_id", "item_id", "requested_item", "unit", "priority", "quantity", "delivered",
    "unmet", "needed_by", "needed_by_date", "first_arrival", "first_arrival_date",
    "last_arrival", "last_arrival_date", "late_periods", "status", "sent_instead", "reason",
    "reason_detail", "destination", "package",
]  # fmt: skip
# A line's status (DESIGN.md §5): all, part or none of the quantity delivered, on time or late.
STATUSES = ("met", "met late", "partly met", "partly met late", "unmet")
# The three-way grouping of the statuses (what-if comparisons count lines this way).
BROAD_STATUS = {"met late": "met", "partly met late": "partly met"}


@dataclass
class PlanResult:
    """Everything a plan reports: the tables of §5 plus the solution they came from."""

    model: LinearModel
    solution: Solution
    allocations: pd.DataFrame
    requests: pd.DataFrame
    donors: pd.DataFrame
    corridors: pd.DataFrame
    summary: pd.DataFrame  # key, value
    extra_sheets: dict[str, pd.DataFrame] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)  # read, build, solve, extract, ...
    notes: list[str] = field(default_factory=list)  # remarks for the user (printed and in Summary)

    @property
    def fulfilment_score(self) -> float:
        return fulfilment_score(self.model.data, self.solution.value)

    def summary_dict(self) -> dict[str, Any]:
        return dict(zip(self.summary["key"], self.summary["value"], strict=True))


def allocations_table(model: LinearModel, x: np.ndarray) -> pd.DataFrame:
    """One row per variable with x > 0."""
    x = x[: model.n_x]  # shipments (a full solution also holds the usable units U)
    data = model.data
    sel = np.flatnonzero(x > 0)
    v = model.vars.iloc[sel]
    o, r, h = v["o"].to_numpy(), v["r"].to_numpy(), v["h"].to_numpy()
    q = x[sel]
    req, off = data.requests, data.offers
    arrival = v["arrival"].to_numpy()
    s = data.settings
    cost = q * v["cost_unit_eur"].to_numpy()
    dispatch = v["t"].to_numpy()
    requested = req["item_id"].to_numpy()[r]
    sent = off["item_id"].to_numpy()[o]
    names = data.items["name"]
    sent_as = [
        "" if a == b else f"substitute for {names.get(a, a)}"
        for a, b in zip(requested, sent, strict=True)
    ]
    df = pd.DataFrame(
        {
            "request_id": req["request_id"].to_numpy()[r],
            "requested_item": requested,
            "item_id": sent,
            "sent_as": sent_as,
            "donor_id": off["donor_id"].to_numpy()[o],
            "offer_id": off["offer_id"].to_numpy()[o],
            "corridor_id": data.corridors["corridor_id"].to_numpy()[h],
            "dispatch_period": dispatch,
            "dispatch_date": [s.date_of(int(t)) for t in dispatch],
            "arrival_period": arrival,
            "arrival_date": [s.date_of(int(a)) for a in arrival],
            "quantity": q,
            "unit": data.items["unit"].reindex(sent).to_numpy(),
            "effective_quantity": q * v["factor"].to_numpy(),
            "unit_cost_eur": v["cost_unit_eur"].to_numpy(),
            "cost_eur": cost,
            "weight_t": q * v["weight_t"].to_numpy(),
            "late_periods": v["late"].to_numpy(),
        },
        columns=ALLOCATION_COLUMNS,
    )
    return df.reset_index(drop=True)


def line_status(quantity: np.ndarray, delivered: np.ndarray, late: np.ndarray) -> np.ndarray:
    """The status of each line (one of STATUSES): met / partly met / unmet by how much of
    ``quantity`` was ``delivered`` (within MET_TOL), with "late" when any part of it arrives
    after the line's needed-by period (``late`` > 0 periods)."""
    unmet = np.maximum(quantity - delivered, 0.0)
    full = unmet <= MET_TOL * np.maximum(quantity, 1.0)
    some = delivered > MET_TOL
    is_late = late > 0
    return np.select(
        [full & ~is_late, full, some & ~is_late, some],
        ["met", "met late", "partly met", "partly met late"],
        default="unmet",
    )


def count_units(quantity: float) -> str:
    """A quantity as people write it: 1,200 or 12.5 (at most 2 decimals)."""
    if abs(quantity - round(quantity)) < 1e-6:
        return f"{round(quantity):,}"
    return f"{quantity:,.2f}".rstrip("0").rstrip(".")


def sent_instead(model: LinearModel, x: np.ndarray) -> list[str]:
    """Per request line, what was sent in place of the requested item, in words:
    "1,200 NLAW for 600 Javelin" (substitute units sent, then the requested units they cover);
    several substitutes are joined with "; ". Empty where only the requested item was sent."""
    x = x[: model.n_x]  # shipments (a full solution also holds the usable units U)
    data = model.data
    n = len(data.requests)
    out = [""] * n
    v = model.vars
    if not len(v):
        return out
    o, r = v["o"].to_numpy(), v["r"].to_numpy()
    sent = data.offers["item_id"].to_numpy()[o]
    asked = data.requests["item_id"].to_numpy()[r]
    sel = np.flatnonzero((x > MET_TOL) & (sent != asked))
    if not len(sel):
        return out
    part = pd.DataFrame(
        {
            "r": r[sel],
            "item": sent[sel],
            "asked": asked[sel],
            "quantity": x[sel],
            "effective": x[sel] * v["factor"].to_numpy()[sel],
        }
    )
    names = data.items["name"]
    for (line, item, want), g in part.groupby(["r", "item", "asked"], sort=True):
        text = (
            f"{count_units(float(g['quantity'].sum()))} {names.get(item, item)} for "
            f"{count_units(float(g['effective'].sum()))} {names.get(want, want)}"
        )
        i = int(line)  # type: ignore[call-overload]
        out[i] = f"{out[i]}; {text}" if out[i] else text
    return out


def usable_units(model: LinearModel, x: np.ndarray) -> np.ndarray:
    """Usable units by period, array [request line, period − 1] (DESIGN.md §4.1), computed
    from the shipments ``x`` (dispatch columns): for a package line the fewest of its systems
    and of each component's units ÷ ρ_c arrived by then (whole for integer systems); for every
    other line the units arrived by then."""
    v = model.vars
    x = x[: model.n_x]
    return usable_from_arrivals(
        model.data.requests,
        model.data.horizon,
        v["r"].to_numpy(),
        v["arrival"].to_numpy(dtype=int),
        x * v["factor"].to_numpy(dtype=float),
    )


def usable_from_arrivals(
    req: pd.DataFrame, T: int, r: np.ndarray, arrival: np.ndarray, units: np.ndarray
) -> np.ndarray:
    """`usable_units` from effective ``units`` of line ``r`` arriving in ``arrival`` (periods
    after T are dropped): array [request line, period − 1]."""
    n = len(req)
    arrived = np.zeros((n, T))
    keep = arrival <= T
    if keep.any():
        np.add.at(arrived, (r[keep], arrival[keep] - 1), units[keep])
    cum = np.cumsum(arrived, axis=1)
    out = cum.copy()
    of = req["package_of"].to_numpy(dtype=int) if "package_of" in req else np.full(n, -1)
    rho = req["rho"].to_numpy(dtype=float) if "rho" in req else np.zeros(n)
    for c in np.flatnonzero(of >= 0).tolist():
        out[of[c]] = np.minimum(out[of[c]], cum[c] / rho[c])
    if "is_package" in req:
        pk = np.flatnonzero(req["is_package"].to_numpy(dtype=bool) & req["item_integer"])
        out[pk] = np.floor(out[pk] + 1e-6)
    return out


def package_value(req: pd.DataFrame, usable: np.ndarray, late_penalty: float) -> float:
    """Σ over package lines of (W_r / q_r) · Σ_t (U_r,t − U_r,t−1) · (1 − λ · max(0, t − d_r))
    (DESIGN.md §4.1), from ``usable`` as `usable_from_arrivals` gives it."""
    if "is_package" not in req:
        return 0.0
    total = 0.0
    T = usable.shape[1]
    t = np.arange(1, T + 1)
    for p in np.flatnonzero(req["is_package"].to_numpy(dtype=bool)).tolist():
        gain = np.diff(usable[p], prepend=0.0)
        g = 1.0 - late_penalty * np.maximum(0, t - int(req["due"].iat[p]))
        w = float(req["weight_value"].iat[p]) / float(req["quantity"].iat[p])
        total += w * float(gain @ g)
    return total


def usable_units_parts(model: LinearModel, x: np.ndarray) -> np.ndarray:
    """Per line: units arrived by the end of the horizon, component lines divided by ρ."""
    got = model.delivered(x)
    rho = model.data.requests["rho"].to_numpy(dtype=float)
    return np.where(rho > 0, got / np.where(rho > 0, rho, 1.0), got)


def requests_table(model: LinearModel, x: np.ndarray) -> pd.DataFrame:
    """Per request line (columns REQUEST_COLUMNS): the item and its unit, quantity, delivered
    and unmet units, the needed-by period and date (the last day on time), first and last
    arrival period and date, the most periods late, the status (STATUSES), what was sent
    instead (`sent_instead`) and the reason (left empty here; planner.explain fills it)."""
    x = x[: model.n_x]  # shipments (a full solution also holds the usable units U)
    data = model.data
    req = data.requests
    s = data.settings
    v = model.vars
    r = v["r"].to_numpy()
    n = len(req)
    delivered = model.delivered(x)
    pos = x > 0
    arr = v["arrival"].to_numpy().astype(float)
    first = np.full(n, np.inf)
    last = np.full(n, -np.inf)
    late = np.zeros(n)
    if pos.any():
        np.minimum.at(first, r[pos], arr[pos])
        np.maximum.at(last, r[pos], arr[pos])
        np.maximum.at(late, r[pos], v["late"].to_numpy()[pos].astype(float))
    q = req["quantity"].to_numpy(dtype=float)
    kind = [""] * n
    if "is_package" in req and req["is_package"].any():
        # Package lines (DESIGN.md §4.1): delivered = usable units; first and last arrival =
        # when the first and the last usable unit is complete; late by the last one.
        use = usable_units(model, x)
        due = req["due"].to_numpy(dtype=int)
        ids = req["request_id"].to_numpy()
        for p in np.flatnonzero(req["is_package"].to_numpy(dtype=bool)).tolist():
            got = float(use[p, -1])
            delivered[p] = got
            kind[p] = "package: usable units"
            if got > MET_TOL:
                first[p] = 1 + int(np.argmax(use[p] > MET_TOL))
                last[p] = 1 + int(np.argmax(use[p] >= got - 1e-6 * max(1.0, got)))
                late[p] = max(0, int(last[p]) - int(due[p]))
            else:
                first[p], last[p], late[p] = np.inf, -np.inf, 0
        for c in np.flatnonzero(req["package_of"].to_numpy(dtype=int) >= 0).tolist():
            kind[c] = f"component of {ids[int(req['package_of'].iat[c])]}"
    status = line_status(q, delivered, late)
    unmet = np.where(np.isin(status, ("met", "met late")), 0.0, np.maximum(q - delivered, 0.0))

    def periods(values: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.array([None if not np.isfinite(f) else int(f) for f in values], dtype="Int64")

    def dates(values: pd.arrays.IntegerArray, last_day: bool = False) -> list[object]:
        shift = s.period_days - 1 if last_day else 0
        return [
            None if pd.isna(t) else s.date_of(int(t)) + dt.timedelta(days=shift) for t in values
        ]

    first_p, last_p = periods(first), periods(last)
    needed = pd.array(req["needed_by"], dtype="Int64")
    df = pd.DataFrame(
        {
            "request_id": req["request_id"],
            "item_id": req["item_id"],
            "requested_item": req["requested_item"],
            "unit": data.items["unit"].reindex(req["item_id"]).to_numpy(),
            "priority": req["priority"],
            "quantity": q,
            "delivered": delivered,
            "unmet": unmet,
            "needed_by": needed,
            "needed_by_date": dates(needed, last_day=True),
            "first_arrival": first_p,
            "first_arrival_date": dates(first_p),
            "last_arrival": last_p,
            "last_arrival_date": dates(last_p),
            "late_periods": late.astype(int),
            "status": status,
            "sent_instead": sent_instead(model, x),
            "reason": "",
            "reason_detail": "",
            "destination": req["destination"],
            "package": kind,
        },
        columns=REQUEST_COLUMNS,
    )
    return df


def donors_table(model: LinearModel, x: np.ndarray) -> pd.DataFrame:
    """Per donor: budget_eur (NaN = unlimited), spent_eur, budget_used (share), then one
    column ``units_<category>`` per item category the plan sends (units of that category's
    items: counting missiles and shells together is only meaningful within a category), and
    tonnes (weight sent, t)."""
    x = x[: model.n_x]  # shipments (a full solution also holds the usable units U)
    data = model.data
    v = model.vars
    donors = data.donors
    nd = len(donors)
    pos = {d: i for i, d in enumerate(donors["donor_id"])}
    o = v["o"].to_numpy() if len(v) else np.array([], int)
    k = np.array([pos[d] for d in data.offers["donor_id"]], dtype=int)[o]
    spent = (
        np.bincount(k, weights=x * model.cost_eur[: len(x)], minlength=nd)
        if len(k)
        else np.zeros(nd)
    )
    tonnes = (
        np.bincount(k, weights=x * v["weight_t"].to_numpy(), minlength=nd)
        if len(k)
        else np.zeros(nd)
    )
    budget = donors["budget_eur"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        used = np.where(budget > 0, spent / budget, np.nan)
    df = pd.DataFrame(
        {
            "donor_id": donors["donor_id"].to_numpy(),
            "name": donors["name"].to_numpy(),
            "budget_eur": budget,
            "spent_eur": spent,
            "budget_used": used,
        }
    )
    category = data.items["category"].reindex(data.offers["item_id"]).to_numpy()[o]
    for cat in sorted({str(c) for c in category[x > MET_TOL]}) if len(o) else []:
        sel = category == cat
        df[f"units_{cat}"] = np.bincount(k[sel], weights=x[sel], minlength=nd)
    df["tonnes"] = tonnes
    return df


def corridors_table(model: LinearModel, x: np.ndarray) -> pd.DataFrame:
    """Per real corridor and period: corridor_id, mode, period, period_start (date),
    capacity_t, used_t (tonnes dispatched), utilisation (share; empty where the corridor is
    closed) and note ("closed" where capacity is 0)."""
    x = x[: model.n_x]  # shipments (a full solution also holds the usable units U)
    data = model.data
    corr = data.corridors
    real = np.flatnonzero(~corr["virtual"].to_numpy(dtype=bool))
    T = data.horizon
    v = model.vars
    used = np.zeros((len(corr), T))
    if len(v):
        np.add.at(used, (v["h"].to_numpy(), v["t"].to_numpy() - 1), x * v["weight_t"].to_numpy())
    rows = []
    for h in real:
        for t in range(1, T + 1):
            cap = float(data.capacity_t[h, t - 1])
            u = float(used[h, t - 1])
            rows.append(
                {
                    "corridor_id": corr["corridor_id"].iloc[h],
                    "mode": corr["mode"].iloc[h],
                    "period": t,
                    "period_start": data.settings.date_of(t),
                    "capacity_t": cap,
                    "used_t": u,
                    "utilisation": (u / cap) if cap > 0 else (np.nan if u == 0 else np.inf),
                    "note": "closed" if cap <= 0 else "",
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "corridor_id",
            "mode",
            "period",
            "period_start",
            "capacity_t",
            "used_t",
            "utilisation",
            "note",
        ],
    )


PRIORITY_NAMES = {1: "critical", 2: "high", 3: "medium", 4: "low"}


def _euros(eur: float) -> str:
    if abs(eur) >= 1e6:
        return f"€ {eur / 1e6:,.1f} m"
    return f"€ {eur:,.0f}"


def own_lines(requests: pd.DataFrame) -> pd.DataFrame:
    """The Requests table without the component lines of packages (DESIGN.md §4.1: they count
    through their package line), for every count of lines (headline, Summary, console, what-if
    comparison)."""
    if "package" not in requests:
        return requests
    return requests[~requests["package"].astype(str).str.startswith("component of")]


def headline(requests: pd.DataFrame, score: float, cost_eur: float) -> str:
    """One sentence saying what the plan achieves: lines met (on time), met in part, the
    fulfilment score, the cost, and how many critical lines fall short."""
    requests = own_lines(requests)  # component lines count through their package line
    st = requests["status"]
    n = len(requests)
    met = int(st.isin(("met", "met late")).sum())
    on_time = int((st == "met").sum())
    part = int(st.isin(("partly met", "partly met late")).sum())
    short = int(((requests["priority"] == 1) & (st != "met")).sum())
    crit = (
        "every critical line is met on time"
        if short == 0
        else f"{short} critical line{'s' if short != 1 else ''} not met in full and on time"
    )
    return (
        f"The plan meets {met} of {n} request lines in full ({on_time} on time) and "
        f"{part} in part, for a fulfilment score of {score:.1%} at a cost of "
        f"{_euros(cost_eur)}; {crit}."
    )


def summary_table(model: LinearModel, sol: Solution, requests: pd.DataFrame) -> pd.DataFrame:
    """Key figures, columns key, value, meaning (what the figure means, where it needs
    saying): the headline sentence ("plan"), fulfilment score (0..1), value, maximum value,
    status, proven optimal, gap (relative, 0..1), total cost eur, lines by priority and status
    (STATUSES), model size, solve time s, solver, solver version, stages solved."""
    s = model.data.settings
    total_w = max_value(model.data)
    score = fulfilment_score(model.data, sol.value)
    weights = ", ".join(
        f"{p} {PRIORITY_NAMES[p]} = {s.priority_weights[p]:g}" for p in sorted(PRIORITY_NAMES)
    )
    week = period_word(s.period_days)
    lines = own_lines(requests)  # component lines (DESIGN.md §4.1) count through their package
    rows: list[tuple[str, Any, str]] = [
        ("plan", headline(requests, score, sol.cost_eur), ""),
        (
            "fulfilment score",
            score,
            "Value as a share of the maximum value: 100 % means every line met in full and on "
            "time.",
        ),
        (
            "value",
            sol.value,
            f"What the plan maximises: each line's priority weight ({weights}) times the share "
            f"of it delivered, less {s.late_penalty:.0%} of that for every {week} late.",
        ),
        ("maximum value", total_w, "The value if every line were met in full and on time."),
        (
            "status",
            str(sol.status),
            STATUS_MEANINGS.get(sol.status, "").format(mip_gap=f"{s.mip_gap:.2%}"),
        ),
        ("proven optimal", sol.proven_optimal, ""),
        (
            "gap",
            sol.gap,
            "How much more value a better plan could at most have, as proven by the solver "
            "(0 % = this plan is the best possible).",
        ),
        ("total cost eur", sol.cost_eur, "Money the donors spend on the offers sent."),
        ("request lines", len(lines), "Component lines of packages count with their package."),
    ]
    for p in (1, 2, 3, 4):
        sub = lines[lines["priority"] == p]
        for st in STATUSES:
            rows.append((f"priority {p} lines {st}", int((sub["status"] == st).sum()), ""))
    rows += package_summary(model, requests)
    rows += [
        ("variables", model.n_vars, ""),
        ("constraints", model.n_rows, ""),
        ("model type", "MILP" if model.is_mip else "LP", ""),
        ("solve time s", sol.solve_time_s, ""),
        ("solver", sol.solver, ""),
        ("solver version", sol.solver_version, ""),
        ("stages solved", sol.stages_solved, STAGES_MEANING),
    ]
    return pd.DataFrame(rows, columns=["key", "value", "meaning"])


def package_summary(model: LinearModel, requests: pd.DataFrame) -> list[tuple[str, Any, str]]:
    """Summary rows about packages (DESIGN.md §4.1): package lines, packages complete (usable
    units = quantity), complete on time, systems usable of systems requested. Empty when the
    plan has no package line."""
    req = model.data.requests
    if "is_package" not in req or not req["is_package"].any():
        return []
    pk = req["is_package"].to_numpy(dtype=bool)
    lines = requests.iloc[: len(req)][pk]
    st = lines["status"]
    return [
        ("package lines", len(lines), "Systems asked for with their components."),
        (
            "packages complete",
            int(st.isin(("met", "met late")).sum()),
            "Package lines whose every system arrives with all its components.",
        ),
        ("packages complete on time", int((st == "met").sum()), ""),
        (
            "systems usable",
            float(lines["delivered"].sum()),
            f"Of {float(lines['quantity'].sum()):g} systems asked for as packages: the units that"
            " arrive with every component they need.",
        ),
    ]


def fulfilment_table(model: LinearModel, requests: pd.DataFrame) -> pd.DataFrame:
    """Fulfilment by priority, then by item category (the Summary's charts), columns: group
    ("priority" or "category"), name, lines, met (in full, on time or late), fulfilment (share
    of the group's requested units delivered, each line weighted by its priority weight, 0..1).
    """
    data = model.data
    # lines kept with keep_unknown (no catalog item, appended after the model's lines) have
    # no weight in the model and no category: they are not part of these figures
    requests = requests.iloc[: len(data.requests)]
    # component lines of packages (DESIGN.md §4.1) count through their package line
    own = data.requests["package_of"].to_numpy(dtype=int) < 0
    requests = requests[own]
    w = data.requests["weight_value"].to_numpy(dtype=float)[own]
    q = requests["quantity"].to_numpy(dtype=float)
    share = np.minimum(requests["delivered"].to_numpy(dtype=float) / np.maximum(q, 1e-12), 1.0)
    met = requests["status"].isin(("met", "met late")).to_numpy()
    frame = pd.DataFrame(
        {
            "priority": requests["priority"].to_numpy(),
            "category": data.items["category"].reindex(requests["item_id"]).to_numpy(),
            "w": w,
            "ws": w * share,
            "met": met,
        }
    )
    rows = []
    for group in ("priority", "category"):
        for key, g in frame.groupby(group, sort=True):
            name = (
                f"{key} {PRIORITY_NAMES.get(int(key), '')}".strip()  # type: ignore[call-overload]
                if group == "priority"
                else str(key).replace("_", " ")
            )
            total = float(g["w"].sum())
            rows.append(
                {
                    "group": group,
                    "name": name,
                    "lines": len(g),
                    "met": int(g["met"].sum()),
                    "fulfilment": float(g["ws"].sum()) / total if total > 0 else 1.0,
                }
            )
    return pd.DataFrame(rows, columns=["group", "name", "lines", "met", "fulfilment"])


def extract(model: LinearModel, sol: Solution) -> PlanResult:
    """All §5 tables for a solved model."""
    x = sol.x[: model.n_x]  # shipments; the usable units of packages follow them
    req = requests_table(model, x)
    return PlanResult(
        model=model,
        solution=sol,
        allocations=allocations_table(model, x),
        requests=req,
        donors=donors_table(model, x),
        corridors=corridors_table(model, x),
        summary=summary_table(model, sol, req),
    )
