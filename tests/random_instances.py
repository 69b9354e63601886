"""Seeded random planning instances for invariant and cross-formulation tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.catalog import Catalog
from tests.factories import make_catalog, make_requests


@dataclass
class Instance:
    catalog: Catalog
    requests: pd.DataFrame
    horizon: int


def random_instance(seed: int, *, integers: bool = False, size: int = 1) -> Instance:
    """A small instance with every feature of §4: substitutes, budgets, rates, windows, changes."""
    rng = np.random.default_rng(seed)
    horizon = int(rng.integers(3, 7))
    n_items = 4 * size
    items = []
    for i in range(n_items):
        weight = 0.0 if i % 4 == 3 else float(rng.choice([0.5, 1.0, 2.5]))
        items.append(
            {"item_id": f"i{i}", "unit_weight_t": weight, "integer": bool(integers and i % 4 == 1)}
        )
    corridors = [
        {
            "corridor_id": f"c{h}",
            "capacity_t": float(rng.integers(2, 15)),
            "transit_periods": int(rng.integers(0, 3)),
        }
        for h in range(3)
    ]
    donors = []
    for k in range(4 * size):
        budget = None if k % 3 == 0 else float(rng.integers(20, 200))
        allowed = [] if k % 2 == 0 else [f"c{int(h)}" for h in rng.choice(3, 2, replace=False)]
        donors.append({"donor_id": f"d{k}", "budget_eur": budget, "corridors": sorted(allowed)})
    offers = []
    for j in range(10 * size):
        offers.append(
            {
                "offer_id": f"o{j}",
                "donor_id": f"d{int(rng.integers(0, len(donors)))}",
                # every item offered at least once, then at random
                "item_id": f"i{j if j < n_items else int(rng.integers(0, n_items))}",
                "quantity": float(rng.integers(1, 12)),
                "unit_cost_eur": float(rng.choice([0.0, 1.0, 5.0, 12.0])),
                "available_from": int(rng.integers(1, 3)),
                "lead_periods": int(rng.integers(0, 2)),
                "max_per_period": None if rng.random() < 0.5 else float(rng.integers(1, 5)),
            }
        )
    changes = [
        {
            "corridor_id": "c0",
            "from_period": 2,
            "to_period": 3,
            "capacity_t": float(rng.integers(0, 3)),
        }
    ]
    subs = [
        {"item_id": "i0", "substitute_id": "i2", "factor": 0.5},
        {"item_id": "i1", "substitute_id": "i3", "factor": 2.0},
    ]
    reqs = []
    for r in range(8 * size):
        due = None if rng.random() < 0.4 else int(rng.integers(1, horizon + 1))
        reqs.append(
            {
                "request_id": f"R{r}",
                "item_id": f"i{r if r < n_items else int(rng.integers(0, n_items))}",
                "quantity": float(rng.integers(1, 10)),
                "priority": int(rng.integers(1, 5)),
                "earliest": int(rng.integers(1, 3)),
                "needed_by": due,
            }
        )
    cat = make_catalog(items, donors, offers, corridors, changes, subs)
    return Instance(cat, make_requests(reqs), horizon)
