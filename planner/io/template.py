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

Written with XlsxWriter, like the plan workbook (planner.io.sheet_writer); openpyxl stays
the reader. Every text is a string cell (``write_string``, never a formula), and text starting
with ``=``, ``+``, ``-``, ``@``, tab or CR gets Excel's quote prefix, so a catalog name such as
``=HYPERLINK(…)`` is shown as text and never evaluated. The file is written atomically
(`write_atomic`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.catalog import Catalog
from planner.io.xlsx_write import FORMULA_START, safe_value, write_atomic
from planner.schema import PRIORITY_WORDS, TEMPLATE_EXAMPLE_NOTE

TEMPLATE_ROWS = 500  # rows below the header that get the drop-downs and formats
REQUESTS_SHEET = "Requests"
ITEMS_SHEET = "Items"

# (header, width, help shown as a cell comment)
COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("Request ID", 14, "Optional. Your reference; must be unique in the workbook."),
    ("Item", 42, "Required. Pick from the list (catalog name); an item id or alias also works."),
    ("Quantity", 11, "Required. A number above 0; whole numbers for items counted in units."),
    ("Priority", 11, "critical, high, medium or low (or 1-4). Empty means medium."),
    ("Needed by", 13, "Optional. A date, or a plan week written W12 (a bare 12 here is a date)."),
    ("Earliest", 13, "Optional. Not before this date or week (W12). Empty: from the start."),
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
    "Needed by - optional deadline: a date (YYYY-MM-DD or an Excel date) or a plan week written"
    " W12 or 'week 12'. These cells are formatted as dates, so a bare 12 becomes a date in"
    " January 1900 and is refused: write W12. A date after the plan's end means no deadline.",
    "Earliest - optional; nothing arrives before this date or plan week (write W12 here too).",
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
HEADER_FILL = "#DDE7F0"
EXAMPLE_COLOUR = "#555555"


class _Formats:
    """XlsxWriter formats of the template, made once per combination."""

    def __init__(self, book: Any):
        self.book = book
        self._cache: dict[tuple[Any, ...], Any] = {}

    def get(
        self,
        *,
        bold: bool = False,
        header: bool = False,
        example: bool = False,
        quote: bool = False,
        wrap: bool = False,
        top: bool = False,
        size: int | None = None,
        number: str | None = None,
    ) -> Any:
        key = (bold, header, example, quote, wrap, top, size, number)
        if key not in self._cache:
            props: dict[str, Any] = {}
            if bold or header:
                props["bold"] = True
            if header:
                props["bg_color"] = HEADER_FILL
            if example:
                props.update(italic=True, font_color=EXAMPLE_COLOUR)
            if quote:
                props["quote_prefix"] = True
            if wrap:
                props["text_wrap"] = True
            if top:
                props["valign"] = "top"
            if size:
                props["font_size"] = size
            if number:
                props["num_format"] = number
            self._cache[key] = self.book.add_format(props)
        return self._cache[key]


def _write(ws: Any, fmt: _Formats, row: int, col: int, value: object, **style: Any) -> None:
    """One cell (0-based ``row``, ``col``): text as a string cell (quote prefix when it looks
    like a formula), numbers as number cells, None as nothing."""
    v = safe_value(value)
    if v is None:
        return
    if isinstance(v, str):
        ws.write_string(row, col, v, fmt.get(quote=v.startswith(FORMULA_START), **style))
    elif isinstance(v, bool):
        ws.write_boolean(row, col, v, fmt.get(**style))
    elif isinstance(v, int | float):
        ws.write_number(row, col, float(v), fmt.get(**style))
    else:
        ws.write_string(row, col, str(v), fmt.get(**style))


def _example_item(catalog: Catalog) -> str:
    """The example row's item: the first item of the catalog (10 of it is valid either way)."""
    return "" if catalog.items.empty else str(catalog.items.iloc[0]["name"])


def _requests_sheet(ws: Any, fmt: _Formats, catalog: Catalog, n_items: int) -> None:
    last = TEMPLATE_ROWS + 1  # last row with drop-downs, 1-based
    # Column formats: ids stay text (0012 stays 0012), dates show as ISO dates, notes wrap.
    column_style: dict[int, dict[str, Any]] = {
        0: {"number": "@"},
        4: {"number": "yyyy-mm-dd"},
        5: {"number": "yyyy-mm-dd"},
        7: {"wrap": True},
    }
    for col, (header, width, help_text) in enumerate(COLUMNS):
        ws.set_column(col, col, width, fmt.get(**column_style.get(col, {})))
        _write(ws, fmt, 0, col, header, header=True)
        ws.write_comment(0, col, help_text, {"author": "aidplan"})
    ws.freeze_panes(1, 0)

    name = _example_item(catalog)
    example = (
        "R-001",
        name,
        10,
        "high",
        "W4",
        None,
        "Example unit",
        TEMPLATE_EXAMPLE_NOTE,
    )
    for col, value in enumerate(example):
        _write(ws, fmt, 1, col, value, example=True, **column_style.get(col, {}))

    if n_items:
        ws.data_validation(
            f"B2:B{last}",
            {
                "validate": "list",
                "source": f"='{ITEMS_SHEET}'!$B$2:$B${n_items + 1}",
                "ignore_blank": True,
                "error_type": "warning",
                "error_title": "Not in the catalog",
                "error_message": (
                    "Pick an item from the list (or an item id / other name from the Items sheet)."
                ),
                "input_title": "Item",
                "input_message": "Pick from the list",
            },
        )
    words = sorted(PRIORITY_WORDS, key=PRIORITY_WORDS.__getitem__)
    ws.data_validation(
        f"D2:D{last}",
        {
            "validate": "list",
            "source": list(words),
            "ignore_blank": True,
            "error_title": "Priority",
            "error_message": "Choose critical, high, medium or low.",
        },
    )
    ws.data_validation(
        f"C2:C{last}",
        {
            "validate": "decimal",
            "criteria": ">",
            "value": 0,
            "ignore_blank": True,
            "error_title": "Quantity",
            "error_message": "Enter a number above 0.",
        },
    )
    ws.data_validation(
        f"I2:I{last}",
        {
            "validate": "list",
            "source": ["yes", "no", "item only"],
            "ignore_blank": True,
            "error_title": "Package",
            "error_message": "Choose yes, no or item only (or leave it empty).",
        },
    )


def _items_sheet(ws: Any, fmt: _Formats, catalog: Catalog) -> None:
    for col, (header, _field, width) in enumerate(ITEM_COLUMNS):
        ws.set_column(col, col, width)
        _write(ws, fmt, 0, col, header, header=True)
    ws.freeze_panes(1, 0)
    for r, item in enumerate(catalog.items.to_dict("records"), start=1):
        for col, (_header, fld, _width) in enumerate(ITEM_COLUMNS):
            value = item.get(fld)
            if fld == "integer":
                value = "yes" if bool(value) else "no"
            elif fld == "aliases":
                value = "; ".join(str(a) for a in (value or []))
            elif fld == "requires":
                value = "; ".join(f"{c}:{q:g}" for c, q in (value or ())) or None
            elif fld != "unit_weight_t":
                value = str(value)
            _write(ws, fmt, r, col, value)


def _instructions_sheet(ws: Any, fmt: _Formats) -> None:
    ws.set_column(0, 0, 110)
    for r, line in enumerate(INSTRUCTIONS):
        style: dict[str, Any] = {"wrap": True, "top": True}
        if r == 0:
            style.update(bold=True, size=14)
        elif line in ("Columns", "Good to know"):
            style["bold"] = True
        _write(ws, fmt, r, 0, line, **style)


def _write_template(path: Path, catalog: Catalog) -> None:
    """The template workbook written to ``path`` (see the module docstring)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    try:
        fmt = _Formats(book)
        _requests_sheet(book.add_worksheet(REQUESTS_SHEET), fmt, catalog, len(catalog.items))
        _instructions_sheet(book.add_worksheet("Instructions"), fmt)
        _items_sheet(book.add_worksheet(ITEMS_SHEET), fmt, catalog)
        book.set_properties({"title": "aidplan request template", "author": "aidplan"})
    finally:
        book.close()


def write_template(path: Path | str, catalog: Catalog) -> Path:
    """Write the request template to ``path`` atomically (the old file survives any failure);
    returns the path written."""
    target = Path(path)
    write_atomic(target, lambda tmp: _write_template(tmp, catalog))
    return target
