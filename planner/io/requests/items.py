"""Items of a request sheet matched against the catalog (DESIGN.md §2.2 "Items", "Unit").

Matching goes through :func:`planner.names.name_key` (NFKC, invisible characters removed, case,
whitespace, punctuation and plural folded), so "M777 howitzers", "Food parcels" and
"155mm shells" find their catalog names; unknown items get the closest catalog names from one
:class:`planner.names.NameIndex`.
"""

from __future__ import annotations

import re

from planner.catalog import Catalog
from planner.names import name_key, name_words

_TRAILING_BRACKET = re.compile(r"^\s*(.*?\S)\s*[(\[]([^()\[\]]*)[)\]]\s*$")
# Words that count pieces of anything: compatible with every item counted in whole units.
COUNT_WORDS = frozenset(
    {
        "pc",
        "pcs",
        "piece",
        "unit",
        "each",
        "ea",
        "no",
        "nos",
        "item",
        "шт",
        "штук",
        "штука",
        "од",
        "одиниця",
        "компл",
        "комплект",
    }
)


# Units of measure (not counts): "kg" for an item counted in kits is a warning.
MEASURE_WORDS = frozenset(
    {
        "t",
        "tonne",
        "ton",
        "kg",
        "kilogram",
        "g",
        "gram",
        "l",
        "litre",
        "liter",
        "ml",
        "m3",
        "cbm",
        "m",
        "metre",
        "meter",
        "km",
        "hour",
        "h",
        "day",
        "week",
        "month",
        "year",
        "kwh",
        "mwh",
        "кг",
        "т",
        "л",
    }
)


class ItemMatcher:
    """Item references → catalog item_id, with suggestions and unit checks."""

    def __init__(self, catalog: Catalog):
        self.index = catalog.item_index()
        ids = [str(i) for i in catalog.items["item_id"]]
        self.integer = dict(zip(ids, map(bool, catalog.items["integer"]), strict=True))
        self.names = dict(zip(ids, map(str, catalog.items["name"]), strict=True))
        self.units = dict(zip(ids, map(str, catalog.items["unit"]), strict=True))
        self.systems = set(catalog.components())

    def is_system(self, item_id: str) -> bool:
        """Whether the item has components (items.csv ``requires``, DESIGN.md §4.1)."""
        return item_id in self.systems

    def find(self, text: str) -> str | None:
        """The item_id a cell names, or None.

        A trailing explanation in brackets is dropped when the text without it names an item
        and the bracket does not name another one: "First aid kits (IFAK)" is the first aid kit.
        """
        found = self.index.get(text)
        if found is not None:
            return found
        m = _TRAILING_BRACKET.match(text)
        if m is None:
            return None
        found = self.index.get(m.group(1))
        inner = self.index.get(m.group(2))
        return found if found is not None and inner in (None, found) else None

    def closest(self, text: str) -> list[str]:
        """Closest catalog names (best first, one per item)."""
        return self.index.closest(text)

    def unit_problem(self, item_id: str, unit: str) -> str | None:
        """Why a unit cell does not fit the item's catalog unit, or None when it fits."""
        words = name_words(unit)
        if not words:
            return None
        catalog_unit = self.units.get(item_id, "")
        if name_key(unit) == name_key(catalog_unit):
            return None
        counted = not set(name_words(catalog_unit)) & MEASURE_WORDS
        if counted and set(words) <= COUNT_WORDS:
            return None
        return (
            f'unit "{unit.strip()}" differs from the catalog unit "{catalog_unit}" of'
            f" {self.names[item_id]}; the quantity is read in {catalog_unit}s"
        )
