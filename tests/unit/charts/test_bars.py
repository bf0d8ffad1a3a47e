"""Bar and dot-and-whisker charts: well-formed, accessible, suppressed rows hatched not zero."""

from __future__ import annotations

import pytest

from svcollect.charts.bars import Bar, Group, Panel, Reference, bar_chart
from tests.unit.charts.conftest import SVG_NS, hatched, parse, texts


def _chart(*bars: Bar, **panel: object) -> str:
    return bar_chart(
        "c1",
        "A chart",
        "What it shows",
        [Panel((Group("Group", bars),), "Axis", **panel)],
        labelled_by="c1-heading",
    )


def test_chart_is_well_formed_with_title_and_description():
    root = parse(_chart(Bar("Baseline", 5.0, "5.00"), Bar("Follow-up", 5.5, "5.50", series=1)))
    assert root.find(f"{SVG_NS}title").text == "A chart"
    assert root.find(f"{SVG_NS}desc").text == "What it shows"
    assert root.get("aria-labelledby") == "c1-heading"
    assert {"Baseline", "Follow-up", "5.00", "5.50", "Group", "Axis"} <= set(texts(root))


def test_a_suppressed_row_is_hatched_and_labelled_never_a_zero_bar():
    root = parse(_chart(Bar("Shown", 0.0, "0%"), Bar("Hidden", None, "suppressed", True)))
    [hatch] = hatched(root)
    assert hatch.get("fill") == "url(#c1-hatch)"
    assert float(hatch.get("width")) > 50  # drawn across the plot, not as a sliver
    assert root.find(f".//{SVG_NS}pattern[@id='c1-hatch']") is not None
    assert texts(root).count("suppressed") == 1
    assert texts(root).count("0%") >= 1  # the real zero is still a zero


def test_right_to_left_and_markup_in_labels_are_escaped():
    label = '<script>alert(1)</script> مرحبا & "co"'
    markup = bar_chart(
        "c2",
        "عنوان <b>",
        "Ωmega café ‮",
        [Panel((Group(label, (Bar("قيمة", 1.0, "1"),)),), "x")],
        labelled_by="h",
    )
    assert "<script>" not in markup and "<b>" not in markup
    root = parse(markup)
    assert label in texts(root)
    assert "قيمة" in texts(root)
    assert root.find(f"{SVG_NS}title").text == "عنوان <b>"


def test_long_labels_are_cut_with_the_full_text_as_a_tooltip():
    long = "A very long contract name " * 12
    markup = bar_chart(
        "c3", "t", "d", [Panel((Group(long, (Bar("Row", 1.0, "1"),)),), "x")], labelled_by="h"
    )
    root = parse(markup)
    cut = [t for t in root.iter(f"{SVG_NS}text") if t.find(f"{SVG_NS}title") is not None]
    assert cut and cut[0].find(f"{SVG_NS}title").text == long
    assert "".join(texts(root)).count("…") >= 1


def test_negative_values_ranges_and_references():
    root = parse(
        _chart(
            Bar("Change", -0.4, "-0.40", low=-0.9, high=0.1, mark="dot"),
            Bar("Other", 0.3, "+0.30", mark="hollow"),
            references=(Reference(0.0, "no change"),),
            symmetric=True,
        )
    )
    circles = list(root.iter(f"{SVG_NS}circle"))
    assert len(circles) == 2 and circles[1].get("fill") == "#ffffff"
    assert "no change" in texts(root)
    dashed = [e for e in root.iter(f"{SVG_NS}line") if e.get("stroke-dasharray")]
    assert dashed


def test_a_row_without_a_value_shows_its_text_only():
    root = parse(_chart(Bar("Enhanced", None, "not applicable"), Bar("Core", 50.0, "50%")))
    assert "not applicable" in texts(root)
    assert hatched(root) == []


def test_an_empty_chart_is_refused():
    with pytest.raises(ValueError):
        bar_chart("c", "t", "d", [Panel((Group("g", ()),), "x")], labelled_by="h")
