"""Pre-flight checks of an ``.xlsx``/``.xlsm`` file before any XML parser sees it.

Request workbooks come from outside: e-mail attachments, shared drives, other ministries' systems.
This module refuses what is not a workbook, or is built to hurt the reader, with a readable
message, in bounded time and memory, before openpyxl parses anything:

1. the path is a readable, non-empty file of at most ``MAX_FILE_BYTES``
   (``no-file``, ``unreadable``, ``empty-file``, ``file-too-large``);
2. it is a zip archive; if not, say what it looks like: CSV or text, an image, a PDF, a web page,
   an OLE2 file (a password-protected workbook or an old ``.xls``) (``not-a-workbook``,
   ``encrypted``); a zip without its end record was cut short (``truncated``);
3. the zip's own directory, read without inflating anything: at most ``MAX_MEMBERS`` parts,
   declared uncompressed sizes at most ``MAX_TOTAL_BYTES`` in total and ``MAX_PART_BYTES`` for any
   part other than a worksheet or the shared strings, and no part that inflates more than
   ``MAX_RATIO`` times once it is larger than ``RATIO_FLOOR_BYTES`` (``zip-bomb``); no
   password-protected part (``encrypted``); only the stored and deflate methods Excel writes
   (``not-a-workbook``);
4. the parts of a spreadsheet are there (``not-a-workbook`` names ``.xlsb``, ``.ods``, Word and
   PowerPoint files and plain zips);
5. no XML part declares a DTD (``xml-entities``): entity bombs ("billion laughs") and external
   entities are refused by looking at the prolog of each part, streamed and bounded.

Python's ``zipfile`` never inflates a deflate part beyond its declared size (it stops there and
fails the CRC check), so checking the declared sizes bounds the work even for archives that lie.
That holds for deflate only: zipfile hands a bzip2 or LZMA part to its decompressor in one piece
and gets everything back at once, which is why those methods are refused before any part is read.
As a second line of defence openpyxl parses with defusedxml when it is installed (it is a
dependency); :func:`open_readonly` refuses to run if openpyxl did not pick it up.
"""

from __future__ import annotations

import contextlib
import io
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    range_boundaries,
)

from planner.errors import InputError, Issue
from planner.io.input_files import read_input_bytes

MAX_FILE_BYTES = 100 * 1024 * 1024  # on disk
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # sum of declared uncompressed sizes
MAX_PART_BYTES = 50 * 1024 * 1024  # any part but worksheets and shared strings
MAX_MEMBERS = 10_000
MAX_CENTRAL_DIRECTORY_BYTES = 8 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed ...
RATIO_FLOOR_BYTES = 10 * 1024 * 1024  # ... for parts larger than this
PROLOG_LIMIT_BYTES = 1024 * 1024  # how far into an XML part its root element must start
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COLUMN = 16_384

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "LZMA",
}


@dataclass(frozen=True)
class CheckedWorkbook:
    """A workbook that passed the pre-flight checks; ``data`` is the whole file, read once."""

    path: Path
    display: str
    data: bytes
    macros: bool = False
    warnings: tuple[Issue, ...] = ()


@dataclass
class SheetScan:
    """What a raw pass over one worksheet's XML found (things openpyxl's read-only mode hides).

    merges: merged ranges as (min_col, min_row, max_col, max_row), at most ``MAX_MERGES``.
    formulas_without_value: (row, column) -> formula text, for formula cells with no saved result.
    formulas_with_value: how many formula cells carry a saved result.
    bad_numbers: (row, column) -> text of number cells whose stored value is not a number
        ("NaN", "INF" from some writers); openpyxl cannot read such a sheet at all.
    hidden_rows, hidden_cols: rows and columns hidden by hand or by an autofilter (DESIGN.md
        §2.2: not planned by default); openpyxl's read-only mode does not report them.
    """

    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas_without_value: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas_with_value: int = 0
    bad_numbers: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)


MAX_MERGES = 10_000
MAX_FORMULAS_KEPT = 100_000


def display_name(path: Path) -> str:
    """The path as the user knows it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return str(path)


def _fail(code: str, display: str, message: str) -> InputError:
    return InputError([Issue(code, display, message)])


def describe_content(data: bytes) -> tuple[str, str]:
    """(code, description) for bytes that are not a zip archive: what the file looks like."""
    head = data[:4096]
    if head.startswith(_OLE2):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return (
                "encrypted",
                "the workbook is protected with a password; open it in Excel, remove the"
                " password (File › Info › Protect Workbook › Encrypt with Password) and save",
            )
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            return (
                "not-a-workbook",
                "expected an .xlsx workbook, found an old Excel 97–2003 workbook (.xls);"
                " open it in Excel and save it as .xlsx",
            )
        return (
            "not-a-workbook",
            "expected an .xlsx workbook, found an old Microsoft Office file (OLE2);"
            " open it in Excel and save it as .xlsx",
        )
    for magic, what in (
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"%PDF", "a PDF document"),
        (b"BM", "a bitmap image"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"Rar!", "a RAR archive"),
        (b"7z\xbc\xaf", "a 7-Zip archive"),
    ):
        if head.startswith(magic):
            return "not-a-workbook", f"expected an .xlsx workbook, found {what}"
    text = _as_text(head)
    if text is None:
        shown = head[:8].hex(" ")
        return (
            "not-a-workbook",
            f"expected an .xlsx workbook, found unknown binary data ({shown} …)",
        )
    low = text.lstrip("\ufeff \t\r\n").lower()
    if low.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in low:
        what = "an XML Spreadsheet 2003 file; open it in Excel and save it as .xlsx"
    elif low.startswith(("<!doctype html", "<html")) or "<table" in low[:2000]:
        what = "a web page (HTML) named like a workbook; open it in Excel and save it as .xlsx"
    elif low.startswith("<"):
        what = "an XML or HTML file"
    else:
        first = low.splitlines()[0] if low.splitlines() else ""
        if any(sep in first for sep in (",", ";", "\t", "|")):
            what = "CSV or other delimited text; open it in Excel and save it as .xlsx"
        else:
            what = "plain text"
    return "not-a-workbook", f"expected an .xlsx workbook, found {what}"


def _as_text(head: bytes) -> str | None:
    """The bytes decoded as text when they look like text, else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if b"\x00" in head:
        return None
    printable = sum(1 for b in head if b >= 0x20 or b in (9, 10, 13))
    if head and printable / len(head) < 0.95:
        return None
    return head.decode("utf-8", errors="replace")


def _eocd_counts(data: bytes) -> tuple[int, int] | None:
    """(number of parts, central directory size) from the end record, or None when missing."""
    tail_start = max(0, len(data) - (65535 + 22))
    pos = data.rfind(_EOCD, tail_start)
    if pos < 0 or len(data) - pos < 22:
        return None
    _sig, _disk, _cd_disk, _n_disk, n_total, cd_size, cd_offset, _clen = struct.unpack(
        "<4s4H2LH", data[pos : pos + 22]
    )
    if n_total == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        loc = pos - 20
        if loc >= 0 and data[loc : loc + 4] == _EOCD64_LOCATOR:
            _s, _d, rec_offset, _nd = struct.unpack("<4sLQL", data[loc : loc + 20])
            if rec_offset + 56 <= len(data) and data[rec_offset : rec_offset + 4] == _EOCD64:
                fields = struct.unpack("<4sQ2H2L4Q", data[rec_offset : rec_offset + 56])
                n_total, cd_size = fields[7], fields[8]
    return int(n_total), int(cd_size)


def _mib(n: float) -> str:
    """A byte count for people: KB, MB or GB."""
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    if n >= 1024**2:
        return f"{n / 1024**2:.1f} MB"
    return f"{max(n, 1) / 1024:.1f} KB"


def _is_bulk_part(name: str) -> bool:
    low = name.lower()
    return low.startswith("xl/worksheets/") or low.endswith("sharedstrings.xml")


def _check_sizes(infos: list[zipfile.ZipInfo], display: str) -> None:
    """Refuse archives whose declared sizes or ratios are beyond a request workbook's."""
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        raise _fail(
            "zip-bomb",
            display,
            f"expected at most {_mib(MAX_TOTAL_BYTES)} once unpacked, found {_mib(total)}"
            f" declared in {_mib(sum(i.compress_size for i in infos))} of packed data;"
            " refused unread",
        )
    for info in infos:
        if info.file_size > MAX_PART_BYTES and not _is_bulk_part(info.filename):
            raise _fail(
                "zip-bomb",
                display,
                f"part {info.filename!r} would unpack to {_mib(info.file_size)};"
                f" expected at most {_mib(MAX_PART_BYTES)}; refused unread",
            )
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            raise _fail(
                "zip-bomb",
                display,
                f"part {info.filename!r} would unpack {ratio:,.0f} times"
                f" ({_mib(info.compress_size)} to {_mib(info.file_size)});"
                f" expected at most {MAX_RATIO} times; refused unread",
            )


_PROLOG_SKIP = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)


def _decode_prolog(buf: bytes) -> str:
    if buf.startswith((b"\xff\xfe", b"\xfe\xff")):
        return buf.decode("utf-16", errors="ignore")
    if buf[:2] == b"<\x00":
        return buf.decode("utf-16-le", errors="ignore")
    if buf[:2] == b"\x00<":
        return buf.decode("utf-16-be", errors="ignore")
    return buf.decode("utf-8", errors="ignore").lstrip("\ufeff")


def prolog_problem(stream: IO[bytes]) -> tuple[str, str] | None:
    """(code, reason) when an XML part's prolog is refused, else None.

    A DTD (``<!DOCTYPE``) is how entity bombs and external entities work, and Excel never writes
    one; only the prolog is read (whitespace, comments and processing instructions before the
    root element), at most ``PROLOG_LIMIT_BYTES``.
    """
    buf = b""
    while True:
        chunk = stream.read(64 * 1024)
        buf += chunk
        text = _decode_prolog(buf)
        skipped = _PROLOG_SKIP.match(text)
        rest = text[skipped.end() if skipped else 0 :]
        if rest[:9].upper() == "<!DOCTYPE":
            return (
                "xml-entities",
                "declares a DTD (the way XML entity bombs and external entities work)",
            )
        incomplete = (
            not rest
            or rest.startswith(("<!--", "<?"))
            or (len(rest) < 9 and "<!DOCTYPE".startswith(rest.upper()))
        )
        if not incomplete or not chunk:
            return None  # the root element (or garbage the XML parser will report)
        if len(buf) > PROLOG_LIMIT_BYTES:
            return "corrupt-workbook", "has more than 1 MB before its first element"


def _kind_of_archive(names: set[str], content_types: bytes) -> tuple[str | None, bool]:
    """(what the archive is when it is not a workbook, whether it holds macros)."""
    ct = content_types.lower()
    if b"spreadsheetml.sheet.main+xml" in ct or b"spreadsheetml.template.main+xml" in ct:
        return None, b"vbaproject" in ct
    if b"ms-excel.sheet.macroenabled.main+xml" in ct or b"ms-excel.template.macroenabled" in ct:
        return None, True
    if b"sheet.binary.macroenabled.main" in ct or "xl/workbook.bin" in names:
        return "an Excel binary workbook (.xlsb); open it in Excel and save it as .xlsx", False
    if b"wordprocessingml" in ct:
        return "a Word document", False
    if b"presentationml" in ct:
        return "a PowerPoint presentation", False
    if "xl/workbook.xml" in names:
        return None, "xl/vbaproject.bin" in names
    return "a zip archive without a workbook part (xl/workbook.xml)", False


def preflight(path: Path | str, what: str = "request workbook") -> CheckedWorkbook:
    """Read ``path`` once and check it is a safe, plausible workbook; raise InputError if not.
    ``what`` names the workbook expected in the messages ("plan workbook")."""
    path = Path(path)
    display = display_name(path)
    data = read_input_bytes(
        path,
        display,
        MAX_FILE_BYTES,
        what=what,
        missing_code="no-file",
        special_code="no-file",
    )
    if not data:
        raise _fail("empty-file", display, "expected a workbook, found an empty file (0 bytes)")
    if len(data) > MAX_FILE_BYTES:
        raise _fail("file-too-large", display, f"expected at most {_mib(MAX_FILE_BYTES)}")
    return check_bytes(path, display, data)


def _head(archive: zipfile.ZipFile, name: str) -> bytes:
    """The first 100 bytes of a part, or nothing when it cannot be read."""
    try:
        with archive.open(name) as stream:
            return stream.read(100)
    except Exception:
        return b""


def check_bytes(path: Path, display: str, data: bytes) -> CheckedWorkbook:
    """The pre-flight checks on a file's bytes (see the module docstring)."""
    if not data.startswith((_ZIP_LOCAL, _ZIP_EMPTY)):
        code, message = describe_content(data)
        raise _fail(code, display, message)
    counts = _eocd_counts(data)
    if counts is None:
        raise _fail(
            "truncated",
            display,
            "expected a complete workbook, found a zip archive cut short (no end record);"
            " was it still downloading or copying?",
        )
    n_members, cd_size = counts
    if n_members > MAX_MEMBERS or cd_size > MAX_CENTRAL_DIRECTORY_BYTES:
        raise _fail(
            "zip-bomb",
            display,
            f"expected at most {MAX_MEMBERS:,} parts, found {n_members:,}; refused unread",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # whatever zipfile trips over is a property of the file
        raise _fail(
            "truncated" if "truncated" in str(exc).lower() else "corrupt-workbook",
            display,
            f"expected a readable zip archive, found a damaged one ({exc})",
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _fail("zip-bomb", display, f"expected at most {MAX_MEMBERS:,} parts")
        _check_sizes(infos, display)
        if any(i.flag_bits & 0x1 for i in infos):
            raise _fail(
                "encrypted",
                display,
                "parts of the archive are password-protected; save an unprotected copy",
            )
        for info in infos:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                method = _METHODS.get(info.compress_type, f"method {info.compress_type}")
                raise _fail(
                    "not-a-workbook",
                    display,
                    f"part {info.filename!r} is compressed with {method}, which Excel never"
                    " writes; expected stored or deflate",
                )
        names = {i.filename for i in infos}
        lower_names = {n.lower() for n in names}
        if "[Content_Types].xml" not in names:
            if "mimetype" in names and _head(archive, "mimetype").startswith(
                b"application/vnd.oasis.opendocument.spreadsheet"
            ):
                what = "an OpenDocument spreadsheet (.ods); save it as .xlsx"
            else:
                what = "a zip archive that is not an Office file (no [Content_Types].xml)"
            raise _fail("not-a-workbook", display, f"expected an .xlsx workbook, found {what}")
        try:
            content_types = archive.read("[Content_Types].xml")
        except Exception as exc:
            raise _fail("corrupt-workbook", display, f"damaged archive: {exc}") from None
        foreign, macros = _kind_of_archive(lower_names, content_types)
        if foreign is not None:
            raise _fail("not-a-workbook", display, f"expected an .xlsx workbook, found {foreign}")
        for info in infos:
            if not info.filename.lower().endswith(_XML_SUFFIXES) or info.is_dir():
                continue
            try:
                with archive.open(info) as stream:
                    problem = prolog_problem(stream)
            except Exception as exc:
                raise _fail(
                    "corrupt-workbook",
                    display,
                    f"damaged archive: part {info.filename!r} cannot be unpacked ({exc})",
                ) from None
            if problem is not None:
                raise _fail(
                    problem[0],
                    display,
                    f"part {info.filename!r} {problem[1]}; Excel never writes this, refused unread",
                )
    notes: list[Issue] = []
    if macros:
        notes.append(
            Issue(
                "macros-ignored",
                display,
                "the workbook contains macros; they were not run, only cell values were read",
                severity="warning",
            )
        )
    return CheckedWorkbook(path, display, data, macros, tuple(notes))


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost cause: openpyxl wraps parser errors in a ValueError of its own."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DefusedXmlException | ParseError | zipfile.BadZipFile | zlib.error):
            return exc
        nxt = exc.__cause__ or exc.__context__
        if nxt is None:
            break
        exc = nxt
    return exc


def read_failure(display: str, exc: BaseException, sheet: str | None = None) -> Issue:
    """An issue for an exception raised while openpyxl parses an archive that passed preflight."""
    exc = _root_cause(exc)
    if isinstance(exc, DefusedXmlException):
        return Issue(
            "xml-entities",
            display,
            f"the workbook's XML declares entities or a DTD ({type(exc).__name__}); refused",
            sheet=sheet,
        )
    if isinstance(exc, ParseError):
        what = f"invalid XML ({exc})"
    elif isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        what = f"a damaged archive ({exc})"
    else:
        text = str(exc).splitlines()[0] if str(exc) else ""
        what = f"content openpyxl cannot read ({type(exc).__name__}: {text[:200]})"
    return Issue(
        "corrupt-workbook",
        display,
        f"expected a valid workbook, found {what}; open it in Excel and save it again",
        sheet=sheet,
    )


@contextlib.contextmanager
def open_readonly(book: CheckedWorkbook) -> Iterator[Any]:
    """Open a checked workbook with openpyxl: read-only, cached values of formulas, no links.

    Raises InputError (``corrupt-workbook`` or ``xml-entities``) when openpyxl cannot load it.
    """
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise RuntimeError(
            "openpyxl is not using defusedxml (is OPENPYXL_DEFUSEDXML set to something other"
            " than True, or defusedxml missing?); refusing to parse untrusted workbooks"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(
                io.BytesIO(book.data), read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:  # any failure inside openpyxl is a property of the file
            raise InputError([read_failure(book.display, exc)]) from exc
    try:
        yield wb
    finally:
        with contextlib.suppress(Exception):
            wb.close()


_LOCAL: dict[str, str] = {}  # "namespace}tag" -> "tag"


def _local(tag: str) -> str:
    """The tag without its namespace (cached: a sheet has a handful of distinct tags)."""
    local = _LOCAL.get(tag)
    if local is None:
        local = tag.rpartition("}")[2]
        if len(_LOCAL) < 1000:
            _LOCAL[tag] = local
    return local


class SheetScanError(Exception):
    """The worksheet's XML is damaged or beyond Excel's limits; the message says how."""


def _is_number_text(text: str) -> bool:
    """Whether openpyxl can read ``text`` as a number (it uses int() unless . or e is present)."""
    try:
        if "." in text or "e" in text or "E" in text:
            float(text)
        else:
            int(text)
    except ValueError:
        return False
    return True


class _SheetScanner:
    """expat handlers for one worksheet part: no tree is built, memory stays at one cell."""

    def __init__(self) -> None:
        self.scan = SheetScan()
        self.row_no = 0
        self.col_no = 0
        self.cell_type = "n"
        self.formula: list[str] | None = None
        self.value: list[str] | None = None
        self.capture: list[str] | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "c":
            self._cell(attrs.get("r"))
            self.cell_type = attrs.get("t", "n")
            self.formula = self.value = self.capture = None
        elif local == "f":
            self.formula = self.capture = []
        elif local in ("v", "is"):
            self.value = self.capture = []
        elif local == "row":
            r = (attrs.get("r") or "").strip()
            self.row_no = int(r) if r.isdigit() and len(r) < 12 else self.row_no + 1
            if not 1 <= self.row_no <= EXCEL_MAX_ROW:
                raise SheetScanError(f"row number {r[:20]!r} is beyond Excel's limit")
            self.col_no = 0
            if attrs.get("hidden") in ("1", "true") and len(self.scan.hidden_rows) < MAX_MERGES:
                self.scan.hidden_rows.add(self.row_no)
        elif local == "col" and attrs.get("hidden") in ("1", "true"):
            self._hidden_cols(attrs.get("min", ""), attrs.get("max", ""))
        elif local == "mergeCell" and len(self.scan.merges) < MAX_MERGES:
            self._merge(attrs.get("ref", ""))

    def end(self, name: str) -> None:
        local = _local(name)
        if local in ("f", "v", "is"):
            self.capture = None
        elif local == "c":
            self._cell_done()

    def text(self, data: str) -> None:
        if self.capture is not None and len(self.capture) < 1000:
            self.capture.append(data)

    def _cell(self, ref: str | None) -> None:
        if ref:
            try:
                letters, self.row_no = coordinate_from_string(ref)
                self.col_no = column_index_from_string(letters)
            except ValueError:
                raise SheetScanError(f"cell reference {ref[:20]!r} is invalid") from None
        else:
            self.col_no += 1
        if not (1 <= self.col_no <= EXCEL_MAX_COLUMN and 1 <= self.row_no <= EXCEL_MAX_ROW):
            raise SheetScanError(
                f"cell {(ref or str(self.col_no))[:20]!r} is beyond Excel's limits"
            )

    def _cell_done(self) -> None:
        scan, where = self.scan, (self.row_no, self.col_no)
        text = "".join(self.value) if self.value is not None else None
        room = len(scan.bad_numbers) < MAX_FORMULAS_KEPT
        if room and text and self.cell_type == "n" and not _is_number_text(text):
            scan.bad_numbers[where] = text[:60]
        if self.formula is None:
            return
        # an empty <v/> is "never calculated" (openpyxl writes that), except for a text result
        if self.value is not None and (text or self.cell_type in ("str", "inlineStr")):
            scan.formulas_with_value += 1
        elif len(scan.formulas_without_value) < MAX_FORMULAS_KEPT:
            scan.formulas_without_value[where] = "=" + "".join(self.formula)[:200]

    def _hidden_cols(self, low: str, high: str) -> None:
        if low.isdigit() and high.isdigit() and len(low) < 6 and len(high) < 6:
            last = min(int(high), EXCEL_MAX_COLUMN, int(low) + 1000)
            self.scan.hidden_cols.update(range(int(low), last + 1))

    def _merge(self, ref: str) -> None:
        try:
            bounds = range_boundaries(ref)
        except (ValueError, TypeError):
            raise SheetScanError(f"merged range {ref[:20]!r} is invalid") from None
        if all(isinstance(b, int) for b in bounds):
            self.scan.merges.append(bounds)  # type: ignore[arg-type]


def _no_dtd(*_args: object) -> None:
    raise SheetScanError("the worksheet declares a DTD or entities")


def scan_sheet(book: CheckedWorkbook, member: str) -> SheetScan:
    """One streaming pass over a worksheet part: merged ranges and formulas without a value.

    Uses expat with handlers (no element tree), refusing any DTD or entity declaration, so it
    is fast and holds one cell at a time. Row or column numbers beyond Excel's limits raise
    SheetScanError, so the row loop that follows never pads out billions of empty rows.
    """
    import xml.parsers.expat as expat

    scanner = _SheetScanner()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    parser.ExternalEntityRefHandler = _no_dtd  # type: ignore[assignment]
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    parser.CharacterDataHandler = scanner.text
    parser.buffer_text = True
    with zipfile.ZipFile(io.BytesIO(book.data)) as archive, archive.open(member) as stream:
        try:
            while chunk := stream.read(1 << 16):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise SheetScanError(f"its XML is invalid ({exc})") from None
    return scanner.scan
