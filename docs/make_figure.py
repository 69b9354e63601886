"""Draw the README's picture of a result: the demo plan's corridor use and fulfilment.

Run: .venv/bin/python docs/make_figure.py   (writes docs/img/demo-plan.png)
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from planner.api import load_inputs, run_plan

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    inputs = load_inputs(ROOT / "requests" / "demo.xlsx", ROOT / "catalogs" / "default")
    result = run_plan(inputs)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [2, 1]})
    corr = result.corridors
    for cid, grp in corr.groupby("corridor_id", sort=True):
        ax1.plot(grp["period"], grp["used_t"], marker="o", ms=3, label=str(cid))
    rail = corr[corr["corridor_id"] == "rail_przemysl"]
    ax1.step(
        rail["period"],
        rail["capacity_t"],
        where="mid",
        color="grey",
        ls="--",
        lw=1,
        label="rail_przemysl capacity (cut weeks 6–8)",
    )
    ax1.set_xlabel("week of plan (week 1 = 7 March 2022)")
    ax1.set_ylabel("tonnes dispatched")
    ax1.set_title("Corridor use per week")
    ax1.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    req = result.requests
    names = {1: "critical", 2: "high", 3: "medium", 4: "low"}
    share = req.assign(f=req["delivered"] / req["quantity"]).groupby("priority")["f"].mean()
    ax2.bar([names[int(p)] for p in share.index], share.to_numpy() * 100, color="#1F4E78")
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("mean share of each line delivered, %")
    score = result.summary_dict()["fulfilment score"]
    ax2.set_title(f"Fulfilment by priority (score {score:.1%})")
    fig.tight_layout()
    out = ROOT / "docs" / "img" / "demo-plan.png"
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
