"""The what-if job function (`planner.whatif.solve_run`) is a plain top-level function of
picklable inputs, and gives the outcomes `run_whatif` gives."""

from __future__ import annotations

import pickle

import pytest

from planner.whatif import make_runs, prepare, run_whatif, solve_order, solve_run
from tests.random_instances import random_instance
from tests.test_whatif import inputs_for


def test_solve_run_matches_run_whatif_and_pickles() -> None:
    inst = random_instance(7)
    inputs = inputs_for(inst.catalog, inst.requests, horizon=inst.horizon)
    job = prepare(inputs, make_runs([], [0.5, 1.0]))
    expected = run_whatif(job)
    job2 = pickle.loads(pickle.dumps(job))  # what an executor ships to a worker
    got = [solve_run(job2, p) for p in solve_order(job2)]
    got = sorted(pickle.loads(pickle.dumps(got)), key=lambda o: o.index)
    assert [o.value for o in got] == pytest.approx([o.value for o in expected])
    assert [o.label for o in got] == [o.label for o in expected]
