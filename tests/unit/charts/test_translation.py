"""Every word a chart shows is translated: none of its own English is left in another language.

The fake language writes each message's letters full-width ("Ｔｏｔａｌ"), keeping its
placeholders, and its dates likewise; so once the data the examples put in (contract and
measure names, units) is taken out, any plain ASCII letter left in a figure's text is
English that was never marked for translation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from babel.dates import format_date

from svcollect import i18n
from svcollect.charts.timeline import Period, period_label
from tests.fake_translation import WIDE, WIDE_LETTER, english_left, wide
from tests.unit.charts import examples

SVG_NS = "{http://www.w3.org/2000/svg}"


def visible_text(figure) -> list[str]:
    """Everything a figure shows or announces: headings, summary, SVG text, the table."""
    out = [figure.title, figure.summary, figure.explanation or ""]
    if figure.svg:
        root = ET.fromstring(figure.svg)
        out += [e.text or "" for e in root.iter(f"{SVG_NS}title")]
        out += [e.text or "" for e in root.iter(f"{SVG_NS}desc")]
        for text in root.iter(f"{SVG_NS}text"):
            out.append("".join(t for t in [text.text, *(c.tail for c in text)] if t))
    if figure.table:
        out += [figure.table.caption, *figure.table.head]
        out += [cell.text for row in figure.table.rows for cell in row]
    return out


def test_every_figure_in_every_state_has_none_of_its_own_english_left():
    with i18n.translating(WIDE):
        built = list(examples.figures())
    assert len(built) > 40
    checked = 0
    for name, figure in built:
        texts = visible_text(figure)
        for text in texts:
            assert not english_left(text, examples.DATA), f"{name}: English left in {text!r}"
            checked += bool(text)
        assert any(WIDE_LETTER.search(t) for t in texts), name  # its words, translated
    assert checked > 1000
    for name, figure in examples.figures():  # and English again once the block has ended
        assert not any(WIDE_LETTER.search(t) for t in visible_text(figure)), name


@pytest.mark.parametrize(
    ("unit", "english", "welsh"),
    [
        ("day", "2 Mar 2026", "2 Maw 2026"),
        ("week", "w/c 2 Mar 2026", "w/c 2 Maw 2026"),
        ("month", "Mar 2026", "Maw 2026"),
    ],
)
def test_periods_are_named_in_the_language_of_the_page(unit, english, welsh):
    period = Period(date(2026, 3, 2), date(2026, 3, 8), 12, 12)
    assert period_label(period, unit) == english
    cymraeg = i18n.Translator(
        i18n.ENGLISH.gettext,
        i18n.ENGLISH.ngettext,
        lambda day, pattern: format_date(day, pattern, locale="cy"),
    )
    with i18n.translating(cymraeg):
        assert period_label(period, unit) == welsh


def test_withheld_cells_are_marked_so_the_page_can_tag_them_in_any_language():
    with i18n.translating(WIDE):
        built = dict(examples.figures())
    cells = [c for f in built.values() if f.table for row in f.table.rows for c in row]
    tagged = [c for c in cells if c.suppressed]
    assert len(tagged) > 20
    assert {c.text for c in tagged} == {wide("suppressed")}
    assert not [c for c in cells if c.text == wide("suppressed") and not c.suppressed]
