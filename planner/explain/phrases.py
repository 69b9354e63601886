"""The reason of one line, in plain words, from its causes."""

from __future__ import annotations

from planner.explain.causes import _Found
from planner.explain.common import BUDGET, CORRIDOR, RATE, STOCK, UNIT
from planner.explain.words import money, names
from planner.marginals import (
    period_ranges,
)
from planner.model import LinearModel
from planner.periods import period_word

# ---------------------------------------------------------------------------------------------
# Phrases
# ---------------------------------------------------------------------------------------------


def _phrase(
    found: _Found,
    r: int,
    model: LinearModel,
    takers_of: dict[int, list[int]],
    remainder: float,
) -> list[str]:
    """The causes of one shortfall or lateness in plain words, in the order of the reasons."""
    data = model.data
    req, off, donors, corr = data.requests, data.offers, data.donors, data.corridors
    s = data.settings
    rid = req["request_id"].to_numpy()
    prio = req["priority"].to_numpy()
    offer_id = off["offer_id"].to_numpy()
    out: list[str] = []

    # Stock: offers only this line takes; offers taken by higher-priority lines; by others.
    mine: list[int] = []
    higher: tuple[list[int], set[int]] = ([], set())
    other: tuple[list[int], set[int]] = ([], set())
    for kind, o in found.causes:
        if kind != STOCK:
            continue
        others = {t for t in takers_of.get(o, []) if t != r}
        if not others:
            mine.append(o)
        elif all(prio[t] < prio[r] for t in others):
            higher[0].append(o)
            higher[1].update(others)
        else:
            other[0].append(o)
            other[1].update(others)
    if len(mine) == 1:
        o = mine[0]
        out.append(
            f"offer {offer_id[o]} has only {off['quantity'].iloc[o]:g}, all sent to this line"
        )
    elif mine:
        listed = [f"{offer_id[o]} ({off['quantity'].iloc[o]:g})" for o in mine]
        out.append(f"offers {names(listed)} are all sent to this line")
    for (offers, takers), label in ((higher, "higher-priority lines"), (other, "other lines")):
        if not offers:
            continue
        word = "offer" if len(offers) == 1 else "offers"
        by_prio = sorted(takers, key=lambda t: (prio[t], str(rid[t])))
        if label == "other lines":
            listed = [f"{rid[t]} (priority {prio[t]})" for t in by_prio]
        else:
            listed = [str(rid[t]) for t in by_prio]
        out.append(
            f"stock of {word} {names([str(offer_id[o]) for o in offers])} taken by {label} "
            f"{names(listed)}"
        )

    # Weekly dispatch limits of offers.
    per = f"a {period_word(s.period_days)}"
    rates = [(o, found.periods[(k, o)]) for k, o in found.causes if k == RATE]
    if len(rates) == 1:
        o, ps = rates[0]
        out.append(
            f"offer {offer_id[o]} ships at most {off['max_per_period'].iloc[o]:g} {per}, "
            f"all taken in {period_ranges(ps, s.period_days)}"
        )
    elif rates:
        listed = [
            f"{offer_id[o]} ({off['max_per_period'].iloc[o]:g} {per}, "
            f"{period_ranges(ps, s.period_days)})"
            for o, ps in rates
        ]
        out.append(f"offers {names(listed)} ship at their limit")

    # Budgets.
    budgets = [
        f"{donors['name'].iloc[k]} ({money(float(donors['budget_eur'].iloc[k]))})"
        for kind, k in found.causes
        if kind == BUDGET
    ]
    if len(budgets) == 1:
        out.append(f"budget of donor {budgets[0]} is used up")
    elif budgets:
        out.append(f"budgets of donors {names(budgets)} are used up")

    # Corridors: full (capacity left but used) or closed (capacity 0) in which periods.
    corridor_bits: list[str] = []
    for kind, h in found.causes:
        if kind != CORRIDOR:
            continue
        ps = found.periods[(kind, h)]
        closed = [t for t in ps if data.capacity_t[h, t - 1] <= 0]
        full = [t for t in ps if data.capacity_t[h, t - 1] > 0]
        bits = []
        if full:
            bits.append(f"full in {period_ranges(full, s.period_days)}")
        if closed:
            bits.append(f"closed in {period_ranges(closed, s.period_days)}")
        corridor_bits.append(f"{corr['name'].iloc[h]} {' and '.join(bits)}")
    if len(corridor_bits) == 1:
        out.append(f"corridor {corridor_bits[0]}")
    elif corridor_bits:
        out.append(f"corridors {names(corridor_bits)}")

    if (UNIT, 0) in found.causes:
        out.append(f"the remaining {remainder:g} is less than one whole unit of any offer left")
    return out
