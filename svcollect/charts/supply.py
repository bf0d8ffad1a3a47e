"""Figures for suppliers: adherence declared versus accepted, and commitments against delivery."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from svcollect.charts.bars import Bar, Group, Panel, Reference, bar_chart
from svcollect.charts.figure import (
    Cell,
    Figure,
    Table,
    count_text,
    percent,
    stat_value,
    with_unit,
)
from svcollect.charts.svg import nice_domain

SETS = {
    "core": "All 6 Mental Health at Work standards",
    "enhanced": "All 4 enhanced Thriving at Work standards (suppliers with 500 or more employees)",
}
KINDS = (("declared", "Declared"), ("accepted", "Accepted on evidence"))


def _set_title(name: str, titles: Mapping[str, str] | None = None) -> str:
    if titles and name in titles:
        return titles[name]
    return SETS.get(name, name.replace("_", " ").capitalize())


def _sets(figures: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for key in figures:
        base = key.rsplit("_", 1)[0]
        if base not in names:
            names.append(base)
    return names


def _proportion_text(p: Mapping[str, Any] | None) -> tuple[float | None, str, bool]:
    if not p or not p.get("denominator"):
        return None, "not applicable", False
    if p["share"].get("suppressed") or p["numerator"].get("suppressed"):
        return None, "suppressed", True
    share = stat_value(p["share"]) or 0.0
    numerator = stat_value(p["numerator"]) or 0.0
    return 100 * share, f"{numerator:,.0f} of {p['denominator']:,} ({percent(100 * share)})", False


def _adherence_summary(
    figures: Mapping[str, Any], sets: list[str], suppliers: int, titles: Mapping[str, str] | None
) -> str:
    parts = []
    for name in sets:
        declared, accepted = figures.get(f"{name}_declared"), figures.get(f"{name}_accepted")
        if not declared or not declared.get("denominator"):
            continue
        num_d = stat_value(declared["numerator"])
        num_a = stat_value(accepted["numerator"]) if accepted else None
        if num_d is None or num_a is None:
            parts.append(f"{_set_title(name, titles)}: suppressed")
            continue
        what = _set_title(name, titles)
        what = what[:1].lower() + what[1:] if name in SETS else what
        parts.append(
            f"{num_d:,.0f} of {declared['denominator']:,} declare {what} and {num_a:,.0f} "
            "have that evidence accepted"
        )
    lead = f"Of {count_text(suppliers, 'supplier')} with a submitted declaration, "
    return lead + "; ".join(parts) + "." if parts else lead + "no standard applies yet."


def adherence_figure(
    entry: Mapping[str, Any],
    *,
    fig_id: str,
    context: str = "",
    titles: Mapping[str, str] | None = None,
) -> Figure:
    """Share of suppliers meeting each standard set: as declared and as accepted on evidence."""
    title = f"Supplier adherence: declared and accepted{context}"
    suppliers = int(entry.get("suppliers") or 0)
    figures: Mapping[str, Any] = entry.get("figures") or {}
    if not suppliers or not figures:
        text = "No supplier has submitted a declaration yet, so there is nothing to chart."
        return Figure(fig_id, title, text, None, None, explanation=text)
    sets = _sets(figures)
    groups, rows = [], []
    for name in sets:
        bars = []
        row = [Cell(_set_title(name, titles))]
        for series, (kind, label) in enumerate(KINDS):
            value, text, hidden = _proportion_text(figures.get(f"{name}_{kind}"))
            bars.append(Bar(label, value, text, hidden, series=series))
            row.append(Cell(text, numeric=True))
        groups.append(Group(_set_title(name, titles), tuple(bars)))
        rows.append(tuple(row))
    summary = _adherence_summary(figures, sets, suppliers, titles)
    panel = Panel(tuple(groups), "Percentage of suppliers it applies to", percent, (0.0, 100.0))
    svg = bar_chart(
        fig_id, title, f"Bar chart. {summary}", [panel], labelled_by=f"{fig_id}-heading"
    )
    table = Table(title, ("Standards", "Declared", "Accepted on evidence"), tuple(rows))
    return Figure(fig_id, title, summary, svg, table)


@dataclass(frozen=True)
class Progress:
    """A commitment made at bid and what has been delivered (declared) and evidenced so far.

    `delivered` and `evidenced` are None for survey measures, which are not counted.
    """

    title: str
    unit: str
    target: float
    due_on: date
    delivered: float | None
    evidenced: float | None
    today: date
    context: str = ""

    @property
    def counted(self) -> bool:
        return self.delivered is not None

    @property
    def met(self) -> bool:
        return self.evidenced is not None and self.evidenced >= self.target

    @property
    def overdue(self) -> bool:
        return self.counted and not self.met and self.due_on < self.today

    @property
    def status(self) -> str:
        if not self.counted:
            return "survey measure: see the outcome charts"
        if self.met:
            return "met on accepted evidence"
        if self.overdue:
            return "overdue"
        return "not due yet"

    def share(self, amount: float | None) -> float | None:
        if amount is None or self.target <= 0:
            return None
        return 100 * amount / self.target


def _amount(value: float) -> str:
    return f"{value:,.10g}"


def _bar_text(p: Progress, amount: float) -> str:
    share = p.share(amount)
    return f"{_amount(amount)} ({'no target' if share is None else percent(share)})"


def commitments_figure(items: Sequence[Progress], *, fig_id: str, context: str = "") -> Figure:
    """Each counted commitment: delivered and evidenced as a percentage of its target."""
    title = f"Commitments made at bid: delivered and evidenced{context}"
    if not items:
        text = "No commitments were recorded at bid for this contract."
        return Figure(fig_id, title, text, None, None, explanation=text)
    counted = [p for p in items if p.counted]
    met = sum(p.met for p in counted)
    overdue = sum(p.overdue for p in counted)
    summary = (
        f"Of {count_text(len(counted), 'counted commitment')}, {met} met on accepted evidence, "
        f"{overdue} overdue and {len(counted) - met - overdue} not due yet"
    )
    if len(items) > len(counted):
        summary += f"; {len(items) - len(counted)} survey measures are shown under outcomes"
    summary += "."
    rows = tuple(
        (
            Cell(f"{p.context}{p.title}"),
            Cell(with_unit(p.target, p.unit), numeric=True),
            Cell(p.due_on.strftime("%-d %B %Y")),
            Cell("–" if p.delivered is None else _amount(p.delivered), numeric=True),
            Cell("–" if p.evidenced is None else _amount(p.evidenced), numeric=True),
            Cell(_pct_text(p.share(p.evidenced)), numeric=True),
            Cell(p.status),
        )
        for p in items
    )
    head = (
        "Measure",
        "Target",
        "Due",
        "Delivered (declared)",
        "Evidenced (accepted)",
        "Evidenced, % of target",
        "Status",
    )
    table = Table(title, head, rows)
    if not counted:
        text = "Only survey measures were committed to; their changes are charted under outcomes."
        return Figure(fig_id, title, summary, None, table, explanation=text)
    groups = []
    for p in counted:
        note = (
            f"Target {with_unit(p.target, p.unit)} by {p.due_on.strftime('%-d %b %Y')}: {p.status}"
        )
        bars = tuple(
            Bar(name, p.share(amount), _bar_text(p, amount or 0.0), series=series)
            for series, (name, amount) in enumerate(
                (("Delivered", p.delivered), ("Evidenced", p.evidenced))
            )
        )
        groups.append(Group(f"{p.context}{p.title}", bars, note))
    shares = [s for p in counted for s in (p.share(p.delivered), p.share(p.evidenced)) if s]
    top = nice_domain([min(300.0, max([100.0, *shares]))])[1]
    panel = Panel(
        tuple(groups),
        "Percentage of the target (the dashed line is the target)",
        percent,
        domain=(0.0, top),
        references=(Reference(100.0, "target"),),
    )
    svg = bar_chart(
        fig_id, title, f"Bar chart. {summary}", [panel], labelled_by=f"{fig_id}-heading"
    )
    return Figure(fig_id, title, summary, svg, table)


def _pct_text(share: float | None) -> str:
    return "–" if share is None else percent(share)
