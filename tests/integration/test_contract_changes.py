"""Changing a contract's terms: the buyer corrects or extends it; the end date drives retention."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select, text

from svcollect.extensions import db
from svcollect.models import AuditEvent, Collection, Commitment, Contract, ContractOutcome
from svcollect.models._types import UK
from svcollect.services import commitments, contracts, retention
from tests.integration.export_world import make_world
from tests.integration.helpers import (
    VERSION,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    post_form,
    signed_in,
)

DAYS = 365
HEALTH = "ppn0620.wellbeing.health"
COMMUNITY = "ppn0620.wellbeing.community"


def _form(contract: Contract, **overrides):
    data = {
        "reference": contract.reference,
        "title": contract.title,
        "prime_supplier_id": str(contract.prime_supplier_id or 0),
        "starts_on": [
            str(contract.starts_on.day),
            str(contract.starts_on.month),
            str(contract.starts_on.year),
        ],
        "ends_on": [
            str(contract.ends_on.day),
            str(contract.ends_on.month),
            str(contract.ends_on.year),
        ],
        "value_gbp": "",
        "outcome_codes": [],
    }
    data.update(overrides)
    return data


def _day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def _change(client, contract, **overrides):
    return post_form(
        client, f"/manage/contracts/{contract.id}/change", _form(contract, **overrides)
    )


def _changes() -> list[dict]:
    events = db.session.scalars(select(AuditEvent).filter_by(action="contract_changed"))
    return [json.loads(e.detail)["changes"] for e in events]


@pytest.fixture
def buyer(app, monkeypatch):
    monkeypatch.setitem(app.config, "SVCOLLECT_ANSWER_RETENTION_DAYS", DAYS)
    contract = make_contract("NC-1")
    manager = make_user("contract_manager", contract.buyer)
    return {"contract": contract, "manager": manager, "client": signed_in(app, manager)}


def test_the_buyer_extends_and_corrects_a_contract_and_it_is_audited(app, buyer):
    contract, client = buyer["contract"], buyer["client"]
    prime = make_organisation("Acme Services", "prime_supplier")
    page = client.get(f"/manage/contracts/{contract.id}").get_data(as_text=True)
    assert "Change contract details" in page
    form = client.get(f"/manage/contracts/{contract.id}/change").get_data(as_text=True)
    assert 'value="NC-1"' in form and 'value="Test contract"' in form  # filled in from the contract
    assert f"kept for {DAYS} days after this date" in form
    new_end = contract.ends_on + timedelta(days=365)
    result = _change(
        client,
        contract,
        reference=" NC-1A ",
        title="Facilities management (extended)",
        prime_supplier_id=str(prime.id),
        ends_on=_day(new_end),
        value_gbp="£1,250,000",
        outcome_codes=[HEALTH, COMMUNITY],
    )
    assert result.status_code == 303
    db.session.refresh(contract)
    assert (contract.reference, contract.title) == ("NC-1A", "Facilities management (extended)")
    assert contract.prime_supplier_id == prime.id and contract.ends_on == new_end
    assert str(contract.value_gbp) == "1250000.00"
    assert contracts.contract_outcomes(contract) == sorted([HEALTH, COMMUNITY])
    [changes] = _changes()
    assert set(changes) == {
        "reference",
        "title",
        "prime_supplier_id",
        "ends_on",
        "value_gbp",
        "outcome_codes",
    }
    assert changes["ends_on"] == [str(new_end - timedelta(days=365)), str(new_end)]
    shown = client.get(result.headers["Location"]).get_data(as_text=True)
    assert "Contract details saved" in shown and "Acme Services" in shown
    kept = retention.kept_until(contract, DAYS)
    assert f"Kept until {kept:%-d %B %Y}" in shown
    # removing every outcome leaves none
    assert _change(client, contract, outcome_codes=[]).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ContractOutcome)) == 0


def test_saving_the_same_terms_again_changes_and_records_nothing(app, buyer):
    contract, client = buyer["contract"], buyer["client"]
    first = _change(client, contract, title="New title")
    second = _change(client, contract, title="New title")
    assert first.status_code == second.status_code == 303
    assert "No changes to save" in client.get(second.headers["Location"]).get_data(as_text=True)
    assert len(_changes()) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_on": ["1", "1", "2000"]}, "end date must be the same as or after"),
        ({"ends_on": ["31", "2", "2030"]}, "End date must be a real date"),
        ({"reference": ""}, "Enter the contract reference"),
        ({"value_gbp": "-5"}, "£0 or more"),
        ({"outcome_codes": ["not.an.outcome"]}, "Select one of the options shown"),
        ({"prime_supplier_id": "999999"}, "Select one of the options shown"),
    ],
)
def test_bad_terms_are_refused_and_what_was_typed_is_kept(app, buyer, overrides, message):
    contract, client = buyer["contract"], buyer["client"]
    before = (contract.reference, contract.title, contract.ends_on)
    result = _change(client, contract, title="Typed title 🙂", **overrides)
    assert result.status_code == 422
    html = result.get_data(as_text=True)
    assert "govuk-error-summary" in html and message in html
    assert 'value="Typed title 🙂"' in html
    db.session.refresh(contract)
    assert (contract.reference, contract.title, contract.ends_on) == before
    assert _changes() == []


def test_another_of_the_buyers_references_is_refused_in_any_case(app, buyer):
    contract = buyer["contract"]
    other = Contract(
        reference="OTHER-9",
        title="Theirs",
        buyer_id=contract.buyer_id,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
    )
    db.session.add(other)
    db.session.commit()
    for typed in ("OTHER-9", "other-9", " Other-9 "):
        result = _change(buyer["client"], contract, reference=typed)
        assert result.status_code == 422, typed
        html = result.get_data(as_text=True)
        assert f"This buyer already has a contract with reference {typed.strip()}" in html
    assert db.session.get(Contract, other.id).reference == "OTHER-9"


def test_another_buyers_reference_is_theirs_to_use_and_not_revealed(app, buyer):
    make_contract("OTHER-9")  # a different council's
    result = _change(buyer["client"], buyer["contract"], reference="OTHER-9")
    assert result.status_code == 303
    db.session.refresh(buyer["contract"])
    assert buyer["contract"].reference == "OTHER-9"


def test_only_the_buyer_or_an_admin_changes_the_terms(app, buyer):
    contract = buyer["contract"]
    prime = make_organisation("Acme Services", "prime_supplier")
    contract.prime_supplier_id = prime.id
    db.session.commit()
    prime_client = signed_in(app, make_user("contract_manager", prime))
    assert prime_client.get(f"/manage/contracts/{contract.id}").status_code == 200
    assert "Change contract details" not in prime_client.get(
        f"/manage/contracts/{contract.id}"
    ).get_data(as_text=True)
    assert prime_client.get(f"/manage/contracts/{contract.id}/change").status_code == 403
    page = buyer["client"].get(f"/manage/contracts/{contract.id}/change").get_data(as_text=True)
    forged = prime_client.post(
        f"/manage/contracts/{contract.id}/change",
        data={"csrf_token": _csrf(page), **_form(contract, prime_supplier_id="0")},
    )
    assert forged.status_code in (400, 403)
    other_client = signed_in(
        app, make_user("contract_manager", make_organisation("Other", "buyer"))
    )
    assert other_client.get(f"/manage/contracts/{contract.id}/change").status_code == 404
    admin_client = signed_in(app, make_user("admin", None))
    assert _change(admin_client, contract, title="Set by an admin").status_code == 303
    db.session.refresh(contract)
    assert contract.title == "Set by an admin" and contract.prime_supplier_id == prime.id


def _csrf(html: str) -> str:
    from tests.integration.helpers import csrf_token

    return csrf_token(html)


def test_an_end_date_that_brings_deletion_forward_must_be_confirmed(app, monkeypatch):
    monkeypatch.setitem(app.config, "SVCOLLECT_ANSWER_RETENTION_DAYS", DAYS)
    world = make_world(app)
    contract, client = world["contract"], signed_in(app, world["manager"])
    held = retention.responses_held(contract)
    assert held > 0
    past = retention.uk_today() - timedelta(days=DAYS + 2)
    # Its collections ran before that end (the contract's dates must still hold them).
    for collection in db.session.scalars(select(Collection).filter_by(contract_id=contract.id)):
        collection.opens_at = datetime.combine(past - timedelta(days=60), time(), UTC)
        collection.closes_at = datetime.combine(past - timedelta(days=10), time(), UTC)
    db.session.commit()
    first = _change(client, contract, starts_on=_day(past), ends_on=_day(past), title="Typed title")
    assert first.status_code == 422
    html = first.get_data(as_text=True)
    assert f"{held} responses and their answers will be deleted at the next daily run" in html
    assert "Confirm that the survey answers may be deleted" in html
    assert 'name="deletion_confirmed"' in html and 'value="Typed title"' in html
    db.session.refresh(contract)
    assert contract.ends_on != past and retention.due(days=DAYS) == []
    confirmed = _change(
        client, contract, starts_on=_day(past), ends_on=_day(past), deletion_confirmed="y"
    )
    assert confirmed.status_code == 303
    db.session.refresh(contract)
    assert contract.ends_on == past
    assert retention.due(days=DAYS) == [contract]
    # already past its retention: a further change needs no second confirmation
    earlier = _day(past - timedelta(days=5))
    assert _change(client, contract, starts_on=earlier, ends_on=earlier).status_code == 303


def test_an_end_date_still_inside_retention_needs_no_confirmation(app, buyer):
    contract = buyer["contract"]
    inside = retention.uk_today() - timedelta(days=DAYS)  # kept until today
    assert (
        _change(buyer["client"], contract, starts_on=_day(inside), ends_on=_day(inside)).status_code
        == 303
    )
    assert retention.due(days=DAYS) == []


def test_after_the_answers_are_deleted_the_dates_stay_fixed(app, monkeypatch):
    monkeypatch.setitem(app.config, "SVCOLLECT_ANSWER_RETENTION_DAYS", DAYS)
    world = make_world(app)
    contract, manager = world["contract"], world["manager"]
    contract.starts_on = date(2020, 1, 1)
    contract.ends_on = date(2021, 1, 1)
    db.session.commit()
    retention.delete_answers(contract, days=DAYS)
    client = signed_in(app, manager)
    page = client.get(f"/manage/contracts/{contract.id}/change").get_data(as_text=True)
    assert 'name="ends_on-day"' not in page and "The dates can no longer change" in page
    data = _form(contract, title="Renamed after deletion")
    del data["starts_on"], data["ends_on"]
    result = post_form(client, f"/manage/contracts/{contract.id}/change", data)
    assert result.status_code == 303
    db.session.refresh(contract)
    assert contract.title == "Renamed after deletion" and contract.ends_on == date(2021, 1, 1)
    change = contracts.ContractDetails(
        reference=contract.reference,
        title=contract.title,
        buyer_id=contract.buyer_id,
        prime_supplier_id=None,
        starts_on=contract.starts_on,
        ends_on=date(2030, 1, 1),
        value_gbp=None,
    )
    with pytest.raises(contracts.ContractRefused, match="dates can no longer change"):
        contracts.change_contract(
            manager,
            contract,
            change,
            set(),
            retention_days=DAYS,
            today=retention.uk_today(),
            read_version=contract.version,
        )


def _commit(client, contract, **overrides):
    data = {
        "measure_code": "mh_first_aiders_trained",
        "target": "20",
        "due_on": ["31", "3", "2027"],
    }
    data.update(overrides)
    return post_form(client, f"/manage/contracts/{contract.id}/commitments/new", data)


def _audited(action: str) -> list[dict]:
    events = db.session.scalars(select(AuditEvent).filter_by(action=action))
    return [json.loads(e.detail) for e in events]


def test_the_buyer_corrects_and_removes_a_commitment_and_both_are_audited(app, buyer):
    contract, client = buyer["contract"], buyer["client"]
    assert _commit(client, contract).status_code == 303
    [commitment] = commitments.commitments_of(contract)
    page = client.get(f"/manage/contracts/{contract.id}").get_data(as_text=True)
    assert f"/manage/commitments/{commitment.id}/change" in page
    change_url = f"/manage/commitments/{commitment.id}/change"
    form = client.get(change_url).get_data(as_text=True)
    assert 'value="20' in form and 'value="2027"' in form  # filled in from the commitment
    refused = post_form(
        client,
        change_url,
        {"measure_code": "mh_first_aiders_trained", "target": "-1", "due_on": ["31", "3", "2027"]},
    )
    assert refused.status_code == 422 and "Enter a target of 0 or more" in refused.get_data(
        as_text=True
    )
    saved = post_form(
        client,
        change_url,
        {"measure_code": "mh_first_aiders_trained", "target": "30", "due_on": ["30", "6", "2027"]},
    )
    assert saved.status_code == 303
    db.session.refresh(commitment)
    assert (str(commitment.target), commitment.due_on) == ("30.00", date(2027, 6, 30))
    [changed] = _audited("commitment_changed")
    assert changed["changes"] == {"target": ["20.00", "30"], "due_on": ["2027-03-31", "2027-06-30"]}
    again = post_form(
        client,
        change_url,
        {"measure_code": "mh_first_aiders_trained", "target": "30", "due_on": ["30", "6", "2027"]},
    )
    assert "No changes to save" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(_audited("commitment_changed")) == 1
    remove_url = f"/manage/commitments/{commitment.id}/remove"
    confirm = client.get(remove_url).get_data(as_text=True)
    assert "Remove this commitment?" in confirm and "30 June 2027" in confirm
    assert "30 people" in confirm  # as typed: never 3E+1
    page = client.get(f"/manage/contracts/{contract.id}").get_data(as_text=True)
    assert "30 people" in page and "E+" not in page
    assert post_form(client, remove_url, {}).status_code == 303
    assert commitments.commitments_of(contract) == []
    [removed] = _audited("commitment_removed")
    assert (removed["target"], removed["due_on"]) == ("30.00", "2027-06-30")
    # a repeat of the removal finds nothing to remove, and says it was removed
    token = _csrf(client.get(f"/manage/contracts/{contract.id}").get_data(as_text=True))
    repeat = client.post(remove_url, data={"csrf_token": token})
    assert repeat.status_code == 410
    assert "This commitment has been removed" in repeat.get_data(as_text=True)
    assert len(_audited("commitment_removed")) == 1


def test_a_commitment_changed_after_its_removal_page_opened_is_not_removed(app, buyer):
    contract, client = buyer["contract"], buyer["client"]
    assert _commit(client, contract).status_code == 303
    [commitment] = commitments.commitments_of(contract)
    remove_url = f"/manage/commitments/{commitment.id}/remove"
    opened = client.get(remove_url).get_data(as_text=True)  # tab 1 asks to remove it
    read = VERSION.search(opened).group(1)
    changed = post_form(  # tab 2 changes its target meanwhile
        client,
        f"/manage/commitments/{commitment.id}/change",
        {"measure_code": "mh_first_aiders_trained", "target": "45", "due_on": ["31", "3", "2027"]},
    )
    assert changed.status_code == 303
    refused = client.post(remove_url, data={"csrf_token": _csrf(opened), "version": read})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Someone else changed this commitment since you opened this page" in page
    assert "45 people" in page  # the terms as saved now
    assert commitments.commitments_of(contract) == [commitment]
    assert _audited("commitment_removed") == []
    # confirming on the page that now shows the saved terms removes it
    again = client.post(
        remove_url, data={"csrf_token": _csrf(page), "version": VERSION.search(page).group(1)}
    )
    assert again.status_code == 303
    assert commitments.commitments_of(contract) == []
    assert len(_audited("commitment_removed")) == 1


def test_only_the_buyer_or_an_admin_changes_a_commitment(app, buyer):
    contract = buyer["contract"]
    prime = make_organisation("Acme Services", "prime_supplier")
    contract.prime_supplier_id = prime.id
    db.session.commit()
    assert _commit(buyer["client"], contract).status_code == 303
    [commitment] = commitments.commitments_of(contract)
    prime_client = signed_in(app, make_user("contract_manager", prime))
    page = prime_client.get(f"/manage/contracts/{contract.id}").get_data(as_text=True)
    assert "Staff trained as mental health first aiders" in page  # shown...
    assert f"/manage/commitments/{commitment.id}/change" not in page  # ...with no actions
    for action in ("change", "remove"):
        assert prime_client.get(f"/manage/commitments/{commitment.id}/{action}").status_code == 403
    other = signed_in(app, make_user("contract_manager", make_organisation("Other", "buyer")))
    assert other.get(f"/manage/commitments/{commitment.id}/change").status_code == 404
    admin = signed_in(app, make_user("admin", None))
    assert post_form(admin, f"/manage/commitments/{commitment.id}/remove", {}).status_code == 303
    assert commitments.commitments_of(contract) == []


def test_new_dates_must_still_hold_the_contracts_collections_and_commitments(app, buyer):
    # Shortening the contract used to leave a collection opening after it ended and a
    # commitment due after it, which neither form would have let anyone add.
    contract, client = buyer["contract"], buyer["client"]
    late = make_collection("ons4", contract=contract, opens_in_days=200, closes_in_days=220)
    opens = late.opens_at.astimezone(UK).date()
    before = opens - timedelta(days=1)
    refused = _change(client, contract, ends_on=_day(before))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f"The end date must be the same as or after {opens.day} {opens:%B %Y}" in text
    assert "Test ons4" in text and f'value="{before.day}"' in text
    assert _change(client, contract, ends_on=_day(opens)).status_code == 303

    db.session.delete(late)
    db.session.commit()
    due = contract.starts_on + timedelta(days=100)
    db.session.add(
        Commitment(
            contract_id=contract.id,
            measure_code="mh_first_aiders_trained",
            unit="people",
            target=20,
            due_on=due,
        )
    )
    db.session.commit()
    short = _change(client, contract, ends_on=_day(due - timedelta(days=1)))
    assert short.status_code == 422
    assert f"after {due.day} {due:%B %Y}, when a commitment is due" in short.get_data(as_text=True)
    late_start = _change(client, contract, starts_on=_day(due + timedelta(days=1)))
    assert late_start.status_code == 422
    assert "The start date must be the same as or before" in late_start.get_data(as_text=True)
    assert _change(client, contract, ends_on=_day(due)).status_code == 303
    db.session.refresh(contract)
    assert contract.ends_on == due


HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|submission_key|version)"[^>]*value="([^"]*)"')


def _opened(client, url: str) -> dict[str, str]:
    """A change page opened in a tab of its own: the hidden fields it will send back."""
    html = client.get(url).get_data(as_text=True)
    return dict(HIDDEN.findall(html))


def _save(client, url: str, tab: dict[str, str], data: dict):
    result = client.post(url, data={**tab, **data})
    db.session.expire_all()
    return result


CONFLICT = "Someone else changed this {} since you opened this page"


def test_a_save_from_a_page_opened_before_another_save_is_refused_and_nothing_is_lost(app, buyer):
    contract, client = buyer["contract"], buyer["client"]
    url = f"/manage/contracts/{contract.id}/change"
    one, two = _opened(client, url), _opened(client, url)
    assert one["version"] == two["version"] == "1"
    first = _save(client, url, one, _form(contract, title="Title from tab one"))
    assert first.status_code == 303
    typed = _form(contract, title="Title from tab two", value_gbp="£99,000")
    stale = _save(client, url, two, typed)
    assert stale.status_code == 422
    html = stale.get_data(as_text=True)
    [(message, href)] = _summary(html).items()
    assert message.startswith(CONFLICT.format("contract")) and href == "#version"
    assert html.count('id="version"') == 1 and "What is saved now" in html  # unique id
    saved_now = html[html.index('id="version"') :].split("<form")[0]
    assert "Title from tab one" in saved_now and "Not recorded" in saved_now
    assert 'value="Title from tab two"' in html and 'value="£99,000"' in html  # kept
    db.session.refresh(contract)
    assert (contract.title, contract.value_gbp, contract.version) == ("Title from tab one", None, 2)
    assert len(_changes()) == 1  # the stale save changed and recorded nothing
    # The refused page carries the version saved now: sending it again is a choice made
    # having seen the other change.
    again = dict(HIDDEN.findall(html))
    assert again["version"] == "2"
    assert _save(client, url, again, typed).status_code == 303
    db.session.refresh(contract)
    assert (contract.title, str(contract.value_gbp)) == ("Title from tab two", "99000.00")
    # ...and so does the page opened again.
    reloaded = _opened(client, url)
    assert reloaded["version"] == "3"
    assert _save(client, url, reloaded, _form(contract, title="Later")).status_code == 303
    db.session.refresh(contract)
    assert contract.title == "Later" and len(_changes()) == 3


def test_a_change_to_the_outcomes_alone_counts_as_a_save(app, buyer):
    contract, client = buyer["contract"], buyer["client"]
    url = f"/manage/contracts/{contract.id}/change"
    one, two = _opened(client, url), _opened(client, url)
    assert _save(client, url, one, _form(contract, outcome_codes=[HEALTH])).status_code == 303
    stale = _save(client, url, two, _form(contract, title="Renamed"))
    assert stale.status_code == 422
    assert CONFLICT.format("contract") in stale.get_data(as_text=True)
    db.session.refresh(contract)
    assert contract.title == "Test contract"
    assert contracts.contract_outcomes(contract) == [HEALTH]


@pytest.mark.parametrize("version", ["", "1x", "9" * 40])
def test_a_change_without_a_version_it_was_read_at_is_refused(app, buyer, version):
    contract = buyer["contract"]
    result = post_form(
        buyer["client"],
        f"/manage/contracts/{contract.id}/change",
        _form(contract, title="Unread", version=version),
    )
    assert result.status_code == 422
    assert CONFLICT.format("contract") in result.get_data(as_text=True)
    db.session.refresh(contract)
    assert contract.title == "Test contract"


def _elsewhere(table: str, row_id: int, **values) -> None:
    """Another request's save, committed while this one is between its check and its write."""
    settings = ", ".join(f"{name} = :{name}" for name in values)
    with db.engine.begin() as connection:
        connection.execute(
            text(f"UPDATE {table} SET {settings}, version = version + 1 WHERE id = :id"),
            {"id": row_id, **values},
        )


def test_two_saves_that_read_the_same_version_cannot_both_be_made(app, buyer):
    contract, manager = buyer["contract"], buyer["manager"]
    read = contract.version
    _elsewhere("contract", contract.id, title="Saved elsewhere")
    change = contracts.ContractDetails(
        reference=contract.reference,
        title="Saved here",
        buyer_id=contract.buyer_id,
        prime_supplier_id=None,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        value_gbp=None,
        outcome_codes=(HEALTH,),
    )
    with pytest.raises(contracts.EditConflict):
        contracts.change_contract(
            manager,
            contract,
            change,
            {HEALTH},
            retention_days=DAYS,
            today=retention.uk_today(),
            read_version=read,
        )
    db.session.refresh(contract)
    assert (contract.title, contract.version) == ("Saved elsewhere", read + 1)
    assert contracts.contract_outcomes(contract) == [] and _changes() == []


def test_a_commitment_saved_from_a_page_opened_before_another_save_is_refused(app, buyer):
    contract, client = buyer["contract"], buyer["client"]
    assert _commit(client, contract).status_code == 303
    [commitment] = commitments.commitments_of(contract)
    url = f"/manage/commitments/{commitment.id}/change"
    one, two = _opened(client, url), _opened(client, url)
    terms = {
        "measure_code": "mh_first_aiders_trained",
        "target": "20",
        "due_on": ["31", "3", "2027"],
    }
    assert _save(client, url, one, {**terms, "target": "30"}).status_code == 303
    stale = _save(client, url, two, {**terms, "due_on": ["30", "6", "2027"]})
    assert stale.status_code == 422
    html = stale.get_data(as_text=True)
    [(message, href)] = _summary(html).items()
    assert message.startswith(CONFLICT.format("commitment")) and href == "#version"
    saved_now = html[html.index('id="version"') :].split("<form")[0]
    assert "30 people" in saved_now and "31 March 2027" in saved_now
    form = html[html.index('id="version"') :].split("<form", 1)[1]
    assert re.search(r'name="target"[^>]*value="20"', form)  # the form keeps what was typed
    assert re.search(r'id="due_on-month"[^>]*value="6"', form)
    db.session.refresh(commitment)
    assert (str(commitment.target), commitment.due_on) == ("30.00", date(2027, 3, 31))
    assert len(_audited("commitment_changed")) == 1
    reloaded = _opened(client, url)
    assert reloaded["version"] == "2"
    saved = _save(client, url, reloaded, {**terms, "target": "30", "due_on": ["30", "6", "2027"]})
    assert saved.status_code == 303
    db.session.refresh(commitment)
    assert (str(commitment.target), commitment.due_on) == ("30.00", date(2027, 6, 30))


def test_two_commitment_saves_that_read_the_same_version_cannot_both_be_made(app, buyer):
    contract = buyer["contract"]
    commitment = Commitment(
        contract_id=contract.id,
        measure_code="mh_first_aiders_trained",
        unit="people",
        target=20,
        due_on=contract.starts_on,
    )
    db.session.add(commitment)
    db.session.commit()
    read = commitment.version
    _elsewhere("commitment", commitment.id, target=25)
    with pytest.raises(contracts.EditConflict):
        commitments.change_commitment(
            buyer["manager"],
            commitment,
            "mh_first_aiders_trained",
            "people",
            Decimal(30),
            contract.starts_on,
            {"mh_first_aiders_trained"},
            read_version=read,
        )
    db.session.refresh(commitment)
    assert (commitment.target, commitment.version) == (Decimal(25), read + 1)
    assert _audited("commitment_changed") == []


def _summary(html: str) -> dict[str, str]:
    summary = html[html.index("govuk-error-summary") :]
    summary = summary[: summary.index("</ul>")]
    return {
        unescape(t.strip()): href
        for href, t in re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary)
    }
