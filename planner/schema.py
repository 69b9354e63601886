"""Pydantic models of input rows, settings and scenarios (frozen, unknown keys rejected)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CATEGORIES = (
    "air_defense",
    "anti_tank",
    "aircraft",
    "artillery",
    "ammunition",
    "coastal_defense",
    "armor",
    "intelligence",
    "humanitarian",
    "energy",
    "medical",
    "other",
)
MODES = ("air", "rail", "road", "sea")
OFFER_STATUSES = ("announced", "committed", "delivered")
"""offers.csv status (DESIGN.md §2.1): how far a pledge has gone; `--pledges firm` keeps the
last two."""
FIRM_STATUSES = ("committed", "delivered")
PRIORITY_WORDS = {"critical": 1, "high": 2, "medium": 3, "low": 4}
TEMPLATE_EXAMPLE_NOTE = "Example row: overwrite or delete it"
"""The note of the example row `aidplan template` writes; a request sheet that still has it
gets a warning at that row (planner.io.requests.rows)."""
# Also read in request sheets (DESIGN.md §2.2 "Priority"); the template offers the English words.
PRIORITY_WORDS_UA = {
    "критичний": 1,
    "критично": 1,
    "критична": 1,
    "терміново": 1,
    "високий": 2,
    "висока": 2,
    "середній": 3,
    "середня": 3,
    "низький": 4,
    "низька": 4,
}
DEFAULT_PRIORITY_WEIGHTS = {1: 1000.0, 2: 100.0, 3: 10.0, 4: 1.0}
MAX_WEIGHT_RATIO = 1e9  # DESIGN.md §3: largest priority weight ≤ 1e9 × smallest


def monday_on_or_before(day: dt.date) -> dt.date:
    """The Monday on or before ``day`` (the default plan start)."""
    return day - dt.timedelta(days=day.weekday())


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ItemRow(_Frozen):
    """items.csv: what can be requested and sent."""

    item_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    unit: str = Field(min_length=1)
    unit_weight_t: float = Field(ge=0, allow_inf_nan=False, le=1e5)
    integer: bool = False
    requires: str = ""
    """Components one unit needs to be usable (DESIGN.md §4.1): ``item_id:qty;…``."""
    aliases: str = ""


class DonorRow(_Frozen):
    """donors.csv: who gives, with how much money and through which corridors."""

    donor_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    budget_eur: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    corridors: str = ""
    reliability: float = Field(default=1.0, ge=0, le=1, allow_inf_nan=False)
    """Share of announced offers this donor historically delivers (0..1; `aidplan stress`)."""
    delay_periods: float = Field(default=0.0, ge=0, le=520, allow_inf_nan=False)
    """The donor's typical slip in periods (≥ 0; `aidplan stress`)."""


class OfferRow(_Frozen):
    """offers.csv: a donor's stock or production of one item."""

    offer_id: str = Field(min_length=1)
    donor_id: str = Field(min_length=1)
    item_id: str = Field(min_length=1)
    quantity: float = Field(ge=0, allow_inf_nan=False, le=1e12)  # 0: stock used up (a warning)
    unit_cost_eur: float = Field(default=0.0, ge=0, allow_inf_nan=False, le=1e13)
    available_from: str = ""  # a date or a period; resolved against the settings later
    lead_periods: int = Field(default=0, ge=0, le=10_000)
    max_per_period: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    status: Literal[OFFER_STATUSES] = "committed"  # type: ignore[valid-type]


class CorridorRow(_Frozen):
    """corridors.csv: a transport route with a weekly tonnage limit."""

    corridor_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    mode: Literal[MODES]  # type: ignore[valid-type]
    capacity_t: float = Field(ge=0, allow_inf_nan=False)
    transit_periods: int = Field(default=0, ge=0, le=10_000)


class CapacityChangeRow(_Frozen):
    """capacity_changes.csv or a scenario's [[capacity_changes]]: capacity for periods from..to."""

    corridor_id: str = Field(min_length=1)
    from_period: int = Field(ge=1)
    to_period: int = Field(ge=1)
    capacity_t: float = Field(ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> CapacityChangeRow:
        if self.to_period < self.from_period:
            raise ValueError("to_period must not be before from_period")
        return self


class SubstituteRow(_Frozen):
    """substitutes.csv: one unit of substitute_id covers `factor` units of item_id."""

    item_id: str = Field(min_length=1)
    substitute_id: str = Field(min_length=1)
    factor: float = Field(gt=0, allow_inf_nan=False, le=1e6)


class Settings(_Frozen):
    """Run settings of DESIGN.md §3; defaults may come from a catalog's planning.toml."""

    start: dt.date = Field(default_factory=lambda: monday_on_or_before(dt.date.today()))
    period_days: int = Field(default=7, ge=1, le=366)
    horizon: int = Field(default=26, ge=1, le=520)
    priority_weights: dict[int, float] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_WEIGHTS)
    )
    late_penalty: float = Field(default=0.02, ge=0, allow_inf_nan=False)
    solver: Literal["highs", "cbc"] = "highs"
    time_limit_s: float = Field(default=60.0, gt=0, le=1e7, allow_inf_nan=False)
    mip_gap: float = Field(default=1e-4, ge=0, le=1)
    mip_node_limit: int | None = Field(default=None, ge=1)
    """Work budget in place of wall-clock boxes (not read from planning.toml). None: MIP runs
    after the first are boxed in seconds (docs/decisions/0002, 0006), and each run gets what is
    left of ``time_limit_s``. A number: every MIP run stops after that many branch-and-bound
    nodes instead, and each run gets the whole ``time_limit_s`` as a safety net only, so the
    plan does not depend on the machine's speed or load (`aidplan stress`, decision 0009)."""
    exclude_donors: tuple[str, ...] = ()
    # DESIGN.md §2.2: settle text numbers and dates with two readings; read hidden content;
    # plan the rest when an item is not in the catalog (the line is reported unmet).
    decimal_separator: Literal[".", ","] | None = None
    date_order: Literal["day-first", "month-first"] | None = None
    include_hidden: bool = False
    keep_unknown: bool = False
    pledges: Literal["all", "firm"] = "all"
    """all: plan with every offer; firm: with committed and delivered offers only (§3)."""

    @field_validator("priority_weights")
    @classmethod
    def _weights(cls, v: dict[int, float]) -> dict[int, float]:
        if sorted(v) != [1, 2, 3, 4]:
            raise ValueError("priority_weights needs exactly the priorities 1, 2, 3 and 4")
        shown = ", ".join(f"{p}: {w:g}" for p, w in sorted(v.items()))
        if any(not (math.isfinite(w) and w > 0) for w in v.values()):
            raise ValueError(f"priority weights must be finite and positive, found {shown}")
        if max(v.values()) > MAX_WEIGHT_RATIO * min(v.values()):
            raise ValueError(
                f"the largest priority weight must be at most {MAX_WEIGHT_RATIO:.0e} times the"
                f" smallest, found {shown}"
            )
        return v

    @model_validator(mode="after")
    def _late(self) -> Settings:
        if self.late_penalty * self.horizon >= 1:
            raise ValueError(
                f"late_penalty × horizon must be < 1 (got {self.late_penalty} × {self.horizon}),"
                " so that a late delivery always beats none"
            )
        return self

    def period_of(self, day: dt.date) -> int:
        """The period containing ``day`` (days before start map to period 1; may exceed horizon)."""
        delta = (day - self.start).days
        return max(1, delta // self.period_days + 1)

    def date_of(self, period: int) -> dt.date:
        """First day of ``period``."""
        return self.start + dt.timedelta(days=(period - 1) * self.period_days)


class Scenario(_Frozen):
    """A what-if scenario file (DESIGN.md §2.3)."""

    name: str = "scenario"
    budget_scale: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    donor_budget_scale: dict[str, float] = Field(default_factory=dict)
    corridor_capacity_scale: dict[str, float] = Field(default_factory=dict)
    capacity_changes: tuple[CapacityChangeRow, ...] = ()
    settings: dict[str, object] = Field(default_factory=dict)
