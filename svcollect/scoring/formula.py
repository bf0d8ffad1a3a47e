"""The valuation formula, price-year uplift and the Valuation record every route returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from svcollect.scoring.assumptions import ValuationAssumptions
from svcollect.scoring.deflators import PriceYear, parse_price_year
from svcollect.scoring.grades import EvidenceGrade
from svcollect.scoring.suppression import Stat, withheld

# One formula for every route (DOMAIN.md 3.1-3.2):
#
#     value = sum over years t = 1..T of
#             Q x V x (1 - deadweight) x (1 - displacement) x (1 - attribution)
#               x (1 - drop_off)^(t-1) x w_t / (1 + r)^(t-1)
#
#     T = duration rounded up; w_t = min(1, duration - (t - 1)), so every year counts in
#     full except a final part year, which is pro-rated (0.5 years -> w_1 = 0.5).
#     V = value in the reporting price year = V_base x deflator(reporting) / deflator(base).
#
# Q is N x mean life-satisfaction change (WELLBYs a year) for the WELLBY route, the number
# of units for a counted outcome and the number of people moving band for band movement.
FORMULA = (
    "value = sum over years t = 1..T of Q x V x (1 - deadweight) x (1 - displacement) "
    "x (1 - attribution) x (1 - drop_off)^(t-1) x w_t / (1 + r)^(t-1); T = duration rounded up; "
    "w_t = min(1, duration - (t - 1)); V = V_base x deflator(reporting year) / deflator(base year)"
)
LEVELS = ("low", "central", "high")


@dataclass(frozen=True)
class Valuation:
    """One monetised figure, low/central/high, in one price year, with how it was made.

    ``total`` and ``per_unit`` map low/central/high to a Stat (withheld when based on fewer
    than k people). ``contributions`` (per respondent code; individual-level) is kept for
    portfolio de-duplication and is never part of ``to_dict``. ``route_ref`` says which
    stored valuation route made it (its id, collections and value-table version): the
    services set it, so an evidence pack can trace each row; pure callers leave it None.
    """

    route: str
    outcome: str
    evidence_grade: EvidenceGrade
    price_year: str
    quantity: Stat
    quantity_unit: str
    per_unit: dict[str, Stat]
    total: dict[str, Stat]
    formula: str
    calculation: str
    inputs: dict[str, Any]
    assumptions_sha256: str
    value_source: dict[str, Any]
    notes: tuple[str, ...]
    contributions: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    route_ref: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "route": self.route,
            "outcome": self.outcome,
            "evidence_grade": self.evidence_grade.value,
            "price_year": self.price_year,
            "quantity": {**self.quantity.to_dict(), "unit": self.quantity_unit},
            "per_unit": {k: self.per_unit[k].to_dict() for k in LEVELS},
            "total": {k: self.total[k].to_dict() for k in LEVELS},
            "formula": self.formula,
            "calculation": self.calculation,
            "inputs": self.inputs,
            "assumptions_sha256": self.assumptions_sha256,
            "value_source": self.value_source,
            "notes": list(self.notes),
        }
        if self.route_ref is not None:
            out["route_ref"] = self.route_ref
        return out


def duration_weights(duration_years: float, drop_off: float, discount_rate: float) -> list[float]:
    """The yearly multipliers w_t x (1 - drop_off)^(t-1) / (1 + r)^(t-1), t = 1..T."""
    if not duration_years > 0:
        raise ValueError(f"Duration must be more than 0 years; got {duration_years:g}")
    years = math.ceil(duration_years - 1e-12)
    return [
        min(1.0, duration_years - t) * (1.0 - drop_off) ** t / (1.0 + discount_rate) ** t
        for t in range(years)
    ]


def adjustment_factor(a: ValuationAssumptions, *, deadweight_included: bool = False) -> float:
    """(1 - deadweight) x (1 - displacement) x (1 - attribution); deadweight skipped if included."""
    deadweight = 0.0 if deadweight_included else a.deadweight
    return (1.0 - deadweight) * (1.0 - a.displacement) * (1.0 - a.attribution)


def money(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"


@dataclass(frozen=True)
class Prices:
    values: dict[str, float]
    base_year: str
    factor: float
    inputs: dict[str, Any]
    #: price years as given that the series reads as another label ("2019" -> "2019-20")
    reread: dict[str, str] = field(default_factory=dict)


def uplift(base_values: dict[str, float], base_year: PriceYear, a: ValuationAssumptions) -> Prices:
    series = a.series
    base_label = series.label(base_year)
    target = series.label(a.reporting_price_year)
    factor = series.factor(base_label, target)
    # a calendar year read as a financial one is said so, not done silently
    reread = {
        str(given): label
        for given, label in ((base_year, base_label), (a.reporting_price_year, target))
        if str(given) != label and not parse_price_year(given)[1]
    }
    inputs = {
        "deflator": series.describe(),
        "base_price_year": base_label,
        "reporting_price_year": target,
        "deflator_base_year": series.index(base_label),
        "deflator_reporting_year": series.index(target),
        "uplift_factor": factor,
        "reporting_year_is_forecast": series.is_forecast(target),
    }
    return Prices(
        {k: v * factor for k, v in base_values.items()}, base_label, factor, inputs, reread
    )


def build(
    *,
    route: str,
    outcome: str,
    grade: EvidenceGrade,
    quantity: float,
    n: int,
    unit: str,
    prices: Prices,
    a: ValuationAssumptions,
    deadweight_included: bool,
    hide: str | None,
    value_source: dict[str, Any],
    notes: list[str],
    quantity_text: str,
    extra_inputs: dict[str, Any],
    contributions: pd.DataFrame | None = None,
) -> Valuation:
    adj = adjustment_factor(a, deadweight_included=deadweight_included)
    weights = duration_weights(a.duration_years, a.drop_off, a.discount_rate)
    duration = sum(weights)
    # One unit of the quantity (a WELLBY, a person, an hour): per unit x quantity = total.
    per_unit = {k: prices.values[k] * adj * duration for k in LEVELS}
    totals = {k: quantity * prices.values[k] * adj * duration for k in LEVELS}
    inputs: dict[str, Any] = {
        **prices.inputs,
        "value_per_unit_base_prices": {k: prices.values[k] / prices.factor for k in LEVELS},
        "value_per_unit_reporting_prices": prices.values,
        "deadweight_applied": 0.0 if deadweight_included else a.deadweight,
        "displacement": a.displacement,
        "attribution": a.attribution,
        "adjustment_factor": adj,
        "duration_years": a.duration_years,
        "drop_off": a.drop_off,
        "discount_rate": a.discount_rate,
        "yearly_weights": weights,
        "duration_factor": duration,
    }
    if deadweight_included:
        notes.append("Deadweight is not deducted: the value table says it is already included.")
    for given, label in prices.reread.items():
        notes.append(
            f"The price year {given} is read as the financial year {label} (April to March): "
            "the assumptions use the financial-year deflator series."
        )
    if prices.inputs["reporting_year_is_forecast"]:
        notes.append("The reporting price year uses a forecast deflator (OBR), not an outturn.")
    if hide is None:
        inputs.update(extra_inputs)
        calc = (
            f"{quantity_text} x {money(prices.values['central'])} x {adj:g} (adjustments) "
            f"x {duration:g} (duration factor) = {money(totals['central'])} (central)"
        )
        total = {k: Stat(totals[k], n) for k in LEVELS}
        unit_stats = {k: Stat(per_unit[k], n) for k in LEVELS}
        quantity_stat = Stat(quantity, n)
    else:
        calc = f"withheld: {hide}"
        total = {k: withheld(n, hide, hidden=totals[k]) for k in LEVELS}
        unit_stats = {k: withheld(n, hide, hidden=per_unit[k]) for k in LEVELS}
        quantity_stat = withheld(n, hide, hidden=quantity, n_disclosed=False)
    return Valuation(
        route=route,
        outcome=outcome,
        evidence_grade=grade,
        price_year=str(prices.inputs["reporting_price_year"]),
        quantity=quantity_stat,
        quantity_unit=unit,
        per_unit=unit_stats,
        total=total,
        formula=FORMULA,
        calculation=calc,
        inputs=inputs,
        assumptions_sha256=a.sha256,
        value_source=value_source,
        notes=tuple(notes),
        contributions=contributions,
    )
