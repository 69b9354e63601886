"""Telling a file aidplan wrote from anyone else's, so that an output replaces only aidplan's own.

DESIGN.md §8 refuses an output path that is an input of the run; decision 0013 adds: an output
path that already holds a file aidplan did not write is refused too (`foreign_file`), because a
typo in ``--out`` (``requests/week3.xlsx`` for ``plans/week3.xlsx``) would otherwise replace a
request sheet that is not an input of this run. Re-running a command over its own earlier
output (the default ``outputs/plan-demo.xlsx``, a weekly plan) stays a plain replacement.

What counts as aidplan's own, by extension:

- ``.xlsx``: a workbook with the sheets of the aidplan output workbook of the kind about to be
  written (`LAYOUTS`: a plan, a what-if comparison, a stress or a changes workbook), first
  sheet first: a stress workbook does not replace a plan. Not the
  request template: once filled in it is a request sheet (``aidplan template`` replaces one only
  with ``--force``), and its author, "aidplan", stays when Excel saves it, so the author is not
  used;
- ``.png`` (the what-if chart, planner.charts): a PNG whose ``Software`` text is Matplotlib's;
- ``.lp`` / ``.mps`` (``--write-lp``): a model file PuLP wrote for the problem named `MARKER`
  (its first lines, as `planner.model.pulp_backend.to_pulp` names it);
- an empty file (0 bytes): nothing in it can be lost.

Anything else, including a file that cannot be read, is someone else's. This module only reads
the first bytes or the small parts it needs; it never writes.
"""

from __future__ import annotations

from pathlib import Path

MARKER = "aidplan"
"""The problem name in the model files aidplan writes."""

LAYOUTS: dict[str, tuple[str, ...]] = {
    "plan workbook": ("Summary", "Allocations", "Requests"),
    "comparison workbook": ("Scenarios", "Requests"),
    "stress workbook": ("Summary", "Distribution", "Samples"),
    "changes workbook": ("Summary", "Changes"),
}
"""Sheets every workbook of each kind has had in every version of aidplan (planner.io.
plan_workbook, comparison_workbook, stress_workbook, changes_workbook), first sheet first: a
workbook with all of a kind's sheets and that first sheet is taken for one aidplan wrote. Only
these, so that a plan written before later sheets (Fulfilment, Bottlenecks, Inputs) existed is
still replaced; no request sheet has a Summary first and an Allocations sheet."""

HEAD_BYTES = 4096
"""How much of a PNG or model file is read to recognise it."""


def workbook_kind(names: list[str]) -> str | None:
    """Which of aidplan's workbooks (a `LAYOUTS` key) has the sheets ``names``, in order; None
    for any other workbook. The kinds are tried in `LAYOUTS` order: a re-plan's plan, which
    has a Changes sheet, is a plan workbook, not a changes workbook."""
    for kind, sheets in LAYOUTS.items():
        if names and names[0] == sheets[0] and set(sheets) <= set(names):
            return kind
    return None


def _workbook_owner(path: Path, what: str | None) -> str | None:
    """None when ``path`` is a workbook aidplan wrote (of kind ``what`` when that is one of
    `LAYOUTS`), else what it is, in words."""
    from planner.errors import InputError
    from planner.io.sheet_values import sheet_names
    from planner.io.xlsx_safety import preflight

    try:
        book = preflight(path)
    except InputError:
        return "a file that is not a workbook aidplan can read"
    names = sheet_names(book) or []
    kind = workbook_kind(names)
    if kind is not None and (what not in LAYOUTS or kind == what):
        return None
    if kind is not None:
        return f"an aidplan {kind}"
    shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
    return f"a workbook with the sheets {shown}" if names else "a workbook"


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(HEAD_BYTES)


def _png_owner(path: Path) -> str | None:
    head = _head(path)
    if not head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "a file that is not a PNG image"
    if b"Software\x00Matplotlib" in head:
        return None
    return "a PNG image aidplan did not draw"


def _model_owner(path: Path) -> str | None:
    first = _head(path)[:400].decode("latin-1")
    # PuLP's LP files open with "\* aidplan *\"; its MPS files name the problem on "NAME".
    lines = [line.split() for line in first.splitlines()[:3]]
    if any(words[:3] == ["\\*", MARKER, "*\\"] for words in lines):
        return None
    if any(words[:2] == ["NAME", MARKER] for words in lines):
        return None
    return "a file that is not a model file aidplan wrote"


def foreign_file(path: Path, what: str | None = None) -> str | None:
    """What the existing regular file ``path`` is, in words, when it is not an output of kind
    ``what`` ("plan workbook", a `LAYOUTS` key; any kind when None or another word) that aidplan
    wrote (see the module docstring); None when it may be replaced: aidplan wrote it, as that
    kind of output, or it is empty. So ``stress --out`` does not replace next week's
    ``--previous`` plan.

    Raises OSError when the file cannot be read (the caller refuses the path)."""
    if path.stat().st_size == 0:
        return None
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _workbook_owner(path, what)
    if suffix == ".png":
        return _png_owner(path)
    if suffix in (".lp", ".mps"):
        return _model_owner(path)
    return "a file aidplan did not write"
