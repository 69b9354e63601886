"""Checking where a command will write, before it reads much or solves anything (DESIGN.md §8).

An output path is refused (exit status 2, `OutputError` with every problem) when it

- is any input of the run: the request workbook, a file of the catalog folder, a scenario file,
  a previous plan — compared by resolved path and by file identity (device and inode), so a
  hard link, a symbolic link or a ``..`` detour counts as the same file [output-is-input];
- exists and is not a regular file: a folder, a device, a FIFO, a socket, a symlink loop
  [output-not-a-file];
- does not end in the extension of what is written: ``.xlsx`` for workbooks, ``.lp``/``.mps``
  for a model file, ``.png`` for a chart [output-extension];
- already holds a file aidplan did not write: a request sheet, a filled-in template, any other
  file (planner.io.own_files; decision 0013); aidplan's own earlier output is replaced
  [output-exists];
- lies in a folder that cannot be created or written, or on a disk with less than
  `MIN_FREE_BYTES` free [output-folder, disk-full];
- is the same file as another output of the same run [output-collision].
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from planner.errors import Issue
from planner.io.atomic import TEMP_PREFIX, TEMP_SUFFIX, OutputError, display, final_target
from planner.io.input_files import file_kind
from planner.io.own_files import foreign_file

MIN_FREE_BYTES = 1024 * 1024
MAX_CATALOG_ENTRIES = 10_000

__all__ = ["Output", "OutputError", "check_folder", "check_outputs", "run_inputs"]


@dataclass(frozen=True)
class Output:
    """One file a command will write.

    path: where; option: the option that named it (``--out``); suffixes: the extensions
    accepted, lower case with the dot; what: the kind of file, in words ("plan workbook");
    replace_any: the command decides itself whether an existing file may be replaced (``aidplan
    template`` asks for ``--force``), so a file aidplan did not write is not refused here.
    """

    path: Path
    option: str
    suffixes: tuple[str, ...]
    what: str
    replace_any: bool = False


def run_inputs(
    requests: Path | None = None,
    catalog: Path | None = None,
    scenarios: Iterable[Path] = (),
    previous: Path | None = None,
) -> list[tuple[str, Path]]:
    """Every input file of a run as (role, path): the request workbook, each file of the
    catalog folder (all of them, not just the ones read today), the scenario files and a
    previous plan. Paths that do not exist are kept (the readers report them)."""
    found: list[tuple[str, Path]] = []
    if requests is not None:
        found.append(("the request workbook", Path(requests)))
    if catalog is not None:
        with contextlib.suppress(OSError), os.scandir(catalog) as entries:
            for n, entry in enumerate(entries):
                if n >= MAX_CATALOG_ENTRIES:
                    break
                found.append(("a catalog file", Path(entry.path)))
    found.extend(("a scenario file", Path(p)) for p in scenarios)
    if previous is not None:
        found.append(("the previous plan", Path(previous)))
    return found


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def _real(path: Path) -> str:
    try:
        return os.path.normcase(os.path.realpath(path))
    except (OSError, ValueError):
        return os.path.normcase(os.path.abspath(path))


def _writable_folder(folder: Path) -> str | None:
    """Why files cannot be written in ``folder``, or None. A file is created and removed in
    the folder, or in its nearest existing parent when it does not exist yet (it is made at
    the end): trying is the only test that holds for root and for read-only or special file
    systems, where permission bits say little. Nothing is left behind."""
    probe = folder
    while not os.path.lexists(probe) and probe.parent != probe:
        probe = probe.parent
    try:
        st = os.stat(probe)
    except (OSError, ValueError) as exc:
        return f"folder {display(probe)} cannot be used: {getattr(exc, 'strerror', exc)}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{display(probe)} is {file_kind(st.st_mode)}, not a folder"
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=probe)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "disk-full"
        verb = "written" if probe == folder else f"created in {display(probe)}"
        return f"folder {display(folder)} cannot be {verb}: {exc.strerror or exc}"
    with contextlib.suppress(OSError):
        vfs = os.statvfs(probe)
        if vfs.f_blocks and vfs.f_bavail * vfs.f_frsize < MIN_FREE_BYTES:
            return "disk-full"
    return None


def _folder_issue(where: str, folder: Path, why: str) -> Issue:
    if why == "disk-full":
        return Issue("disk-full", where, f"the disk holding {display(folder)} is full")
    return Issue("output-folder", where, f"{why}; nothing was written")


def check_folder(folder: Path, option: str) -> list[Issue]:
    """Problems of a folder that will receive files (``--plans DIR``): not a folder, or not
    writable. An absent folder is fine when it can be created."""
    where = f"{option} {display(folder)}"
    try:
        st = os.stat(folder)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return [Issue("output-not-a-file", where, f"cannot use this folder: {reason}")]
    if st is not None and not stat.S_ISDIR(st.st_mode):
        return [Issue("output-folder", where, f"expected a folder, found {file_kind(st.st_mode)}")]
    why = _writable_folder(folder)
    return [_folder_issue(where, folder, why)] if why else []


def _check_one(out: Output, inputs: Sequence[tuple[str, Path]]) -> list[Issue]:
    """The first problem of one output, most telling first: an input of the run, not a
    regular file, a wrong extension, an unusable folder."""
    path = out.path
    where = f"{out.option} {display(path)}"
    me, real = _identity(path), _real(path)
    for role, p in inputs:
        if (me is not None and me == _identity(p)) or real == _real(p):
            shown = display(p)
            alias = "" if shown == display(path) else f" (same file as {shown})"
            return [
                Issue(
                    "output-is-input",
                    where,
                    f"this is {role} of this run{alias}; writing the {out.what} there would "
                    "replace it: choose another file name",
                )
            ]
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):  # the folder check says why
        st = None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return [Issue("output-not-a-file", where, f"cannot use this path: {reason}")]
    if st is not None and not stat.S_ISREG(st.st_mode):
        return [
            Issue(
                "output-not-a-file",
                where,
                f"expected a file to write the {out.what} to, found {file_kind(st.st_mode)}",
            )
        ]
    if path.suffix.lower() not in out.suffixes:
        shown = f"{path.suffix!r}" if path.suffix else "no extension"
        expected = " or ".join(out.suffixes)
        # No extension is often a folder meant to hold the file (`--out outputs/`; the
        # trailing slash is gone by the time the option arrives): show the file to give.
        hint = (
            f"; to write into a folder, name the file in it, e.g. "
            f"{display(path / ('plan' + out.suffixes[0]))}"
            if not path.suffix
            else ""
        )
        return [
            Issue(
                "output-extension",
                where,
                f"expected a {out.what} name ending in {expected}, found {shown}{hint}",
            )
        ]
    if st is not None and not out.replace_any:
        try:
            foreign = foreign_file(path, out.what)
        except OSError as exc:
            foreign = f"a file that cannot be read ({exc.strerror or exc})"
        if foreign is not None:
            return [
                Issue(
                    "output-exists",
                    where,
                    f"this file exists and is not a {out.what} aidplan wrote ({foreign}); "
                    f"writing the {out.what} there would replace it: choose another file name, "
                    "or move the file away first",
                )
            ]
    why = _writable_folder(final_target(path).parent)
    return [_folder_issue(where, path.parent, why)] if why else []


def output_issues(
    outputs: Sequence[Output], inputs: Sequence[tuple[str, Path]] = ()
) -> list[Issue]:
    """Every problem of ``outputs`` (see the module docstring), without raising."""
    issues: list[Issue] = []
    seen: dict[str, Output] = {}
    for out in outputs:
        found = _check_one(out, inputs)
        issues += found
        key = _real(out.path)
        if not found and key in seen:
            other = seen[key]
            issues.append(
                Issue(
                    "output-collision",
                    f"{out.option} {display(out.path)}",
                    f"the same file as {other.option} {display(other.path)}: each output "
                    "needs its own file",
                )
            )
        seen.setdefault(key, out)
    return issues


def check_outputs(outputs: Sequence[Output], inputs: Sequence[tuple[str, Path]] = ()) -> None:
    """Refuse, before any solving, outputs that would destroy an input or cannot be written.

    Parameters
    ----------
    outputs
        Every file the command will write.
    inputs
        Every input file of the run as (role, path), e.g. from `run_inputs`.

    Raises
    ------
    OutputError
        Listing every problem (codes in the module docstring).
    """
    issues = output_issues(outputs, inputs)
    if issues:
        raise OutputError(issues)
