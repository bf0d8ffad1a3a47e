"""Responses over time: cumulative counts per day, week or month, with small counts hidden.

A count of people under k is withheld, and so is any figure from which one could be
worked out: two shown running totals never differ by 1 to k-1, and the last shown total
never differs from the overall total by 1 to k-1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from svcollect.charts.svg import COLOURS, SMALL_FONT, Svg, element, nice_ticks
from svcollect.i18n import format_date, gettext

Unit = Literal["day", "week", "month"]
WIDTH = 400.0
HEIGHT = 210.0
LEFT = 52.0
RIGHT = 12.0
TOP = 26.0
BOTTOM = 62.0


@dataclass(frozen=True)
class Period:
    """One period and its counts; None where the figure is withheld."""

    start: date
    end: date
    new: int | None
    total: int | None

    @property
    def suppressed(self) -> bool:
        return self.total is None


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def unit_for(first: date, last: date) -> Unit:
    """Days for up to a month, weeks for up to half a year, otherwise months."""
    span = (last - first).days
    if span <= 31:
        return "day"
    if span <= 26 * 7:
        return "week"
    return "month"


def periods(first: date, last: date, unit: Unit) -> list[tuple[date, date]]:
    """Consecutive (start, end) periods covering first..last (weeks start on Monday)."""
    if last < first:
        first, last = last, first
    out = []
    if unit == "day":
        start = first
    elif unit == "week":
        start = first - timedelta(days=first.weekday())
    else:
        start = _month_start(first)
    while start <= last:
        if unit == "day":
            following = start + timedelta(days=1)
        elif unit == "week":
            following = start + timedelta(days=7)
        else:
            following = _next_month(start)
        out.append((start, following - timedelta(days=1)))
        start = following
    return out


def cumulative(days: Sequence[date], first: date, last: date, k: int) -> tuple[Unit, list[Period]]:
    """Running totals of submissions per period, suppressed so no count under k can be found."""
    if days:
        first, last = min(first, *days), max(last, *days)
    unit = unit_for(first, last)
    spans = periods(first, last, unit)
    counts = Counter(days)
    totals, running = [], 0
    for start, end in spans:
        running += sum(n for day, n in counts.items() if start <= day <= end)
        totals.append(running)
    shown = _shown(totals, k)
    out = []
    for i, (start, end) in enumerate(spans):
        new: int | None = None
        if shown[i] and (i == 0 or shown[i - 1]):
            new = totals[i] - (totals[i - 1] if i else 0)
        out.append(Period(start, end, new, totals[i] if shown[i] else None))
    return unit, out


def _shown(totals: list[int], k: int) -> list[bool]:
    shown = [False] * len(totals)
    last = 0
    for i, total in enumerate(totals):
        step = total - last
        if total == 0 or (total >= k and (step == 0 or step >= k)):
            shown[i], last = True, total
    overall = totals[-1] if totals else 0
    if overall >= k and not shown[-1]:
        shown[-1] = True
        earlier = [i for i in range(len(totals) - 1) if shown[i] and totals[i] > 0]
        while earlier and 0 < overall - totals[earlier[-1]] < k:
            shown[earlier.pop()] = False
    return shown


def period_label(period: Period, unit: Unit) -> str:
    """ "2 Mar 2026", "w/c 2 Mar 2026" or "Mar 2026", with the month in the current language."""
    if unit == "day":
        return format_date(period.start, "d MMM y")
    if unit == "week":
        # TRANSLATORS: "week commencing", the Monday a week of responses starts on
        return gettext("w/c %(date)s", date=format_date(period.start, "d MMM y"))
    return format_date(period.start, "MMM y")


def _axis_label(unit: Unit, declarations: bool) -> str:
    if declarations:
        if unit == "day":
            return gettext("Supplier declarations submitted so far, by day")
        if unit == "week":
            return gettext("Supplier declarations submitted so far, by week")
        return gettext("Supplier declarations submitted so far, by month")
    if unit == "day":
        return gettext("Responses submitted so far, by day")
    if unit == "week":
        return gettext("Responses submitted so far, by week")
    return gettext("Responses submitted so far, by month")


def timeline_chart(
    chart_id: str,
    title: str,
    desc: str,
    points: Sequence[Period],
    unit: Unit,
    *,
    labelled_by: str,
    k: int,
    declarations: bool = False,
) -> str:
    """Vertical bars of the running total per period; withheld periods are hatched.
    ``declarations``: the total counts suppliers' declarations, not people's responses."""
    if not points:
        raise ValueError("a timeline needs at least one period")
    shown = [p.total for p in points if p.total is not None]
    ticks = nice_ticks(0.0, float(max(shown, default=0) or 1), whole=True)
    top_value = ticks[-1]
    x0, x1 = LEFT, WIDTH - RIGHT
    y0, y1 = TOP, HEIGHT - BOTTOM
    band = (x1 - x0) / len(points)
    width = max(1.0, band * 0.7)
    svg = Svg(chart_id, WIDTH, HEIGHT, title, desc, labelled_by)
    for tick in ticks:
        y = y1 - (tick / top_value) * (y1 - y0)
        svg.element("line", x1=x0, y1=y, x2=x1, y2=y, stroke="#cecece")
        svg.label(x0 - 6, y + 4, f"{tick:,.0f}", width=LEFT - 8, anchor="end", size=SMALL_FONT)
    hatched = False
    for i, point in enumerate(points):
        x = x0 + i * band + (band - width) / 2
        if point.total is None:
            hatched = True
            svg.element(
                "rect",
                x=x,
                y=y0,
                width=width,
                height=y1 - y0,
                fill=f"url(#{svg.hatch_id})",
                stroke=COLOURS["dark-grey"],
                class_="app-chart__suppressed",
            )
            continue
        height = (point.total / top_value) * (y1 - y0)
        svg.raw(
            element(
                "rect",
                x=x,
                y=y1 - height,
                width=width,
                height=max(height, 0.0),
                fill=COLOURS["blue"],
            )
        )
    last = max((i for i, p in enumerate(points) if p.total is not None), default=None)
    if last is not None:
        total = points[last].total or 0
        x = x0 + last * band + band / 2
        y = y1 - (total / top_value) * (y1 - y0) - 6
        anchor = "end" if x > x1 - 30 else "middle"
        svg.label(
            x, max(y, 12.0), f"{total:,}", width=80, anchor=anchor, size=SMALL_FONT, bold=True
        )
    svg.element("line", x1=x0, y1=y1, x2=x1, y2=y1, stroke=COLOURS["black"])
    svg.label(x0, y1 + 16, period_label(points[0], unit), width=(x1 - x0) / 2 - 4, size=SMALL_FONT)
    if len(points) > 1:
        svg.label(
            x1,
            y1 + 16,
            period_label(points[-1], unit),
            width=(x1 - x0) / 2 - 4,
            anchor="end",
            size=SMALL_FONT,
        )
    svg.label(
        (x0 + x1) / 2,
        y1 + 34,
        _axis_label(unit, declarations),
        width=WIDTH - 16,
        anchor="middle",
        size=SMALL_FONT,
    )
    if hatched:
        svg.label(
            8,
            y1 + 52,
            gettext("Hatched: withheld, so that no count under %(k)d can be found", k=k),
            width=WIDTH - 16,
            size=SMALL_FONT,
        )
    return svg.render()
