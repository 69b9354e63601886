"""Cross-table checks of a catalog (DESIGN.md §2.1a), one named ``check_*`` function per rule.

Each check runs on in-memory tables (pandas DataFrames with a ``row`` column: the line of the
CSV file, header = 1), returns the offending rows as :class:`planner.errors.Issue` objects and
never raises. :func:`check_catalog` runs them all. The readers only read; these functions say
what is wrong with what was read.

=========================== ========= =========================================================
check                       severity  rule
=========================== ========= =========================================================
check_unique_ids            error     an id used on two rows of one table
check_references            error     an id referring to a row of another table that does not
                                      exist (with the closest ids); skipped when that table's
                                      file could not be read, so one bad file gives one error
check_substitutes           error     an item substituting itself; a pair given twice
check_item_id_collisions    error     item ids that differ only by case, spacing, punctuation,
                                      invisible characters or a plural ("WATER" / "water")
check_item_name_collisions  error     a name or alias that names two items ("h2o" for both)
check_requires              error     a ``requires`` cell that does not parse, names an unknown
                                      item, asks a fraction of an integer component, or closes a
                                      cycle (an item needing itself, directly or through others)
check_capacity_overlaps     error     two capacity changes of one corridor covering one period
check_capacity_horizon      warning   a capacity change that starts after the horizon
check_offer_zero            warning   an offer with quantity 0 (stock used up)
=========================== ========= =========================================================
"""

from __future__ import annotations

import pandas as pd

from planner.errors import Issue
from planner.names import NameIndex, name_key


def _row(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and value == value else None


def check_unique_ids(table: pd.DataFrame, key: str, file: str) -> list[Issue]:
    """Rows whose ``key`` repeats an earlier row's (``table``: key, row; text as read)."""
    if key not in table:
        return []
    first: dict[str, int | None] = {}
    out: list[Issue] = []
    for value, row in zip(table[key].astype(str), table["row"], strict=True):
        if not value:
            continue
        if value in first:
            out.append(
                Issue(
                    "duplicate-id",
                    file,
                    f"{key} {value!r} already used on row {first[value]}",
                    row=_row(row),
                    column=key,
                )
            )
        else:
            first[value] = _row(row)
    return out


class _Suggestions:
    """`` (closest: a, b)`` hints for unknown ids among ``known``; the
    :class:`planner.names.NameIndex` is built at the first unknown id, so a table without one
    costs nothing."""

    def __init__(self, known: set[str]):
        self.known = known
        self.index: NameIndex | None = None

    def hint(self, value: str) -> str:
        if self.index is None:
            self.index = NameIndex((k, k) for k in sorted(self.known))
        near = self.index.closest(value)
        return f" (closest: {', '.join(near)})" if near else ""


def check_references(
    table: pd.DataFrame,
    column: str,
    known: set[str] | None,
    what: str,
    file: str,
    many: bool = False,
) -> list[Issue]:
    """Values of ``column`` that are not in ``known`` (the ids of the table referred to).

    ``known`` None: that table's file could not be read, so nothing is reported. ``many``:
    the cell holds ``;``-separated ids (a donor's corridors). Suggestions come from one
    :class:`planner.names.NameIndex` built at the first unknown id.
    """
    if known is None or column not in table:
        return []
    suggest = _Suggestions(known)
    out: list[Issue] = []
    for text, row in zip(table[column].astype(str), table["row"], strict=True):
        values = [v.strip() for v in text.split(";")] if many else [text]
        for value in values:
            if not value or value in known:
                continue
            hint = suggest.hint(value)
            out.append(
                Issue(
                    "unknown-ref",
                    file,
                    f"unknown {what} {value!r}{hint}",
                    row=_row(row),
                    column=column,
                )
            )
    return out


def check_substitutes(subs: pd.DataFrame, file: str) -> list[Issue]:
    """An item that substitutes itself; a pair (item_id, substitute_id) given twice.

    ``subs``: item_id, substitute_id, row (text as read).
    """
    if "item_id" not in subs or "substitute_id" not in subs:
        return []
    seen: dict[tuple[str, str], int | None] = {}
    out: list[Issue] = []
    for a, b, row in zip(
        subs["item_id"].astype(str), subs["substitute_id"].astype(str), subs["row"], strict=True
    ):
        if a and a == b:
            out.append(
                Issue(
                    "bad-value",
                    file,
                    "an item cannot substitute itself",
                    row=_row(row),
                    column="substitute_id",
                )
            )
        if (a, b) in seen:
            out.append(
                Issue(
                    "duplicate-id",
                    file,
                    f"pair {a!r}/{b!r} already given on row {seen[(a, b)]}",
                    row=_row(row),
                    column="substitute_id",
                )
            )
        seen.setdefault((a, b), _row(row))
    return out


def check_item_id_collisions(items: pd.DataFrame, file: str) -> list[Issue]:
    """Item ids whose matching keys are equal although the ids differ (case, invisible chars).

    ``items``: item_id, row. Exact duplicates are the reader's ``duplicate-id``; these are the
    ones a request could not tell apart. One error per later row, naming the first.
    """
    first: dict[str, tuple[str, int | None]] = {}
    out: list[Issue] = []
    for item_id, row in zip(items["item_id"].astype(str), items["row"], strict=True):
        key = name_key(item_id)
        if key in first and first[key][0] != item_id:
            other, other_row = first[key]
            out.append(
                Issue(
                    "ambiguous-id",
                    file,
                    f"item_id {item_id!r} differs from {other!r} (row {other_row}) only by case,"
                    " spacing, punctuation or invisible characters; a request cannot tell them"
                    " apart: rename or merge them",
                    row=_row(row),
                    column="item_id",
                )
            )
        first.setdefault(key, (item_id, _row(row)))
    return out


def check_item_name_collisions(items: pd.DataFrame, file: str) -> list[Issue]:
    """A name, alias or id of one item that matches a name or alias of another item.

    ``items``: item_id, name, aliases (list or ``;``-separated text), row.
    """
    owner: dict[str, tuple[str, int | None, str]] = {}
    out: list[Issue] = []
    id_keys = {name_key(str(i)) for i in items["item_id"]}
    for rec in items.itertuples(index=False):
        item_id, row = str(rec.item_id), _row(rec.row)
        aliases = rec.aliases if isinstance(rec.aliases, list | tuple) else str(rec.aliases or "")
        if isinstance(aliases, str):
            aliases = [a.strip() for a in aliases.split(";") if a.strip()]
        for column, text in [("name", str(rec.name)), *(("aliases", str(a)) for a in aliases)]:
            key = name_key(text)
            if not key:
                continue
            prev = owner.get(key)
            if prev is not None and prev[0] != item_id:
                out.append(
                    Issue(
                        "ambiguous-name",
                        file,
                        f"{'alias' if column == 'aliases' else column} {text!r} of item"
                        f" {item_id!r} also names item {prev[0]!r} (row {prev[1]}, {prev[2]!r});"
                        " a request naming it could be either: make the names differ",
                        row=row,
                        column=column,
                    )
                )
            elif prev is None:
                owner[key] = (item_id, row, text)
            if key in id_keys and key != name_key(item_id):
                other = next(i for i in items["item_id"].astype(str) if name_key(i) == key)
                out.append(
                    Issue(
                        "ambiguous-name",
                        file,
                        f"{'alias' if column == 'aliases' else column} {text!r} of item"
                        f" {item_id!r} is the id of item {other!r}: make the names differ",
                        row=row,
                        column=column,
                    )
                )
    return out


def check_capacity_overlaps(changes: pd.DataFrame, file: str) -> list[Issue]:
    """Two capacity changes of one corridor whose period ranges overlap: which one holds?

    ``changes``: corridor_id, from_period, to_period, row.
    """
    out: list[Issue] = []
    ordered = changes.sort_values(["corridor_id", "from_period", "row"], kind="stable")
    for corridor, group in ordered.groupby("corridor_id", sort=True):
        last: tuple[int, int, int | None] | None = None
        for rec in group.itertuples(index=False):
            lo, hi, row = int(rec.from_period), int(rec.to_period), _row(rec.row)
            if last is not None and lo <= last[1]:
                out.append(
                    Issue(
                        "overlapping-changes",
                        file,
                        f"corridor {corridor!r}: periods {lo}–{hi} overlap periods"
                        f" {last[0]}–{last[1]} of row {last[2]}; give each period one capacity",
                        row=row,
                        column="from_period",
                    )
                )
            if last is None or hi > last[1]:
                last = (lo, hi, row)
    return out


def check_capacity_horizon(changes: pd.DataFrame, file: str, horizon: int) -> list[Issue]:
    """Capacity changes that start after the last planned period (they change nothing).

    ``changes``: corridor_id, from_period, to_period, row.
    """
    late = changes[changes["from_period"].astype(int) > horizon]
    return [
        Issue(
            "change-outside-horizon",
            file,
            f"corridor {rec.corridor_id!r}: periods {int(rec.from_period)}–{int(rec.to_period)}"
            f" start after the horizon ({horizon} periods); the change has no effect",
            row=_row(rec.row),
            column="from_period",
            severity="warning",
        )
        for rec in late.itertuples(index=False)
    ]


def check_offer_zero(offers: pd.DataFrame, file: str) -> list[Issue]:
    """Offers with quantity 0: accepted (stock used up), said once per row.

    ``offers``: offer_id, quantity, row.
    """
    zero = offers[offers["quantity"].astype(float) == 0]
    return [
        Issue(
            "offer-empty",
            file,
            f"offer {rec.offer_id!r} has quantity 0 (stock used up); nothing is planned from it",
            row=_row(rec.row),
            column="quantity",
            severity="warning",
        )
        for rec in zero.itertuples(index=False)
    ]


def check_requires(items: pd.DataFrame, file: str) -> list[Issue]:
    """items.csv ``requires`` (DESIGN.md §2.1, §4.1), checked at its cell.

    ``items``: item_id, requires, integer, row (text as read). Errors: [bad-requires] for a
    cell that does not parse (pairs ``item_id:qty``, qty > 0, no component twice) or a
    fraction of a component counted in whole units; [unknown-ref] for a component that is not
    an item (with the closest ids); [requires-cycle] for an item that needs itself, directly
    or through its components (reported on every row of the cycle).
    """
    from planner.catalog import TRUE_WORDS, parse_requires

    if "requires" not in items or "item_id" not in items:
        return []
    known = {str(i) for i in items["item_id"] if str(i)}
    whole = {
        str(i): str(v).strip().lower() in TRUE_WORDS
        for i, v in zip(items["item_id"], items.get("integer", [""] * len(items)), strict=True)
    }
    suggest = _Suggestions(known)
    out: list[Issue] = []
    graph: dict[str, list[str]] = {}
    rows: dict[str, int | None] = {}
    for item, text, row in zip(
        items["item_id"].astype(str),
        items["requires"].fillna("").astype(str),
        items["row"],
        strict=True,
    ):
        if not text.strip():
            continue
        try:
            pairs = parse_requires(text)
        except ValueError as exc:
            out.append(Issue("bad-requires", file, str(exc), row=_row(row), column="requires"))
            continue
        for comp, rho in pairs:
            if comp not in known:
                hint = suggest.hint(comp)
                out.append(
                    Issue(
                        "unknown-ref",
                        file,
                        f"unknown item {comp!r} in requires{hint}",
                        row=_row(row),
                        column="requires",
                    )
                )
            elif whole.get(comp) and abs(rho - round(rho)) > 1e-9:
                out.append(
                    Issue(
                        "bad-requires",
                        file,
                        f"expected a whole number of {comp!r} per unit (it is counted in whole"
                        f" units), found {rho:g}",
                        row=_row(row),
                        column="requires",
                    )
                )
        graph[item] = [c for c, _ in pairs if c in known]
        rows[item] = _row(row)
    # cycles: depth-first search, colour 1 = on the current path, 2 = done
    colour: dict[str, int] = {}
    in_cycle: dict[str, list[str]] = {}

    def visit(node: str, path: list[str]) -> None:
        colour[node] = 1
        path.append(node)
        for nxt in graph.get(node, []):
            if colour.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                for member in cycle[:-1]:
                    in_cycle.setdefault(member, cycle)
            elif not colour.get(nxt):
                visit(nxt, path)
        path.pop()
        colour[node] = 2

    for node in sorted(graph):
        if not colour.get(node):
            visit(node, [])
    for member in sorted(in_cycle, key=lambda m: (rows.get(m) or 0, m)):
        out.append(
            Issue(
                "requires-cycle",
                file,
                "an item cannot need itself: " + " → ".join(in_cycle[member]),
                row=rows.get(member),
                column="requires",
            )
        )
    return out


def check_catalog(tables: dict[str, tuple[pd.DataFrame, str]], horizon: int) -> list[Issue]:
    """Run every check on the tables present: ``{"items": (frame, file), "offers": …,
    "capacity_changes": …}``; tables that are missing or failed to read are skipped."""
    out: list[Issue] = []
    if "items" in tables:
        items, file = tables["items"]
        out += check_item_id_collisions(items, file)
        out += check_item_name_collisions(items, file)
        out += check_requires(items, file)
    if "capacity_changes" in tables:
        changes, file = tables["capacity_changes"]
        out += check_capacity_overlaps(changes, file)
        out += check_capacity_horizon(changes, file, horizon)
    if "offers" in tables:
        offers, file = tables["offers"]
        out += check_offer_zero(offers, file)
    return out
