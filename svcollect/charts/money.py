"""Monetised values by evidence grade: central value with its low-to-high range."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from svcollect.charts.bars import Bar, Group, Panel, bar_chart
from svcollect.charts.figure import (
    Cell,
    Figure,
    Table,
    is_suppressed,
    money,
    money_short,
    shown,
    stat_value,
)

LEVELS = ("low", "central", "high")


def _grade_text(grade: str, levels: Mapping[str, Any]) -> str:
    if any(is_suppressed(levels.get(k)) for k in LEVELS):
        return f"{grade}: suppressed"
    low, central, high = (stat_value(levels.get(k)) for k in LEVELS)
    if central is None:
        return f"{grade}: –"
    if low is None or high is None or low == high:
        return f"{money(central)} from {_evidence(grade)}"
    return f"{money(central)} from {_evidence(grade)} (low {money(low)}, high {money(high)})"


def _evidence(grade: str) -> str:
    """ "paired survey evidence", but "supplier declaration accepted on evidence" as it is."""
    return grade if grade.endswith("evidence") else f"{grade} evidence"


def values_figure(
    totals: Mapping[str, Mapping[str, Any]],
    *,
    fig_id: str,
    price_year: str | None = None,
    context: str = "",
    empty: str = "Nothing is valued yet: choose valuation routes once collections have "
    "paired responses.",
) -> Figure:
    """One row per evidence grade; grades are never added together."""
    title = f"Value by evidence grade (£, low, central and high){context}"
    if not totals:
        return Figure(fig_id, title, empty, None, None, explanation=empty)
    prices = f" in {price_year} prices" if price_year else ""
    summary = (
        "Central values: "
        + "; ".join(_grade_text(g, levels) for g, levels in totals.items())
        + f"{prices}. Grades are never added together."
    )
    groups = []
    rows = []
    for grade, levels in totals.items():
        hidden = any(is_suppressed(levels.get(k)) for k in LEVELS)
        low, central, high = (stat_value(levels.get(k)) for k in LEVELS)
        bar = Bar(
            "Central",
            central,
            shown(levels.get("central"), money),
            hidden,
            low=None if hidden else low,
            high=None if hidden else high,
        )
        groups.append(Group(grade[:1].upper() + grade[1:], (bar,)))
        rows.append(
            (Cell(grade), *(Cell(shown(levels.get(k), money), numeric=True) for k in LEVELS))
        )
    panel = Panel(tuple(groups), f"£{prices}; the line runs from low to high", money_short)
    svg = bar_chart(
        fig_id, title, f"Bar chart. {summary}", [panel], labelled_by=f"{fig_id}-heading"
    )
    table = Table(title, ("Evidence grade", "Low", "Central", "High"), tuple(rows))
    explanation = None
    if any(r[2].text == "suppressed" for r in rows):
        explanation = "Hatched bars are suppressed values (based on too few people), not zeros."
    return Figure(fig_id, title, summary, svg, table, explanation)
