"""Shared helpers for the request-reader tests: a small catalog written to a temp folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from planner.catalog import Catalog
from planner.io.catalog import read_catalog
from planner.schema import Settings

DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad"
GOOD = DATA / "good"
START = dt.date(2025, 3, 3)  # a Monday
SETTINGS = Settings(start=START, period_days=7, horizon=26)

ITEMS_CSV = """item_id,name,category,unit,unit_weight_t,integer,aliases
javelin,Javelin missile,anti_tank,missile,0.023,true,FGM-148;Javelin ATGM
shell_155,155 mm artillery shell,ammunition,shell,0.045,true,155mm;155 mm shells
diesel,Diesel fuel,energy,t,1,false,Fuel;DF
first_aid,First aid kit,medical,kit,0.002,true,IFAK
generator,Power generator,energy,unit,1.5,true,Genset
imagery,Satellite imagery support,intelligence,month,0,false,
"""
CATALOG_FILES = {
    "items.csv": ITEMS_CSV,
    "donors.csv": "donor_id,name,budget_eur,corridors\nusa,United States,,\n",
    "offers.csv": "offer_id,donor_id,item_id,quantity\no1,usa,javelin,100\n",
    "corridors.csv": "corridor_id,name,mode,capacity_t\nroad_pl,Road via Poland,road,1000\n",
    "planning.toml": f"start = {START.isoformat()}\nperiod_days = 7\nhorizon = 26\n",
}


def write_test_catalog(folder: Path, items_csv: str | None = None) -> Path:
    """Write the small test catalog into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in CATALOG_FILES.items():
        if name == "items.csv" and items_csv is not None:
            text = items_csv
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def load_test_catalog(folder: Path, items_csv: str | None = None) -> Catalog:
    return read_catalog(write_test_catalog(folder, items_csv))
