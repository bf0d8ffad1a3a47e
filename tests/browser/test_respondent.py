"""A respondent answers ONS4 with the keyboard alone, on a 320 px phone and on a desktop.

No mouse: focus moves with Tab, radios are chosen with Space and the arrow keys, links and
buttons are followed with Enter. The journey covers consent, the respondent code, a page
submitted empty (the error summary takes focus, is announced and links to the field),
leaving and coming back through the saved link in a fresh browser, changing an answer
from check-your-answers, submitting and the confirmation reference.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import Answer, Response
from tests.browser.conftest import Tab
from tests.integration.helpers import make_collection

pytestmark = pytest.mark.browser

FOCUSED = "(el) => el === document.activeElement"


# --- the keyboard ------------------------------------------------------------------------


def tab_to(tab: Tab, target: Any, limit: int = 80) -> None:
    """Press Tab until `target` (a locator) has focus: proves it is reachable in order."""
    page = tab.page
    for _ in range(limit):
        if target.evaluate(FOCUSED):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target} on {page.url}")


def tab_to_radios(tab: Tab, name: str, limit: int = 80) -> None:
    """Press Tab until focus is in the radio group `name` (one tab stop per group)."""
    page = tab.page
    for _ in range(limit):
        if page.evaluate("(name) => document.activeElement?.name === name", name):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached the radios {name!r} on {page.url}")


def path(tab: Tab) -> str:
    return urlsplit(tab.page.url).path


def checked(tab: Tab, name: str) -> str | None:
    value: str | None = tab.page.evaluate(
        "(name) => document.querySelector(`input[name='${name}']:checked`)?.value ?? null", name
    )
    return value


def choose(tab: Tab, name: str, value: str) -> None:
    """Choose a radio as a keyboard user does: Tab into the group, Space, then arrows."""
    tab_to_radios(tab, name)
    page = tab.page
    if checked(tab, name) is None:
        page.keyboard.press("Space")
    for _ in range(30):
        if checked(tab, name) == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never chose {value!r} in {name!r}")


def activate(tab: Tab, target: Any) -> None:
    """Tab to a link or button and press Enter; the next page is checked."""
    tab_to(tab, target)
    with tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")
    tab.check()


def continue_(tab: Tab, name: str = "Save and continue") -> None:
    activate(tab, tab.page.get_by_role("button", name=name))


def answer_page(tab: Tab, name: str, value: str) -> None:
    assert path(tab).endswith(f"/page/{name}"), tab.page.url
    choose(tab, name, value)
    continue_(tab)


# --- the journey -------------------------------------------------------------------------


@pytest.fixture
def survey(live_server: Any) -> str:
    with live_server.seeding():
        return make_collection("ons4").public_id


@pytest.mark.parametrize("narrow", [True, False], ids=["320px", "desktop"])
def test_respondent_answers_with_the_keyboard_alone(
    live_server: Any, open_tab: Any, survey: str, narrow: bool
) -> None:
    tab = open_tab(narrow=narrow)
    page = tab.page
    assert tab.goto(f"/s/{survey}").status == 200
    assert page.title() == "Personal wellbeing – svcollect"

    choose(tab, "consent", "yes")
    continue_(tab, "Continue")
    assert path(tab).endswith("/code")
    choose(tab, "choice", "new")
    continue_(tab, "Continue")
    assert path(tab).endswith("/page/life_satisfaction")

    # An empty required page: the summary takes focus, is announced and leads to the field.
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        continue_(tab)
    assert posted.value.status == 422
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    assert summary.evaluate(FOCUSED), "the error summary did not receive focus"
    alert = summary.get_by_role("alert")
    assert alert.count() == 1, "the error summary is not announced (no role=alert)"
    message = "Select how satisfied you are with your life nowadays, from 0 to 10"
    assert message in alert.inner_text()
    link = summary.get_by_role("link", name=message)
    assert link.get_attribute("href") == "#life_satisfaction"
    assert page.locator("#life_satisfaction").get_attribute("name") == "life_satisfaction"
    assert page.locator("#life_satisfaction-error").inner_text().endswith(message)
    tab_to(tab, link)
    page.keyboard.press("Enter")
    first_radio = page.locator("#life_satisfaction")
    assert first_radio.evaluate(FOCUSED), "the summary link did not move focus to the field"
    assert page.evaluate("() => document.activeElement.type") == "radio"
    choose(tab, "life_satisfaction", "7")
    continue_(tab)

    answer_page(tab, "worthwhile", "8")
    assert path(tab).endswith("/page/happiness")
    save_link = page.get_by_text(re.compile(r"^http://127\.0\.0\.1:\d+/r/[\w-]+$")).inner_text()
    assert save_link.startswith(live_server.url)
    tab.assert_every_page_checked()
    page.context.close()

    # Back later, in a fresh browser with no cookies, through the saved link.
    tab = open_tab(narrow=narrow)
    page = tab.page
    tab.goto(save_link.removeprefix(live_server.url))
    assert path(tab).endswith("/page/happiness"), "resuming did not return to the next page"
    activate(tab, page.get_by_role("link", name="Back"))
    assert path(tab).endswith("/page/worthwhile")
    assert checked(tab, "worthwhile") == "8"
    activate(tab, page.get_by_role("link", name="Back"))
    assert checked(tab, "life_satisfaction") == "7"
    continue_(tab)
    assert checked(tab, "worthwhile") == "8"
    continue_(tab)

    answer_page(tab, "happiness", "6")
    answer_page(tab, "anxiety", "2")
    assert path(tab).endswith("/check")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Check your answers before submitting"
    )
    answers = page.locator(".govuk-summary-list__value").all_inner_texts()
    assert [a.strip() for a in answers] == ["7", "8", "6", "2"]

    # Change one answer from check-your-answers and come straight back.
    activate(
        tab, page.get_by_role("link", name="Change Overall, how happy did you feel yesterday?")
    )
    assert "/page/happiness?return=check" in page.url
    choose(tab, "happiness", "9")
    continue_(tab, "Save and go back to check your answers")
    # The link's #fragment stays in the address across redirects, as browsers keep it.
    assert path(tab).endswith("/check")
    answers = page.locator(".govuk-summary-list__value").all_inner_texts()
    assert [a.strip() for a in answers] == ["7", "8", "9", "2"]

    continue_(tab, "Submit your answers")
    assert path(tab).endswith("/done")
    panel = page.locator(".govuk-panel")
    assert "Answers submitted" in panel.get_by_role("heading", level=1).inner_text()
    reference = panel.locator("strong").inner_text()
    assert re.fullmatch(r"SV-[A-Z0-9]+", reference), reference
    assert re.fullmatch(r"\w{3}-\w{3}-\w{3}", page.locator(".app-code").inner_text().strip())

    with live_server.seeding():
        stored = db.session.scalar(select(Response).filter_by(reference=reference))
        assert stored is not None and stored.status == "submitted"
        values = dict(
            db.session.execute(
                select(Answer.question_id, Answer.value_text).filter_by(response_id=stored.id)
            ).all()
        )
    assert {k: v for k, v in values.items() if not k.startswith("_")} == {
        "life_satisfaction": "7",
        "worthwhile": "8",
        "happiness": "9",
        "anxiety": "2",
    }
