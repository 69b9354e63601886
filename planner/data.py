"""PlanningData: indexed input tables and the sparse table of allowed dispatches (DESIGN.md §4).

Everything here is derived from a Catalog, a request table and Settings; nothing is solved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner.catalog import Catalog
from planner.periods import to_period
from planner.schema import FIRM_STATUSES, Settings

VIRTUAL_CORRIDOR = "(no corridor)"
"""Items that weigh nothing (services, aircraft that fly themselves) use this corridor: τ = 0,
no capacity limit."""


@dataclass(frozen=True)
class PlanningData:
    """Tables the model is built from; row positions are the model's indices.

    requests: request table (planner.requests.REQUEST_COLUMNS) + due, weight_value,
        item_integer, and the package columns of DESIGN.md §4.1: is_package (a system line
        whose value comes from its usable units), package_of (position of the package line a
        component line belongs to, -1 for other lines), rho (component units per system unit,
        0 for other lines). Component lines follow their package line, with id
        ``<request_id>/<item_id>``, quantity ρ_c · q, weight_value 0.
    offers: catalog offers of donors not excluded + ready (first dispatch period)
    donors: donor_id, name, budget_eur (scaled; NaN = unlimited), corridors
    corridors: real corridors + the virtual one (last row; virtual = True)
    capacity_t: array [corridor, period-1] of tonnes per period after changes (inf for virtual)
    """

    settings: Settings
    items: pd.DataFrame
    requests: pd.DataFrame
    offers: pd.DataFrame
    donors: pd.DataFrame
    corridors: pd.DataFrame
    capacity_t: np.ndarray
    substitutes: pd.DataFrame

    @property
    def horizon(self) -> int:
        return self.settings.horizon

    def with_(self, **changes: object) -> PlanningData:
        """A copy with some tables replaced (the base case is never mutated)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def capacity_table(corridors: pd.DataFrame, changes: pd.DataFrame, horizon: int) -> np.ndarray:
    """Capacity per corridor and period: the base capacity_t overridden by each change in order."""
    cap = np.repeat(corridors["capacity_t"].to_numpy(dtype=float)[:, None], horizon, axis=1)
    pos = {cid: i for i, cid in enumerate(corridors["corridor_id"])}
    for ch in changes.itertuples(index=False):
        i = pos.get(str(ch.corridor_id))
        if i is None:
            continue
        lo, hi = int(ch.from_period), min(int(ch.to_period), horizon)
        if lo <= hi:
            cap[i, lo - 1 : hi] = float(ch.capacity_t)
    return cap


def expand_packages(requests: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Each package line followed by one component line per required item (DESIGN.md §4.1).

    A line is a package when its item has components (Catalog.components) and its
    ``package`` column is true (the default). A component line copies the package line's
    priority, earliest, needed_by, destination, sheet and row; its id is
    ``<request_id>/<item_id>``, its quantity ρ_c · q_r. Adds is_package, package_of, rho.
    """
    if "package_of" in requests:  # already expanded (a planning data's own table): again
        keep = requests["package_of"].to_numpy(dtype=np.int64) < 0
        requests = requests[keep].drop(columns=["is_package", "package_of", "rho"])
        requests = requests.reset_index(drop=True)
    comps = catalog.components()
    asked = (
        requests["package"].to_numpy(dtype=bool)
        if "package" in requests
        else np.ones(len(requests), dtype=bool)
    )
    rows: list[dict[str, object]] = []
    for pos, line in enumerate(requests.to_dict("records")):
        parts = comps.get(str(line["item_id"]), ()) if asked[pos] else ()
        parent = len(rows)
        rows.append({**line, "is_package": bool(parts), "package_of": -1, "rho": 0.0})
        for item, rho in parts:
            rows.append(
                {
                    **line,
                    "request_id": f"{line['request_id']}/{item}",
                    "item_id": item,
                    "requested_item": item,
                    "quantity": float(line["quantity"]) * rho,
                    "notes": "",
                    "package": False,
                    "is_package": False,
                    "package_of": parent,
                    "rho": float(rho),
                }
            )
    out = pd.DataFrame(rows, columns=[*requests.columns, "is_package", "package_of", "rho"])
    for col in requests.columns:
        out[col] = out[col].astype(requests[col].dtype)
    out["is_package"] = out["is_package"].astype(bool)
    out["package_of"] = out["package_of"].astype(np.int64)
    out["rho"] = out["rho"].astype(float)
    return out


def build_planning_data(
    catalog: Catalog, requests: pd.DataFrame, settings: Settings
) -> PlanningData:
    """Combine catalog, requests and settings into model-ready tables."""
    items = catalog.items.set_index("item_id", drop=False)
    T = settings.horizon

    req = expand_packages(requests.reset_index(drop=True), catalog)
    req["due"] = [T if pd.isna(d) else min(int(d), T) for d in req["needed_by"]]
    weights = settings.priority_weights
    w = np.array([float(weights[int(p)]) for p in req["priority"]], dtype=float)
    w[req["package_of"].to_numpy(dtype=np.int64) >= 0] = 0.0  # components carry no value
    req["weight_value"] = w
    req["item_integer"] = items.loc[req["item_id"], "integer"].to_numpy(dtype=bool)

    excluded = set(settings.exclude_donors)
    keep = ~catalog.offers["donor_id"].isin(excluded)
    if settings.pledges == "firm" and "status" in catalog.offers:
        keep &= catalog.offers["status"].isin(FIRM_STATUSES)
    offers = catalog.offers[keep].reset_index(drop=True)
    offers = offers.copy()
    avail = [
        1 if v is None else to_period(v, settings.start, settings.period_days)
        for v in offers["available_from"]
    ]
    offers["ready"] = np.asarray(avail, dtype=int) + offers["lead_periods"].to_numpy(dtype=int)
    offers["unit_weight_t"] = items.loc[offers["item_id"], "unit_weight_t"].to_numpy(dtype=float)
    offers["integer"] = items.loc[offers["item_id"], "integer"].to_numpy(dtype=bool)

    donors = catalog.donors[~catalog.donors["donor_id"].isin(excluded)].reset_index(drop=True)

    corridors = catalog.corridors.copy()
    corridors["virtual"] = False
    virtual = pd.DataFrame(
        [
            {
                "corridor_id": VIRTUAL_CORRIDOR,
                "name": "delivered without a corridor (zero weight)",
                "mode": "none",
                "capacity_t": np.inf,
                "transit_periods": 0,
                "virtual": True,
            }
        ]
    )
    corridors = pd.concat([corridors, virtual], ignore_index=True)
    cap = capacity_table(corridors, catalog.capacity_changes, T)

    return PlanningData(
        settings=settings,
        items=items,
        requests=req,
        offers=offers,
        donors=donors,
        corridors=corridors,
        capacity_t=cap,
        substitutes=catalog.substitutes.copy(),
    )


def compatible_pairs(data: PlanningData) -> pd.DataFrame:
    """(o, r, factor) for every offer that can serve a request: same item, or a substitute."""
    req = pd.DataFrame({"r": np.arange(len(data.requests)), "item_id": data.requests["item_id"]})
    off = pd.DataFrame({"o": np.arange(len(data.offers)), "offer_item": data.offers["item_id"]})
    direct = req.merge(off, left_on="item_id", right_on="offer_item")[["o", "r"]]
    direct["factor"] = 1.0
    subs = data.substitutes.rename(columns={"substitute_id": "offer_item"})
    via = req.merge(subs, on="item_id").merge(off, on="offer_item")[["o", "r", "factor"]]
    pairs = pd.concat([direct, via], ignore_index=True)
    return pairs.sort_values(["r", "o"], kind="stable").reset_index(drop=True)


def allowed_routes(data: PlanningData) -> pd.DataFrame:
    """(o, h) for every offer and corridor its donor may use; weightless items: the virtual one."""
    corr = data.corridors
    real = np.flatnonzero(~corr["virtual"].to_numpy(dtype=bool))
    virtual_h = int(np.flatnonzero(corr["virtual"].to_numpy(dtype=bool))[0])
    allowed = {
        str(d.donor_id): (set(d.corridors) if len(d.corridors) else None)
        for d in data.donors.itertuples(index=False)
    }
    real_ids = corr["corridor_id"].to_numpy()[real]
    rows_o: list[np.ndarray] = []
    rows_h: list[np.ndarray] = []
    weightless = data.offers["unit_weight_t"].to_numpy(dtype=float) <= 0
    for o, (donor, light) in enumerate(zip(data.offers["donor_id"], weightless, strict=True)):
        if light:
            hs = np.array([virtual_h])
        else:
            ok = allowed.get(str(donor))
            hs = real if ok is None else real[[cid in ok for cid in real_ids]]
        rows_o.append(np.full(len(hs), o))
        rows_h.append(hs)
    if not rows_o:
        return pd.DataFrame({"o": np.array([], int), "h": np.array([], int)})
    return pd.DataFrame({"o": np.concatenate(rows_o), "h": np.concatenate(rows_h)})


def dispatch_table(data: PlanningData) -> pd.DataFrame:
    """The sparse table of allowed (o, r, h, t): one row per model variable.

    t ≥ ready_o, t + τ_h ≥ earliest_r, t + τ_h ≤ T, t ≥ 1 (DESIGN.md §4). Built by merging the
    compatible pairs with the allowed routes and expanding each to its period window — never
    a loop over the full product.
    """
    T = data.horizon
    pairs = compatible_pairs(data)
    routes = allowed_routes(data)
    arcs = pairs.merge(routes, on="o")
    tau = data.corridors["transit_periods"].to_numpy(dtype=int)[arcs["h"].to_numpy()]
    ready = data.offers["ready"].to_numpy(dtype=int)[arcs["o"].to_numpy()]
    earliest = data.requests["earliest"].to_numpy(dtype=int)[arcs["r"].to_numpy()]
    lo = np.maximum.reduce([ready, earliest - tau, np.ones_like(ready)])
    hi = T - tau
    n = np.maximum(hi - lo + 1, 0)
    idx = np.repeat(np.arange(len(arcs)), n)
    starts = np.repeat(np.cumsum(n) - n, n)
    t = lo[idx] + (np.arange(int(n.sum())) - starts)
    out = pd.DataFrame(
        {
            "o": arcs["o"].to_numpy()[idx],
            "r": arcs["r"].to_numpy()[idx],
            "h": arcs["h"].to_numpy()[idx],
            "t": t.astype(int),
            "factor": arcs["factor"].to_numpy(dtype=float)[idx],
        }
    )
    out["arrival"] = out["t"].to_numpy() + tau[idx]
    return out  # already ordered by (r, o, h, t): pairs are sorted and merges keep order


def max_value(data: PlanningData) -> float:
    """Σ_r W_{p_r}: the value of meeting every line in full and on time."""
    return float(data.requests["weight_value"].sum())


def fulfilment_score(data: PlanningData, value: float) -> float:
    """value / Σ_r W_{p_r} (0..1; 1 when there is nothing to meet): DESIGN.md §4."""
    total = max_value(data)
    return value / total if total > 0 else 1.0
