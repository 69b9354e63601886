"""Input problems: collected (never raised one by one), each with a stable code and a location."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

MAX_LISTED = 200  # problems listed one by one; the rest are counted per kind (DESIGN.md §2.2)
ISSUE_COLUMNS = ("file", "sheet", "row", "column", "code", "message")


@dataclass(frozen=True)
class Issue:
    """One problem in one place of an input file.

    ``row`` counts rows as Excel or a text editor shows them (the header of a CSV is row 1).
    """

    code: str
    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    severity: str = "error"  # "error" stops the run; "warning" is reported only

    def location(self) -> str:
        """`file › sheet › row N › column`, leaving out the parts that are unknown."""
        parts = [self.file]
        if self.sheet is not None:
            parts.append(self.sheet)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(self.column)
        return " › ".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message} [{self.code}]"

    def sort_key(self) -> tuple[str, str, int, str]:
        return (self.file, self.sheet or "", self.row or 0, self.column or "")


class InputError(Exception):
    """Invalid input: carries every problem found, so the user can fix them in one go."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues = sorted(issues, key=Issue.sort_key)
        super().__init__(format_issues(self.issues))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]


def count_line(issues: Iterable[Issue]) -> str:
    """``2 error(s): 1 bad-date, 1 unknown-item; 1 warning(s): 1 total-row`` (kinds sorted)."""
    items = list(issues)
    parts = []
    for severity in ("error", "warning"):
        counts = Counter(i.code for i in items if i.severity == severity)
        if counts:
            kinds = ", ".join(f"{n} {code}" for code, n in sorted(counts.items()))
            parts.append(f"{sum(counts.values())} {severity}(s): {kinds}")
    return "; ".join(parts)


def format_issues(issues: Iterable[Issue], limit: int = MAX_LISTED) -> str:
    """Errors and warnings counted apart per kind, then one line per problem (errors first,
    each group sorted by file, sheet and row), at most ``limit`` of them, then
    ``… and N more of kind K`` for the rest."""
    items = sorted(issues, key=lambda i: (i.severity != "error", *Issue.sort_key(i)))
    if not items:
        return "no problems found"
    lines = [count_line(items)]
    lines.extend(str(i) for i in items[:limit])
    rest = Counter(i.code for i in items[limit:])
    lines.extend(f"… and {n} more of kind {code}" for code, n in sorted(rest.items()))
    return "\n".join(lines)


def issues_table(issues: Iterable[Issue]) -> pd.DataFrame:
    """The Input checks sheet (DESIGN.md §5): one row per issue, sorted by place.

    Columns: file, sheet, row (as Excel or an editor shows it; <NA> when the issue is about a
    whole file or sheet), column, code, message.
    """
    import pandas as pd

    items = sorted(issues, key=Issue.sort_key)
    return pd.DataFrame(
        {
            "file": [i.file for i in items],
            "sheet": [i.sheet or "" for i in items],
            "row": pd.array([i.row for i in items], dtype="Int64"),
            "column": [i.column or "" for i in items],
            "code": [i.code for i in items],
            "message": [i.message for i in items],
        },
        columns=list(ISSUE_COLUMNS),
    )


def raise_if_errors(issues: Iterable[Issue]) -> None:
    """Raise InputError when any issue is an error (warnings alone pass)."""
    items = list(issues)
    if any(i.severity == "error" for i in items):
        raise InputError(items)
