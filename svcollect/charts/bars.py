"""Horizontal bar and dot-and-whisker charts, in panels that each have their own axis.

Every row is named in text at its left and its figure in text at its right, so neither
colour nor position is the only way to read it. A suppressed figure is drawn as a
hatched bar labelled "suppressed", never as an empty or zero bar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from svcollect.charts.svg import (
    COLOURS,
    FONT_SIZE,
    SERIES,
    SMALL_FONT,
    Svg,
    element,
    nice_domain,
    nice_ticks,
    text_width,
)

WIDTH = 400.0
PAD = 8.0
ROW = 26.0
BAR = 16.0
GROUP_LINE = 22.0
NOTE_LINE = 18.0
MIN_PLOT = 130.0
Mark = Literal["bar", "dot", "hollow"]


@dataclass(frozen=True)
class Bar:
    """One row: `value` drawn from zero (bar) or as a point (dot), `text` written at the right.

    `low`/`high` draw a range (confidence interval or low-high values). A suppressed row is
    hatched; a row with no value and not suppressed shows only its text (e.g. "not applicable").
    """

    label: str
    value: float | None
    text: str
    suppressed: bool = False
    low: float | None = None
    high: float | None = None
    series: int = 0
    mark: Mark = "bar"


@dataclass(frozen=True)
class Group:
    """Rows under a full-width heading (the heading may be long: it has the whole width)."""

    label: str | None
    bars: tuple[Bar, ...]
    note: str | None = None


@dataclass(frozen=True)
class Reference:
    """A dashed vertical line, e.g. no change (0) or the target (100%)."""

    value: float
    label: str


def plain(value: float) -> str:
    return f"{value:,.10g}"


@dataclass(frozen=True)
class Panel:
    groups: tuple[Group, ...]
    axis_label: str
    tick_format: Callable[[float], str] = plain
    domain: tuple[float, float] | None = None
    references: tuple[Reference, ...] = ()
    heading: str | None = None
    symmetric: bool = False

    def values(self) -> list[float]:
        out: list[float] = []
        for group in self.groups:
            for bar in group.bars:
                if bar.suppressed:
                    continue
                out.extend(v for v in (bar.value, bar.low, bar.high) if v is not None)
        out.extend(r.value for r in self.references)
        return out

    def resolved_domain(self) -> tuple[float, float]:
        if self.domain is not None:
            return self.domain
        values = self.values()
        if self.symmetric:
            reach = max((abs(v) for v in values), default=0.0) or 1.0
            return nice_domain([-reach, reach])
        include_zero = any(b.mark == "bar" for g in self.groups for b in g.bars)
        return nice_domain(values, include_zero=include_zero or not values)


@dataclass(frozen=True)
class _Columns:
    label: float
    x0: float
    x1: float


def _columns(panels: Sequence[Panel]) -> _Columns:
    bars = [b for p in panels for g in p.groups for b in g.bars]
    label_w = max((text_width(b.label) for b in bars), default=0.0) + 10
    value_w = max((text_width(b.text, SMALL_FONT) for b in bars), default=0.0) + 10
    room = WIDTH - 2 * PAD - MIN_PLOT
    label_w = min(label_w, room * 0.5)
    value_w = min(value_w, room * 0.5)
    return _Columns(label_w, PAD + label_w, WIDTH - PAD - value_w)


class _Scale:
    def __init__(self, domain: tuple[float, float], x0: float, x1: float) -> None:
        self.d0, self.d1 = domain
        if self.d1 <= self.d0:
            self.d1 = self.d0 + 1.0
        self.x0, self.x1 = x0, x1

    def __call__(self, value: float) -> float:
        ratio = (value - self.d0) / (self.d1 - self.d0)
        return self.x0 + min(1.0, max(0.0, ratio)) * (self.x1 - self.x0)


def _draw_bar(svg: Svg, bar: Bar, y: float, scale: _Scale, cols: _Columns) -> None:
    mid = y + ROW / 2
    svg.label(PAD, mid + 5, bar.label, width=cols.label - 6)
    svg.label(
        WIDTH - PAD,
        mid + 4,
        bar.text,
        width=WIDTH - PAD - cols.x1 - 4,
        anchor="end",
        size=SMALL_FONT,
    )
    colour = COLOURS[SERIES[bar.series % len(SERIES)]]
    top = mid - BAR / 2
    if bar.suppressed:
        svg.element(
            "rect",
            x=cols.x0,
            y=top,
            width=cols.x1 - cols.x0,
            height=BAR,
            fill=f"url(#{svg.hatch_id})",
            stroke=COLOURS["dark-grey"],
            class_="app-chart__suppressed",
        )
        return
    if bar.value is None:
        return
    if bar.mark == "bar":
        zero = scale(0.0) if scale.d0 <= 0.0 <= scale.d1 else scale.x0
        end = scale(bar.value)
        svg.element(
            "rect",
            x=min(zero, end),
            y=top,
            width=max(1.0, abs(end - zero)),
            height=BAR,
            fill=colour,
        )
    if bar.low is not None and bar.high is not None:
        left, right = scale(bar.low), scale(bar.high)
        stroke = {"stroke": COLOURS["black"], "stroke_width": 2}
        svg.element("line", x1=left, y1=mid, x2=right, y2=mid, **stroke)
        for x in (left, right):
            svg.element("line", x1=x, y1=mid - 6, x2=x, y2=mid + 6, **stroke)
    if bar.mark in ("dot", "hollow"):
        fill = COLOURS["white"] if bar.mark == "hollow" else colour
        svg.element(
            "circle", cx=scale(bar.value), cy=mid, r=6, fill=fill, stroke=colour, stroke_width=2.5
        )


def _axis(
    svg: Svg, panel: Panel, scale: _Scale, spans: list[tuple[float, float]], bottom: float
) -> list[str]:
    """Gridlines beside the rows (returned, to sit under the bars) and tick labels below."""
    grid: list[str] = []
    ticks = [t for t in nice_ticks(scale.d0, scale.d1) if scale.d0 <= t <= scale.d1]
    for i, tick in enumerate(ticks):
        x = scale(tick)
        grid.extend(element("line", x1=x, y1=y0, x2=x, y2=y1, stroke="#cecece") for y0, y1 in spans)
        anchor = "start" if i == 0 and x - scale.x0 < 20 else "middle"
        if i == len(ticks) - 1 and scale.x1 - x < 20:
            anchor = "end"
        svg.label(x, bottom + 14, panel.tick_format(tick), width=90, anchor=anchor, size=SMALL_FONT)
    svg.element("line", x1=scale.x0, y1=bottom, x2=scale.x1, y2=bottom, stroke=COLOURS["black"])
    svg.label(
        (scale.x0 + scale.x1) / 2,
        bottom + 32,
        panel.axis_label,
        width=WIDTH - 2 * PAD,
        anchor="middle",
        size=SMALL_FONT,
    )
    return grid


def _draw_panel(svg: Svg, panel: Panel, y: float, cols: _Columns) -> float:
    scale = _Scale(panel.resolved_domain(), cols.x0, cols.x1)
    if panel.heading:
        svg.label(PAD, y + 16, panel.heading, width=WIDTH - 2 * PAD, bold=True)
        y += 24
    if panel.references:
        for ref in panel.references:
            svg.label(
                scale(ref.value), y + 12, ref.label, width=120, anchor="middle", size=SMALL_FONT
            )
        y += 18
    start = len(svg.parts)
    spans = []
    for group in panel.groups:
        if group.label:
            svg.label(PAD, y + 16, group.label, width=WIDTH - 2 * PAD, bold=True)
            y += GROUP_LINE
        if group.note:
            svg.label(PAD, y + 12, group.note, width=WIDTH - 2 * PAD, size=SMALL_FONT)
            y += NOTE_LINE
        spans.append((y, y + ROW * len(group.bars)))
        for bar in group.bars:
            _draw_bar(svg, bar, y, scale, cols)
            y += ROW
    bottom = y + 2
    for ref in panel.references:
        x = scale(ref.value)
        for y0, y1 in spans:
            svg.element(
                "line",
                x1=x,
                y1=y0,
                x2=x,
                y2=y1,
                stroke=COLOURS["black"],
                stroke_width=1.5,
                stroke_dasharray="5 3",
            )
    svg.parts[start:start] = _axis(svg, panel, scale, spans, bottom)
    return bottom + 44


def bar_chart(
    chart_id: str, title: str, desc: str, panels: Sequence[Panel], *, labelled_by: str
) -> str:
    """An SVG of one or more panels of rows; scales to any width through its viewBox."""
    if not any(g.bars for p in panels for g in p.groups):
        raise ValueError("a bar chart needs at least one row")
    cols = _columns(panels)
    svg = Svg(chart_id, WIDTH, 0.0, title, desc, labelled_by)
    y = PAD
    for panel in panels:
        y = _draw_panel(svg, panel, y, cols)
    svg.height = y
    return svg.render()


__all__ = ["FONT_SIZE", "Bar", "Group", "Panel", "Reference", "bar_chart"]
