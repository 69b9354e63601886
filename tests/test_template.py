"""The request template: drop-downs, example row, instructions, and a clean round trip."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from planner.catalog import Catalog
from planner.io.requests import read_requests
from planner.io.template import ITEMS_SHEET, REQUESTS_SHEET, write_template
from tests.fixtures_requests import SETTINGS, load_test_catalog


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return load_test_catalog(tmp_path_factory.mktemp("catalog"))


@pytest.fixture
def template(catalog: Catalog, tmp_path: Path) -> Path:
    return write_template(tmp_path / "out" / "template.xlsx", catalog)


def test_template_layout(template: Path, catalog: Catalog) -> None:
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [REQUESTS_SHEET, "Instructions", ITEMS_SHEET]
    ws = wb[REQUESTS_SHEET]
    header = [c.value for c in ws[1]]
    assert header == [
        "Request ID",
        "Item",
        "Quantity",
        "Priority",
        "Needed by",
        "Earliest",
        "Destination",
        "Notes",
        "Package",
    ]
    example = [c.value for c in ws[2]]
    assert example[:5] == ["R-001", "Javelin missile", 10, "high", "W4"]
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    item_dv = validations["B2:B501"]
    assert item_dv.type == "list"
    assert item_dv.formula1 == f"'Items'!$B$2:$B${len(catalog.items) + 1}"
    prio_dv = validations["D2:D501"]
    assert prio_dv.type == "list"
    assert prio_dv.formula1 == '"critical,high,medium,low"'
    qty_dv = validations["C2:C501"]
    assert (qty_dv.type, qty_dv.operator, qty_dv.formula1) == ("decimal", "greaterThan", "0")
    package_dv = validations["I2:I501"]  # DESIGN.md §2.2 package lines
    assert (package_dv.type, package_dv.formula1) == ("list", '"yes,no,item only"')
    items = wb[ITEMS_SHEET]
    names = [items.cell(row=r, column=2).value for r in range(2, len(catalog.items) + 2)]
    assert names == catalog.items["name"].tolist()
    instructions = [r[0] for r in wb["Instructions"].iter_rows(values_only=True)]
    assert any("drop-down" in str(line) for line in instructions)
    assert any("W12" in str(line) for line in instructions)


def test_unfilled_template_imports_the_example_only(template: Path, catalog: Catalog) -> None:
    result = read_requests(template, catalog, SETTINGS)
    assert result.table[
        ["request_id", "item_id", "quantity", "priority", "needed_by"]
    ].values.tolist() == [["R-001", "javelin", 10.0, 2, 4]]
    assert result.sheets_read == (REQUESTS_SHEET,)
    assert result.sheets_ignored == ("Instructions", ITEMS_SHEET)
    assert [w.code for w in result.warnings] == ["example-row"]  # the only one


def test_filled_template_imports_cleanly(template: Path, catalog: Catalog) -> None:
    wb = openpyxl.load_workbook(template)
    ws = wb[REQUESTS_SHEET]
    rows = [
        ["0007", "Diesel fuel", 12.5, "critical", dt.datetime(2025, 3, 24), None, "Lviv", "x"],
        [None, "first_aid", 200, "low", "W10", "W2", None, "=not a formula"],
        ["R-3", "Genset", 3, None, None, dt.datetime(2025, 4, 7), "Odesa", None],
    ]
    for r, values in enumerate(rows, start=3):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    ws.cell(row=4, column=8).data_type = "s"  # typed as text, as Excel stores it
    filled = template.with_name("filled.xlsx")
    wb.save(filled)
    result = read_requests(filled, catalog, SETTINGS)
    # The example row left in is planned, with a warning at it; R-3 has no priority: planned
    # as 3 with one warning for the sheet (DESIGN.md §2.2)
    assert [(w.code, w.row) for w in result.warnings] == [
        ("example-row", 2),
        ("default-priority", 5),
    ]
    got = result.table[
        ["request_id", "item_id", "quantity", "priority", "earliest", "needed_by", "notes"]
    ]
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        ["R-001", "javelin", 10.0, 2, 1, 4, "Example row: overwrite or delete it"],
        ["0007", "diesel", 12.5, 1, 1, 4, "x"],
        ["Requests-4", "first_aid", 200.0, 4, 2, 10, "=not a formula"],
        ["R-3", "generator", 3.0, 3, 6, None, ""],
    ]


def test_formula_like_catalog_text_is_never_a_formula(tmp_path: Path) -> None:
    items = (
        "item_id,name,category,unit,unit_weight_t,integer,aliases\n"
        'evil,"=HYPERLINK(""http://x"",""click"")",other,unit,1,false,+cmd;@SUM(1)\n'
        "-minus,-Minus item,other,unit,1,false,\n"
        "javelin,Javelin missile,anti_tank,missile,0.023,true,\n"  # the fixture offers it
    )
    cat = load_test_catalog(tmp_path / "cat", items)
    path = write_template(tmp_path / "t.xlsx", cat)
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        for name in sheets:
            assert b"<f>" not in zf.read(name), name
    wb = openpyxl.load_workbook(path)
    items_ws = wb[ITEMS_SHEET]
    cell = items_ws["B2"]
    assert cell.value == '=HYPERLINK("http://x","click")'
    assert cell.data_type == "s"
    assert cell.quotePrefix
    assert items_ws["A3"].value == "-minus" and items_ws["A3"].quotePrefix
    assert items_ws["G2"].value == "+cmd; @SUM(1)"
    example = wb[REQUESTS_SHEET]["B2"]
    assert example.data_type == "s" and example.quotePrefix
    # and the example row, naming that item, imports as text matching the catalog name
    result = read_requests(path, cat, SETTINGS)
    assert result.table["item_id"].tolist() == ["evil"]


def test_template_is_written_atomically(catalog: Catalog, tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"old")
    write_template(target, catalog)
    assert zipfile.is_zipfile(target)
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


def test_instructions_ask_for_weeks_as_w12_where_cells_are_dates(template: Path) -> None:
    """Needed by is formatted as a date, so a typed 12 is stored as a date in January 1900 and
    refused at its cell [bad-date]. The instructions must not offer "the week number" there
    (the shared case template-substitute); they ask for W12."""
    wb = openpyxl.load_workbook(template)
    text = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert "or the week number" not in text
    assert "write W12" in text
    date_cells = wb[REQUESTS_SHEET]["E2"].number_format
    assert "yy" in date_cells.lower()  # the reason: the column is date-formatted


def test_the_example_row_left_in_is_a_warning_at_its_row(template: Path, catalog: Catalog) -> None:
    """The template's row 2 is an example (10 units, note "Example row: overwrite or delete
    it"). Read back unchanged, it is planned like any line, with a warning at row 2, column H
    (the note) so that nobody plans 10 units nobody asked for without seeing it; overwritten
    (here: another note), no warning."""
    result = read_requests(template, catalog, SETTINGS)
    assert len(result.table) == 1
    (warning,) = [w for w in result.warnings if w.code == "example-row"]
    assert (warning.sheet, warning.row, warning.severity) == (REQUESTS_SHEET, 2, "warning")
    assert warning.column is not None and warning.column.startswith("H")
    wb = openpyxl.load_workbook(template)
    wb[REQUESTS_SHEET]["H2"] = "for the 3rd brigade"
    wb.save(template)
    again = read_requests(template, catalog, SETTINGS)
    assert not [w for w in again.warnings if w.code == "example-row"]
