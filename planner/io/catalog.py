"""Read and validate a catalog folder (DESIGN.md §2.1, §2.1a); every problem is collected.

CSV files are read as Excel writes them in any locale: UTF-8 with or without BOM, CRLF, quoted
line breaks kept; the cell separator is found by :class:`csv.Sniffer` (checked against the
header), and a ``;`` file is read with decimal commas and a warning. Another encoding is refused
with "save as CSV UTF-8" at the first bad line, and checks that refer to a file that could not
be read are skipped, so one bad file gives one error. Duplicate or empty column headers and
control characters are refused at their cell; numbers may carry thousands separators with one
reading (:mod:`planner.io.numbers`). Cross-table rules are :mod:`planner.validate`.
"""

from __future__ import annotations

import csv
import io
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from planner.catalog import FALSE_WORDS, TRUE_WORDS, Catalog, parse_requires
from planner.errors import InputError, Issue, raise_if_errors
from planner.io.input_files import read_input_bytes, read_toml
from planner.io.numbers import ambiguity_message, evidence, read_number
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
from planner.validate import (
    check_catalog,
    check_references,
    check_substitutes,
    check_unique_ids,
)

MAX_CSV_BYTES = 200 * 1024 * 1024
PLANNING_KEYS = {"start", "period_days", "horizon", "late_penalty", "priority_weights"}
PLANNING_EXTRA_KEYS = {
    "solver",
    "time_limit_s",
    "mip_gap",
    "decimal_separator",
    "date_order",
    "include_hidden",
    "keep_unknown",
}

# Columns read as numbers: text numbers with thousands separators or decimal commas allowed.
NUMERIC_FIELDS = frozenset(
    {
        "unit_weight_t",
        "budget_eur",
        "quantity",
        "unit_cost_eur",
        "lead_periods",
        "max_per_period",
        "capacity_t",
        "transit_periods",
        "from_period",
        "to_period",
        "factor",
        "reliability",
        "delay_periods",
    }
)


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return str(path)


@dataclass
class CsvTable:
    """One catalog CSV as text: header, (line number, row) pairs, and how it was written.

    delimiter: "," or ";" (or tab); decimal: the decimal separator its numbers use, when
    known (a ";" file uses decimal commas); failed: the file could not be read at all, so
    checks that refer to its ids are skipped (no follow-on errors).
    """

    header: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delimiter: str = ","
    decimal: str | None = None
    failed: bool = False


def _not_utf8(name: str, data: bytes) -> Issue:
    """The [not-utf8] error: which encoding it looks like, where, and what to do."""
    fix = 'save it from Excel as "CSV UTF-8 (Comma delimited)"'
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4096]:
        return Issue("not-utf8", name, f"expected UTF-8 text, found UTF-16 (Unicode text); {fix}")
    try:
        data.decode("utf-8-sig")
        bad = len(data)
    except UnicodeDecodeError as exc:
        bad = exc.start
    line = data[:bad].count(b"\n") + 1
    byte = data[bad] if bad < len(data) else 0
    return Issue(
        "not-utf8",
        name,
        f"expected UTF-8 text, found byte 0x{byte:02X} that is not UTF-8 (Windows-1252 or"
        f" another legacy encoding); {fix}",
        row=line,
    )


def _delimiter(text: str) -> str:
    """The cell separator, found by csv.Sniffer and checked against the header line."""
    first = text.split("\n", 1)[0]
    by_header = max(",;\t", key=lambda d: len(next(csv.reader([first], delimiter=d), [])))
    try:
        sniffed = csv.Sniffer().sniff(text[:65536], delimiters=",;\t").delimiter
    except csv.Error:
        return by_header
    widths = {d: len(next(csv.reader([first], delimiter=d), [])) for d in (sniffed, by_header)}
    return sniffed if widths[sniffed] >= widths[by_header] else by_header


def _escaped(value: str, limit: int = 60) -> str:
    """``value`` as one line a person can read: control characters as ``\x1f`` (one
    backslash, as typed in a search box), cut to ``limit`` characters."""
    return value.encode("unicode_escape").decode("ascii")[:limit]


def _control_char(text: str) -> str | None:
    """The first control character of ``text`` (line breaks and tabs are allowed), as U+XXXX."""
    for ch in text:
        if ch not in "\t\r\n" and unicodedata.category(ch) == "Cc":
            return f"U+{ord(ch):04X}"
    return None


def _read_csv(path: Path, issues: list[Issue]) -> CsvTable:
    """Read a catalog CSV as Excel writes it in any locale (DESIGN.md §2.1a); all values text."""
    name = _rel(path)
    table = CsvTable(failed=True)
    try:
        data = read_input_bytes(path, name, MAX_CSV_BYTES, what="CSV file")
    except InputError as exc:
        issues.extend(exc.issues)
        return table
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise UnicodeDecodeError("utf-8", data, 0, 1, "UTF-16")
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        issues.append(_not_utf8(name, data))
        return table
    if "\x00" in text:
        issues.append(_not_utf8(name, data))
        return table
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    try:
        line = 1
        for values in reader:
            records.append((line, values))
            line = reader.line_num + 1
    except csv.Error as exc:
        issues.append(Issue("bad-csv", name, f"expected CSV, found that {exc}", row=line))
        return table
    if not records:
        issues.append(Issue("empty-file", name, "expected a header row, found an empty file"))
        return table
    header = [h.strip() for h in records[0][1]]
    bad_header = False
    for j, h in enumerate(header):
        letter = f"column {j + 1}"
        code = _control_char(h)
        if code:
            issues.append(
                Issue(
                    "control-character",
                    name,
                    f"header holds the control character {code}",
                    row=1,
                    column=letter,
                )
            )
            bad_header = True
        elif not h:
            filled = [n for n, v in records[1:] if j < len(v) and v[j].strip()]
            if filled:
                issues.append(
                    Issue(
                        "empty-column-header",
                        name,
                        f"expected a column name, found an empty header above values (first on"
                        f" line {filled[0]}); name the column or delete it",
                        row=1,
                        column=letter,
                    )
                )
                bad_header = True
        elif h.casefold() in (x.casefold() for x in header[:j]):
            first = next(i for i, x in enumerate(header) if x.casefold() == h.casefold())
            issues.append(
                Issue(
                    "duplicate-column",
                    name,
                    f"expected each column once, found {h!r} as columns {first + 1} and {j + 1};"
                    " delete one",
                    row=1,
                    column=h,
                )
            )
            bad_header = True
    if bad_header:
        return table
    out: list[tuple[int, dict[str, str]]] = []
    for n, values in records[1:]:
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
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h}
        for col, value in row.items():
            code = _control_char(value)
            if code:
                issues.append(
                    Issue(
                        "control-character",
                        name,
                        f"expected text without control characters, found {code} in"
                        f" “{_escaped(value)}”",
                        row=n,
                        column=col,
                    )
                )
        out.append((n, row))
    decimal = "," if delimiter == ";" else None
    if delimiter == ";":
        issues.append(
            Issue(
                "semicolon-csv",
                name,
                "this file uses ';' between cells and ',' as the decimal mark (a European"
                " Excel); read as such",
                severity="warning",
            )
        )
    elif delimiter != ",":
        issues.append(
            Issue(
                "tab-csv",
                name,
                "this file uses tabs between cells; read as such",
                severity="warning",
            )
        )
    if decimal is None:
        decimal = evidence([v for _, r in out for c, v in r.items() if c in NUMERIC_FIELDS and v])
    return CsvTable(header, out, delimiter, decimal)


def _numbers(
    raw: dict[str, str], decimal: str | None
) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Numeric cells rewritten as plain numbers; (code, column, message) for those that are not."""
    data = dict(raw)
    problems: list[tuple[str, str, str]] = []
    for col, text in raw.items():
        if col not in NUMERIC_FIELDS or not text:
            continue
        r = read_number(text, decimal)
        if r.value is not None:
            data[col] = repr(r.value)
        elif r.readings is not None:
            problems.append(("ambiguous-number", col, ambiguity_message(text, r.readings)))
        elif r.problem == "unit":
            problems.append(
                (
                    "not-a-number",
                    col,
                    f"expected a number alone, found {text!r} (a unit inside"
                    " the cell; the column name gives the unit)",
                )
            )
    return data, problems


def _parse_rows(
    path: Path,
    model: type[BaseModel],
    issues: list[Issue],
    convert: Callable[[dict[str, str]], dict[str, Any]] | None = None,
    raw_out: list[tuple[int, dict[str, str]]] | None = None,
    tables: dict[Path, CsvTable] | None = None,
) -> list[tuple[int, BaseModel]]:
    """Validate each CSV row against ``model``; problems become issues with row and column.

    ``raw_out`` receives every row as text, so cross-table checks also cover rows that failed.
    """
    name = _rel(path)
    table = _read_csv(path, issues)
    header, rows = table.header, table.rows
    if raw_out is not None:
        raw_out.extend(rows)
    if tables is not None:
        tables[path] = table
    if table.failed:
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
    for n, text_row in rows:
        raw, number_problems = _numbers(text_row, table.decimal)
        for code, where, message in number_problems:
            issues.append(Issue(code, name, message, row=n, column=where))
        if number_problems:
            continue
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
                found = text_row.get(col, "") if col else ""
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
            if text in TRUE_WORDS:
                data[col] = True
            elif text in FALSE_WORDS:
                data[col] = False
            else:
                raise ValueError(f"{col}: expected true or false, found {data[col]!r}")
        return data

    return convert


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
    read: dict[Path, CsvTable] = {}

    def parse(
        p: Path | None,
        model: type[BaseModel],
        key: str,
        convert: Callable[[dict[str, str]], dict[str, Any]] | None = None,
    ) -> list[tuple[int, BaseModel]]:
        return _parse_rows(p, model, issues, convert, raw[key], read) if p else []

    items = parse(p_items, ItemRow, "items", _to_bool("integer"))
    donors = parse(p_donors, DonorRow, "donors")
    offers = parse(p_offers, OfferRow, "offers")
    corridors = parse(p_corr, CorridorRow, "corridors")
    changes = parse(p_changes, CapacityChangeRow, "changes")
    subs = parse(p_subs, SubstituteRow, "subs")
    planning = read_planning(p_plan, issues) if p_plan else {}

    def ids(table: str, key: str) -> set[str] | None:
        """The ids of a table, or None when its file could not be read (no follow-on errors)."""
        path = {"items": p_items, "donors": p_donors, "corridors": p_corr}[table]
        if path is None or read[path].failed:
            return None
        return {r.get(key, "") for _, r in raw[table] if r.get(key, "")}

    def text_frame(table: str) -> pd.DataFrame:
        """The rows of a table as read (text), with their line numbers: rows that failed
        validation are checked too."""
        return pd.DataFrame([{**r, "row": n} for n, r in raw[table]])

    for table, key, p in (
        ("items", "item_id", p_items),
        ("donors", "donor_id", p_donors),
        ("offers", "offer_id", p_offers),
        ("corridors", "corridor_id", p_corr),
    ):
        if p is not None:
            issues.extend(check_unique_ids(text_frame(table), key, _rel(p)))

    item_ids, donor_ids = ids("items", "item_id"), ids("donors", "donor_id")
    corridor_ids = ids("corridors", "corridor_id")
    for table, p, column, known, what, many in (
        ("donors", p_donors, "corridors", corridor_ids, "corridor", True),
        ("offers", p_offers, "donor_id", donor_ids, "donor", False),
        ("offers", p_offers, "item_id", item_ids, "item", False),
        ("changes", p_changes, "corridor_id", corridor_ids, "corridor", False),
        ("subs", p_subs, "item_id", item_ids, "item", False),
        ("subs", p_subs, "substitute_id", item_ids, "item", False),
    ):
        if p is not None:
            issues.extend(check_references(text_frame(table), column, known, what, _rel(p), many))
    if p_subs is not None:
        issues.extend(check_substitutes(text_frame("subs"), _rel(p_subs)))
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

    def frame(rows: list[tuple[int, BaseModel]], model: type[BaseModel]) -> pd.DataFrame:
        return pd.DataFrame([r.model_dump() for _, r in rows], columns=list(model.model_fields))

    def with_rows(rows: list[tuple[int, BaseModel]], model: type[BaseModel]) -> pd.DataFrame:
        df = frame(rows, model)
        df["row"] = [n for n, _ in rows]
        return df

    checked: dict[str, tuple[pd.DataFrame, str]] = {}
    for key, p, rows, model in (
        ("items", p_items, items, ItemRow),
        ("offers", p_offers, offers, OfferRow),
        ("capacity_changes", p_changes, changes, CapacityChangeRow),
    ):
        if p is not None and not read[p].failed:
            checked[key] = (with_rows(rows, model), _rel(p))
    horizon = planning.get("horizon", Settings.model_fields["horizon"].default)
    issues.extend(check_catalog(checked, horizon if isinstance(horizon, int) else 26))
    raise_if_errors(issues)

    items_df = frame(items, ItemRow)
    items_df["aliases"] = [_split(a) for a in items_df["aliases"]]
    items_df["integer"] = items_df["integer"].astype(bool)
    items_df["requires"] = [tuple(parse_requires(r)) for r in items_df["requires"]]
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
        warnings=tuple(sorted((i for i in issues if i.severity != "error"), key=Issue.sort_key)),
    )
