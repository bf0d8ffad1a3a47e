"""SVG primitives: escaping, the palette's contrast, and the ban on style attributes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from svcollect.charts import svg as s

CHARTS = Path(s.__file__).parent


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("name", [*s.SERIES, "dark-grey", "mid-grey", "black"])
def test_graphical_colours_have_3_to_1_contrast_on_white(name):
    ratio = 1.05 / (_luminance(s.COLOURS[name]) + 0.05)
    assert ratio >= 3.0, (name, ratio)


def test_text_is_escaped_and_characters_xml_cannot_hold_are_dropped():
    assert s.escape("<a href='x'>&\"") == "&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;"
    assert s.escape("Leeds\x00\x1b\x7f") == "Leeds"
    assert s.escape("مرحبا e\u0301 \u202eb") == "مرحبا e\u0301 \u202eb"


def test_style_attributes_are_refused():
    with pytest.raises(ValueError, match="Content-Security-Policy"):
        s.element("rect", style="fill: red")


def test_attribute_names_use_hyphens_and_class():
    markup = s.element("line", stroke_width=2, stroke_dasharray="5 3", class_="x")
    assert markup == '<line stroke-width="2" stroke-dasharray="5 3" class="x"/>'


def test_coordinates_must_be_finite():
    with pytest.raises(ValueError):
        s.fmt(float("nan"))


def test_shorten_cuts_with_an_ellipsis_only_when_needed():
    assert s.shorten("short", 200) == "short"
    cut = s.shorten("x" * 200, 100)
    assert cut.endswith("…") and len(cut) < 200


@pytest.mark.parametrize(
    ("low", "high"), [(0, 1), (0, 97_500), (-0.3, 0.9), (5, 5), (-120, -3), (0, 0.004)]
)
def test_ticks_cover_the_range(low, high):
    ticks = s.nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    assert ticks == sorted(ticks)


def test_whole_ticks_for_counts():
    assert s.nice_ticks(0, 1, whole=True) == [0, 1]
    assert all(t == int(t) for t in s.nice_ticks(0, 7, whole=True))


def test_safe_ids():
    assert s.safe_id("fig-1-life satisfaction") == "fig-1-life-satisfaction"
    assert s.safe_id("1abc")[0].isalpha()


FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "flask_wtf", "wtforms")
FORBIDDEN_OWN = ("svcollect.web", "svcollect.models", "svcollect.services", "svcollect.extensions")


@pytest.mark.parametrize("path", sorted(CHARTS.glob("*.py")), ids=lambda p: p.name)
def test_charts_are_pure(path):
    """svcollect.charts imports no Flask, ORM or web code (import-linter checks it too)."""
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN, (path.name, name)
            assert not name.startswith(FORBIDDEN_OWN), (path.name, name)
