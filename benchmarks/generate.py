"""Seeded synthetic planning instances at three sizes, written as a real catalog and workbook.

An instance is generated in memory (``make_instance``) as plain DataFrames whose time columns
are already resolved to periods, and written (``write_instance``) the way a planning cell would
hand it over: a catalog folder of CSVs (DESIGN.md §2.1) and a request workbook (§2.2) with a
title row above the header, two sheets, items named by id, name or alias in any case, priorities
as numbers or words and deadlines as periods, ``W12`` or dates. Reading those files back is
therefore part of what ``benchmarks/run.py`` times, and the in-memory truth is what the
independent baseline (``benchmarks/baseline.py``) builds its model from.

The same ``(size, seed, integer, packages)`` always gives the same instance and the same bytes
on disk (apart from the workbook's zip time stamps). ``packages`` (``--packages``) gives every
system item (artillery, armor, aircraft, coastal defence) one or two components in items.csv
``requires`` (DESIGN.md §4.1), drawn from offered munitions, so their request lines become
packages; everything else is the same instance as without it.

    .venv/bin/python -m benchmarks.generate large --out /tmp/aidplan-bench/large
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

START = dt.date(2024, 1, 1)  # a Monday
PERIOD_DAYS = 7
PRIORITY_WEIGHTS = {1: 1000.0, 2: 100.0, 3: 10.0, 4: 1.0}
PRIORITY_WORDS = {1: "critical", 2: "high", 3: "medium", 4: "low"}


@dataclass(frozen=True)
class SizeSpec:
    """How big an instance is: request lines, offers, periods and the tables around them."""

    lines: int
    offers: int
    periods: int
    items: int
    donors: int
    corridors: int
    late_penalty: float


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec(
        lines=20, offers=30, periods=12, items=10, donors=5, corridors=4, late_penalty=0.02
    ),
    "medium": SizeSpec(
        lines=300, offers=400, periods=26, items=120, donors=14, corridors=8, late_penalty=0.02
    ),
    # Between small and twice medium, for the scaling table of benchmarks/README.md
    # (benchmarks/scaling.py): medium's lines, offers and items times ¼, ½, 1½ and 2, so the
    # variables grow about in proportion; periods, donors and corridors stay medium's.
    "m025": SizeSpec(
        lines=75, offers=100, periods=26, items=30, donors=14, corridors=8, late_penalty=0.02
    ),
    "m050": SizeSpec(
        lines=150, offers=200, periods=26, items=60, donors=14, corridors=8, late_penalty=0.02
    ),
    "m150": SizeSpec(
        lines=450, offers=600, periods=26, items=180, donors=14, corridors=8, late_penalty=0.02
    ),
    "m200": SizeSpec(
        lines=600, offers=800, periods=26, items=240, donors=14, corridors=8, late_penalty=0.02
    ),
    "large": SizeSpec(
        lines=3000, offers=2500, periods=52, items=2000, donors=36, corridors=14, late_penalty=0.015
    ),
}


@dataclass(frozen=True)
class Category:
    """Plausible ranges for the items of one catalog category."""

    name: str
    share: float  # share of the catalog's items
    weight_t: tuple[float, float]  # unit weight range (log-uniform); (0, 0) for weightless
    cost_eur: tuple[float, float]  # unit cost range (log-uniform)
    quantity: tuple[float, float]  # typical request size (log-uniform)
    integer: bool  # indivisible units (only when integer items are switched on)
    unit: str
    nouns: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category("ammunition", 0.22, (0.004, 0.12), (300, 12_000), (500, 40_000), False, "round",
             ("155 mm shell", "122 mm rocket", "120 mm mortar bomb", "30 mm cartridge",
              "7.62 mm cartridge", "105 mm shell", "81 mm mortar bomb")),
    Category("anti_tank", 0.08, (0.01, 0.05), (15_000, 200_000), (100, 3_000), False, "missile",
             ("ATGM", "anti-tank rocket", "guided anti-tank round", "anti-tank mine")),
    Category("air_defense", 0.08, (0.015, 0.9), (80_000, 4_000_000), (10, 800), False, "missile",
             ("MANPADS missile", "SAM interceptor", "air defence missile", "AA gun round")),
    Category("artillery", 0.06, (3.0, 32.0), (400_000, 5_000_000), (2, 40), True, "system",
             ("towed howitzer", "self-propelled howitzer", "rocket launcher", "heavy mortar")),
    Category("armor", 0.07, (8.0, 62.0), (300_000, 6_000_000), (4, 80), True, "vehicle",
             ("main battle tank", "infantry fighting vehicle", "armoured personnel carrier",
              "armoured recovery vehicle", "MRAP")),
    Category("aircraft", 0.02, (0.0, 0.0), (5_000_000, 60_000_000), (2, 16), True, "aircraft",
             ("fighter aircraft", "transport helicopter", "attack helicopter")),
    Category("coastal_defense", 0.02, (2.0, 20.0), (1_000_000, 8_000_000), (2, 24), True,
             "launcher", ("coastal missile launcher", "anti-ship missile")),
    Category("intelligence", 0.02, (0.0, 0.0), (50_000, 2_000_000), (1, 24), False, "month",
             ("satellite imagery service", "signals intelligence support")),
    Category("humanitarian", 0.17, (0.001, 1.2), (10, 4_000), (500, 80_000), False, "kit",
             ("food parcel", "hygiene kit", "winter tent", "water purification unit", "blanket",
              "shelter kit", "cooking set")),
    Category("medical", 0.13, (0.0005, 0.03), (8, 3_000), (500, 60_000), False, "kit",
             ("first aid kit", "tourniquet", "trauma kit", "surgical set", "blood bag")),
    Category("energy", 0.08, (0.05, 40.0), (800, 2_500_000), (5, 600), False, "unit",
             ("diesel generator", "substation transformer", "solar panel kit", "power bank")),
    Category("other", 0.05, (0.002, 2.0), (50, 60_000), (50, 20_000), False, "unit",
             ("body armour", "helmet", "night vision device", "radio set", "drone")),
)  # fmt: skip

MODES: dict[str, tuple[float, tuple[int, int], float]] = {
    # mode: (share of corridors, transit periods range, relative capacity)
    "air": (0.2, (0, 0), 0.15),
    "rail": (0.35, (1, 2), 1.0),
    "road": (0.35, (0, 1), 0.45),
    "sea": (0.1, (2, 4), 2.5),
}
HUBS = (
    "Rzeszow", "Przemysl", "Dorohusk", "Korczowa", "Medyka", "Vysne Nemecke", "Zahony",
    "Siret", "Isaccea", "Constanta", "Gdansk", "Budapest", "Kosice", "Suceava", "Lublin",
    "Chelm", "Hrebenne", "Uzhhorod", "Reni", "Izmail",
)  # fmt: skip
COUNTRIES = (
    "Albania", "Australia", "Austria", "Belgium", "Bulgaria", "Canada", "Croatia", "Czechia",
    "Denmark", "Estonia", "Finland", "France", "Germany", "Greece", "Iceland", "Ireland",
    "Italy", "Japan", "Latvia", "Lithuania", "Luxembourg", "Netherlands", "New Zealand",
    "North Macedonia", "Norway", "Poland", "Portugal", "Romania", "Slovakia", "Slovenia",
    "South Korea", "Spain", "Sweden", "Switzerland", "Turkey", "United Kingdom",
    "United States", "European Union", "World Food Programme", "UNICEF",
)  # fmt: skip
DESTINATIONS = (
    "Kyiv", "Kharkiv", "Odesa", "Dnipro", "Zaporizhzhia", "Mykolaiv", "Kherson", "Donbas",
    "Sumy", "Chernihiv", "Lviv", "Air Force", "General Staff", "Territorial Defence",
    "Ukrenergo", "Water utilities", "Regional hospitals",
)  # fmt: skip


@dataclass(frozen=True)
class Instance:
    """One generated instance: the catalog and requests, time columns resolved to periods.

    items: item_id, name, category, unit, unit_weight_t, integer, aliases (";"-joined)
    donors: donor_id, name, budget_eur (NaN = unlimited), corridors (tuple; empty = all)
    offers: offer_id, donor_id, item_id, quantity, unit_cost_eur, available_period,
            lead_periods, max_per_period (NaN = none), available_text (as written)
    corridors: corridor_id, name, mode, capacity_t, transit_periods
    capacity_changes: corridor_id, from_period, to_period, capacity_t
    substitutes: item_id, substitute_id, factor
    requests: request_id, item_id, item_text, quantity, priority, priority_text,
              earliest (period), needed_by (period or 0 = none), earliest_text, needed_by_text,
              destination, sheet
    """

    size: str
    seed: int
    integer: bool
    start: dt.date
    period_days: int
    horizon: int
    late_penalty: float
    items: pd.DataFrame
    donors: pd.DataFrame
    offers: pd.DataFrame
    corridors: pd.DataFrame
    capacity_changes: pd.DataFrame
    substitutes: pd.DataFrame
    requests: pd.DataFrame
    packages: bool = False  # items has a requires column (`add_packages`)

    @property
    def priority_weights(self) -> dict[int, float]:
        return dict(PRIORITY_WEIGHTS)


def _log_uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    if lo <= 0 or hi <= 0:
        return np.zeros(n)
    return np.exp(rng.uniform(math.log(lo), math.log(hi), n))


def _round_sig(x: np.ndarray, digits: int = 2) -> np.ndarray:
    """Round to ``digits`` significant figures (catalog numbers look typed in, not computed)."""
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    nz = x > 0
    mag = np.floor(np.log10(x[nz]))
    scale = 10.0 ** (mag - digits + 1)
    out[nz] = np.round(x[nz] / scale) * scale
    return out


def _whole(x: np.ndarray) -> np.ndarray:
    """Quantities as people write them: two significant figures, whole units, at least 1."""
    return np.maximum(1.0, np.round(_round_sig(x)))


def _make_items(rng: np.random.Generator, n: int, integer: bool) -> pd.DataFrame:
    shares = np.array([c.share for c in CATEGORIES])
    counts = np.maximum(1, np.floor(shares / shares.sum() * n).astype(int))
    while counts.sum() < n:
        counts[int(np.argmax(shares * n - counts))] += 1
    while counts.sum() > n:
        counts[int(np.argmax(counts))] -= 1
    rows: list[dict[str, object]] = []
    for cat, k in zip(CATEGORIES, counts, strict=True):
        weights = _round_sig(_log_uniform(rng, *cat.weight_t, int(k)), 3)
        for j in range(int(k)):
            noun = cat.nouns[j % len(cat.nouns)]
            variant = j // len(cat.nouns) + 1
            item_id = f"{cat.name[:3]}_{len(rows) + 1:04d}"
            rows.append(
                {
                    "item_id": item_id,
                    "name": f"{noun} type {variant}",
                    "category": cat.name,
                    "unit": cat.unit,
                    "unit_weight_t": float(weights[j]),
                    "integer": bool(integer and cat.integer),
                    "aliases": f"NSN {1000 + len(rows):04d}-{variant:02d};"
                    f"{noun.upper()} T{variant}",
                }
            )
    return pd.DataFrame(rows)


def _make_corridors(
    rng: np.random.Generator, n: int, horizon: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    modes = list(MODES)
    share = np.array([MODES[m][0] for m in modes])
    picks = [modes[i] for i in rng.choice(len(modes), size=n, p=share / share.sum())]
    for i, m in enumerate(("rail", "road", "air")):  # every instance has these three
        if i < n:
            picks[i] = m
    rows = []
    for i, mode in enumerate(picks):
        lo, hi = MODES[mode][1]
        hub = HUBS[i % len(HUBS)]
        rows.append(
            {
                "corridor_id": f"{mode}_{hub.lower().replace(' ', '_')}_{i + 1}",
                "name": f"{mode.capitalize()} via {hub}",
                "mode": mode,
                "rel_capacity": MODES[mode][2] * rng.uniform(0.6, 1.4),
                "transit_periods": int(rng.integers(lo, hi + 1)),
            }
        )
    corr = pd.DataFrame(rows)
    changes = []
    for i in rng.choice(n, size=max(1, n // 4), replace=False):
        start = int(rng.integers(2, max(3, horizon - 3)))
        length = int(rng.integers(1, 4))
        changes.append(
            {
                "corridor_id": corr["corridor_id"].iloc[int(i)],
                "from_period": start,
                "to_period": min(horizon, start + length - 1),
                "cut": float(rng.choice([0.0, 0.5])),
            }
        )
    return corr, pd.DataFrame(changes)


SYSTEM_CATEGORIES = ("artillery", "armor", "aircraft", "coastal_defense")
COMPONENT_CATEGORIES = ("ammunition", "anti_tank", "air_defense")


def add_packages(inst: Instance) -> Instance:
    """``inst`` with a ``requires`` column: each system item needs one or two components,
    chosen among the offered items of COMPONENT_CATEGORIES, 2–40 units each per system (whole
    numbers); a random stream of its own, so the rest of the instance is unchanged."""
    rng = np.random.default_rng([inst.seed, 14])
    items = inst.items.copy()
    offered = set(inst.offers["item_id"])
    pool = sorted(
        i
        for i, c in zip(items["item_id"], items["category"], strict=True)
        if c in COMPONENT_CATEGORIES and i in offered
    )
    requires = []
    for cat in items["category"]:
        if cat not in SYSTEM_CATEGORIES or not pool:
            requires.append("")
            continue
        k = int(rng.integers(1, min(2, len(pool)) + 1))
        comps = rng.choice(pool, size=k, replace=False)
        rho = rng.integers(2, 41, size=k)
        requires.append(";".join(f"{c}:{int(q)}" for c, q in zip(comps, rho, strict=True)))
    items["requires"] = requires
    return dataclasses.replace(inst, items=items, packages=True)


def make_instance(
    size: str, seed: int = 1, integer: bool = False, packages: bool = False
) -> Instance:
    """Generate the instance of ``size`` (small, medium or large) from ``seed``; ``packages``:
    with components on the system items (`add_packages`)."""
    if packages:
        return add_packages(make_instance(size, seed, integer))
    spec = SIZES[size]
    rng = np.random.default_rng(seed)
    T = spec.periods
    items = _make_items(rng, spec.items, integer)
    n_items = len(items)
    cat_of = {c.name: c for c in CATEGORIES}
    item_cat = [cat_of[c] for c in items["category"]]

    # Popularity: a few items are asked for and offered a lot (shells, first aid kits), most
    # only now and then; requests and offers share the same ranking, loosely.
    pop = rng.permutation(n_items)
    popularity = 1.0 / (1.0 + pop) ** 0.35
    popularity /= popularity.sum()

    # Corridors and donors.
    corr, cut = _make_corridors(rng, spec.corridors, T)
    donor_names = [COUNTRIES[i % len(COUNTRIES)] for i in range(spec.donors)]
    donor_rows = []
    n_corr = len(corr)
    donor_weight = rng.lognormal(0.0, 1.0, spec.donors)  # a few big donors, many small ones
    # One mid-sized donor (a host nation at the border) may use every corridor (blank).
    open_donor = int(np.argsort(donor_weight)[spec.donors // 2])
    for i, name in enumerate(donor_names):
        suffix = "" if i < len(COUNTRIES) else f" {i // len(COUNTRIES) + 1}"
        if i == open_donor:
            allowed: tuple[str, ...] = ()
        else:
            k = int(rng.integers(1, min(2, n_corr) + 1))  # most donors use one or two
            idx = np.sort(rng.choice(n_corr, size=k, replace=False))
            allowed = tuple(corr["corridor_id"].iloc[idx])
        donor_rows.append(
            {
                "donor_id": f"d{i + 1:03d}",
                "name": name + suffix,
                "corridors": allowed,
            }
        )
    donors = pd.DataFrame(donor_rows)

    # Requests.
    n_req = spec.lines
    r_item = rng.choice(n_items, size=n_req, p=popularity)
    r_qty = _whole(np.array([_log_uniform(rng, *item_cat[int(i)].quantity, 1)[0] for i in r_item]))
    r_prio = rng.choice([1, 2, 3, 4], size=n_req, p=[0.15, 0.3, 0.35, 0.2])
    has_earliest = rng.random(n_req) < 0.25  # later phases of the plan: "not before" W<n>
    r_earliest = np.where(has_earliest, rng.integers(2, max(3, T // 2 + 1), n_req), 1)
    has_due = rng.random(n_req) < 0.8
    r_due = np.where(has_due, rng.integers(r_earliest + 1, T + 9), 0)
    r_due = np.where(r_due > T, -1, r_due)  # -1: a date after the horizon (no deadline)

    # Offers: an offered item is drawn from the requested ones (80 %) or from the catalog.
    n_off = spec.offers
    requested = np.bincount(r_item, weights=r_qty, minlength=n_items)
    o_item = np.where(
        rng.random(n_off) < 0.8,
        rng.choice(r_item, size=n_off),
        rng.choice(n_items, size=n_off, p=popularity),
    )
    o_donor = rng.choice(spec.donors, size=n_off, p=donor_weight / donor_weight.sum())
    offers_per_item = np.bincount(o_item, minlength=n_items)
    # Supply of an item is 40–140 % of what is requested of it, split over its offers.
    cover = rng.uniform(0.4, 1.4, n_items)
    base = np.where(requested > 0, requested, [c.quantity[1] / 4 for c in item_cat])
    share = rng.uniform(0.3, 1.7, n_off)
    o_qty = _whole(base[o_item] * cover[o_item] * share / np.maximum(offers_per_item[o_item], 1))
    unit_cost = np.array([_log_uniform(rng, *c.cost_eur, 1)[0] for c in item_cat])
    o_cost = _round_sig(unit_cost[o_item] * rng.uniform(0.8, 1.3, n_off), 3)
    o_cost[rng.random(n_off) < 0.08] = 0.0  # donated from stock, no cost counted
    o_avail = np.where(rng.random(n_off) < 0.55, 1, rng.integers(1, max(2, T // 2 + 1), n_off))
    o_lead = rng.choice([0, 0, 1, 1, 2, 3], size=n_off)
    has_rate = rng.random(n_off) < 0.6
    o_rate = np.where(
        has_rate, np.maximum(1.0, np.ceil(o_qty / rng.uniform(2.0, 12.0, n_off))), np.nan
    )

    # Budgets: 40–110 % of what the donor's offers would cost in full; 20 % unlimited.
    offered_eur = np.bincount(o_donor, weights=o_qty * o_cost, minlength=spec.donors)
    budget = _round_sig(offered_eur * rng.uniform(0.4, 1.1, spec.donors))
    budget[(rng.random(spec.donors) < 0.2) | (budget <= 0)] = np.nan
    donors["budget_eur"] = budget

    # Corridor capacity: the corridors together carry about 60 % of the requested tonnage
    # spread over the horizon, so some weeks and some corridors bind.
    weight = items["unit_weight_t"].to_numpy(dtype=float)
    tonnes_per_period = float((r_qty * weight[r_item]).sum()) / T
    rel = corr["rel_capacity"].to_numpy()
    cap = _round_sig(np.maximum(10.0, 0.6 * tonnes_per_period * rel / rel.sum()))
    corridors = corr.drop(columns="rel_capacity").assign(capacity_t=cap)
    corridors = corridors[["corridor_id", "name", "mode", "capacity_t", "transit_periods"]]
    if len(cut):
        cap_of = dict(zip(corridors["corridor_id"], cap, strict=True))
        pairs = zip(cut["corridor_id"], cut["cut"], strict=True)
        cut["capacity_t"] = [cap_of[c] * f for c, f in pairs]
        cut = cut.drop(columns="cut")
    else:
        cut = pd.DataFrame(columns=["corridor_id", "from_period", "to_period", "capacity_t"])

    # Substitutes: about one item in ten has a stand-in of the same category.
    subs = []
    cats = items["category"].to_numpy()
    for a in np.flatnonzero(rng.random(n_items) < 0.1):
        same = np.flatnonzero((cats == cats[a]) & (np.arange(n_items) != a))
        if len(same):
            j = int(rng.choice(same))
            subs.append(
                {
                    "item_id": items["item_id"].iloc[a],
                    "substitute_id": items["item_id"].iloc[j],
                    "factor": float(rng.choice([0.5, 0.8, 1.0])),
                }
            )
    substitutes = pd.DataFrame(subs, columns=["item_id", "substitute_id", "factor"])

    # How things are written: offers' availability as a blank, a period or a date.
    def as_date(period: int) -> str:
        day = START + dt.timedelta(days=(int(period) - 1) * PERIOD_DAYS + int(rng.integers(0, 7)))
        return day.isoformat()

    avail_text = [
        "" if a == 1 and rng.random() < 0.8 else (str(a) if rng.random() < 0.5 else as_date(a))
        for a in o_avail
    ]
    offers = pd.DataFrame(
        {
            "offer_id": [f"of{j + 1:05d}" for j in range(n_off)],
            "donor_id": donors["donor_id"].to_numpy()[o_donor],
            "item_id": items["item_id"].to_numpy()[o_item],
            "quantity": o_qty,
            "unit_cost_eur": o_cost,
            "available_period": o_avail.astype(int),
            "lead_periods": o_lead.astype(int),
            "max_per_period": o_rate,
            "available_text": avail_text,
        }
    )

    item_ids = items["item_id"].to_numpy()
    names = items["name"].to_numpy()
    aliases = items["aliases"].to_numpy()
    style = rng.random(n_req)
    item_text = []
    for k, i in enumerate(r_item):
        if style[k] < 0.65:
            text = str(item_ids[i])
        elif style[k] < 0.9:
            text = str(names[i])
            text = text.upper() if style[k] < 0.7 else text.capitalize()
        else:
            text = str(aliases[i]).split(";")[int(style[k] * 100) % 2].lower()
        item_text.append(text)
    prio_text = [
        str(p) if rng.random() < 0.6 else PRIORITY_WORDS[int(p)].capitalize() for p in r_prio
    ]
    due_text: list[object] = []
    for d in r_due:
        if d == 0:
            due_text.append(None)
        elif d < 0:
            due_text.append(START + dt.timedelta(days=(T + 2) * PERIOD_DAYS))
        else:
            u = rng.random()
            if u < 0.3:
                due_text.append(int(d))
            elif u < 0.6:
                due_text.append(f"W{int(d)}")
            else:
                due_text.append(dt.date.fromisoformat(as_date(int(d))))
    earliest_text = [f"W{int(e)}" if e > 1 else None for e in r_earliest]
    r_cat = items["category"].to_numpy()[r_item]
    requests = pd.DataFrame(
        {
            "request_id": [f"L-{k + 1:05d}" for k in range(n_req)],
            "item_id": item_ids[r_item],
            "item_text": item_text,
            "quantity": r_qty,
            "priority": r_prio.astype(int),
            "priority_text": prio_text,
            "earliest": r_earliest.astype(int),
            "needed_by": np.maximum(r_due, 0).astype(int),
            "earliest_text": earliest_text,
            "needed_by_text": due_text,
            "destination": rng.choice(DESTINATIONS, size=n_req),
            "sheet": np.where(
                np.isin(r_cat, ["humanitarian", "medical"]), "Humanitarian", "Military"
            ),
        }
    )
    return Instance(
        size=size,
        seed=seed,
        integer=integer,
        start=START,
        period_days=PERIOD_DAYS,
        horizon=T,
        late_penalty=spec.late_penalty,
        items=items,
        donors=donors,
        offers=offers,
        corridors=corridors.reset_index(drop=True),
        capacity_changes=cut.reset_index(drop=True),
        substitutes=substitutes,
        requests=requests,
    )


def _fmt(value: object) -> str:
    """A CSV cell: whole floats without a trailing .0, NaN and None blank."""
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return str(value)


def _write_csv(path: Path, header: Sequence[str], rows: list[list[object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows([[_fmt(v) for v in row] for row in rows])


def write_catalog(inst: Instance, folder: Path) -> Path:
    """The catalog folder of DESIGN.md §2.1 (items, donors, offers, corridors, changes,
    substitutes, planning.toml)."""
    folder.mkdir(parents=True, exist_ok=True)
    it = inst.items
    cols = ["item_id", "name", "category", "unit", "unit_weight_t", "integer", "aliases"]
    if "requires" in it:
        cols.insert(-1, "requires")
    _write_csv(folder / "items.csv", cols, it[cols].to_numpy(dtype=object).tolist())
    _write_csv(
        folder / "donors.csv",
        ["donor_id", "name", "budget_eur", "corridors"],
        [
            [d.donor_id, d.name, d.budget_eur, ";".join(d.corridors)]
            for d in inst.donors.itertuples(index=False)
        ],
    )
    written = dict(OFFER_COLUMNS)  # CSV header -> Instance.offers column
    rows = inst.offers[list(written.values())].to_numpy(dtype=object).tolist()
    _write_csv(folder / "offers.csv", list(written), rows)
    cols = ["corridor_id", "name", "mode", "capacity_t", "transit_periods"]
    _write_csv(folder / "corridors.csv", cols, inst.corridors[cols].to_numpy(dtype=object).tolist())
    cols = ["corridor_id", "from_period", "to_period", "capacity_t"]
    _write_csv(
        folder / "capacity_changes.csv",
        cols,
        inst.capacity_changes[cols].to_numpy(dtype=object).tolist(),
    )
    cols = ["item_id", "substitute_id", "factor"]
    _write_csv(
        folder / "substitutes.csv", cols, inst.substitutes[cols].to_numpy(dtype=object).tolist()
    )
    (folder / "planning.toml").write_text(
        f"# generated by benchmarks/generate.py: size {inst.size}, seed {inst.seed}\n"
        f"start = {inst.start.isoformat()}\n"
        f"period_days = {inst.period_days}\n"
        f"horizon = {inst.horizon}\n"
        f"late_penalty = {inst.late_penalty}\n"
        "[priority_weights]\n" + "".join(f'"{k}" = {v}\n' for k, v in PRIORITY_WEIGHTS.items()),
        encoding="utf-8",
    )
    return folder


OFFER_COLUMNS = (
    ("offer_id", "offer_id"),
    ("donor_id", "donor_id"),
    ("item_id", "item_id"),
    ("quantity", "quantity"),
    ("unit_cost_eur", "unit_cost_eur"),
    ("available_from", "available_text"),
    ("lead_periods", "lead_periods"),
    ("max_per_period", "max_per_period"),
)
REQUEST_HEADER = (
    "No", "Equipment", "Qty", "Priority", "Needed by", "Not before", "Destination", "Notes",
)  # fmt: skip


def write_requests(inst: Instance, path: Path) -> Path:
    """The request workbook of DESIGN.md §2.2: a title row, then the header, one sheet per
    kind of need (openpyxl write-only, so even 3,000 lines take well under a second)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    req = inst.requests
    for sheet in ("Military", "Humanitarian"):
        part = req[req["sheet"] == sheet]
        ws = wb.create_sheet(sheet)
        ws.append([f"Consolidated request — {sheet.lower()} needs (generated, seed {inst.seed})"])
        ws.append([])
        ws.append(list(REQUEST_HEADER))
        for r in part.itertuples(index=False):
            qty = float(r.quantity)
            ws.append(
                [
                    r.request_id,
                    r.item_text,
                    int(qty) if qty.is_integer() else qty,
                    int(r.priority_text) if r.priority_text.isdigit() else r.priority_text,
                    r.needed_by_text,
                    r.earliest_text,
                    r.destination,
                    None,
                ]
            )
    notes = wb.create_sheet("Notes")
    notes.append(["Free text that the request reader ignores."])
    wb.save(path)
    return path


def write_instance(inst: Instance, folder: Path) -> tuple[Path, Path]:
    """Write ``inst`` under ``folder``: ``catalog/`` and ``requests.xlsx``."""
    catalog = write_catalog(inst, folder / "catalog")
    requests = write_requests(inst, folder / "requests.xlsx")
    return catalog, requests


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("size", choices=sorted(SIZES))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--integer", action="store_true", help="mark indivisible items integer")
    p.add_argument(
        "--packages", action="store_true", help="give system items components (requires)"
    )
    p.add_argument("--out", type=Path, required=True, help="folder to write into")
    a = p.parse_args(argv)
    inst = make_instance(a.size, a.seed, a.integer, a.packages)
    catalog, requests = write_instance(inst, a.out)
    print(f"catalog {catalog}  requests {requests}")


if __name__ == "__main__":
    main()
