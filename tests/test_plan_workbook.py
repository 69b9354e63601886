"""The plan workbook as a person reads it (DESIGN.md §5): statuses, dates, units, substitutes,
donors per category, plain-word headers, number formats, print setup, charts, formula-like text.

One tiny plan, worked out by hand. Start Monday 2022-03-07, weekly periods, horizon 4, one road
corridor without limit or transit, every offer free, default priority weights:

- R1: 5 a (kit) needed by week 1; offer o1 has 10 a ready week 3 -> all 5 arrive week 3,
  2 weeks late: "met late".
- R2: 4 b (kit) needed by week 2; o2 has 4 b ready week 1 -> "met".
- R3: 6 c (box), no deadline; o3 has 3 c -> 3 of 6: "partly met".
- R4: 6 d (box) needed by week 1; o4 has 2 d ready week 3 -> 2 of 6, late: "partly met late".
- R5: 2 e (kit); no offer -> "unmet".
- R6: 600 jav (Javelin); o6 has 1,200 nlaw (NLAW), one NLAW covers 0.5 Javelin ->
  "1,200 NLAW for 600 Javelin", "met".

Donors: d1 sends a, b, c -> humanitarian 5 + 4 = 9 units, medical 3; d2 sends d, nlaw ->
medical 2, anti tank 1,200.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from planner.api import solve_and_report
from planner.data import build_planning_data
from planner.io.plan_workbook import (
    plan_sheets,
    read_plan_workbook,
    sheets_to_json,
    write_workbook,
)
from planner.model import build_model
from planner.results import PlanResult, line_status
from planner.schema import Settings
from tests.factories import START, make_catalog, make_requests

ITEMS = [
    {"item_id": "a", "unit_weight_t": 1.0, "unit": "kit", "category": "humanitarian"},
    {"item_id": "b", "unit_weight_t": 1.0, "unit": "kit", "category": "humanitarian"},
    {"item_id": "c", "unit_weight_t": 1.0, "unit": "box", "category": "medical"},
    {"item_id": "d", "unit_weight_t": 1.0, "unit": "box", "category": "medical"},
    {"item_id": "e", "unit_weight_t": 1.0, "unit": "kit", "category": "medical"},
    {"item_id": "jav", "name": "Javelin", "unit_weight_t": 0.0, "unit": "missile",
     "category": "anti_tank", "integer": True},
    {"item_id": "nlaw", "name": "NLAW", "unit_weight_t": 0.0, "unit": "launcher",
     "category": "anti_tank", "integer": True},
]  # fmt: skip
OFFERS = [
    {"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10, "available_from": 3},
    {"offer_id": "o2", "donor_id": "d1", "item_id": "b", "quantity": 4, "available_from": 1},
    {"offer_id": "o3", "donor_id": "d1", "item_id": "c", "quantity": 3, "available_from": 1},
    {"offer_id": "o4", "donor_id": "d2", "item_id": "d", "quantity": 2, "available_from": 3},
    {"offer_id": "o6", "donor_id": "d2", "item_id": "nlaw", "quantity": 1200, "available_from": 1},
]
REQUESTS = [
    {"request_id": "R1", "item_id": "a", "quantity": 5, "priority": 1, "needed_by": 1},
    {"request_id": "R2", "item_id": "b", "quantity": 4, "priority": 2, "needed_by": 2},
    {"request_id": "R3", "item_id": "c", "quantity": 6, "priority": 3},
    {"request_id": "R4", "item_id": "d", "quantity": 6, "priority": 2, "needed_by": 1},
    {"request_id": "R5", "item_id": "e", "quantity": 2, "priority": 4},
    {"request_id": "R6", "item_id": "jav", "quantity": 600, "priority": 1},
]


def tiny_plan() -> PlanResult:
    cat = make_catalog(
        items=ITEMS,
        donors=[{"donor_id": "d1"}, {"donor_id": "d2"}],
        offers=OFFERS,
        corridors=[{"corridor_id": "c1", "capacity_t": 1e6}],
        substitutes=[{"item_id": "jav", "substitute_id": "nlaw", "factor": 0.5}],
    )
    s = Settings(start=START, horizon=4)
    model = build_model(build_planning_data(cat, make_requests(REQUESTS), s))
    return solve_and_report(model, s)


INPUTS = pd.DataFrame(
    [
        {"kind": "catalog", "name": "items.csv", "path": "/x/catalogs/spring/items.csv",
         "sha256": "", "value": ""},
        {"kind": "requests", "name": "march.xlsx", "path": "/x/march.xlsx", "sha256": "",
         "value": ""},
        {"kind": "setting", "name": "start", "path": "", "sha256": "", "value": START},
        {"kind": "setting", "name": "period_days", "path": "", "sha256": "", "value": 7},
        {"kind": "setting", "name": "horizon", "path": "", "sha256": "", "value": 4},
        {"kind": "scenario", "name": "name", "path": "", "sha256": "", "value": "rail cut"},
    ]
)  # fmt: skip


@pytest.fixture(scope="module")
def result() -> PlanResult:
    return tiny_plan()


@pytest.fixture(scope="module")
def book(result: PlanResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "plan.xlsx"
    write_workbook(path, plan_sheets(result, INPUTS))
    return path


def rows_of(ws: Any) -> list[dict[str, Any]]:
    """Data rows as {header: cell} (header in row 1)."""
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2)]


def test_statuses_dates_units_and_substitutes(result: PlanResult) -> None:
    req = result.requests.set_index("request_id")
    assert req["status"].to_dict() == {
        "R1": "met late",
        "R2": "met",
        "R3": "partly met",
        "R4": "partly met late",
        "R5": "unmet",
        "R6": "met",
    }
    r1 = req.loc["R1"]
    assert int(r1["late_periods"]) == 2  # arrives week 3, needed by week 1
    assert r1["needed_by_date"] == dt.date(2022, 3, 13)  # last day of week 1
    assert r1["first_arrival_date"] == dt.date(2022, 3, 21)  # first day of week 3
    assert r1["unit"] == "kit"
    assert (req.loc["R3", "delivered"], req.loc["R3", "unmet"]) == (3, 3)
    assert pd.isna(req.loc["R5", "first_arrival_date"])
    assert req.loc["R6", "sent_instead"] == "1,200 NLAW for 600 Javelin"
    assert req.loc["R1", "sent_instead"] == ""
    alloc = result.allocations.set_index("request_id")
    assert alloc.loc["R6", "sent_as"] == "substitute for Javelin"
    assert alloc.loc["R1", "sent_as"] == ""
    assert alloc.loc["R1", "dispatch_date"] == dt.date(2022, 3, 21)


def test_line_status_boundaries() -> None:
    """Within MET_TOL of the quantity is met; any part late makes the status late."""
    import numpy as np

    q = np.array([10.0, 10.0, 10.0, 10.0, 10.0])
    got = line_status(q, np.array([10 - 1e-9, 10, 5, 5, 0]), np.array([0, 1, 0, 3, 0]))
    assert list(got) == ["met", "met late", "partly met", "partly met late", "unmet"]


def test_donors_units_per_category(result: PlanResult) -> None:
    d = result.donors.set_index("donor_id")
    assert d.loc["d1", "units_humanitarian"] == 9  # 5 a + 4 b
    assert d.loc["d1", "units_medical"] == 3
    assert d.loc["d2", "units_medical"] == 2
    assert d.loc["d2", "units_anti_tank"] == 1200
    assert "units" not in d.columns  # no sum over unlike things


def test_headers_formats_and_dates_read_back(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    req = {r["Request"].value: r for r in rows_of(wb["Requests"])}
    header = [c.value for c in wb["Requests"][1]]
    for text in ("Quantity (units)", "Unit", "Needed by (date)", "First arrival (date)",
                 "Status", "What was sent instead", "Reason"):  # fmt: skip
        assert text in header, text
    r1 = req["R1"]
    assert r1["Quantity (units)"].value == 5 and r1["Quantity (units)"].number_format == "#,##0"
    assert r1["Needed by (date)"].is_date
    assert r1["Needed by (date)"].value == dt.datetime(2022, 3, 13)
    assert r1["Needed by (date)"].number_format == "yyyy-mm-dd"
    assert r1["Status"].value == "met late"
    assert req["R6"]["What was sent instead"].value == "1,200 NLAW for 600 Javelin"
    assert wb["Requests"].column_dimensions["A"].width >= 7
    alloc = rows_of(wb["Allocations"])
    assert {"Item sent", "Dispatch date", "Arrival date", "Weight (t)", "Cost (EUR)"} <= set(
        c.value for c in wb["Allocations"][1]
    )
    assert alloc[0]["Weight (t)"].number_format == "#,##0.0"
    assert alloc[0]["Cost (EUR)"].number_format == "#,##0"
    donors = [c.value for c in wb["Donors"][1]]
    assert {"Humanitarian (units)", "Medical (units)", "Anti tank (units)"} <= set(donors)
    corr = rows_of(wb["Corridors"])
    assert corr[0]["Utilisation"].number_format == "0.0%"
    assert corr[0]["Week starts"].is_date


def test_every_sheet_prints_landscape_one_page_wide(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    for ws in wb:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1), ws.title  # 1 is the default, omitted
        assert ws.page_setup.fitToHeight == 0, ws.title  # as many pages tall as needed
        if ws.title != "Summary":
            assert ws.print_title_rows == "$1:$1", ws.title  # header row on every page
            assert ws.freeze_panes in ("A2", "B2"), ws.title


def test_summary_sentence_context_and_charts(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    ws = wb["Summary"]
    assert ws["A1"].value == "Delivery plan: march.xlsx"
    assert ws["A2"].value.startswith("The plan meets 3 of 6 request lines in full (2 on time)")
    figures = {r[0].value: r[1] for r in ws.iter_rows(min_row=5) if r[0].value}
    assert figures["Request file"].value == "march.xlsx"
    assert figures["Catalog"].value == "spring"
    assert figures["Scenario"].value == "rail cut"
    assert figures["Start date (first day of week 1)"].value == dt.datetime(2022, 3, 7)
    assert figures["Period length (days)"].value == 7
    assert figures["Horizon (periods)"].value == 4
    assert figures["Gap"].number_format == "0.000%"
    assert figures["Fulfilment score"].number_format == "0.0%"
    meaning = {r[0].value: r[2].value for r in ws.iter_rows(min_row=5) if r[0].value}
    assert "share of the maximum value" in meaning["Fulfilment score"]
    assert "1 critical = 1000" in meaning["Value"]
    assert meaning["Gap"].startswith("How much more value")
    assert len(ws._charts) == 2  # type: ignore[attr-defined]  # by priority, by category
    assert len(wb["Corridors"]._charts) == 1  # type: ignore[attr-defined]


def test_read_back_gives_the_api_columns(result: PlanResult, book: Path) -> None:
    sheets = read_plan_workbook(book)
    assert list(sheets["Requests"].columns) == list(result.requests.columns)
    assert list(sheets["Allocations"].columns) == list(result.allocations.columns)
    assert list(sheets["Donors"].columns) == list(result.donors.columns)
    summary = dict(zip(sheets["Summary"]["key"], sheets["Summary"]["value"], strict=True))
    assert summary["request file"] == "march.xlsx"
    assert summary["priority 1 lines met late"] == 1


def test_json_keeps_snake_case(result: PlanResult) -> None:
    data = json.loads(sheets_to_json(plan_sheets(result, INPUTS)))
    r1 = next(r for r in data["requests"] if r["request_id"] == "R1")
    assert r1["needed_by_date"] == "2022-03-13" and r1["status"] == "met late"
    assert data["summary"]["scenario"] == "rail cut"
    assert data["summary"]["plan"].startswith("The plan meets")


@pytest.mark.parametrize(
    "text", ["=1+1", "+41 22", "-x", "@SUM(A1)", "\tx", "\rx", "＝1+1", "＋1", "－1", "＠A"]
)
def test_formula_like_text_is_a_string_with_quote_prefix(tmp_path: Path, text: str) -> None:
    """Written with write_string and Excel's quote prefix: never a formula, number or link."""
    path = tmp_path / "t.xlsx"
    sheets = {"Things": pd.DataFrame({"name": [text, "plain"], "qty": [1, 2.5]})}
    write_workbook(path, sheets)
    ws = openpyxl.load_workbook(path)["Things"]
    cell = ws["A2"]
    # XlsxWriter stores CR as the OOXML escape _x000D_, which Excel reads back as CR.
    assert cell.value in (text, text.replace("\r", "_x000D_")) and cell.data_type == "s"
    assert cell.quotePrefix  # type: ignore[attr-defined]
    assert not ws["A3"].quotePrefix  # type: ignore[attr-defined]
    assert ws["B3"].value == 2.5 and ws["B3"].data_type == "n"
    assert "<f>" not in _sheet_xml(path)


def _sheet_xml(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def test_text_that_looks_like_a_number_or_link_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_workbook(path, {"T": pd.DataFrame({"id": ["0012", "1e5", "http://x.example"]})})
    ws = openpyxl.load_workbook(path)["T"]
    assert [c.value for c in ws["A"][1:]] == ["0012", "1e5", "http://x.example"]
    assert all(c.data_type == "s" and c.hyperlink is None for c in ws["A"][1:])


def test_reason_detail_is_written_beside_reason(result: PlanResult, tmp_path: Path) -> None:
    """A reason_detail column (full text of a shortened reason) goes right after Reason."""
    import copy

    res = copy.copy(result)
    res.requests = result.requests.assign(reason_detail="the whole story")
    path = tmp_path / "p.xlsx"
    write_workbook(path, plan_sheets(res, INPUTS))
    header = [c.value for c in openpyxl.load_workbook(path)["Requests"][1]]
    assert header[header.index("Reason") + 1] == "Reason in detail"
