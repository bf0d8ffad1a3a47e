"""After a contract's answers are deleted at the end of retention, its pages say so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from svcollect.extensions import db
from tests.browser.conftest import Attestation

pytestmark = pytest.mark.browser

ONS_OTHER = {"worthwhile": 7, "happiness": 7, "anxiety": 3}


@pytest.mark.parametrize("narrow", [True, False], ids=["320px", "desktop"])
def test_pages_of_a_contract_whose_answers_were_deleted(
    live_server: Any, open_tab: Any, sign_in: Any, attestation: Attestation, narrow: bool
) -> None:
    from playwright.sync_api import expect

    from svcollect.models import Contract
    from svcollect.services import retention
    from svcollect.services.collections import collections_of
    from svcollect.services.contracts import deletion_for
    from tests.integration.helpers import make_collection, seed_responses

    with live_server.seeding():
        contract = db.session.get(Contract, attestation.contract_id)
        if deletion_for(contract.id) is None:  # the second parameter finds it done
            baseline = make_collection("ons4", contract=contract)
            follow_up = make_collection("ons4", contract=contract, wave="follow_up")
            codes = [f"K{i:03d}" for i in range(12)]
            seed_responses(baseline, [(c, {"life_satisfaction": 5, **ONS_OTHER}) for c in codes])
            seed_responses(follow_up, [(c, {"life_satisfaction": 6, **ONS_OTHER}) for c in codes])
            day = retention.kept_until(contract) + timedelta(days=1)
            retention.delete_answers(contract, now=retention.moment_on(day))
        survey = next(c.id for c in collections_of(contract) if c.access != "supplier")
    tab = open_tab(narrow=narrow)
    sign_in(tab, attestation.manager_email, then=f"/manage/contracts/{attestation.contract_id}")
    page = tab.page
    expect(page.get_by_text("at the end of their retention period")).to_be_visible()
    expect(page.get_by_role("link", name="Open a collection")).to_have_count(0)
    for path in (
        f"/manage/contracts/{attestation.contract_id}/results",
        f"/manage/contracts/{attestation.contract_id}/dashboard",
        f"/manage/collections/{survey}",
    ):
        tab.goto(path)
        tab.check()  # axe, reflow at 320px, console
        expect(page.locator("#answers-deleted")).to_be_visible()
