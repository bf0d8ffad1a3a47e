"""Figures for responses: running totals per collection, and counts per contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from svcollect.charts.bars import Bar, Group, Panel, bar_chart
from svcollect.charts.figure import (
    Cell,
    Figure,
    Table,
    count_shown,
    count_text,
    is_small_count,
    percent,
    stat_value,
)
from svcollect.charts.timeline import cumulative, period_label, timeline_chart


def responses_figure(
    title: str,
    days: Sequence[date],
    first: date,
    last: date,
    *,
    fig_id: str,
    k: int,
    noun: str = "response",
    invitations: int = 0,
) -> Figure:
    """Submitted responses over time (running total); counts of people under k withheld."""
    total = len(days)
    if total == 0:
        text = f"No {noun}s have been submitted yet, so there is nothing to chart."
        return Figure(fig_id, title, text, None, None, explanation=text)
    if total < k:
        text = (
            f"Fewer than {k} {noun}s have been submitted, so the count is suppressed and "
            "not charted."
        )
        return Figure(fig_id, title, text, None, None, explanation=text)
    unit, points = cumulative(days, first, last, k)
    summary = f"{count_text(total, noun)} submitted by {max(days).strftime('%-d %B %Y')}"
    if invitations:
        summary += (
            f", {percent(100 * total / invitations)} of {count_text(invitations, 'invitation')}"
        )
    if any(p.suppressed for p in points):
        summary += f"; some running totals are withheld so that no count under {k} can be found"
    summary += "."
    svg = timeline_chart(
        fig_id,
        title,
        f"Bar chart of the running total by {unit}. {summary}",
        points,
        unit,
        labelled_by=f"{fig_id}-heading",
        k=k,
    )
    rows = tuple(
        (
            Cell(period_label(p, unit)),
            Cell("suppressed" if p.new is None else f"{p.new:,}", numeric=True),
            Cell("suppressed" if p.total is None else f"{p.total:,}", numeric=True),
        )
        for p in points
    )
    table = Table(title, (unit.capitalize(), f"New {noun}s", "Running total"), rows)
    return Figure(fig_id, title, summary, svg, table)


def counts_figure(
    title: str,
    rows: Sequence[tuple[str, Mapping[str, Any]]],
    total: Mapping[str, Any],
    *,
    fig_id: str,
    noun: str = "survey response",
    k: int | None = None,
) -> Figure:
    """One bar per row (e.g. contract) with its count; suppressed counts hatched, never 0.

    With ``k`` (counts of people), a count withheld for being 1 to k-1 reads "fewer than k".
    """
    if not rows or stat_value(total) == 0:
        text = f"No {noun}s have been submitted on these contracts yet."
        return Figure(fig_id, title, text, None, None, explanation=text)
    hidden = sum(1 for _, stat in rows if stat.get("suppressed"))
    total_text = count_shown(total, k)
    summary = f"{total_text} {noun}s in total across {count_text(len(rows), 'contract')}"
    summary = summary[:1].upper() + summary[1:]  # "Fewer than 10 ..."
    if total_text == "suppressed":
        summary = f"The total of {noun}s is suppressed across {count_text(len(rows), 'contract')}"
    if hidden:
        verb = "is" if hidden == 1 else "are"
        summary += f"; {count_text(hidden, 'contract count')} {verb} suppressed"
        if k is None:
            summary += " (fewer than the threshold)"
        elif all(is_small_count(stat, k) for _, stat in rows if stat.get("suppressed")):
            summary += f" (fewer than {k} {noun}s)"
        else:
            summary += (
                f" (fewer than {k} {noun}s, or hidden so that such a count cannot be worked out)"
            )
    summary += "."
    groups = tuple(
        Group(
            label,
            (
                Bar(
                    "Responses",
                    stat_value(stat),
                    count_shown(stat, k),
                    bool(stat.get("suppressed")),
                ),
            ),
        )
        for label, stat in rows
    )
    panel = Panel(groups, f"Number of {noun}s", lambda v: f"{v:,.0f}")
    svg = bar_chart(
        fig_id, title, f"Bar chart. {summary}", [panel], labelled_by=f"{fig_id}-heading"
    )
    cells = tuple((Cell(label), Cell(count_shown(stat, k), numeric=True)) for label, stat in rows)
    cells += ((Cell("Total"), Cell(total_text, numeric=True)),)
    return Figure(
        fig_id, title, summary, svg, Table(title, ("Contract", noun.capitalize() + "s"), cells)
    )
