"""`aidplan template`: write an empty request workbook with the catalog's items as a drop-down."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli_common import default_catalog, handle_errors, out_console, term_text

DEFAULT_OUT = Path("outputs") / "request-template.xlsx"


@handle_errors
def template(
    out: Annotated[Path, typer.Option(help="Workbook to write.")] = DEFAULT_OUT,
    catalog: Annotated[Path | None, typer.Option(help="Catalog folder.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a request workbook to fill in: item and priority drop-downs, an example row and
    instructions. An existing file is never overwritten without --force (exit 2)."""
    from planner.errors import InputError, Issue
    from planner.io.catalog import read_catalog
    from planner.io.output_paths import Output, check_outputs, run_inputs
    from planner.io.template import write_template
    from planner.io.xlsx_safety import display_name

    folder = catalog if catalog is not None else default_catalog()
    check_outputs(
        [Output(out, "--out", (".xlsx",), "request workbook", replace_any=True)],
        run_inputs(None, folder),
    )
    if out.exists() and not force:
        raise InputError(
            [
                Issue(
                    "file-exists",
                    display_name(out),
                    "expected a new file name, found an existing file; use --force to replace it",
                )
            ]
        )
    cat = read_catalog(folder)
    write_template(out, cat)
    out_console.print(
        f"template written to {term_text(display_name(out), markup=False)} ({len(cat.items)}"
        " catalog items in the"
        " drop-down); check a filled copy with: aidplan validate <file>",
        markup=False,
        emoji=False,
    )


def register(app: typer.Typer) -> None:
    app.command("template")(template)
