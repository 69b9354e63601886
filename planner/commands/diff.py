"""`aidplan diff OLD NEW`: what changed between two plan workbooks (DESIGN.md §7).

The table of planner.changes.plan_changes (also meant for the Changes sheet of a re-plan, not
built yet), read from two workbooks with the safe reader (planner.io.previous_plan).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from planner.cli_common import handle_errors, out_console

SHOWN = 40
"""Rows of the console table; the workbook and --json have them all."""


def print_changes(changes: Any, old: str, new: str, console: Any) -> None:
    """The changes as a console table, most important first (at most SHOWN rows)."""
    from planner.changes import changes_summary

    console.print(f"{old} → {new}: {changes_summary(changes)}", markup=False)
    if not len(changes):
        return
    table = Table("request", "P", "item", "change", "donor", "corridor", "units", "weeks")
    for row in changes.head(SHOWN).itertuples(index=False):
        units = (
            f"{row.old_quantity:,.6g} → {row.new_quantity:,.6g}"
            if row.change != "status"
            else f"{row.old_status or '-'} → {row.new_status or '-'}"
        )
        weeks = f"{row.old_weeks or '-'} → {row.new_weeks or '-'}" if row.change != "status" else ""
        prio = "" if row.priority is None or str(row.priority) == "<NA>" else str(row.priority)
        table.add_row(
            *(
                str(v)
                for v in (
                    row.request_id,
                    prio,
                    row.item_id or "",
                    row.change,
                    row.donor_id,
                    row.corridor_id,
                    units,
                    weeks,
                )
            )
        )
    console.print(table)
    if len(changes) > SHOWN:
        console.print(f"… and {len(changes) - SHOWN} more (--out FILE or --json for all)")


@handle_errors
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier plan workbook (.xlsx).")],
    new: Annotated[Path, typer.Argument(help="The later plan workbook (.xlsx).")],
    out: Annotated[
        Path | None, typer.Option(help="Also write the changes as a workbook (.xlsx).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")] = False,
) -> None:
    """Show what changed between two plans: per request, donor and corridor."""
    import pandas as pd

    from planner.changes import PlanTables, changes_summary, plan_changes
    from planner.errors import InputError, Issue
    from planner.io.plan_workbook import sheets_to_json
    from planner.io.previous_plan import read_plan_workbook

    if out is not None:
        from planner.io.output_paths import Output, check_outputs

        check_outputs(
            [Output(out, "--out", (".xlsx",), "changes workbook")],
            [("a plan being compared", old), ("a plan being compared", new)],
        )
    problems: list[Issue] = []
    books = []
    for path in (old, new):
        try:
            books.append(read_plan_workbook(path))
        except InputError as exc:
            problems.extend(exc.issues)
    if problems:
        raise InputError(problems)
    before, after = books
    changes = plan_changes(PlanTables.of_workbook(before), PlanTables.of_workbook(after))
    summary = pd.DataFrame(
        [
            ("old plan", before.display),
            ("new plan", after.display),
            ("changes", changes_summary(changes)),
        ],
        columns=["key", "value"],
    )
    if out is not None:
        from planner.io.changes_workbook import write_changes_workbook

        write_changes_workbook(out, summary, changes)
    if json_out:
        print(sheets_to_json({"Summary": summary, "Changes": changes}))
        return
    print_changes(changes, before.display, after.display, out_console)
    if out is not None:
        out_console.print(f"changes written to [bold]{out}[/bold]")


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
