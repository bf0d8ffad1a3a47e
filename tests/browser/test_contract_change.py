"""The buyer changes a contract's end date; one that brings deletion forward is confirmed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Attestation

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("narrow", [True, False], ids=["320px", "desktop"])
def test_an_end_date_in_the_past_asks_before_answers_are_deleted(
    live_server: Any, open_tab: Any, sign_in: Any, attestation: Attestation, narrow: bool
) -> None:
    from datetime import UTC, datetime

    from playwright.sync_api import expect

    from svcollect.extensions import db
    from svcollect.models import Collection

    with live_server.seeding():  # it ran before the new dates: they must still hold it
        collection = db.session.get(Collection, attestation.collection_id)
        collection.opens_at = datetime(2000, 1, 1, tzinfo=UTC)
        collection.closes_at = datetime(2000, 2, 1, tzinfo=UTC)
        db.session.commit()
    tab = open_tab(narrow=narrow)
    contract = f"/manage/contracts/{attestation.contract_id}"
    sign_in(tab, attestation.manager_email, then=contract)
    page = tab.page
    with page.expect_navigation():
        page.get_by_role("link", name="Change contract details").click()
    tab.check()
    year = "2001" if narrow else "2002"
    for field, value in (("starts_on", "1"), ("ends_on", "31")):
        page.locator(f"#{field}-day").fill(value)
        page.locator(f"#{field}-month").fill("3")
        page.locator(f"#{field}-year").fill(year)
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    tab.check()  # the error summary, the warning and the box pass axe and reflow
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.get_by_text("will be deleted at the next daily run")).to_be_visible()
    page.get_by_label("Yes, delete the survey answers at the next daily run").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    tab.check()
    expect(page.get_by_text("Contract details saved")).to_be_visible()
    expect(page.get_by_text(f"31 March {year}")).to_be_visible()
