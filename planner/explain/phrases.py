"""The reason of one line, in plain words, from its causes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


@dataclass(frozen=True)
class PhraseColumns:
    """The table columns the phrases name, as arrays taken once per plan (`of`), not per
    line: request ids and priorities; offer ids, quantities and weekly limits; donor names,
    budgets and what the plan spends of them (NaN when no plan is given); corridor names."""

    rid: np.ndarray
    prio: np.ndarray
    offer_id: np.ndarray
    offer_qty: np.ndarray
    offer_rate: np.ndarray
    donor_name: np.ndarray
    donor_budget_eur: np.ndarray
    corridor_name: np.ndarray
    donor_spent_eur: np.ndarray

    @classmethod
    def of(cls, model: LinearModel, x: np.ndarray | None = None) -> PhraseColumns:
        """The columns of ``model``; ``x`` (all columns of the plan) gives what each donor
        spends (its budget row's activity)."""
        data = model.data
        req, off, donors, corr = data.requests, data.offers, data.donors, data.corridors
        return cls(
            req["request_id"].to_numpy(),
            req["priority"].to_numpy(),
            off["offer_id"].to_numpy(),
            off["quantity"].to_numpy(),
            off["max_per_period"].to_numpy(),
            donors["name"].to_numpy(),
            donors["budget_eur"].to_numpy(),
            corr["name"].to_numpy(),
            donor_spent_eur(model, x),
        )


def donor_spent_eur(model: LinearModel, x: np.ndarray | None) -> np.ndarray:
    """Euros each donor spends in plan ``x`` (its budget row's activity), NaN for a donor
    without a budget row or when ``x`` is None."""
    spent = np.full(len(model.data.donors), np.nan)
    b = model.block("donor_budget")
    if x is not None and b.n_rows:
        spent[b.labels["k"].to_numpy(dtype=int)] = b.activity(x)
    return spent


LEFT_SHOWN_SHARE = 0.005
"""A budget named as a cause with more than this share left is said to have that much left;
with less it reads "used up": € 400 of € 100 m is below what `money` shows of the budget."""


def budget_words(c: PhraseColumns, k: int) -> tuple[str, bool]:
    """Donor ``k``'s name and budget as a reason names them, and whether the budget is used
    up. A budget a line's causes name has too little left for one more unit of what the line
    needs (planner.explain.signal); when that is more than a rounding, the words say how much
    is left, so the reason agrees with the Donors sheet: "Slovakia (€ 60 m, € 9 m left)"."""
    budget, spent = float(c.donor_budget_eur[k]), float(c.donor_spent_eur[k])
    left = budget - spent if np.isfinite(spent) else 0.0
    if left > LEFT_SHOWN_SHARE * budget:
        return f"{c.donor_name[k]} ({money(budget)}, {money(left)} left)", False
    return f"{c.donor_name[k]} ({money(budget)})", True


def _phrase(
    found: _Found,
    r: int,
    model: LinearModel,
    takers_of: dict[int, list[int]],
    remainder: float,
    cols: PhraseColumns | None = None,
) -> list[str]:
    """The causes of one shortfall or lateness in plain words, in the order of the reasons.

    ``cols``: `PhraseColumns.of(model)`, taken once by a caller phrasing many lines."""
    data = model.data
    s = data.settings
    c = cols if cols is not None else PhraseColumns.of(model)
    rid, prio, offer_id = c.rid, c.prio, c.offer_id
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
        out.append(f"offer {offer_id[o]} has only {c.offer_qty[o]:g}, all sent to this line")
    elif mine:
        listed = [f"{offer_id[o]} ({c.offer_qty[o]:g})" for o in mine]
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
            f"offer {offer_id[o]} ships at most {c.offer_rate[o]:g} {per}, "
            f"all taken in {period_ranges(ps, s.period_days)}"
        )
    elif rates:
        listed = [
            f"{offer_id[o]} ({c.offer_rate[o]:g} {per}, {period_ranges(ps, s.period_days)})"
            for o, ps in rates
        ]
        out.append(f"offers {names(listed)} ship at their limit")

    # Budgets.
    said = [budget_words(c, k) for kind, k in found.causes if kind == BUDGET]
    budgets = [words for words, _ in said]
    short = "" if all(up for _, up in said) else " or too low for one more unit"
    if len(budgets) == 1:
        out.append(
            f"budget of donor {budgets[0]} is used up"
            if said[0][1]
            else f"budget of donor {budgets[0]} is too low for one more unit"
        )
    elif budgets:
        out.append(f"budgets of donors {names(budgets)} are used up{short}")

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
        corridor_bits.append(f"{c.corridor_name[h]} {' and '.join(bits)}")
    if len(corridor_bits) == 1:
        out.append(f"corridor {corridor_bits[0]}")
    elif corridor_bits:
        out.append(f"corridors {names(corridor_bits)}")

    if (UNIT, 0) in found.causes:
        out.append(f"the remaining {remainder:g} is less than one whole unit of any offer left")
    return out
