"""Check that every sheet of a plan workbook prints one page wide, with LibreOffice.

Converts the workbook to PDF (``soffice --headless --convert-to pdf``), reads each page's text
(``pdftotext``, poppler-utils), finds its sheet from the footer the writer puts on every page
(sheet name left, "Page n of N" right), and checks that the page holds both the first and the
last column header of that sheet: a sheet split by columns would have pages without one of them.
Prints pages per sheet and the verdict; exits 1 when a sheet does not fit one page wide.

    .venv/bin/python -m benchmarks.print_check outputs/plan-demo.xlsx [--keep DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def header_words(path: Path) -> dict[str, tuple[str, str]]:
    """Per sheet, the first word of its first and last column header (the Summary's table)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows(max_row=6, values_only=True):
            cells = [c for c in row if isinstance(c, str) and c]
            if ws.title == "Summary" and "Figure" not in cells:
                continue
            if len(cells) >= 2:
                out[ws.title] = (cells[0].split()[0], cells[-1].split()[-1])
                break
    return out


FOOTER = re.compile(r"^(.*\S)\s{2,}Page \d+ of \d+$")
"""The footer line of a page in ``pdftotext -layout`` output: the sheet name, then the page."""


def page_texts(pdf: Path) -> list[str]:
    texts = []
    n = 1
    while True:
        done = subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not done.stdout.strip():
            return texts
        texts.append(done.stdout)
        n += 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workbook", type=Path)
    p.add_argument("--keep", type=Path, help="keep the PDF in this folder")
    a = p.parse_args(argv)
    if not shutil.which("soffice") or not shutil.which("pdftotext"):
        print("needs LibreOffice (soffice) and poppler-utils (pdftotext)")
        return 2
    folder = a.keep or Path(tempfile.mkdtemp(prefix="aidplan-print-"))
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(a.workbook)],
        check=True,
        capture_output=True,
    )
    pdf = folder / (a.workbook.stem + ".pdf")
    headers = header_words(a.workbook)
    pages: dict[str, list[bool]] = {}
    texts = page_texts(pdf)
    unknown = 0
    for text in texts:
        # The footer, laid out as printed: "<sheet>      Page n of N" on one line. (Taking the
        # last line that names a sheet misread a page whose cells name sheets: Input checks.)
        footers = [FOOTER.match(ln.strip()) for ln in text.splitlines()]
        named = [m.group(1).strip() for m in footers if m]
        sheet = next((nm for nm in reversed(named) if nm in headers), None)
        if sheet is None:
            unknown += 1  # no footer naming the sheet (not written by this version)
            continue
        first, last = headers[sheet]
        pages.setdefault(sheet, []).append(first in text and last in text)
    ok = True
    print(f"{pdf}: {len(texts)} pages, {unknown} without a footer naming their sheet")
    print("| sheet | pages | one page wide |")
    print("|---|---|---|")
    for sheet in headers:
        got = pages.get(sheet, [])
        wide = bool(got) and all(got)
        ok &= wide
        print(f"| {sheet} | {len(got)} | {'yes' if wide else 'NO'} |")
    return 0 if ok and not unknown else 1


if __name__ == "__main__":
    sys.exit(main())
