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
    grouped,
    long_date,
    percent,
    short_date,
    stat_value,
    suppressed,
    with_unit,
)
from svcollect.charts.svg import nice_domain
from svcollect.i18n import N_, gettext, ngettext, translated

SETS = {
    "core": N_("All 6 Mental Health at Work standards"),
    "enhanced": N_(
        "All 4 enhanced Thriving at Work standards (suppliers with 500 or more employees)"
    ),
}
KINDS = (("declared", N_("Declared")), ("accepted", N_("Accepted on evidence")))


def set_title(name: str) -> str:
    """A standard set's name as shown ("All 6 Mental Health at Work standards")."""
    return translated(SETS[name]) if name in SETS else name


def _set_title(name: str, titles: Mapping[str, str] | None = None) -> str:
    if titles and name in titles:
        return titles[name]
    return set_title(name) if name in SETS else name.replace("_", " ").capitalize()


def _sets(figures: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for key in figures:
        base = key.rsplit("_", 1)[0]
        if base not in names:
            names.append(base)
    return names


def _proportion_text(p: Mapping[str, Any] | None) -> tuple[float | None, str, bool]:
    if not p or not p.get("denominator"):
        return None, gettext("not applicable"), False
    if p["share"].get("suppressed") or p["numerator"].get("suppressed"):
        return None, suppressed(), True
    share = stat_value(p["share"]) or 0.0
    numerator = stat_value(p["numerator"]) or 0.0
    text = gettext(
        "%(count)s of %(total)s (%(percent)s)",
        count=grouped(numerator),
        total=grouped(p["denominator"]),
        percent=percent(100 * share),
    )
    return 100 * share, text, False


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
            parts.append(gettext("%(standards)s: suppressed", standards=_set_title(name, titles)))
            continue
        what = _set_title(name, titles)
        what = what[:1].lower() + what[1:] if name in SETS else what
        parts.append(
            gettext(
                "%(declared)s of %(total)s declare %(standards)s and %(accepted)s have that "
                "evidence accepted",
                declared=grouped(num_d),
                total=grouped(declared["denominator"]),
                standards=what,
                accepted=grouped(num_a),
            )
        )
    count = f"{suppliers:,}"
    if not parts:
        return ngettext(
            "Of %(count)s supplier with a submitted declaration, no standard applies yet.",
            "Of %(count)s suppliers with a submitted declaration, no standard applies yet.",
            suppliers,
            count=count,
        )
    return ngettext(
        "Of %(count)s supplier with a submitted declaration, %(figures)s.",
        "Of %(count)s suppliers with a submitted declaration, %(figures)s.",
        suppliers,
        count=count,
        figures="; ".join(parts),
    )


def adherence_figure(
    entry: Mapping[str, Any],
    *,
    fig_id: str,
    context: str = "",
    titles: Mapping[str, str] | None = None,
) -> Figure:
    """Share of suppliers meeting each standard set: as declared and as accepted on evidence."""
    title = gettext("Supplier adherence: declared and accepted%(context)s", context=context)
    suppliers = int(entry.get("suppliers") or 0)
    figures: Mapping[str, Any] = entry.get("figures") or {}
    if not suppliers or not figures:
        text = gettext("No supplier has submitted a declaration yet, so there is nothing to chart.")
        return Figure(fig_id, title, text, None, None, explanation=text)
    sets = _sets(figures)
    groups, rows = [], []
    for name in sets:
        bars = []
        row = [Cell(_set_title(name, titles))]
        for series, (kind, label) in enumerate(KINDS):
            value, text, hidden = _proportion_text(figures.get(f"{name}_{kind}"))
            bars.append(Bar(translated(label), value, text, hidden, series=series))
            row.append(Cell(text, numeric=True, suppressed=hidden))
        groups.append(Group(_set_title(name, titles), tuple(bars)))
        rows.append(tuple(row))
    summary = _adherence_summary(figures, sets, suppliers, titles)
    panel = Panel(
        tuple(groups), gettext("Percentage of suppliers it applies to"), percent, (0.0, 100.0)
    )
    desc = gettext("Bar chart. %(summary)s", summary=summary)
    svg = bar_chart(fig_id, title, desc, [panel], labelled_by=f"{fig_id}-heading")
    head = (gettext("Standards"), *(translated(label) for _, label in KINDS))
    table = Table(title, head, tuple(rows))
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
            return gettext("survey measure: see the outcome charts")
        if self.met:
            return gettext("met on accepted evidence")
        if self.overdue:
            return gettext("overdue")
        return gettext("not due yet")

    def share(self, amount: float | None) -> float | None:
        if amount is None or self.target <= 0:
            return None
        return 100 * amount / self.target


def _amount(value: float) -> str:
    return f"{value:,.10g}"


def _bar_text(p: Progress, amount: float) -> str:
    share = p.share(amount)
    if share is None:
        return gettext("%(amount)s (no target)", amount=_amount(amount))
    return f"{_amount(amount)} ({percent(share)})"


def commitments_figure(items: Sequence[Progress], *, fig_id: str, context: str = "") -> Figure:
    """Each counted commitment: delivered and evidenced as a percentage of its target."""
    title = gettext("Commitments made at bid: delivered and evidenced%(context)s", context=context)
    if not items:
        text = gettext("No commitments were recorded at bid for this contract.")
        return Figure(fig_id, title, text, None, None, explanation=text)
    counted = [p for p in items if p.counted]
    met = sum(p.met for p in counted)
    overdue = sum(p.overdue for p in counted)
    summary = ngettext(
        "Of %(count)s counted commitment, %(met)d met on accepted evidence, %(overdue)d "
        "overdue and %(pending)d not due yet",
        "Of %(count)s counted commitments, %(met)d met on accepted evidence, %(overdue)d "
        "overdue and %(pending)d not due yet",
        len(counted),
        count=grouped(len(counted)),
        met=met,
        overdue=overdue,
        pending=len(counted) - met - overdue,
    )
    if len(items) > len(counted):
        # TRANSLATORS: follows "Of 4 counted commitments, 2 met on accepted evidence, …"
        summary += ngettext(
            "; %(num)d survey measure is shown under outcomes",
            "; %(num)d survey measures are shown under outcomes",
            len(items) - len(counted),
        )
    summary += "."
    rows = tuple(
        (
            Cell(f"{p.context}{p.title}"),
            Cell(with_unit(p.target, p.unit), numeric=True),
            Cell(long_date(p.due_on)),
            Cell("–" if p.delivered is None else _amount(p.delivered), numeric=True),
            Cell("–" if p.evidenced is None else _amount(p.evidenced), numeric=True),
            Cell(_pct_text(p.share(p.evidenced)), numeric=True),
            Cell(p.status),
        )
        for p in items
    )
    head = (
        gettext("Measure"),
        gettext("Target"),
        gettext("Due"),
        gettext("Delivered (declared)"),
        gettext("Evidenced (accepted)"),
        gettext("Evidenced, %% of target"),
        gettext("Status"),
    )
    table = Table(title, head, rows)
    if not counted:
        text = gettext(
            "Only survey measures were committed to; their changes are charted under outcomes."
        )
        return Figure(fig_id, title, summary, None, table, explanation=text)
    groups = []
    for p in counted:
        note = gettext(
            "Target %(target)s by %(date)s: %(status)s",
            target=with_unit(p.target, p.unit),
            date=short_date(p.due_on),
            status=p.status,
        )
        bars = tuple(
            Bar(name, p.share(amount), _bar_text(p, amount or 0.0), series=series)
            for series, (name, amount) in enumerate(
                ((gettext("Delivered"), p.delivered), (gettext("Evidenced"), p.evidenced))
            )
        )
        groups.append(Group(f"{p.context}{p.title}", bars, note))
    shares = [s for p in counted for s in (p.share(p.delivered), p.share(p.evidenced)) if s]
    top = nice_domain([min(300.0, max([100.0, *shares]))])[1]
    panel = Panel(
        tuple(groups),
        gettext("Percentage of the target (the dashed line is the target)"),
        percent,
        domain=(0.0, top),
        references=(Reference(100.0, gettext("target")),),
    )
    desc = gettext("Bar chart. %(summary)s", summary=summary)
    svg = bar_chart(fig_id, title, desc, [panel], labelled_by=f"{fig_id}-heading")
    return Figure(fig_id, title, summary, svg, table)


def _pct_text(share: float | None) -> str:
    return "–" if share is None else percent(share)
