"""Figures for one outcome measure: baseline versus follow-up with the change's interval,
and the band distribution at each wave. Input is a change as in ContractResults.to_dict()."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from svcollect.charts.bars import Bar, Group, Mark, Panel, Reference, bar_chart
from svcollect.charts.figure import (
    Cell,
    Figure,
    Table,
    grade_name,
    is_suppressed,
    number,
    people_count,
    people_text,
    percent,
    shown,
    signed,
    stat_cell,
    stat_value,
)
from svcollect.i18n import gettext, ngettext

Change = Mapping[str, Any]
Wave = Literal["baseline", "follow-up"]


def _k(change: Change) -> int:
    return int(change.get("suppression", {}).get("k", 10))


def _ci(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    # TRANSLATORS: follows a change, e.g. "+0.60, 95% CI 0.30 to 0.90"
    return gettext(", 95%% CI %(low)s to %(high)s", low=number(low), high=number(high))


def _too_few(label: str, k: int) -> str:
    return ngettext(
        "Figures for %(label)s are suppressed because they are based on fewer than %(num)d person.",
        "Figures for %(label)s are suppressed because they are based on fewer than %(num)d people.",
        k,
        label=label,
    )


def _paired_summary(change: Change) -> str:
    label, paired = change["label"], change["paired"]
    if is_suppressed(paired["mean_change"]):
        return _too_few(label, _k(change))
    base, follow = stat_value(paired["baseline_mean"]), stat_value(paired["follow_up_mean"])
    delta = stat_value(paired["mean_change"]) or 0.0
    words = {
        "label": label,
        "change": signed(delta),
        "ci": _ci(stat_value(paired["ci_low"]), stat_value(paired["ci_high"])),
        "people": people_count(int(change["n_paired"]), _k(change)),
    }
    if base is None or follow is None:
        return gettext("%(label)s changed by %(change)s%(ci)s among %(people)s.", **words)
    words |= {"baseline": number(base), "follow_up": number(follow)}
    if delta == 0:
        return gettext(
            "%(label)s stayed at %(baseline)s (change %(change)s%(ci)s) among %(people)s.",
            **words,
        )
    if delta > 0:
        return gettext(
            "%(label)s rose from %(baseline)s to %(follow_up)s (change %(change)s%(ci)s) "
            "among %(people)s.",
            **words,
        )
    return gettext(
        "%(label)s fell from %(baseline)s to %(follow_up)s (change %(change)s%(ci)s) "
        "among %(people)s.",
        **words,
    )


def _unpaired_summary(change: Change) -> str:
    label, cohort, k = change["label"], change["cohort"], _k(change)
    if is_suppressed(cohort["difference"]):
        return _too_few(label, k)
    diff = stat_value(cohort["difference"]) or 0.0
    return gettext(
        "No one answered both waves, so %(label)s compares two groups (weaker evidence): "
        "%(baseline)s at baseline and %(follow_up)s at follow-up differ by "
        "%(difference)s%(ci)s.",
        label=label,
        baseline=people_count(int(cohort["n_baseline"]), k),
        follow_up=people_count(int(cohort["n_follow_up"]), k),
        difference=signed(diff),
        ci=_ci(stat_value(cohort["ci_low"]), stat_value(cohort["ci_high"])),
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
        people = gettext(
            "%(baseline)s and %(follow_up)s, not paired",
            baseline=people_text(int(cohort["n_baseline"]), k),
            follow_up=people_text(int(cohort["n_follow_up"]), k),
        )
    rows = [
        (gettext("People"), Cell(people, numeric=True)),
        (gettext("Baseline mean"), stat_cell(base)),
        (gettext("Follow-up mean"), stat_cell(follow)),
        (
            gettext("Change") if paired else gettext("Difference (unpaired)"),
            stat_cell(delta, signed),
        ),
        (gettext("95%% CI, lower"), stat_cell(low)),
        (gettext("95%% CI, upper"), stat_cell(high)),
        (gettext("Evidence"), Cell(grade_name(change.get("evidence_grade")), numeric=True)),
    ]
    return Table(
        title,
        (gettext("Figure"), gettext("Value")),
        tuple((Cell(name), value) for name, value in rows),
    )


def _score_axis(direction: str | None) -> str:
    if direction == "higher is better":
        return gettext("Average score (higher is better)")
    if direction == "lower is better":
        return gettext("Average score (lower is better)")
    if direction:
        return gettext("Average score (%(direction)s)", direction=direction)
    return gettext("Average score")


def change_figure(change: Change, *, fig_id: str, context: str = "") -> Figure:
    """Baseline and follow-up means, and the change with its 95% confidence interval."""
    label = change["label"]
    title = gettext("%(label)s: baseline and follow-up%(context)s", label=label, context=context)
    if change["method"] not in ("paired", "unpaired"):
        reason = change.get("reason") or gettext("There is not enough data to measure change.")
        return Figure(fig_id, title, reason, None, None, explanation=reason)
    summary = _paired_summary(change) if change["method"] == "paired" else _unpaired_summary(change)
    base, follow = _means(change)
    delta, low, high = _delta(change)
    mark: Mark = "dot" if change["method"] == "paired" else "hollow"
    change_bar = Bar(
        gettext("Change") if mark == "dot" else gettext("Difference"),
        stat_value(delta),
        shown(delta, signed),
        is_suppressed(delta),
        low=stat_value(low),
        high=stat_value(high),
        mark=mark,
    )
    panels = [
        Panel(
            (
                Group(
                    None,
                    (
                        _bar(_wave_name("baseline"), base, 0),
                        _bar(_wave_name("follow-up"), follow, 1),
                    ),
                ),
            ),
            _score_axis(change.get("direction")),
            heading=gettext("Average score at each wave"),
        ),
        Panel(
            (Group(None, (change_bar,)),),
            gettext("Change in points; the line is the 95%% confidence interval"),
            references=(Reference(0.0, gettext("no change")),),
            heading=gettext("Change, follow-up minus baseline"),
            symmetric=True,
        ),
    ]
    if label.endswith("score"):  # not "WEMWBS score score"
        desc = gettext(
            "Bar chart of the average %(label)s at baseline and follow-up. %(summary)s",
            label=label,
            summary=summary,
        )
    else:
        desc = gettext(
            "Bar chart of the average %(label)s score at baseline and follow-up. %(summary)s",
            label=label,
            summary=summary,
        )
    svg = bar_chart(fig_id, title, desc, panels, labelled_by=f"{fig_id}-heading")
    explanation = None
    if is_suppressed(delta):
        explanation = ngettext(
            "Suppressed figures are hatched: they are based on fewer than %(num)d person.",
            "Suppressed figures are hatched: they are based on fewer than %(num)d people.",
            _k(change),
        )
    return Figure(fig_id, title, summary, svg, _change_table(change, title), explanation)


def _wave_name(wave: Wave) -> str:
    return gettext("Baseline") if wave == "baseline" else gettext("Follow-up")


def _waves(change: Change) -> list[tuple[Wave, Mapping[str, Any]]]:
    waves: list[tuple[Wave, Mapping[str, Any]]] = [("baseline", change["baseline"])]
    if change["follow_up"].get("n"):
        waves.append(("follow-up", change["follow_up"]))
    return [(name, wave) for name, wave in waves if wave.get("bands") and wave.get("n")]


def _largest(wave: Wave, band: str, share: float) -> str:
    if wave == "baseline":
        return gettext("“%(band)s” at baseline (%(percent)s)", band=band, percent=percent(share))
    return gettext("“%(band)s” at follow-up (%(percent)s)", band=band, percent=percent(share))


def _bands_summary(
    label: str, waves: list[tuple[Wave, Mapping[str, Any]]], k: int
) -> tuple[str, bool]:
    """The bands' summary, and whether every band figure is withheld."""
    hidden = sum(
        1 for _, wave in waves for cell in wave["bands"]["cells"] if is_suppressed(cell["percent"])
    )
    total = sum(len(wave["bands"]["cells"]) for _, wave in waves)
    if hidden == total:
        text = ngettext(
            "Band figures for %(label)s are suppressed: each is based on fewer than %(num)d "
            "person, or hidden so that such a figure cannot be worked out from the others.",
            "Band figures for %(label)s are suppressed: each is based on fewer than %(num)d "
            "people, or hidden so that such a figure cannot be worked out from the others.",
            k,
            label=label,
        )
        return text, True
    parts = []
    for name, wave in waves:
        cells = [c for c in wave["bands"]["cells"] if stat_value(c["percent"]) is not None]
        if cells:
            top = max(cells, key=lambda c: stat_value(c["percent"]) or 0.0)
            parts.append(_largest(name, top["label"], stat_value(top["percent"]) or 0.0))
    if len(parts) > 1:
        text = gettext(
            "The largest %(label)s band shown was %(first)s and %(second)s",
            label=label,
            first=parts[0],
            second=parts[1],
        )
    else:
        text = gettext(
            "The largest %(label)s band shown was %(first)s",
            label=label,
            first=parts[0] if parts else "–",
        )
    if hidden:
        # TRANSLATORS: follows "The largest … band shown was …"
        text += ngettext(
            "; %(num)d of %(total)d figures is suppressed (fewer than %(k)d people, or hidden "
            "so that such a figure cannot be worked out)",
            "; %(num)d of %(total)d figures are suppressed (fewer than %(k)d people, or hidden "
            "so that such a figure cannot be worked out)",
            hidden,
            total=total,
            k=k,
        )
    return text + ".", False


def bands_figure(change: Change, *, fig_id: str, context: str = "") -> Figure | None:
    """Share of people in each band at each wave; None if the measure has no bands."""
    waves = _waves(change)
    if not waves:
        return None
    label, k = change["label"], _k(change)
    title = gettext("%(label)s: people in each band%(context)s", label=label, context=context)
    labels = [c["label"] for c in waves[0][1]["bands"]["cells"]]
    groups = []
    for i, band in enumerate(labels):
        bars = []
        for series, (name, wave) in enumerate(waves):
            cell = wave["bands"]["cells"][i]
            bars.append(_bar(_wave_name(name), cell["percent"], series, render=percent))
        groups.append(Group(band, tuple(bars)))
    panel = Panel(
        tuple(groups), gettext("Percentage of people in the band"), percent, domain=(0.0, 100.0)
    )
    summary, all_hidden = _bands_summary(label, waves, k)
    desc = gettext(
        "Grouped bar chart of the share of people in each %(label)s band. %(summary)s",
        label=label,
        summary=summary,
    )
    svg = bar_chart(fig_id, title, desc, [panel], labelled_by=f"{fig_id}-heading")
    head = [gettext("Band")]
    for name, _ in waves:
        if name == "baseline":
            head += [gettext("Baseline count"), gettext("Baseline %%")]
        else:
            head += [gettext("Follow-up count"), gettext("Follow-up %%")]
    rows = []
    for i, band in enumerate(labels):
        row = [Cell(band)]
        for _, wave in waves:
            cell = wave["bands"]["cells"][i]
            row += [
                stat_cell(cell["count"], lambda v: f"{v:,.0f}"),
                stat_cell(cell["percent"], percent),
            ]
        rows.append(tuple(row))
    explanation = summary if all_hidden else None
    if not all_hidden and any(c.suppressed for r in rows for c in r):
        explanation = ngettext(
            "Hatched bars are suppressed figures (fewer than %(num)d person, or hidden so that "
            "such a figure cannot be worked out), not zeros.",
            "Hatched bars are suppressed figures (fewer than %(num)d people, or hidden so that "
            "such a figure cannot be worked out), not zeros.",
            k,
        )
    return Figure(fig_id, title, summary, svg, Table(title, tuple(head), tuple(rows)), explanation)
