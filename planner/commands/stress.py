"""`aidplan stress`: how robust is the plan over many sampled futures (DESIGN.md §9)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from planner.cli_common import (
    ExecutorOption,
    NoPlanError,
    PledgesOption,
    SchedulerOption,
    command_inputs,
    default_out,
    err_console,
    handle_errors,
    option_overrides,
    out_console,
    project_root,
)

MAX_SAMPLES = 1_000_000
DEMO_DISRUPTIONS = Path("scenarios") / "disruptions-2022.toml"
"""Used with the bundled demo (no request file, no --catalog) when --disruptions is not given."""
TOP_PRINTED = 5


def print_report(tables: dict[str, Any], console: Any) -> None:
    """Distribution of both views, the lines most often unmet, the most binding limits."""
    t = Table("view", "P10", "P50", "P90", "mean")
    for row in tables["Distribution"].to_dict("records"):
        t.add_row(row["view"], *(f"{row[k]:.1%}" for k in ("p10", "p50", "p90", "mean")))
    console.print(t)
    reqs = tables["Requests"].head(TOP_PRINTED)
    if len(reqs) and reqs["replan_unmet_p"].iloc[0] > 0:
        t = Table(
            "line",
            "item",
            "prio",
            "not fully met (as planned)",
            "not fully met (re-planned)",
            "on time",
        )
        for row in reqs.to_dict("records"):
            if row["replan_unmet_p"] <= 0 and row["base_unmet_p"] <= 0:
                continue
            t.add_row(
                str(row["request_id"]),
                str(row["item_id"]),
                str(row["priority"]),
                f"{row['base_unmet_p']:.0%}",
                f"{row['replan_unmet_p']:.0%}",
                f"{row['replan_on_time_p']:.0%}",
            )
        console.print(t)
    binding = tables["Binding"]
    binding = binding[binding["binding_p"] > 0].head(TOP_PRINTED)
    if len(binding):
        console.print(
            "most often binding: "
            + ", ".join(f"{r['id']} ({r['binding_p']:.0%})" for r in binding.to_dict("records")),
            markup=False,
        )


@handle_errors
def stress(
    requests: Annotated[
        Path | None, typer.Argument(help="Request workbook (.xlsx); default: the bundled demo.")
    ] = None,
    catalog: Annotated[Path | None, typer.Option(help="Catalog folder.")] = None,
    samples: Annotated[
        int, typer.Option(help="Sampled futures to plan.", min=1, max=MAX_SAMPLES)
    ] = 100,
    seed: Annotated[
        int, typer.Option(help="Seed: the same seed gives the same samples anywhere.", min=0)
    ] = 0,
    disruptions: Annotated[
        Path | None,
        typer.Option(
            help="Disruptions file (.toml): corridor closure probability and length "
            "(default with the bundled demo: scenarios/disruptions-2022.toml)."
        ),
    ] = None,
    executor: ExecutorOption = "local",
    scheduler: SchedulerOption = None,
    jobs: Annotated[
        int,
        typer.Option(
            help="Local worker processes, or workers of the local Dask cluster (0: one per CPU).",
            min=0,
            max=256,
        ),
    ] = 0,
    pledges: PledgesOption = None,
    time_limit: Annotated[
        float | None, typer.Option(help="Solver time limit per sample, seconds.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Stress workbook to write (.xlsx).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Sample possible futures (offers that fail or slip, corridors that close) and plan each."""
    from planner.api import load_inputs
    from planner.errors import InputError, Issue
    from planner.executor import check_executor
    from planner.io.output_paths import Output, check_outputs
    from planner.io.stress_workbook import write_stress_workbook
    from planner.stress.report import BasePlanError, run_stress, stress_tables, tables_to_json
    from planner.stress.sampling import NO_DISRUPTIONS, read_disruptions

    issues: list[Issue] = []
    overrides = option_overrides(issues, time_limit=time_limit, pledges=pledges)
    if issues:
        raise InputError(issues)
    check_executor(executor, scheduler)

    if disruptions is None and requests is None and catalog is None:
        demo = project_root() / DEMO_DISRUPTIONS
        if demo.is_file():
            disruptions = demo
            err_console.print(f"the bundled demo: corridor disruptions from {demo}", markup=False)
    target = out if out is not None else default_out("stress", requests)
    others = [("the disruptions file", disruptions)] if disruptions is not None else []
    check_outputs(
        [Output(target, "--out", (".xlsx",), "stress workbook")],
        command_inputs(requests, catalog, others=others),
    )
    inputs = load_inputs(requests, catalog, None, overrides)
    law = (
        read_disruptions(disruptions, inputs.catalog) if disruptions is not None else NO_DISRUPTIONS
    )
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    with progress:
        task = progress.add_task("planning the base case", total=samples)

        def done(outcome: Any) -> None:
            progress.update(
                task,
                advance=1,
                description=f"sample {outcome.index}: {outcome.replan_score:.1%}",
            )

        try:
            run = run_stress(
                inputs,
                samples=samples,
                seed=seed,
                disruptions=law,
                executor=executor,
                workers=workers,
                scheduler=scheduler,
                on_done=done,
            )
        except BasePlanError as exc:
            raise NoPlanError(f"{exc}; raise --time-limit") from None

    tables = stress_tables(run)
    write_stress_workbook(target, tables)
    console = err_console if json_out else out_console
    if json_out:
        with contextlib.suppress(BrokenPipeError, OSError):
            print(json.dumps(tables_to_json(tables), ensure_ascii=False, default=str))
    print_report(tables, console)
    console.print(f"stress workbook written to [bold]{target}[/bold]")
    failed = sum(1 for o in run.outcomes if o.replan_score != o.replan_score)
    if failed:
        console.print(
            f"{failed} sample(s) stopped before any re-plan (status in the Samples sheet); "
            "raise --time-limit",
            markup=False,
        )


def register(app: typer.Typer) -> None:
    app.command("stress")(stress)
