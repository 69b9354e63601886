"""Pre-flight checks: hostile and broken files are refused before any XML parser runs."""

from __future__ import annotations

import bz2
import io
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import DefusedXmlException

from planner.errors import InputError
from planner.io import xlsx_safety
from planner.io.xlsx_safety import (
    CheckedWorkbook,
    check_bytes,
    describe_content,
    open_readonly,
    preflight,
    prolog_problem,
    scan_sheet,
)
from tests.fixtures_requests import BAD, GOOD


def refused(path: Path) -> tuple[str, str]:
    with pytest.raises(InputError) as info:
        preflight(path)
    (issue,) = info.value.issues
    return issue.code, issue.message


def code_of(data: bytes) -> tuple[str, str]:
    with pytest.raises(InputError) as info:
        check_bytes(Path("x.xlsx"), "x.xlsx", data)
    (issue,) = info.value.issues
    return issue.code, issue.message


def zipped(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def good_bytes() -> bytes:
    return (GOOD / "wrong-dimension.xlsx").read_bytes()


# -- what a non-workbook looks like --------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"item;qty\nJavelin;3\n", "not-a-workbook", "CSV"),
        (b"\xef\xbb\xbfitem,qty\r\n", "not-a-workbook", "CSV"),
        (b"just some words\n", "not-a-workbook", "plain text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not-a-workbook", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "not-a-workbook", "JPEG image"),
        (b"%PDF-1.7\n", "not-a-workbook", "PDF"),
        (b"<!DOCTYPE html><html><body>", "not-a-workbook", "web page"),
        (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "not-a-workbook",
            "XML Spreadsheet 2003",
        ),
        (b"\x00\x01\x02\x03\x04\x05\x06\x07", "not-a-workbook", "binary data"),
    ],
)
def test_describe_content(data: bytes, code: str, words: str) -> None:
    got_code, message = describe_content(data)
    assert got_code == code
    assert words in message


def test_ole2_files_are_told_apart() -> None:
    assert refused(BAD / "encrypted.xlsx")[0] == "encrypted"
    code, message = refused(BAD / "old-excel-renamed.xlsx")
    assert code == "not-a-workbook" and ".xls" in message


@pytest.mark.parametrize(
    ("content_type", "words"),
    [
        (b"application/vnd.ms-excel.sheet.binary.macroEnabled.main", ".xlsb"),
        (
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            "Word",
        ),
        (
            b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
            "PowerPoint",
        ),
    ],
)
def test_other_office_files(content_type: bytes, words: str) -> None:
    ct = b'<?xml version="1.0"?><Types><Override ContentType="' + content_type + b'"/></Types>'
    code, message = code_of(zipped({"[Content_Types].xml": ct, "x/y.xml": b"<a/>"}))
    assert code == "not-a-workbook" and words in message


# -- zip bombs -----------------------------------------------------------------------------
def test_zip_bomb_is_small_real_and_refused_fast_with_bounded_memory() -> None:
    path = BAD / "zip-bomb.xlsx"
    assert path.stat().st_size < 300_000
    data = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        declared = sum(i.file_size for i in zf.infolist())
        assert declared > 2 * 1024**3
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    # It really inflates. Look at the first 8 MB only, with a bounded decompressor: zipfile
    # would hand bzip2 the whole part and get all 3 GB back in one piece.
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    packed = data[start : start + info.compress_size]
    head = bz2.BZ2Decompressor().decompress(packed, max_length=8 << 20)
    assert len(head) == 8 << 20 and head.rstrip().endswith(b"<sheetData>")
    tracemalloc.start()
    t0 = time.perf_counter()
    code, message = refused(path)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert code == "zip-bomb"
    assert "3.0 GB" in message
    assert elapsed < 1.0
    assert peak < 20 * 1024**2


def test_ratio_bomb_is_refused() -> None:
    code, message = refused(BAD / "zip-ratio.xlsx")
    assert code == "zip-bomb"
    assert "1,024 times" in message


def test_too_many_parts_is_refused_before_reading_the_directory() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i in range(xlsx_safety.MAX_MEMBERS + 1):
            zf.writestr(f"{i}", b"")
    code, message = code_of(buf.getvalue())
    assert code == "zip-bomb" and "parts" in message


def _patch_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """Make the local and central headers of part ``name`` declare ``size`` unpacked bytes."""
    out = bytearray(data)
    local = out.index(b"PK\x03\x04")  # first local header
    while True:
        (name_len,) = struct.unpack_from("<H", out, local + 26)
        if out[local + 30 : local + 30 + name_len] == name:
            struct.pack_into("<I", out, local + 22, size)
            break
        local = out.index(b"PK\x03\x04", local + 4)
    central = out.index(b"PK\x01\x02")
    while True:
        (name_len,) = struct.unpack_from("<H", out, central + 28)
        if out[central + 46 : central + 46 + name_len] == name:
            struct.pack_into("<I", out, central + 24, size)
            break
        central = out.index(b"PK\x01\x02", central + 4)
    return bytes(out)


def test_a_part_lying_about_its_size_is_cut_at_the_declared_size(tmp_path: Path) -> None:
    """zipfile stops inflating at the declared size, so checking declared sizes is enough."""
    data = good_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    head, tail = parts[sheet].split(b"<sheetData>", 1)
    parts[sheet] = head + b"<sheetData>" + b" " * (50 << 20) + tail  # 50 MB, packs to ~50 KB
    lying = _patch_sizes(zipped(parts), sheet.encode(), 4096)
    path = tmp_path / "lying.xlsx"
    path.write_bytes(lying)
    tracemalloc.start()
    code, message = refused(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert code == "corrupt-workbook"
    assert "CRC" in message
    assert peak < 20 * 1024**2


def test_encrypted_zip_parts_are_refused() -> None:
    data = bytearray(zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"}))
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, 0x1)  # general purpose flag: encrypted
    assert code_of(bytes(data))[0] == "encrypted"


def test_unusual_compression_is_refused() -> None:
    code, message = refused(BAD / "unusual-compression.xlsx")
    assert code == "not-a-workbook" and "bzip2" in message


def test_truncated_and_oversized_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = good_bytes()
    for cut in (30, len(data) // 2, len(data) - 10):
        assert code_of(data[:cut])[0] == "truncated"
    path = tmp_path / "big.xlsx"
    path.write_bytes(data)
    monkeypatch.setattr(xlsx_safety, "MAX_FILE_BYTES", 1000)
    assert refused(path)[0] == "file-too-large"


# -- XML entities and DTDs -----------------------------------------------------------------
def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


def test_entity_bomb_is_refused_by_openpyxl_itself_not_expanded() -> None:
    """Bypassing our prolog check: defusedxml inside openpyxl refuses it, fast and small."""
    data = (BAD / "entity-bomb.xlsx").read_bytes()
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(ValueError) as raised:  # openpyxl wraps the parser's error
        openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert isinstance(raised.value.__cause__, DefusedXmlException)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 20 * 1024**2
    book = CheckedWorkbook(Path("b.xlsx"), "b.xlsx", data)
    with pytest.raises(InputError) as info, open_readonly(book):
        pass
    assert [i.code for i in info.value.issues] == ["xml-entities"]


def test_prolog_check_refuses_dtds_and_only_dtds() -> None:
    def check(text: bytes) -> str | None:
        found = prolog_problem(io.BytesIO(text))
        return None if found is None else found[0]

    assert check(b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]><x/>') == "xml-entities"
    assert check(b"<!-- c --><?pi x?>\n  <!doctype x><x/>") == "xml-entities"
    assert check(b"\xef\xbb\xbf<!DOCTYPE x><x/>") == "xml-entities"
    assert check('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x/>'.encode("utf-16")) == (
        "xml-entities"
    )
    # a DOCTYPE that starts right at a 64 KB read boundary
    assert check(b"<!--" + b"x" * (64 * 1024 - 7) + b"-->" + b"<!DOCTYPE x><x/>") == "xml-entities"
    assert check(b'<?xml version="1.0"?><x><![CDATA[<!DOCTYPE not a dtd>]]></x>') is None
    assert check(b'<?xml version="1.0"?>\n<worksheet/>') is None
    assert check(b"") is None
    assert check(b"<!--" + b"x" * (2 << 20) + b"-->") == "corrupt-workbook"


# -- raw worksheet scan --------------------------------------------------------------------
def test_scan_finds_merges_and_formulas() -> None:
    data = (BAD / "formula-no-value.xlsx").read_bytes()
    book = CheckedWorkbook(Path("f.xlsx"), "f.xlsx", data)
    scan = scan_sheet(book, "xl/worksheets/sheet1.xml")
    assert scan.formulas_without_value == {(3, 3): "=2*3"}
    assert scan.formulas_with_value == 0
    data = (GOOD / "messy-layout.xlsx").read_bytes()
    scan = scan_sheet(CheckedWorkbook(Path("m.xlsx"), "m.xlsx", data), "xl/worksheets/sheet1.xml")
    assert scan.merges == [(1, 1, 9, 1), (7, 5, 7, 7)]
    assert scan.formulas_with_value == 2
    assert scan.formulas_without_value == {}


def test_macro_workbook_passes_with_a_warning() -> None:
    book = preflight(GOOD / "macros.xlsm")
    assert book.macros
    assert [w.code for w in book.warnings] == ["macros-ignored"]


def test_good_workbook_passes_unchanged() -> None:
    book = preflight(GOOD / "messy-layout.xlsx")
    assert book.data == (GOOD / "messy-layout.xlsx").read_bytes()
    assert not book.macros and not book.warnings
