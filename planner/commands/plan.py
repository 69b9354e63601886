"""`aidplan plan`: read, plan, write the workbook, print a summary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from planner.cli_common import (
    IncludeHiddenOption,
    KeepUnknownOption,
    NoPlanError,
    PledgesOption,
    default_catalog,
    default_requests,
    err_console,
    gap_text,
    handle_errors,
    option_overrides,
    out_console,
    print_warnings,
    reader_overrides,
    term_text,
)

if TYPE_CHECKING:
    from planner.results import PlanResult


def safe_file_part(text: str, limit: int = 60) -> str:
    """``text`` as a piece of a file name: letters, digits, '.', '_' and '-' only (others,
    runs of them, become one '_'), no leading or trailing '.' or '_', at most ``limit``
    characters; "plan" when nothing is left."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", text.replace("×", "x")).strip("._")
    return safe[:limit].rstrip("._") or "plan"


def scenario_name(scenario: Path | None) -> str | None:
    """The ``name`` a scenario file gives itself (for the default output name), read before
    anything else so that the output is checked before any solving; None when there is no
    scenario or it has no usable name (its reader reports that later)."""
    if scenario is None:
        return None
    from planner.errors import InputError
    from planner.io.input_files import read_toml

    try:
        name = read_toml(scenario, str(scenario), "scenario file").get("name")
    except InputError:
        return None
    return name if isinstance(name, str) and name.strip() else None


def default_out(requests: Path | None, scenario_name: str | None = None) -> Path:
    """``outputs/plan-<requests stem>.xlsx``, or ``outputs/plan-<requests stem>-<scenario
    name>.xlsx`` for a scenario run, so a scenario plan never overwrites the base plan."""
    stem = safe_file_part(requests.stem if requests is not None else "demo")
    if scenario_name:
        stem = f"{stem}-{safe_file_part(scenario_name)}"
    return Path("outputs") / f"plan-{stem}.xlsx"


def print_summary(result: PlanResult, out: Path | None, console: Any) -> None:
    """A short human summary: the headline sentence; score, status, gap, cost; lines by
    priority and status; notes; what one more euro or tonne is worth; the lines not met."""
    from rich.table import Table

    from planner.results import STATUSES, count_units, own_lines

    s = result.summary_dict()
    console.print(str(s["plan"]), markup=False)
    console.print(
        f"fulfilment score [bold]{s['fulfilment score']:.1%}[/bold]  ·  status {s['status']}"
        f"  ·  gap {gap_text(float(s['gap']))}  ·  cost € {s['total cost eur']:,.0f}"
        f"  ·  {s['model type']} {s['variables']:,} vars × {s['constraints']:,} rows"
        f"  ·  solved in {s['solve time s']:.2f} s ({s['solver']})"
    )
    table = Table("priority", "lines", *STATUSES, title=None)
    names = {1: "1 critical", 2: "2 high", 3: "3 medium", 4: "4 low"}
    for p in (1, 2, 3, 4):
        counts = [int(s[f"priority {p} lines {k}"]) for k in STATUSES]
        if sum(counts):
            table.add_row(names[p], str(sum(counts)), *(str(c) for c in counts))
    console.print(table)
    if "package lines" in s:  # DESIGN.md §4.1
        console.print(
            f"packages: {int(s['packages complete'])} of {int(s['package lines'])} complete"
            f" ({int(s['packages complete on time'])} on time); {count_units(s['systems usable'])}"
            " systems usable with every component"
        )
    for note in result.notes:
        console.print(term_text(note, markup=False), markup=False)
    print_marginals(result, console)
    req = own_lines(result.requests)  # component lines speak through their package line
    # Most important first: by priority, then the largest share short first (an unmet line
    # before a late one), so a critical line with nothing sent is never cut off the list.
    short = req["unmet"].to_numpy(dtype=float) / req["quantity"].to_numpy(dtype=float).clip(1e-12)
    unmet = (
        req.assign(_short=-short)[req["status"] != "met"]
        .sort_values(["priority", "_short"], kind="stable")
        .drop(columns="_short")
    )
    if len(unmet):
        console.print("[bold]not met in full and on time[/bold] (most important first):")
        for row in unmet.head(8).itertuples(index=False):
            reason = f" — {row.reason}" if row.reason else ""
            usable = " usable" if str(getattr(row, "package", "")).startswith("package") else ""
            line = (
                f"  {row.request_id}  P{row.priority}  {row.item_id or row.requested_item}: "
                f"{row.status}, {count_units(row.delivered)} of {count_units(row.quantity)}"
                f" {row.unit}{usable}{reason}"
            )
            console.print(term_text(line, markup=False), markup=False)
        if len(unmet) > 8:
            console.print(f"  … and {len(unmet) - 8} more (Requests sheet)")
    if out is not None:
        console.print(f"plan written to [bold]{term_text(out)}[/bold]")


def print_marginals(result: PlanResult, console: Any, top: int = 3) -> None:
    """The budgets and corridors whose next euro or tonne is worth most (Bottlenecks sheet)."""
    import numpy as np

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
    from planner.marginals import SOURCE_STEP

    week = "week" if result.model.data.settings.period_days == 7 else "period"
    source = str(table["source"].iloc[0])
    how = (
        "finite steps, LP relaxation re-solved"
        if source == SOURCE_STEP
        else f"at the margin, {source}"
    )
    console.print(f"[bold]what one more euro or tonne is worth[/bold] ({how}):")
    for kind in ("donor budget", "corridor capacity"):
        for row in rows[rows["limit_kind"] == kind].head(top).itertuples(index=False):
            finite = row.source == SOURCE_STEP
            if kind == "donor budget":
                step = f"{row.step if finite else '+€ 1 m'} for donor {row.id}"
                # As the Bottlenecks sheet says it: "used up" only when it is.
                extra = (
                    f"budget {money(float(row.limit))} {row.where_it_binds}"
                    if row.where_it_binds
                    else f"{money(float(row.used))} of {money(float(row.limit))} spent"
                )
            else:
                step = f"{row.step if finite else f'+1 t/{week}'} on {row.id}"
                extra = str(row.where_it_binds)
            tail = f"; {extra}" if extra else ""
            gain = f"+{row.value_gain:.3g} value (+{row.score_points:.2g} score points{tail})"
            line = f"  {step}: {gain}"
            console.print(term_text(line, markup=False), markup=False)


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
    include_hidden: IncludeHiddenOption = False,
    keep_unknown: KeepUnknownOption = False,
    pledges: PledgesOption = None,
    previous: Annotated[
        Path | None,
        typer.Option(help="Re-plan against this earlier plan workbook (with --as-of)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Date or plan week (W3) of the re-plan: dispatches before it are kept as they"
            " are.",
        ),
    ] = None,
    freeze_weeks: Annotated[
        int,
        typer.Option(
            help="Also keep the previous plan's dispatches of this many weeks from --as-of."
        ),
    ] = 0,
) -> None:
    """Compute the best plan for a request workbook and write it as a workbook.

    With ``--previous PLAN.xlsx --as-of WEEK`` it re-plans against an earlier plan (DESIGN.md
    §7, planner.replan) and adds a Changes sheet."""
    import pandas as pd

    from planner.api import inputs_table, load_inputs, run_plan
    from planner.errors import InputError, Issue, issues_table
    from planner.io.output_paths import Output, check_outputs, run_inputs
    from planner.io.plan_workbook import plan_sheets, sheets_to_json, write_workbook

    issues: list[Issue] = []
    overrides = option_overrides(issues, solver=solver, time_limit=time_limit, pledges=pledges)
    if issues:
        raise InputError(issues)
    target = out if out is not None else default_out(requests, scenario_name(scenario))
    outputs = [Output(target, "--out", (".xlsx",), "plan workbook")]
    if write_lp is not None:
        outputs.append(Output(write_lp, "--write-lp", (".lp", ".mps"), "model file"))
    check_outputs(
        outputs,
        run_inputs(
            requests if requests is not None else default_requests(),
            catalog if catalog is not None else default_catalog(),
            [scenario] if scenario is not None else [],
            previous,
        ),
    )
    replan_options(previous, as_of, freeze_weeks)
    overrides.update(reader_overrides(include_hidden, keep_unknown))
    inputs = load_inputs(requests, catalog, scenario, overrides)
    replan = None
    if previous is not None and as_of is not None:
        from planner.replan import prepare_replan

        inputs, replan = prepare_replan(inputs, previous, as_of, freeze_weeks)
    # the previous plan's differences first: past the first five they would go unseen
    print_warnings(inputs.warnings, err_console, lead=inputs.extra_warnings)
    if replan is not None:
        from planner.replan import run_replan

        result = run_replan(inputs, replan)
    else:
        result = run_plan(inputs)
    if write_lp is not None:
        write_model_file(result.model, write_lp)
    if not result.solution.usable:
        raise NoPlanError(
            f"the solver stopped ({result.solution.status}) before finding any plan; "
            "raise --time-limit"
        )
    inputs_sheet = inputs_table(inputs, result)
    if replan is not None:
        from planner.replan import add_changes, replan_settings

        add_changes(result, replan)
        inputs_sheet = pd.concat([inputs_sheet, replan_settings(replan)], ignore_index=True)
    sheets = plan_sheets(result, inputs_sheet, issues_table(inputs.warnings))
    write_workbook(target, sheets)
    if json_out:
        print(sheets_to_json(sheets))
        print_summary(result, target, err_console)
    else:
        print_summary(result, target, out_console)


def replan_options(previous: Path | None, as_of: str | None, freeze_weeks: int) -> None:
    """Check the re-plan options before anything is read.

    Raises planner.errors.InputError [bad-option] when only one of ``--previous`` and
    ``--as-of`` is given, or for a negative ``--freeze-weeks`` (or one without ``--previous``).
    """
    from planner.errors import InputError, Issue

    if (previous is None) != (as_of is None):
        missing = "--as-of" if previous is not None else "--previous"
        raise InputError(
            [Issue("bad-option", missing, "--previous and --as-of go together; give both")]
        )
    if freeze_weeks < 0:
        raise InputError(
            [Issue("bad-option", "--freeze-weeks", f"expected 0 or more, found {freeze_weeks}")]
        )
    if freeze_weeks and previous is None:
        raise InputError([Issue("bad-option", "--freeze-weeks", "needs --previous and --as-of")])


def write_model_file(model: Any, path: Path) -> None:
    """``--write-lp``: the stage-1 model as an LP file, or as an MPS file for a ``.mps`` name,
    written atomically like every output."""
    from planner.io.xlsx_write import write_atomic
    from planner.model.pulp_backend import to_pulp, write_lp

    if path.suffix.lower() == ".mps":
        write_atomic(path, lambda tmp: to_pulp(model)[0].writeMPS(str(tmp)))
    else:
        write_atomic(path, lambda tmp: write_lp(model, tmp))


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
