"""Figures across contracts: one measure's change in each contract, side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from svcollect.charts.bars import Bar, Group, Panel, Reference, bar_chart
from svcollect.charts.figure import (
    Cell,
    Figure,
    Table,
    count_text,
    is_suppressed,
    shown,
    signed,
    stat_value,
)

Change = Mapping[str, Any]


def _parts(change: Change) -> tuple[Mapping[str, Any] | None, Any, Any]:
    if change["method"] == "paired" and change.get("paired"):
        p = change["paired"]
        return p["mean_change"], p["ci_low"], p["ci_high"]
    if change["method"] == "unpaired" and change.get("cohort"):
        c = change["cohort"]
        return c["difference"], c["ci_low"], c["ci_high"]
    return None, None, None


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
    title = f"{label}: change in each contract"
    groups, cells = [], []
    rose = fell = same = hidden = missing = 0
    for contract, change in rows:
        delta, low, high = _parts(change)
        if delta is None:
            missing += 1
            text = change.get("reason") or "no change measured yet"
            bar = Bar("Change", None, "not measured")
        else:
            value = stat_value(delta)
            hidden += is_suppressed(delta)
            rose += value is not None and value > 0
            fell += value is not None and value < 0
            same += value is not None and value == 0
            text = shown(delta, signed)
            bar = Bar(
                "Change" if change["method"] == "paired" else "Difference",
                value,
                text,
                is_suppressed(delta),
                low=stat_value(low),
                high=stat_value(high),
                mark="dot" if change["method"] == "paired" else "hollow",
            )
        groups.append(Group(contract, (bar,)))
        cells.append(
            (
                Cell(contract),
                Cell(text, numeric=True),
                Cell(shown(low) if delta else "–", numeric=True),
                Cell(shown(high) if delta else "–", numeric=True),
                Cell(change.get("evidence_grade") or "–"),
            )
        )
    if contracts is None or contracts == len(rows):
        whole = count_text(len(rows), "contract")
    else:
        whole = f"{len(rows)} baseline and follow-up pairs in {count_text(contracts, 'contract')}"
    summary = f"{label} rose in {rose}, fell in {fell} and did not change in {same} of {whole}"
    if hidden:
        summary += f"; {hidden} suppressed (fewer than {k} people)"
    if missing:
        summary += f"; {missing} without a measured change yet"
    summary += "."
    table = Table(
        title, ("Contract", "Change", "95% CI, lower", "95% CI, upper", "Evidence"), tuple(cells)
    )
    panel = Panel(
        tuple(groups),
        "Change in points; the line is the 95% confidence interval",
        references=(Reference(0.0, "no change"),),
        symmetric=True,
    )
    svg = bar_chart(
        fig_id, title, f"Dot chart. {summary}", [panel], labelled_by=f"{fig_id}-heading"
    )
    return Figure(fig_id, title, summary, svg, table)
