"""build_model(data): variables from the dispatch table, one add_<family>() per constraint family.

The model is held as arrays (columns, rows, coefficients) so any backend — HiGHS directly, or
PuLP for CBC and LP files — can be fed in bulk. See docs/decisions/0001-array-model-core.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.data import PlanningData, dispatch_table
from planner.model.families import FAMILIES
from planner.model.names import solver_names
from planner.model.rows import POSITION_COLUMNS, RowBlock, with_upper
from planner.model.stability import StabilityTarget

__all__ = ["POSITION_COLUMNS", "LinearModel", "RowBlock", "StabilityTarget", "build_model"]


@dataclass
class LinearModel:
    """Variables, objectives and constraint families of one planning problem.

    vars: the dispatch table (o, r, h, t, factor, arrival) + value, cost_eur, weight_t, integer
    value: primary objective coefficient per variable (maximise)
    cost_eur: secondary objective (minimise); arrival period per variable (stage 3, see earliness)
    blocks: constraint families in DESIGN.md order
    stability: frozen columns and the previous plan when re-planning (DESIGN.md §7,
        planner.model.stability), else None
    """

    data: PlanningData
    vars: pd.DataFrame
    value: np.ndarray
    cost_eur: np.ndarray
    arrival: np.ndarray
    integer: np.ndarray
    blocks: list[RowBlock] = field(default_factory=list)
    stability: StabilityTarget | None = None

    @property
    def earliness(self) -> np.ndarray:
        """Stage-3 objective (maximise): T + 1 − arrival per unit. Rewarding early units rather
        than penalising late ones means the stage never gains by sending less."""
        return (self.data.horizon + 1.0) - self.arrival

    def col_names(self) -> list[str]:
        """``x[offer,request,corridor,week]`` per variable (week: the dispatch period), unique
        by construction (planner.model.names)."""
        v, d = self.vars, self.data
        return solver_names(
            "x",
            [
                d.offers["offer_id"].to_numpy()[v["o"].to_numpy()].tolist(),
                d.requests["request_id"].to_numpy()[v["r"].to_numpy()].tolist(),
                d.corridors["corridor_id"].to_numpy()[v["h"].to_numpy()].tolist(),
                v["t"].tolist(),
            ],
        )

    @property
    def n_vars(self) -> int:
        return len(self.vars)

    @property
    def n_rows(self) -> int:
        return sum(b.n_rows for b in self.blocks)

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def block(self, family: str) -> RowBlock:
        return next(b for b in self.blocks if b.family == family)

    def row_offsets(self) -> dict[str, int]:
        """Position of each family's first row in the stacked constraint matrix."""
        out, pos = {}, 0
        for b in self.blocks:
            out[b.family] = pos
            pos += b.n_rows
        return out

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """Σ a·x per family row, in stacked() order (family by family, no sort of the matrix)."""
        out = np.zeros(self.n_rows)
        offset = 0
        for b in self.blocks:
            if b.n_rows:
                out[offset : offset + b.n_rows] = np.bincount(
                    b.row, weights=b.coef * x[b.var], minlength=b.n_rows
                )
            offset += b.n_rows
        return out

    def stacked(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All families as one matrix: (row, var, coef) triplets sorted by row, and row uppers."""
        rows, cols, coefs, uppers = [], [], [], []
        offset = 0
        for b in self.blocks:
            # Families hold disjoint row ranges, so sorting each one and stacking them in order
            # sorts the whole matrix. Their variables come in ascending order, so a stable sort
            # by row alone (a radix sort) gives (row, var) order without a two-key lexsort.
            if len(b.var) < 2 or bool((np.diff(b.var) >= 0).all()):
                order = np.argsort(b.row, kind="stable")
            else:
                order = np.lexsort((b.var, b.row))
            rows.append(b.row[order] + offset)
            cols.append(b.var[order])
            coefs.append(b.coef[order])
            uppers.append(b.upper)
            offset += b.n_rows
        if not rows:
            e = np.array([], dtype=float)
            return e.astype(np.int64), e.astype(np.int64), e, e
        r = np.concatenate(rows).astype(np.int64)
        c = np.concatenate(cols).astype(np.int64)
        v = np.concatenate(coefs).astype(float)
        return r, c, v, np.concatenate(uppers).astype(float)


def build_model(data: PlanningData) -> LinearModel:
    """Variables for every allowed (o, r, h, t) and the five constraint families of §4."""
    v = dispatch_table(data)
    o = v["o"].to_numpy()
    r = v["r"].to_numpy()
    offers, req = data.offers, data.requests
    s = data.settings
    v["weight_t"] = offers["unit_weight_t"].to_numpy(dtype=float)[o]
    v["cost_unit_eur"] = offers["unit_cost_eur"].to_numpy(dtype=float)[o]
    v["integer"] = offers["integer"].to_numpy(dtype=bool)[o]
    late = np.maximum(0, v["arrival"].to_numpy() - req["due"].to_numpy(dtype=int)[r])
    v["late"] = late
    per_unit = (
        req["weight_value"].to_numpy(dtype=float)[r] / req["quantity"].to_numpy(dtype=float)[r]
    )
    value = per_unit * v["factor"].to_numpy(dtype=float) * (1.0 - s.late_penalty * late)
    m = LinearModel(
        data=data,
        vars=v,
        value=value,
        cost_eur=v["cost_unit_eur"].to_numpy(dtype=float),
        arrival=v["arrival"].to_numpy(dtype=float),
        integer=v["integer"].to_numpy(dtype=bool),
    )
    for family in FAMILIES:
        block = family.rows(m)
        upper = family.rhs(data, block.labels) if block.n_rows else np.zeros(0)
        m.blocks.append(with_upper(block, upper))
    return m
