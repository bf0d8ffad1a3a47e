"""SVG primitives for charts: safe text, the colour palette and a small element writer.

Pure Python: every chart is built from plain values and returned as markup; no style
attributes (the Content-Security-Policy blocks them), only presentation attributes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

#: GOV.UK Frontend 6 palette colours; each has at least 3:1 contrast against white.
COLOURS: dict[str, str] = {
    "blue": "#1d70b8",
    "orange": "#b7592a",  # orange shade-25: the primary orange is under 3:1 on white
    "teal": "#158187",
    "purple": "#54319f",
    "dark-grey": "#484949",
    "mid-grey": "#858686",
    "black": "#0b0c0c",
    "white": "#ffffff",
}
#: Series colours in order: a series is also named in text, so colour is never the only cue.
SERIES = ("blue", "orange", "teal", "purple")
FONT_SIZE = 14
SMALL_FONT = 12
CHAR_WIDTH = 0.56  # average advance of an Arial character, in ems (for layout estimates)

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_ID = re.compile(r"[^A-Za-z0-9_-]")


def clean(text: object) -> str:
    """Text as str with characters XML cannot hold removed (escaping happens on output)."""
    return _NOT_XML.sub("", str(text))


def escape(text: object) -> str:
    return (
        clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def safe_id(text: str) -> str:
    """An HTML/SVG id made of letters, digits, '-' and '_' (starting with a letter)."""
    cleaned = _ID.sub("-", text)
    return cleaned if cleaned[:1].isalpha() else f"c-{cleaned}"


def text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(text) * size * CHAR_WIDTH


def shorten(text: str, width: float, size: float = FONT_SIZE) -> str:
    """Cut text to fit roughly `width` units, ending with an ellipsis when cut."""
    text = clean(text)
    limit = max(4, int(width / (size * CHAR_WIDTH)))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fmt(value: float) -> str:
    """A number for an SVG attribute: short, no exponent, never NaN."""
    if not math.isfinite(value):
        raise ValueError("chart coordinates must be finite")
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass
class Svg:
    """An SVG document being built: accessible name and description, then elements."""

    chart_id: str
    width: float
    height: float
    title: str
    desc: str
    labelled_by: str
    parts: list[str] = field(default_factory=list)

    @property
    def hatch_id(self) -> str:
        return f"{self.chart_id}-hatch"

    def element(self, tag: str, text: str | None = None, /, **attrs: object) -> None:
        self.parts.append(element(tag, text, **attrs))

    def raw(self, markup: str) -> None:
        self.parts.append(markup)

    def label(
        self,
        x: float,
        y: float,
        text: str,
        *,
        width: float,
        anchor: str = "start",
        size: int = FONT_SIZE,
        bold: bool = False,
    ) -> None:
        """Text cut to `width`; the full text stays available as a tooltip title."""
        shown = shorten(text, width, size)
        inner = escape(shown)
        if shown != clean(text):
            inner = f"<title>{escape(text)}</title>{inner}"
        attributes = _attributes(
            {
                "x": float(x),
                "y": float(y),
                "text_anchor": anchor,
                "font_size": size,
                "font_weight": "bold" if bold else None,
                "fill": COLOURS["black"],
            }
        )
        self.parts.append(f"<text{attributes}>{inner}</text>")

    def render(self) -> str:
        chart = escape(self.chart_id)
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart__svg" '
            f'viewBox="0 0 {fmt(self.width)} {fmt(self.height)}" width="100%" '
            f'role="img" aria-labelledby="{escape(self.labelled_by)}" '
            f'aria-describedby="{chart}-desc" focusable="false">'
            f'<title id="{chart}-title">{escape(self.title)}</title>'
            f'<desc id="{chart}-desc">{escape(self.desc)}</desc>'
            f"<defs>{hatch_pattern(self.hatch_id)}</defs>"
        )
        return head + "".join(self.parts) + "</svg>"


def _attributes(attrs: dict[str, object]) -> str:
    out = []
    for name, value in attrs.items():
        if value is None:
            continue
        if name == "style":
            raise ValueError("style attributes are blocked by the Content-Security-Policy")
        key = name.rstrip("_").replace("_", "-")
        shown = fmt(value) if isinstance(value, float) else value
        out.append(f' {key}="{escape(shown)}"')
    return "".join(out)


def element(tag: str, text: str | None = None, /, **attrs: object) -> str:
    """One SVG element; attribute names use '_' for '-' (text_anchor -> text-anchor)."""
    attributes = _attributes(attrs)
    if text is None:
        return f"<{tag}{attributes}/>"
    return f"<{tag}{attributes}>{escape(text)}</{tag}>"


def hatch_pattern(pattern_id: str) -> str:
    """Diagonal hatching: how a suppressed figure is drawn (never as an empty or zero bar)."""
    return (
        f'<pattern id="{escape(pattern_id)}" width="8" height="8" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="{COLOURS["white"]}"/>'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="{COLOURS["dark-grey"]}" stroke-width="3"/>'
        "</pattern>"
    )


def nice_ticks(low: float, high: float, count: int = 4, *, whole: bool = False) -> list[float]:
    """Round tick values covering [low, high] (whole numbers only if `whole`)."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1.0, math.ceil(step))
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def nice_domain(values: Sequence[float], *, include_zero: bool = True) -> tuple[float, float]:
    """A domain covering the values (and 0), widened to round tick values."""
    finite = [v for v in values if math.isfinite(v)]
    if include_zero:
        finite.append(0.0)
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    if low == high:
        high = low + 1.0
    ticks = nice_ticks(low, high)
    return ticks[0], ticks[-1]
