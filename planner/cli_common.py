"""Shared pieces of the command line: the demo paths, error display, exit codes, terminal text.

Exit statuses (DESIGN.md §5): 0 a plan was written, 2 invalid input or arguments (including an
output that cannot be written), 3 the solver stopped without a plan, 1 a bug; after SIGINT or
SIGTERM 130 or 143 (128 + the signal), with the old outputs intact. A closed or broken standard
output does not change the status (see `guard_standard_streams`).
"""

from __future__ import annotations

import functools
import io
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TextIO, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from planner.errors import InputError, Issue, count_line, format_issues
from planner.interrupt import exit_status

EXIT_OK, EXIT_ERROR, EXIT_INPUT, EXIT_NO_PLAN = 0, 1, 2, 3

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)

F = TypeVar("F", bound=Callable[..., Any])

# C0 controls but tab and newline, DEL, C1 controls (CSI 0x9B among them), and the Unicode
# format characters that reorder or hide text on a terminal (bidi overrides and isolates).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def term_text(value: object, *, markup: bool = True, single_line: bool = False) -> str:
    """Text from an input file made safe for the terminal (DESIGN.md §8).

    Control characters, escape sequences and bidi overrides are shown as ``\\x1b``-style
    escapes, so none reaches the terminal; with ``markup`` (the default, for rich's
    markup-parsing print and table cells) square brackets are escaped too, so "[bold]" in a
    donor name is printed as written. ``single_line`` also shows newlines and tabs as escapes.
    """
    text = _UNSAFE.sub(_visible, str(value))
    if single_line:
        text = text.replace("\n", "\\n").replace("\t", "\\t")
    return escape(text) if markup else text


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
        from planner.io.atomic import OutputError

        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except InputError as exc:
            head = "cannot write" if isinstance(exc, OutputError) else "invalid input"
            err_console.print(f"[red]{head}[/red]")
            err_console.print(
                term_text(format_issues(exc.issues), markup=False), markup=False, soft_wrap=True
            )
            raise typer.Exit(EXIT_INPUT) from None
        except NoPlanError as exc:
            err_console.print("[red]no plan:[/red] ", end="")
            err_console.print(term_text(exc, markup=False), markup=False)
            raise typer.Exit(EXIT_NO_PLAN) from None
        except KeyboardInterrupt as exc:
            status = exit_status(exc)
            word = "terminated" if status == 143 else "interrupted"
            err_console.print(f"[red]{word}[/red]: stopped; no file was left half-written")
            raise typer.Exit(status) from None
        except Exception as exc:
            if debug_enabled():
                raise
            err_console.print("[red]error:[/red] ", end="")
            err_console.print(term_text(f"{type(exc).__name__}: {exc}", markup=False), markup=False)
            err_console.print("(run with --debug for details)", markup=False)
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper  # type: ignore[return-value]


class TolerantStream(io.TextIOBase):
    """A text stream that swallows a closed or broken standard output (EPIPE, EBADF).

    Once writing fails (or is tried on a stream closed from the start) it is marked ``lost``,
    the descriptor is pointed at /dev/null (so the interpreter's final flush cannot fail
    either) and later writes are dropped.
    """

    def __init__(self, stream: TextIO | None):
        super().__init__()
        self._stream = stream
        self.lost = False  # set by the first write that could not be delivered

    def _lose(self) -> None:
        self.lost = True
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            fd = stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, fd)
            finally:
                os.close(null)
        except (OSError, ValueError):
            pass

    def write(self, text: str) -> int:
        if self._stream is not None:
            try:
                self._stream.write(text)
            except (BrokenPipeError, OSError, ValueError):
                self._lose()
        elif text:
            self.lost = True
        return len(text)

    def flush(self) -> None:
        if self._stream is not None:
            try:
                self._stream.flush()
            except (BrokenPipeError, OSError, ValueError):
                self._lose()

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self._stream is None:
            raise io.UnsupportedOperation("standard output is closed")
        return self._stream.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._stream, "errors", None)


def guard_standard_streams() -> tuple[TolerantStream, TolerantStream]:
    """Wrap sys.stdout and sys.stderr so a closed or broken one never stops a run.

    A plan is still written when standard output is closed (``aidplan plan >&-``) or its
    reader has gone (``aidplan plan | head -1``); what could not be printed is lost and a
    one-line note goes to standard error when that is still open. The exit status is the
    one the run would have had. Returns the two wrappers (for `report_lost_output`).
    """
    for fd in (0, 1, 2):  # a closed descriptor gets /dev/null: libraries that dup it still work
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    out = sys.stdout if isinstance(sys.stdout, TolerantStream) else TolerantStream(sys.stdout)
    err = sys.stderr if isinstance(sys.stderr, TolerantStream) else TolerantStream(sys.stderr)
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    return out, err


def report_lost_output(out: TolerantStream, err: TolerantStream) -> None:
    """Say on standard error that standard output was closed or broken, if it was."""
    out.flush()
    if out.lost and not err.lost:
        err.write("aidplan: standard output is closed or broken; its text was not shown\n")
        err.flush()


def print_warnings(
    warnings: tuple[Issue, ...] | list[Issue],
    console: Console,
    first: int = 5,
    lead: tuple[Issue, ...] | list[Issue] = (),
) -> None:
    """The readers' warnings: counted per kind, then the first few (input text escaped).

    ``lead``: warnings listed before the others, whatever their place (the re-plan's comparison
    of its previous plan, planner.replan.compare_inputs, which would otherwise sort after every
    request warning and fall beyond the first few); each warning is listed once.
    """
    if not warnings:
        return
    console.print(f"[yellow]{term_text(count_line(warnings))}[/yellow]")
    leading = set(lead)
    ordered = [w for w in warnings if w in leading] + [w for w in warnings if w not in leading]
    for issue in ordered[:first]:
        console.print(f"  {term_text(issue)}", soft_wrap=True, emoji=False)
    if len(warnings) > first:
        console.print(
            f"  … and {len(warnings) - first} more (sheet Input checks, or aidplan validate)"
        )


# Options shared by several commands, declared once (typer reads the Annotated metadata).
IncludeHiddenOption = Annotated[
    bool, typer.Option("--include-hidden", help="Also read hidden sheets, rows and columns.")
]
KeepUnknownOption = Annotated[
    bool,
    typer.Option(
        "--keep-unknown", help='Plan the rest when an item is not in the catalog ("unmet").'
    ),
]
ExecutorOption = Annotated[
    str, typer.Option(help="local (processes here) or dask (a Dask cluster, see --scheduler).")
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address (tcp://host:8786); default: a local cluster."),
]
PledgesOption = Annotated[
    str | None,
    typer.Option(help="all (default): every offer; firm: committed and delivered offers only."),
]


def option_overrides(
    issues: list[Issue],
    *,
    solver: str | None = None,
    time_limit: float | None = None,
    pledges: str | None = None,
) -> dict[str, Any]:
    """Settings from the solver options shared by plan, whatif and stress (only those given):
    ``--solver`` highs|cbc, ``--time-limit`` > 0 seconds, ``--pledges`` all|firm. A bad value
    is added to ``issues`` as ``bad-option`` (the caller raises them all at once)."""
    out: dict[str, Any] = {}
    if solver is not None:
        if solver in ("highs", "cbc"):
            out["solver"] = solver
        else:
            msg = f"expected highs or cbc, found {solver!r}"
            issues.append(Issue("bad-option", "--solver", msg))
    if time_limit is not None:
        if time_limit > 0:
            out["time_limit_s"] = time_limit
        else:
            msg = f"expected a positive number of seconds, found {time_limit}"
            issues.append(Issue("bad-option", "--time-limit", msg))
    if pledges is not None:
        if pledges in ("all", "firm"):
            out["pledges"] = pledges
        else:
            msg = f"expected all or firm, found {pledges!r}"
            issues.append(Issue("bad-option", "--pledges", msg))
    return out


def reader_overrides(include_hidden: bool, keep_unknown: bool) -> dict[str, Any]:
    """Settings from --include-hidden and --keep-unknown (only those given, so a catalog's
    planning.toml may set them too)."""
    out: dict[str, Any] = {}
    if include_hidden:
        out["include_hidden"] = True
    if keep_unknown:
        out["keep_unknown"] = True
    return out


def default_out(command: str, requests: Path | None) -> Path:
    """Where ``command`` writes its workbook without ``--out``: ``outputs/<command>-<stem of the
    request workbook, or demo>.xlsx`` (whatif, stress)."""
    stem = requests.stem if requests is not None else "demo"
    return Path("outputs") / f"{command}-{stem}.xlsx"


def command_inputs(
    requests: Path | None,
    catalog: Path | None,
    scenarios: list[Path] | None = None,
    others: list[tuple[str, Path]] | None = None,
) -> list[tuple[str, Path]]:
    """Every input file of a command's run as (role, path), for
    planner.io.output_paths.check_outputs: the request workbook and catalog folder given, else
    the bundled demo's; the scenario files; ``others`` (e.g. ``("the disruptions file", p)``)."""
    from planner.io.output_paths import run_inputs

    found = run_inputs(
        requests if requests is not None else default_requests(),
        catalog if catalog is not None else default_catalog(),
        scenarios or [],
    )
    return [*found, *(others or [])]


def gap_text(gap: float) -> str:
    """A relative gap as the console prints it: a percent with two decimals, three
    significant digits below 0.1 %, where ``mip_gap`` (0.01 % by default) decides between
    optimal and not: 0.0136 %, not 0.01 % beside "feasible (gap above mip_gap)". NaN (no
    bound) as "–"."""
    if gap != gap:
        return "–"
    return f"{gap * 100:.3g}%" if 0 < abs(gap) < 1e-3 else f"{gap:.2%}"
