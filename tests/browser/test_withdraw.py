"""A contract manager withdraws a respondent's answers: find, confirm, deleted."""

from __future__ import annotations

from typing import Any

import pytest

from svcollect.extensions import db
from tests.browser.conftest import Attestation

pytestmark = pytest.mark.browser

ONS4 = {"life_satisfaction": "6", "worthwhile": "7", "happiness": "5", "anxiety": "4"}


@pytest.mark.parametrize("narrow", [True, False], ids=["320px", "desktop"])
def test_a_manager_finds_confirms_and_deletes_one_response(
    live_server: Any, open_tab: Any, sign_in: Any, attestation: Attestation, narrow: bool
) -> None:
    from playwright.sync_api import expect
    from sqlalchemy import select

    from svcollect.models import Contract, Response
    from tests.integration.helpers import make_collection, seed_responses

    with live_server.seeding():
        contract = db.session.get(Contract, attestation.contract_id)
        collection = make_collection("ons4", contract=contract)
        seed_responses(collection, [("7KQ2MB9XD", ONS4), ("AAAAAAAAA", ONS4)])
        ours = select(Response.reference).where(Response.collection_id == collection.id)
        reference = db.session.scalars(ours.order_by(Response.id)).first()
    tab = open_tab(narrow=narrow)
    sign_in(tab, attestation.manager_email, then=f"/manage/contracts/{attestation.contract_id}")
    page = tab.page
    with page.expect_navigation():
        page.get_by_role("link", name="Withdraw a respondent's answers").click()
    tab.check()

    page.get_by_label("Reference or respondent code").fill(reference)
    with page.expect_navigation():
        page.get_by_role("button", name="Find their answers").click()
    tab.check()  # the confirmation page: axe, reflow, console
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete these answers?")
    expect(page.get_by_text("This finds 1 response on this contract")).to_be_visible()
    if not narrow:
        for problem in tab.focus_problems():
            pytest.fail(problem)

    with page.expect_navigation():
        page.get_by_role("button", name="Delete these answers").click()
    tab.check()
    expect(page.get_by_text("1 response and its answers deleted")).to_be_visible()
    with live_server.seeding():
        left = db.session.scalars(ours).all()
        assert reference not in left and len(left) == 1


@pytest.mark.parametrize("narrow", [True, False], ids=["320px", "desktop"])
def test_a_respondent_stops_part_way_and_deletes_their_answers(
    live_server: Any, open_tab: Any, narrow: bool
) -> None:
    from playwright.sync_api import expect
    from sqlalchemy import func, select

    from svcollect.models import Response
    from tests.integration.helpers import make_collection

    with live_server.seeding():
        collection = make_collection("ons4")
        public_id, collection_id = collection.public_id, collection.id
    tab = open_tab(narrow=narrow)
    page = tab.page
    tab.goto(f"/s/{public_id}")
    tab.check()
    page.get_by_label("Yes, I agree to take part").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    tab.check()
    page.get_by_label("No, give me a new code").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    tab.check()  # the first question page, with its link to stop
    with page.expect_navigation():
        page.get_by_role("link", name="Stop and delete my answers").click()
    tab.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your answers?")
    if not narrow:
        for problem in tab.focus_problems():
            pytest.fail(problem)
    with page.expect_navigation():
        page.get_by_role("button", name="Delete my answers").click()
    tab.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been deleted")
    with live_server.seeding():
        mine = select(func.count()).where(Response.collection_id == collection_id)
        assert db.session.scalar(mine) == 0
