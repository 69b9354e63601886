"""`aidplan catalog`: what a catalog holds, and what is wrong in it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from planner.cli_common import (
    default_catalog,
    handle_errors,
    out_console,
    print_warnings,
    term_text,
)


@handle_errors
def catalog(
    catalog: Annotated[Path | None, typer.Option(help="Catalog folder.")] = None,
) -> None:
    """Check a catalog folder and list what it holds (exit 2 with every problem if invalid)."""
    from planner.api import base_settings
    from planner.io.catalog import read_catalog

    folder = catalog if catalog is not None else default_catalog()
    cat = read_catalog(folder)
    settings = base_settings(cat)
    out_console.print(f"catalog [bold]{term_text(folder)}[/bold]: valid", markup=True)
    out_console.print(
        f"{len(cat.items)} items, {len(cat.donors)} donors, {len(cat.offers)} offers, "
        f"{len(cat.corridors)} corridors, {len(cat.capacity_changes)} capacity changes, "
        f"{len(cat.substitutes)} substitutes"
    )
    out_console.print(
        f"plan from {settings.start} in {settings.horizon} periods of {settings.period_days} days"
    )
    by_cat = cat.items.groupby("category")["item_id"].count()
    t = Table("category", "items", "offered units")
    offered = cat.offers.merge(cat.items[["item_id", "category"]], on="item_id")
    units = offered.groupby("category")["quantity"].sum()
    for category, n in by_cat.items():
        t.add_row(term_text(category), str(n), f"{units.get(category, 0):,.0f}")
    out_console.print(t)
    d = Table("donor", "budget € M", "offers", "corridors")
    counts = cat.offers.groupby("donor_id")["offer_id"].count()
    for row in cat.donors.itertuples(index=False):
        budget = "unlimited" if row.budget_eur != row.budget_eur else f"{row.budget_eur / 1e6:,.1f}"
        d.add_row(
            term_text(row.donor_id, single_line=True),
            budget,
            str(counts.get(row.donor_id, 0)),
            term_text(", ".join(row.corridors) or "all", single_line=True),
        )
    out_console.print(d)
    never = sorted(set(cat.items["item_id"]) - set(cat.offers["item_id"]))
    if never:
        shown = term_text(", ".join(never), markup=False, single_line=True)
        out_console.print(f"items no donor offers: {shown}", markup=False)
    print_warnings(cat.warnings, out_console, first=20)


def register(app: typer.Typer) -> None:
    app.command("catalog")(catalog)
