"""Read a request workbook (DESIGN.md §2.2): forgiving about layout, strict about meaning.

The one rule: what the person sees in Excel is what gets planned, and nothing is dropped or
guessed silently. Layout is forgiven: the header row may be anywhere in the first 20 rows of a
sheet, every visible sheet with a header is read, headers match by meaning (English and
Ukrainian synonyms, :mod:`.headers`), items match after NFKC, invisible-character, case,
punctuation and plural folding (:mod:`.items`), priorities may be numbers or words, times may be
Excel dates, ISO text, day-first text, ``W12``, ``2022-W12`` (:mod:`planner.periods`), text
numbers with one reading are read (:mod:`planner.io.numbers`), a value merged down a column is
used for every row it covers, formulas give their saved values. Hidden sheets, rows (also by an
autofilter) and columns are skipped with a warning each unless ``include_hidden``.

Meaning is not forgiven: every problem is collected and reported as
``file › sheet › row N › column: expected …, found … [code]``, and the reader raises
:class:`planner.errors.InputError` when any of them is an error. The codes are stable:

File level (from :mod:`planner.io.xlsx_safety`)
    ``no-file``, ``unreadable``, ``empty-file``, ``file-too-large``, ``not-a-workbook`` (CSV,
    image, PDF, HTML, .xls, .xlsb, .ods ... renamed or saved as .xlsx), ``encrypted``,
    ``truncated``, ``zip-bomb``, ``xml-entities`` (a DTD: entity bomb or external entity),
    ``corrupt-workbook`` (damaged zip or XML, or a sheet beyond Excel's limits),
    ``macros-ignored`` (warning: an .xlsm; macros are never run).
Sheets and headers
    ``no-header``: no sheet has a header row with an item and a quantity column;
    ``missing-column``: a sheet has one of the two only (an error when no sheet can be read,
    else a warning and the sheet is ignored); ``unrecognised-sheet``: a visible sheet without
    a recognised header holds catalog item names (the message names the headers found and
    expected); ``duplicate-column``: two columns of equal standing for one field;
    ``column-ignored`` (warning): a weaker synonym lost to a stronger one;
    ``unknown-header`` (warning): a header that names no field; ``no-requests``: headers but
    not one request line.
Cells
    ``missing-value`` (no item or quantity in a row that has the other), ``unknown-item``
    (with the closest catalog names; a warning with ``keep_unknown``), ``not-a-number``,
    ``unit-in-cell`` ("500 pcs"), ``ambiguous-number`` ("1.000": both readings named),
    ``not-positive``, ``not-whole`` (a fraction of an integer item; float noise within 1e-9
    is absorbed), ``too-large`` (a quantity above ``MAX_QUANTITY``), ``bad-priority``,
    ``bad-date`` (also a date that does not exist, and a week number typed into a date cell),
    ``ambiguous-date`` ("04/05/2022": both readings named), ``after-horizon`` (``earliest``
    after the plan's last period), ``date-order`` (``needed_by`` before ``earliest``),
    ``duplicate-id``, ``excel-error`` (``#N/A``, ``#REF!`` ...), ``formula-no-value`` (a
    formula never calculated, so there is no saved result; a warning when a whole row holds
    nothing else), ``merged-cells`` (a quantity or request id merged over several rows),
    ``bad-package`` (a ``package`` cell that is neither yes nor no / "item only").
Warnings only
    ``hidden-sheet``, ``hidden-row``, ``hidden-column`` (not read; ``include_hidden`` reads
    them), ``unit-mismatch`` (the unit column differs from the catalog unit),
    ``not-a-system`` (package = yes for an item without components: planned alone),
    ``default-priority`` (lines without a priority get 3, once per sheet),
    ``deadline-after-horizon`` (no deadline inside the horizon), ``number-settled`` (a text
    number read with the workbook's decimal separator), ``formula-values`` (saved results of
    formulas were used), ``merged-fill`` (a merged value was used for every row it covers),
    ``total-row`` (totals, sums, signatures below the table), ``note-row`` (a row with
    neither item nor quantity below the table), ``before-start`` (a date before the plan
    start: period 1), ``example-row`` (the template's example row is still there: planned).
Either
    ``too-many-problems``: the list was cut; an error when errors were cut.

Dates: ``needed_by`` after the horizon means no deadline (<NA>); ``earliest`` after the horizon is
an error; dates before the start map to period 1. Request ids are text: ``0012`` typed as text
stays ``0012``, and so does 12 in a cell formatted ``0000``.

Modules: :mod:`.cells` (cell values, issue collection), :mod:`.headers` (header synonyms,
totals words), :mod:`.values` (quantity, priority, request id), :mod:`.items` (catalog
matching, unit check), :mod:`.rows` (one row into a request line, dates, settling text
numbers), :mod:`.reader` (sheets, headers, hidden content, ``read_requests``).
"""

from __future__ import annotations

from planner.io.requests.cells import MAX_ISSUES
from planner.io.requests.headers import ALIAS_KEYS as _ALIAS_KEYS
from planner.io.requests.headers import FIELD_ALIASES, HEADER_ROWS, header_key
from planner.io.requests.reader import read_requests
from planner.io.requests.values import MAX_QUANTITY

# Every code this reader (and the pre-flight checks it runs) can report; see the docstring.
ISSUE_CODES = frozenset(
    {
        # file level
        "no-file",
        "unreadable",
        "empty-file",
        "file-too-large",
        "not-a-workbook",
        "encrypted",
        "truncated",
        "zip-bomb",
        "xml-entities",
        "corrupt-workbook",
        "macros-ignored",
        # sheets and headers
        "no-header",
        "missing-column",
        "unrecognised-sheet",
        "duplicate-column",
        "column-ignored",
        "unknown-header",
        "no-requests",
        # cells
        "missing-value",
        "unknown-item",
        "not-a-number",
        "unit-in-cell",
        "ambiguous-number",
        "not-positive",
        "not-whole",
        "too-large",
        "bad-priority",
        "bad-date",
        "ambiguous-date",
        "after-horizon",
        "date-order",
        "duplicate-id",
        "excel-error",
        "formula-no-value",
        "merged-cells",
        "bad-package",
        # warnings only
        "hidden-sheet",
        "hidden-row",
        "hidden-column",
        "unit-mismatch",
        "not-a-system",
        "default-priority",
        "deadline-after-horizon",
        "number-settled",
        "formula-values",
        "merged-fill",
        "total-row",
        "note-row",
        "before-start",
        "example-row",
        "too-many-problems",
    }
)

__all__ = [
    "FIELD_ALIASES",
    "HEADER_ROWS",
    "ISSUE_CODES",
    "MAX_ISSUES",
    "MAX_QUANTITY",
    "_ALIAS_KEYS",
    "header_key",
    "read_requests",
]
