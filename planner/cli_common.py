"""Shared pieces of the command line: the demo paths, error display and exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from planner.errors import InputError, Issue, count_line, format_issues

EXIT_OK, EXIT_ERROR, EXIT_INPUT, EXIT_NO_PLAN = 0, 1, 2, 3

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)

F = TypeVar("F", bound=Callable[..., Any])


def project_root() -> Path:
    """Where the bundled demo lives: the working folder if it has one, else beside the package."""
    here = Path.cwd()
    if (here / "catalogs" / "default").is_dir():
        return here
    return Path(__file__).resolve().parent.parent


def default_catalog() -> Path:
    return project_root() / "catalogs" / "default"


def default_requests() -> Path:
    return project_root() / "requests" / "demo.xlsx"


class NoPlanError(Exception):
    """The solver stopped without a usable plan (exit status 3)."""


def debug_enabled() -> bool:
    return "--debug" in sys.argv or os.environ.get("AIDPLAN_DEBUG") == "1"


def handle_errors(func: F) -> F:
    """Map library errors to short red messages and the exit statuses of DESIGN.md §5."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except InputError as exc:
            err_console.print("[red]invalid input[/red]")
            err_console.print(format_issues(exc.issues), markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_INPUT) from None
        except NoPlanError as exc:
            err_console.print("[red]no plan:[/red] ", end="")
            err_console.print(str(exc), markup=False)
            raise typer.Exit(EXIT_NO_PLAN) from None
        except KeyboardInterrupt:
            err_console.print("[red]interrupted[/red]")
            raise typer.Exit(EXIT_ERROR) from None
        except Exception as exc:
            if debug_enabled():
                raise
            err_console.print("[red]error:[/red] ", end="")
            err_console.print(f"{type(exc).__name__}: {exc}", markup=False)
            err_console.print("(run with --debug for details)", markup=False)
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper  # type: ignore[return-value]


def print_warnings(
    warnings: tuple[Issue, ...] | list[Issue], console: Console, first: int = 5
) -> None:
    """The readers' warnings: counted per kind, then the first few (input text escaped)."""
    from rich.markup import escape

    if not warnings:
        return
    console.print(f"[yellow]{escape(count_line(warnings))}[/yellow]")
    for issue in list(warnings)[:first]:
        console.print(f"  {escape(str(issue))}", soft_wrap=True, emoji=False)
    if len(warnings) > first:
        console.print(
            f"  … and {len(warnings) - first} more (sheet Input checks, or aidplan validate)"
        )


def reader_overrides(include_hidden: bool, keep_unknown: bool) -> dict[str, Any]:
    """Settings from --include-hidden and --keep-unknown (only those given, so a catalog's
    planning.toml may set them too)."""
    out: dict[str, Any] = {}
    if include_hidden:
        out["include_hidden"] = True
    if keep_unknown:
        out["keep_unknown"] = True
    return out
