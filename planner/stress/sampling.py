"""The sampling law of `aidplan stress` and the disruptions file it reads (DESIGN.md §9).

Sampling law
------------
Every sample ``i`` of a run with seed ``S`` draws from its own generator
``numpy.random.default_rng([S, i])`` (a ``SeedSequence`` of the two numbers), in the fixed order
below, so a sample is the same whatever executor, worker or order computes it.

Offers. Donor k has reliability ρ_k ∈ [0, 1] and delay δ_k ≥ 0 periods (donors.csv; defaults
1 and 0). Offer o of donor k with status s carries the status risk weight

    w_o = 1 (announced), 0.5 (committed), 0 (delivered: already at the hub).

1. Shortfall. The offer fails, i.e. none of its quantity arrives, with probability

       p_fail(o) = w_o · (1 − ρ_k),

   independently of every other offer (u_o ~ U[0, 1), fails when u_o < p_fail). All or
   nothing keeps the expected delivered share of an announced offer at exactly ρ_k, the
   donor's historical delivered share, and matches how pledges fall through: by decision or
   contract, as a whole.
2. Slip. Independently, the offer slips with probability w_o (v_o ~ U[0, 1), slips when
   v_o < w_o) by D_o ~ Poisson(δ_k) periods: its first dispatch period moves from ready_o to
   ready_o + D_o. The expected slip of an announced offer is δ_k, of a committed one δ_k / 2.
   A failed offer has no slip (D_o is drawn for every offer all the same, so the stream of
   random numbers does not depend on the outcome).

Corridors. The disruptions file gives, per corridor h, a closure probability π_h per period and
a closure length L_h periods (corridors it does not name never close).

3. Closures. For every corridor h (in catalog order) and period t = 1..T, a closure starts with
   probability π_h (c_ht ~ U[0, 1), starts when c_ht < π_h) and closes h for periods
   t..t + L_h − 1 (cut at the horizon). Closures may overlap; a closed corridor-period has
   capacity 0. The chance that a given period is closed is 1 − (1 − π_h)^(number of start
   periods that reach it), at most 1 − (1 − π_h)^L_h.

Disruptions file (TOML)
-----------------------
::

    name = "2022 corridor disruptions"          # optional
    [corridors.rail_przemysl]
    closure_probability = 0.03                   # per period, 0..1
    closure_periods = 2                          # whole number ≥ 1
    note = "assumption: ..."                     # optional, free text

Errors (InputError, exit status 2), each at its key (``file › corridors.rail_przemysl ›
closure_probability``): a file that is missing, unreadable or not TOML [bad-toml]; an unknown
top-level or corridor key [unknown-key]; a corridor not in the catalog [unknown-corridor]; a
probability outside 0..1 or not a number, a length that is not a whole number ≥ 1
[bad-disruption].
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.catalog import Catalog
from planner.data import PlanningData
from planner.errors import Issue, raise_if_errors

STATUS_RISK = {"announced": 1.0, "committed": 0.5, "delivered": 0.0}
"""Share of the donor's risk an offer of each status carries (DESIGN.md §9)."""
DEFAULT_STATUS = "committed"
CORRIDOR_KEYS = ("closure_probability", "closure_periods", "note")
TOP_KEYS = ("name", "description", "corridors")
MAX_DISRUPTIONS_BYTES = 1 << 20


@dataclass(frozen=True)
class CorridorDisruption:
    """One corridor's closures: probability per period that one starts, and its length."""

    corridor_id: str
    closure_probability: float
    closure_periods: int
    note: str = ""


@dataclass(frozen=True)
class Disruptions:
    """A disruptions file, read and checked (see the module docstring)."""

    name: str
    corridors: tuple[CorridorDisruption, ...] = ()
    source: Path | None = None
    description: str = ""


def _toml_issue(name: str, message: str) -> None:
    raise_if_errors([Issue("bad-toml", name, message)])


def read_disruptions(path: Path | str, catalog: Catalog) -> Disruptions:
    """Read and check a disruptions TOML file against the catalog's corridors.

    Raises planner.errors.InputError listing every problem, each at its key.
    """
    path = Path(path)
    name = str(path)
    try:
        if not path.is_file():
            what = "not found" if not path.exists() else "not a regular file"
            raise_if_errors([Issue("missing-file", name, f"disruptions file {what}")])
        if path.stat().st_size > MAX_DISRUPTIONS_BYTES:
            _toml_issue(name, "the file is larger than 1 MiB; a disruptions file is a few lines")
        text = path.read_bytes().decode("utf-8-sig")
        raw = tomllib.loads(text)
    except UnicodeDecodeError:
        _toml_issue(name, "expected a UTF-8 text file (save it as UTF-8)")
        raise AssertionError("unreachable") from None
    except tomllib.TOMLDecodeError as exc:
        _toml_issue(name, f"expected valid TOML: {exc}")
        raise AssertionError("unreachable") from None
    except OSError as exc:
        raise_if_errors([Issue("unreadable-file", name, f"cannot read the file: {exc.strerror}")])
        raise AssertionError("unreachable") from None
    return check_disruptions(raw, catalog, name, path)


def check_disruptions(
    raw: dict[str, Any], catalog: Catalog, name: str, source: Path | None = None
) -> Disruptions:
    """Check a parsed disruptions table; every problem is collected (see module docstring)."""
    issues: list[Issue] = []
    for key in raw:
        if key not in TOP_KEYS:
            msg = f"unknown key {key!r} (expected {', '.join(TOP_KEYS)})"
            issues.append(Issue("unknown-key", name, msg, column=key))
    title = raw.get("name", Path(name).stem)
    if not isinstance(title, str):
        issues.append(Issue("bad-disruption", name, "expected text", column="name"))
        title = Path(name).stem
    description = raw.get("description", "")
    if not isinstance(description, str):
        issues.append(Issue("bad-disruption", name, "expected text", column="description"))
        description = ""
    table = raw.get("corridors", {})
    if not isinstance(table, dict):
        issues.append(
            Issue("bad-disruption", name, "expected a table [corridors.<id>]", column="corridors")
        )
        table = {}
    known = [str(c) for c in catalog.corridors["corridor_id"]]
    found: list[CorridorDisruption] = []
    for cid, spec in table.items():
        where = f"corridors.{cid}"
        if cid not in known:
            issues.append(
                Issue(
                    "unknown-corridor",
                    name,
                    f"unknown corridor {cid!r} (the catalog has {', '.join(known)})",
                    column=where,
                )
            )
        if not isinstance(spec, dict):
            issues.append(
                Issue("bad-disruption", name, "expected a table of closure_* keys", column=where)
            )
            continue
        for key in spec:
            if key not in CORRIDOR_KEYS:
                msg = f"unknown key {key!r} (expected {', '.join(CORRIDOR_KEYS)})"
                issues.append(Issue("unknown-key", name, msg, column=f"{where}.{key}"))
        p = spec.get("closure_probability")
        p_ok = (
            isinstance(p, int | float)
            and not isinstance(p, bool)
            and math.isfinite(p)
            and 0 <= p <= 1
        )
        if not p_ok:
            issues.append(
                Issue(
                    "bad-disruption",
                    name,
                    f"expected a probability per period between 0 and 1, found {p!r}",
                    column=f"{where}.closure_probability",
                )
            )
        n = spec.get("closure_periods")
        n_ok = isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 10_000
        if not n_ok:
            issues.append(
                Issue(
                    "bad-disruption",
                    name,
                    f"expected a whole number of periods ≥ 1, found {n!r}",
                    column=f"{where}.closure_periods",
                )
            )
        note = spec.get("note", "")
        if not isinstance(note, str):
            issues.append(Issue("bad-disruption", name, "expected text", column=f"{where}.note"))
            note = ""
        if p_ok and n_ok and cid in known:
            found.append(CorridorDisruption(cid, float(p), int(n), note))  # type: ignore[arg-type]
    raise_if_errors(issues)
    found.sort(key=lambda d: known.index(d.corridor_id))
    return Disruptions(title, tuple(found), source, description)


NO_DISRUPTIONS = Disruptions("none")


@dataclass(frozen=True)
class RiskTable:
    """The sampling law's parameters, in the planning data's offer and corridor order.

    fail_p: p_fail per offer;  slip_p: w_o per offer;  delay_mean: δ_k per offer (periods)
    closure_p: π_h per corridor row (0 for the virtual one);  closure_len: L_h per corridor row
    """

    fail_p: np.ndarray
    slip_p: np.ndarray
    delay_mean: np.ndarray
    closure_p: np.ndarray
    closure_len: np.ndarray
    horizon: int


def _donor_column(donors: pd.DataFrame, column: str, default: float) -> dict[str, float]:
    if column not in donors:
        return {str(d): default for d in donors["donor_id"]}
    values = donors[column].to_numpy(dtype=float)
    return {
        str(d): (default if np.isnan(v) else float(v))
        for d, v in zip(donors["donor_id"], values, strict=True)
    }


def risk_table(data: PlanningData, disruptions: Disruptions = NO_DISRUPTIONS) -> RiskTable:
    """The parameters of the sampling law for ``data`` (see the module docstring)."""
    offers = data.offers
    reliability = _donor_column(data.donors, "reliability", 1.0)
    delay = _donor_column(data.donors, "delay_periods", 0.0)
    status = (
        offers["status"].astype(str).to_numpy()
        if "status" in offers
        else np.full(len(offers), DEFAULT_STATUS)
    )
    weight = np.array([STATUS_RISK[s] for s in status], dtype=float)
    donor = [str(d) for d in offers["donor_id"]]
    rho = np.array([reliability.get(d, 1.0) for d in donor], dtype=float)
    delta = np.array([delay.get(d, 0.0) for d in donor], dtype=float)
    by_id = {d.corridor_id: d for d in disruptions.corridors}
    cids = [str(c) for c in data.corridors["corridor_id"]]
    closure_p = np.array(
        [by_id[c].closure_probability if c in by_id else 0.0 for c in cids], dtype=float
    )
    closure_len = np.array([by_id[c].closure_periods if c in by_id else 1 for c in cids], int)
    return RiskTable(
        fail_p=weight * (1.0 - rho),
        slip_p=weight,
        delay_mean=delta,
        closure_p=closure_p,
        closure_len=closure_len,
        horizon=data.horizon,
    )


@dataclass(frozen=True)
class Sample:
    """One sampled future.

    offer_failed: bool per offer (none of its quantity arrives)
    offer_slip: whole periods per offer by which its first dispatch moves (0 if failed)
    corridor_open: bool [corridor row, period − 1]; False = capacity 0 in that period
    """

    index: int
    offer_failed: np.ndarray
    offer_slip: np.ndarray
    corridor_open: np.ndarray

    @property
    def closed_periods(self) -> int:
        """Corridor-periods closed in this sample."""
        return int((~self.corridor_open).sum())


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of sample ``index`` of a run with ``seed`` (both ≥ 0)."""
    return np.random.default_rng([int(seed), int(index)])


def draw_sample(risk: RiskTable, seed: int, index: int) -> Sample:
    """Draw sample ``index`` by the law of the module docstring (same inputs, same sample)."""
    rng = sample_rng(seed, index)
    n_offers = len(risk.fail_p)
    failed = rng.random(n_offers) < risk.fail_p
    slips = rng.random(n_offers) < risk.slip_p
    length = rng.poisson(risk.delay_mean)
    slip = np.where(slips & ~failed, length, 0).astype(np.int64)
    T = risk.horizon
    starts = rng.random((len(risk.closure_p), T)) < risk.closure_p[:, None]
    is_open = np.ones((len(risk.closure_p), T), dtype=bool)
    for h, t in zip(*np.nonzero(starts), strict=True):
        is_open[h, t : t + int(risk.closure_len[h])] = False
    return Sample(int(index), failed, slip, is_open)


def sampled_data(data: PlanningData, sample: Sample) -> PlanningData:
    """The planning data of the future ``sample`` describes (the base data is not changed).

    A failed offer keeps its row with quantity 0; a slipped offer's ``ready`` moves later;
    closed corridor-periods get capacity 0.
    """
    offers = data.offers.copy()
    quantity = offers["quantity"].to_numpy(dtype=float).copy()
    quantity[sample.offer_failed] = 0.0
    offers["quantity"] = quantity
    offers["ready"] = offers["ready"].to_numpy(dtype=int) + sample.offer_slip
    capacity = np.where(sample.corridor_open, data.capacity_t, 0.0)
    return data.with_(offers=offers, capacity_t=capacity)
