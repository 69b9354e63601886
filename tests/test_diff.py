"""`aidplan diff` and what it rests on (DESIGN.md §7): the plan-workbook reader
(planner.io.previous_plan) on main's plain-word workbooks and on snake_case ones, its cell-located
errors, the changes table by hand (planner.changes), and the command's exit codes and outputs.

Re-planning itself (`aidplan plan --previous`, its Changes sheet) is tested in
tests/test_replan.py and tests/test_cli_replan.py.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.api import run_plan
from planner.changes import CHANGE_COLUMNS, PlanTables, plan_changes
from planner.cli import _register, app
from planner.errors import InputError
from planner.io.plan_workbook import column_of
from planner.io.previous_plan import read_plan_workbook
from planner.io.sheet_writer import header_text
from tests.plan_cases import changed, inputs_of, write_plan
from tests.random_instances import random_instance

_register()
runner = CliRunner()


def snake_copy(src: Path, dst: Path) -> None:
    """The workbook with snake_case headers (planner.io.plan_workbook.column_of, as plans of
    earlier versions wrote them) and every sheet's columns in reverse order."""
    wb = openpyxl.load_workbook(src)
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        ws.delete_rows(1, ws.max_row)
        for i, row in enumerate(rows):
            if i == 0 and ws.title != "Summary":
                row = [column_of(ws.title, str(h)) if h is not None else h for h in row]
            ws.append(list(reversed(row)) if ws.title != "Summary" else row)
    wb.save(dst)


def test_reader_takes_plain_word_and_snake_case_headers_in_any_order(tmp_path: Path) -> None:
    inst = random_instance(1)
    inputs = inputs_of(inst)
    result = run_plan(inputs)
    plain = write_plan(inputs, result, tmp_path / "plain.xlsx")
    snake_copy(plain, tmp_path / "snake.xlsx")
    a, b = read_plan_workbook(plain), read_plan_workbook(tmp_path / "snake.xlsx")
    cols = [c for c in a.allocations.columns if c != "row"]
    pd.testing.assert_frame_equal(a.allocations[cols], b.allocations[cols])
    pd.testing.assert_frame_equal(a.requests, b.requests)
    pd.testing.assert_frame_equal(a.corridors, b.corridors)
    assert len(a.corridors) == 3 * inst.horizon  # c0, c1, c2 per week
    assert a.setting("horizon")[0] == b.setting("horizon")[0] == inst.horizon
    # every allocation of the plan is read back with its quantity and week
    assert len(a.allocations) == len(result.allocations) > 0
    got = sorted(
        (str(r.offer_id), str(r.request_id), int(r.dispatch_period), round(float(r.quantity), 9))
        for r in a.allocations.itertuples()
    )
    want = sorted(
        (str(r.offer_id), str(r.request_id), int(r.dispatch_period), round(float(r.quantity), 9))
        for r in result.allocations.itertuples()
    )
    assert got == want
    read = dict(zip(a.requests["request_id"].astype(str), a.requests["status"], strict=True))
    planned = dict(
        zip(result.requests["request_id"].astype(str), result.requests["status"], strict=True)
    )
    assert read == planned


def test_reader_errors_name_the_cell(tmp_path: Path) -> None:
    inst = random_instance(1)
    inputs = inputs_of(inst)
    path = write_plan(inputs, run_plan(inputs), tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Allocations"]
    header = [c.value for c in ws[1]]
    qi, di = header.index("Quantity (units)"), header.index("Dispatch week")
    ws.cell(row=3, column=qi + 1, value="ten")
    ws.cell(row=4, column=di + 1, value="soon")
    wb.save(path)
    with pytest.raises(InputError) as exc:
        read_plan_workbook(path)
    got = {(i.code, i.sheet, i.row, (i.column or "").split()[0]) for i in exc.value.issues}
    q = openpyxl.utils.get_column_letter(qi + 1)
    d = openpyxl.utils.get_column_letter(di + 1)
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


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_diff_of_a_plan_with_itself_is_empty(in_tmp: Path) -> None:
    inst = random_instance(2)
    inputs = inputs_of(inst)
    plan = write_plan(inputs, run_plan(inputs), in_tmp / "old.xlsx")
    res = runner.invoke(app, ["diff", str(plan), str(plan), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["changes"] == []
    res = runner.invoke(app, ["diff", str(plan), str(plan)])
    assert res.exit_code == 0 and "no changes" in res.output


def test_diff_lists_the_changes_of_the_two_plans(in_tmp: Path) -> None:
    """Two plans from scratch, before and after two new requests and a corridor cut: `aidplan
    diff --json` and `aidplan diff --out` list exactly plan_changes of the two plans as
    planned (not as read back), and the new requests are among them."""
    inst = random_instance(4)
    inputs = inputs_of(inst)
    first = run_plan(inputs)
    old = write_plan(inputs, first, in_tmp / "old.xlsx")
    new_inputs = inputs_of(changed(inst, cut_from=2))
    second = run_plan(new_inputs)
    new = write_plan(new_inputs, second, in_tmp / "new.xlsx")
    expected = plan_changes(PlanTables.of_result(first), PlanTables.of_result(second))
    assert len(expected), "the changed inputs should change the plan"
    res = runner.invoke(app, ["diff", str(old), str(new), "--json", "--out", "diff.xlsx"])
    assert res.exit_code == 0, res.output
    listed = pd.DataFrame(json.loads(res.output)["changes"])
    written = pd.read_excel(
        in_tmp / "diff.xlsx", sheet_name="Changes", dtype={"Request": str}, engine="openpyxl"
    )
    assert list(written.columns) == [header_text(c) for c in CHANGE_COLUMNS]
    written.columns = CHANGE_COLUMNS
    cols = ["request_id", "change", "donor_id", "corridor_id", "old_weeks", "new_weeks"]
    for other in (listed, written):
        assert other[cols].fillna("").values.tolist() == expected[cols].fillna("").values.tolist()
        assert other["quantity_change"].tolist() == pytest.approx(
            expected["quantity_change"].tolist(), abs=1e-9
        )
    assert {"NEW-1", "NEW-2"} & set(expected["request_id"])


def test_diff_errors_exit_2(in_tmp: Path) -> None:
    inst = random_instance(2)
    inputs = inputs_of(inst)
    plan = write_plan(inputs, run_plan(inputs), in_tmp / "old.xlsx")
    res = runner.invoke(app, ["diff", str(plan), str(plan), "--out", str(plan)])
    assert res.exit_code == 2 and "[output-is-input]" in res.output
    res = runner.invoke(app, ["diff", str(plan), str(plan), "--out", "changes.csv"])
    assert res.exit_code == 2 and "[output-extension]" in res.output
    res = runner.invoke(app, ["diff", str(in_tmp / "nope.xlsx"), str(plan)])
    text = " ".join(res.output.split())
    assert res.exit_code == 2 and "nope.xlsx: expected a plan workbook, found no such file" in text
    requests = in_tmp / "requests.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["request_id", "item_id", "quantity"])  # type: ignore[union-attr]
    wb.save(requests)
    res = runner.invoke(app, ["diff", str(plan), str(requests)])
    assert res.exit_code == 2 and "[not-a-plan]" in res.output, res.output
    assert "Traceback" not in res.output
