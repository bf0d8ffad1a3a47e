"""Totals of valuations split by evidence grade, never mixing price years or revealing figures."""

from __future__ import annotations

from collections.abc import Sequence

from svcollect.scoring.grades import GRADE_ORDER
from svcollect.scoring.suppression import Stat, total_of
from svcollect.scoring.valuation import LEVELS, Valuation


def totals_by_grade(valuations: Sequence[Valuation]) -> dict[str, dict[str, Stat]]:
    """Low/central/high totals per evidence grade (grades with no figures are left out).

    Grades are never added together. A total that includes exactly one withheld figure is
    withheld too, since the hidden figure would be the total minus the others.
    """
    years = sorted({v.price_year for v in valuations})
    if len(years) > 1:
        raise ValueError(
            f"Figures are in different price years ({', '.join(years)}); value them in one "
            "reporting price year before adding them up."
        )
    out: dict[str, dict[str, Stat]] = {}
    for grade in GRADE_ORDER:
        group = [v for v in valuations if v.evidence_grade == grade]
        if group:
            out[grade.value] = {k: total_of([v.total[k] for v in group]) for k in LEVELS}
    return out


def totals_to_dict(totals: dict[str, dict[str, Stat]]) -> dict[str, dict[str, object]]:
    return {g: {k: s.to_dict() for k, s in levels.items()} for g, levels in totals.items()}
