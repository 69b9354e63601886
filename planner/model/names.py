"""Solver names of columns and rows: readable, and unique by construction.

A column is named ``x[offer,request,corridor,week]`` and a row ``family[index,...]`` (for
example ``offer_stock[us-stinger]``, ``corridor_capacity[road1,3]``), from the ids users gave.
Ids can contain anything, so characters that would make two names equal or a name ambiguous are
*escaped*, never replaced: ``%`` followed by two hex digits per UTF-8 byte, like a URL.

Two forms:

- `solver_name` (the readable form, held by the model and shown in messages): escapes ``%``,
  ``,``, ``[``, ``]``, whitespace, control and non-ASCII characters; ``UA/0001`` and
  ``UA-0001`` stay as they are, so ``x[o1,UA/0001,road1,2]`` and ``x[o1,UA-0001,road1,2]``.
- `lp_name` (the form written to LP files and handed to PuLP/CBC): the LP file format allows
  only letters, digits and a few symbols in names, so the brackets become parentheses and every
  other character outside ``LP_SAFE`` is escaped as well: ``offer_stock(us%2Dstinger)``.

Both maps are injective: an id's ``,`` and brackets are always escaped, so the structure of a
name can be read back (`parse_lp_name` does it, and the tests check the round trip).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence

ID_SAFE = frozenset(string.printable) - frozenset("%,[]" + string.whitespace)
"""Characters an id keeps in the readable name (printable ASCII but the structure and space)."""
LP_SAFE = frozenset(string.ascii_letters + string.digits + "_.,()%")
"""Characters allowed in an LP-file name (HiGHS's and CPLEX's LP readers accept these)."""


def _escape(text: str, keep: frozenset[str]) -> str:
    out = []
    for ch in text:
        if ch in keep:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def escape_id(value: object) -> str:
    """One id as it appears inside a readable name (see the module docstring)."""
    return _escape(str(value), ID_SAFE)


def solver_name(family: str, ids: Sequence[object]) -> str:
    """``family[id1,id2,...]`` with every id escaped: ``offer_stock[us-stinger]``."""
    return f"{family}[{','.join(escape_id(i) for i in ids)}]"


def solver_names(family: str, columns: Sequence[Iterable[object]]) -> list[str]:
    """`solver_name` for many rows at once: ``columns`` holds one sequence per index column."""
    escaped = [[escape_id(v) for v in col] for col in columns]
    if not escaped:
        return []
    return [f"{family}[{','.join(parts)}]" for parts in zip(*escaped, strict=True)]


def lp_name(name: str) -> str:
    """The LP-file form of a readable name: ``x[a-1,b]`` -> ``x(a%2D1,b)``."""
    head, sep, rest = name.partition("[")
    if not sep or not rest.endswith("]"):
        return _escape(name, LP_SAFE - {"(", ")"})
    inner = rest[:-1]
    return f"{_escape(head, LP_SAFE)}({_escape(inner, LP_SAFE)})"


def parse_lp_name(name: str) -> tuple[str, list[str]]:
    """Family and ids of an LP-file name: the inverse of ``lp_name(solver_name(...))``."""
    from urllib.parse import unquote

    head, _, rest = name.partition("(")
    inner = rest[:-1]
    return unquote(head), [unquote(part) for part in inner.split(",")]
