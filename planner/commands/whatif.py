"""`aidplan whatif`: budget sweeps and named scenarios, compared in one workbook with a chart.

``--budget-scale`` and ``--scenario`` take several values after one flag, as DESIGN.md §6 writes
them (``--budget-scale 0.5 0.75 1``, ``--scenario a.toml b.toml``). Click options take one value
each, so `GreedyCommand` rewrites such lists into repeated options before parsing: numbers
(or comma-separated numbers) after ``--budget-scale``, ``.toml`` paths after ``--scenario``.
Anything else ends the list, so the request workbook may also follow the options.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from planner.cli_common import (
    ExecutorOption,
    IncludeHiddenOption,
    KeepUnknownOption,
    NoPlanError,
    PledgesOption,
    SchedulerOption,
    command_inputs,
    default_catalog,
    default_out,
    err_console,
    gap_text,
    handle_errors,
    option_overrides,
    out_console,
    print_warnings,
    reader_overrides,
    term_text,
)

DEFAULT_SWEEP = (0.5, 0.75, 1.0, 1.25, 1.5)
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBERS = re.compile(rf"^{_NUM}(?:,{_NUM})*,?$")


def _is_numbers(token: str) -> bool:
    return bool(_NUMBERS.match(token))


def _is_toml(token: str) -> bool:
    return not token.startswith("-") and token.lower().endswith(".toml")


GREEDY_OPTIONS: dict[str, Callable[[str], bool]] = {
    "--budget-scale": _is_numbers,
    "--scenario": _is_toml,
}


def expand_greedy(args: list[str]) -> list[str]:
    """``--opt a b c`` → ``--opt a --opt b --opt c`` for the options of GREEDY_OPTIONS.

    The first value after the option is always taken (click then judges it); later ones while
    they look like values of that option. ``--budget-scale 0.5,1`` also splits at commas.
    """
    out: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            out.extend(args[i:])
            break
        name, eq, inline = token.partition("=")
        test = GREEDY_OPTIONS.get(name)
        if test is None:
            out.append(token)
            i += 1
            continue
        i += 1
        values = [inline] if eq else []
        if not eq:
            if i >= len(args):
                out.append(name)  # click reports the missing value
                break
            values.append(args[i])
            i += 1
        while i < len(args) and test(args[i]):
            values.append(args[i])
            i += 1
        for value in values:
            parts = value.split(",") if name == "--budget-scale" and _is_numbers(value) else [value]
            for part in parts:
                if part:
                    out += [name, part]
    return out


class GreedyCommand(TyperCommand):
    """A command whose list options take several values after one flag (see module doc)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, expand_greedy(list(args)))


def _pct(x: float) -> str:
    import pandas as pd  # imported here: `aidplan --help` must not pay for pandas

    return "–" if pd.isna(x) else f"{x:.1%}"


def _status(status: object, gap: float) -> str:
    """A run's status as the console shows it: "optimal", or the status with its gap (a point
    whose proof stopped early must not look like the others)."""
    import pandas as pd

    text = str(status)
    if text == "optimal" or pd.isna(gap) or not gap:
        return text
    return f"{text}, gap {gap_text(float(gap))}"


def print_comparison(scenarios: Any, console: Any) -> None:
    """The Scenarios sheet as a short table (with each run's status: a point whose proof
    stopped at its box shows its gap)."""
    import pandas as pd
    from rich.table import Table

    from planner.whatif import DONOR_COLUMN

    t = Table(
        "scenario",
        "score",
        "critical",
        "P1 met/partly/unmet",
        "cost € M",
        "status",
        "binding donors",
    )
    for row in scenarios.to_dict("records"):
        lines = "/".join(
            "–" if pd.isna(row[c]) else str(int(row[c]))
            for c in ("P1 met", "P1 partly met", "P1 unmet")
        )
        cost = row["total cost eur"]
        t.add_row(
            term_text(row["scenario"]),
            _pct(row["fulfilment score"]),
            _pct(row["critical-line coverage"]),
            lines,
            "–" if pd.isna(cost) else f"{cost / 1e6:,.1f}",
            _status(row["status"], row["gap"]),
            term_text(
                ", ".join(part.split(" ")[0] for part in str(row[DONOR_COLUMN]).split("; ")) or "–"
            ),
        )
    console.print(t)


@handle_errors
def whatif(
    requests: Annotated[
        Path | None, typer.Argument(help="Request workbook (.xlsx); default: the bundled demo.")
    ] = None,
    catalog: Annotated[Path | None, typer.Option(help="Catalog folder.")] = None,
    budget_scale: Annotated[
        list[float] | None,
        typer.Option(
            "--budget-scale",
            help="Global budget scales to sweep, e.g. --budget-scale 0.5 0.75 1 1.25. "
            "With --scenario, every scenario is run at every scale.",
        ),
    ] = None,
    scenario: Annotated[
        list[Path] | None,
        typer.Option("--scenario", help="Scenario files (.toml), e.g. --scenario a.toml b.toml."),
    ] = None,
    base: Annotated[
        bool, typer.Option(help="With --scenario, also run the base case for comparison.")
    ] = True,
    out: Annotated[
        Path | None, typer.Option(help="Comparison workbook; the chart PNG is written beside it.")
    ] = None,
    plans: Annotated[
        Path | None, typer.Option(help="Also write every run's full plan into this folder.")
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            help="Worker processes; default 0: one per CPU core. Pays off when runs take "
            "seconds (items that come in whole units make a MILP); 1 solves in this process, "
            "fastest for a sweep of small LPs.",
            min=0,
            max=256,
        ),
    ] = 0,
    solver: Annotated[str | None, typer.Option(help="highs (default) or cbc.")] = None,
    time_limit: Annotated[
        float | None, typer.Option(help="Solver time limit per run, seconds.")
    ] = None,
    include_hidden: IncludeHiddenOption = False,
    keep_unknown: KeepUnknownOption = False,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    pledges: PledgesOption = None,
) -> None:
    """Compare plans under budget sweeps and named scenarios (rail cut, donor drop-out, ...)."""
    from planner.api import load_inputs
    from planner.charts import write_whatif_chart
    from planner.errors import InputError, Issue
    from planner.executor import check_executor
    from planner.io.atomic import OutputError
    from planner.io.catalog import read_catalog
    from planner.io.comparison_workbook import write_comparison
    from planner.io.output_paths import Output, check_folder, check_outputs
    from planner.io.plan_workbook import write_workbook
    from planner.scenarios import read_scenario
    from planner.schema import Scenario
    from planner.whatif import (
        check_budget_scales,
        comparison_sheets,
        make_runs,
        plan_file_names,
        prepare,
        run_whatif,
    )

    t0 = time.perf_counter()
    issues: list[Issue] = []
    overrides = option_overrides(issues, solver=solver, time_limit=time_limit, pledges=pledges)
    scales = list(budget_scale or [])
    issues += check_budget_scales(scales)
    if issues:
        raise InputError(issues)
    check_executor(executor, scheduler)

    target = out if out is not None else default_out("whatif", requests)
    run_files = command_inputs(requests, catalog, scenario)
    outputs = [
        Output(target, "--out", (".xlsx",), "comparison workbook"),
        Output(target.with_suffix(".png"), "--out (its chart)", (".png",), "chart"),
    ]
    check_outputs(outputs, run_files)
    if plans is not None:
        issues += check_folder(plans, "--plans")
        if issues:
            raise OutputError(issues)

    cat = read_catalog(catalog if catalog is not None else default_catalog())
    named: list[tuple[Scenario, Path | None]] = []
    for path in scenario or []:
        try:
            named.append((read_scenario(path, cat), path))
        except InputError as exc:
            issues += exc.issues
    if issues:
        raise InputError(issues)
    if not scales and not named:
        scales = list(DEFAULT_SWEEP)
        err_console.print(
            f"no --budget-scale or --scenario given: sweeping budgets × "
            f"{', '.join(f'{s:g}' for s in scales)}",
            markup=False,
        )

    overrides.update(reader_overrides(include_hidden, keep_unknown))
    inputs = load_inputs(requests, catalog, None, overrides)
    print_warnings(inputs.warnings, err_console)
    runs = make_runs(named, scales, include_base=base)
    plan_files: dict[str, Path] = {}
    if plans is not None:  # every file name known and checked before any solving
        names = plan_file_names([r.label for r in runs])
        plan_files = {r.label: plans / name for r, name in zip(runs, names, strict=True)}
        check_outputs(
            outputs
            + [Output(p, "--plans", (".xlsx",), "plan workbook") for p in plan_files.values()],
            run_files,
        )
    job = prepare(inputs, runs)
    n_jobs = jobs if jobs > 0 else (os.cpu_count() or 1)

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=len(runs) < 2,
    )
    with progress:
        task = progress.add_task(f"solving {len(runs)} runs", total=len(runs))

        def done(outcome: Any) -> None:
            progress.update(task, advance=1, description=f"done: {term_text(outcome.label)}")

        outcomes = run_whatif(
            job,
            jobs=n_jobs,
            keep_plans=plans is not None,
            on_done=done,
            executor=executor,
            scheduler=scheduler,
        )

    sheets = comparison_sheets(job, outcomes, jobs=n_jobs, wall_s=time.perf_counter() - t0)
    title = f"What-if: {inputs.requests.source.name}"
    png = write_whatif_chart(sheets["Scenarios"], target.with_suffix(".png"), title)
    write_comparison(target, sheets)
    written = 0
    if plans is not None:
        for o in outcomes:
            if o.plan is not None:
                write_workbook(plan_files[o.label], o.plan)
                written += 1

    print_comparison(sheets["Scenarios"], out_console)
    out_console.print(
        f"comparison written to [bold]{term_text(target)}[/bold] (chart: {term_text(png)})"
    )
    if plans is not None:
        out_console.print(f"{written} plan(s) written to [bold]{term_text(plans)}[/bold]")
    failed = [o.label for o in outcomes if not o.usable]
    if failed:
        raise NoPlanError(
            f"{len(failed)} run(s) stopped before finding any plan ({', '.join(failed)}); "
            "they are marked in the workbook; raise --time-limit"
        )


def register(app: typer.Typer) -> None:
    app.command("whatif", cls=GreedyCommand)(whatif)
