"""Constraint rows as arrays: `RowBlock` and the grouping helpers the families build them with."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.model.names import solver_names


@dataclass(frozen=True)
class RowBlock:
    """One constraint family: rows ``lower ≤ Σ coef · x ≤ upper``, each row named by its index.

    Stored as (var, row, coef) triplets plus one label table with a row per constraint. In
    the families of §4 every variable belongs to at most one row; in package_usable (§4.1) a
    shipment counts in every period from its arrival on, so it sits in several rows.
    """

    family: str
    labels: pd.DataFrame  # one row per constraint; columns name the index (e.g. offer_id, period)
    var: np.ndarray  # variable positions
    row: np.ndarray  # row position within the family, same length as var
    coef: np.ndarray
    upper: np.ndarray  # right-hand side per row (lower bound is -inf for every family)

    @property
    def n_rows(self) -> int:
        return len(self.labels)

    def activity(self, x: np.ndarray) -> np.ndarray:
        """Σ coef · x per row of the family (length n_rows) for the plan ``x`` (every
        column)."""
        return np.bincount(self.row, weights=self.coef * x[self.var], minlength=self.n_rows)

    def row_names(self) -> list[str]:
        """``family[id1,id2]`` per row from the readable label columns (``offer_stock[o-1]``,
        ``corridor_capacity[road1,3]``), unique by construction (planner.model.names)."""
        cols = [c for c in self.labels.columns if c not in POSITION_COLUMNS]
        return solver_names(self.family, [self.labels[c].tolist() for c in cols])


POSITION_COLUMNS = ("r", "o", "h", "k", "t")
"""Label columns holding model positions; the readable ids sit beside them."""


def group_block(
    family: str,
    keys: pd.DataFrame,
    var: np.ndarray,
    coef: np.ndarray,
    upper_of: pd.Series | np.ndarray | None = None,
) -> RowBlock:
    """Group variables by ``keys`` (one row per distinct key), in sorted key order."""
    cols = list(keys.columns)
    if len(var) == 0:
        empty = pd.DataFrame({c: np.array([], dtype=np.int64) for c in cols})
        return RowBlock(family, empty, var, var.copy(), coef, np.array([], dtype=float))
    # Integer keys combined in mixed radix, then np.unique: sorted, fast, no Python loop.
    arrays = [keys[c].to_numpy(dtype=np.int64) for c in cols]
    radix = [int(a.max()) + 1 for a in arrays]
    combined = np.zeros(len(var), dtype=np.int64)
    for a, base in zip(arrays, radix, strict=True):
        combined = combined * base + a
    size = int(np.prod(np.asarray(radix, dtype=float)))
    if size <= max(4 * len(var), 1 << 16):
        # A small key space (offers × periods, corridors × periods, ...): mark the keys in use
        # and number them in order, O(n) instead of np.unique's sort; the same result.
        used = np.zeros(size, dtype=bool)
        used[combined] = True
        uniq = np.flatnonzero(used)
        number = np.cumsum(used) - 1
        codes = number[combined]
    else:
        uniq, codes = np.unique(combined, return_inverse=True)
    decoded = {}
    rest = uniq
    for c, base in zip(reversed(cols), reversed(radix), strict=True):
        decoded[c] = rest % base
        rest = rest // base
    labels = pd.DataFrame({c: decoded[c] for c in cols})
    upper = np.asarray(upper_of, dtype=float) if upper_of is not None else np.array([])
    return RowBlock(family, labels, var, codes.astype(np.int64).ravel(), coef, upper)


def with_upper(b: RowBlock, upper: np.ndarray) -> RowBlock:
    return RowBlock(b.family, b.labels, b.var, b.row, b.coef, np.asarray(upper, dtype=float))


def labelled(b: RowBlock, names: dict[str, tuple[str, pd.Series | None]]) -> RowBlock:
    """Replace position columns of the labels by readable ids (offer_id, period, ...)."""
    labels = pd.DataFrame(index=range(b.n_rows))
    for col, (new, ids) in names.items():
        pos = b.labels[col].to_numpy(dtype=int) if b.n_rows else np.array([], int)
        labels[col] = pos
        labels[new] = ids.to_numpy()[pos] if ids is not None else pos
    return RowBlock(b.family, labels, b.var, b.row, b.coef, b.upper)
