"""The optimisation model of DESIGN.md §4, as sparse arrays (see docs/decisions/0001)."""

from planner.model.build import LinearModel, RowBlock, StabilityTarget, build_model

__all__ = ["LinearModel", "RowBlock", "StabilityTarget", "build_model"]
