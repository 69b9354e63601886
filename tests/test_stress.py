"""`aidplan stress` (DESIGN.md §9): the sampling law, the two views, the executors, the CLI.

Small cases built in Python, with the expected numbers worked out by hand in each docstring.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from planner.cli import _register, app
from planner.data import PlanningData, build_planning_data
from planner.errors import InputError
from planner.executor import ExecutorUnavailable, WorkerSetup, check_executor, run_jobs
from planner.schema import Settings
from planner.stress.evaluate import SampleEvaluator, StressJob, evaluate_sample, make_evaluator
from planner.stress.report import stress_job
from planner.stress.sampling import (
    NO_DISRUPTIONS,
    CorridorDisruption,
    Disruptions,
    Sample,
    check_disruptions,
    draw_sample,
    risk_table,
    sampled_data,
)
from tests.factories import START, make_catalog, make_requests

ROOT = Path(__file__).resolve().parent.parent
if not app.registered_commands:
    _register()


def two_donor_data(
    *,
    rel_a: float = 0.8,
    rel_b: float = 0.5,
    status_a: str = "announced",
    status_b: str = "committed",
    delay_a: float = 0.0,
    delay_b: float = 0.0,
    horizon: int = 4,
) -> PlanningData:
    """Donor A offers 10 kits, donor B 20 kits; one P1 request for 30 kits (weight 1000),
    due in period 2; one road corridor of 1000 t/period, transit 0; kits weigh 1 t."""
    cat = make_catalog(
        items=[{"item_id": "kit", "unit_weight_t": 1.0}],
        donors=[
            {"donor_id": "A", "reliability": rel_a, "delay_periods": delay_a},
            {"donor_id": "B", "reliability": rel_b, "delay_periods": delay_b},
        ],
        offers=[
            {
                "offer_id": "a1",
                "donor_id": "A",
                "item_id": "kit",
                "quantity": 10,
                "status": status_a,
            },
            {
                "offer_id": "b1",
                "donor_id": "B",
                "item_id": "kit",
                "quantity": 20,
                "status": status_b,
            },
        ],
        corridors=[{"corridor_id": "road", "capacity_t": 1000.0}],
    )
    req = make_requests([{"item_id": "kit", "quantity": 30, "priority": 1, "needed_by": 2}])
    return build_planning_data(cat, req, Settings(start=START, horizon=horizon))


# --------------------------------------------------------------------------------------------
# Sampling law


def test_same_seed_same_sample_whatever_the_order() -> None:
    """Sample i depends only on (seed, i): drawn alone, after others, or twice, it is equal."""
    data = two_donor_data(delay_a=1.5, delay_b=2.0)
    law = Disruptions("x", (CorridorDisruption("road", 0.3, 2),))
    risk = risk_table(data, law)
    first = [draw_sample(risk, 7, i) for i in range(6)]
    again = [draw_sample(risk, 7, i) for i in reversed(range(6))][::-1]
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a.offer_failed, b.offer_failed)
        assert np.array_equal(a.offer_slip, b.offer_slip)
        assert np.array_equal(a.corridor_open, b.corridor_open)
    other_seed = [draw_sample(risk, 8, i) for i in range(6)]
    assert any(
        not np.array_equal(a.corridor_open, b.corridor_open)
        or not np.array_equal(a.offer_failed, b.offer_failed)
        for a, b in zip(first, other_seed, strict=True)
    )


def test_two_donor_shortfall_distribution() -> None:
    """p_fail = w · (1 − ρ): A announced (w = 1), ρ = 0.8 → 0.2; B committed (w = 0.5), ρ = 0.5
    → 0.25. Independent, so the units lost (A has 10, B 20) are distributed as

        0 lost:  0.8 · 0.75 = 0.60      10 lost: 0.2 · 0.75 = 0.15
        20 lost: 0.8 · 0.25 = 0.20      30 lost: 0.2 · 0.25 = 0.05   (sum 1.00)

    and the mean loss is 10 · 0.2 + 20 · 0.25 = 7 units. Over 20,000 samples each share has a
    standard error of at most √(0.6 · 0.4 / 20000) ≈ 0.0035; the test allows 0.015 (> 4 σ).
    """
    data = two_donor_data()
    risk = risk_table(data)
    assert risk.fail_p.tolist() == pytest.approx([0.2, 0.25])
    n = 20_000
    lost = np.array(
        [float(draw_sample(risk, 3, i).offer_failed @ np.array([10.0, 20.0])) for i in range(n)]
    )
    expected = {0.0: 0.60, 10.0: 0.15, 20.0: 0.20, 30.0: 0.05}
    for units, p in expected.items():
        assert abs(float((lost == units).mean()) - p) < 0.015, units
    assert set(np.unique(lost)) <= set(expected)
    assert abs(lost.mean() - 7.0) < 0.35  # σ of the mean ≈ √(Var/n) ≈ 0.07


def test_delivered_offers_never_fail_nor_slip_and_delay_zero_never_slips() -> None:
    """Delivered (w = 0): p_fail = 0 · (1 − 0) = 0 and no slip even at ρ = 0, δ = 5. Committed
    with δ = 0: a slip of Poisson(0) = 0 periods."""
    data = two_donor_data(rel_a=0.0, status_a="delivered", delay_a=5.0, delay_b=0.0)
    risk = risk_table(data)
    for i in range(300):
        s = draw_sample(risk, 1, i)
        assert not s.offer_failed[0] and s.offer_slip[0] == 0
        assert s.offer_slip[1] == 0


def test_slip_law_announced_mean_delay() -> None:
    """Announced offer (w = 1) of a donor with ρ = 1, δ = 2: never fails, always slips by
    Poisson(2): mean 2, P(0) = e^−2 ≈ 0.135. Committed (w = 0.5), δ = 2: mean 0.5 · 2 = 1."""
    data = two_donor_data(rel_a=1.0, rel_b=1.0, delay_a=2.0, delay_b=2.0)
    risk = risk_table(data)
    slips = np.array([draw_sample(risk, 5, i).offer_slip for i in range(8000)])
    assert abs(slips[:, 0].mean() - 2.0) < 0.08  # σ ≈ √(2 / 8000) ≈ 0.016
    assert abs((slips[:, 0] == 0).mean() - np.exp(-2)) < 0.02
    assert abs(slips[:, 1].mean() - 1.0) < 0.08


def test_closure_law_one_corridor() -> None:
    """π = 0.5, L = 2, horizon 4: period 1 is closed only when a closure starts in it, P = 0.5;
    period 2 when one starts in 1 or 2, P = 1 − 0.5² = 0.75. Closed capacity is 0."""
    data = two_donor_data()
    risk = risk_table(data, Disruptions("x", (CorridorDisruption("road", 0.5, 2),)))
    samples = [draw_sample(risk, 11, i) for i in range(8000)]
    closed = np.array([~s.corridor_open[0] for s in samples], dtype=float)
    assert abs(closed[:, 0].mean() - 0.5) < 0.025
    assert abs(closed[:, 1].mean() - 0.75) < 0.025
    assert not any((~s.corridor_open[1]).any() for s in samples)  # the virtual corridor
    some = next(s for s in samples if not s.corridor_open[0, 0])
    assert sampled_data(data, some).capacity_t[0, 0] == 0.0
    assert data.capacity_t[0, 0] == 1000.0  # the base data is not changed


# --------------------------------------------------------------------------------------------
# The two views


def test_reliability_one_no_disruptions_every_sample_is_the_base_plan() -> None:
    """Nothing can fail or slip: both views of every sample equal the base plan (score 1:
    30 kits of 30 arrive in period 1, on time)."""
    data = two_donor_data(rel_a=1.0, rel_b=1.0)
    job, base = stress_job(data, NO_DISRUPTIONS, seed=4)
    assert base == pytest.approx(1.0)
    ev = SampleEvaluator(job)
    for i in range(5):
        out = ev.run(i)
        assert out.base_score == base and out.replan_score == base
        assert out.offers_failed == out.offers_slipped == out.closed_periods == 0
        assert out.base_on_time.tolist() == out.replan_on_time.tolist() == [True]


def test_demo_with_reliability_one_equals_its_base_plan() -> None:
    """The demo's own catalog with every reliability 1, delays 0 and no disruptions: the
    samples are the base plan, line by line."""
    from planner.api import load_inputs, planning_data

    data = planning_data(load_inputs())
    data = data.with_(donors=data.donors.assign(reliability=1.0, delay_periods=0.0))
    job, base = stress_job(data, NO_DISRUPTIONS, seed=0)
    ev = SampleEvaluator(job)
    out = ev.run(0)
    assert out.base_score == pytest.approx(base, abs=1e-12)
    assert out.replan_score == pytest.approx(base, abs=1e-12)
    assert np.array_equal(out.base_on_time, out.replan_on_time)


def test_replan_score_follows_the_failed_offers_exactly() -> None:
    """Re-plan score = (10 · [A holds] + 20 · [B holds]) / 30 (everything left arrives in
    period 1, on time): 1, 2/3, 1/3 or 0, for every sample, exactly."""
    data = two_donor_data()
    job, _ = stress_job(data, NO_DISRUPTIONS, seed=9)
    ev = SampleEvaluator(job)
    for i in range(12):
        s = draw_sample(job.risk, 9, i)
        held = 10 * (not s.offer_failed[0]) + 20 * (not s.offer_failed[1])
        out = ev.run(i)
        assert out.replan_score == pytest.approx(held / 30, abs=1e-9)
        assert out.base_score == pytest.approx(held / 30, abs=1e-9)


def test_base_view_slip_late_and_closure() -> None:
    """Base plan: a1 sends 10 and b1 20 in period 1 (due 2), score 1.

    - b1 slips 3 periods: its 20 kits arrive in period 4, 2 late: worth 1000/30 · 20 · (1 −
      0.02 · 2) = 640; with a1's 1000/30 · 10 = 333.33: score (333.33 + 640) / 1000 = 0.97333;
      met, but not on time.
    - b1 slips 4: arrival 5 > horizon 4, lost: score 1/3, not met.
    - the road closed in period 1: every shipment is lost: score 0.
    """
    data = two_donor_data()
    job, base = stress_job(data, NO_DISRUPTIONS, seed=0)
    assert base == pytest.approx(1.0)
    ev = SampleEvaluator(job)
    open_all = np.ones((2, 4), dtype=bool)

    def view(slip_b: int, is_open: np.ndarray = open_all) -> tuple[float, bool, bool]:
        s = Sample(0, np.array([False, False]), np.array([0, slip_b]), is_open)
        score, on_time, met = ev.base_view(s)
        return score, bool(on_time[0]), bool(met[0])

    score, on_time, met = view(3)
    assert score == pytest.approx((1000 / 3 + 640) / 1000)
    assert (on_time, met) == (False, True)
    assert view(4)[0] == pytest.approx(1 / 3)
    assert view(4)[2] is False
    closed = open_all.copy()
    closed[0, 0] = False
    assert view(0, closed)[0] == 0.0


# --------------------------------------------------------------------------------------------
# Executors


def _risky_job() -> StressJob:
    data = two_donor_data(delay_a=1.0, delay_b=2.0)
    law = Disruptions("x", (CorridorDisruption("road", 0.2, 2),))
    job, _ = stress_job(data, law, seed=21)
    return job


def _key(outs: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (o.index, o.base_score, o.replan_score, o.offers_failed, o.slip_periods,
         o.closed_periods, o.base_on_time.tolist(), o.replan_on_time.tolist(),
         o.corridor_binding.tolist(), o.budget_binding.tolist())
        for o in outs
    ]  # fmt: skip


def test_dask_and_local_executors_agree_sample_by_sample() -> None:
    """Same seed, same samples: in this process, on 2 local processes, on a Dask cluster."""
    pytest.importorskip("dask.distributed")
    job = _risky_job()
    spec = WorkerSetup(make_evaluator, job, evaluate_sample)
    items = list(range(10))
    serial = run_jobs(spec, items, executor="local", workers=1)
    pooled = run_jobs(spec, items, executor="local", workers=2)
    seen: list[int] = []
    dask = run_jobs(
        spec,
        items,
        executor="dask",
        workers=2,
        dask_processes=False,
        on_done=lambda pos, _r: seen.append(pos),
    )
    assert _key(serial) == _key(pooled) == _key(dask)
    assert sorted(seen) == items
    assert len({o.replan_score for o in serial}) > 1  # the futures do differ


def test_dask_missing_is_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """--executor dask without dask installed: a clear message, exit 2, nothing solved."""
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ExecutorUnavailable, match="aidplan\\[cluster\\]"):
        check_executor("dask", None)
    res = CliRunner().invoke(app, ["stress", "--samples", "2", "--executor", "dask"])
    assert res.exit_code == 2
    assert "[bad-executor]" in res.output


def test_unknown_executor_and_scheduler_without_dask() -> None:
    with pytest.raises(ExecutorUnavailable):
        check_executor("spark", None)
    with pytest.raises(ExecutorUnavailable, match="--executor dask"):
        check_executor("local", "tcp://127.0.0.1:8786")


# --------------------------------------------------------------------------------------------
# Disruptions file and CLI


def _catalog_corridors() -> Any:
    from planner.io.catalog import read_catalog

    return read_catalog(ROOT / "catalogs" / "default")


def test_demo_disruptions_file_reads() -> None:
    from planner.stress.sampling import read_disruptions

    law = read_disruptions(ROOT / "scenarios" / "disruptions-2022.toml", _catalog_corridors())
    assert {d.corridor_id for d in law.corridors} == {
        "air_rzeszow", "rail_przemysl", "rail_dorohusk", "road_korczowa", "sea_constanta"
    }  # fmt: skip
    assert all("ASSUMPTION" in d.note for d in law.corridors)


@pytest.mark.parametrize(
    ("raw", "code", "column"),
    [
        ({"corridors": {"nowhere": {"closure_probability": 0.1, "closure_periods": 1}}},
         "unknown-corridor", "corridors.nowhere"),
        ({"corridors": {"road_korczowa": {"closure_probability": 1.5, "closure_periods": 1}}},
         "bad-disruption", "corridors.road_korczowa.closure_probability"),
        ({"corridors": {"road_korczowa": {"closure_probability": 0.1, "closure_periods": 0}}},
         "bad-disruption", "corridors.road_korczowa.closure_periods"),
        ({"corridors": {"road_korczowa": {"closure_probability": 0.1, "closure_periods": 1.5}}},
         "bad-disruption", "corridors.road_korczowa.closure_periods"),
        ({"corridors": {"road_korczowa": {"closure_probability": "often", "closure_periods": 1}}},
         "bad-disruption", "corridors.road_korczowa.closure_probability"),
        ({"corridors": {"road_korczowa": {"closure_probability": 0.1, "closure_periods": 1,
                                          "closure_lenght": 2}}},
         "unknown-key", "corridors.road_korczowa.closure_lenght"),
        ({"corridor": {}}, "unknown-key", "corridor"),
    ],
)  # fmt: skip
def test_bad_disruptions_named_at_their_key(raw: dict[str, Any], code: str, column: str) -> None:
    with pytest.raises(InputError) as exc:
        check_disruptions(raw, _catalog_corridors(), "d.toml")
    assert (code, column) in [(i.code, i.column) for i in exc.value.errors]


def test_cli_bad_disruptions_file_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "[corridors.rail_przemysl]\nclosure_probability = 2\nclosure_periods = 1\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        app,
        ["stress", "--samples", "2", "--disruptions", str(bad), "--out", str(tmp_path / "s.xlsx")],
    )
    assert res.exit_code == 2, res.output
    assert "corridors.rail_przemysl.closure_probability" in res.output
    assert "[bad-disruption]" in res.output
    assert not (tmp_path / "s.xlsx").exists()
    broken = tmp_path / "broken.toml"
    broken.write_text("[corridors\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["stress", "--samples", "2", "--disruptions", str(broken)])
    assert res.exit_code == 2 and "[bad-toml]" in res.output


def test_cli_stress_demo_writes_workbook_and_json(tmp_path: Path) -> None:
    """One real run on the demo: 2 samples in this process, the workbook with its six sheets
    and three charts, and --json with the same distribution."""
    import openpyxl

    out = tmp_path / "stress.xlsx"
    res = CliRunner().invoke(
        app,
        ["stress", "--samples", "2", "--seed", "3", "--jobs", "1", "--json", "--out", str(out),
         "--disruptions", str(ROOT / "scenarios" / "disruptions-2022.toml")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout.splitlines()[0])
    assert [r["view"] for r in payload["Distribution"]] == [
        "base plan as it stands",
        "best re-plan",
    ]
    assert len(payload["Samples"]) == 2
    for row in payload["Distribution"]:
        assert 0 <= row["p10"] <= row["p50"] <= row["p90"] <= 1
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Distribution", "Requests", "Binding", "Samples", "Inputs"]
    assert sum(len(ws._charts) for ws in wb) == 3
    assert not list(tmp_path.glob(".*.tmp"))
    # Critical lines counted as a plan counts them: component lines of packages (M-15/shell_155
    # is priority 1) count through their package line (a trial found 18 against the plan's 17).
    from planner.api import load_inputs, planning_data

    req = planning_data(load_inputs()).requests
    own_p1 = int(((req["priority"] == 1) & (req["package_of"] < 0)).sum())
    assert own_p1 < int((req["priority"] == 1).sum())  # the demo has a critical component line
    summary = {r["key"]: r["value"] for r in payload["Summary"]}
    assert summary["critical lines"] == own_p1


def _refused_before_solving(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> str:
    """Run ``aidplan stress`` with the base plan's solve made to fail loudly: an output refused
    before any solving exits 2 without reaching it."""
    import planner.stress.report as report

    def no_solve(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("solved before the output was checked")

    monkeypatch.setattr(report, "stress_job", no_solve)
    res = CliRunner().invoke(app, ["stress", "--samples", "1", *args])
    assert res.exit_code == 2, res.output
    return res.output


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda t: t / "s.csv", "[output-extension]"),
        (lambda t: t, "[output-not-a-file]"),  # a folder
        (lambda t: ROOT / "requests" / "demo.xlsx", "[output-is-input]"),
        (lambda t: ROOT / "catalogs" / "default" / "items.csv", "[output-is-input]"),
        (lambda t: ROOT / "scenarios" / "disruptions-2022.toml", "[output-is-input]"),
    ],
    ids=["extension", "folder", "request-workbook", "catalog-file", "disruptions-file"],
)
def test_cli_out_refused_before_any_solving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Any, code: str
) -> None:
    """--out is checked by planner.io.output_paths.check_outputs, like every other command:
    each bad target is refused with its code, exit 2, before the base plan is solved, and an
    input named as --out is left byte for byte (the demo's disruptions file counts as input)."""
    target = make(tmp_path)
    before = target.read_bytes() if target.is_file() else None
    output = _refused_before_solving(monkeypatch, ["--out", str(target)])
    assert code in output
    if before is not None:
        assert target.read_bytes() == before


def test_cli_out_symlink_to_an_input_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A symbolic link named stress.xlsx that points at the request workbook given: the same
    file, so [output-is-input], exit 2, the workbook untouched."""
    requests = tmp_path / "req.xlsx"
    requests.write_bytes((ROOT / "requests" / "demo.xlsx").read_bytes())
    link = tmp_path / "stress.xlsx"
    link.symlink_to(requests)
    output = _refused_before_solving(
        monkeypatch,
        [str(requests), "--catalog", str(ROOT / "catalogs" / "default"), "--out", str(link)],
    )
    assert "[output-is-input]" in output
    assert requests.read_bytes() == (ROOT / "requests" / "demo.xlsx").read_bytes()


# --------------------------------------------------------------------------------------------
# Catalog columns and --pledges firm


def test_pledges_firm_drops_announced_offers() -> None:
    """a1 is announced, b1 committed: with pledges = firm only b1's 20 kits are planned, score
    20/30 = 2/3; with all, 30/30."""
    data = two_donor_data()
    firm = build_planning_data(
        make_catalog(
            items=[{"item_id": "kit", "unit_weight_t": 1.0}],
            donors=[{"donor_id": "A"}, {"donor_id": "B"}],
            offers=[
                {"offer_id": "a1", "donor_id": "A", "item_id": "kit", "quantity": 10,
                 "status": "announced"},
                {"offer_id": "b1", "donor_id": "B", "item_id": "kit", "quantity": 20,
                 "status": "delivered"},
            ],
            corridors=[{"corridor_id": "road", "capacity_t": 1000.0}],
        ),
        data.requests,
        Settings(start=START, horizon=4, pledges="firm"),
    )  # fmt: skip
    assert firm.offers["offer_id"].tolist() == ["b1"]
    _, score = stress_job(firm)
    assert score == pytest.approx(2 / 3)
    _, score_all = stress_job(data)
    assert score_all == pytest.approx(1.0)
