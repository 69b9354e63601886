"""An empty request workbook for recipients to fill in (``aidplan template``).

Sheets:

Requests
    the header the reader expects (DESIGN.md §2.2), one filled example row, drop-down lists for
    the item (the catalog's names) and the priority (critical, high, medium, low), a check that
    quantities are positive numbers, request ids stored as text and dates shown as ISO dates.
Instructions
    what each column means and which forms of dates and priorities are accepted.
Items
    the catalog's items (the source of the item drop-down); its header deliberately has no
    item or quantity column, so the reader ignores it silently.

Every text that comes from the catalog is written with :func:`set_cell`, so a name starting
with ``=``, ``+``, ``-`` or ``@`` is shown as text and never evaluated.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from planner.catalog import Catalog
from planner.io.xlsx_write import save_workbook_atomic, set_cell
from planner.schema import PRIORITY_WORDS

TEMPLATE_ROWS = 500  # rows below the header that get the drop-downs and formats
REQUESTS_SHEET = "Requests"
ITEMS_SHEET = "Items"

# (header, width, help shown as a cell comment)
COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("Request ID", 14, "Optional. Your reference; must be unique in the workbook."),
    ("Item", 42, "Required. Pick from the list (catalog name); an item id or alias also works."),
    ("Quantity", 11, "Required. A number above 0; whole numbers for items counted in units."),
    ("Priority", 11, "critical, high, medium or low (or 1-4). Empty means medium."),
    ("Needed by", 13, "Optional. A date, a plan week such as W12, or a week number."),
    ("Earliest", 13, "Optional. Not before this date or week. Empty means from the start."),
    ("Destination", 20, "Optional. Where or to whom the delivery goes."),
    ("Notes", 40, "Optional. Anything the planners should know."),
    (
        "Package",
        12,
        "For systems with components (Items sheet): empty or yes asks for the system with"
        " them; no or 'item only' for the system alone.",
    ),
)
ITEM_COLUMNS = (
    ("Catalog ID", "item_id", 22),
    ("Catalog name", "name", 42),
    ("Category", "category", 16),
    ("Counted in", "unit", 12),
    ("Tonnes per unit", "unit_weight_t", 15),
    ("Whole units only", "integer", 16),
    ("Other names", "aliases", 40),
    ("Needs per unit (package)", "requires", 30),
)
INSTRUCTIONS = (
    "How to fill in this request workbook",
    "",
    "One row per requested line on the 'Requests' sheet, starting below the header.",
    "Row 2 is an example: overwrite it or delete it, otherwise it is requested too.",
    "",
    "Columns",
    "Request ID - optional; your own reference, unique in the workbook. Left empty, the line"
    " is called <sheet>-<row>.",
    "Item - required; choose from the drop-down list. An item id or another name from the"
    " 'Items' sheet is also accepted.",
    "Quantity - required; a number above 0. Items marked 'whole units only' need whole numbers.",
    "Priority - critical (1), high (2), medium (3) or low (4). Empty means medium.",
    "Needed by - optional deadline: a date (YYYY-MM-DD or an Excel date), a plan week such as"
    " W12 or 'week 12', or the week number. A date after the plan's end means no deadline.",
    "Earliest - optional; nothing arrives before this date or week.",
    "Destination, Notes - optional free text.",
    "Package - for a system with components (see 'Needs per unit' on the 'Items' sheet): empty"
    " or yes plans it with its components and counts only complete systems; no or 'item only'"
    " asks for the system alone.",
    "",
    "Good to know",
    "Rows above the header (titles, dates) are ignored; you may add them.",
    "You may add more sheets with the same header; every sheet with such a header is read.",
    "Empty rows are skipped. Formulas are fine if the file was last saved in Excel.",
    "Check the file before sending it:  aidplan validate <this file>",
)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
EXAMPLE_FONT = Font(italic=True, color="555555")


def _example_item(catalog: Catalog) -> str:
    """The example row's item: the first item of the catalog (10 of it is valid either way)."""
    return "" if catalog.items.empty else str(catalog.items.iloc[0]["name"])


def _requests_sheet(ws: Worksheet, catalog: Catalog, n_items: int) -> None:
    last_row = TEMPLATE_ROWS + 1
    for col, (header, width, help_text) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=col)
        set_cell(cell, header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.comment = Comment(help_text, "aidplan")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"

    name = _example_item(catalog)
    example = (
        "R-001",
        name,
        10,
        "high",
        "W4",
        None,
        "Example unit",
        "Example row: overwrite or delete it",
    )
    for col, value in enumerate(example, start=1):
        cell = ws.cell(row=2, column=col)
        set_cell(cell, value)
        cell.font = EXAMPLE_FONT

    for row in range(2, last_row + 1):
        ws.cell(row=row, column=1).number_format = "@"  # ids stay text: 0012 stays 0012
        ws.cell(row=row, column=5).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=6).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=8).alignment = Alignment(wrap_text=True)

    if n_items:
        source = f"{quote_sheetname(ITEMS_SHEET)}!$B$2:$B${n_items + 1}"
        items_dv = DataValidation(
            type="list",
            formula1=source,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Not in the catalog",
            error="Pick an item from the list (or an item id / other name from the Items sheet).",
            promptTitle="Item",
            prompt="Pick from the list",
            showInputMessage=True,
        )
        items_dv.add(f"B2:B{last_row}")
        ws.add_data_validation(items_dv)
    words = sorted(PRIORITY_WORDS, key=PRIORITY_WORDS.__getitem__)
    prio_dv = DataValidation(
        type="list",
        formula1='"' + ",".join(words) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Priority",
        error="Choose critical, high, medium or low.",
    )
    prio_dv.add(f"D2:D{last_row}")
    ws.add_data_validation(prio_dv)
    qty_dv = DataValidation(
        type="decimal",
        operator="greaterThan",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Quantity",
        error="Enter a number above 0.",
    )
    qty_dv.add(f"C2:C{last_row}")
    ws.add_data_validation(qty_dv)
    package_dv = DataValidation(
        type="list",
        formula1='"yes,no,item only"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Package",
        error="Choose yes, no or item only (or leave it empty).",
    )
    package_dv.add(f"I2:I{last_row}")
    ws.add_data_validation(package_dv)


def _items_sheet(ws: Worksheet, catalog: Catalog) -> None:
    for col, (header, _field, width) in enumerate(ITEM_COLUMNS, start=1):
        cell = ws.cell(row=1, column=col)
        set_cell(cell, header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    for r, item in enumerate(catalog.items.to_dict("records"), start=2):
        for col, (_header, fld, _width) in enumerate(ITEM_COLUMNS, start=1):
            value = item.get(fld)
            if fld == "integer":
                value = "yes" if bool(value) else "no"
            elif fld == "aliases":
                value = "; ".join(str(a) for a in (value or []))
            elif fld == "requires":
                value = "; ".join(f"{c}:{q:g}" for c, q in (value or ())) or None
            elif fld != "unit_weight_t":
                value = str(value)
            set_cell(ws.cell(row=r, column=col), value)


def _instructions_sheet(ws: Worksheet) -> None:
    ws.column_dimensions["A"].width = 110
    for r, line in enumerate(INSTRUCTIONS, start=1):
        cell = ws.cell(row=r, column=1)
        set_cell(cell, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if r == 1:
            cell.font = Font(bold=True, size=14)
        elif line in ("Columns", "Good to know"):
            cell.font = Font(bold=True)


def build_template(catalog: Catalog) -> Workbook:
    """The template workbook in memory (see the module docstring)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = REQUESTS_SHEET
    _requests_sheet(ws, catalog, len(catalog.items))
    _instructions_sheet(wb.create_sheet("Instructions"))
    _items_sheet(wb.create_sheet(ITEMS_SHEET), catalog)
    wb.properties.title = "aidplan request template"
    wb.properties.creator = "aidplan"
    wb.active = 0
    return wb


def write_template(path: Path | str, catalog: Catalog) -> Path:
    """Write the request template to ``path`` atomically; returns the path written."""
    target = Path(path)
    save_workbook_atomic(build_template(catalog), target)
    return target
