"""Baseline and follow-up answers pair by respondent code without anyone being identified."""

from __future__ import annotations

from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import Response
from tests.integration.helpers import Respondent, make_collection, make_contract

ONS4 = {"life_satisfaction": "6", "worthwhile": "7", "happiness": "5", "anxiety": "4"}


def _finish(person: Respondent) -> str:
    for page, value in ONS4.items():
        assert person.answer(page, {page: value}).status_code == 303
    done = person.submit()
    return person.get(done.headers["Location"]).get_data(as_text=True)


def _code_hashes() -> list[str | None]:
    responses = db.session.scalars(select(Response).order_by(Response.id))
    return [r.respondent.code_hash if r.respondent else None for r in responses]


def _baseline_then_follow_up(app) -> tuple[str, Respondent, object]:
    """Someone answered the baseline with an issued code (returned); another person starts
    the follow-up and chooses to enter a code from an earlier survey."""
    contract = make_contract()
    baseline = make_collection("ons4", contract=contract)
    follow_up = make_collection("ons4", contract=contract, wave="follow_up")
    first = Respondent(app.test_client(), app)
    first.start(f"/s/{baseline.public_id}")
    first.new_code()
    code = _finish(first).split('class="app-code">')[1].split("<")[0]
    second = Respondent(app.test_client(), app)
    second.start(f"/s/{follow_up.public_id}")
    assert second.post(second.url("/code"), {"choice": "enter"}).status_code == 303
    return code, second, follow_up


def test_issued_code_entered_at_follow_up_pairs_the_responses(app):
    code, second, _ = _baseline_then_follow_up(app)
    typed = code.lower().replace("-", " ")
    assert second.post(second.url("/code/enter"), {"code": typed}).status_code == 303
    page = _finish(second)
    assert 'class="app-code"' not in page  # an entered code is not shown back
    baseline_hash, follow_up_hash = _code_hashes()
    assert baseline_hash == follow_up_hash
    people = db.session.scalars(select(Response.respondent_id).order_by(Response.id)).all()
    assert people[0] is not None and people == [people[0]] * 2  # one respondent row


def test_mistyped_code_gets_a_message(app, client):
    collection = make_collection("ons4")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    person.post(person.url("/code"), {"choice": "enter"})
    result = person.post(person.url("/code/enter"), {"code": "7KQ-2MX"})
    assert result.status_code == 422
    assert "exactly as it was shown" in result.get_data(as_text=True)


def test_a_code_no_earlier_survey_gave_is_questioned_once_then_used(app):
    # A typo in a code from the baseline pairs the follow-up with nothing: the respondent
    # is asked to check it, and a code that is right after all is taken the second time.
    code, second, follow_up = _baseline_then_follow_up(app)
    mistyped = ("0" if code[0] != "0" else "1") + code[1:]
    warned = second.post(second.url("/code/enter"), {"code": mistyped})
    html = warned.get_data(as_text=True)
    assert warned.status_code == 422
    assert "No earlier survey for this contract was given this code" in html
    assert f'value="{mistyped}"' in html  # what was typed is kept
    assert (
        db.session.scalar(select(Response).filter_by(collection_id=follow_up.id)).respondent_id
        is None
    )
    # Corrected, it is taken at once; a different code typed after the warning is checked again.
    other = ("2" if code[0] != "2" else "3") + code[1:]
    again = second.post(
        second.url("/code/enter"), {"code": other, "checked": mistyped.replace("-", "")}
    )
    assert again.status_code == 422
    assert second.post(second.url("/code/enter"), {"code": code}).status_code == 303
    baseline_hash, follow_up_hash = _code_hashes()
    assert baseline_hash == follow_up_hash


def test_a_code_questioned_and_sent_again_is_used(app):
    _, person, follow_up = _baseline_then_follow_up(app)
    warned = person.post(person.url("/code/enter"), {"code": "7KQ-2MX-9PD"})
    assert warned.status_code == 422
    sure = person.post(person.url("/code/enter"), {"code": "7kq 2mx 9pd", "checked": "7KQ2MX9PD"})
    assert sure.status_code == 303
    assert db.session.scalar(select(Response).filter_by(collection_id=follow_up.id)).respondent_id


def test_the_first_survey_has_nothing_to_check_a_code_against(app):
    collection = make_collection("ons4")
    person = Respondent(app.test_client(), app)
    person.start(f"/s/{collection.public_id}")
    person.post(person.url("/code"), {"choice": "enter"})
    assert person.post(person.url("/code/enter"), {"code": "7KQ-2MX-9PD"}).status_code == 303


def test_memorable_code_pairs_across_waves_but_not_across_contracts(app):
    contract = make_contract()
    other_contract = make_contract()
    collections = [
        make_collection("ons4", contract=contract),
        make_collection("ons4", contract=contract, wave="follow_up"),
        make_collection("ons4", contract=other_contract),
    ]
    for collection in collections:
        person = Respondent(app.test_client(), app)
        person.start(f"/s/{collection.public_id}")
        person.post(person.url("/code"), {"choice": "memorable"})
        made = person.post(
            person.url("/code/memorable"),
            {"parent_initials": "ma", "birth_day": "7", "town_letters": "ds"},
        )
        assert made.status_code == 303
        _finish(person)
    first, second, third = _code_hashes()
    assert first == second
    assert third != first  # each contract has its own salt


def test_bad_memorable_answers_get_a_message(app, client):
    collection = make_collection("ons4")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    person.post(person.url("/code"), {"choice": "memorable"})
    result = person.post(
        person.url("/code/memorable"),
        {"parent_initials": "m1", "birth_day": "40", "town_letters": "ds"},
    )
    assert result.status_code == 422
    assert "govuk-error-summary" in result.get_data(as_text=True)


def test_a_wrong_memorable_answer_is_named_on_its_own_field(app, client):
    collection = make_collection("ons4")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    person.post(person.url("/code"), {"choice": "memorable"})
    result = person.post(
        person.url("/code/memorable"),
        {"parent_initials": "ma", "birth_day": "32", "town_letters": "ds"},
    )
    assert result.status_code == 422
    html = result.get_data(as_text=True)
    summary = html[html.index("govuk-error-summary") : html.index("</ul>")]
    assert (
        '<a href="#birth_day">Enter the day of the month you were born as a number from 1 to 31'
        in summary
    )
    assert "#parent_initials" not in summary and "#town_letters" not in summary
