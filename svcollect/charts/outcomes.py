"""Figures for one outcome measure: baseline versus follow-up with the change's interval,
and the band distribution at each wave. Input is a change as in ContractResults.to_dict()."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from svcollect.charts.bars import Bar, Group, Mark, Panel, Reference, bar_chart
from svcollect.charts.figure import (
    SUPPRESSED,
    Cell,
    Figure,
    Table,
    count_text,
    is_suppressed,
    number,
    people_text,
    percent,
    shown,
    signed,
    stat_value,
)

Change = Mapping[str, Any]


def _k(change: Change) -> int:
    return int(change.get("suppression", {}).get("k", 10))


def _verb(delta: float) -> str:
    return "rose" if delta > 0 else "fell" if delta < 0 else "stayed the same"


def _ci(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f", 95% CI {number(low)} to {number(high)}"


def _paired_summary(change: Change) -> str:
    label, paired = change["label"], change["paired"]
    if is_suppressed(paired["mean_change"]):
        return (
            f"Figures for {label} are suppressed because they are based on fewer than "
            f"{_k(change)} people."
        )
    base, follow = stat_value(paired["baseline_mean"]), stat_value(paired["follow_up_mean"])
    delta = stat_value(paired["mean_change"]) or 0.0
    ci = _ci(stat_value(paired["ci_low"]), stat_value(paired["ci_high"]))
    people = count_text(int(change["n_paired"]), "person", "people", k=_k(change))
    if base is None or follow is None:
        return f"{label} changed by {signed(delta)}{ci} among {people}."
    if delta == 0:
        return f"{label} stayed at {number(base)} (change {signed(delta)}{ci}) among {people}."
    return (
        f"{label} {_verb(delta)} from {number(base)} to {number(follow)} "
        f"(change {signed(delta)}{ci}) among {people}."
    )


def _unpaired_summary(change: Change) -> str:
    label, cohort, k = change["label"], change["cohort"], _k(change)
    if is_suppressed(cohort["difference"]):
        return (
            f"Figures for {label} are suppressed because they are based on fewer than "
            f"{_k(change)} people."
        )
    diff = stat_value(cohort["difference"]) or 0.0
    ci = _ci(stat_value(cohort["ci_low"]), stat_value(cohort["ci_high"]))
    return (
        f"No one answered both waves, so {label} compares two groups (weaker evidence): "
        f"{count_text(int(cohort['n_baseline']), 'person', 'people', k=k)} at baseline and "
        f"{count_text(int(cohort['n_follow_up']), 'person', 'people', k=k)} at follow-up differ by "
        f"{signed(diff)}{ci}."
    )


def _means(change: Change) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    if change["method"] == "paired":
        return change["paired"]["baseline_mean"], change["paired"]["follow_up_mean"]
    return change["baseline"]["mean"], change["follow_up"]["mean"]


def _delta(change: Change) -> tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]:
    source = change["paired"] if change["method"] == "paired" else change["cohort"]
    key = "mean_change" if change["method"] == "paired" else "difference"
    return source[key], source["ci_low"], source["ci_high"]


def _bar(
    label: str, stat: Mapping[str, Any], series: int, render: Callable[[float], str] = number
) -> Bar:
    """A bar for a Stat dict: hatched and labelled "suppressed" when withheld."""
    return Bar(label, stat_value(stat), shown(stat, render), is_suppressed(stat), series=series)


def _change_table(change: Change, title: str) -> Table:
    base, follow = _means(change)
    delta, low, high = _delta(change)
    paired, k = change["method"] == "paired", _k(change)
    if paired:
        people = people_text(int(change["n_paired"]), k)
    else:
        cohort = change["cohort"]
        people = (
            f"{people_text(int(cohort['n_baseline']), k)} and "
            f"{people_text(int(cohort['n_follow_up']), k)}, not paired"
        )
    rows = [
        ("People", people),
        ("Baseline mean", shown(base)),
        ("Follow-up mean", shown(follow)),
        ("Change" if paired else "Difference (unpaired)", shown(delta, signed)),
        ("95% CI, lower", shown(low)),
        ("95% CI, upper", shown(high)),
        ("Evidence", change.get("evidence_grade") or "–"),
    ]
    return Table(
        title,
        ("Figure", "Value"),
        tuple((Cell(name), Cell(value, numeric=True)) for name, value in rows),
    )


def change_figure(change: Change, *, fig_id: str, context: str = "") -> Figure:
    """Baseline and follow-up means, and the change with its 95% confidence interval."""
    label = change["label"]
    title = f"{label}: baseline and follow-up{context}"
    if change["method"] not in ("paired", "unpaired"):
        reason = change.get("reason") or "There is not enough data to measure change."
        return Figure(fig_id, title, reason, None, None, explanation=reason)
    summary = _paired_summary(change) if change["method"] == "paired" else _unpaired_summary(change)
    base, follow = _means(change)
    delta, low, high = _delta(change)
    mark: Mark = "dot" if change["method"] == "paired" else "hollow"
    change_bar = Bar(
        "Change" if mark == "dot" else "Difference",
        stat_value(delta),
        shown(delta, signed),
        is_suppressed(delta),
        low=stat_value(low),
        high=stat_value(high),
        mark=mark,
    )
    panels = [
        Panel(
            (Group(None, (_bar("Baseline", base, 0), _bar("Follow-up", follow, 1))),),
            f"Average score ({change.get('direction', '')})",
            heading="Average score at each wave",
        ),
        Panel(
            (Group(None, (change_bar,)),),
            "Change in points; the line is the 95% confidence interval",
            references=(Reference(0.0, "no change"),),
            heading="Change, follow-up minus baseline",
            symmetric=True,
        ),
    ]
    scored = label if label.endswith("score") else f"{label} score"  # not "WEMWBS score score"
    desc = f"Bar chart of the average {scored} at baseline and follow-up. {summary}"
    svg = bar_chart(fig_id, title, desc, panels, labelled_by=f"{fig_id}-heading")
    explanation = None
    if is_suppressed(delta):
        explanation = (
            f"Suppressed figures are hatched: they are based on fewer than {_k(change)} people."
        )
    return Figure(fig_id, title, summary, svg, _change_table(change, title), explanation)


def _waves(change: Change) -> list[tuple[str, Mapping[str, Any]]]:
    waves = [("baseline", change["baseline"])]
    if change["follow_up"].get("n"):
        waves.append(("follow-up", change["follow_up"]))
    return [(name, wave) for name, wave in waves if wave.get("bands") and wave.get("n")]


def _bands_summary(label: str, waves: list[tuple[str, Mapping[str, Any]]], k: int) -> str:
    hidden = sum(
        1 for _, wave in waves for cell in wave["bands"]["cells"] if is_suppressed(cell["percent"])
    )
    total = sum(len(wave["bands"]["cells"]) for _, wave in waves)
    if hidden == total:
        return (
            f"Band figures for {label} are suppressed: each is based on fewer than {k} people, "
            "or hidden so that such a figure cannot be worked out from the others."
        )
    parts = []
    for name, wave in waves:
        cells = [c for c in wave["bands"]["cells"] if stat_value(c["percent"]) is not None]
        if cells:
            top = max(cells, key=lambda c: stat_value(c["percent"]) or 0.0)
            parts.append(
                f"“{top['label']}” at {name} ({percent(stat_value(top['percent']) or 0.0)})"
            )
    text = f"The largest {label} band shown was " + " and ".join(parts)
    if hidden:
        text += (
            f"; {hidden} of {total} figures are suppressed (fewer than {k} people, or hidden "
            "so that such a figure cannot be worked out)"
        )
    return text + "."


def bands_figure(change: Change, *, fig_id: str, context: str = "") -> Figure | None:
    """Share of people in each band at each wave; None if the measure has no bands."""
    waves = _waves(change)
    if not waves:
        return None
    label, k = change["label"], _k(change)
    title = f"{label}: people in each band{context}"
    labels = [c["label"] for c in waves[0][1]["bands"]["cells"]]
    groups = []
    for i, band in enumerate(labels):
        bars = []
        for series, (name, wave) in enumerate(waves):
            cell = wave["bands"]["cells"][i]
            bars.append(_bar(name.capitalize(), cell["percent"], series, render=percent))
        groups.append(Group(band, tuple(bars)))
    panel = Panel(tuple(groups), "Percentage of people in the band", percent, domain=(0.0, 100.0))
    summary = _bands_summary(label, waves, k)
    desc = f"Grouped bar chart of the share of people in each {label} band. {summary}"
    svg = bar_chart(fig_id, title, desc, [panel], labelled_by=f"{fig_id}-heading")
    head = ["Band"]
    for name, _ in waves:
        head += [f"{name.capitalize()} count", f"{name.capitalize()} %"]
    rows = []
    for i, band in enumerate(labels):
        row = [Cell(band)]
        for _, wave in waves:
            cell = wave["bands"]["cells"][i]
            row += [
                Cell(shown(cell["count"], lambda v: f"{v:,.0f}"), numeric=True),
                Cell(shown(cell["percent"], percent), numeric=True),
            ]
        rows.append(tuple(row))
    all_hidden = summary.startswith("Band figures")
    explanation = summary if all_hidden else None
    if not all_hidden and SUPPRESSED in {c.text for r in rows for c in r}:
        explanation = (
            f"Hatched bars are suppressed figures (fewer than {k} people, or hidden so that "
            "such a figure cannot be worked out), not zeros."
        )
    return Figure(fig_id, title, summary, svg, Table(title, tuple(head), tuple(rows)), explanation)
