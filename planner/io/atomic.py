"""Writing a file so that nothing already on disk is lost (DESIGN.md §8).

Every output is written beside its target under a short private temporary name
(``.aidplan-XXXXXXXX.tmp``, mode 0600), synced, given its final mode and renamed over the
target in one step. On any exception — including SIGINT and SIGTERM, which planner.interrupt
turns into exceptions — the temporary file is removed and the target keeps its old content.
A write that fails for a reason of the file system (disk full, read-only, permission) becomes
an `OutputError` naming the file, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from planner.errors import InputError, Issue
from planner.interrupt import deferred

TEMP_PREFIX = ".aidplan-"
TEMP_SUFFIX = ".tmp"


class OutputError(InputError):
    """An output cannot be written where asked (exit status 2, nothing lost).

    Raised before any solving by planner.io.output_paths.check_outputs, and by `atomic_path`
    when the file system refuses the write (disk full, read-only, permission denied).
    """


def display(path: Path) -> str:
    """The path as the user knows it: relative to the working folder when inside it."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def final_target(target: Path) -> Path:
    """Where the bytes go: a symbolic link is followed, so the link keeps pointing at the
    updated file instead of being replaced by a copy."""
    if os.path.islink(target):
        return Path(os.path.realpath(target))
    return target


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def cannot_write(target: Path, exc: OSError) -> OutputError:
    """An OSError of the file system as an OutputError naming the target."""
    reason = exc.strerror or str(exc)
    return OutputError(
        [
            Issue(
                "cannot-write",
                display(target),
                f"cannot write the file: {reason}; nothing was changed on disk",
            )
        ]
    )


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    The temporary file is created private (0600) and gets the mode of the file it replaces (or
    the mode a new file gets under the user's umask) just before the rename. On any failure or
    interruption it is removed and ``target`` is left untouched.

    Raises
    ------
    OutputError
        When the folder cannot be created or written, or the disk is full.
    """
    target = final_target(Path(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    tmp = Path(tmp_name)
    try:
        os.close(fd)
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        try:
            mode = target.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = _new_file_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    except BaseException as exc:
        with deferred(), contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.errno is not None:
            raise cannot_write(target, exc) from None
        raise


def write_atomic(target: Path, writer: Callable[[Path], None]) -> None:
    """Run ``writer(tmp_path)`` and move the result over ``target`` atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)
