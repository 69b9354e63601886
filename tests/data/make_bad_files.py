"""Generate the request workbooks under tests/data/bad/ (one defect each) and tests/data/good/.

Run from the project root:  .venv/bin/python tests/data/make_bad_files.py

The workbooks are written as raw XML parts so that each defect is exactly the one intended
(formulas without saved values, NaN in a number cell, a DTD, a lying archive ...), which
openpyxl would not let us write. Item names refer to the small test catalog built in
tests/fixtures_requests.py. Output is deterministic except for zip-bomb.xlsx's timing: that one
streams 3 GiB through bzip2 and takes about half a minute; the file stays a few KB.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad"
GOOD = HERE / "good"
DATE_TIME = (2024, 1, 1, 0, 0, 0)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
HEADER = ["Request ID", "Item", "Quantity", "Priority", "Needed by", "Earliest", "Destination"]

# Cell styles of STYLES below: 0 General, 1 date, 2 text, 3 "0000"
DATE, TEXT, ZEROS = 1, 2, 3
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN_NS}">
<numFmts count="1"><numFmt numFmtId="164" formatCode="0000"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill>
<fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="4">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


@dataclass(frozen=True)
class Raw:
    """A cell given as its XML attributes and children, written as is."""

    t: str | None = None
    v: str | None = None
    f: str | None = None
    s: int = 0
    inline: str | None = None  # inline string XML, not escaped (so it may hold an entity)


def formula(text: str, cached: Any = None) -> Raw:
    """A formula cell, with a saved result when ``cached`` is given."""
    if cached is None:
        return Raw(f=text)
    if isinstance(cached, str):
        return Raw(t="str", f=text, v=cached)
    return Raw(f=text, v=repr(cached))


def excel_date(y: int, m: int, d: int) -> Raw:
    """A date as Excel stores it: a serial number in a date-formatted cell."""
    import datetime as dt

    serial = (dt.date(y, m, d) - dt.date(1899, 12, 30)).days
    return Raw(v=str(serial), s=DATE)


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    merges: list[str] = field(default_factory=list)
    first_row: int = 1
    dimension: str | None = None
    doctype: str = ""


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


class _Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def add(self, text: str) -> int:
        return self.index.setdefault(text, len(self.index))

    def xml(self, doctype: str = "", body: str | None = None) -> str:
        items = (
            "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in self.index)
            if body is None
            else body
        )
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
            f'<sst xmlns="{MAIN_NS}" count="{len(self.index)}" uniqueCount="{len(self.index)}">'
            f"{items}</sst>"
        )


def _cell_xml(ref: str, value: Any, strings: _Strings) -> str:
    if value is None:
        return ""
    if isinstance(value, Raw):
        attrs = f' r="{ref}"'
        if value.t:
            attrs += f' t="{value.t}"'
        if value.s:
            attrs += f' s="{value.s}"'
        inner = ""
        if value.f is not None:
            inner += f"<f>{escape(value.f)}</f>"
        if value.v is not None:
            inner += f"<v>{escape(value.v)}</v>"
        if value.inline is not None:
            inner += f"<is><t>{value.inline}</t></is>"
        return f"<c{attrs}>{inner}</c>"
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="s"><v>{strings.add(str(value))}</v></c>'


def sheet_xml(sheet: Sheet, strings: _Strings) -> str:
    rows = []
    for i, row in enumerate(sheet.rows):
        r = sheet.first_row + i
        cells = "".join(_cell_xml(f"{_col(c)}{r}", v, strings) for c, v in enumerate(row, 1))
        if cells:
            rows.append(f'<row r="{r}">{cells}</row>')
    merges = ""
    if sheet.merges:
        merges = (
            f'<mergeCells count="{len(sheet.merges)}">'
            + "".join(f"<mergeCell ref={quoteattr(m)}/>" for m in sheet.merges)
            + "</mergeCells>"
        )
    dim = f'<dimension ref="{sheet.dimension}"/>' if sheet.dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{sheet.doctype}'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{dim}'
        f"<sheetData>{''.join(rows)}</sheetData>{merges}</worksheet>"
    )


def workbook_parts(
    sheets: list[Sheet], macros: bool = False, sst_doctype: str = "", sst_body: str | None = None
) -> dict[str, bytes]:
    """The parts of a minimal, valid workbook holding ``sheets``."""
    strings = _Strings()
    sheet_parts = {
        f"xl/worksheets/sheet{i}.xml": sheet_xml(s, strings) for i, s in enumerate(sheets, 1)
    }
    overrides = "".join(
        f'<Override PartName="/{p}" ContentType="application/vnd.openxmlformats-officedocument.'
        f'spreadsheetml.worksheet+xml"/>'
        for p in sheet_parts
    )
    main = XLSM_MAIN if macros else XLSX_MAIN
    content_types = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{CT_NS}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + (
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            if macros
            else ""
        )
        + f'<Override PartName="/xl/workbook.xml" ContentType="{main}"/>{overrides}'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        f'xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )
    sheet_list = "".join(
        f'<sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, s in enumerate(sheets, 1)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook '
        f'xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{sheet_list}</sheets></workbook>'
    )
    n = len(sheets)
    wb_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    wb_rels += (
        f'<Relationship Id="rId{n + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="{REL_NS}/sharedStrings" '
        'Target="sharedStrings.xml"/>'
    )
    if macros:
        wb_rels += (
            f'<Relationship Id="rId{n + 3}" Type="http://schemas.microsoft.com/office/2006/'
            'relationships/vbaProject" Target="vbaProject.bin"/>'
        )
    wb_rels_xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        f'xmlns="{PKG_REL_NS}">{wb_rels}</Relationships>'
    )
    parts = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": root_rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": wb_rels_xml,
        "xl/styles.xml": STYLES,
        **sheet_parts,
        "xl/sharedStrings.xml": strings.xml(sst_doctype, sst_body),
    }
    out = {k: v.encode("utf-8") for k, v in parts.items()}
    if macros:
        out["xl/vbaProject.bin"] = _ole2(["VBA", "PROJECT"])  # stands in for compiled macros
    return out


def zip_bytes(parts: dict[str, bytes], stored: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def workbook(sheets: list[Sheet], **kw: Any) -> bytes:
    return zip_bytes(workbook_parts(sheets, **kw))


def requests_sheet(*rows: list[Any], name: str = "Requests", **kw: Any) -> Sheet:
    """A request sheet with the standard header on row 1 and ``rows`` below it."""
    return Sheet(name, [HEADER, *[list(r) for r in rows]], **kw)


def good_row(rid: str = "R-1", item: str = "Javelin missile", qty: Any = 10) -> list[Any]:
    return [rid, item, qty, "high", "W6", None, "Kyiv"]


# -- non-workbooks ---------------------------------------------------------------------------
def _ole2(streams: list[str]) -> bytes:
    """A minimal valid OLE2 compound file holding empty streams with these names."""
    end, free, fat_sect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<I", header, 76, 0)
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, free)
    fat = struct.pack("<II", fat_sect, end) + b"\xff" * (512 - 8)

    def entry(name: str, kind: int, right: int, child: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        e = bytearray(128)
        e[: len(raw)] = raw
        struct.pack_into("<HBBIII", e, 64, len(raw), kind, 1, free, right, child)
        struct.pack_into("<IQ", e, 116, end, 0)
        return bytes(e)

    entries = [entry("Root Entry", 5, free, 1 if streams else free)]
    for i, name in enumerate(streams, start=1):
        entries.append(entry(name, 2, i + 1 if i < len(streams) else free, free))
    while len(entries) % 4:
        entries.append(bytes(128))
    directory = b"".join(entries)[:512]
    return bytes(header) + fat + directory


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def zip_bomb(path: Path, gib: int = 3) -> None:
    """A workbook whose worksheet honestly inflates to ``gib`` GiB of spaces (bzip2: ~3 KB)."""
    parts = workbook_parts([requests_sheet(good_row())])
    sheet_name = "xl/worksheets/sheet1.xml"
    sheet = parts.pop(sheet_name)
    head, tail = sheet.split(b"<sheetData>", 1)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
        info = zipfile.ZipInfo(sheet_name, DATE_TIME)
        info.compress_type = zipfile.ZIP_BZIP2
        with zf.open(info, "w", force_zip64=True) as out:
            out.write(head + b"<sheetData>")
            block = b" " * (64 << 20)
            for _ in range(gib * 16):
                out.write(block)
            out.write(tail)


def ratio_bomb() -> bytes:
    """A deflate worksheet part of 60 MB of spaces in about 60 KB (ratio ~1000)."""
    parts = workbook_parts([requests_sheet(good_row())])
    name = "xl/worksheets/sheet1.xml"
    head, tail = parts[name].split(b"<sheetData>", 1)
    parts[name] = head + b"<sheetData>" + b" " * (60 << 20) + tail
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, data in parts.items():
            info = zipfile.ZipInfo(n, DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
)
XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def crc_damaged() -> bytes:
    """A stored (uncompressed) worksheet with one digit changed after the CRC was computed."""
    data = zip_bytes(
        workbook_parts([requests_sheet(good_row(qty=10))]), stored=("xl/worksheets/sheet1.xml",)
    )
    pos = data.index(b"<v>10</v>")
    return data[: pos + 3] + b"9" + data[pos + 4 :]


def bad_files() -> dict[str, bytes]:
    """File name -> content, one defect each (the test lists the expected code and place)."""
    other = Sheet("Other", [["Notes"], ["nothing to read here"]])
    files: dict[str, bytes] = {
        "empty.xlsx": b"",
        "csv-renamed.xlsx": b"item,quantity,priority\nJavelin missile,10,high\n",
        "html-renamed.xlsx": b"<html><body><table><tr><td>Item</td><td>Qty</td></tr></table>"
        b"</body></html>\n",
        "png-renamed.xlsx": _png(),
        "old-excel-renamed.xlsx": _ole2(["Workbook", "\x05SummaryInformation"]),
        "encrypted.xlsx": _ole2(["EncryptionInfo", "EncryptedPackage"]),
        "not-office.xlsx": zip_bytes({"readme.txt": b"just a zip archive\n"}),
        "ods-renamed.xlsx": zip_bytes(
            {
                "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                "content.xml": b"<office:document-content/>",
            }
        ),
        "unusual-compression.xlsx": _bzip2_workbook(),
        "zip-ratio.xlsx": ratio_bomb(),
        "crc-damaged.xlsx": crc_damaged(),
        "entity-bomb.xlsx": workbook(
            [requests_sheet(["R-1", Raw(t="s", v="0"), 10])],
            sst_doctype=BILLION_LAUGHS,
            sst_body="<si><t>&lol9;</t></si>",
        ),
        "external-entity.xlsx": workbook(
            [requests_sheet(["R-1", Raw(t="inlineStr", inline="&xxe;"), 10], doctype=XXE)]
        ),
        "row-beyond-limit.xlsx": workbook(
            [Sheet("Requests", [HEADER, good_row()], first_row=1_999_999)]
        ),
        "nan-number.xlsx": workbook(
            [requests_sheet(good_row(), ["R-2", "Diesel fuel", Raw(v="NaN")])]
        ),
        "no-header.xlsx": workbook(
            [Sheet("Requests", [["Thing", "How many"], ["Javelin missile", 10]]), other]
        ),
        "missing-quantity-column.xlsx": workbook(
            [
                Sheet(
                    "Requests",
                    [
                        ["Title: spring request"],
                        [],
                        ["Item", "Priority"],
                        ["Javelin missile", "high"],
                    ],
                )
            ]
        ),
        "duplicate-column.xlsx": workbook(
            [Sheet("Requests", [["Item", "Qty", "Qty"], ["Javelin missile", 10, 12]])]
        ),
        "unknown-item.xlsx": workbook(
            [requests_sheet(good_row(), good_row("R-2", "Javelin missle"))]
        ),
        "missing-item.xlsx": workbook([requests_sheet(good_row(), good_row("R-2", None))]),
        "missing-quantity.xlsx": workbook([requests_sheet(good_row(), good_row("R-2", qty=None))]),
        "quantity-text.xlsx": workbook([requests_sheet(good_row(), good_row("R-2", qty="ten"))]),
        "quantity-negative.xlsx": workbook([requests_sheet(good_row(qty=-5))]),
        "quantity-fraction.xlsx": workbook([requests_sheet(good_row(qty=2.5))]),
        "quantity-absurd.xlsx": workbook([requests_sheet(good_row(qty=1e300))]),
        "quantity-infinite.xlsx": workbook([requests_sheet(good_row(qty=Raw(v="1E+999")))]),
        "bad-priority.xlsx": workbook(
            [requests_sheet(["R-1", "Javelin missile", 10, "urgent!!", "W6", None, "Kyiv"])]
        ),
        "bad-date.xlsx": workbook(
            [requests_sheet(["R-1", "Javelin missile", 10, "high", "next tuesday"])]
        ),
        "serial-date.xlsx": workbook(
            [requests_sheet(["R-1", "Javelin missile", 10, "high", 45800])]
        ),
        "earliest-after-horizon.xlsx": workbook(
            [requests_sheet(["R-1", "Javelin missile", 10, "high", None, excel_date(2026, 12, 1)])]
        ),
        "date-order.xlsx": workbook(
            [requests_sheet(["R-1", "Javelin missile", 10, "high", "W2", "week 5"])]
        ),
        "duplicate-id.xlsx": workbook(
            [
                requests_sheet(good_row("0012")),
                requests_sheet(good_row("R-7"), good_row("0012", "Diesel fuel"), name="More"),
            ]
        ),
        "formula-no-value.xlsx": workbook(
            [requests_sheet(good_row(), good_row("R-2", qty=formula("2*3")))]
        ),
        "excel-error.xlsx": workbook(
            [requests_sheet(good_row(), good_row("R-2", qty=Raw(t="e", v="#N/A")))]
        ),
        "merged-quantity.xlsx": workbook(
            [
                requests_sheet(
                    good_row(), good_row("R-2", qty=20), good_row("R-3", qty=None), merges=["C3:C4"]
                )
            ]
        ),
        "no-requests.xlsx": workbook([requests_sheet()]),
    }
    return files


def _bzip2_workbook() -> bytes:
    parts = workbook_parts([requests_sheet(good_row())])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, DATE_TIME)
            info.compress_type = zipfile.ZIP_BZIP2 if "worksheets" in name else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def good_files() -> dict[str, bytes]:
    """Workbooks that must import cleanly (the tests check every value)."""
    title = ["Spring request for assistance", None, None, None, None, None, None, None, None]
    requests = Sheet(
        "Requests",
        [
            title,
            ["Prepared by the logistics office", None, None, None, None, None, None, None],
            [],
            [
                "No.",
                "Equipment",
                "Qty (units)",
                "Urgency",
                "Deadline",
                "Not before",
                "Recipient",
                "Remarks",
                "Unit price",
            ],
            [
                "0012",
                "  javelin   MISSILE ",
                10,
                "critical",
                excel_date(2025, 3, 20),
                None,
                "1st Brigade",
                "=cmd|' /C calc'!A0",
                178000,
            ],
            [
                Raw(v="13", s=ZEROS),
                "FGM-148",
                formula("2*6", 12),
                2,
                "2025-04-01",
                "W2",
                None,
                "",
                None,
            ],
            [None, "diesel", "25.5", "Medium", "week 12", 3, None, "+ fuel for generators", None],
            [],
            [
                "R-9",
                "IFAK",
                "1,000",
                "4 - low",
                excel_date(2030, 1, 1),
                None,
                "Kharkiv",
                "@ depot",
                None,
            ],
            [
                "R-10",
                "155 mm artillery shell",
                500,
                "P1",
                excel_date(2025, 1, 6),
                None,
                "Donbas",
                None,
                None,
            ],
            [None, "Total", formula("SUM(C5:C13)", 1547.5), None, None, None, None, None, None],
        ],
        merges=["A1:I1", "G5:G7"],
    )
    humanitarian = Sheet(
        "Humanitarian",
        [
            ["#", "Item", "Amount", "Priority", "Due"],
            [7, "Power generator", 4, "HIGH", 5],
            [8, "generator", 2, None, None],
        ],
    )
    notes = Sheet("Notes", [["These sheets were prepared by hand."], ["Call us with questions."]])
    wrong_dimension = Sheet(
        "Requests", [HEADER, good_row(), good_row("R-2", "Diesel fuel", 3)], dimension="A1:A1"
    )
    return {
        "messy-layout.xlsx": workbook([requests, humanitarian, notes]),
        "macros.xlsm": workbook([requests_sheet(good_row())], macros=True),
        "wrong-dimension.xlsx": workbook([wrong_dimension]),
    }


# -- input fidelity (DESIGN.md §2.2, §2.1a): one file per kind ---------------------------------
# These are written with openpyxl: the defects are Excel features (hidden rows, sheets, columns,
# date formats, autofilters) that openpyxl writes as Excel does.


def _openpyxl_bytes(build: Any) -> bytes:
    """An openpyxl workbook built by ``build(wb)`` as bytes, with fixed document times."""
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    build(wb)
    wb.properties.created = dt.datetime(*DATE_TIME)
    buf = io.BytesIO()
    wb.save(buf)
    # the same bytes on every run: fixed zip times and document times
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", data
                )
            dst.writestr(zipfile.ZipInfo(info.filename, DATE_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _one_sheet(*rows: list[Any], formats: dict[str, str] | None = None) -> bytes:
    """A sheet "Requests" with ``rows`` (HEADER first) and number formats by cell."""

    def build(wb: Any) -> None:
        ws = wb.active
        ws.title = "Requests"
        for row in rows:
            ws.append(row)
        for ref, fmt in (formats or {}).items():
            ws[ref].number_format = fmt

    return _openpyxl_bytes(build)


def fidelity_bad_files() -> dict[str, bytes]:
    """Request workbooks with one cell that has two readings, or none (exit 2)."""
    import datetime as dt

    return {
        # "1,000": one (decimal comma) or one thousand; no other text number settles it
        "ambiguous-number.xlsx": _one_sheet(HEADER, good_row("R-1", "Javelin missile", "1,000")),
        # 04/05/2025: 4 May or 5 April
        "ambiguous-date.xlsx": _one_sheet(
            HEADER, ["R-1", "Javelin missile", 10, "high", "04/05/2025"]
        ),
        # 31 April does not exist
        "nonexistent-date.xlsx": _one_sheet(
            HEADER, ["R-1", "Javelin missile", 10, "high", "31.04.2025"]
        ),
        # 12 typed into a date-formatted cell: shown as 12.01.1900 (serial 12), meant week 12
        "week-in-date-cell.xlsx": _one_sheet(
            HEADER,
            ["R-1", "Javelin missile", 10, "high", dt.datetime(1900, 1, 12)],
            formats={"E2": "dd.mm.yyyy"},
        ),
        # a unit typed into the quantity cell
        "unit-in-cell.xlsx": _one_sheet(HEADER, good_row("R-1", "Javelin missile", "500 pcs")),
    }


def _ministry(wb: Any) -> None:
    """A ministry-style request: title block, merged title, hidden helper column, totals,
    signature footer, two sheets (one with Ukrainian headers), mixed date styles, a hidden
    cancelled line and a hidden old sheet. Visible lines: MOD-1..MOD-4 and UA-1..UA-3."""
    import datetime as dt

    ws = wb.active
    ws.title = "MoD request"
    ws["B1"] = "MINISTRY OF DEFENCE - CONSOLIDATED REQUEST No. 17/2025"
    ws.merge_cells("B1:H1")
    ws["B2"] = "Date of issue:"
    ws["C2"] = dt.datetime(2025, 3, 1)
    ws.append([])
    ws.append(
        [
            "No.",
            "Item description",
            "Qty requested",
            "Unit",
            "Priority",
            "Required by",
            "End user / destination",
            "Remarks",
            "Qty approved (internal)",
        ]
    )
    ws.append(
        [
            "MOD-1",
            "Javelin missiles",
            40,
            "pcs",
            "Critical",
            dt.datetime(2025, 3, 24),
            "Kyiv",
            "with CLU",
            20,
        ]
    )
    ws.append(["MOD-2", "155mm shells", 3000, "rounds", "high", "15.04.2025", "Donbas", None, 1500])
    ws.append(["MOD-X", "Javelin missile", 999, "pcs", "low", "W3", "cancelled", None, 0])
    ws.append(["MOD-3", "Diesel fuel", "12,5", "t", "medium", "2025-W16", "Kharkiv", None, 6])
    ws.append(["MOD-4", "Power generators", 4, "units", 2, "W10", "Odesa", None, 2])
    ws.append(["TOTAL", None, "=SUM(C5:C9)", None, None, None, None, None, None])
    ws.append([])
    ws.append(["Signed: Deputy Minister"])
    ws.column_dimensions["I"].hidden = True
    ws.row_dimensions[7].hidden = True  # MOD-X, cancelled
    ua = wb.create_sheet("Гуманітарна")
    ua.append(["ЗАПИТ НА ГУМАНІТАРНУ ДОПОМОГУ"])
    ua.merge_cells("A1:E1")
    ua.append([])
    ua.append(["№", "Найменування", "Кількість", "Пріоритет", "Термін", "Отримувач"])
    ua.append(["UA-1", "First aid kits", 200, "високий", "30/04/2025", "Lviv"])
    ua.append(["UA-2", "IFAK", 100, "критичний", dt.datetime(2025, 4, 7), "Kharkiv"])
    ua.append(["UA-3", "Diesel fuel", "2 000,5", "низький", "week 20", "Dnipro"])
    ua.append([None, "Всього", "=SUM(C4:C6)", None, None, None])
    old = wb.create_sheet("Old (Feb)")
    old.append(["Item", "Qty"])
    old.append(["Javelin missile", 500])
    old.sheet_state = "hidden"


def _hidden_content(wb: Any) -> None:
    """A visible Qty next to a hidden Quantity, a very hidden sheet, a filtered-out row."""
    ws = wb.active
    ws.title = "Requests"
    ws.append(["Request ID", "Item", "Qty", "Quantity"])
    ws.append(["R-1", "Javelin missile", 10, 5])
    ws.append(["R-2", "Javelin missile", 7, 3])
    ws.append(["R-3", "Diesel fuel", 2, 1])
    ws.column_dimensions["D"].hidden = True
    ws.auto_filter.ref = "A1:D4"
    ws.row_dimensions[3].hidden = True
    vh = wb.create_sheet("Helper")
    vh.append(["Item", "Qty"])
    vh.append(["Javelin missile", 1000])
    vh.sheet_state = "veryHidden"


def fidelity_good_files() -> dict[str, bytes]:
    """Workbooks that import, with warnings for what was not read."""
    return {
        "ministry-workbook.xlsx": _openpyxl_bytes(_ministry),
        "hidden-content.xlsx": _openpyxl_bytes(_hidden_content),
    }


# Catalog CSVs as Excel writes them in other locales; tests copy one over a good catalog file.
BAD_CSV = HERE / "bad-csv"


def bad_csv_files() -> dict[str, bytes]:
    """corridors/donors/offers/capacity_changes files, each with one defect (exit 2)."""
    head = "corridor_id,name,mode,capacity_t,transit_periods\r\n"
    return {
        # Windows-1252 "é" and en dash on line 2
        "cp1252/corridors.csv": (
            head + "road_pl,Route Hendaye\u2013Irún (café),road,1000,0\r\n"
        ).encode("cp1252"),
        "utf16/corridors.csv": (head + "road_pl,Road via Poland,road,1000,0\r\n").encode("utf-16"),
        "control-character/corridors.csv": (
            head + "road_pl,Road\x1fPoland,road,1000,0\r\n"
        ).encode(),
        "vertical-tab/corridors.csv": (
            head + "road_pl,Road\x0bvia Poland,road,1000,0\r\n"
        ).encode(),
        "duplicate-header/corridors.csv": (
            b"corridor_id,name,mode,capacity_t,capacity_t\r\nroad_pl,Road,road,1000,5\r\n"
        ),
        "empty-header/corridors.csv": (
            b"corridor_id,name,mode,capacity_t,\r\nroad_pl,Road,road,1000,zz\r\n"
        ),
        "overlapping-changes/capacity_changes.csv": (
            b"corridor_id,from_period,to_period,capacity_t\r\nroad_pl,2,5,0\r\nroad_pl,4,6,100\r\n"
        ),
        "far-date/offers.csv": (
            b"offer_id,donor_id,item_id,quantity,available_from\r\no1,usa,javelin,100,10000-01-01\r\n"
        ),
        "ambiguous-number/offers.csv": (
            b'offer_id,donor_id,item_id,quantity\r\no1,usa,javelin,"1,000"\r\n'
        ),
    }


def truncated(good: bytes) -> bytes:
    return good[: len(good) * 6 // 10]


def main(with_bomb: bool = True) -> None:
    BAD.mkdir(exist_ok=True)
    GOOD.mkdir(exist_ok=True)
    files = bad_files()
    files["truncated.xlsx"] = truncated(workbook([requests_sheet(good_row())]))
    files.update(fidelity_bad_files())
    for name, data in files.items():
        (BAD / name).write_bytes(data)
    good = {**good_files(), **fidelity_good_files()}
    for name, data in good.items():
        (GOOD / name).write_bytes(data)
    for name, data in bad_csv_files().items():
        (BAD_CSV / name).parent.mkdir(parents=True, exist_ok=True)
        (BAD_CSV / name).write_bytes(data)
    if with_bomb:
        zip_bomb(BAD / "zip-bomb.xlsx")
    print(f"wrote {len(files) + with_bomb} files to {BAD} and {len(good)} to {GOOD}")


if __name__ == "__main__":
    import sys

    main(with_bomb="--no-bomb" not in sys.argv)
