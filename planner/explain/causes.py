"""Choosing the causes of one short or late line."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.explain.common import BUDGET, CORRIDOR, KINDS, RATE, STOCK, UNIT, Cause
from planner.explain.resolve import _Resolver
from planner.model import LinearModel
from planner.model.families import donor_of_variable

# ---------------------------------------------------------------------------------------------
# Choosing the causes of one line
# ---------------------------------------------------------------------------------------------


@dataclass
class _Found:
    """Causes of one shortfall (or lateness): ordered, with the variables each one blocks."""

    causes: list[Cause] = field(default_factory=list)
    periods: dict[Cause, list[int]] = field(default_factory=dict)
    unblocked: bool = False


def _entities(model: LinearModel) -> dict[int, np.ndarray]:
    """Per kind, the entity of each variable: offer, offer, donor, corridor position."""
    v = model.vars
    o = v["o"].to_numpy()
    k = donor_of_variable(model)
    return {STOCK: o, RATE: o, BUDGET: k, CORRIDOR: v["h"].to_numpy()}


def _find(
    masks: dict[int, np.ndarray],
    priced: dict[int, np.ndarray],
    has_dual: np.ndarray,
    ent: dict[int, np.ndarray],
    t_of: np.ndarray,
    rows: dict[int, np.ndarray],
    ask: _Ask | None,
) -> _Found:
    """Causes blocking a set of variables; every argument is per variable of that set.

    masks: kind -> the variable's row of that kind is full (UNIT: one more whole unit would
    over-deliver); priced: kind -> that row has a positive dual; has_dual: duals speak for the
    variable; ent, rows: kind -> entity and stacked row; t_of: dispatch period.

    Causes that alone block some variable are taken; the others are verified by ``ask`` while
    its budget lasts, else chosen in the order stock, rate, budget, corridor until every
    variable is covered. Candidates that were all verified and none of which helps on its own
    bind jointly and are all named.
    """
    found = _Found()
    n = len(next(iter(masks.values())))
    if not n:
        return found
    kinds = [k for k in (*KINDS, UNIT) if k in masks]
    masks = dict(masks)
    # Duals: where a variable has a priced full row, only its priced rows count.
    any_priced = np.zeros(n, dtype=bool)
    for kind in kinds:
        if kind in priced:
            any_priced |= masks[kind] & priced[kind]
    narrow = has_dual & any_priced
    for kind in kinds:
        if kind in priced:
            masks[kind] = np.where(narrow, masks[kind] & priced[kind], masks[kind])
        else:
            masks[kind] = np.where(narrow, False, masks[kind])
    n_cands = np.sum([masks[k] for k in kinds], axis=0, dtype=int)
    found.unblocked = bool((n_cands == 0).any())

    def causes_of(sel: np.ndarray) -> list[Cause]:
        out: set[Cause] = set()
        for kind in kinds:
            out.update((kind, int(e)) for e in np.unique(ent[kind][masks[kind] & sel]))
        return sorted(out)

    def covered_by(chosen: set[Cause] | list[Cause]) -> np.ndarray:
        cov = np.zeros(n, dtype=bool)
        for kind in kinds:
            es = [e for k, e in chosen if k == kind]
            if len(es) == 1:  # the common case (one candidate at a time): no np.isin set-up
                cov |= masks[kind] & (ent[kind] == es[0])
            elif es:
                cov |= masks[kind] & np.isin(ent[kind], es)
        return cov

    chosen = set(causes_of(n_cands == 1))
    remaining = ~covered_by(chosen) & (n_cands > 0)
    if remaining.any():
        candidates = [c for c in causes_of(remaining) if c not in chosen]
        verdicts: dict[Cause, bool] = {}
        if ask is not None:
            for c in candidates:
                kind, e = c
                if kind == UNIT:
                    continue
                verdict = ask(np.unique(rows[kind][masks[kind] & (ent[kind] == e)]))
                if verdict is None:  # re-solve budget spent: the cheap signal decides
                    break
                verdicts[c] = verdict
        chosen.update(c for c in candidates if verdicts.get(c))
        for c in candidates:  # cheap signal, in the order of the reasons
            todo = remaining & ~covered_by(chosen)
            if not todo.any():
                break
            if verdicts.get(c, True) and (todo & covered_by([c])).any():
                chosen.add(c)
        # Left: variables whose every candidate was verified not to help alone, so limits
        # bind jointly. Per offer, name the limits that block every one of its variables
        # (its stock, its donor's budget), else the first in the order that blocks any.
        leftover = remaining & ~covered_by(chosen)
        for o in np.unique(ent[STOCK][leftover]):
            group = leftover & (ent[STOCK] == o)
            shared = [c for c in causes_of(group) if not (group & ~covered_by([c])).any()]
            chosen.update(shared or causes_of(group)[:1])
            for c in causes_of(group):
                if not (group & ~covered_by(chosen)).any():
                    break
                if (group & ~covered_by(chosen) & covered_by([c])).any():
                    chosen.add(c)
    found.causes = sorted(chosen)
    for c in found.causes:
        kind, e = c
        m = masks[kind] & (ent[kind] == e)
        found.periods[c] = sorted({int(t) for t in t_of[m]})
    return found


class _Ask:
    """A yes/no question for the resolver: does lifting these rows give the line more?"""

    def __init__(self, resolver: _Resolver, cols: np.ndarray, weights: np.ndarray, tol: float):
        self.resolver, self.cols, self.weights, self.tol = resolver, cols, weights, tol
        self._base: float | None = None

    def __call__(self, rows: np.ndarray) -> bool | None:
        if self._base is None:
            self._base = self.resolver.best(self.cols, self.weights, np.array([], np.int64))
            if self._base is None:
                return None
        got = self.resolver.best(self.cols, self.weights, rows)
        return None if got is None else got > self._base + self.tol
