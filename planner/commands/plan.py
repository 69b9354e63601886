"""`aidplan plan`: read, plan, write the workbook, print a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from planner.cli_common import NoPlanError, err_console, handle_errors, out_console
from planner.results import PlanResult


def default_out(requests: Path | None) -> Path:
    stem = requests.stem if requests is not None else "demo"
    return Path("outputs") / f"plan-{stem}.xlsx"


def print_summary(result: PlanResult, out: Path | None, console: Any) -> None:
    """A short human summary: score, status, lines by priority, cost, where the plan went."""
    s = result.summary_dict()
    console.print(
        f"fulfilment score [bold]{s['fulfilment score']:.1%}[/bold]  ·  status {s['status']}"
        f"  ·  gap {s['gap']:.2g}  ·  cost € {s['total cost eur']:,.0f}"
        f"  ·  {s['model type']} {s['variables']:,} vars × {s['constraints']:,} rows"
        f"  ·  solved in {s['solve time s']:.2f} s ({s['solver']})"
    )
    table = Table("priority", "lines", "met", "partly met", "unmet", title=None)
    names = {1: "1 critical", 2: "2 high", 3: "3 medium", 4: "4 low"}
    for p in (1, 2, 3, 4):
        met, part, un = (s[f"priority {p} lines {k}"] for k in ("met", "partly met", "unmet"))
        if met + part + un:
            table.add_row(names[p], str(met + part + un), str(met), str(part), str(un))
    console.print(table)
    for note in result.notes:
        console.print(note, markup=False)
    print_marginals(result, console)
    unmet = result.requests[result.requests["status"] != "met"].sort_values("priority")
    if len(unmet):
        console.print("[bold]not fully met[/bold] (most important first):")
        for row in unmet.head(8).itertuples(index=False):
            reason = f" — {row.reason}" if row.reason else ""
            console.print(
                f"  {row.request_id}  P{row.priority}  {row.item_id}: "
                f"{row.delivered:g} of {row.quantity:g}{reason}",
                markup=False,
            )
        if len(unmet) > 8:
            console.print(f"  … and {len(unmet) - 8} more (Requests sheet)")
    if out is not None:
        console.print(f"plan written to [bold]{out}[/bold]")


def print_marginals(result: PlanResult, console: Any, top: int = 3) -> None:
    """The budgets and corridors whose next euro or tonne is worth most (Bottlenecks sheet)."""
    from planner.explain import money

    table = result.extra_sheets.get("Bottlenecks")
    if table is None or not len(table):
        return
    gain = table["value_gain"].to_numpy(dtype=float)
    if np.isnan(gain).all():
        console.print("what one more euro or tonne is worth: not available (no LP duals)")
        return
    rows = table[gain > 0]
    if not len(rows):
        console.print("what one more euro or tonne is worth: nothing — no budget or corridor binds")
        return
    week = "week" if result.model.data.settings.period_days == 7 else "period"
    source = str(table["source"].iloc[0])
    console.print(f"[bold]what one more euro or tonne is worth[/bold] (at the margin, {source}):")
    for kind in ("donor budget", "corridor capacity"):
        for row in rows[rows["limit_kind"] == kind].head(top).itertuples(index=False):
            if kind == "donor budget":
                step = f"+€ 1 m for donor {row.id}"
                extra = f"budget {money(float(row.limit))} used up"
            else:
                step = f"+1 t/{week} on {row.id}"
                extra = f"full in {row.binding_periods}" if row.binding_periods else ""
            tail = f"; {extra}" if extra else ""
            console.print(
                f"  {step}: +{row.value_gain:.3g} value "
                f"(+{row.score_points:.2g} score points{tail})",
                markup=False,
            )


@handle_errors
def plan(
    requests: Annotated[
        Path | None, typer.Argument(help="Request workbook (.xlsx); default: the bundled demo.")
    ] = None,
    catalog: Annotated[Path | None, typer.Option(help="Catalog folder.")] = None,
    scenario: Annotated[Path | None, typer.Option(help="Scenario file (.toml).")] = None,
    out: Annotated[Path | None, typer.Option(help="Plan workbook to write.")] = None,
    solver: Annotated[str | None, typer.Option(help="highs (default) or cbc.")] = None,
    time_limit: Annotated[float | None, typer.Option(help="Solver time limit, seconds.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    write_lp: Annotated[
        Path | None, typer.Option(help="Also write the model as an LP file (debugging).")
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(help="Re-plan against this earlier plan workbook (with --as-of)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Date or plan week (W3) of the re-plan: earlier dispatches are kept as they are.",
        ),
    ] = None,
    freeze_weeks: Annotated[
        int, typer.Option(help="Also keep the previous plan's dispatches of this many weeks.")
    ] = 0,
) -> None:
    """Compute the best plan for a request workbook and write it as a workbook."""
    from planner.api import inputs_table, load_inputs, run_plan
    from planner.errors import InputError, Issue
    from planner.io.plan_workbook import plan_sheets, sheets_to_json, write_workbook

    overrides: dict[str, Any] = {}
    if solver is not None:
        if solver not in ("highs", "cbc"):
            raise InputError(
                [Issue("bad-option", "--solver", f"expected highs or cbc, found {solver!r}")]
            )
        overrides["solver"] = solver
    if time_limit is not None:
        if not time_limit > 0:
            raise InputError(
                [
                    Issue(
                        "bad-option",
                        "--time-limit",
                        f"expected a positive number of seconds, found {time_limit}",
                    )
                ]
            )
        overrides["time_limit_s"] = time_limit
    inputs = load_inputs(requests, catalog, scenario, overrides)
    target = out if out is not None else default_out(requests)
    replan = None
    if previous is not None or as_of is not None:
        from planner.replan import prepare_replan, run_replan

        inputs, replan = prepare_replan(inputs, previous, as_of, freeze_weeks, target)
        result = run_replan(inputs, replan)
    else:
        result = run_plan(inputs)
    if write_lp is not None:
        from planner.model.pulp_backend import write_lp as _write_lp

        _write_lp(result.model, write_lp)
    if not result.solution.usable:
        raise NoPlanError(
            f"the solver stopped ({result.solution.status}) before finding any plan; "
            "raise --time-limit"
        )
    changes = None
    inputs_sheet = inputs_table(inputs, result)
    if replan is not None:
        import pandas as pd

        from planner.changes import PlanTables, changes_summary, plan_changes
        from planner.replan import replan_settings

        changes = plan_changes(
            PlanTables.of_workbook(replan.previous), PlanTables.of_result(result)
        )
        inputs_sheet = pd.concat([inputs_sheet, pd.DataFrame(replan_settings(replan))])
        for issue in inputs.extra_warnings:
            err_console.print(f"warning: {issue}", markup=False)
        result.notes.append(f"Changes from the previous plan: {changes_summary(changes)}.")
    sheets = plan_sheets(result, inputs_sheet, changes)
    write_workbook(target, sheets)
    if json_out:
        print(sheets_to_json(sheets))
        print_summary(result, target, err_console)
    else:
        print_summary(result, target, out_console)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
