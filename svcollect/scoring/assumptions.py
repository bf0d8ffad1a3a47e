"""Valuation assumptions: one frozen record with a source note per value, validated and hashed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from types import MappingProxyType
from typing import Any

from svcollect.scoring.deflators import (
    BASES,
    Basis,
    DeflatorSeries,
    PriceYear,
    UnknownPriceYearError,
    deflator_series,
)
from svcollect.scoring.provenance import sha256_of

FRACTIONS = ("drop_off", "deadweight", "attribution", "displacement", "discount_rate")
WELLBY_VALUES = ("wellby_value_low", "wellby_value_central", "wellby_value_high")
LABELS = {
    "wellby_value_low": "Low value per WELLBY",
    "wellby_value_central": "Central value per WELLBY",
    "wellby_value_high": "High value per WELLBY",
    "wellby_price_year": "Price year of the WELLBY values",
    "reporting_price_year": "Reporting price year",
    "deflator_basis": "Deflator series",
    "deflator_vintage": "Deflator vintage",
    "duration_years": "Duration",
    "drop_off": "Drop-off",
    "deadweight": "Deadweight",
    "attribution": "Attribution",
    "displacement": "Displacement",
    "discount_rate": "Discount rate",
}
_GREEN_BOOK = "HM Treasury Green Book wellbeing guidance (July 2021)"
DEFAULT_SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "wellby_value_low": f"{_GREEN_BOOK}: low end of £10,000-£16,000",
        "wellby_value_central": f"{_GREEN_BOOK}: £13,000 in 2019 prices",
        "wellby_value_high": f"{_GREEN_BOOK}: high end of £10,000-£16,000",
        "wellby_price_year": f"{_GREEN_BOOK}: 2019 prices",
        "reporting_price_year": "default: no uplift (same as the WELLBY price year)",
        "deflator_basis": "HM Treasury GDP deflators: MNF2 calendar years (L8GG financial years)",
        "deflator_vintage": "latest shipped vintage of the chosen series",
        "duration_years": "default: one year; set from evidence of how long the benefit lasts",
        "drop_off": "default: none; SROI guide (Cabinet Office 2012)",
        "deadweight": "default: none; SROI guide (Cabinet Office 2012)",
        "attribution": "default: none; SROI guide (Cabinet Office 2012)",
        "displacement": "default: none; SROI guide (Cabinet Office 2012)",
        "discount_rate": (
            "HM Treasury Green Book: 3.5%; whether WELLBYs use the 1.5% health and life "
            "rate is unconfirmed"
        ),
    }
)


class InvalidAssumptionsError(ValueError):
    """One or more assumptions are out of bounds; ``errors`` maps field to message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


def _percent(value: float) -> str:
    return f"{value * 100:g}%"


def _out_of_order(a: ValuationAssumptions) -> dict[str, str]:
    """Low and high bound the central value (the guidance's own figure, £13,000), so the
    one on the wrong side of it is the one that is wrong; swapped, both are."""
    errors: dict[str, str] = {}
    if a.wellby_value_low > a.wellby_value_central:
        errors["wellby_value_low"] = (
            "The low value per WELLBY must be no more than the central value"
        )
    if a.wellby_value_high < a.wellby_value_central:
        errors["wellby_value_high"] = (
            "The high value per WELLBY must be no less than the central value"
        )
    return errors


def _check(a: ValuationAssumptions) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in (*WELLBY_VALUES, "duration_years", *FRACTIONS):
        value = getattr(a, name)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            errors[name] = f"{LABELS[name]} must be a number"
    for name in FRACTIONS:
        value = getattr(a, name)
        if name not in errors and not 0.0 <= value <= 1.0:
            # Only files and the CLI give fractions (the form takes percentages, 0 to 100).
            errors[name] = (
                f"{LABELS[name]} must be between 0% and 100% (a fraction from 0 to 1); "
                f"got {value:g} ({_percent(value)})"
            )
    for name in WELLBY_VALUES:
        if name not in errors and getattr(a, name) < 0:
            errors[name] = f"{LABELS[name]} must be £0 or more"
    if not any(n in errors for n in WELLBY_VALUES):
        errors.update(_out_of_order(a))
    if "duration_years" not in errors and a.duration_years <= 0:
        errors["duration_years"] = f"{LABELS['duration_years']} must be more than 0 years"
    if a.deflator_basis not in BASES:
        errors["deflator_basis"] = (
            f"{LABELS['deflator_basis']} must be 'financial' (L8GG) or 'calendar' (MNF2)"
        )
        return errors
    try:
        series = deflator_series(a.deflator_basis, a.deflator_vintage)
    except ValueError as exc:
        errors["deflator_vintage"] = f"{LABELS['deflator_vintage']}: {exc}"
        return errors
    for name in ("wellby_price_year", "reporting_price_year"):
        try:
            series.label(getattr(a, name))
        except UnknownPriceYearError as exc:
            errors[name] = f"{LABELS[name]}: {exc}"
    unknown = sorted(set(a.sources) - set(LABELS))
    if unknown:
        errors["sources"] = f"Source notes name unknown assumptions: {', '.join(unknown)}"
    return errors


@dataclass(frozen=True)
class ValuationAssumptions:
    """Every number a valuation uses, each with a source note (``sources``).

    Fractions are 0..1. ``deflator_vintage`` None means the latest shipped vintage of the
    basis; it is resolved on creation so the fingerprint names the actual vintage.
    Construction raises InvalidAssumptionsError naming each bad field.
    """

    wellby_value_low: float = 10_000.0
    wellby_value_central: float = 13_000.0
    wellby_value_high: float = 16_000.0
    wellby_price_year: PriceYear = 2019
    reporting_price_year: PriceYear = 2019
    deflator_basis: Basis = "calendar"
    deflator_vintage: str | None = None
    duration_years: float = 1.0
    drop_off: float = 0.0
    deadweight: float = 0.0
    attribution: float = 0.0
    displacement: float = 0.0
    discount_rate: float = 0.035
    sources: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SOURCES))

    def __post_init__(self) -> None:
        for name in (*WELLBY_VALUES, "duration_years", *FRACTIONS):
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, name, float(value))
        object.__setattr__(self, "sources", {**DEFAULT_SOURCES, **dict(self.sources)})
        if self.deflator_vintage is None and self.deflator_basis in BASES:
            object.__setattr__(
                self, "deflator_vintage", deflator_series(self.deflator_basis).vintage
            )
        errors = _check(self)
        if errors:
            raise InvalidAssumptionsError(errors)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ValuationAssumptions:
        """Build from a mapping (e.g. stored JSON); unknown keys are refused by name."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise InvalidAssumptionsError(
                {k: f"{k} is not a valuation assumption" for k in unknown}
            )
        return cls(**dict(values))

    @property
    def series(self) -> DeflatorSeries:
        return deflator_series(self.deflator_basis, self.deflator_vintage)

    @property
    def price_year_label(self) -> str:
        return self.series.label(self.reporting_price_year)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["sources"] = dict(sorted(self.sources.items()))
        return out

    @property
    def sha256(self) -> str:
        """Stable fingerprint of every assumption and its source (canonical JSON)."""
        return sha256_of(self.to_dict())


def validate_assumptions(values: Mapping[str, Any]) -> dict[str, str]:
    """Messages per field for a mapping of assumptions; empty when they are all valid."""
    try:
        ValuationAssumptions.from_mapping(values)
    except InvalidAssumptionsError as exc:
        return exc.errors
    except TypeError as exc:
        return {"assumptions": str(exc)}
    return {}
