"""Opening an input file safely: the one place where catalog, request and scenario files are
opened (DESIGN.md §2.1a).

`read_input_bytes` returns the bytes of a regular file of at most a given size, or raises
InputError with one issue saying why not, before anything is parsed:

| code | when |
|---|---|
| missing-file (or the caller's code) | no such file |
| symlink-loop | the name is a symbolic link that leads back to itself |
| not-a-file (or the caller's code) | a folder, a FIFO, a device such as /dev/zero, a socket |
| unreadable | the file cannot be opened or read (permission denied, I/O error) |
| file-too-large | more than ``max_bytes`` bytes |

The file is opened without blocking and checked on the open descriptor, so a FIFO never blocks
the run and a file swapped between the check and the read is still checked. At most
``max_bytes + 1`` bytes are ever read, whatever the file claims.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from planner.errors import InputError, Issue

CHUNK_BYTES = 1 << 20


def file_kind(mode: int) -> str:
    """What a file of ``mode`` (``st_mode``) is, in words: "a folder", "a FIFO (named pipe)"..."""
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def read_input_bytes(
    path: Path,
    display: str,
    max_bytes: int,
    *,
    what: str = "file",
    missing_code: str = "missing-file",
    special_code: str = "not-a-file",
) -> bytes:
    """The content of the regular file ``path``, at most ``max_bytes`` long.

    Parameters
    ----------
    path
        The file to read.
    display
        Its name in messages (relative to the working folder, as the user typed it).
    max_bytes
        Size limit in bytes.
    what
        What the file should be, in words ("scenario file", "request workbook").
    missing_code, special_code
        Codes for "no such file" and "not a regular file", for readers with codes of their own.

    Raises
    ------
    InputError
        One issue with the codes of the module docstring.
    """

    def fail(code: str, message: str) -> InputError:
        return InputError([Issue(code, display, message)])

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise fail(missing_code, f"expected a {what}, found no such file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        code = getattr(exc, "errno", None)
        if code == errno.ELOOP:
            raise fail(
                "symlink-loop", f"expected a {what}, found a symbolic link that loops"
            ) from None
        if code == errno.ENXIO:  # a socket, or a FIFO with no writer on some systems
            raise fail(special_code, f"expected a {what}, found not a regular file") from None
        reason = getattr(exc, "strerror", None) or str(exc)
        raise fail("unreadable", f"cannot read the file: {reason}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise fail(special_code, f"expected a {what}, found {file_kind(st.st_mode)}")
        if st.st_size > max_bytes:
            raise fail(
                "file-too-large",
                f"expected at most {_mib(max_bytes)}, found {_mib(st.st_size)}",
            )
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        got = 0
        while got <= max_bytes:
            chunk = os.read(fd, min(CHUNK_BYTES, max_bytes + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise fail("unreadable", f"cannot read the file: {reason}") from None
    finally:
        os.close(fd)
    if got > max_bytes:
        raise fail("file-too-large", f"expected at most {_mib(max_bytes)}")
    return b"".join(chunks)


MAX_TOML_BYTES = 1024 * 1024
MAX_TOML_DEPTH = 20


def _depth(value: object) -> int:
    """Nesting depth of parsed TOML (tables and arrays), counted without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = list(item)
        else:
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in children)
    return deepest


def read_toml(path: Path, display: str, what: str = "TOML file") -> dict[str, object]:
    """A TOML file (planning.toml, a scenario) as a dict: opened with `read_input_bytes` (at
    most `MAX_TOML_BYTES`), UTF-8 with or without a byte-order mark, at most
    `MAX_TOML_DEPTH` levels of tables and arrays.

    Raises
    ------
    InputError
        One issue: the codes of `read_input_bytes`, or ``bad-toml`` (not UTF-8, a syntax error,
        nested too deeply).
    """
    import tomllib

    data = read_input_bytes(path, display, MAX_TOML_BYTES, what=what)

    def bad(message: str) -> InputError:
        return InputError([Issue("bad-toml", display, message)])

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bad(
            f"expected UTF-8 text, found a byte that is not (byte {exc.start + 1}); "
            "save the file as UTF-8"
        ) from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise bad(f"expected valid TOML: {exc}") from None
    except RecursionError:
        raise bad(f"expected at most {MAX_TOML_DEPTH} levels of nested tables and arrays") from None
    if _depth(parsed) > MAX_TOML_DEPTH:
        raise bad(f"expected at most {MAX_TOML_DEPTH} levels of nested tables and arrays")
    return parsed
