"""Write the bundled demo request workbook, ``requests/demo.xlsx``.

The workbook plays a recipient's consolidated request of spring 2022 (fictitious lines, public
item types): a sheet "Requests" (military, energy and intelligence needs) with two title rows
above the header, a sheet "Humanitarian" with its header on row 1, and a sheet "Notes" of free
text that the request reader ignores.

The lines deliberately mix the spellings a real sheet holds: items by item_id, by name or by an
alias in any case; priorities as numbers and words; deadlines as Excel dates, ISO text and ``W12``.

Run from the project root::

    .venv/bin/python requests/make_demo.py
"""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

OUT = Path(__file__).resolve().parent / "demo.xlsx"

HEADER = ("No", "Equipment", "Qty", "Priority", "Needed by", "Not before", "Destination", "Notes")
WIDTHS = (8, 30, 10, 10, 13, 13, 30, 60)
# The military sheet has a ninth column "Package" (DESIGN.md §2.2, §4.1): "yes" asks for a
# system with its components (items.csv requires), "no"/"item only" for the system alone.
# Empty cells on system lines mean yes as well.
PACKAGE_HEADER, PACKAGE_WIDTH = "Package", 12
PACKAGE: dict[str, str] = {
    "M-04": "item only",  # the missiles are asked for on M-03
    "M-07": "yes",
    "M-09": "yes",
    "M-10": "yes",
    "M-12": "yes",
    "M-15": "yes",
    "M-18": "no",  # the rockets are asked for on M-19
    "M-34": "no",
}
# Document properties and zip entry times are fixed, so every run writes the same bytes.
FIXED_TIME = dt.datetime(2022, 3, 7, 8, 0, 0)

Cell = str | int | float | dt.date | None
Line = tuple[str, str, int, int | str, Cell, Cell, str, str]

# No | Equipment | Qty | Priority | Needed by | Not before | Destination | Notes
# A dt.date becomes an Excel date cell; text stays text ("W8", "2022-05-02"); None is left empty.
# fmt: off
MILITARY: list[Line] = [
    ("M-01", "FIM-92 Stinger", 800, "Critical", dt.date(2022, 3, 21), None, "Kyiv",
     "Air defence of the capital"),
    ("M-02", "stinger", 600, 2, "W10", None, "Kharkiv", ""),
    ("M-03", "Javelin", 1500, 1, dt.date(2022, 3, 28), None, "Kyiv", ""),
    ("M-04", "javelin_clu", 80, 1, dt.date(2022, 3, 28), None, "Kyiv",
     "Launch units for the Javelin missiles"),
    ("M-05", "NLAW", 3000, "critical", "W4", None, "Chernihiv", ""),
    ("M-06", "n-law", 2500, "High", "2022-05-02", None, "Donbas", ""),
    ("M-07", "Patriot", 2, "high", "W8", None, "Kyiv",
     "Long-range air defence; an IRIS-T SLM fire unit may stand in for half a battery"),
    ("M-08", "PAC-3 MSE", 80, 2, "W12", None, "Kyiv", "Interceptors for the requested batteries"),
    ("M-09", "IRIS-T SLM", 2, "HIGH", dt.date(2022, 7, 4), None, "Odesa", ""),
    ("M-10", "MiG-29", 8, 2, dt.date(2022, 5, 16), None, "Air Force",
     "With pilot conversion training and spares"),
    ("M-11", "a-10 thunderbolt ii", 6, "medium", "W16", None, "Air Force", "Close air support"),
    ("M-12", "F-16", 12, 2, None, None, "Air Force", "No deadline"),
    ("M-13", "Harpoon", 24, 1, dt.date(2022, 5, 30), None, "Odesa coast", "Shore-to-ship missiles"),
    ("M-14", "Harpoon coastal launcher", 2, 1, dt.date(2022, 5, 30), None, "Odesa coast",
     "Launchers for the Harpoon missiles"),
    ("M-15", "M777", 22, "critical", "W8", None, "Donbas", ""),
    ("M-16", "155 mm shell", 60000, 1, dt.date(2022, 4, 25), None, "Donbas", ""),
    ("M-17", "155mm round", 40000, 2, "W16", "W8", "Donbas", "Second tranche"),
    ("M-18", "HIMARS", 8, 1, dt.date(2022, 6, 27), None, "South", ""),
    ("M-19", "gmlrs", 200, 1, "2022-07-04", "W16", "South", "Rockets for the HIMARS launchers"),
    ("M-20", "ATACMS", 20, 2, "W20", None, "South", "Long-range strike"),
    ("M-21", "T-72", 40, "high", dt.date(2022, 4, 18), None, "Kyiv", "Crews trained on type"),
    ("M-22", "ISR support", 12, 1, "W2", None, "General Staff",
     "Months of satellite imagery and intelligence sharing"),
    ("M-23", "body armour", 20000, 2, dt.date(2022, 3, 28), None, "Territorial Defence", ""),
    ("M-24", "IFAK", 50000, "high", "W6", None, "Territorial Defence", ""),
    ("M-25", "1 MW generator", 110, 2, dt.date(2022, 9, 30), None, "Ukrenergo",
     "Deadline after the plan horizon: no deadline inside the plan"),
    ("M-26", "substation transformer", 12, "HIGH", "W24", None, "Ukrenergo",
     "Replacement for substations hit by missile strikes"),
    ("M-27", "generator_small", 600, 3, "W12", None, "Water utilities", ""),
    ("M-28", "Stinger MANPADS", 300, "low", dt.date(2022, 7, 18), "W14", "Reserve",
     "Replenishment"),
    ("M-29", "javelin_missile", 500, 3, "W20", None, "Reserve", "Replenishment"),
    ("M-30", "155 mm HE", 20000, 4, "W26", None, "Reserve", "Stock build-up"),
    ("M-31", "GMLRS", 100, "Medium", "2022-08-29", "2022-07-25", "South", "Second tranche"),
    ("M-32", "Patriot interceptor", 20, "critical", "W24", "W20", "Kyiv", "Reload"),
    ("M-33", "helmet_vest", 10000, 3, "W12", None, "Territorial Defence", "Second tranche"),
    ("M-34", "M142", 4, 3, None, "W20", "South", "Follow-on launchers, no deadline"),
    ("M-35", "satellite imagery", 6, 2, "W26", "W14", "Navy", "Maritime picture, Black Sea"),
]

HUMANITARIAN: list[Line] = [
    ("H-01", "food parcel", 150000, "critical", "W3", None, "Kharkiv oblast", ""),
    ("H-02", "Family food kit", 120000, 1, dt.date(2022, 4, 4), None, "Zaporizhzhia",
     "Evacuees from Mariupol"),
    ("H-03", "food_kit", 200000, "high", "W10", None, "Eastern oblasts", ""),
    ("H-04", "winter kit", 60000, "Critical", dt.date(2022, 3, 21), None, "Kharkiv",
     "Night frost until April"),
    ("H-05", "WINTERIZATION KIT", 40000, 3, "2022-04-18", None, "Sumy", ""),
    ("H-06", "winter_kit", 100000, "low", dt.date(2022, 10, 31), "2022-08-15", "Nationwide",
     "Autumn pre-positioning; deadline after the plan horizon"),
    ("H-07", "emergency health kit", 40, 1, "W4", None, "Kyiv hospitals", ""),
    ("H-08", "IEHK", 60, "high", "W12", None, "Dnipro", ""),
    ("H-09", "first aid kit", 30000, 2, "W8", None, "Civil defence", ""),
    ("H-10", "100 kW generator", 200, "critical", dt.date(2022, 3, 28), None, "Hospitals",
     "Back-up power for hospitals"),
    ("H-11", "1 MW generator", 20, "high", "W10", None, "Mykolaiv water utility", ""),
    ("H-12", "power transformer", 6, 2, "2022-06-06", None, "Kharkiv grid", ""),
    ("H-13", "food ration", 80000, "medium", "W20", "W12", "Nationwide", ""),
    ("H-14", "Emergency Health Kit", 30, 3, "W20", None, "Odesa", ""),
]
# fmt: on

NOTES = [
    "About this workbook",
    "Demonstration data for aidplan. The request lines are fictitious: they show the kinds of",
    "assistance a recipient at war asks for (air defence, anti-tank, aircraft, coastal defence,",
    "artillery and ammunition, energy, humanitarian, medical and intelligence support).",
    "Quantities, priorities and deadlines are illustrative and do not reproduce any real request.",
    "Priorities: 1 critical, 2 high, 3 medium, 4 low.",
    "Deadlines: an Excel date, an ISO date (YYYY-MM-DD) or a plan week such as W12.",
    "Week 1 of the plan starts on Monday 7 March 2022.",
    "This sheet has no header row with an item and a quantity column, so the reader skips it.",
]

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


def write_table(ws: Worksheet, lines: list[Line], first_row: int, package: bool = False) -> None:
    """Write the header on ``first_row`` and one row per request line below it; ``package``:
    with the Package column (values from PACKAGE)."""
    header, widths = HEADER, WIDTHS
    if package:
        header, widths = (*HEADER, PACKAGE_HEADER), (*WIDTHS, PACKAGE_WIDTH)
        lines = [(*line, PACKAGE.get(line[0], "")) for line in lines]  # type: ignore[misc]
    for col, (title, width) in enumerate(zip(header, widths, strict=True), start=1):
        cell = ws.cell(row=first_row, column=col, value=title)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        ws.column_dimensions[cell.column_letter].width = width
    for offset, line in enumerate(lines, start=1):
        for col, value in enumerate(line, start=1):
            if value is None or value == "":
                continue
            cell = ws.cell(row=first_row + offset, column=col, value=value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
                cell.alignment = Alignment(horizontal="left")
    ws.freeze_panes = ws.cell(row=first_row + 1, column=1)


def build() -> Workbook:
    """The demo workbook, in memory."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Requests"
    ws["A1"] = "Consolidated assistance request — military, energy and intelligence (DEMO)"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "Fictitious demonstration data · prepared 2022-03-07 · plan weeks start on Mondays"
    write_table(ws, MILITARY, first_row=4, package=True)

    write_table(wb.create_sheet("Humanitarian"), HUMANITARIAN, first_row=1)

    notes = wb.create_sheet("Notes")
    notes.column_dimensions["A"].width = 100
    for row, text in enumerate(NOTES, start=1):
        notes.cell(row=row, column=1, value=text)
    notes["A1"].font = BOLD

    wb.properties.creator = "aidplan requests/make_demo.py"
    wb.properties.title = "aidplan demo request"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


def check_ids() -> None:
    """Request ids must be unique across the workbook."""
    ids = [line[0] for line in MILITARY + HUMANITARIAN]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SystemExit(f"duplicate request ids: {', '.join(duplicates)}")


def save(wb: Workbook, out: Path) -> None:
    """Save ``wb`` to ``out`` reproducibly (fixed timestamps), replacing the file atomically."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()  # unlike wb.save(), keeps properties.modified
    stamped = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as src,
        zipfile.ZipFile(stamped, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(stamped.getvalue())
    os.replace(tmp, out)


def main(out: Path = OUT) -> None:
    """Build the workbook and save it to ``out``."""
    check_ids()
    save(build(), out)
    print(f"wrote {out} ({len(MILITARY) + len(HUMANITARIAN)} request lines)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
