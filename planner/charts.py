"""Charts of what-if results (matplotlib's Agg renderer: no display needed).

Figures are made with ``matplotlib.figure.Figure`` on an explicit ``FigureCanvasAgg``, never
through pyplot: no global figure state, and the caller's configured backend (a notebook's, say)
is neither needed nor changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from planner.io.xlsx_write import write_atomic

SERIES = (
    ("fulfilment score", "Fulfilment score"),
    ("critical-line coverage", "Critical-line coverage (priority 1)"),
)


def whatif_figure(table: pd.DataFrame, title: str = "What-if comparison") -> Figure:
    """Fulfilment score and critical-line coverage of each run.

    ``table`` has one row per run with the columns ``scenario``, ``family``, ``budget_scale``,
    ``fulfilment score`` and ``critical-line coverage`` (planner.whatif.scenarios_table). When
    some scenario was run at several budget scales, both measures are drawn against the budget
    scale, one line per scenario; otherwise as bars, one group per scenario.
    """
    fig = Figure(figsize=(11, 4.6), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharey=True)
    fig.suptitle(title)
    data = table.dropna(subset=["fulfilment score"])
    sweep = bool(len(data)) and bool(
        (data.groupby("family", sort=False)["budget_scale"].nunique() > 1).any()
    )
    for ax, (col, name) in zip(axes, SERIES, strict=True):
        ax.set_title(name)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.grid(True, alpha=0.3)
        if sweep:
            for family, part in data.groupby("family", sort=False):
                part = part.sort_values("budget_scale")
                style = "-o" if len(part) > 1 else "D"
                ax.plot(part["budget_scale"], part[col], style, label=str(family), markersize=4)
            ax.set_xlabel("budget scale (× every donor's budget)")
            ax.axvline(1.0, color="grey", lw=0.8, ls=":")
        else:
            labels = [str(s) for s in data["scenario"]]
            x = np.arange(len(labels))
            ax.bar(x, data[col].to_numpy(dtype=float), color="#1F4E78")
            ax.set_xticks(x, labels, rotation=25, ha="right")
    lo = float(np.nanmin(data[[c for c, _ in SERIES]].to_numpy(dtype=float))) if len(data) else 0
    lo = 0.0 if not np.isfinite(lo) else max(0.0, np.floor(lo * 10 - 0.5) / 10)
    axes[0].set_ylim(lo if sweep else 0.0, 1.02)
    axes[0].set_ylabel("share")
    if sweep:
        axes[0].legend(loc="lower right", fontsize="small")
    return fig


def write_whatif_chart(table: pd.DataFrame, path: Path, title: str = "What-if comparison") -> Path:
    """Draw `whatif_figure` and save it as a PNG at ``path`` (atomically); return ``path``."""
    fig = whatif_figure(table, title)
    write_atomic(Path(path), lambda tmp: fig.savefig(tmp, format="png"))
    return Path(path)
