"""The checks every journey page goes through can fail: each is shown a page that breaks it."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _broken(open_tab: Any, script: str, **options: bool) -> str:
    """The message `Tab.check()` fails with once `script` has changed the home page."""
    tab = open_tab(**options)
    tab.goto("/")
    tab.page.evaluate(script)
    tab.page.wait_for_timeout(200)  # let a refused script or image reach the console
    with pytest.raises(AssertionError) as failure:
        tab.check()
    tab.page.context.close()
    return str(failure.value)


def test_axe_violations_fail_the_page(open_tab: Any) -> None:
    message = _broken(
        open_tab,
        """() => {
            const image = document.createElement('img');
            image.src = '/favicon.ico';
            document.querySelector('main').append(image);
        }""",
    )
    assert "image-alt" in message


def test_a_content_security_policy_violation_fails_the_page(open_tab: Any) -> None:
    message = _broken(
        open_tab,
        """() => {
            const inline = document.createElement('script');
            inline.textContent = 'window.inlineRan = true';
            document.body.append(inline);
        }""",
    )
    assert "Content Security Policy" in message


def test_a_missing_resource_fails_the_page(open_tab: Any) -> None:
    message = _broken(
        open_tab,
        """() => {
            const sheet = document.createElement('link');
            sheet.rel = 'stylesheet';
            sheet.href = '/static/missing.css';
            document.head.append(sheet);
        }""",
    )
    assert "404" in message


def test_a_chart_without_a_name_fails_the_page(open_tab: Any) -> None:
    message = _broken(
        open_tab,
        """() => {
            const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
            svg.setAttribute('role', 'img');
            svg.setAttribute('width', '100');
            svg.setAttribute('height', '50');
            document.querySelector('main').append(svg);
        }""",
    )
    assert "a chart has no accessible name" in message


def test_a_page_wider_than_320_px_fails_on_a_narrow_screen(open_tab: Any) -> None:
    message = _broken(
        open_tab,
        """() => {
            const wide = document.createElement('pre');
            wide.textContent = 'x'.repeat(200);
            document.querySelector('main').append(wide);
        }""",
        narrow=True,
    )
    assert "does not reflow at 320 px" in message


# A box exactly one line high that hides what overflows it: the text fits at the page's own
# line height and is cut off at the 1.5 that WCAG 1.4.12 lets readers choose.
ONE_LINE_BOX = """() => {
    const box = document.createElement('p');
    box.textContent = 'Answers submitted';
    Object.assign(box.style, {lineHeight: '20px', height: '20px', overflow: 'hidden'});
    document.querySelector('main').append(box);
}"""


def test_text_cut_off_by_the_readers_text_spacing_fails_the_page(open_tab: Any) -> None:
    message = _broken(open_tab, ONE_LINE_BOX, text_spacing=True)
    assert "with WCAG 1.4.12 text spacing, content is cut off" in message
    assert "Answers submitted" in message
    # The same box passes without the reader's spacing: the spacing is what cuts it off.
    tab = open_tab()
    tab.goto("/")
    tab.page.evaluate(ONE_LINE_BOX)
    tab.check()


def test_focus_that_cannot_be_seen_is_reported(open_tab: Any) -> None:
    tab = open_tab()
    tab.goto("/")
    assert tab.focus_problems() == []
    stops = list(tab.focus_stops)
    assert stops[0].startswith("a Skip to main content"), stops
    assert any(stop.startswith("a Privacy") for stop in stops), stops
    tab.page.evaluate(
        """() => {
            const quiet = document.createElement('div');
            quiet.tabIndex = 0;
            quiet.textContent = 'No focus style';
            quiet.style.outline = 'none';
            const link = document.createElement('a');
            link.href = '#nowhere';
            link.className = 'govuk-link';
            link.textContent = 'Covered link';
            const cover = document.createElement('div');
            Object.assign(cover.style, {position: 'fixed', inset: '0', background: 'white'});
            document.querySelector('main').append(quiet, link);
            document.body.append(cover);
        }"""
    )
    problems = tab.focus_problems()
    assert "no visible focus on 'div No focus style'" in problems
    assert "focus hidden on 'a Covered link'" in problems


def test_a_page_loaded_but_never_checked_is_reported(open_tab: Any) -> None:
    tab = open_tab()
    tab.goto("/")
    tab.page.goto(tab.base_url + "/privacy")
    tab.page.goto(tab.base_url + "/accessibility")
    with pytest.raises(AssertionError, match="never checked") as failure:
        tab.assert_every_page_checked()
    assert "/privacy" in str(failure.value) and "/accessibility" in str(failure.value)
    tab.page.context.close()
