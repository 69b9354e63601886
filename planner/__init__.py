"""aidplan: plan military and humanitarian assistance with linear programming."""

__version__ = "0.1.0"
