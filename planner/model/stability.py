"""What a re-plan (DESIGN.md §7) adds to a model: frozen columns and the stability target.

`StabilityTarget` sits on `LinearModel.stability` (None when not re-planning). Every
`planner.solve.Session` on such a model holds the frozen columns at their previous units (column
lower bound = upper bound), and its `solve` runs the stability stage (DESIGN.md §4 stage 3) on
the other columns the previous plan used (`kept_cols`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StabilityTarget:
    """The previous plan mapped onto a model's columns.

    previous: units per model column in the previous plan (0 where it sent none), in units of
        the offer's item.
    fixed: True for the columns held at ``previous`` exactly: the frozen allocations
        (dispatched before ``--as-of`` or in the ``--freeze-weeks``) and every other column
        dispatched before ``--as-of`` (held at 0: those weeks have happened). They use stock,
        rate, budget and corridor capacity as any column does.
    """

    previous: np.ndarray
    fixed: np.ndarray

    @property
    def fixed_cols(self) -> np.ndarray:
        """Positions of the fixed columns."""
        return np.flatnonzero(self.fixed).astype(np.int64)

    @property
    def kept_cols(self) -> np.ndarray:
        """Columns the stability stage tries to keep: used by the previous plan, not fixed."""
        return np.flatnonzero((self.previous > 0) & ~self.fixed).astype(np.int64)

    def target(self) -> np.ndarray:
        """Previous units on the kept columns, 0 elsewhere: the ``previous`` argument of
        `planner.solve.Session.solve`."""
        out = np.zeros(len(self.previous))
        kept = self.kept_cols
        out[kept] = self.previous[kept]
        return out

    def frozen_units(self) -> np.ndarray:
        """Units per column held by the fixed columns (0 on the free ones)."""
        return np.where(self.fixed, self.previous, 0.0)
