"""Valuation routes: WELLBY, counted outcome and band movement, each with its inputs shown."""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from svcollect.scoring.assumptions import ValuationAssumptions
from svcollect.scoring.change import OutcomeChange
from svcollect.scoring.formula import (
    FORMULA,
    LEVELS,
    Prices,
    Valuation,
    adjustment_factor,
    build,
    duration_weights,
    uplift,
)
from svcollect.scoring.grades import EvidenceGrade
from svcollect.scoring.suppression import REASON_ALIKE, SuppressionPolicy, reason_small
from svcollect.scoring.value_tables import ValueTable, ValueTableEntry

__all__ = [
    "FORMULA",
    "LEVELS",
    "Valuation",
    "adjustment_factor",
    "duration_weights",
    "value_band_movement",
    "value_counted_outcome",
    "value_wellby",
    "wellby_per_person",
    "wellby_value",
]
BAND_MEASURES = ("wemwbs", "swemwbs")


def _wellby_prices(a: ValuationAssumptions) -> Prices:
    base = {
        "low": a.wellby_value_low,
        "central": a.wellby_value_central,
        "high": a.wellby_value_high,
    }
    return uplift(base, a.wellby_price_year, a)


_WELLBY_SOURCE = {
    "name": "HM Treasury Green Book supplementary guidance: wellbeing (July 2021)",
    "note": "1 WELLBY = one point of life satisfaction (0-10) for one person for one year",
}


def wellby_per_person(mean_change: float, a: ValuationAssumptions) -> dict[str, float]:
    """Value of one person's life-satisfaction change (points) under the assumptions."""
    prices = _wellby_prices(a)
    factor = adjustment_factor(a) * sum(
        duration_weights(a.duration_years, a.drop_off, a.discount_rate)
    )
    return {k: mean_change * prices.values[k] * factor for k in LEVELS}


def wellby_value(
    n_people: int,
    mean_change: float,
    a: ValuationAssumptions,
    *,
    policy: SuppressionPolicy | None = None,
    grade: EvidenceGrade = EvidenceGrade.PAIRED_SURVEY,
    contributions: pd.DataFrame | None = None,
    hide: str | None = None,
) -> Valuation:
    """Route (a) from figures: N people with a paired mean life-satisfaction change (points).

    ``hide`` withholds the value for a reason of the caller's (a mean change that is each
    person's change); fewer than k people always withhold it.
    """
    policy = policy or SuppressionPolicy()
    if n_people < 0 or not math.isfinite(mean_change):
        raise ValueError("n_people must be 0 or more and mean_change a finite number")
    notes = ["Low, central and high use the Green Book range of values per WELLBY."]
    if mean_change < 0:
        notes.append("Life satisfaction fell, so this value is negative (a disbenefit).")
    return build(
        route="wellby",
        outcome="life satisfaction (WELLBY)",
        grade=grade,
        quantity=n_people * mean_change,
        n=n_people,
        unit="WELLBYs a year (people x mean change in points)",
        prices=_wellby_prices(a),
        a=a,
        deadweight_included=False,
        hide=reason_small(policy.k) if 0 < n_people < policy.k else hide,
        value_source=_WELLBY_SOURCE,
        notes=notes,
        quantity_text=f"{n_people} people x {mean_change:g} points",
        extra_inputs={"n_people": n_people, "mean_change": mean_change},
        contributions=contributions,
    )


def value_wellby(change: OutcomeChange, a: ValuationAssumptions) -> Valuation:
    """Route (a): WELLBYs from a paired change in ONS life satisfaction."""
    if change.measure != "life_satisfaction":
        raise ValueError(f"WELLBY valuation needs life_satisfaction change, not {change.measure}")
    if change.method != "paired" or change.paired is None:
        raise ValueError(
            "WELLBY valuation needs a paired life-satisfaction change (the same people at "
            f"baseline and follow-up); this change is {change.method!r}"
        )
    mean = change.paired.mean_change.raw
    assert mean is not None  # a paired change always has a mean
    per_person = wellby_per_person(1.0, a)
    pairs = change.pairs
    contributions = pd.DataFrame(
        {"respondent": pairs["respondent"].array}
        | {k: pairs["change"].to_numpy() * per_person[k] for k in LEVELS}
    )
    # everyone's change the same: the value per person would be each person's change
    stat = change.paired.mean_change
    return wellby_value(
        change.n_paired,
        float(mean),
        a,
        policy=change.policy,
        contributions=contributions,
        hide=stat.reason if stat.suppressed else None,
    )


def _table_source(table: ValueTable, entry: ValueTableEntry) -> dict[str, Any]:
    return {
        "table": table.name,
        "table_sha256": table.sha256,
        "outcome_code": entry.outcome_code,
        "description": entry.description,
        "unit": entry.unit,
        "value": entry.value,
        "price_year": entry.price_year,
        "source": entry.source,
        "licence": entry.licence,
        "deadweight_included": entry.deadweight_included,
        "row": entry.row,
    }


def _entry(table: ValueTable, outcome_code: str) -> ValueTableEntry:
    try:
        return table.entries[outcome_code]
    except KeyError:
        raise ValueError(
            f"value table {table.name!r} has no outcome code {outcome_code!r}"
        ) from None


def value_counted_outcome(
    table: ValueTable,
    outcome_code: str,
    quantity: float,
    a: ValuationAssumptions,
    *,
    n_responses: int,
    grade: EvidenceGrade,
) -> Valuation:
    """Route (b): an imported value-table entry times a counted quantity (units, not people).

    Counts of delivered outcomes are not suppressed: they describe delivery, not people's
    answers. The grade says whether the count was accepted on evidence or only declared.
    """
    if not math.isfinite(quantity) or quantity < 0:
        raise ValueError(f"quantity must be 0 or more; got {quantity}")
    entry = _entry(table, outcome_code)
    prices = uplift({k: entry.value for k in LEVELS}, entry.price_year, a)
    return build(
        route="counted_outcome",
        outcome=entry.outcome_code,
        grade=grade,
        quantity=float(quantity),
        n=n_responses,
        unit=entry.unit,
        prices=prices,
        a=a,
        deadweight_included=entry.deadweight_included,
        hide=None,
        value_source=_table_source(table, entry),
        notes=["The value table gives one value, so low, central and high are the same."],
        quantity_text=f"{quantity:g} {entry.unit}",
        extra_inputs={"quantity": quantity},
    )


def value_band_movement(
    change: OutcomeChange,
    table: ValueTable,
    outcome_code: str,
    a: ValuationAssumptions,
    *,
    from_bands: Collection[str] | None = None,
    to_bands: Collection[str] | None = None,
) -> Valuation:
    """Route (c): an imported per-person value for each paired person moving to a better band."""
    if change.measure not in BAND_MEASURES:
        raise ValueError(f"band-movement valuation needs WEMWBS or SWEMWBS, not {change.measure}")
    if change.method != "paired":
        raise ValueError("band-movement valuation needs paired scores (the same people twice)")
    entry = _entry(table, outcome_code)
    moved = change.band_improvement_mask(from_bands, to_bands)
    movers = int(moved.sum())
    prices = uplift({k: entry.value for k in LEVELS}, entry.price_year, a)
    pairs = change.pairs
    factor = adjustment_factor(a, deadweight_included=entry.deadweight_included) * sum(
        duration_weights(a.duration_years, a.drop_off, a.discount_rate)
    )
    contributions = pd.DataFrame(
        {"respondent": pairs["respondent"].array[moved]}
        | {k: np.full(int(moved.sum()), prices.values[k] * factor) for k in LEVELS}
    )
    k = change.policy.k
    return build(
        route="band_movement",
        outcome=entry.outcome_code,
        grade=EvidenceGrade.PAIRED_SURVEY,
        quantity=float(movers),
        n=movers,
        unit="people moving to a better band",
        prices=prices,
        a=a,
        deadweight_included=entry.deadweight_included,
        hide=(
            reason_small(k)
            if 0 < movers < k
            # everyone paired moved: the value would say each person's band improved
            else REASON_ALIKE
            if movers and movers == change.n_paired
            else None
        ),
        value_source=_table_source(table, entry),
        notes=[
            f"{change.measure} band movement: from "
            f"{sorted(from_bands) if from_bands else 'any band'} "
            f"to {sorted(to_bands) if to_bands else 'any better band'}.",
            "The value table gives one value, so low, central and high are the same.",
        ],
        quantity_text=f"{movers} people",
        extra_inputs={"people_moving": movers},
        contributions=contributions,
    )
