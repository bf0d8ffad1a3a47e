"""A commitment's target fits its measure's unit and falls due during the contract; only
the buyer adds one (the prime supplier does not set the targets it is held to)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest

from svcollect.extensions import db
from svcollect.services import commitments
from svcollect.services.contracts import ContractRefused
from tests.integration.helpers import (
    csrf_token,
    make_contract,
    make_organisation,
    make_user,
    post_form,
    signed_in,
)

LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')


@pytest.fixture
def buyer(app):
    contract = make_contract("CT-1")
    contract.starts_on, contract.ends_on = date(2026, 4, 1), date(2028, 3, 31)
    db.session.commit()
    manager = make_user("contract_manager", contract.buyer)
    return {"contract": contract, "manager": manager, "client": signed_in(app, manager)}


def _commit(client, contract, url: str | None = None, **overrides):
    data = {
        "measure_code": "mh_first_aiders_trained",
        "target": "20",
        "due_on": ["31", "3", "2027"],
    }
    data.update(overrides)
    return post_form(client, url or f"/manage/contracts/{contract.id}/commitments/new", data)


def _summary(result) -> dict[str, str]:
    html = result.get_data(as_text=True)
    summary = html[html.index("govuk-error-summary") :]
    summary = summary[: summary.index("</ul>")]
    return {unescape(text.strip()): href for href, text in LINK.findall(summary)}


REFUSED = [
    (
        {"measure_code": "supply_chain_mhaw_adherence", "target": "150"},
        "The target must be a percentage from 0 to 100",
        "#target",
    ),
    ({"target": "12.5"}, "The target must be a whole number of people, like 20", "#target"),
    (
        {"measure_code": "wellbeing_sessions_delivered", "target": "3.5"},
        "The target must be a whole number of sessions, like 20",
        "#target",
    ),
    (
        {"due_on": ["1", "1", "2040"]},
        "The due date must be the same as or before the contract's end date, 31 March 2028",
        "#due_on-day",
    ),
    (
        {"due_on": ["31", "3", "2026"]},
        "The due date must be the same as or after the contract's start date, 1 April 2026",
        "#due_on-day",
    ),
    ({"target": "1e3"}, "Enter a number, like 2,500 or 12.5", "#target"),  # not "1,000 people"
    ({"target": "NaN"}, "Enter a number, like 2,500 or 12.5", "#target"),
    (
        {"target": "99999999999999999999"},
        "Enter a target of 1,000,000,000,000 or less",
        "#target",
    ),
]


@pytest.mark.parametrize(("overrides", "message", "href"), REFUSED)
def test_a_target_or_date_that_cannot_be_is_refused_on_its_field(
    app, buyer, overrides, message, href
):
    result = _commit(buyer["client"], buyer["contract"], **overrides)
    assert result.status_code == 422
    assert _summary(result) == {message: href}
    assert commitments.commitments_of(buyer["contract"]) == []


@pytest.mark.parametrize(("overrides", "message", "href"), REFUSED)
def test_a_change_is_held_to_the_same_terms(app, buyer, overrides, message, href):
    client, contract = buyer["client"], buyer["contract"]
    assert _commit(client, contract).status_code == 303
    [commitment] = commitments.commitments_of(contract)
    url = f"/manage/commitments/{commitment.id}/change"
    result = _commit(client, contract, url, **overrides)
    assert result.status_code == 422
    assert _summary(result) == {message: href}
    db.session.refresh(commitment)
    assert (commitment.target, commitment.due_on) == (Decimal(20), date(2027, 3, 31))


@pytest.mark.parametrize(
    "overrides",
    [
        {"measure_code": "supply_chain_mhaw_adherence", "target": "100"},
        {"measure_code": "supply_chain_mhaw_adherence", "target": "62.5"},
        {"measure_code": "volunteering_hours_local", "target": "7.5"},  # hours may be halves
        {"measure_code": "spend_local_sme", "target": "£12,500.50"},
        {"target": "20.00"},  # a whole number written with decimals
        {"due_on": ["1", "4", "2026"]},  # the contract's first day
        {"due_on": ["31", "3", "2028"]},  # and its last
    ],
)
def test_targets_and_dates_that_fit_are_accepted(app, buyer, overrides):
    assert _commit(buyer["client"], buyer["contract"], **overrides).status_code == 303
    assert len(commitments.commitments_of(buyer["contract"])) == 1


def test_only_the_buyer_adds_a_commitment(app, buyer):
    contract = buyer["contract"]
    prime = make_organisation("Acme Facilities", "prime_supplier")
    contract.prime_supplier_id = prime.id
    db.session.commit()
    employer = make_user("contract_manager", prime)
    client = signed_in(app, employer)
    page = client.get(f"/manage/contracts/{contract.id}").get_data(as_text=True)
    assert "Commitments made at bid" in page  # shown...
    assert f"/manage/contracts/{contract.id}/commitments/new" not in page  # ...not added to
    url = f"/manage/contracts/{contract.id}/commitments/new"
    assert client.get(url).status_code == 403
    token = csrf_token(client.get("/manage/").get_data(as_text=True))
    sent = client.post(
        url,
        data={"csrf_token": token, "measure_code": "mh_first_aiders_trained", "target": "20"}
        | {"due_on": ["31", "3", "2027"]},
    )
    assert sent.status_code == 403
    with pytest.raises(ContractRefused, match="Only the buying organisation can add"):
        commitments.add_commitment(
            employer,
            contract,
            "mh_first_aiders_trained",
            "people",
            Decimal(20),
            date(2027, 3, 31),
            {"mh_first_aiders_trained"},
        )
    assert commitments.commitments_of(contract) == []
    assert f"/manage/contracts/{contract.id}/commitments/new" in buyer["client"].get(
        f"/manage/contracts/{contract.id}"
    ).get_data(as_text=True)


REPEATED = (
    "This contract already has a commitment to ‘Staff trained as mental health first "
    "aiders’ due on 31 March 2027. Change that commitment instead, or choose another due date"
)


def test_a_second_commitment_to_the_same_measure_by_the_same_date_is_refused(app, buyer):
    """Most often the same one added again from a second tab: two targets for one thing by
    one date would be shown, and added up across contracts, twice."""
    client, contract = buyer["client"], buyer["contract"]
    assert _commit(client, contract).status_code == 303
    again = _commit(client, contract, target="25")
    assert again.status_code == 422
    assert _summary(again) == {REPEATED: "#due_on-day"}
    assert 'value="25"' in again.get_data(as_text=True)  # what was typed is kept
    [kept] = commitments.commitments_of(contract)
    assert kept.target == Decimal(20)
    # The same measure by another date is a milestone of its own.
    assert _commit(client, contract, due_on=["31", "3", "2028"]).status_code == 303
    assert len(commitments.commitments_of(contract)) == 2


def test_a_change_cannot_make_a_commitment_repeat_another(app, buyer):
    client, contract = buyer["client"], buyer["contract"]
    assert _commit(client, contract).status_code == 303
    assert _commit(client, contract, due_on=["31", "3", "2028"]).status_code == 303
    _, later = commitments.commitments_of(contract)
    url = f"/manage/commitments/{later.id}/change"
    moved = _commit(client, contract, url, due_on=["31", "3", "2027"])
    assert moved.status_code == 422
    assert _summary(moved) == {REPEATED: "#due_on-day"}
    db.session.refresh(later)
    assert later.due_on == date(2028, 3, 31)
    # Its own target changed, on its own date, is no repeat.
    kept_date = _commit(client, contract, url, due_on=["31", "3", "2028"], target="30")
    assert kept_date.status_code == 303
