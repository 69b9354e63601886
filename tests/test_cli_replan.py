"""`aidplan plan --previous … --as-of …` and `aidplan diff` as a user runs them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.api import run_plan
from planner.changes import CHANGE_COLUMNS
from planner.cli import _register, app
from planner.io.previous_plan import read_plan_workbook
from planner.io.sheet_writer import header_text
from tests.plan_cases import inputs_of, write_plan
from tests.random_instances import random_instance

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
    col = [c.value for c in ws[1]].index("Quantity (units)") + 1
    ws.cell(row=2, column=col, value="lots")
    wb.save(plan)
    code, out = replan_demo(plan, "--as-of", "W3")
    letter = openpyxl.utils.get_column_letter(col)
    assert code == 2, out
    assert f'old.xlsx › Allocations › row 2 › {letter} "Quantity (units)"' in out
    assert "[bad-plan-cell]" in out and "Traceback" not in out
    assert not (in_tmp / "new.xlsx").exists()


def test_request_workbook_as_previous_plan_exits_2(in_tmp: Path) -> None:
    code, out = replan_demo(DEMO_REQUESTS, "--as-of", "W3")
    assert code == 2 and "[not-a-plan]" in out, out
    (in_tmp / "notes.xlsx").write_text("not a workbook")
    code, out = replan_demo(in_tmp / "notes.xlsx", "--as-of", "W3")
    assert code == 2 and "[not-a-workbook]" in out, out


@pytest.mark.parametrize("sheet", ["Allocations", "Inputs"])
def test_previous_plan_without_a_sheet_exits_2(in_tmp: Path, sheet: str) -> None:
    plan = small_plan(in_tmp / "old.xlsx", horizon=26)
    wb = openpyxl.load_workbook(plan)
    del wb[sheet]
    wb.save(plan)
    code, out = replan_demo(plan, "--as-of", "W3")
    assert code == 2, out
    assert "old.xlsx" in out and sheet in out and "[not-a-plan]" in out
    assert "Traceback" not in out and not (in_tmp / "new.xlsx").exists()


def test_changed_horizon_exits_2(in_tmp: Path) -> None:
    plan = small_plan(in_tmp / "old.xlsx", horizon=5)
    code, out = replan_demo(plan, "--as-of", "2022-03-21")
    assert code == 2, out
    assert "old.xlsx › Inputs › row" in out and "[replan-settings]" in out
    assert "horizon = 5, this run 26" in out
    assert not (in_tmp / "new.xlsx").exists()


def test_option_errors_exit_2(in_tmp: Path) -> None:
    plan = small_plan(in_tmp / "old.xlsx", horizon=26)
    before = plan.read_bytes()
    code, out = replan_demo(plan)
    assert code == 2 and "--as-of" in out and "[bad-option]" in out
    code, out = replan_demo(plan, "--as-of", "W2", "--freeze-weeks", "-1")
    assert code == 2 and "--freeze-weeks" in out and "[bad-option]" in out
    code, out = replan_demo(plan, "--as-of", "W40")
    assert code == 2 and "after the horizon" in out
    res = runner.invoke(
        app,
        ["plan", str(DEMO_REQUESTS), "--catalog", str(DEMO_CATALOG), "--previous", str(plan),
         "--as-of", "W2", "--out", str(plan)],
    )  # fmt: skip
    assert res.exit_code == 2 and "[output-is-input]" in res.output, res.output
    assert "previous plan" in res.output
    assert plan.read_bytes() == before  # untouched
    (in_tmp / "sub").mkdir()
    os.link(plan, in_tmp / "sub" / "same.xlsx")  # the previous plan under another name
    code, out = replan_demo(plan, "--as-of", "W2", "--out", "sub/same.xlsx")
    assert code == 2 and "[output-is-input]" in out, out
    assert plan.read_bytes() == before


def test_diff_of_a_plan_with_itself_is_empty(in_tmp: Path) -> None:
    plan = small_plan(in_tmp / "old.xlsx")
    res = runner.invoke(app, ["diff", str(plan), str(plan), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["changes"] == []


def changes_sheet(path: Path) -> pd.DataFrame:
    """The Changes sheet of a plan workbook, with the API's column names."""
    sheet = pd.read_excel(path, sheet_name="Changes", dtype={"Request": str}, engine="openpyxl")
    assert list(sheet.columns) == [header_text(c) for c in CHANGE_COLUMNS]
    sheet.columns = CHANGE_COLUMNS
    return sheet


def test_cli_replan_changes_sheet_and_diff_agree(in_tmp: Path) -> None:
    """The small benchmark instance (LP) planned, then its busiest corridor closed from week 3
    and re-planned with the CLI as of week 3: the plan's Changes sheet is the table `aidplan
    diff --json` prints for the two workbooks, allocations of weeks 1–2 are unchanged, and
    re-planning the unchanged inputs against the first plan changes nothing."""
    from benchmarks.generate import make_instance, write_instance

    catalog, requests = write_instance(make_instance("small", 1), in_tmp / "inst")
    base = ["plan", str(requests), "--catalog", str(catalog)]
    res = runner.invoke(app, [*base, "--out", "week1.xlsx"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, [*base, "--previous", "week1.xlsx", "--as-of", "W1", "--out", "same.xlsx"]
    )
    assert res.exit_code == 0, res.output
    assert changes_sheet(in_tmp / "same.xlsx").empty
    old = read_plan_workbook(in_tmp / "week1.xlsx")
    busiest = str(old.allocations.groupby("corridor_id")["quantity"].sum().idxmax())
    cut = in_tmp / "cut.toml"
    cut.write_text(
        f'name = "cut"\n[[capacity_changes]]\ncorridor_id = "{busiest}"\nfrom_period = 3\n'
        "to_period = 12\ncapacity_t = 0\n"
    )
    res = runner.invoke(
        app,
        [*base, "--scenario", str(cut), "--previous", "week1.xlsx", "--as-of", "W3",
         "--out", "week3.xlsx"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "1 input-changed" in res.output  # the scenario file is new
    sheet = changes_sheet(in_tmp / "week3.xlsx")
    assert len(sheet), "closing the busiest corridor should change the plan"
    res = runner.invoke(app, ["diff", "week1.xlsx", "week3.xlsx", "--json"])
    assert res.exit_code == 0, res.output
    listed = pd.DataFrame(json.loads(res.output)["changes"])
    cols = ["request_id", "change", "donor_id", "corridor_id", "old_weeks", "new_weeks"]
    assert listed[cols].fillna("").values.tolist() == sheet[cols].fillna("").values.tolist()
    assert listed["quantity_change"].tolist() == pytest.approx(
        sheet["quantity_change"].astype(float).tolist(), abs=1e-9
    )
    new = read_plan_workbook(in_tmp / "week3.xlsx")
    key = ["offer_id", "request_id", "corridor_id", "dispatch_period"]

    def early(book: object) -> list[list[object]]:
        a = book.allocations  # type: ignore[attr-defined]
        a = a[a["dispatch_period"] < 3].sort_values(key)
        return a[[*key, "quantity"]].values.tolist()

    assert early(old) == early(new)


def test_previous_plan_warnings_are_listed_before_request_warnings() -> None:
    """Six request warnings sort (by file name) before the previous plan's one: listed in that
    order, the first five lines would hide it. With ``lead`` it is line 1 of 5, and the count
    line still counts all seven."""
    import io

    from rich.console import Console

    from planner.cli_common import print_warnings
    from planner.errors import Issue

    requests = [
        Issue("default-priority", "a-requests.xlsx", f"row {r}", sheet="Requests", row=r,
              severity="warning")
        for r in range(2, 8)
    ]  # fmt: skip
    changed = Issue("input-changed", "z-week1.xlsx", "setting mip_gap: 0.0001 in the previous"
                    " plan, 0.001 now", sheet="Inputs", row=12, severity="warning")  # fmt: skip
    warnings = tuple(sorted([*requests, changed], key=Issue.sort_key))
    assert warnings[-1] is changed  # sorted by place it comes last
    buf = io.StringIO()
    print_warnings(warnings, Console(file=buf, width=200), lead=(changed,))
    lines = buf.getvalue().splitlines()
    assert lines[0] == "7 warning(s): 6 default-priority, 1 input-changed"
    assert "z-week1.xlsx" in lines[1] and "mip_gap" in lines[1]
    assert [("a-requests.xlsx" in line) for line in lines[2:6]] == [True] * 4
    assert lines[6] == "  … and 2 more (sheet Input checks, or aidplan validate)"
    # without lead: sorted by place, the previous plan's warning is not among the five shown
    buf = io.StringIO()
    print_warnings(warnings, Console(file=buf, width=200))
    assert "z-week1.xlsx" not in buf.getvalue()
