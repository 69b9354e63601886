"""Whole sheets' cell values, read fast with python-calamine (a Rust reader), for the plan
workbooks that planner.io.previous_plan reads back (a re-plan's previous plan, both sides of
``aidplan diff``).

Why not openpyxl: its read-only mode parses every cell in Python; the four sheets a re-plan reads
from the medium benchmark's plan (35,000 cells) took 0.5–1.0 s, as long as the re-plan saves in
the solver (docs/decisions/0010). calamine reads them in a few hundredths of a second.

What calamine does not guard against, this module does. calamine builds a dense grid from a
sheet's first to its last cell, so two cells far apart (``A1`` and ``XFD1048576``) make it
allocate 550 GB and abort the whole process (calamine issue #693, open): no exception, no
message. So before calamine sees a workbook, :func:`sheet_extent` finds the last row and column
of every sheet to be read from the cell references in its XML (a regular expression over the
part's bytes, which preflight has already bounded in size), and

- a sheet reaching beyond ``MAX_SHEET_CELLS`` cells from A1 is refused [too-many-cells], at its
  sheet, before anything is allocated;
- a sheet whose cells cannot all be placed from their references (a cell without ``r``, a
  reference not written as Excel writes it, a part in UTF-16), a workbook whose sheets cannot
  be found through ``xl/workbook.xml`` and its relationships by plain paths (no ``..``, ``.``
  or ``\\``), or an archive with two parts of the same name (up to case) is not read here:
  :func:`read_sheets` returns None and the caller reads the workbook with openpyxl as before.
  Those are the ways calamine could read another part than the one bounded.

Values are handed back as openpyxl's ``iter_rows(values_only=True)`` gives them, so callers need
not know which reader ran: one tuple per Excel row from row 1, one entry per column from A, None
for an empty cell, whole numbers as ``int``. Differences that remain: a date cell comes back as
``datetime.date`` (openpyxl: ``datetime`` at midnight), and an error cell (``#N/A``) as None
(openpyxl: its text).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string

from planner.errors import InputError, Issue
from planner.io.xlsx_safety import EXCEL_MAX_COLUMN, EXCEL_MAX_ROW, CheckedWorkbook

MAX_SHEET_CELLS = 5_000_000
"""Most cells (last row × last column) of one sheet read with calamine: 160 MB of its grid.
A plan of the large benchmark (3,000 request lines) has about 300,000 in its Allocations sheet."""

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Excel, openpyxl and xlsxwriter write a cell's reference as ` r="B12"` and a row's as ` r="12"`.
# An attribute is preceded by white space in XML, so `_R_ANY` finds every attribute named r (not
# r:id, not xr:uid) of any element, and more (text that looks like one): the bound misses none,
# and an extra one only sends the workbook to openpyxl. Rows have no leading zero, so the longest
# row number is the largest.
_R_ANY = (b" r=", b"\nr=", b"\tr=", b"\rr=")
_R_SPACED = re.compile(rb"r\s+=")
_R_EXCEL = re.compile(rb' r="[A-Z]{0,3}[1-9][0-9]{0,6}"')
_R_CELL = re.compile(rb' r="[A-Z]')
_ROW_OF = {k: re.compile(rb' r="[A-Z]{0,3}([1-9][0-9]{%d})"' % (k - 1)) for k in range(7, 0, -1)}
_COLUMN_OF = {k: re.compile(rb' r="([A-Z]{%d})[1-9]' % k) for k in range(3, 0, -1)}
_CELL_TAG = (b"<c ", b"<c>", b"<c/", b"<c\n", b"<c\t", b"<c\r")
_PREFIXED_CELL_TAG = re.compile(rb":c[\s/>]")


def _largest(patterns: dict[int, re.Pattern[bytes]], xml: bytes) -> bytes:
    """The largest match of the longest width that has one (patterns longest first)."""
    for pattern in patterns.values():
        found = pattern.findall(xml)
        if found:
            return bytes(max(found))
    return b""


def sheet_extent(xml: bytes) -> tuple[int, int] | None:
    """(last row, last column) that any row or cell reference of a worksheet part names, 1-based.

    None when the part's cells cannot all be placed from their references: a cell element
    without one, a reference not written as ``B12`` or ``12`` the way Excel writes them, or a
    part that is not UTF-8 (calamine places such cells by counting, which this bound does not
    follow). Found with byte counts and regular expressions that run in C: 10–40 ms for the
    medium benchmark's Allocations sheet (1 MB, 28,000 cells).
    """
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in xml[:200]:
        return None
    n_attrs = sum(xml.count(form) for form in _R_ANY)
    if _R_SPACED.search(xml) or len(_R_EXCEL.findall(xml)) != n_attrs:
        return None  # a reference not as Excel writes it (spaces, quotes, entities, b12, …)
    n_tags = sum(xml.count(form) for form in _CELL_TAG) + len(_PREFIXED_CELL_TAG.findall(xml))
    if n_tags > len(_R_CELL.findall(xml)):
        return None  # a cell without a reference: calamine places it by counting
    row = _largest(_ROW_OF, xml)
    column = _largest(_COLUMN_OF, xml)
    return (int(row) if row else 0), (column_index_from_string(column.decode()) if column else 0)


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str] | None:
    """Sheet name -> worksheet part (``xl/worksheets/sheet3.xml``), from ``xl/workbook.xml`` and
    its relationships; None when they cannot be read."""
    try:
        book = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # missing or damaged: openpyxl reports it
        return None
    targets: dict[str, str] = {}
    for rel in rels.iter(f"{_PKG}Relationship"):
        rid, target = rel.get("Id"), rel.get("Target")
        if not rid or not target:
            continue
        if "\\" in target or any(seg in (".", "..", "") for seg in target.lstrip("/").split("/")):
            return None  # a path calamine might resolve to another part than this one
        targets[rid] = target[1:] if target.startswith("/") else f"xl/{target}"
    sheets: dict[str, str] = {}
    node: Element
    for node in book.iter(f"{_MAIN}sheet"):
        name, rid = node.get("name"), node.get(f"{_REL}id")
        if name is None or rid not in targets or name in sheets:
            return None
        sheets[name] = targets[str(rid)]
    return sheets


def sheet_names(book: CheckedWorkbook) -> list[str] | None:
    """The workbook's sheet names in order, from ``xl/workbook.xml``; None when unreadable."""
    try:
        with zipfile.ZipFile(io.BytesIO(book.data)) as archive:
            parts = sheet_parts(archive)
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    return None if parts is None else list(parts)


def _value(v: Any) -> Any:
    if v == "":
        return None
    if type(v) is float and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def read_sheets(
    book: CheckedWorkbook, titles: list[str]
) -> dict[str, list[tuple[Any, ...]]] | None:
    """Every row of the sheets ``titles`` (names as in the workbook) of a checked workbook.

    Returns
    -------
    dict or None
        title -> rows: one tuple per Excel row from row 1 (None for an empty cell, whole numbers
        as int), as openpyxl's ``iter_rows(values_only=True)``; None when the workbook is to be
        read with openpyxl instead (see the module docstring).

    Raises
    ------
    InputError
        [too-many-cells] for a sheet reaching beyond ``MAX_SHEET_CELLS`` cells from A1, at its
        sheet; [corrupt-workbook] when calamine cannot read a part.
    """
    import python_calamine

    try:
        with zipfile.ZipFile(io.BytesIO(book.data)) as archive:
            members = [info.filename.casefold() for info in archive.infolist()]
            if len(set(members)) != len(members):
                return None  # two parts of one name: which one would calamine read?
            parts = sheet_parts(archive)
            if parts is None or any(t not in parts for t in titles):
                return None
            extents = {}
            for title in titles:
                extent = sheet_extent(archive.read(parts[title]))
                if extent is None:
                    return None
                extents[title] = extent
    except (KeyError, zipfile.BadZipFile, OSError, EOFError):  # openpyxl reports it
        return None
    limit = MAX_SHEET_CELLS
    too_large = [
        Issue(
            "too-many-cells",
            book.display,
            f"the sheet reaches cell {get_column_letter(min(col, EXCEL_MAX_COLUMN))}"
            f"{min(row, EXCEL_MAX_ROW)} ({row * col:,} cells from A1); a plan sheet is"
            f" expected to hold at most {limit:,}: delete what lies beyond the"
            " table and save again",
            sheet=title,
        )
        for title, (row, col) in extents.items()
        if row * col > limit
    ]
    if too_large:
        raise InputError(too_large)
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(book.data))
        for title in titles:
            sheet = workbook.get_sheet_by_name(title)
            out[title] = [tuple(map(_value, row)) for row in sheet.to_python(skip_empty_area=False)]
    except Exception as exc:  # whatever calamine trips over is a property of the file
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise InputError(
            [
                Issue(
                    "corrupt-workbook",
                    book.display,
                    f"expected a valid workbook, found content that cannot be read ({text});"
                    " open it in Excel and save it again",
                )
            ]
        ) from exc
    return out
