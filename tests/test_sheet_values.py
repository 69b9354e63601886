"""Reading plan workbooks back with python-calamine (planner.io.sheet_values): the bound on a
sheet's cells that keeps calamine from allocating a grid it cannot hold, the fall-back to
openpyxl, and the same tables from both readers."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner.api import run_plan
from planner.errors import InputError
from planner.io import previous_plan, sheet_values
from planner.io.previous_plan import read_plan_workbook
from planner.io.sheet_values import MAX_SHEET_CELLS, read_sheets, sheet_extent
from planner.io.xlsx_safety import preflight
from tests.plan_cases import inputs_of, write_plan
from tests.random_instances import random_instance


@pytest.mark.parametrize(
    ("xml", "extent"),
    [
        # rows 1 and 9; cells A1, Z9, AA3, B10: last row 10 (B10), last column AA = 27
        (
            b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="9"><c r="Z9" t="s">'
            b'<v>0</v></c><c r="AA3"/><c r="B10"/></row></sheetData>',
            (10, 27),
        ),
        # the two corners of Excel's grid: 1,048,576 rows × 16,384 columns
        (
            b'<row r="1"><c r="A1"/></row><row r="1048576"><c r="XFD1048576"/></row>',
            (1048576, 16384),
        ),
        # C comes after B although both are one letter; AB after Z (longer)
        (b'<row r="2"><c r="C2"/><c r="B2"/></row>', (2, 3)),
        # a row number beyond every cell's still counts (rows are part of the bound)
        (b'<row r="50"/><row r="1"><c r="A1"/></row>', (50, 1)),
        (b"<sheetData/>", (0, 0)),
    ],
)
def test_extent_is_the_last_row_and_column_referenced(xml: bytes, extent: tuple[int, int]) -> None:
    assert sheet_extent(xml) == extent


@pytest.mark.parametrize(
    "xml",
    [
        b'<row r="1"><c r="A1"/><c><v>2</v></c></row>',  # a cell without r: placed by counting
        b'<row r="1"><x:c r="A1"/><x:c/></row>',  # the same with a namespace prefix
        b'<row r="1"><c r="A01"/></row>',  # a leading zero
        b'<row r="1"><c r="a1"/></row>',  # lower case
        b'<row r="1"><c r = "A1"/></row>',  # spaces around =
        b"<row r='1'><c r='A1'/></row>",  # single quotes
        b'<row r="1"><c r="&#65;1"/></row>',  # a character reference
        b'<row r="1">\n<c\nr="A1"/></row>',  # a line break before r
        "<row r='1'><c r='A1'/></row>".encode("utf-16"),  # UTF-16
    ],
)
def test_extent_is_unknown_when_a_cell_is_not_placed_by_an_excel_reference(xml: bytes) -> None:
    assert sheet_extent(xml) is None


def _plan(tmp_path: Path) -> Path:
    inputs = inputs_of(random_instance(1))
    return write_plan(inputs, run_plan(inputs), tmp_path / "plan.xlsx")


def _rewrite_part(path: Path, member: str, edit: object) -> None:
    """``path`` with one zip member passed through ``edit`` (bytes -> bytes)."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, edit(data) if info.filename == member else data)  # type: ignore[operator]
    path.write_bytes(out.getvalue())


def _sheet_member(path: Path, title: str) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    member = wb[title]._worksheet_path  # type: ignore[union-attr]
    wb.close()
    return str(member).lstrip("/")


def _assert_same_book(a: previous_plan.PlanWorkbook, b: previous_plan.PlanWorkbook) -> None:
    pd.testing.assert_frame_equal(a.allocations, b.allocations)
    pd.testing.assert_frame_equal(a.requests, b.requests)
    pd.testing.assert_frame_equal(a.corridors, b.corridors)
    pd.testing.assert_frame_equal(a.inputs, b.inputs)


def test_calamine_and_openpyxl_read_the_same_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _plan(tmp_path)
    book = preflight(path)
    fast = read_sheets(book, ["Allocations", "Inputs"])
    assert fast is not None  # the plan aidplan writes is read by calamine
    fast_book = read_plan_workbook(path)
    monkeypatch.setattr(previous_plan, "read_sheets", lambda *_: None)
    slow_book = read_plan_workbook(path)
    _assert_same_book(fast_book, slow_book)
    assert fast_book.setting("start")[0] == slow_book.setting("start")[0]
    assert fast_book.setting("horizon") == slow_book.setting("horizon")
    assert isinstance(fast_book.setting("horizon")[0], int)  # 12, not 12.0


def test_cells_without_references_are_read_by_openpyxl(tmp_path: Path) -> None:
    path = _plan(tmp_path)
    before = read_plan_workbook(path)
    member = _sheet_member(path, "Allocations")
    # Excel may leave out r on cells that follow each other; calamine would place them by
    # counting, which sheet_extent does not bound, so the workbook goes to openpyxl
    _rewrite_part(path, member, lambda xml: re.sub(rb' r="[A-Z]+[0-9]+"', b"", xml))
    assert read_sheets(preflight(path), ["Allocations", "Inputs"]) is None
    _assert_same_book(before, read_plan_workbook(path))


def test_a_sheet_reaching_the_last_cell_is_refused_before_calamine_sees_it(
    tmp_path: Path,
) -> None:
    path = _plan(tmp_path)
    member = _sheet_member(path, "Allocations")
    far = b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData>'
    _rewrite_part(path, member, lambda xml: xml.replace(b"</sheetData>", far))
    # in a child process: were the bound missed, calamine would abort the process asking for
    # 550 GB (17,179,869,184 cells × 32 bytes), and the test run with it
    code = (
        "from planner.errors import InputError\n"
        "from planner.io.previous_plan import read_plan_workbook\n"
        "try:\n"
        f"    read_plan_workbook({str(path)!r})\n"
        "except InputError as exc:\n"
        "    print([(i.code, i.sheet) for i in exc.issues])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[('too-many-cells', 'Allocations')]"
    with pytest.raises(InputError) as exc:
        read_plan_workbook(path)
    (issue,) = exc.value.issues
    assert "XFD1048576" in issue.message and f"{MAX_SHEET_CELLS:,}" in issue.message


def test_a_sheet_of_exactly_the_limit_is_read_and_one_cell_more_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _plan(tmp_path)
    member = _sheet_member(path, "Corridors")
    # one cell at AX2000: column AX is 50, so the sheet spans 2,000 × 50 = 100,000 cells
    far = b'<row r="2000"><c r="AX2000"><v>7</v></c></row></sheetData>'
    _rewrite_part(path, member, lambda xml: xml.replace(b"</sheetData>", far))
    monkeypatch.setattr(sheet_values, "MAX_SHEET_CELLS", 100_000)
    rows = read_sheets(preflight(path), ["Corridors"])
    assert rows is not None
    assert len(rows["Corridors"]) == 2000 and rows["Corridors"][-1][49] == 7
    monkeypatch.setattr(sheet_values, "MAX_SHEET_CELLS", 99_999)
    with pytest.raises(InputError) as exc:
        read_sheets(preflight(path), ["Corridors"])
    assert [(i.code, i.sheet) for i in exc.value.issues] == [("too-many-cells", "Corridors")]
    assert "AX2000 (100,000 cells from A1)" in exc.value.issues[0].message


def test_parts_calamine_might_resolve_elsewhere_are_read_by_openpyxl(tmp_path: Path) -> None:
    """The bound must be taken on the part calamine reads: a second part of the same name (a
    zip may hold two) or a relationship path with ``..`` could make them differ, so such a
    workbook is not read with calamine."""
    path = _plan(tmp_path)
    member = _sheet_member(path, "Allocations")
    twice = tmp_path / "twice.xlsx"
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst, pytest.warns(UserWarning, match="Duplicate name"):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr(member.upper(), src.read(member))  # the same name up to case
        dst.writestr(member, src.read(member))
    twice.write_bytes(out.getvalue())
    assert read_sheets(preflight(twice), ["Allocations"]) is None
    rels = "xl/_rels/workbook.xml.rels"
    _rewrite_part(
        path, rels, lambda xml: xml.replace(b'Target="worksheets/', b'Target="../xl/worksheets/')
    )
    assert read_sheets(preflight(path), ["Allocations"]) is None
