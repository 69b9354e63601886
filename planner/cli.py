"""The `aidplan` command line: thin — parse, call the library, print a summary, map exit codes."""

from __future__ import annotations

import sys

import typer

app = typer.Typer(
    name="aidplan",
    help="Plan military and humanitarian assistance: who sends what, through which corridor, when.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    """Each command lives in its own module under planner/commands/ and registers itself here."""
    from planner.commands import register_all

    register_all(app)


def main() -> None:
    """Console entry point."""
    _register()
    if "--debug" in sys.argv:
        sys.argv.remove("--debug")
        import os

        os.environ["AIDPLAN_DEBUG"] = "1"
    app()
