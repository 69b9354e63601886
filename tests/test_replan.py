"""Re-planning against a previous plan (DESIGN.md §7): reader, frozen allocations, stability,
input comparison and the Changes table, on small seeded instances and by hand."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from planner.api import PlanInputs, inputs_table, run_plan
from planner.changes import CHANGE_COLUMNS, PlanTables, plan_changes
from planner.errors import InputError
from planner.io.plan_workbook import plan_sheets, write_workbook
from planner.io.previous_plan import PlanWorkbook, read_plan_workbook
from planner.replan import Replan, compare_inputs, parse_as_of, run_replan, with_previous
from planner.requests import RequestSet
from planner.results import PlanResult
from planner.schema import Settings
from tests.factories import START, make_requests
from tests.random_instances import Instance, random_instance
from tests.test_invariants import check_plan

KEY = ["offer_id", "request_id", "corridor_id", "dispatch_period"]


def inputs_of(inst: Instance, **settings: object) -> PlanInputs:
    s = Settings.model_validate({"start": START, "horizon": inst.horizon, **settings})
    return PlanInputs(inst.catalog, RequestSet(Path("requests.xlsx"), inst.requests), s)


def write_plan(
    inputs: PlanInputs, result: PlanResult, path: Path, changes: pd.DataFrame | None = None
) -> Path:
    write_workbook(path, plan_sheets(result, inputs_table(inputs, result), changes))
    return path


def quantities(alloc: pd.DataFrame) -> dict[tuple[object, ...], float]:
    return {
        (str(a.offer_id), str(a.request_id), str(a.corridor_id), int(a.dispatch_period)): float(
            a.quantity
        )
        for a in alloc.itertuples(index=False)
    }


def replan(
    inputs: PlanInputs, book: PlanWorkbook, as_of: int, freeze: int = 0
) -> tuple[PlanInputs, PlanResult]:
    inputs = with_previous(inputs, book)
    return inputs, run_replan(inputs, Replan(book, as_of, freeze))


@pytest.mark.parametrize(("seed", "integers"), [(0, False), (1, False), (2, False), (101, True)])
@pytest.mark.parametrize("as_of", [1, 3])
def test_unchanged_inputs_replan_equals_previous_exactly(
    seed: int, integers: bool, as_of: int, tmp_path: Path
) -> None:
    inst = random_instance(seed, integers=integers)
    inputs = inputs_of(inst)
    first = run_plan(inputs)
    book = read_plan_workbook(write_plan(inputs, first, tmp_path / "week1.xlsx"))
    _, again = replan(inputs, book, as_of)
    assert quantities(again.allocations) == pytest.approx(quantities(first.allocations), abs=1e-9)
    assert set(quantities(again.allocations)) == set(quantities(first.allocations))
    assert plan_changes(PlanTables.of_workbook(book), PlanTables.of_result(again)).empty


def changed(inst: Instance, cut_from: int) -> Instance:
    """Two more requests (priority 1) and corridor c1 closed from week ``cut_from`` on."""
    cat = inst.catalog
    extra = make_requests(
        [
            {"request_id": "NEW-1", "item_id": "i0", "quantity": 6.0, "priority": 1},
            {"request_id": "NEW-2", "item_id": "i2", "quantity": 4.0, "priority": 1},
        ]
    )
    reqs = pd.concat([inst.requests, extra], ignore_index=True)
    cut = pd.DataFrame(
        [{"corridor_id": "c1", "from_period": cut_from, "to_period": inst.horizon, "capacity_t": 0}]
    )
    changes = pd.concat([cat.capacity_changes, cut], ignore_index=True)
    changes["capacity_t"] = changes["capacity_t"].astype(float)
    return Instance(dataclasses.replace(cat, capacity_changes=changes), reqs, inst.horizon)


@pytest.mark.parametrize(("seed", "integers"), [(3, False), (4, False), (5, False), (102, True)])
def test_frozen_allocations_stay_and_every_constraint_holds(
    seed: int, integers: bool, tmp_path: Path
) -> None:
    """As of week 2 with one frozen week: allocations dispatched in weeks 1–2 are in the new
    plan unchanged, and the new plan (frozen + new) keeps every §4 constraint of the changed
    inputs, checked on the exported workbook."""
    inst = random_instance(seed, integers=integers)
    inputs = inputs_of(inst)
    first = run_plan(inputs)
    book = read_plan_workbook(write_plan(inputs, first, tmp_path / "week1.xlsx"))
    new_inst = changed(inst, cut_from=3)
    new_inputs, result = replan(inputs_of(new_inst), book, as_of=2, freeze=1)
    old = quantities(book.allocations)
    new = quantities(result.allocations)
    frozen = {k: q for k, q in old.items() if k[3] < 3}
    assert frozen, "the instance should ship something in weeks 1-2"
    for k, q in frozen.items():
        assert new.get(k) == pytest.approx(q, abs=1e-9), k
    # week 1 (before as-of) has happened: exactly the previous plan's dispatches, nothing new
    assert {k for k in new if k[3] < 2} == {k for k in old if k[3] < 2}
    path = write_plan(new_inputs, result, tmp_path / "week2.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl", dtype={"request_id": str})
    check_plan(new_inst, result, sheets)
    if set(old) - set(frozen):  # later allocations are the stability stage's target
        assert result.solution.stages[:2] == ["value", "stability"]


def test_frozen_allocation_whose_offer_is_gone_is_an_error(tmp_path: Path) -> None:
    inst = random_instance(3)
    inputs = inputs_of(inst)
    first = run_plan(inputs)
    book = read_plan_workbook(write_plan(inputs, first, tmp_path / "week1.xlsx"))
    early = book.allocations.sort_values("dispatch_period").iloc[0]
    cat = inst.catalog
    offers = cat.offers[cat.offers["offer_id"] != early.offer_id].reset_index(drop=True)
    gone = Instance(dataclasses.replace(cat, offers=offers), inst.requests, inst.horizon)
    with pytest.raises(InputError) as exc:
        replan(inputs_of(gone), book, as_of=int(early.dispatch_period) + 1)
    issue = next(i for i in exc.value.issues if i.row == int(early.row))
    assert issue.code == "frozen-missing" and issue.sheet == "Allocations"
    assert f"offer {early.offer_id} is no longer" in issue.message


def test_frozen_allocation_beyond_new_stock_or_window_is_an_error(tmp_path: Path) -> None:
    """The same frozen allocation: its offer's stock now below it -> frozen-exceeds (names the
    offer); its offer now ready only after it was dispatched -> frozen-not-allowed."""
    inst = random_instance(3)
    inputs = inputs_of(inst)
    first = run_plan(inputs)
    book = read_plan_workbook(write_plan(inputs, first, tmp_path / "week1.xlsx"))
    early = book.allocations.sort_values("dispatch_period").iloc[0]
    cat = inst.catalog
    mine = cat.offers["offer_id"] == early.offer_id
    less = cat.offers.copy()
    less.loc[mine, "quantity"] = float(early.quantity) / 2
    later = cat.offers.copy()
    later.loc[mine, "lead_periods"] = inst.horizon
    as_of = int(early.dispatch_period) + 1
    for offers, code, words in (
        (less, "frozen-exceeds", f"stock of offer {early.offer_id}"),
        (later, "frozen-not-allowed", "no longer possible"),
    ):
        new = Instance(dataclasses.replace(cat, offers=offers), inst.requests, inst.horizon)
        with pytest.raises(InputError) as exc:
            replan(inputs_of(new), book, as_of)
        assert any(i.code == code and words in i.message for i in exc.value.issues), (
            exc.value.issues
        )


def test_changed_horizon_is_an_error_and_other_settings_are_warnings(tmp_path: Path) -> None:
    inst = random_instance(0)
    inputs = inputs_of(inst)
    first = run_plan(inputs)
    book = read_plan_workbook(write_plan(inputs, first, tmp_path / "week1.xlsx"))
    longer = inputs_of(inst, horizon=inst.horizon + 1)
    issues = compare_inputs(book, longer)
    errors = [i for i in issues if i.severity == "error"]
    assert [i.code for i in errors] == ["replan-settings"]
    assert "horizon" in errors[0].message and errors[0].sheet == "Inputs" and errors[0].row
    cheaper = inputs_of(inst, late_penalty=0.01)
    issues = compare_inputs(book, cheaper)
    assert [(i.code, i.severity) for i in issues] == [("input-changed", "warning")]
    assert "late_penalty: 0.02 in the previous plan, 0.01 now" in issues[0].message
    assert with_previous(cheaper, book).warnings[-1] == issues[0]
    assert ("previous plan", book.path) in with_previous(cheaper, book).files


def test_as_of_accepts_dates_and_weeks() -> None:
    """Start 2022-03-07, 7-day weeks: 2022-03-21 is week 3, like W3, 'week 3' and 3."""
    s = Settings(start=START, horizon=10)
    assert {parse_as_of(t, s) for t in ("2022-03-21", "W3", "week 3", "3")} == {3}
    for bad in ("W11", "soon"):
        with pytest.raises(InputError):
            parse_as_of(bad, s)


PLAIN_HEADERS = {
    "request_id": "Request",
    "requested_item": "Requested item",
    "item_id": "Item sent",
    "donor_id": "Donor",
    "offer_id": "Offer",
    "corridor_id": "Corridor",
    "dispatch_period": "Dispatch week",
    "arrival_period": "Arrival week",
    "arrival_date": "Arrival date",
    "quantity": "Quantity (units)",
    "effective_quantity": "Effective quantity (units)",
    "unit_cost_eur": "Unit cost (EUR)",
    "cost_eur": "Cost (EUR)",
    "weight_t": "Weight (t)",
    "late_periods": "Late weeks",
    "kind": "Kind",
    "name": "Name",
    "path": "Path",
    "sha256": "SHA-256",
    "value": "Value",
    "priority": "Priority",
    "delivered": "Delivered (units)",
    "status": "Status",
    "period": "Week",
    "capacity_t": "Capacity (t)",
}


def plain_copy(src: Path, dst: Path) -> None:
    """The workbook with plain-word headers and every sheet's columns in reverse order."""
    wb = openpyxl.load_workbook(src)
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        ws.delete_rows(1, ws.max_row)
        for i, row in enumerate(rows):
            if i == 0:
                names = {**PLAIN_HEADERS, "item_id": "Item"} if ws.title != "Allocations" else {}
                row = [(names or PLAIN_HEADERS).get(str(h), h) for h in row]
            ws.append(list(reversed(row)))
    wb.save(dst)


def test_reader_takes_plain_word_headers_in_any_column_order(tmp_path: Path) -> None:
    inst = random_instance(1)
    inputs = inputs_of(inst)
    result = run_plan(inputs)
    snake = write_plan(inputs, result, tmp_path / "snake.xlsx")
    plain_copy(snake, tmp_path / "plain.xlsx")
    a, b = read_plan_workbook(snake), read_plan_workbook(tmp_path / "plain.xlsx")
    cols = [c for c in a.allocations.columns if c != "row"]
    pd.testing.assert_frame_equal(a.allocations[cols], b.allocations[cols])
    pd.testing.assert_frame_equal(a.requests, b.requests)
    pd.testing.assert_frame_equal(a.corridors, b.corridors)
    assert len(a.corridors) == 3 * inst.horizon  # c0, c1, c2 per week
    assert a.setting("horizon")[0] == b.setting("horizon")[0] == inst.horizon
    assert len(a.allocations) == len(result.allocations) > 0


def test_reader_errors_name_the_cell(tmp_path: Path) -> None:
    inst = random_instance(1)
    inputs = inputs_of(inst)
    path = write_plan(inputs, run_plan(inputs), tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Allocations"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("quantity") + 1, value="ten")
    ws.cell(row=4, column=header.index("dispatch_period") + 1, value="soon")
    wb.save(path)
    with pytest.raises(InputError) as exc:
        read_plan_workbook(path)
    got = {(i.code, i.sheet, i.row, (i.column or "").split()[0]) for i in exc.value.issues}
    q = openpyxl.utils.get_column_letter(header.index("quantity") + 1)
    d = openpyxl.utils.get_column_letter(header.index("dispatch_period") + 1)
    assert got == {
        ("bad-plan-cell", "Allocations", 3, q),
        ("bad-plan-cell", "Allocations", 4, d),
    }
    del wb["Inputs"]
    wb.save(path)
    with pytest.raises(InputError) as exc:
        read_plan_workbook(path)
    assert [i.code for i in exc.value.issues] == ["not-a-plan"]


def tables(
    rows: list[tuple[str, str, str, str, int, float]], reqs: list[tuple[str, int, str]]
) -> PlanTables:
    alloc = pd.DataFrame(
        rows,
        columns=[
            "request_id",
            "donor_id",
            "corridor_id",
            "offer_id",
            "dispatch_period",
            "quantity",
        ],
    )
    req = pd.DataFrame(reqs, columns=["request_id", "priority", "status"])
    req["item_id"] = "a"
    req["quantity"] = 10.0
    req["delivered"] = np.nan
    return PlanTables(alloc, req)


def test_plan_changes_by_hand() -> None:
    """Old: R1 (P2) gets 10 from d1 via c1 in W1; R2 (P1) 5 from d1 via c1 in W1.
    New: R1 gets 6 from d1/c1 in W1 and 4 from d2/c2 in W2; R2 the same 5, in W2.
    Changes, priority first, then size: R2 week (P1, size 0); then R1 (P2): less −4 (d1) and
    added +4 (d2), equal size, by donor. R1's status 'met' both times: no status row."""
    old = tables(
        [("R1", "d1", "c1", "o1", 1, 10.0), ("R2", "d1", "c1", "o1", 1, 5.0)],
        [("R1", 2, "met"), ("R2", 1, "met")],
    )
    new = tables(
        [
            ("R1", "d1", "c1", "o1", 1, 6.0),
            ("R1", "d2", "c2", "o2", 2, 4.0),
            ("R2", "d1", "c1", "o1", 2, 5.0),
        ],
        [("R1", 2, "met"), ("R2", 1, "met")],
    )
    ch = plan_changes(old, new)
    assert list(ch.columns) == CHANGE_COLUMNS
    got = [(r.request_id, r.change, r.donor_id, r.quantity_change) for r in ch.itertuples()]
    assert got == [
        ("R2", "week", "d1", 0.0),
        ("R1", "less", "d1", -4.0),
        ("R1", "added", "d2", 4.0),
    ]
    assert ch.loc[0, "old_weeks"] == "W1: 5" and ch.loc[0, "new_weeks"] == "W2: 5"
    assert plan_changes(old, old).empty and plan_changes(new, new).empty
    # a status change adds one row per request, after its shipments of the same size
    gone = tables([("R2", "d1", "c1", "o1", 1, 5.0)], [("R1", 2, "unmet"), ("R2", 1, "met")])
    ch = plan_changes(old, gone)
    assert [(r.request_id, r.change) for r in ch.itertuples()] == [
        ("R1", "removed"),
        ("R1", "status"),
    ]
    assert ch.loc[1, "detail"] == "met → unmet"
    # why: c1 closed in week 1 in the new plan (capacity 10 → 0), where R1's 10 units went
    shut = PlanTables(
        gone.allocations,
        gone.requests,
        pd.DataFrame({"corridor_id": ["c1", "c1"], "period": [1, 2], "capacity_t": [0.0, 10.0]}),
    )
    ch = plan_changes(
        dataclasses.replace(
            old,
            corridors=pd.DataFrame(
                {"corridor_id": ["c1", "c1"], "period": [1, 2], "capacity_t": [10.0, 10.0]}
            ),
        ),
        shut,
    )
    assert ch.loc[0, "detail"].endswith("no longer sent (W1: 10); c1 closed in W1")


def test_input_files_compared_by_hash_and_role(tmp_path: Path) -> None:
    """Previous Inputs: requests a.xlsx (hash h1), scenario s.toml (hash of its text) and the
    scenario's name row (no path, no hash: not a file). Now: requests b.xlsx, the same s.toml.
    Expected: one warning, the request workbook renamed; nothing about the scenario."""
    from planner.api import sha256_of
    from planner.io.previous_plan import PlanWorkbook

    scen = tmp_path / "s.toml"
    scen.write_text('name = "cut"\n')
    inst = random_instance(0)
    s = Settings(start=START, horizon=inst.horizon)
    rows = [
        ("requests", "a.xlsx", "a.xlsx", "h1", None),
        ("scenario", "s.toml", str(scen), sha256_of(scen), None),
        ("scenario", "name", "", "", "cut"),
        ("setting", "start", "", "", START),
        ("setting", "period_days", "", "", 7),
        ("setting", "horizon", "", "", inst.horizon),
    ]
    inputs = pd.DataFrame(rows, columns=["kind", "name", "path", "sha256", "value"])
    inputs["row"] = range(2, 2 + len(rows))
    book = PlanWorkbook(tmp_path / "old.xlsx", "old.xlsx", pd.DataFrame(), pd.DataFrame(), inputs)
    now = PlanInputs(
        inst.catalog,
        RequestSet(Path("b.xlsx"), inst.requests),
        s,
        files=(("requests", tmp_path / "b.xlsx"), ("scenario", scen)),
    )
    issues = compare_inputs(book, now)
    assert [(i.code, i.row, i.message) for i in issues] == [
        ("input-changed", 2, "requests file a.xlsx in the previous plan, b.xlsx now")
    ]


def test_nothing_new_is_dispatched_before_as_of(tmp_path: Path) -> None:
    """One offer of 10 units (week 1 on), one P1 request of 10 due week 3, corridor 100 t, no
    transit. The previous plan sent nothing (empty Allocations). From scratch the arrival stage
    dispatches all 10 in week 1; re-planned as of week 2, week 1 has happened: all 10 go in
    week 2 (same value: due week 3, no lateness)."""
    from planner.catalog import Catalog
    from planner.io.previous_plan import ALLOCATION_COLUMNS, PlanWorkbook
    from tests.factories import make_catalog

    cat: Catalog = make_catalog(
        items=[{"item_id": "a", "unit_weight_t": 1.0}],
        donors=[{"donor_id": "d1"}],
        offers=[{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10}],
        corridors=[{"corridor_id": "c1", "capacity_t": 100}],
    )
    reqs = make_requests([{"request_id": "R1", "item_id": "a", "quantity": 10, "priority": 1,
                           "needed_by": 3}])  # fmt: skip
    inputs = inputs_of(Instance(cat, reqs, 3))
    assert run_plan(inputs).allocations["dispatch_period"].tolist() == [1]
    book = read_plan_workbook(write_plan(inputs, run_plan(inputs), tmp_path / "p.xlsx"))
    empty = PlanWorkbook(
        book.path, book.display, pd.DataFrame(columns=ALLOCATION_COLUMNS), book.requests,
        book.inputs,
    )  # fmt: skip
    res = run_replan(inputs, Replan(empty, as_of=2))
    assert res.allocations[["dispatch_period", "quantity"]].values.tolist() == [[2, 10.0]]
