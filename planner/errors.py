"""Input problems: collected (never raised one by one), each with a stable code and a location."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


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


def format_issues(issues: Iterable[Issue]) -> str:
    """A count per kind first, then one line per problem, sorted by file, sheet and row."""
    items = sorted(issues, key=Issue.sort_key)
    if not items:
        return "no problems found"
    counts = Counter(i.code for i in items)
    head = ", ".join(f"{n} {code}" for code, n in sorted(counts.items()))
    lines = [f"{len(items)} problem(s): {head}"]
    lines.extend(str(i) for i in items)
    return "\n".join(lines)


def raise_if_errors(issues: Iterable[Issue]) -> None:
    """Raise InputError when any issue is an error (warnings alone pass)."""
    items = list(issues)
    if any(i.severity == "error" for i in items):
        raise InputError(items)
