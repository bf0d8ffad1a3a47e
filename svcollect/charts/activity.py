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
    capitalised,
    contracts_count,
    count_cell,
    count_shown,
    grouped,
    is_small_count,
    is_suppressed,
    long_date,
    percent,
    stat_value,
    suppressed,
)
from svcollect.charts.timeline import Unit, cumulative, period_label, timeline_chart
from svcollect.i18n import gettext, ngettext


def _unit_name(unit: Unit) -> str:
    """The period as a table's column heading."""
    if unit == "day":
        return gettext("Day")
    if unit == "week":
        return gettext("Week")
    return gettext("Month")


def _desc(unit: Unit, summary: str) -> str:
    if unit == "day":
        return gettext("Bar chart of the running total by day. %(summary)s", summary=summary)
    if unit == "week":
        return gettext("Bar chart of the running total by week. %(summary)s", summary=summary)
    return gettext("Bar chart of the running total by month. %(summary)s", summary=summary)


def responses_figure(
    title: str,
    days: Sequence[date],
    first: date,
    last: date,
    *,
    fig_id: str,
    k: int,
    declarations: bool = False,
    invitations: int = 0,
) -> Figure:
    """Submitted responses over time (running total); counts of people under k withheld.

    ``declarations``: the responses are suppliers' declarations (organisations, not people).
    """
    total = len(days)
    if total == 0:
        if declarations:
            text = gettext(
                "No supplier declarations have been submitted yet, so there is nothing to chart."
            )
        else:
            text = gettext("No responses have been submitted yet, so there is nothing to chart.")
        return Figure(fig_id, title, text, None, None, explanation=text)
    if total < k:
        if declarations:
            text = ngettext(
                "Fewer than %(num)d supplier declaration has been submitted, so the count is "
                "suppressed and not charted.",
                "Fewer than %(num)d supplier declarations have been submitted, so the count is "
                "suppressed and not charted.",
                k,
            )
        else:
            text = ngettext(
                "Fewer than %(num)d response has been submitted, so the count is suppressed "
                "and not charted.",
                "Fewer than %(num)d responses have been submitted, so the count is suppressed "
                "and not charted.",
                k,
            )
        return Figure(fig_id, title, text, None, None, explanation=text)
    unit, points = cumulative(days, first, last, k)
    count, by = f"{total:,}", long_date(max(days))
    if declarations:
        summary = ngettext(
            "%(count)s supplier declaration submitted by %(date)s",
            "%(count)s supplier declarations submitted by %(date)s",
            total,
            count=count,
            date=by,
        )
    else:
        summary = ngettext(
            "%(count)s response submitted by %(date)s",
            "%(count)s responses submitted by %(date)s",
            total,
            count=count,
            date=by,
        )
    if invitations:
        # TRANSLATORS: follows "12 responses submitted by 2 March 2026"
        summary += ngettext(
            ", %(percent)s of %(count)s invitation",
            ", %(percent)s of %(count)s invitations",
            invitations,
            percent=percent(100 * total / invitations),
            count=grouped(invitations),
        )
    if any(p.suppressed for p in points):
        # TRANSLATORS: follows "12 responses submitted by 2 March 2026"
        summary += gettext(
            "; some running totals are withheld so that no count under %(k)d can be found", k=k
        )
    summary += "."
    svg = timeline_chart(
        fig_id,
        title,
        _desc(unit, summary),
        points,
        unit,
        labelled_by=f"{fig_id}-heading",
        k=k,
        declarations=declarations,
    )
    rows = tuple(
        (
            Cell(period_label(p, unit)),
            Cell(suppressed(), True, True) if p.new is None else Cell(f"{p.new:,}", True),
            Cell(suppressed(), True, True) if p.total is None else Cell(f"{p.total:,}", True),
        )
        for p in points
    )
    new = gettext("New supplier declarations") if declarations else gettext("New responses")
    table = Table(title, (_unit_name(unit), new, gettext("Running total")), rows)
    return Figure(fig_id, title, summary, svg, table)


def _counts_summary(
    rows: Sequence[tuple[str, Mapping[str, Any]]], total: Mapping[str, Any], k: int | None
) -> str:
    contracts = contracts_count(len(rows))
    if k is not None and is_small_count(total, k):
        summary = ngettext(
            "Fewer than %(num)d survey response in total across %(contracts)s",
            "Fewer than %(num)d survey responses in total across %(contracts)s",
            k,
            contracts=contracts,
        )
    elif is_suppressed(total):
        summary = gettext(
            "The total of survey responses is suppressed across %(contracts)s",
            contracts=contracts,
        )
    else:
        value = stat_value(total)
        summary = ngettext(
            "%(count)s survey response in total across %(contracts)s",
            "%(count)s survey responses in total across %(contracts)s",
            int(value or 0),
            count=count_shown(total, k),
            contracts=contracts,
        )
    hidden = sum(1 for _, stat in rows if stat.get("suppressed"))
    if hidden:
        # TRANSLATORS: follows "48 survey responses in total across 5 contracts"
        summary += ngettext(
            "; %(count)s contract count is suppressed",
            "; %(count)s contract counts are suppressed",
            hidden,
            count=grouped(hidden),
        )
        if k is None:
            # TRANSLATORS: follows "; 2 contract counts are suppressed"
            summary += gettext(" (fewer than the threshold)")
        elif all(is_small_count(stat, k) for _, stat in rows if stat.get("suppressed")):
            # TRANSLATORS: follows "; 2 contract counts are suppressed"
            summary += ngettext(
                " (fewer than %(num)d survey response)", " (fewer than %(num)d survey responses)", k
            )
        else:
            # TRANSLATORS: follows "; 2 contract counts are suppressed"
            summary += ngettext(
                " (fewer than %(num)d survey response, or hidden so that such a count cannot "
                "be worked out)",
                " (fewer than %(num)d survey responses, or hidden so that such a count cannot "
                "be worked out)",
                k,
            )
    return capitalised(summary + ".")


def counts_figure(
    title: str,
    rows: Sequence[tuple[str, Mapping[str, Any]]],
    total: Mapping[str, Any],
    *,
    fig_id: str,
    k: int | None = None,
) -> Figure:
    """One bar per row (e.g. contract) with its count of survey responses; suppressed counts
    hatched, never 0.

    With ``k`` (counts of people), a count withheld for being 1 to k-1 reads "fewer than k".
    """
    if not rows or stat_value(total) == 0:
        text = gettext("No survey responses have been submitted on these contracts yet.")
        return Figure(fig_id, title, text, None, None, explanation=text)
    summary = _counts_summary(rows, total, k)
    groups = tuple(
        Group(
            label,
            (
                Bar(
                    gettext("Responses"),
                    stat_value(stat),
                    count_shown(stat, k),
                    bool(stat.get("suppressed")),
                ),
            ),
        )
        for label, stat in rows
    )
    panel = Panel(groups, gettext("Number of survey responses"), lambda v: f"{v:,.0f}")
    desc = gettext("Bar chart. %(summary)s", summary=summary)
    svg = bar_chart(fig_id, title, desc, [panel], labelled_by=f"{fig_id}-heading")
    cells = tuple((Cell(label), count_cell(stat, k)) for label, stat in rows)
    cells += ((Cell(gettext("Total")), count_cell(total, k)),)
    head = (gettext("Contract"), gettext("Survey responses"))
    return Figure(fig_id, title, summary, svg, Table(title, head, cells))
