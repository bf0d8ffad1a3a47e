"""Monetised values by evidence grade: central value with its low-to-high range."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from svcollect.charts.bars import Bar, Group, Panel, bar_chart
from svcollect.charts.figure import (
    Cell,
    Figure,
    Table,
    capitalised,
    grade_evidence,
    grade_name,
    is_suppressed,
    money,
    money_short,
    shown,
    stat_cell,
    stat_value,
)
from svcollect.i18n import gettext

LEVELS = ("low", "central", "high")


def _grade_text(grade: str, levels: Mapping[str, Any]) -> str:
    if any(is_suppressed(levels.get(k)) for k in LEVELS):
        return gettext("%(grade)s: suppressed", grade=grade_name(grade))
    low, central, high = (stat_value(levels.get(k)) for k in LEVELS)
    if central is None:
        return f"{grade_name(grade)}: –"
    if low is None or high is None or low == high:
        return gettext(
            "%(amount)s from %(evidence)s", amount=money(central), evidence=grade_evidence(grade)
        )
    return gettext(
        "%(amount)s from %(evidence)s (low %(low)s, high %(high)s)",
        amount=money(central),
        evidence=grade_evidence(grade),
        low=money(low),
        high=money(high),
    )


def values_figure(
    totals: Mapping[str, Mapping[str, Any]],
    *,
    fig_id: str,
    price_year: str | None = None,
    context: str = "",
    empty: str | None = None,
) -> Figure:
    """One row per evidence grade; grades are never added together.

    ``context`` follows the title (", each respondent counted once"); ``empty`` is what
    is said when nothing is valued (by default: choose valuation routes).
    """
    title = gettext(
        "Value by evidence grade (£, low, central and high)%(context)s", context=context
    )
    if not totals:
        empty = empty or gettext(
            "Nothing is valued yet: choose valuation routes once collections have paired responses."
        )
        return Figure(fig_id, title, empty, None, None, explanation=empty)
    values = "; ".join(_grade_text(g, levels) for g, levels in totals.items())
    if price_year:
        summary = gettext(
            "Central values: %(values)s in %(year)s prices. Grades are never added together.",
            values=values,
            year=price_year,
        )
        axis = gettext("£ in %(year)s prices; the line runs from low to high", year=price_year)
    else:
        summary = gettext(
            "Central values: %(values)s. Grades are never added together.", values=values
        )
        axis = gettext("£; the line runs from low to high")
    groups = []
    rows = []
    for grade, levels in totals.items():
        hidden = any(is_suppressed(levels.get(k)) for k in LEVELS)
        low, central, high = (stat_value(levels.get(k)) for k in LEVELS)
        bar = Bar(
            gettext("Central"),
            central,
            shown(levels.get("central"), money),
            hidden,
            low=None if hidden else low,
            high=None if hidden else high,
        )
        groups.append(Group(capitalised(grade_name(grade)), (bar,)))
        rows.append((Cell(grade_name(grade)), *(stat_cell(levels.get(k), money) for k in LEVELS)))
    panel = Panel(tuple(groups), axis, money_short)
    desc = gettext("Bar chart. %(summary)s", summary=summary)
    svg = bar_chart(fig_id, title, desc, [panel], labelled_by=f"{fig_id}-heading")
    head = (gettext("Evidence grade"), gettext("Low"), gettext("Central"), gettext("High"))
    table = Table(title, head, tuple(rows))
    explanation = None
    if any(r[2].suppressed for r in rows):
        explanation = gettext(
            "Hatched bars are suppressed values (based on too few people), not zeros."
        )
    return Figure(fig_id, title, summary, svg, table, explanation)
