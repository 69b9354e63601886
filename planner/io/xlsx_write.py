"""Writing workbooks safely: numbers as numbers, formula-like text as text, atomic replace."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.cell.cell import Cell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_value(value: object) -> object:
    """A value ready for an openpyxl cell: numpy scalars unwrapped, NaN as empty.

    Strings are returned unchanged here; `set_cell` marks them as text so that a string starting
    with `=`, `+`, `-` or `@` is stored as a string cell and never as a formula.
    """
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is _NA:
        return None
    if isinstance(value, bool | int | float | str | dt.date | dt.datetime):
        return value
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


try:
    import pandas as pd

    _NA: object = pd.NA
except ImportError:  # pragma: no cover
    _NA = object()


def set_cell(cell: Cell, value: object) -> None:
    """Write ``value`` into ``cell``; text is always stored as a text cell (data_type 's')."""
    v = safe_value(value)
    cell.value = v
    if isinstance(v, str):
        # openpyxl infers a formula from a leading "="; force a plain string cell.
        cell.data_type = "s"
        if v.startswith(FORMULA_START):
            # Excel re-parses text typed after a quote prefix as text; mark it so.
            cell.quotePrefix = True


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    On any failure the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        # mkstemp creates the file private (0600); give it the mode of the file it replaces,
        # or the mode a new file would get under the user's umask.
        try:
            mode = target.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def save_workbook_atomic(wb: Workbook, target: Path) -> None:
    """Save an openpyxl workbook to ``target`` atomically."""
    with atomic_path(target) as tmp:
        wb.save(tmp)


def write_atomic(target: Path, writer: Callable[[Path], None]) -> None:
    """Run ``writer(tmp_path)`` and move the result over ``target`` atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)
