"""Tables as printable Excel sheets with XlsxWriter: the plan and comparison workbooks' writer.

XlsxWriter writes each cell with an explicit type (``write_string``, ``write_number``,
``write_datetime``), so text is always a string cell: a name such as ``=HYPERLINK(...)`` is
never a formula, a number or a link (the workbook is opened with ``strings_to_formulas``,
``strings_to_numbers`` and ``strings_to_urls`` off as a second guard). Text that starts like a
formula (``= + - @``, tab, CR or their full-width forms) also gets Excel's quote prefix, so
editing the cell keeps it text. Every number is a number cell; dates are date cells.

Each sheet gets plain-word headers with units (`header_text`), number formats by column
(`column_kind`), widths from the content, wrapped long text, a frozen and filtered header row,
and a page setup that prints landscape, one page wide, with the header row repeated.

The workbook is built in memory, not in XlsxWriter's constant-memory mode: measured on the
medium benchmark's plan (``benchmarks/write_speed.py``), constant-memory mode took 20-40 % more
CPU (inline strings instead of the shared-string table, one temporary file per sheet), and a
plan's cells are small beside the model the solver held just before (the large benchmark plan,
about 210,000 cells, is a few tens of MB). The writers only ever write rows in order, so
switching ``CONSTANT_MEMORY`` on needs no other change. Files are always written through
``planner.io.xlsx_write.write_atomic``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Text that a spreadsheet could take for a formula: = + - @, tab, CR, and full-width = + - @.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

HEADER_COLOUR = "#1F4E78"
STATUS_COLOURS = {
    "met": "#C6EFCE",
    "met late": "#E2EFDA",
    "partly met": "#FFEB9C",
    "partly met late": "#FCD5B4",
    "unmet": "#FFC7CE",
}
INF = math.inf
CONSTANT_MEMORY = False  # measured: more CPU (inline strings, temp files), see module doc
LINE_HEIGHT = 15.0  # points per line of 11-point text
WRAP_WIDTH = 48  # columns of long text wrap at this width (characters)
MIN_WIDTH = 7

# Plain-word headers for the columns of the §5 tables; other columns get `header_text`'s rule.
HEADERS = {
    "request_id": "Request",
    "requested_item": "Requested item",
    "item_id": "Item",
    "sent_as": "Sent as",
    "donor_id": "Donor",
    "offer_id": "Offer",
    "corridor_id": "Corridor",
    "dispatch_period": "Dispatch week",
    "dispatch_date": "Dispatch date",
    "arrival_period": "Arrival week",
    "arrival_date": "Arrival date",
    "quantity": "Quantity (units)",
    "effective_quantity": "Covers (units requested)",
    "unit": "Unit",
    "unit_cost_eur": "Unit cost (EUR)",
    "cost_eur": "Cost (EUR)",
    "weight_t": "Weight (t)",
    "late_periods": "Weeks late",
    "priority": "Priority",
    "delivered": "Delivered (units)",
    "unmet": "Unmet (units)",
    "needed_by": "Needed by (week)",
    "needed_by_date": "Needed by (date)",
    "first_arrival": "First arrival (week)",
    "first_arrival_date": "First arrival (date)",
    "last_arrival": "Last arrival (week)",
    "last_arrival_date": "Last arrival (date)",
    "status": "Status",
    "sent_instead": "What was sent instead",
    "reason": "Reason",
    "reason_detail": "Reason in detail",
    "destination": "Destination",
    "package": "Package",
    "name": "Name",
    "budget_eur": "Budget (EUR)",
    "spent_eur": "Spent (EUR)",
    "budget_used": "Budget used",
    "tonnes": "Weight sent (t)",
    "mode": "Mode",
    "period": "Week",
    "period_start": "Week starts",
    "capacity_t": "Capacity (t)",
    "used_t": "Used (t)",
    "utilisation": "Utilisation",
    "note": "Note",
    "limit_kind": "Limit",
    "rank": "Rank",
    "id": "Id",
    "step": "Step",
    "value_gain": "Value gained",
    "score_points": "Score points gained",
    "binding_periods": "Binding in",
    "limit": "Limit (EUR or t)",
    "used": "Used",
    "source": "Source",
    "kind": "Kind",
    "path": "Path",
    "sha256": "SHA-256",
    "value": "Value",
    "group": "Group",
    "lines": "Lines",
    "met": "Met (in full)",
    "fulfilment": "Fulfilment",
    "file": "File",
    "sheet": "Sheet",
    "row": "Row",
    "column": "Column",
    "code": "Code",
    "message": "Message",
    "severity": "Severity",
}
WEEK_COLUMNS = {
    "dispatch_period", "arrival_period", "late_periods", "needed_by", "first_arrival",
    "last_arrival", "period",
}  # fmt: skip
UNIT_COLUMNS = {"quantity", "effective_quantity", "delivered", "unmet", "lines", "met"}
TONNE_COLUMNS = {"weight_t", "tonnes", "capacity_t", "used_t"}
MONEY_COLUMNS = {"unit_cost_eur", "cost_eur", "budget_eur", "spent_eur", "total cost eur"}
SHARE_COLUMNS = {"utilisation", "budget_used", "fulfilment", "fulfilment score"}
LONG_TEXT_COLUMNS = {
    "reason", "reason_detail", "sent_instead", "message", "meaning", "path", "binding_periods",
}  # fmt: skip


def header_text(column: str, period_word: str = "week") -> str:
    """The plain-word header of ``column``: `HEADERS`, else the words of the name with the
    unit spelled out (``units_air_defense`` → "Air defense (units)", ``*_t`` → "(t)",
    ``*_eur`` → "(EUR)", ``*_s`` → "(s)")."""
    text = HEADERS.get(column)
    if text is None:
        if column.startswith("units_"):
            text = column[6:].replace("_", " ").capitalize() + " (units)"
        else:
            words = column.replace("_", " ").strip()
            for suffix, unit in ((" t", "t"), (" eur", "EUR"), (" s", "s")):
                if words.endswith(suffix):
                    words = f"{words[: -len(suffix)]} ({unit})"
                    break
            text = words[:1].upper() + words[1:]
    if period_word != "week":
        text = text.replace("Weeks", period_word.capitalize() + "s").replace("week", period_word)
        text = text.replace("Week", period_word.capitalize())
    return text


def column_kind(column: str) -> str:
    """How a column's numbers are shown: units, week, tonnes, money, share, gap or plain."""
    if column in UNIT_COLUMNS or column.startswith("units_"):
        return "units"
    if column in WEEK_COLUMNS or column == "priority":
        return "week"
    if column in TONNE_COLUMNS or column.endswith("_t"):
        return "tonnes"
    if column in MONEY_COLUMNS or column.endswith("_eur"):
        return "money"
    if column in SHARE_COLUMNS:
        return "share"
    if column == "gap":
        return "gap"
    return "plain"


NUMBER_FORMATS = {
    "units": "#,##0",
    "units_fraction": "#,##0.00",
    "week": "0",
    "tonnes": "#,##0.0",
    "money": "#,##0",
    "share": "0.0%",
    "gap": "0.000%",  # mip_gap is 0.01 %: 0.014 % must not read as 0.01 %
    "plain": "General",
    "value": "#,##0.00",
    "seconds": "0.00",
    "plain_fraction": "#,##0.####",
}


def plain(value: object) -> object:
    """A value ready for a typed write: numpy scalars unwrapped, NaN/NA/inf as None, lists
    joined with "; ", anything else that is not a number, date or text as its str()."""
    if value is None:
        return None
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        value = value.item()  # type: ignore[attr-defined]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float | str | dt.date):
        return value
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return str(value)


class SheetWriter:
    """One XlsxWriter workbook and its shared formats; `table` writes a DataFrame as a sheet."""

    def __init__(self, path: Path, period_word: str = "week") -> None:
        import xlsxwriter

        self.period_word = period_word
        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": CONSTANT_MEMORY,
                "in_memory": not CONSTANT_MEMORY,
                "tmpdir": str(Path(path).parent),
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "nan_inf_to_errors": False,
            },
        )
        self._formats: dict[tuple[Any, ...], Any] = {}

    def fmt(
        self,
        number: str | None = None,
        *,
        wrap: bool = False,
        quote: bool = False,
        fill: str | None = None,
        bold: bool = False,
        header: bool = False,
        size: int | None = None,
    ) -> Any:
        """A cached XlsxWriter format."""
        key = (number, wrap, quote, fill, bold, header, size)
        f = self._formats.get(key)
        if f is None:
            props: dict[str, Any] = {"valign": "top"}
            if number:
                props["num_format"] = number
            if wrap:
                props["text_wrap"] = True
            if quote:
                props["quote_prefix"] = True
            if fill:
                props["bg_color"] = fill
            if bold:
                props["bold"] = True
            if size:
                props["font_size"] = size
            if header:
                props.update(bold=True, font_color="#FFFFFF", bg_color=HEADER_COLOUR)
                props["text_wrap"] = True
            f = self._formats[key] = self.book.add_format(props)
        return f

    def write_text(self, ws: Any, row: int, col: int, text: str, wrap: bool = False) -> None:
        """A string cell, never a formula; formula-like text also gets the quote prefix."""
        ws.write_string(row, col, text, self.fmt(wrap=wrap, quote=text.startswith(FORMULA_START)))

    def write_value(self, ws: Any, row: int, col: int, value: object, kind: str = "plain") -> None:
        """One typed cell: text as a string, a number with the format of its column ``kind``,
        a date as a date cell, True/False as booleans; None leaves the cell empty."""
        v = plain(value)
        if v is None:
            return
        if isinstance(v, str):
            self.write_text(ws, row, col, v)
        elif isinstance(v, bool):
            ws.write_boolean(row, col, v)
        elif isinstance(v, int | float):
            ws.write_number(row, col, v, self.fmt(self.number_format(kind, v)))
        elif isinstance(v, dt.date):
            ws.write_datetime(row, col, v, self.fmt("yyyy-mm-dd"))

    @staticmethod
    def number_format(kind: str, v: float) -> str:
        whole = isinstance(v, int) or float(v).is_integer()
        if kind == "units" and not whole:
            return NUMBER_FORMATS["units_fraction"]
        if kind == "plain" and not whole:
            return NUMBER_FORMATS["plain_fraction"]
        return NUMBER_FORMATS[kind]

    def page_setup(self, ws: Any, repeat_rows: tuple[int, int] | None = (0, 0)) -> None:
        """Landscape A4, one page wide (as many tall as needed), header rows repeated, sheet
        name and page number in the footer."""
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        if repeat_rows is not None:
            ws.repeat_rows(*repeat_rows)
        ws.set_footer("&L&A&RPage &P of &N")

    def table(
        self,
        title: str,
        columns: Sequence[str],
        data: Sequence[Sequence[object]],
        *,
        first_row: int = 0,
        ws: Any = None,
        freeze_cols: int = 0,
        kinds: dict[str, str] | None = None,
        headers: Sequence[str] | None = None,
    ) -> Any:
        """Write a table (``data`` one sequence per column) with its header at ``first_row``
        of a new sheet ``title`` (or of ``ws``), formatted and set up for printing. Returns
        the worksheet."""
        if ws is None:
            ws = self.book.add_worksheet(title[:31])
        kinds = kinds or {}
        n = len(data[0]) if data else 0
        texts = list(headers) if headers else [header_text(c, self.period_word) for c in columns]
        widths: list[float] = []
        for j, (name, values) in enumerate(zip(columns, data, strict=True)):
            kind = kinds.get(name) or column_kind(name)
            wrap = name in LONG_TEXT_COLUMNS
            widths.append(_width(texts[j], values, kind))
            ws.set_column(j, j, widths[j], self.fmt(wrap=True) if wrap else None)
        # Row heights are set here: spreadsheets do not grow a row for wrapped text on opening.
        head_lines = max(
            (wrapped_lines(t, w) for t, w in zip(texts, widths, strict=True)), default=1
        )
        ws.set_row(first_row, LINE_HEIGHT * head_lines)
        wrapped = [(j, widths[j]) for j, c in enumerate(columns) if c in LONG_TEXT_COLUMNS]
        for j, text in enumerate(texts):  # a header can be a run's label: text, never a formula
            quote = text.startswith(FORMULA_START)
            ws.write_string(first_row, j, text, self.fmt(header=True, quote=quote))
        writers = [
            self._column_writer(ws, name, kinds.get(name) or column_kind(name)) for name in columns
        ]
        for i in range(n):
            r = first_row + 1 + i
            if wrapped:
                lines = max(wrapped_lines(data[j][i], w) for j, w in wrapped)
                if lines > 1:
                    ws.set_row(r, LINE_HEIGHT * lines)
            for j, write in enumerate(writers):
                write(r, j, data[j][i])
        ws.freeze_panes(first_row + 1, freeze_cols)
        if columns:
            ws.autofilter(first_row, 0, first_row + max(n, 1), len(columns) - 1)
        self.page_setup(ws, (first_row, first_row))
        return ws

    def _column_writer(self, ws: Any, name: str, kind: str) -> Callable[[int, int, object], None]:
        """The cell writer of one column, with the per-column decisions taken once."""
        wrap = name in LONG_TEXT_COLUMNS
        text_fmt = self.fmt(wrap=wrap)  # top-aligned, as the numbers beside a tall row are
        quote_fmt = self.fmt(wrap=wrap, quote=True)
        status = name == "status"
        status_fmts = {s: self.fmt(fill=c) for s, c in STATUS_COLOURS.items()}
        write_string, write_number = ws.write_string, ws.write_number
        number_fmts = {
            True: self.fmt(self.number_format(kind, 1)),
            False: self.fmt(self.number_format(kind, 0.5)),
        }
        date_fmt = self.fmt("yyyy-mm-dd")

        def write(r: int, c: int, value: object) -> None:
            t = type(value)
            if t is str:  # the common cases first, without `plain`
                v: object = value
            elif isinstance(value, float) and t is float:
                if value != value or value in (INF, -INF):  # NaN, inf: an empty cell
                    return
                write_number(r, c, value, number_fmts[value.is_integer()])
                return
            elif t is int:
                write_number(r, c, value, number_fmts[True])
                return
            else:
                v = plain(value)
                if v is None:
                    return
            if isinstance(v, str):
                if status and v in status_fmts:
                    write_string(r, c, v, status_fmts[v])
                elif v.startswith(FORMULA_START):
                    write_string(r, c, v, quote_fmt)
                else:
                    write_string(r, c, v, text_fmt)
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v)
            elif isinstance(v, int | float):
                write_number(r, c, v, number_fmts[isinstance(v, int) or v.is_integer()])
            else:
                ws.write_datetime(r, c, v, date_fmt)

        return write

    def close(self) -> None:
        self.book.close()


def wrapped_lines(value: object, width: float) -> int:
    """How many lines ``value`` takes when wrapped in a column ``width`` characters wide
    (greedy word wrap; a column width counts "0" digits, and text averages about 1.2 characters
    per digit width)."""
    if not isinstance(value, str) or not value:
        return 1
    room = max(1, int(width * 1.2) - 2)
    lines = 0
    for para in value.split("\n"):
        lines += 1
        used = 0
        for word in para.split():
            need = len(word) if used == 0 else used + 1 + len(word)
            if need <= room:
                used = need
            else:
                lines += (len(word) - 1) // room + (1 if used else 0)
                used = len(word) % room or room
    return max(1, lines)


def _width(header: str, values: Sequence[object], kind: str) -> float:
    """A column width from its content: the longest of the first 300 values (numbers as
    shown, with separators), the longest word of the header (headers wrap), capped at
    WRAP_WIDTH."""
    longest = max((len(w) for w in header.split()), default=0)
    for v in values[:300]:
        v = plain(v)
        if v is None:
            continue
        if isinstance(v, str):
            n = len(v)
        elif isinstance(v, dt.date):
            n = 10
        elif isinstance(v, bool):
            n = 5
        elif isinstance(v, int | float):
            n = len(f"{v:,.0f}") + (3 if kind in ("units", "plain", "tonnes") else 0)
            n += 1 if kind in ("share", "gap") else 0
        else:
            n = len(str(v))
        longest = max(longest, n)
    return float(max(MIN_WIDTH, min(WRAP_WIDTH, longest + 2)))
