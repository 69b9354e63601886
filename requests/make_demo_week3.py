"""Write ``requests/demo-week3.xlsx``: the demo request a fortnight later, for the re-planning
example of the README (DESIGN.md §7).

The same workbook as ``requests/demo.xlsx`` (requests/make_demo.py) with three new lines that
arrived in weeks 2–3: more 155 mm shells, food parcels for newly reachable towns and hospital
generators, all critical.

Run from the project root::

    .venv/bin/python requests/make_demo_week3.py
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "demo-week3.xlsx"

NEW_MILITARY = [
    ("M-36", "155 mm shell", 15000, 1, "W7", None, "Kharkiv", "Arrived in week 2"),
]
NEW_HUMANITARIAN = [
    ("H-15", "food parcel", 40000, "critical", "W6", None, "Izium front towns",
     "Arrived in week 3: towns reachable again"),
    ("H-16", "100 kW generator", 60, 1, dt.date(2022, 4, 18), None, "Kharkiv hospitals",
     "Arrived in week 3"),
]  # fmt: skip


def main(out: Path = OUT) -> None:
    """The demo's lines plus the new ones, saved reproducibly like the demo."""
    spec = importlib.util.spec_from_file_location("make_demo", HERE / "make_demo.py")
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    demo.MILITARY = demo.MILITARY + NEW_MILITARY
    demo.HUMANITARIAN = demo.HUMANITARIAN + NEW_HUMANITARIAN
    demo.check_ids()
    demo.save(demo.build(), out)
    print(f"wrote {out} ({len(demo.MILITARY) + len(demo.HUMANITARIAN)} request lines)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
