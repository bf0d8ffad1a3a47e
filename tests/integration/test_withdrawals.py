"""A respondent withdraws: a contract manager deletes their answers from what they hold."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import Answer, AuditEvent, Response
from svcollect.models.response import Respondent as RespondentRow
from tests.integration.helpers import (
    Respondent,
    csrf_token,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    post_form,
    seed_responses,
    signed_in,
)

ONS4 = {"life_satisfaction": "6", "worthwhile": "7", "happiness": "5", "anxiety": "4"}
CODE = "7KQ-2MB-9XD"


@pytest.fixture
def contract():
    return make_contract()


@pytest.fixture
def manager(app, contract):
    return signed_in(app, make_user("contract_manager", contract.buyer))


def _finished(app, collection) -> tuple[str, str]:
    """A respondent walks ONS4 with a new code: (their reference, their code)."""
    person = Respondent(app.test_client(), app)
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    for page, value in ONS4.items():
        assert person.answer(page, {page: value}).status_code == 303
    done = person.get(person.submit().headers["Location"]).get_data(as_text=True)
    reference = re.search(r"<strong>(SV-[0-9A-Z]{8})</strong>", done)
    code = re.search(r'class="app-code">([^<]+)<', done)
    assert reference and code
    assert "the organisation that sent you this survey can delete them" in done
    return reference.group(1), code.group(1)


def _find(client, contract, given):
    return post_form(client, f"/manage/contracts/{contract.id}/withdraw", {"given": given})


def _confirm(client, contract, page_html):
    given = re.search(r'name="given" type="hidden" value="([^"]*)"', page_html)
    assert given, "the confirmation page carries what was entered"
    result = client.post(
        f"/manage/contracts/{contract.id}/withdraw/confirm",
        data={"csrf_token": csrf_token(page_html), "given": given.group(1)},
    )
    db.session.expire_all()
    return result


def _counts():
    return (
        db.session.scalar(select(func.count()).select_from(Response)),
        db.session.scalar(select(func.count()).select_from(Answer)),
        db.session.scalar(select(func.count()).select_from(RespondentRow)),
    )


def test_a_reference_finds_one_response_and_confirming_deletes_it_and_its_respondent(
    app, contract, manager
):
    collection = make_collection("ons4", contract=contract)
    reference, _code = _finished(app, collection)
    kept_reference, _ = _finished(app, collection)
    assert _counts() == (2, 8, 2)

    contract_page = manager.get(f"/manage/contracts/{contract.id}").get_data(as_text=True)
    assert f"/manage/contracts/{contract.id}/withdraw" in contract_page
    found = _find(manager, contract, reference.lower().replace("sv-", " "))  # as read out
    page = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "This finds 1 response on this contract" in page
    assert f"{collection.label}: submitted" in page
    assert "4 answers will be deleted" in page
    assert _counts() == (2, 8, 2)  # nothing deleted before the confirmation
    for value in ("life_satisfaction", ">6<", ">7<"):
        assert value not in page  # the employer never sees the answers

    done = _confirm(manager, contract, page)
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/manage/contracts/{contract.id}")
    after = manager.get(done.headers["Location"]).get_data(as_text=True)
    assert "1 response and its answers deleted" in after
    assert _counts() == (1, 4, 1)
    remaining = db.session.scalars(select(Response.reference)).all()
    assert remaining == [kept_reference]
    event = db.session.scalars(select(AuditEvent).filter_by(action="responses_withdrawn")).one()
    assert json.loads(event.detail) == {"answers": 4, "responses": 1}
    assert reference not in event.detail

    repeat = _confirm(manager, contract, page)  # a double click, or the form sent again
    assert repeat.status_code == 422
    assert "They may have been deleted already" in repeat.get_data(as_text=True)
    assert _counts() == (1, 4, 1)


def test_a_respondent_code_finds_baseline_and_follow_up_and_nothing_of_anyone_else(
    app, contract, manager
):
    baseline = make_collection("ons4", contract=contract)
    follow_up = make_collection("ons4", contract=contract, wave="follow_up")
    other_contract = make_contract()
    elsewhere = make_collection("ons4", contract=other_contract)
    canonical = CODE.replace("-", "")
    seed_responses(baseline, [(canonical, ONS4), ("AAAAAAAAA", ONS4)])
    seed_responses(follow_up, [(canonical, ONS4)])
    seed_responses(elsewhere, [(canonical, ONS4)])  # same code, another contract's salt
    assert _counts() == (4, 16, 3)

    found = _find(manager, contract, CODE.lower())
    page = found.get_data(as_text=True)
    assert "This finds 2 responses on this contract" in page
    assert "8 answers will be deleted" in page
    assert _confirm(manager, contract, page).status_code == 303
    assert _counts() == (2, 8, 2)
    left = db.session.execute(
        select(Response.collection_id, RespondentRow.code_hash).join(RespondentRow)
    ).all()
    assert sorted(c for c, _ in left) == sorted([baseline.id, elsewhere.id])


def test_a_respondent_row_still_used_by_another_contract_is_kept(app, contract, manager):
    sharing = make_contract()
    sharing.respondent_salt = contract.respondent_salt  # contracts may share a salt
    db.session.commit()
    seed_responses(make_collection("ons4", contract=contract), [("7KQ2MB9XD", ONS4)])
    seed_responses(make_collection("ons4", contract=sharing), [("7KQ2MB9XD", ONS4)])
    assert _counts() == (2, 8, 1)
    page = _find(manager, contract, CODE).get_data(as_text=True)
    assert _confirm(manager, contract, page).status_code == 303
    assert _counts() == (1, 4, 1)


def test_a_half_finished_response_can_be_withdrawn_and_its_link_then_says_not_found(
    app, contract, manager
):
    collection = make_collection("ons4", contract=contract)
    person = Respondent(app.test_client(), app)
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    person.answer("life_satisfaction", {"life_satisfaction": "3"})
    started = db.session.scalars(select(Response)).one()
    page = _find(manager, contract, started.reference).get_data(as_text=True)
    assert f"{collection.label}: started, not submitted" in page
    assert "1 answer will be deleted with them" in page  # the page-reached markers not counted
    assert _confirm(manager, contract, page).status_code == 303
    assert _counts() == (0, 0, 0)
    again = person.get(person.url("/page/worthwhile"))
    assert again.status_code == 404
    assert "Traceback" not in again.get_data(as_text=True)


def test_memorable_codes_are_found_as_the_import_reads_them(app, contract, manager):
    from svcollect.services.respondent_codes import memorable_code

    collection = make_collection("ons4", contract=contract)
    seed_responses(collection, [(memorable_code("AB", "7", "CD"), ONS4)])
    page = _find(manager, contract, "m:ab07cd").get_data(as_text=True)
    assert "This finds 1 response on this contract" in page


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "Enter the reference or respondent code the respondent gave you"),
        ("SV-ZZZZZZZZ", "No answers on this contract match that reference or respondent code"),
        ("not a code at all", "Check it with the respondent"),
    ],
)
def test_nothing_found_is_a_plain_message_and_keeps_what_was_typed(
    app, contract, manager, given, message
):
    seed_responses(make_collection("ons4", contract=contract), [("7KQ2MB9XD", ONS4)])
    result = _find(manager, contract, given)
    page = result.get_data(as_text=True)
    assert result.status_code == 422
    assert "govuk-error-summary" in page and message in page
    assert f'value="{given}"' in page or not given
    assert _counts() == (1, 4, 1)


def test_other_contracts_supplier_declarations_and_other_organisations_are_out_of_reach(
    app, contract, manager
):
    theirs = make_contract()
    seed_responses(make_collection("ons4", contract=theirs), [("7KQ2MB9XD", ONS4)])
    their_reference = db.session.scalars(select(Response.reference)).one()
    supplier_collection = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    seed_responses(supplier_collection, [(None, {})])
    supplier_reference = db.session.scalars(
        select(Response.reference).where(Response.collection_id == supplier_collection.id)
    ).one()
    for given in (their_reference, CODE, supplier_reference):
        assert _find(manager, contract, given).status_code == 422
    # Another organisation's manager cannot open either page for this contract.
    outsider = signed_in(app, make_user("contract_manager", make_organisation("Else", "buyer")))
    assert outsider.get(f"/manage/contracts/{contract.id}/withdraw").status_code == 404
    posted = post_form(
        outsider,
        f"/manage/contracts/{contract.id}/withdraw/confirm",
        {"given": CODE},
        page="/manage/contracts/new",
    )
    assert posted.status_code == 404
    assert _counts() == (2, 4, 1)


def test_a_confirmation_without_what_was_entered_starts_again(app, contract, manager):
    seed_responses(make_collection("ons4", contract=contract), [("7KQ2MB9XD", ONS4)])
    html = manager.get(f"/manage/contracts/{contract.id}/withdraw").get_data(as_text=True)
    result = manager.post(
        f"/manage/contracts/{contract.id}/withdraw/confirm",
        data={"csrf_token": csrf_token(html), "given": ""},
    )
    assert result.status_code == 422
    assert "Enter the reference or respondent code again" in result.get_data(as_text=True)
    assert _counts() == (1, 4, 1)


def test_two_withdrawals_at_once_delete_once_and_audit_once(app, contract, monkeypatch):
    from svcollect.services import withdrawals

    seed_responses(make_collection("ons4", contract=contract), [("7KQ2MB9XD", ONS4)])
    user = make_user("contract_manager", contract.buyer)
    found = withdrawals.find(contract, CODE)  # what the slower request saw
    assert withdrawals.withdraw(user, contract, CODE) == 1  # the faster one deletes
    monkeypatch.setattr(withdrawals, "find", lambda *_: found)
    with pytest.raises(withdrawals.NotFound):
        withdrawals.withdraw(user, contract, CODE)
    events = db.session.scalars(select(AuditEvent).filter_by(action="responses_withdrawn")).all()
    assert [json.loads(e.detail) for e in events] == [{"answers": 4, "responses": 1}]
    assert _counts() == (0, 0, 0)


# --- the respondent withdraws from their own link --------------------------------------


def _started(app, collection) -> Respondent:
    person = Respondent(app.test_client(), app)
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    assert person.answer("life_satisfaction", {"life_satisfaction": "3"}).status_code == 303
    return person


def test_a_respondent_stops_and_deletes_their_answers_part_way(app, contract):
    collection = make_collection("ons4", contract=contract)
    other = _started(app, collection)
    person = _started(app, collection)
    page = person.get(person.url("/page/worthwhile")).get_data(as_text=True)
    assert f'href="{person.url("/withdraw")}"' in page
    confirm = person.get(person.url("/withdraw"))
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Delete your answers?" in html and "the answers you have given so far" in html
    assert _counts()[0] == 2  # opening the page deletes nothing

    done = person.post(person.url("/withdraw"), {})
    assert done.status_code == 303 and done.headers["Location"].endswith("/withdrawn")
    assert "Your answers have been deleted" in person.get("/withdrawn").get_data(as_text=True)
    assert _counts() == (1, 2, 1)  # the other person's answer and page marker stay
    assert db.session.scalars(select(Response.resume_key_hash)).one() is not None
    event = db.session.scalars(
        select(AuditEvent).filter_by(action="response_withdrawn_by_respondent")
    ).one()
    assert event.actor_id is None and event.object_id == collection.id
    # The link now leads nowhere; only the browser that deleted the answers is told so.
    assert app.test_client().get(person.url()).status_code == 404
    back = person.get(person.url())
    assert back.status_code == 303 and back.headers["Location"].endswith("/withdrawn")
    token = csrf_token(confirm.get_data(as_text=True))  # a repeat of the same form
    mark = re.search(r'name="mark" value="([^"]+)"', html).group(1)
    repeat = person.post(person.url("/withdraw"), {"csrf_token": token, "mark": mark})
    assert repeat.status_code == 303 and repeat.headers["Location"].endswith("/withdrawn")
    assert other.get(other.url("/page/worthwhile")).status_code == 200


def test_a_respondent_deletes_submitted_answers_from_the_confirmation_page(app, contract):
    collection = make_collection("ons4", contract=contract)
    person = _started(app, collection)
    for page, value in list(ONS4.items())[1:]:
        person.answer(page, {page: value})
    check = person.get(person.url("/check")).get_data(as_text=True)
    assert f'href="{person.url("/withdraw")}"' in check
    confirmation = person.get(person.submit().headers["Location"]).get_data(as_text=True)
    assert f'href="{person.url("/withdraw")}"' in confirmation
    html = person.get(person.url("/withdraw")).get_data(as_text=True)
    assert "the answers you submitted" in html
    assert f'href="{person.url("/done")}"' in html  # back, and "Keep my answers"
    assert person.post(person.url("/withdraw"), {}).status_code == 303
    assert _counts() == (0, 0, 0)


def test_withdrawing_still_works_after_the_collection_closes(app, contract):
    collection = make_collection("ons4", contract=contract)
    person = _started(app, collection)
    collection.closed_early_at = collection.opens_at
    db.session.commit()
    closed = person.get(person.url("/page/worthwhile"))
    assert closed.status_code == 410  # closed for answers, and the page says how to delete them
    html = closed.get_data(as_text=True)
    assert "before your answers were submitted, so they are not counted" in html
    assert f'href="{person.url("/withdraw")}"' in html
    assert f'href="{person.url("/withdraw")}"' in person.get(person.url()).get_data(as_text=True)
    assert person.post(person.url("/withdraw"), {}).status_code == 303
    assert _counts() == (0, 0, 0)
    # Someone else's closed survey link says nothing of anyone's answers.
    other = app.test_client().get(f"/s/{collection.public_id}").get_data(as_text=True)
    assert "/withdraw" not in other and "Thank you for your interest" in other


def test_a_withdrawal_without_its_csrf_token_deletes_nothing(app, contract):
    person = _started(app, make_collection("ons4", contract=contract))
    refused = person.post(person.url("/withdraw"), {}, token=False)
    assert refused.status_code == 400
    assert "govuk-error-summary" in refused.get_data(as_text=True)
    assert _counts()[0] == 1


def test_an_unknown_link_and_supplier_declarations_cannot_be_withdrawn_this_way(app, contract):
    from svcollect.services.responses import sha256_hex

    assert app.test_client().get("/r/not-a-real-key/withdraw").status_code == 404
    supplier = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    seed_responses(supplier, [(None, {})])
    response = db.session.scalars(select(Response)).one()
    key = "a-key-only-this-test-knows"
    response.resume_key_hash = sha256_hex(key)
    db.session.commit()
    assert app.test_client().get(f"/r/{key}/withdraw").status_code == 404
    assert _counts()[0] == 1


def test_the_prime_supplier_cannot_look_up_or_delete_anyones_answers(app, contract):
    # The employer could test made-up memorable codes for named staff and see who answered.
    from svcollect.models import Organisation

    employer = Organisation(name="Employer Facilities Ltd", kind="supplier")
    db.session.add(employer)
    db.session.commit()
    contract.prime_supplier_id = employer.id
    db.session.commit()
    person = _started(app, make_collection("ons4", contract=contract))
    client = signed_in(app, make_user("contract_manager", employer))
    url = f"/manage/contracts/{contract.id}/withdraw"
    assert client.get(url).status_code == 403
    token = csrf_token(client.get(f"/manage/contracts/{contract.id}").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "given": "M:AA01AD"}).status_code == 403
    confirm = client.post(f"{url}/confirm", data={"csrf_token": token, "given": person.key})
    assert confirm.status_code == 403
    assert "Withdraw a respondent" not in client.get(f"/manage/contracts/{contract.id}").get_data(
        as_text=True
    )
    assert _counts()[0] == 1


# --- a withdrawn response's number is never given to anyone else ----------------------------


def _numbered_in_pack(app, contract, tmp_path) -> list[int]:
    """The response numbers an evidence pack of the contract lists, in order."""
    from tests.integration.export_world import export, pack_of, rows_of, workbook_of

    book = workbook_of(pack_of(app, export(contract)), tmp_path)
    [header, *rows] = rows_of(book["Responses"])
    assert header[0] == "Response"
    return [row[0] for row in rows]


def test_a_withdrawn_respondents_number_in_a_pack_is_never_the_next_respondents(
    app, contract, manager, tmp_path
):
    """Evidence packs number responses by id: SQLite gave the next response the id of the
    last one withdrawn, so an earlier pack's response N was someone else in the next."""
    collection = make_collection("ons4", contract=contract)
    reference, _ = _finished(app, collection)
    [withdrawn] = _numbered_in_pack(app, contract, tmp_path)
    page = _find(manager, contract, reference).get_data(as_text=True)
    assert _confirm(manager, contract, page).status_code == 303
    assert _counts() == (0, 0, 0)
    _finished(app, collection)  # the next respondent
    [newer] = _numbered_in_pack(app, contract, tmp_path)
    assert newer > withdrawn


def test_the_next_response_after_one_deleted_from_its_own_link_has_a_new_number(app, contract):
    """The respondent's own deletion, as the manager's: the next response (its answers,
    its files) never takes the deleted one's id."""
    collection = make_collection("ons4", contract=contract)
    person = _started(app, collection)
    withdrawn = db.session.scalars(select(Response.id)).one()
    assert person.post(person.url("/withdraw"), {}).status_code == 303
    assert _counts() == (0, 0, 0)
    _started(app, collection)
    db.session.expire_all()
    assert db.session.scalars(select(Response.id)).one() > withdrawn
