"""Catalog folder validation: one defect per case, asserting its code and location."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import InputError
from planner.io.catalog import read_catalog

GOOD = {
    "items.csv": "item_id,name,category,unit,unit_weight_t,integer,aliases\n"
    "jav,Javelin missile,anti_tank,missile,0.022,false,Javelin;FGM-148\n"
    "mig,MiG-29,aircraft,aircraft,0,true,\n",
    "donors.csv": "donor_id,name,budget_eur,corridors\nusa,United States,1000000,rail\n"
    "pl,Poland,,\n",
    "offers.csv": "offer_id,donor_id,item_id,quantity,unit_cost_eur,available_from,"
    "lead_periods,max_per_period\n"
    "o1,usa,jav,100,165600,2022-03-14,0,50\no2,pl,mig,4,0,W3,1,\n",
    "corridors.csv": "corridor_id,name,mode,capacity_t,transit_periods\n"
    "rail,Rail Przemyśl,rail,800,1\nair,Rzeszów air hub,air,100,0\n",
    "capacity_changes.csv": "corridor_id,from_period,to_period,capacity_t\nrail,6,8,0\n",
    "substitutes.csv": "item_id,substitute_id,factor\njav,mig,0.5\n",
    "planning.toml": "start = 2022-03-07\nhorizon = 26\n",
}


def write(folder: Path, **changes: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in {**GOOD, **changes}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def problems(folder: Path) -> list[tuple[str, str, int | None, str | None]]:
    with pytest.raises(InputError) as exc:
        read_catalog(folder)
    return [(i.code, Path(i.file).name, i.row, i.column) for i in exc.value.errors]


def test_good_catalog_reads(tmp_path: Path) -> None:
    cat = read_catalog(write(tmp_path / "c"))
    assert list(cat.items["item_id"]) == ["jav", "mig"]
    assert cat.items.loc[1, "integer"]
    assert cat.items.loc[0, "aliases"] == ["Javelin", "FGM-148"]
    assert cat.donors.loc[1, "budget_eur"] != cat.donors.loc[1, "budget_eur"]  # NaN: unlimited
    assert cat.donors.loc[0, "corridors"] == ("rail",)
    assert cat.offers.loc[1, "available_from"] == 3
    assert cat.planning["horizon"] == 26


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        (
            "offers.csv",
            GOOD["offers.csv"].replace("o1,usa,jav,100", "o1,usa,jav,ten"),
            ("bad-value", "offers.csv", 2, "quantity"),
        ),
        (
            "offers.csv",
            GOOD["offers.csv"].replace("o1,usa,jav,100", "o1,usa,jav,-5"),
            ("bad-value", "offers.csv", 2, "quantity"),
        ),
        (
            "offers.csv",
            GOOD["offers.csv"].replace("o2,pl,mig", "o2,atlantis,mig"),
            ("unknown-ref", "offers.csv", 3, "donor_id"),
        ),
        (
            "offers.csv",
            GOOD["offers.csv"].replace("o2,pl,mig", "o2,pl,f16"),
            ("unknown-ref", "offers.csv", 3, "item_id"),
        ),
        (
            "offers.csv",
            GOOD["offers.csv"].replace("o2,pl", "o1,pl"),
            ("duplicate-id", "offers.csv", 3, "offer_id"),
        ),
        (
            "offers.csv",
            GOOD["offers.csv"].replace("W3", "soon"),
            ("bad-value", "offers.csv", 3, "available_from"),
        ),
        (
            "items.csv",
            GOOD["items.csv"].replace("anti_tank", "tanks"),
            ("bad-value", "items.csv", 2, "category"),
        ),
        (
            "items.csv",
            GOOD["items.csv"].replace(",true,", ",maybe,"),
            ("bad-value", "items.csv", 3, "integer"),
        ),
        (
            "items.csv",
            GOOD["items.csv"].replace("aircraft,0,", "aircraft,nan,"),
            ("bad-value", "items.csv", 3, "unit_weight_t"),
        ),
        (
            "donors.csv",
            GOOD["donors.csv"].replace("1000000,rail", "1000000,rial"),
            ("unknown-ref", "donors.csv", 2, "corridors"),
        ),
        (
            "corridors.csv",
            GOOD["corridors.csv"].replace(",rail,800", ",train,800"),
            ("bad-value", "corridors.csv", 2, "mode"),
        ),
        (
            "corridors.csv",
            GOOD["corridors.csv"].replace("capacity_t", "capacity"),
            ("missing-column", "corridors.csv", 1, "capacity_t"),
        ),
        (
            "capacity_changes.csv",
            GOOD["capacity_changes.csv"].replace("6,8", "8,6"),
            ("bad-value", "capacity_changes.csv", 2, None),
        ),
        (
            "substitutes.csv",
            GOOD["substitutes.csv"].replace("0.5", "0"),
            ("bad-value", "substitutes.csv", 2, "factor"),
        ),
        (
            "substitutes.csv",
            GOOD["substitutes.csv"].replace("jav,mig", "jav,jav"),
            ("bad-value", "substitutes.csv", 2, "substitute_id"),
        ),
    ],
)
def test_one_defect(tmp_path: Path, file: str, text: str, expected: tuple[object, ...]) -> None:
    assert expected in problems(write(tmp_path / "c", **{file: text}))


def test_every_problem_is_collected(tmp_path: Path) -> None:
    """Three defects in three files: all three reported in one go."""
    folder = write(
        tmp_path / "c",
        **{
            "offers.csv": GOOD["offers.csv"].replace("o1,usa,jav,100", "o1,usa,jav,ten"),
            "items.csv": GOOD["items.csv"].replace("anti_tank", "tanks"),
            "corridors.csv": GOOD["corridors.csv"].replace(",rail,800", ",train,800"),
        },
    )
    found = {p[1] for p in problems(folder)}
    assert found == {"offers.csv", "items.csv", "corridors.csv"}


def test_missing_file_and_bad_planning(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "c", **{"planning.toml": "horizon = 60\nlate_penalty = 0.02\ncolour = 'red'\n"}
    )
    (folder / "corridors.csv").unlink()
    codes = {p[0] for p in problems(folder)}
    assert {"missing-file", "unknown-key", "bad-value"} <= codes


def test_unknown_ref_suggests_closest(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "c", **{"offers.csv": GOOD["offers.csv"].replace("o2,pl,mig", "o2,pl,mign")}
    )
    with pytest.raises(InputError) as exc:
        read_catalog(folder)
    assert "closest: mig" in str(exc.value)


# -- requires (DESIGN.md §2.1, §4.1) -------------------------------------------------------------

REQ_HEADER = "item_id,name,category,unit,unit_weight_t,integer,requires,aliases\n"


def items_with(mig: str, jav: str = "") -> str:
    return (
        REQ_HEADER
        + f"jav,Javelin missile,anti_tank,missile,0.022,true,{jav},Javelin\n"
        + f"mig,MiG-29,aircraft,aircraft,0,true,{mig},\n"
    )


def test_requires_reads_into_components(tmp_path: Path) -> None:
    """mig needs 4 jav per aircraft: components {mig: ((jav, 4.0),)}; jav is no system."""
    cat = read_catalog(write(tmp_path / "c", **{"items.csv": items_with('"jav:4"')}))
    assert cat.components() == {"mig": (("jav", 4.0),)}


@pytest.mark.parametrize(
    ("mig", "jav", "code"),
    [
        ("javv:4", "", "unknown-ref"),  # unknown item (closest: jav)
        ("jav:0", "", "bad-requires"),  # ρ must be > 0
        ("jav:-2", "", "bad-requires"),
        ("jav", "", "bad-requires"),  # no quantity
        ("jav:1.5", "", "bad-requires"),  # half a missile: jav is counted in whole units
        ("jav:1", "mig:1", "requires-cycle"),  # mig → jav → mig
        ("mig:1", "", "requires-cycle"),  # an item needing itself
    ],
)
def test_requires_defects_at_their_cell(tmp_path: Path, mig: str, jav: str, code: str) -> None:
    found = problems(write(tmp_path / "c", **{"items.csv": items_with(mig, jav)}))
    assert (code, "items.csv", 3, "requires") in found


@pytest.mark.parametrize("word", ["y", "x", "Yes", "1"])
def test_requires_whole_component_by_any_yes_word(tmp_path: Path, word: str) -> None:
    """jav marked integer with any word the reader takes for yes: 1.5 missiles per aircraft is
    still half a missile, [bad-requires] at mig's requires cell."""
    items = items_with("jav:1.5").replace("0.022,true,", f"0.022,{word},")
    found = problems(write(tmp_path / "c", **{"items.csv": items}))
    assert ("bad-requires", "items.csv", 3, "requires") in found
