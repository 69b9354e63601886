"""The benchmark generator writes inputs aidplan reads, and the baseline agrees with aidplan.

Not a timing test: it checks that the small generated instance goes through the real readers
and the planner, and that the independent baseline model (benchmarks/baseline.py) reaches the
same optimal value, the same model size and the same stages.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benchmarks import baseline
from benchmarks.generate import SIZES, make_instance, write_instance
from planner.api import inputs_table, load_inputs, run_plan
from planner.io.plan_workbook import plan_sheets, write_workbook


def test_generator_is_deterministic() -> None:
    a = make_instance("small", seed=3)
    b = make_instance("small", seed=3)
    c = make_instance("small", seed=4)
    assert a.requests.equals(b.requests) and a.offers.equals(b.offers)
    assert not a.offers.equals(c.offers)
    spec = SIZES["small"]
    assert (len(a.requests), len(a.offers), a.horizon) == (spec.lines, spec.offers, spec.periods)


@pytest.mark.parametrize("integer", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_small_instance_reads_plans_and_matches_baseline(tmp_path: Path, integer: bool) -> None:
    inst = make_instance("small", seed=1, integer=integer)
    catalog, requests = write_instance(inst, tmp_path)

    inputs = load_inputs(requests, catalog)
    table = inputs.requests.table.set_index("request_id")
    truth = inst.requests.set_index("request_id")
    assert sorted(table.index) == sorted(truth.index)
    # Every spelling in the workbook (names, aliases, words, W12, dates) read as generated.
    assert (table.loc[truth.index, "item_id"] == truth["item_id"]).all()
    assert (table.loc[truth.index, "priority"] == truth["priority"]).all()
    assert (table.loc[truth.index, "earliest"] == truth["earliest"]).all()
    assert inputs.settings.horizon == inst.horizon

    result = run_plan(inputs)
    assert result.solution.proven_optimal
    write_workbook(tmp_path / "plan.xlsx", plan_sheets(result, inputs_table(inputs, result)))
    assert (tmp_path / "plan.xlsx").stat().st_size > 0

    bm = baseline.build(inst)
    assert bm.n_vars == result.model.n_vars
    assert bm.n_rows == result.model.n_rows
    assert bool(bm.integer.any()) == result.model.is_mip
    base = baseline.solve(bm, stages=3)
    assert len(base.stage_s) == 3
    tol = (2e-4 if integer else 1e-6) * max(1.0, abs(base.value))
    assert result.solution.value == pytest.approx(base.value, abs=tol)
    assert result.solution.value > 0


def test_scaling_fit_recovers_a_power_law() -> None:
    """t = 2 · n^1.5 at n = 100, 400, 1600: log-log slope exactly 1.5; t = 3 (flat): 0."""
    from benchmarks.scaling import fit_exponent

    n = [100.0, 400.0, 1600.0]
    assert abs(fit_exponent(n, [2 * v**1.5 for v in n]) - 1.5) < 1e-12
    assert abs(fit_exponent(n, [3.0, 3.0, 3.0])) < 1e-12
    assert math.isnan(fit_exponent([100.0], [1.0]))


def test_scaling_sizes_grow_from_small_to_twice_medium() -> None:
    """The scaling table's sizes: request lines 20, 75, 150, 300, 450, 600 (¼ … 2 × medium)."""
    from benchmarks.scaling import SIZES as SCALING

    lines = [SIZES[s].lines for s in SCALING]
    assert lines == [20, 75, 150, 300, 450, 600]
