"""Helpers for chart tests: parse SVG strictly and read it back."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

SVG_NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """Parse as XML (a malformed chart fails here) and check the accessible basics."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%" and root.get("viewBox", "").startswith("0 0 ")
    assert root.get("height") is None  # scales by its viewBox, no fixed pixel size
    title = root.find(f"{SVG_NS}title")
    desc = root.find(f"{SVG_NS}desc")
    assert title is not None and (title.text or "").strip()
    assert desc is not None and (desc.text or "").strip()
    # Named by the visible heading next to it (the <title> repeats it for other tools).
    assert root.get("aria-labelledby") and len(root.get("aria-labelledby").split()) == 1
    assert root.get("aria-describedby") == desc.get("id")
    for element in root.iter():
        assert "style" not in element.attrib, element.tag
    return root


def texts(root: ET.Element) -> list[str]:
    """Visible text of every <text> element (tooltips excluded)."""
    out = []
    for element in root.iter(f"{SVG_NS}text"):
        out.append("".join(t for t in [element.text, *(c.tail for c in element)] if t))
    return out


def hatched(root: ET.Element) -> list[ET.Element]:
    return [
        e
        for e in root.iter(f"{SVG_NS}rect")
        if (e.get("fill") or "").startswith("url(#") and e.get("class") == "app-chart__suppressed"
    ]


@pytest.fixture
def stat():
    def make(value, n=20, suppressed=False):
        if suppressed:
            return {"value": None, "n": n, "suppressed": True, "reason": "based on fewer than 10"}
        return {"value": value, "n": n, "suppressed": False, "reason": None}

    return make
