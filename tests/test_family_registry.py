"""Every constraint family of the registry (planner.model.families) has a hand-checked case
where it binds and one where it does not, in tests/test_model_families.py; and the registry is
what the model is built from."""

from __future__ import annotations

import numpy as np
import pytest

from planner.model.families import FAMILIES, SCENARIO_FAMILIES, family
from tests import test_model_families

FAMILY_TESTS: dict[str, tuple[str, str]] = {
    # family: (binding case, non-binding case)
    "request_demand": ("test_request_demand_binds", "test_request_demand_not_binding"),
    "offer_stock": ("test_offer_stock_binds_and_priority_decides", "test_offer_stock_not_binding"),
    "offer_rate": ("test_offer_rate_binds", "test_offer_rate_not_binding"),
    "donor_budget": ("test_donor_budget_binds", "test_budget_not_binding_and_cheaper_donor_chosen"),
    "corridor_capacity": (
        "test_corridor_capacity_binds",
        "test_corridor_not_binding_weightless_item_bypasses",
    ),
    "package_usable": ("test_package_usable_binds", "test_package_usable_not_binding"),
    "package_order": ("test_package_order_binds", "test_package_order_not_binding"),
}


@pytest.mark.parametrize("fam", [f.name for f in FAMILIES])
def test_every_family_has_a_binding_and_a_non_binding_case(fam: str) -> None:
    assert fam in FAMILY_TESTS, f"family {fam} has no hand-checked tests: add them to FAMILY_TESTS"
    for name in FAMILY_TESTS[fam]:
        assert callable(getattr(test_model_families, name, None)), f"{fam}: missing {name}"


def test_registry_is_complete_and_describes_itself() -> None:
    """Names are unique, each family has a formula, index, units, and the model's row blocks
    come in registry order."""
    from tests.test_model_families import plan

    names = [f.name for f in FAMILIES]
    assert len(set(names)) == len(names)
    for f in FAMILIES:
        assert f.formula and f.index and f.units, f.name
        assert "≤" in f.formula
    res = plan(
        "highs",
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 3}],
        [{"item_id": "a", "quantity": 4, "priority": 1}],
    )
    assert [b.family for b in res.model.blocks] == names
    assert set(SCENARIO_FAMILIES) == {"donor_budget", "corridor_capacity"}
    with pytest.raises(KeyError, match="offer_stock"):
        family("no_such_family")
    # The right-hand side recomputed from the data equals what the model holds.
    for f in FAMILIES:
        b = res.model.block(f.name)
        assert np.array_equal(f.rhs(res.model.data, b.labels), b.upper)
