"""What the sheet shows is what gets planned (DESIGN.md §2.2, §2.1a, §5 Input checks).

The failing inputs users sent (tests/data/cases/, copied from the shared case list) each
stand for a kind; the kind is tested on them end to end through the command line, and on
files from tests/data/make_bad_files.py one defect at a time. Expected values are worked out
in the comments.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.catalog import Catalog
from planner.cli import _register, app
from planner.errors import InputError, Issue, format_issues, issues_table
from planner.io.catalog import read_catalog
from planner.io.numbers import read_number, snap_whole
from planner.io.requests import read_requests
from planner.names import NameIndex, name_key
from planner.periods import AmbiguousDate, parse_time
from planner.validate import (
    check_capacity_horizon,
    check_capacity_overlaps,
    check_item_id_collisions,
    check_item_name_collisions,
    check_offer_zero,
)
from tests.fixtures_requests import BAD, DATA, GOOD, SETTINGS, load_test_catalog, write_test_catalog

ROOT = Path(__file__).resolve().parent.parent
CASES = DATA / "cases"
BAD_CSV = DATA / "bad-csv"
DEFAULT_CATALOG = ROOT / "catalogs" / "default"

_register()
runner = CliRunner()


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return load_test_catalog(tmp_path_factory.mktemp("catalog"))


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def plan_json(*args: str) -> dict[str, object]:
    """Run ``aidplan plan … --json`` and return the JSON (exit 0 asserted)."""
    result = runner.invoke(app, ["plan", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def refused(*args: str) -> str:
    """Run a command that must refuse its input: exit 2, no traceback; returns stderr."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.stderr


def codes_at(stderr: str) -> list[str]:
    """The [code] of every listed problem line."""
    return [
        line.rsplit("[", 1)[1].rstrip("]") for line in stderr.splitlines() if line.endswith("]")
    ]


# -- hidden content -------------------------------------------------------------------------


def test_hidden_rows_and_sheets_are_not_planned(in_tmp: Path) -> None:
    case = CASES / "hidden-rows-and-sheets"
    data = plan_json(str(case / "req.xlsx"), "--catalog", str(case / "catalog"))
    requests = {r["request_id"]: r for r in data["requests"]}  # type: ignore[attr-defined]
    # only the visible lines: R1 (100 tents) and R3 (50 tents), both met from the 500 offered;
    # R2 and R4 are hidden by the autofilter, M1/M2 sit on the hidden sheet "March (old)"
    assert sorted(requests) == ["R1", "R3"]
    assert requests["R1"]["delivered"] == 100 and requests["R3"]["delivered"] == 50
    warned = {(w["code"], w["sheet"], w["row"]) for w in data["warnings"]}  # type: ignore[attr-defined]
    assert {
        ("hidden-row", "Requests", 3),
        ("hidden-row", "Requests", 5),
        ("hidden-sheet", "March (old)", None),
    } <= warned


def test_include_hidden_reads_them(in_tmp: Path) -> None:
    case = CASES / "hidden-rows-and-sheets"
    data = plan_json(str(case / "req.xlsx"), "--catalog", str(case / "catalog"), "--include-hidden")
    ids = sorted(r["request_id"] for r in data["requests"])  # type: ignore[attr-defined]
    assert ids == ["M1", "M2", "R1", "R2", "R3", "R4"]


def test_hidden_column_never_stands_in_for_the_visible_one(in_tmp: Path) -> None:
    # the hidden "Quantity" column (J) holds half of every visible "Qty" (C)
    data = plan_json(str(CASES / "ministry-workbook" / "hidden-qty-col.xlsx"))
    qty = {r["request_id"]: r["quantity"] for r in data["requests"]}  # type: ignore[attr-defined]
    assert qty["UA-MOD-001"] == 500 and qty["UA-MOD-002"] == 30000
    (hidden,) = [w for w in data["warnings"] if w["code"] == "hidden-column"]  # type: ignore[attr-defined]
    assert hidden["column"] == 'J "Quantity"'


def test_hidden_content_file(catalog: Catalog) -> None:
    result = read_requests(GOOD / "hidden-content.xlsx", catalog, SETTINGS)
    # visible: R-1 (Qty 10, not the hidden Quantity 5) and R-3; R-2 is filtered out
    assert result.table[["request_id", "quantity"]].values.tolist() == [["R-1", 10.0], ["R-3", 2.0]]
    codes = sorted(w.code for w in result.warnings)
    assert codes == ["default-priority", "hidden-column", "hidden-row", "hidden-sheet"]
    # read with --include-hidden: the visible Qty still wins over the hidden Quantity
    wide = read_requests(
        GOOD / "hidden-content.xlsx", catalog, SETTINGS.model_copy(update={"include_hidden": True})
    )
    assert wide.table[["request_id", "quantity"]].values.tolist() == [
        ["R-1", 10.0],
        ["R-2", 7.0],
        ["R-3", 2.0],
        ["Helper-2", 1000.0],
    ]
    ignored = [w for w in wide.warnings if w.code == "column-ignored"]
    assert [w.column for w in ignored] == ['D "Quantity"']


# -- headers, sheets, items -----------------------------------------------------------------


def test_ministry_sheet_with_synonym_headers_is_read() -> None:
    # "Item description" / "Qty requested": read; what stops the plan is real cell problems
    stderr = refused("plan", str(CASES / "ministry-workbook" / "ua-mod-request.xlsx"))
    codes = codes_at(stderr)
    assert "unrecognised-sheet" not in codes and "no-header" not in codes
    assert 'MoD request 17-2022 › row 15 › B "Item description": unknown item' in stderr
    assert "Starlink terminals" in stderr
    assert 'row 13 › F "Required by"' in stderr and "names a month, not a day" in stderr


def test_generated_ministry_workbook_plans_exactly_its_visible_lines(in_tmp: Path) -> None:
    cat = write_test_catalog(in_tmp / "catalog")
    data = plan_json(str(GOOD / "ministry-workbook.xlsx"), "--catalog", str(cat))
    got = [
        (r["request_id"], r["item_id"], r["quantity"], r["priority"], r["needed_by"])
        for r in data["requests"]  # type: ignore[attr-defined]
    ]
    # start 2025-03-03 (Monday), weeks: a date d is period (d - start).days // 7 + 1
    assert got == [
        ("MOD-1", "javelin", 40, 1, 4),  # 2025-03-24: day 21 -> 4
        ("MOD-2", "shell_155", 3000, 2, 7),  # "15.04.2025" day first: day 43 -> 7
        ("MOD-3", "diesel", 12.5, 3, 7),  # "12,5": decimal comma; 2025-W16 = 14 April -> 7
        ("MOD-4", "generator", 4, 2, 10),  # W10 = plan week 10
        ("UA-1", "first_aid", 200, 2, 9),  # "30/04/2025": 30 > 12, day first: day 58 -> 9
        ("UA-2", "first_aid", 100, 1, 6),  # 2025-04-07: day 35 -> 6
        ("UA-3", "diesel", 2000.5, 4, 20),  # "2 000,5"; "week 20"
    ]
    codes = sorted(w["code"] for w in data["warnings"])  # type: ignore[attr-defined]
    assert codes.count("total-row") == 3  # TOTAL, Signed:, Всього
    assert {"hidden-row", "hidden-column", "hidden-sheet"} <= set(codes)


def test_unrecognised_sheet_names_headers_found_and_expected(
    catalog: Catalog, tmp_path: Path
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Item", "Qty"])
    ws.append(["IFAK", 2])
    other = wb.create_sheet("Extra")
    other.append(["Thing", "How many"])
    other.append(["Javelin missile", 5])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(InputError) as info:
        read_requests(tmp_path / "x.xlsx", catalog, SETTINGS)
    (error,) = info.value.errors
    assert (error.code, error.sheet) == ("unrecognised-sheet", "Extra")
    assert '"Thing", "How many"' in error.message and "quantity column" in error.message


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("M777  Howitzers", "M777 howitzer"),
        ("Food parcels", "food parcel"),
        ("155mm shells", "155 mm shell"),
        ("Javelin\u200b missile", "javelin missile"),  # zero-width space
        ("Jave\u00adlin missile", "Javelin missile"),  # soft hyphen
        ("ＩＦＡＫ", "IFAK"),  # full-width letters (NFKC)
        ("first-aid kits", "First aid kit"),
        ("Boxes", "box"),
        ("Batteries", "battery"),
    ],
)
def test_item_keys_fold_what_people_type(text: str, same_as: str) -> None:
    assert name_key(text) == name_key(same_as)


def test_keep_unknown_reports_the_line_unmet(in_tmp: Path) -> None:
    cat = write_test_catalog(in_tmp / "catalog")
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Request ID", "Item", "Qty", "Priority"])
    ws.append(["R-1", "Javelin missile", 10, "high"])
    ws.append(["R-2", "Starlink terminal", 500, "critical"])
    wb.save(in_tmp / "req.xlsx")
    stderr = refused("plan", "req.xlsx", "--catalog", str(cat))
    assert "[unknown-item]" in stderr and "--keep-unknown" in stderr
    data = plan_json("req.xlsx", "--catalog", str(cat), "--keep-unknown")
    rows = {r["request_id"]: r for r in data["requests"]}  # type: ignore[attr-defined]
    assert rows["R-1"]["status"] == "met"  # 10 of the 100 offered
    assert (rows["R-2"]["status"], rows["R-2"]["reason"]) == ("unmet", "not in the catalog")
    assert (rows["R-2"]["quantity"], rows["R-2"]["delivered"], rows["R-2"]["unmet"]) == (
        500,
        0,
        500,
    )
    assert data["summary"]["priority 1 lines unmet"] == 1  # type: ignore[index]
    assert data["summary"]["request lines"] == 2  # type: ignore[index]
    # The headline counts the kept line like the figures below it: 1 of 2 lines met, and the
    # critical R-2 is short (it said "1 of 1 … every critical line is met" before).
    plan = str(data["summary"]["plan"])  # type: ignore[index]
    assert plan.startswith("The plan meets 1 of 2 request lines in full (1 on time)"), plan
    assert plan.endswith("; 1 critical line not met in full and on time."), plan
    # The printed list puts the unmet critical line first.
    res = runner.invoke(app, ["plan", "req.xlsx", "--catalog", str(cat), "--keep-unknown"])
    listed = res.output.split("not met in full and on time (most important first):")[1]
    assert listed.split()[0] == "R-2", res.output


# -- numbers and dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("1000", None, 1000.0),
        ("1 000", None, 1000.0),
        ("1\u00a0000", None, 1000.0),  # no-break space
        ("1,000.5", None, 1000.5),
        ("1.000,5", None, 1000.5),
        ("12,5", None, 12.5),  # comma the only separator, not 3 digits after it
        ("0,050", None, 0.05),  # a leading 0 is never a thousands group
        ("1.000.000", None, 1e6),
        ("1.000", ",", 1000.0),  # settled: the dot is a thousands separator
        ("1.000", ".", 1.0),
        ("1,000", ",", 1.0),
    ],
)
def test_text_numbers_with_one_reading(text: str, decimal: str | None, value: float) -> None:
    assert read_number(text, decimal).value == value


@pytest.mark.parametrize("text", ["1.000", "1,000", "250,000"])
def test_text_numbers_with_two_readings(text: str) -> None:
    r = read_number(text)
    assert r.value is None and r.readings is not None


def test_ambiguous_number_is_refused_naming_both_readings() -> None:
    stderr = refused("plan", str(CASES / "ministry-workbook" / "qty-1.000-euro.xlsx"))
    assert 'row 12 › C "Qty"' in stderr and "[ambiguous-number]" in stderr
    assert "1 (decimal point) or 1000 (thousands separator)" in stderr


def test_decimal_separator_setting_settles_it(catalog: Catalog) -> None:
    settled = SETTINGS.model_copy(update={"decimal_separator": "."})
    result = read_requests(BAD / "ambiguous-number.xlsx", catalog, settled)
    assert result.table["quantity"].tolist() == [1000.0]  # "1,000" with a decimal point


def test_float_noise_on_whole_units_is_absorbed() -> None:
    # 100 × 0.07 = 7.000000000000001 and 100 × 0.29 = 28.999999999999996 (saved by Excel)
    assert snap_whole(7.000000000000001) == 7 and snap_whole(28.999999999999996) == 29
    assert snap_whole(7.5) == 7.5 and snap_whole(7.00001) == 7.00001
    case = CASES / "float-noise-whole-units"
    result = runner.invoke(
        app, ["validate", str(case / "req.xlsx"), "--catalog", str(case / "catalog")]
    )
    assert result.exit_code == 0, result.output
    cat = read_catalog(case / "catalog")
    table = read_requests(case / "req.xlsx", cat, SETTINGS).table
    assert table["quantity"].tolist() == [7.0, 29.0, 300.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-W12", dt.date(2022, 3, 21)),  # ISO week 12 of 2022 starts Monday 21 March
        ("W12", 12),
        ("week 12", 12),
        ("15.04.2022", dt.date(2022, 4, 15)),
        ("05.04.2022", dt.date(2022, 4, 5)),  # a dot: day first
        ("15/04/2022", dt.date(2022, 4, 15)),  # 15 > 12: day first
        ("04/15/2022", dt.date(2022, 4, 15)),  # 15 > 12 in second place: month first
        ("2022-04-15", dt.date(2022, 4, 15)),
    ],
)
def test_dates_with_one_reading(text: str, expected: object) -> None:
    assert parse_time(text) == expected


def test_dates_with_two_readings_and_the_setting() -> None:
    with pytest.raises(AmbiguousDate) as info:
        parse_time("04/05/2022")
    assert "04 May 2022 (day first) or 05 April 2022 (month first)" in str(info.value)
    assert parse_time("04/05/2022", "day-first") == dt.date(2022, 5, 4)
    assert parse_time("04/05/2022", "month-first") == dt.date(2022, 4, 5)


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("ambiguous-date.xlsx", "ambiguous-date", "two readings"),
        ("nonexistent-date.xlsx", "bad-date", "April 2025 has 30 days"),
        ("week-in-date-cell.xlsx", "bad-date", "write W12"),
        ("unit-in-cell.xlsx", "unit-in-cell", '"500 pcs"'),
        ("ambiguous-number.xlsx", "ambiguous-number", "two readings"),
    ],
)
def test_cell_with_no_or_two_readings(name: str, code: str, words: str, catalog: Catalog) -> None:
    with pytest.raises(InputError) as info:
        read_requests(BAD / name, catalog, SETTINGS)
    (error,) = info.value.errors
    assert (error.code, error.sheet, error.row) == (code, "Requests", 2)
    assert words in error.message


def test_needed_by_after_horizon_is_a_warning(catalog: Catalog, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Item", "Qty", "Priority", "Needed by"])
    ws.append(["IFAK", 2, 1, "W40"])  # horizon 26
    wb.save(tmp_path / "late.xlsx")
    result = read_requests(tmp_path / "late.xlsx", catalog, SETTINGS)
    assert result.table["needed_by"].isna().all()
    assert [w.code for w in result.warnings] == ["deadline-after-horizon"]


def test_totals_and_signatures_in_any_column_are_skipped(catalog: Catalog, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["No", "Item", "Qty", "Priority"])
    ws.append(["R-1", "IFAK", 2, 1])
    ws.append(["Разом", None, 2, None])  # Ukrainian "total" in the id column
    ws.append([None, None, None, "Approved: J. Smith"])
    ws.append(["Всього"])
    wb.save(tmp_path / "t.xlsx")
    result = read_requests(tmp_path / "t.xlsx", catalog, SETTINGS)
    assert result.table["request_id"].tolist() == ["R-1"]
    assert [(w.code, w.row) for w in result.warnings] == [
        ("total-row", 3),
        ("total-row", 4),
        ("total-row", 5),
    ]


def test_empty_priority_is_3_with_one_warning_per_sheet(catalog: Catalog, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Item", "Qty", "Пріоритет"])
    ws.append(["IFAK", 2, None])
    ws.append(["IFAK", 3, "високий"])
    ws.append(["IFAK", 4, None])
    wb.save(tmp_path / "p.xlsx")
    result = read_requests(tmp_path / "p.xlsx", catalog, SETTINGS)
    assert result.table["priority"].tolist() == [3, 2, 3]
    (warning,) = result.warnings
    assert warning.code == "default-priority" and "2 line(s)" in warning.message


# -- catalog CSV files ----------------------------------------------------------------------


def test_semicolon_csv_with_decimal_commas_is_read_with_a_warning(in_tmp: Path) -> None:
    case = CASES / "csv-semicolon-decimal-comma"
    cat = read_catalog(case / "catalog")
    tent = cat.items.set_index("item_id").loc["tent"]
    assert tent["unit_weight_t"] == 0.05  # "0,05"
    assert cat.items.set_index("item_id").loc["water", "aliases"] == ["Water", "Water pallet"]
    warned = sorted(Path(w.file).name for w in cat.warnings if w.code == "semicolon-csv")
    assert warned == ["corridors.csv", "items.csv"]  # donors/offers use commas
    result = runner.invoke(app, ["catalog", "--catalog", str(case / "catalog")])
    assert result.exit_code == 0 and "semicolon-csv" in result.stdout
    # variant B: commas between cells, a quoted "0,05" (one reading)
    b = read_catalog(case / "variantB" / "catalog")
    assert b.items.set_index("item_id").loc["tent", "unit_weight_t"] == 0.05
    assert not b.warnings
    data = plan_json(str(case / "req.xlsx"), "--catalog", str(case / "catalog"))
    assert data["summary"]["status"] == "optimal"  # type: ignore[index]


def test_cp1252_csv_is_one_error_saying_save_as_utf8(in_tmp: Path) -> None:
    case = CASES / "csv-cp1252"
    stderr = refused("plan", str(case / "req.xlsx"), "--catalog", str(case / "catalog"))
    # one error, at the file and line, and no "unknown corridor" that follows from it
    assert codes_at(stderr) == ["not-utf8"]
    assert "corridors.csv › row 2" in stderr and 'save it from Excel as "CSV UTF-8' in stderr


@pytest.mark.parametrize(
    ("folder", "file", "code", "row", "column"),
    [
        ("cp1252", "corridors.csv", "not-utf8", 2, None),
        ("utf16", "corridors.csv", "not-utf8", None, None),
        ("control-character", "corridors.csv", "control-character", 2, "name"),
        ("vertical-tab", "corridors.csv", "control-character", 2, "name"),
        ("duplicate-header", "corridors.csv", "duplicate-column", 1, "capacity_t"),
        ("empty-header", "corridors.csv", "empty-column-header", 1, "column 5"),
        ("overlapping-changes", "capacity_changes.csv", "overlapping-changes", 3, "from_period"),
        ("far-date", "offers.csv", "bad-value", 2, "available_from"),
        ("ambiguous-number", "offers.csv", "ambiguous-number", 2, "quantity"),
    ],
)
def test_bad_catalog_csv_is_refused_at_its_cell(
    folder: str, file: str, code: str, row: int | None, column: str | None, tmp_path: Path
) -> None:
    cat = write_test_catalog(tmp_path / "catalog")
    shutil.copy(BAD_CSV / folder / file, cat / file)
    with pytest.raises(InputError) as info:
        read_catalog(cat)
    (error,) = info.value.errors
    assert (error.code, Path(error.file).name, error.row, error.column) == (code, file, row, column)


def test_csv_as_excel_writes_it(tmp_path: Path) -> None:
    cat = write_test_catalog(tmp_path / "catalog")
    # BOM, CRLF, a quoted line break, thousands separators with one reading
    (cat / "donors.csv").write_bytes(
        "\ufeffdonor_id,name,budget_eur,corridors\r\n"
        'usa,"United\nStates","1,000,000.50",\r\n'
        "pl,Poland,2 500 000,\r\n".encode()
    )
    donors = read_catalog(cat).donors.set_index("donor_id")
    assert donors.loc["usa", "name"] == "United\nStates"
    assert donors.loc["usa", "budget_eur"] == 1_000_000.5
    assert donors.loc["pl", "budget_eur"] == 2_500_000


def test_over_long_field_is_refused(tmp_path: Path) -> None:
    cat = write_test_catalog(tmp_path / "catalog")
    (cat / "donors.csv").write_text(
        "donor_id,name,budget_eur,corridors\nusa," + "x" * 200_000 + ",,\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        read_catalog(cat)
    assert [i.code for i in info.value.errors] == ["bad-csv"]


@pytest.mark.parametrize(
    ("case", "code", "column"),
    [
        ("dup-alias-req", "ambiguous-name", "aliases"),  # "h2o" names water and water_b
        ("dup-item-case", "ambiguous-id", "item_id"),  # WATER / water
        ("dup-item-name-req", "ambiguous-name", "name"),  # "Water pallet" twice
    ],
)
def test_ambiguous_catalog_items_are_refused(
    case: str, code: str, column: str, in_tmp: Path
) -> None:
    folder = CASES / "catalog-ambiguous-items" / case
    stderr = refused("plan", str(folder / "requests.xlsx"), "--catalog", str(folder / "catalog"))
    assert f"items.csv › row 5 › {column}: " in stderr and f"[{code}]" in stderr


@pytest.mark.parametrize(
    ("case", "code", "where"),
    [
        ("dup-header", "duplicate-column", "corridors.csv › row 1 › capacity_t"),
        ("empty-header-col", "empty-column-header", "corridors.csv › row 1 › column 5"),
    ],
)
def test_duplicate_or_empty_csv_header_is_refused(
    case: str, code: str, where: str, in_tmp: Path
) -> None:
    folder = CASES / "csv-duplicate-column" / case
    stderr = refused("plan", str(folder / "requests.xlsx"), "--catalog", str(folder / "catalog"))
    assert codes_at(stderr) == [code] and where in stderr


@pytest.mark.parametrize(
    ("catalog_dir", "where"),
    [
        ("catalog", "donors.csv › row 3 › name"),  # U+001F in "Donor\x1fTwo"
        ("vt/catalog", "corridors.csv › row 2 › name"),  # a vertical tab inside a name
    ],
)
def test_control_characters_refused_before_solving(
    catalog_dir: str, where: str, in_tmp: Path
) -> None:
    case = CASES / "control-characters"
    stderr = refused("plan", str(case / "req.xlsx"), "--catalog", str(case / catalog_dir))
    assert codes_at(stderr) == ["control-character"] and where in stderr
    assert not (in_tmp / "outputs").exists()  # nothing written
    if catalog_dir == "catalog":  # shown once escaped, not as Python's repr of the escape
        assert "“Donor\\x1fTwo”" in stderr and "\\\\x1f" not in stderr


# -- catalog cross-checks (planner.validate) ------------------------------------------------


def test_check_item_collisions() -> None:
    items = pd.DataFrame(
        {
            "item_id": ["water", "WATER", "tent"],
            "name": ["Water pallet", "Water pallets", "Tent"],
            "aliases": [["H2O"], [], ["water"]],
            "row": [2, 3, 4],
        }
    )
    ids = check_item_id_collisions(items, "items.csv")
    assert [(i.code, i.row) for i in ids] == [("ambiguous-id", 3)]
    names = check_item_name_collisions(items, "items.csv")
    # row 3: its name folds to row 2's; row 4: alias "water" is item water's id
    assert [(i.code, i.row, i.column) for i in names] == [
        ("ambiguous-name", 3, "name"),
        ("ambiguous-name", 4, "aliases"),
    ]


def test_check_capacity_changes() -> None:
    changes = pd.DataFrame(
        {
            "corridor_id": ["rail", "rail", "rail", "road"],
            "from_period": [2, 6, 5, 30],
            "to_period": [4, 8, 5, 31],
            "row": [2, 3, 4, 5],
        }
    )
    # rail 2–4 and 6–8 do not overlap; 5–5 fits between them; road 30–31 after horizon 26
    assert check_capacity_overlaps(changes, "c.csv") == []
    late = check_capacity_horizon(changes, "c.csv", horizon=26)
    assert [(i.severity, i.row) for i in late] == [("warning", 5)]
    clash = pd.concat(
        [
            changes,
            pd.DataFrame(
                {"corridor_id": ["rail"], "from_period": [4], "to_period": [6], "row": [6]}
            ),
        ]
    )
    # 4–6 overlaps 2–4 (period 4) and 6–8 (period 6); reported at the later-starting rows
    assert [i.row for i in check_capacity_overlaps(clash, "c.csv")] == [6, 4, 3]


def test_offer_quantity_zero_is_a_warning(tmp_path: Path) -> None:
    cat = write_test_catalog(tmp_path / "catalog")
    (cat / "offers.csv").write_text(
        "offer_id,donor_id,item_id,quantity\no1,usa,javelin,0\n", encoding="utf-8"
    )
    read = read_catalog(cat)
    assert read.offers["quantity"].tolist() == [0.0]
    assert [w.code for w in read.warnings] == ["offer-empty"]
    assert (
        check_offer_zero(pd.DataFrame({"offer_id": ["a"], "quantity": [1.0], "row": [2]}), "f")
        == []
    )


# -- output: counts, caps, Input checks -----------------------------------------------------


def test_problems_are_counted_apart_and_capped() -> None:
    issues = [Issue("bad-date", "f.xlsx", "x", "S", r) for r in range(1, 251)]
    issues.append(Issue("total-row", "f.xlsx", "y", "S", 300, severity="warning"))
    text = format_issues(issues)
    lines = text.splitlines()
    assert lines[0] == "250 error(s): 250 bad-date; 1 warning(s): 1 total-row"
    assert len(lines) == 1 + 200 + 2
    assert lines[-2:] == ["… and 50 more of kind bad-date", "… and 1 more of kind total-row"]


def test_input_checks_sheet_and_json_warnings(in_tmp: Path) -> None:
    case = CASES / "hidden-rows-and-sheets"
    result = runner.invoke(
        app, ["plan", str(case / "req.xlsx"), "--catalog", str(case / "catalog"), "--out", "p.xlsx"]
    )
    assert result.exit_code == 0, result.output
    assert "4 warning(s)" in result.output and "[hidden-sheet]" in result.output
    wb = openpyxl.load_workbook(in_tmp / "p.xlsx", read_only=True)
    rows = list(wb["Input checks"].iter_rows(values_only=True))
    assert rows[0] == ("File", "Sheet", "Row", "Column", "Code", "Message")  # plain words (§5)
    assert sorted(r[4] for r in rows[1:]) == [
        "hidden-row",
        "hidden-row",
        "hidden-sheet",
        "unknown-header",
    ]
    table = issues_table([Issue("a", "f", "m", "S", 3, "B", "warning")])
    assert table.values.tolist() == [["f", "S", 3, "B", "a", "m"]]


def test_warning_text_from_input_is_escaped(in_tmp: Path) -> None:
    cat = write_test_catalog(in_tmp / "catalog")
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Item", "Qty", "Priority", "[red]boom[/red]"])
    ws.append(["IFAK", 2, 1, "x"])
    wb.save(in_tmp / "m.xlsx")
    result = runner.invoke(app, ["plan", "m.xlsx", "--catalog", str(cat), "--out", "p.xlsx"])
    assert result.exit_code == 0, result.output
    assert "[red]boom[/red]" in result.output  # shown as typed, not as markup


# -- the closest-name search ----------------------------------------------------------------


def test_closest_names_are_fast_on_a_large_catalog() -> None:
    words = ["missile", "launcher", "shell", "generator", "kit", "tent", "water", "radar"]
    pairs = []
    for i in range(200_000):
        item = f"item_{i:06d}"
        pairs += [(item, item), (f"{words[i % 8]} {words[(i // 8) % 8]} model {i}", item)]
    index = NameIndex(pairs)
    # CPU time, not wall time: the machine may be shared with other jobs
    t0 = time.process_time()
    index.prepare()  # the trigram index: built once, at the first unknown reference
    build_s = time.process_time() - t0
    queries = [f"misile launchr modle {i * 9973}" for i in range(10)]
    queries += [f"item_{i * 7919:06d}x" for i in range(10)]
    t0 = time.process_time()
    found = [index.closest(q) for q in queries]
    query_s = time.process_time() - t0
    assert query_s < 1.0, query_s
    assert build_s < 3.0, build_s
    assert found[10][0] == "item_000000"  # "item_000000x" minus its typo
    assert all(found)


def test_catalog_planning_toml_may_settle_dates(tmp_path: Path) -> None:
    from planner.api import base_settings

    folder = write_test_catalog(tmp_path / "catalog")
    with (folder / "planning.toml").open("a", encoding="utf-8") as fh:
        fh.write('date_order = "month-first"\n')
    cat = read_catalog(folder)
    # "04/05/2025" month first: 5 April 2025, day 33 after 2025-03-03 -> period 5
    result = read_requests(BAD / "ambiguous-date.xlsx", cat, base_settings(cat))
    assert result.table["needed_by"].tolist() == [5]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(
            alphabet=st.sampled_from(list(',;\t"\r\n\x0b\x1f 0,.5a\u00e9\u200b')), max_size=200
        ).map(lambda t: ("corridor_id,name,mode,capacity_t\n" + t).encode()),
    )
)
def test_any_corridors_file_is_read_or_refused(data: bytes, tmp_path: Path) -> None:
    cat = write_test_catalog(tmp_path / "fuzz")
    (cat / "corridors.csv").write_bytes(data)
    try:
        read_catalog(cat)
    except InputError as exc:
        assert exc.errors


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("0123456789.,' -+eEWw/:\u00a0pcs")), max_size=14))
def test_number_and_date_texts_never_crash(text: str) -> None:
    r = read_number(text)
    assert (r.value is not None) + (r.readings is not None) + (r.problem is not None) == 1
    with contextlib.suppress(ValueError):  # a ValueError says why; anything else is a bug
        parse_time(text)
