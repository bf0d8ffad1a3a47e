"""Figures across contracts: one measure's change in each contract, side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from svcollect.charts.bars import Bar, Group, Panel, Reference, bar_chart
from svcollect.charts.figure import (
    Cell,
    Figure,
    Table,
    contracts_count,
    grade_name,
    is_suppressed,
    shown,
    signed,
    stat_cell,
    stat_value,
)
from svcollect.i18n import gettext, ngettext

Change = Mapping[str, Any]


def _parts(change: Change) -> tuple[Mapping[str, Any] | None, Any, Any]:
    if change["method"] == "paired" and change.get("paired"):
        p = change["paired"]
        return p["mean_change"], p["ci_low"], p["ci_high"]
    if change["method"] == "unpaired" and change.get("cohort"):
        c = change["cohort"]
        return c["difference"], c["ci_low"], c["ci_high"]
    return None, None, None


def _summary(label: str, counts: dict[str, int], pairs: int, contracts: int | None, k: int) -> str:
    if contracts is None or contracts == pairs:
        whole = contracts_count(pairs)
    else:
        whole = ngettext(
            "%(num)d baseline and follow-up pair in %(contracts)s",
            "%(num)d baseline and follow-up pairs in %(contracts)s",
            pairs,
            contracts=contracts_count(contracts),
        )
    summary = gettext(
        "%(label)s rose in %(rose)d, fell in %(fell)d and did not change in %(same)d of %(whole)s",
        label=label,
        rose=counts["rose"],
        fell=counts["fell"],
        same=counts["same"],
        whole=whole,
    )
    if counts["hidden"]:
        # TRANSLATORS: follows "… rose in 2, fell in 0 and did not change in 0 of 3 contracts"
        summary += ngettext(
            "; %(hidden)d suppressed (fewer than %(num)d person)",
            "; %(hidden)d suppressed (fewer than %(num)d people)",
            k,
            hidden=counts["hidden"],
        )
    if counts["missing"]:
        # TRANSLATORS: follows "… rose in 2, fell in 0 and did not change in 0 of 3 contracts"
        summary += gettext("; %(missing)d without a measured change yet", missing=counts["missing"])
    return summary + "."


def comparison_figure(
    label: str,
    rows: Sequence[tuple[str, Change]],
    *,
    fig_id: str,
    k: int,
    contracts: int | None = None,
) -> Figure:
    """The change in one measure in each contract, with 95% confidence intervals.

    A contract surveyed more than once has a row per baseline and follow-up pair; then
    ``contracts`` says how many contracts the rows come from, and the summary counts both.
    """
    title = gettext("%(label)s: change in each contract", label=label)
    groups, cells = [], []
    counts = dict.fromkeys(("rose", "fell", "same", "hidden", "missing"), 0)
    for contract, change in rows:
        delta, low, high = _parts(change)
        if delta is None:
            counts["missing"] += 1
            reason = change.get("reason") or gettext("no change measured yet")
            bar = Bar(gettext("Change"), None, gettext("not measured"))
            cells.append((Cell(contract), Cell(reason, numeric=True), *_dashes(2), _grade(change)))
        else:
            value = stat_value(delta)
            counts["hidden"] += is_suppressed(delta)
            counts["rose"] += value is not None and value > 0
            counts["fell"] += value is not None and value < 0
            counts["same"] += value is not None and value == 0
            bar = Bar(
                gettext("Change") if change["method"] == "paired" else gettext("Difference"),
                value,
                shown(delta, signed),
                is_suppressed(delta),
                low=stat_value(low),
                high=stat_value(high),
                mark="dot" if change["method"] == "paired" else "hollow",
            )
            cells.append(
                (
                    Cell(contract),
                    stat_cell(delta, signed),
                    stat_cell(low),
                    stat_cell(high),
                    _grade(change),
                )
            )
        groups.append(Group(contract, (bar,)))
    summary = _summary(label, counts, len(rows), contracts, k)
    head = (
        gettext("Contract"),
        gettext("Change"),
        gettext("95%% CI, lower"),
        gettext("95%% CI, upper"),
        gettext("Evidence"),
    )
    table = Table(title, head, tuple(cells))
    panel = Panel(
        tuple(groups),
        gettext("Change in points; the line is the 95%% confidence interval"),
        references=(Reference(0.0, gettext("no change")),),
        symmetric=True,
    )
    desc = gettext("Dot chart. %(summary)s", summary=summary)
    svg = bar_chart(fig_id, title, desc, [panel], labelled_by=f"{fig_id}-heading")
    return Figure(fig_id, title, summary, svg, table)


def _dashes(n: int) -> tuple[Cell, ...]:
    return tuple(Cell("–", numeric=True) for _ in range(n))


def _grade(change: Change) -> Cell:
    return Cell(grade_name(change.get("evidence_grade")))
