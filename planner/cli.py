"""The `aidplan` command line: thin — parse, call the library, print a summary, map exit codes.

Start-up is kept light so that `aidplan --help` and `--version` answer at once: the command
modules import only typer and planner.cli_common at module level; pandas, numpy, highspy,
PuLP, openpyxl, XlsxWriter and matplotlib are imported inside the functions that use them
(`benchmarks/cli_startup.py` measures it).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from planner.blas import one_blas_thread

one_blas_thread()  # before anything imports NumPy (docs/decisions/0012)

app = typer.Typer(
    name="aidplan",
    help="Plan military and humanitarian assistance: who sends what, through which corridor, when.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help text: no "<bool>" type placeholders on flags, and no rich rendering to load.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from planner import __version__

        print(f"aidplan {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the full traceback of an unexpected error (may also follow the command).",
        ),
    ] = False,
) -> None:
    """Plan military and humanitarian assistance: who sends what, through which corridor,
    when."""
    if debug:
        import os

        os.environ["AIDPLAN_DEBUG"] = "1"


def _register() -> None:
    """Each command lives in its own module under planner/commands/ and registers itself here."""
    from planner.commands import register_all

    register_all(app)


def main() -> None:
    """Console entry point.

    Installs, once, what every command relies on: SIGINT and SIGTERM both stop the run through
    the same clean-up path (planner.interrupt), and a closed or broken standard output never
    stops a plan from being written (planner.cli_common.guard_standard_streams).
    """
    from planner import interrupt
    from planner.cli_common import guard_standard_streams, report_lost_output

    interrupt.install()
    out, err = guard_standard_streams()
    if "--debug" in sys.argv[1:]:
        # Accepted anywhere on the line (`aidplan plan x.xlsx --debug` too), not only before
        # the command, where the callback above declares it for the help text.
        sys.argv.remove("--debug")
        os.environ["AIDPLAN_DEBUG"] = "1"
    status: int | str | None = 0
    try:
        _register()
        app()
    except SystemExit as exc:
        status = exc.code
        # click turns an interruption outside a command (while parsing) into "Aborted!", 1
        if status == 1 and interrupt.received is not None:
            status = 128 + interrupt.received
    finally:
        report_lost_output(out, err)
    sys.exit(status)


if __name__ == "__main__":  # `python -m planner.cli …`, e.g. under `python -X importtime`
    main()
