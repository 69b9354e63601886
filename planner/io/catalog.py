"""Read and validate a catalog folder (DESIGN.md §2.1); every problem is collected."""

from __future__ import annotations

import csv
import difflib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from planner.catalog import Catalog
from planner.errors import InputError, Issue, raise_if_errors
from planner.io.input_files import read_input_bytes, read_toml
from planner.periods import parse_time
from planner.schema import (
    CapacityChangeRow,
    CorridorRow,
    DonorRow,
    ItemRow,
    OfferRow,
    Settings,
    SubstituteRow,
)

MAX_CSV_BYTES = 200 * 1024 * 1024
PLANNING_KEYS = {"start", "period_days", "horizon", "late_penalty", "priority_weights"}
PLANNING_EXTRA_KEYS = {"solver", "time_limit_s", "mip_gap"}

_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0", ""}


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return str(path)


def _read_csv(
    path: Path, issues: list[Issue]
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs of a UTF-8 CSV, all values as text."""
    name = _rel(path)
    try:
        data = read_input_bytes(path, name, MAX_CSV_BYTES, what="CSV file")
    except InputError as exc:
        issues.extend(exc.issues)
        return [], []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        issues.append(Issue("not-utf8", name, f"expected UTF-8 text, found bytes ({exc.reason})"))
        return [], []
    reader = csv.reader(text.splitlines())
    rows = list(reader)
    if not rows:
        issues.append(Issue("empty-file", name, "expected a header row, found an empty file"))
        return [], []
    header = [h.strip() for h in rows[0]]
    out: list[tuple[int, dict[str, str]]] = []
    for n, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            issues.append(
                Issue(
                    "extra-cells",
                    name,
                    f"expected {len(header)} cells, found {len(values)}",
                    row=n,
                )
            )
        out.append(
            (n, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)})
        )
    return header, out


def _parse_rows(
    path: Path,
    model: type[BaseModel],
    issues: list[Issue],
    convert: Callable[[dict[str, str]], dict[str, Any]] | None = None,
    raw_out: list[tuple[int, dict[str, str]]] | None = None,
) -> list[tuple[int, BaseModel]]:
    """Validate each CSV row against ``model``; problems become issues with row and column.

    ``raw_out`` receives every row as text, so cross-table checks also cover rows that failed.
    """
    name = _rel(path)
    header, rows = _read_csv(path, issues)
    if raw_out is not None:
        raw_out.extend(rows)
    if not header:
        return []
    fields = model.model_fields
    required = [f for f, info in fields.items() if info.is_required()]
    missing = [f for f in required if f not in header]
    for f in missing:
        issues.append(Issue("missing-column", name, f"expected a column {f!r}", row=1, column=f))
    unknown = [h for h in header if h and h not in fields]
    for h in unknown:
        issues.append(
            Issue(
                "unknown-column",
                name,
                f"unknown column {h!r} (expected one of {', '.join(fields)})",
                row=1,
                column=h,
                severity="warning",
            )
        )
    if missing:
        return []
    parsed: list[tuple[int, BaseModel]] = []
    for n, raw in rows:
        data: dict[str, Any] = {k: v for k, v in raw.items() if k in fields and v != ""}
        if convert is not None:
            try:
                data = convert(data)
            except ValueError as exc:
                where, _, msg = str(exc).partition(": ")
                issues.append(Issue("bad-value", name, msg, row=n, column=where))
                continue
        try:
            parsed.append((n, model.model_validate(data)))
        except ValidationError as exc:
            for err in exc.errors():
                col: str | None = str(err["loc"][0]) if err["loc"] else None
                found = raw.get(col, "") if col else ""
                issues.append(
                    Issue(
                        "bad-value" if err["type"] != "missing" else "missing-value",
                        name,
                        f"{expected(err)}, found {found!r}",
                        row=n,
                        column=col,
                    )
                )
    return parsed


def expected(err: Any) -> str:
    """A pydantic error as 'expected …' in a planner's words."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    words = {
        "float_parsing": "expected a number",
        "float_type": "expected a number",
        "int_parsing": "expected a whole number",
        "int_from_float": "expected a whole number",
        "int_type": "expected a whole number",
        "finite_number": "expected a finite number",
        "missing": "expected a value",
        "string_too_short": "expected a value",
        "bool_parsing": "expected true or false",
    }
    if kind in words:
        return words[kind]
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sign = {
            "greater_than": ">",
            "greater_than_equal": "≥",
            "less_than": "<",
            "less_than_equal": "≤",
        }[kind]
        bound = next(iter(ctx.values()), "")
        return f"expected a number {sign} {bound}"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '')}"
    return f"expected {err['msg'].lower()}"


def _to_bool(col: str) -> Callable[[dict[str, str]], dict[str, Any]]:
    def convert(data: dict[str, Any]) -> dict[str, Any]:
        if col in data:
            text = str(data[col]).strip().lower()
            if text in _TRUE:
                data[col] = True
            elif text in _FALSE:
                data[col] = False
            else:
                raise ValueError(f"{col}: expected true or false, found {data[col]!r}")
        return data

    return convert


def _unique_raw(
    rows: list[tuple[int, dict[str, str]]], key: str, name: str, issues: list[Issue]
) -> None:
    seen: dict[str, int] = {}
    for n, row in rows:
        value = row.get(key, "")
        if not value:
            continue
        if value in seen:
            issues.append(
                Issue(
                    "duplicate-id",
                    name,
                    f"{key} {value!r} already used on row {seen[value]}",
                    row=n,
                    column=key,
                )
            )
        else:
            seen[value] = n


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]


def read_planning(path: Path, issues: list[Issue]) -> dict[str, Any]:
    """planning.toml: defaults for the settings; unknown keys are rejected."""
    name = _rel(path)
    try:
        data = read_toml(path, name, "settings file (planning.toml)")
    except InputError as exc:
        issues.extend(exc.issues)
        return {}
    for key in sorted(set(data) - PLANNING_KEYS - PLANNING_EXTRA_KEYS):
        issues.append(Issue("unknown-key", name, f"unknown setting {key!r}", column=key))
    data = {k: v for k, v in data.items() if k in PLANNING_KEYS | PLANNING_EXTRA_KEYS}
    if "priority_weights" in data and isinstance(data["priority_weights"], dict):
        try:
            data["priority_weights"] = {int(k): v for k, v in data["priority_weights"].items()}
        except ValueError:
            issues.append(
                Issue(
                    "bad-value",
                    name,
                    "priority_weights keys must be 1, 2, 3 and 4",
                    column="priority_weights",
                )
            )
    try:
        Settings.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            col = ".".join(str(p) for p in err["loc"]) or None
            issues.append(Issue("bad-value", name, err["msg"], column=col))
    return data


def read_catalog(folder: Path | str) -> Catalog:
    """Read a catalog folder; raise InputError listing every problem found."""
    folder = Path(folder)
    issues: list[Issue] = []
    if not folder.is_dir():
        issues.append(Issue("no-catalog", _rel(folder), "expected a catalog folder"))
        raise_if_errors(issues)
    files: list[Path] = []

    def need(fname: str) -> Path | None:
        p = folder / fname
        if not os.path.lexists(p):
            issues.append(Issue("missing-file", _rel(p), "expected this file in the catalog"))
            return None
        files.append(p)
        return p

    def opt(fname: str) -> Path | None:
        p = folder / fname
        if os.path.lexists(p):  # anything there is read, or refused with the reason
            files.append(p)
            return p
        return None

    p_items, p_donors = need("items.csv"), need("donors.csv")
    p_offers, p_corr = need("offers.csv"), need("corridors.csv")
    p_changes, p_subs = opt("capacity_changes.csv"), opt("substitutes.csv")
    p_plan = opt("planning.toml")

    raw: dict[str, list[tuple[int, dict[str, str]]]] = {
        k: [] for k in ("items", "donors", "offers", "corridors", "changes", "subs")
    }
    items = (
        _parse_rows(p_items, ItemRow, issues, _to_bool("integer"), raw["items"]) if p_items else []
    )
    donors = _parse_rows(p_donors, DonorRow, issues, None, raw["donors"]) if p_donors else []
    offers = _parse_rows(p_offers, OfferRow, issues, None, raw["offers"]) if p_offers else []
    corridors = _parse_rows(p_corr, CorridorRow, issues, None, raw["corridors"]) if p_corr else []
    changes = (
        _parse_rows(p_changes, CapacityChangeRow, issues, None, raw["changes"]) if p_changes else []
    )
    subs = _parse_rows(p_subs, SubstituteRow, issues, None, raw["subs"]) if p_subs else []
    planning = read_planning(p_plan, issues) if p_plan else {}

    def ids(table: str, key: str) -> set[str]:
        return {r.get(key, "") for _, r in raw[table] if r.get(key, "")}

    for table, key, p in (
        ("items", "item_id", p_items),
        ("donors", "donor_id", p_donors),
        ("offers", "offer_id", p_offers),
        ("corridors", "corridor_id", p_corr),
    ):
        if p is not None:
            _unique_raw(raw[table], key, _rel(p), issues)

    item_ids, donor_ids = ids("items", "item_id"), ids("donors", "donor_id")
    corridor_ids = ids("corridors", "corridor_id")

    def ref(p: Path | None, n: int, col: str, value: str, known: set[str], what: str) -> None:
        if p is not None and value and value not in known:
            near = difflib.get_close_matches(value, sorted(known), n=3)
            hint = f" (closest: {', '.join(near)})" if near else ""
            issues.append(
                Issue("unknown-ref", _rel(p), f"unknown {what} {value!r}{hint}", row=n, column=col)
            )

    for n, r in raw["donors"]:
        for cid in _split(r.get("corridors", "")):
            ref(p_donors, n, "corridors", cid, corridor_ids, "corridor")
    for n, r in raw["offers"]:
        ref(p_offers, n, "donor_id", r.get("donor_id", ""), donor_ids, "donor")
        ref(p_offers, n, "item_id", r.get("item_id", ""), item_ids, "item")
    offer_times: list[object] = []
    for n, o in offers:
        try:
            offer_times.append(parse_time(o.available_from))  # type: ignore[attr-defined]
        except ValueError as exc:
            assert p_offers is not None
            issues.append(
                Issue(
                    "bad-value",
                    _rel(p_offers),
                    f"{exc}, found {o.available_from!r}",  # type: ignore[attr-defined]
                    row=n,
                    column="available_from",
                )
            )
            offer_times.append(None)
    for n, r in raw["changes"]:
        ref(p_changes, n, "corridor_id", r.get("corridor_id", ""), corridor_ids, "corridor")
    seen: dict[tuple[str, str], int] = {}
    for n, r in raw["subs"]:
        a, b = r.get("item_id", ""), r.get("substitute_id", "")
        ref(p_subs, n, "item_id", a, item_ids, "item")
        ref(p_subs, n, "substitute_id", b, item_ids, "item")
        if a and a == b and p_subs is not None:
            issues.append(
                Issue(
                    "bad-value",
                    _rel(p_subs),
                    "an item cannot substitute itself",
                    row=n,
                    column="substitute_id",
                )
            )
        if (a, b) in seen and p_subs is not None:
            issues.append(
                Issue(
                    "duplicate-id",
                    _rel(p_subs),
                    f"pair {a!r}/{b!r} already given on row {seen[(a, b)]}",
                    row=n,
                    column="substitute_id",
                )
            )
        seen.setdefault((a, b), n)

    raise_if_errors(issues)

    def frame(rows: list[tuple[int, BaseModel]], model: type[BaseModel]) -> pd.DataFrame:
        return pd.DataFrame([r.model_dump() for _, r in rows], columns=list(model.model_fields))

    items_df = frame(items, ItemRow)
    items_df["aliases"] = [_split(a) for a in items_df["aliases"]]
    items_df["integer"] = items_df["integer"].astype(bool)
    donors_df = frame(donors, DonorRow)
    donors_df["budget_eur"] = donors_df["budget_eur"].astype(float)
    donors_df["corridors"] = [tuple(_split(c)) for c in donors_df["corridors"]]
    offers_df = frame(offers, OfferRow)
    offers_df["available_from"] = pd.Series(offer_times, dtype=object)
    offers_df["max_per_period"] = offers_df["max_per_period"].astype(float)
    return Catalog(
        folder=folder,
        items=items_df,
        donors=donors_df,
        offers=offers_df,
        corridors=frame(corridors, CorridorRow),
        capacity_changes=frame(changes, CapacityChangeRow),
        substitutes=frame(subs, SubstituteRow),
        planning=planning,
        files=tuple(files),
    )
