"""The header row of a request sheet, matched by meaning (DESIGN.md §2.2 "Header").

A header cell names a field when its words, case-, space-, punctuation- and order-insensitively
and without a ``(unit)`` suffix, equal one of the field's synonyms (English or Ukrainian), or
when a short header (at most five words) contains a synonym's words ("End user / destination",
"Qty approved (internal)"). An exact match outranks a contained one; among contained ones the
longest synonym wins. Headers about money, weight or dates of other things ("Unit price") are
not taken for the field whose word they contain.
"""

from __future__ import annotations

import re

from planner.names import clean_text

HEADER_ROWS = 20

# Field -> header synonyms, strongest first (DESIGN.md §2.2, plus obvious variants).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "item": (
        "item",
        "item_id",
        "item name",
        "equipment",
        "nomenclature",
        "description",
        "item description",
        "name of item",
        "article",
        "найменування",
        "найменування майна",
        "назва",
    ),
    "quantity": (
        "quantity",
        "qty",
        "amount",
        "number",
        "quantity requested",
        "requested quantity",
        "qty requested",
        "amount needed",
        "quantity pcs",
        "кількість",
        "к-сть",
    ),
    "priority": ("priority", "prio", "urgency", "пріоритет", "терміновість"),
    "needed_by": (
        "needed_by",
        "need by",
        "required by",
        "deadline",
        "due",
        "due date",
        "needed no later than",
        "термін",
        "термін поставки",
    ),
    "earliest": ("earliest", "not before", "not earlier than", "from", "не раніше"),
    "destination": (
        "destination",
        "recipient",
        "end user",
        "consignee",
        "region",
        "delivery point",
        "oblast",
        "отримувач",
        "область",
        "пункт доставки",
    ),
    "unit_of_measure": ("unit", "uom", "unit of measure", "units", "од. виміру", "одиниця виміру"),
    "request_id": (
        "request_id",
        "id",
        "no",
        "#",
        "№",
        "ref",
        "reference",
        "line",
        "item no",
        "№ з/п",
    ),
    "package": (
        "package",
        "as package",
        "whole package",
        "package line",
        "with components",
        "комплект",
        "комплектом",
    ),
    "notes": ("notes", "note", "comments", "comment", "remarks", "примітки", "примітка"),
}
# A contained synonym does not count in headers with these words ("Unit price", "Total qty").
_NOT_THE_FIELD = {
    "price",
    "cost",
    "value",
    "weight",
    "total",
    "sum",
    "eur",
    "usd",
    "date",
    "вартість",
    "ціна",
}
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WORD = re.compile(r"[^\W_]+|[#№]")
MAX_HEADER_WORDS = 5
CONTAINED_RANK = 100  # ranks from here on: a synonym found inside a longer header


def header_words(text: str) -> tuple[str, ...]:
    """Sorted words of a header: NFKC, case folded, punctuation and a ``(unit)`` dropped."""
    raw = clean_text(str(text)).casefold()
    for candidate in (_PAREN.sub(" ", raw), raw):
        words = tuple(sorted(_WORD.findall(candidate.replace("_", " "))))
        if words:
            return words
    return ()


def header_key(text: str) -> str:
    """Key for exact header matching: the sorted words joined by spaces."""
    return " ".join(header_words(text))


ALIAS_KEYS: dict[str, tuple[str, int]] = {}
for _field, _names in FIELD_ALIASES.items():
    for _rank, _name in enumerate(_names):
        ALIAS_KEYS.setdefault(header_key(_name), (_field, _rank))
# Synonyms too common to be found inside a longer header ("Donation from", "Number of sites").
_EXACT_ONLY = {"from", "no", "id", "#", "№", "line", "number", "ref", "due", "article", "назва"}
_CONTAINED: list[tuple[frozenset[str], str, int]] = sorted(
    ((frozenset(k.split()), f, r) for k, (f, r) in ALIAS_KEYS.items() if k not in _EXACT_ONLY),
    key=lambda t: -len(t[0]),
)


def match_header(text: str) -> tuple[str, int] | None:
    """(field, rank) a header cell names, or None. Rank: synonym position (exact matches) or
    100 + words not covered (a synonym contained in a longer header)."""
    words = header_words(text)
    if not words:
        return None
    hit = ALIAS_KEYS.get(" ".join(words))
    if hit is not None:
        return hit
    if len(words) > MAX_HEADER_WORDS or _NOT_THE_FIELD & set(words):
        return None
    have = set(words)
    for syn, fld, _rank in _CONTAINED:  # longest synonym first
        if syn <= have:
            return fld, CONTAINED_RANK + len(have - syn)
    return None


TOTAL_WORDS = (
    "total",
    "totals",
    "grand total",
    "subtotal",
    "sum",
    "разом",
    "всього",
    "усього",
    "итого",
    "signed",
    "signature",
    "approved",
    "підпис",
    "затверджено",
    "погоджено",
)
_TOTAL_START = re.compile(
    r"^\W*(?:" + "|".join(re.escape(w) for w in TOTAL_WORDS) + r")\b", re.IGNORECASE
)


def is_total_text(text: str) -> bool:
    """Whether a cell starts like a totals, sum or signature line ("TOTAL", "Signed: …")."""
    return bool(_TOTAL_START.match(clean_text(text).casefold()))
