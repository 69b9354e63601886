"""The catalog: validated reference tables (items, donors, offers, corridors, ...) as DataFrames."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import Issue
from planner.names import NameIndex, name_key

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x"})
"""Cell texts (lower case, stripped) that mean yes in a catalog's yes/no column (``integer``)."""
FALSE_WORDS = frozenset({"false", "no", "n", "0", ""})
"""Cell texts that mean no."""

_BRACKET = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")


def norm_name(text: str) -> str:
    """Key for matching item names (:func:`planner.names.name_key`)."""
    return name_key(text)


@dataclass(frozen=True)
class Catalog:
    """Validated catalog tables. Column sets are fixed; see DESIGN.md §2.1.

    items: item_id, name, category, unit, unit_weight_t, integer (bool), aliases (list[str]),
           requires (tuple of (component item_id, units per system unit); empty = not a system)
    donors: donor_id, name, budget_eur (NaN = unlimited), corridors (tuple; empty = all)
    offers: offer_id, donor_id, item_id, quantity, unit_cost_eur, available_from
            (int period, datetime.date or None), lead_periods, max_per_period (NaN = no limit)
    corridors: corridor_id, name, mode, capacity_t, transit_periods
    capacity_changes: corridor_id, from_period, to_period, capacity_t
    substitutes: item_id, substitute_id, factor
    """

    folder: Path
    items: pd.DataFrame
    donors: pd.DataFrame
    offers: pd.DataFrame
    corridors: pd.DataFrame
    capacity_changes: pd.DataFrame
    substitutes: pd.DataFrame
    planning: dict[str, Any] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
    warnings: tuple[Issue, ...] = ()  # what the reader noticed and let pass (DESIGN.md §2.1a)

    def item_index(self) -> NameIndex:
        """Ids, names and aliases of the items (in that order of precedence) for matching
        request cells and suggesting the closest names."""
        pairs: list[tuple[str, str]] = []
        ids = [str(i) for i in self.items["item_id"]]
        pairs += zip(ids, ids, strict=True)
        pairs += zip(map(str, self.items["name"]), ids, strict=True)
        for item_id, aliases in zip(ids, self.items["aliases"], strict=True):
            pairs += ((str(a), item_id) for a in aliases)
        # a name without its trailing bracket ("Stinger missile (with launcher)"), when no
        # other item's name shortens to the same words; weakest of all
        names = map(str, self.items["name"])
        short = [(_BRACKET.sub("", n).strip(), i) for n, i in zip(names, ids, strict=True)]
        counts = Counter(name_key(t) for t, _ in short if t)
        pairs += ((t, i) for t, i in short if t and counts[name_key(t)] == 1)
        return NameIndex(pairs)

    def components(self) -> dict[str, tuple[tuple[str, float], ...]]:
        """System item_id -> its components, flattened (DESIGN.md §4.1).

        A component that is itself a system brings its own components, multiplied by its
        quantity (a system needing 2 launchers that each need 4 missiles needs 8 missiles).
        Components keep their order of first mention. Only items with ``requires`` appear.
        The reader has refused cycles, so the recursion ends.
        """
        direct = direct_requirements(self.items)
        out: dict[str, tuple[tuple[str, float], ...]] = {}

        def flat(item: str) -> dict[str, float]:
            acc: dict[str, float] = {}
            for comp, rho in direct.get(item, ()):
                acc[comp] = acc.get(comp, 0.0) + rho
                for sub, sub_rho in flat(comp).items():
                    acc[sub] = acc.get(sub, 0.0) + rho * sub_rho
            return acc

        for item in direct:
            out[item] = tuple(flat(item).items())
        return out

    def item_lookup(self) -> dict[str, str]:
        """Normalised id, name or alias -> item_id (ids win over names, names over aliases)."""
        lookup: dict[str, str] = {}
        for row in self.items.itertuples(index=False):
            for alias in row.aliases:
                lookup.setdefault(norm_name(alias), str(row.item_id))
        for row in self.items.itertuples(index=False):
            lookup[norm_name(str(row.name))] = str(row.item_id)
        for row in self.items.itertuples(index=False):
            lookup[norm_name(str(row.item_id))] = str(row.item_id)
        return lookup


def parse_requires(text: str) -> list[tuple[str, float]]:
    """``item_id:qty;item_id:qty`` (items.csv ``requires``) as (item_id, qty) pairs.

    Raises ValueError with a planner's message for a part without ``:``, an empty id, a
    quantity that is not a number or not > 0, and a component named twice.
    """
    out: list[tuple[str, float]] = []
    for part in (p.strip() for p in str(text).split(";")):
        if not part:
            continue
        item, sep, qty = part.rpartition(":")
        item, qty = item.strip(), qty.strip()
        if not sep or not item:
            raise ValueError(f"expected item_id:quantity pairs separated by ';', found {part!r}")
        try:
            rho = float(qty)
        except ValueError:
            raise ValueError(f"expected a number after {item!r}:, found {qty!r}") from None
        if not (rho > 0 and rho < float("inf")):
            raise ValueError(f"expected a quantity > 0 per system unit for {item!r}, found {qty!r}")
        if any(c == item for c, _ in out):
            raise ValueError(f"component {item!r} named twice")
        out.append((item, rho))
    return out


def direct_requirements(items: pd.DataFrame) -> dict[str, tuple[tuple[str, float], ...]]:
    """item_id -> its own ``requires`` pairs, for items that have any (no flattening)."""
    if "requires" not in items:
        return {}
    return {
        str(i): tuple(r)
        for i, r in zip(items["item_id"], items["requires"], strict=True)
        if isinstance(r, tuple | list) and len(r)
    }
