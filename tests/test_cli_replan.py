"""`aidplan plan --previous … --as-of …` and `aidplan diff` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.api import run_plan
from planner.changes import PlanTables, plan_changes
from planner.cli import _register, app
from planner.io.previous_plan import read_plan_workbook
from planner.replan import Replan, run_replan, with_previous
from tests.random_instances import random_instance
from tests.test_replan import changed, inputs_of, write_plan

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = ROOT / "catalogs" / "default"
DEMO_REQUESTS = ROOT / "requests" / "demo.xlsx"

_register()
runner = CliRunner()


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def small_plan(path: Path, **settings: object) -> Path:
    """A plan of a small random instance (start 2022-03-07 like the demo, 7-day weeks)."""
    inst = random_instance(2)
    inputs = inputs_of(inst, **settings)
    return write_plan(inputs, run_plan(inputs), path)


def replan_demo(previous: Path, *extra: str) -> tuple[int, str]:
    res = runner.invoke(
        app,
        [
            "plan",
            str(DEMO_REQUESTS),
            "--catalog",
            str(DEMO_CATALOG),
            "--previous",
            str(previous),
            "--out",
            "new.xlsx",
            *extra,
        ],
    )
    return res.exit_code, res.output


def test_bad_previous_workbook_exits_2_at_its_cell(in_tmp: Path) -> None:
    plan = small_plan(in_tmp / "old.xlsx", horizon=26)
    wb = openpyxl.load_workbook(plan)
    ws = wb["Allocations"]
    col = [c.value for c in ws[1]].index("quantity") + 1
    ws.cell(row=2, column=col, value="lots")
    wb.save(plan)
    code, out = replan_demo(plan, "--as-of", "W3")
    letter = openpyxl.utils.get_column_letter(col)
    assert code == 2, out
    assert f'old.xlsx › Allocations › row 2 › {letter} "quantity"' in out
    assert "[bad-plan-cell]" in out and "Traceback" not in out
    assert not (in_tmp / "new.xlsx").exists()


def test_request_workbook_as_previous_plan_exits_2(in_tmp: Path) -> None:
    code, out = replan_demo(DEMO_REQUESTS, "--as-of", "W3")
    assert code == 2 and "[not-a-plan]" in out, out
    (in_tmp / "notes.xlsx").write_text("not a workbook")
    code, out = replan_demo(in_tmp / "notes.xlsx", "--as-of", "W3")
    assert code == 2 and "[not-a-workbook]" in out, out


def test_changed_horizon_exits_2(in_tmp: Path) -> None:
    plan = small_plan(in_tmp / "old.xlsx", horizon=5)
    code, out = replan_demo(plan, "--as-of", "2022-03-21")
    assert code == 2, out
    assert "old.xlsx › Inputs › row" in out and "[replan-settings]" in out
    assert "horizon = 5, this run 26" in out
    assert not (in_tmp / "new.xlsx").exists()


def test_option_errors_exit_2(in_tmp: Path) -> None:
    plan = small_plan(in_tmp / "old.xlsx", horizon=26)
    code, out = replan_demo(plan)
    assert code == 2 and "--as-of" in out and "[bad-option]" in out
    code, out = replan_demo(plan, "--as-of", "W40")
    assert code == 2 and "after the horizon" in out
    res = runner.invoke(
        app,
        ["plan", str(DEMO_REQUESTS), "--catalog", str(DEMO_CATALOG), "--previous", str(plan),
         "--as-of", "W2", "--out", str(plan)],
    )  # fmt: skip
    assert res.exit_code == 2 and "[out-is-input]" in res.output
    assert read_plan_workbook(plan).allocations is not None  # untouched


def test_diff_of_a_plan_with_itself_is_empty(in_tmp: Path) -> None:
    plan = small_plan(in_tmp / "old.xlsx")
    res = runner.invoke(app, ["diff", str(plan), str(plan), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["changes"] == []
    res = runner.invoke(app, ["diff", str(plan), str(plan)])
    assert res.exit_code == 0 and "no changes" in res.output


def test_changes_sheet_and_diff_agree(in_tmp: Path) -> None:
    """A re-plan as of week 2 after two new requests and a corridor cut: the Changes sheet of the
    new plan, `aidplan diff --json` and `aidplan diff --out` list the same changes."""
    inst = random_instance(4)
    inputs = inputs_of(inst)
    old = write_plan(inputs, run_plan(inputs), in_tmp / "old.xlsx")
    book = read_plan_workbook(old)
    new_inputs = with_previous(inputs_of(changed(inst, cut_from=2)), book)
    result = run_replan(new_inputs, Replan(book, 2))
    changes = plan_changes(PlanTables.of_workbook(book), PlanTables.of_result(result))
    assert len(changes), "the changed inputs should change the plan"
    new = write_plan(new_inputs, result, in_tmp / "new.xlsx", changes)
    sheet = pd.read_excel(new, sheet_name="Changes", dtype={"request_id": str})
    res = runner.invoke(app, ["diff", str(old), str(new), "--json", "--out", "diff.xlsx"])
    assert res.exit_code == 0, res.output
    listed = pd.DataFrame(json.loads(res.output)["changes"])
    written = pd.read_excel(in_tmp / "diff.xlsx", sheet_name="Changes", dtype={"request_id": str})
    cols = ["request_id", "change", "donor_id", "corridor_id", "old_weeks", "new_weeks"]
    for other in (listed, written):
        assert other[cols].fillna("").values.tolist() == sheet[cols].fillna("").values.tolist()
        assert other["quantity_change"].tolist() == pytest.approx(
            sheet["quantity_change"].tolist(), abs=1e-9
        )
    assert {"NEW-1", "NEW-2"} & set(sheet["request_id"])
    res = runner.invoke(app, ["diff", str(old), str(new), "--out", str(new)])
    assert res.exit_code == 2 and "[out-is-input]" in res.output
