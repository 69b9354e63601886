"""Plain words: money, lists of names, the period word."""

from __future__ import annotations

from planner.explain.common import MAX_NAMES
from planner.periods import period_word
from planner.schema import Settings

# ---------------------------------------------------------------------------------------------
# Plain words
# ---------------------------------------------------------------------------------------------


def money(eur: float) -> str:
    """'€ 1.2 bn', '€ 300 m', '€ 4,500'."""
    if eur >= 1e9:
        return f"€ {eur / 1e9:.3g} bn"
    if eur >= 1e6:
        return f"€ {eur / 1e6:.3g} m"
    return f"€ {eur:,.0f}"


def names(ids: list[str]) -> str:
    """'R-3, R-7' or 'R-1, R-2, R-3, R-4 and 5 more'."""
    if len(ids) <= MAX_NAMES:
        return ", ".join(ids)
    return f"{', '.join(ids[:MAX_NAMES])} and {len(ids) - MAX_NAMES} more"


def _period_word(settings: Settings) -> str:
    return period_word(settings.period_days)


def _when(period: int, settings: Settings) -> str:
    """'week 9 (2022-05-02)'."""
    return f"{_period_word(settings)} {period} ({settings.date_of(period).isoformat()})"


REASON_CHARS = 120
"""Longest text of the Requests sheet's `reason` column; the whole text is in `reason_detail`."""


def short_reason(text: str, limit: int = REASON_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters: whole clauses ("; "-separated) while they
    fit, else whole words, with "…" where something was left out."""
    if len(text) <= limit:
        return text
    clauses = text.split("; ")
    kept = clauses[0]
    for clause in clauses[1:]:
        if len(kept) + 2 + len(clause) + 2 > limit:
            break
        kept = f"{kept}; {clause}"
    if len(kept) + 2 > limit:
        cut = kept[: limit - 1]
        kept = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return kept.rstrip(" ;,") + " …"
