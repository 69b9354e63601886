"""Catalog columns of `aidplan stress` (DESIGN.md §2.1): reliability, delay_periods, status.

Each defect is reported at its file, row and column with a stable code; omitted columns take
their defaults (reliability 1, delay 0, status committed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import InputError
from planner.io.catalog import read_catalog

BASE = {
    "items.csv": "item_id,name,category,unit,unit_weight_t,integer,aliases\n"
    "kit,Food kit,humanitarian,kit,0.016,false,\n",
    "donors.csv": "donor_id,name,budget_eur,corridors,reliability,delay_periods\n"
    "a,Donor A,,,0.8,2\nb,Donor B,,,,\n",
    "offers.csv": "offer_id,donor_id,item_id,quantity,status\n"
    "o1,a,kit,10,announced\no2,b,kit,20,\no3,b,kit,5,delivered\n",
    "corridors.csv": "corridor_id,name,mode,capacity_t\nroad,Road,road,100\n",
}


def write(folder: Path, **changes: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in {**BASE, **changes}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_columns_and_defaults(tmp_path: Path) -> None:
    cat = read_catalog(write(tmp_path / "c"))
    assert cat.donors["reliability"].tolist() == [0.8, 1.0]
    assert cat.donors["delay_periods"].tolist() == [2.0, 0.0]
    assert cat.offers["status"].tolist() == ["announced", "committed", "delivered"]


def test_catalog_without_the_columns_reads_with_defaults(tmp_path: Path) -> None:
    cat = read_catalog(
        write(
            tmp_path / "c",
            **{
                "donors.csv": "donor_id,name\na,Donor A\nb,Donor B\n",
                "offers.csv": "offer_id,donor_id,item_id,quantity\no1,a,kit,10\n",
            },
        )
    )
    assert cat.donors["reliability"].tolist() == [1.0, 1.0]
    assert cat.offers["status"].tolist() == ["committed"]


@pytest.mark.parametrize(
    ("file", "text", "row", "column"),
    [
        ("donors.csv", BASE["donors.csv"].replace(",0.8,2", ",1.2,2"), 2, "reliability"),
        ("donors.csv", BASE["donors.csv"].replace(",0.8,2", ",-0.1,2"), 2, "reliability"),
        ("donors.csv", BASE["donors.csv"].replace(",0.8,2", ",high,2"), 2, "reliability"),
        ("donors.csv", BASE["donors.csv"].replace(",0.8,2", ",0.8,-1"), 2, "delay_periods"),
        ("offers.csv", BASE["offers.csv"].replace("announced", "pledged"), 2, "status"),
    ],
)
def test_bad_value_at_its_cell(tmp_path: Path, file: str, text: str, row: int, column: str) -> None:
    with pytest.raises(InputError) as exc:
        read_catalog(write(tmp_path / "c", **{file: text}))
    found = [(i.code, Path(i.file).name, i.row, i.column) for i in exc.value.errors]
    assert ("bad-value", file, row, column) in found
