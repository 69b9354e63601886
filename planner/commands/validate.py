"""`aidplan validate`: check a request workbook against a catalog without planning."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli_common import (
    IncludeHiddenOption,
    KeepUnknownOption,
    default_catalog,
    handle_errors,
    out_console,
    reader_overrides,
    term_text,
)


@handle_errors
def validate(
    requests: Annotated[Path, typer.Argument(help="Request workbook (.xlsx) to check.")],
    catalog: Annotated[Path | None, typer.Option(help="Catalog folder.")] = None,
    include_hidden: IncludeHiddenOption = False,
    keep_unknown: KeepUnknownOption = False,
) -> None:
    """Check a request workbook: a summary per sheet (exit 0), or every problem (exit 2)."""
    from planner.api import base_settings
    from planner.errors import MAX_LISTED, count_line
    from planner.io.catalog import read_catalog
    from planner.io.requests import read_requests

    cat = read_catalog(catalog if catalog is not None else default_catalog())
    settings = base_settings(cat, reader_overrides(include_hidden, keep_unknown))
    result = read_requests(requests, cat, settings)
    table = result.table

    def say(text: str, **_: object) -> None:
        out_console.print(term_text(text, markup=False), markup=False, emoji=False, soft_wrap=True)

    say(f"{_name(result.source)}: valid, {len(table)} request line(s)", markup=False, emoji=False)
    counts = table.groupby("sheet", sort=False).size() if len(table) else None
    for sheet in result.sheets_read:
        n = int(counts.get(sheet, 0)) if counts is not None else 0
        rows = table.loc[table["sheet"] == sheet, "row"]
        span = f", rows {rows.min()}–{rows.max()}" if n else ""
        say(f"  sheet {sheet!r}: {n} line(s){span}", markup=False, emoji=False)
    if result.sheets_ignored:
        shown = ", ".join(repr(s) for s in result.sheets_ignored)
        say(f"  ignored (no header with item and quantity): {shown}", markup=False, emoji=False)
    if len(table):
        by_priority = table.groupby("priority").size()
        words = {1: "critical", 2: "high", 3: "medium", 4: "low"}
        parts = [f"{int(by_priority.get(p, 0))} {words[p]}" for p in (1, 2, 3, 4)]
        say(f"  priorities: {', '.join(parts)}", markup=False)
    if len(result.unknown):
        say(
            f"  {len(result.unknown)} line(s) not in the catalog, kept as unmet (--keep-unknown)",
            markup=False,
        )
    found = (*cat.warnings, *result.warnings)
    if found:
        say(count_line(found), markup=False)
        for issue in found[:MAX_LISTED]:
            say(f"  {issue}", markup=False, emoji=False, soft_wrap=True)
        if len(found) > MAX_LISTED:
            say(f"  … and {len(found) - MAX_LISTED} more", markup=False)


def _name(path: Path) -> str:
    from planner.io.xlsx_safety import display_name

    return display_name(path)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
