"""Scenario files (DESIGN.md §2.3): reading, id checks, typos, and applying them to data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.catalog import Catalog
from planner.data import build_planning_data
from planner.errors import InputError
from planner.scenarios import apply_to_data, read_scenario, scenario_settings
from planner.schema import CapacityChangeRow, Scenario, Settings
from tests.factories import START, make_catalog, make_requests

SCENARIOS = Path(__file__).parent / "data" / "scenarios"


def catalog() -> Catalog:
    """Ids as in the demo: two budgeted donors, one unlimited; a rail and an air corridor."""
    return make_catalog(
        items=[{"item_id": "a", "unit_weight_t": 1.0}],
        donors=[
            {"donor_id": "usa", "budget_eur": 100.0},
            {"donor_id": "uk", "budget_eur": 50.0},
            {"donor_id": "ngos"},
        ],
        offers=[
            {"offer_id": "o1", "donor_id": "usa", "item_id": "a", "quantity": 10},
            {"offer_id": "o2", "donor_id": "uk", "item_id": "a", "quantity": 10},
            {"offer_id": "o3", "donor_id": "ngos", "item_id": "a", "quantity": 10},
        ],
        corridors=[
            {"corridor_id": "rail_przemysl", "capacity_t": 80.0},
            {"corridor_id": "air_rzeszow", "capacity_t": 10.0},
        ],
        capacity_changes=[
            {"corridor_id": "rail_przemysl", "from_period": 3, "to_period": 4, "capacity_t": 20.0}
        ],
    )


def errors_of(name: str) -> list[tuple[str, str | None, str]]:
    with pytest.raises(InputError) as info:
        read_scenario(SCENARIOS / name, catalog())
    for issue in info.value.issues:
        assert issue.file == str(SCENARIOS / name)
    return [(i.code, i.column, i.message) for i in info.value.issues]


def test_full_scenario_is_read() -> None:
    s = read_scenario(SCENARIOS / "valid_full.toml", catalog())
    assert s.name == "budget cut, rail cut"
    assert s.budget_scale == 0.75
    assert s.donor_budget_scale == {"usa": 0.5}
    assert s.corridor_capacity_scale == {"rail_przemysl": 0.5}
    assert s.capacity_changes == (
        CapacityChangeRow(corridor_id="air_rzeszow", from_period=2, to_period=3, capacity_t=0),
    )
    settings = scenario_settings(Settings(start=START), s)
    assert settings.horizon == 30
    assert settings.exclude_donors == ("ngos",)


def test_name_defaults_to_the_file_stem() -> None:
    s = read_scenario(SCENARIOS / "unnamed.toml", catalog())
    assert s.name == "unnamed"
    assert s.budget_scale == 1.25


@pytest.mark.parametrize(
    ("name", "code", "column", "words"),
    [
        ("typo_top_key.toml", "unknown-key", "budget_scal", "closest: budget_scale"),
        ("typo_setting.toml", "unknown-setting", "settings.horizn", "closest: horizon"),
        ("unknown_donor.toml", "unknown-donor", "donor_budget_scale.usaa", "closest: usa"),
        (
            "unknown_corridor_change.toml",
            "unknown-corridor",
            "capacity_changes[1].corridor_id",
            "closest: rail_przemysl",
        ),
        (
            "unknown_corridor_scale.toml",
            "unknown-corridor",
            "corridor_capacity_scale.air_rzeszów",
            "closest: air_rzeszow",
        ),
        ("text_scale.toml", "bad-scenario", "budget_scale", "'half'"),
        ("negative_scale.toml", "bad-scenario", "donor_budget_scale.usa", "≥ 0"),
        ("infinite_scale.toml", "bad-scenario", "corridor_capacity_scale.rail_przemysl", "inf"),
        ("exclude_not_a_list.toml", "bad-scenario", "settings.exclude_donors", "expected a list"),
        ("exclude_unknown.toml", "unknown-donor", "settings.exclude_donors", "closest: ngos"),
        ("horizon_too_long.toml", "bad-scenario", "settings", "late_penalty × horizon"),
        (
            "change_key_typo.toml",
            "unknown-key",
            "capacity_changes[1].corridor",
            "closest: corridor_id",
        ),
        ("change_order.toml", "bad-scenario", "capacity_changes[1]", "to_period"),
        # in a scenario reader's words, not pydantic's ("Input should be a valid number…",
        # "Field required")
        ("text_scale.toml", "bad-scenario", "budget_scale", "expected a number, found 'half'"),
        (
            "change_key_typo.toml",
            "bad-scenario",
            "capacity_changes[1].corridor_id",
            "required key missing",
        ),
    ],
)
def test_scenario_typos_fail_cleanly(name: str, code: str, column: str, words: str) -> None:
    errors = errors_of(name)
    hits = [e for e in errors if e[0] == code and e[1] == column]
    assert hits, errors
    assert words in hits[0][2]


def test_every_problem_of_a_file_is_reported() -> None:
    errors = errors_of("many_errors.toml")
    assert {(c, col) for c, col, _ in errors} == {
        ("unknown-key", "budget_scal"),
        ("unknown-donor", "donor_budget_scale.usaa"),
        ("unknown-setting", "settings.horizn"),
    }


def test_broken_toml_and_missing_file() -> None:
    [(code, _, message)] = errors_of("bad_syntax.toml")
    assert code == "bad-toml"
    assert "line 1" in message
    [(code, _, _)] = errors_of("no-such-file.toml")
    assert code == "missing-file"


def test_apply_scales_budgets_and_capacities_without_mutating_the_base() -> None:
    """Budgets: usa 100 × 0.75 × 0.5 = 37.5, uk 50 × 0.75 = 37.5, ngos unlimited stays NaN.

    Rail: 80 t, catalog change to 20 t in periods 3–4, then × 0.5 → 40, 40, 10, 10, 40.
    Air: 10 t, scenario change to 0 in periods 2–3 (absolute, after scaling) → 10, 0, 0, 10, 10.
    """
    cat = catalog()
    s = read_scenario(SCENARIOS / "valid_full.toml", cat)
    base = build_planning_data(cat, make_requests([{"item_id": "a", "quantity": 1}]), _s(5))
    before_budget = base.donors["budget_eur"].to_numpy().copy()
    before_cap = base.capacity_t.copy()
    data = apply_to_data(base, s)
    budgets = dict(zip(data.donors["donor_id"], data.donors["budget_eur"], strict=True))
    assert budgets["usa"] == pytest.approx(37.5)
    assert budgets["uk"] == pytest.approx(37.5)
    assert np.isnan(budgets["ngos"])
    assert data.capacity_t[0].tolist() == [40.0, 40.0, 10.0, 10.0, 40.0]
    assert data.capacity_t[1].tolist() == [10.0, 0.0, 0.0, 10.0, 10.0]
    assert np.isinf(data.capacity_t[2]).all()  # the virtual corridor is never limited
    np.testing.assert_array_equal(base.donors["budget_eur"].to_numpy(), before_budget)
    np.testing.assert_array_equal(base.capacity_t, before_cap)


def test_unlimited_budget_stays_unlimited_at_any_scale() -> None:
    cat = catalog()
    base = build_planning_data(cat, make_requests([{"item_id": "a", "quantity": 1}]), _s(2))
    for scale in (0.0, 0.5, 3.0):
        data = apply_to_data(base, Scenario(budget_scale=scale))
        budgets = dict(zip(data.donors["donor_id"], data.donors["budget_eur"], strict=True))
        assert np.isnan(budgets["ngos"])
        assert budgets["usa"] == pytest.approx(100.0 * scale)


def _s(horizon: int) -> Settings:
    return Settings(start=START, horizon=horizon)


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    not (ROOT / "catalogs" / "default").is_dir(), reason="catalogs/default is not there yet"
)
def test_example_scenarios_fit_the_demo_catalog() -> None:
    from planner.io.catalog import read_catalog

    cat = read_catalog(ROOT / "catalogs" / "default")
    files = sorted(  # disruptions-*.toml are `aidplan stress` files (tests/test_stress.py)
        p for p in (ROOT / "scenarios").glob("*.toml") if not p.name.startswith("disruptions-")
    )
    assert len(files) >= 2
    for path in files:
        assert read_scenario(path, cat).name != path.stem  # each example names itself
