"""Bad input on the respondent journey: clear messages, nothing lost, no 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import Answer, Collection, Response
from svcollect.models._types import utcnow
from tests.integration.helpers import Respondent, csrf_token, invitations, make_collection


@pytest.fixture
def loneliness(app, client):
    collection = make_collection("loneliness")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    return person


@pytest.fixture
def ons4(app, client):
    collection = make_collection("ons4")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    return person


def _errors(html: str) -> str:
    assert "govuk-error-summary" in html
    return html


def test_missing_required_answer_gets_error_summary(ons4):
    result = ons4.answer("life_satisfaction", {})
    assert result.status_code == 422
    html = _errors(result.get_data(as_text=True))
    assert 'href="#life_satisfaction"' in html
    assert "<title>Error:" in html


@pytest.mark.parametrize("value", ["11", "-1", "seven", "7.5", "", "7; DROP TABLE answer"])
def test_out_of_range_or_non_numeric_scale_is_refused(ons4, value):
    result = ons4.answer("life_satisfaction", {"life_satisfaction": value})
    assert result.status_code == 422
    _errors(result.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def _profile_page(app, questionnaire_id: str):
    questionnaire = app.extensions["svcollect.questionnaires"].latest(questionnaire_id)
    return questionnaire.pages[0]


@pytest.fixture
def supplier(app, client):
    collection = make_collection("supplier-adherence")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    return person


def _profile(**overrides):
    data = {"employee_count": "40", "is_sme": "yes", "is_vcse": "no", "location": "Leeds"}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "count", ["forty", "1e400", "1E1000000", "-5", "12.5", "NaN", "Infinity", "   "]
)
def test_number_question_refuses_bad_numbers_and_keeps_other_answers(app, supplier, count):
    page = _profile_page(app, "supplier-adherence")
    result = supplier.answer(page.id, _profile(employee_count=count))
    assert result.status_code == 422
    html = _errors(result.get_data(as_text=True))
    assert 'value="Leeds"' in html  # what they typed elsewhere is kept
    assert 'value="yes" checked' in html


def test_over_long_text_is_refused_with_message(app, supplier):
    page = _profile_page(app, "supplier-adherence")
    result = supplier.answer(page.id, _profile(location="x" * 5000))
    assert result.status_code == 422
    _errors(result.get_data(as_text=True))


@pytest.mark.parametrize("value", ["Leeds\x00", "Le\x07eds", "\x1b[31mLeeds"])
def test_control_characters_are_refused(app, supplier, value):
    page = _profile_page(app, "supplier-adherence")
    result = supplier.answer(page.id, _profile(location=value))
    assert result.status_code == 422
    assert "special characters" in result.get_data(as_text=True)


def test_html_and_script_are_escaped_where_shown(app, supplier):
    page = _profile_page(app, "supplier-adherence")
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    saved = supplier.answer(page.id, _profile(location=script))
    assert saved.status_code == 303
    shown = supplier.get(supplier.url(f"/page/{page.id}")).get_data(as_text=True)
    assert "<script>alert" not in shown
    assert "&lt;script&gt;" in shown
    stored = db.session.scalar(select(Answer.value_text).filter_by(question_id="location"))
    assert stored == script


def test_odd_unicode_is_kept_intact(app, supplier):
    page = _profile_page(app, "supplier-adherence")
    town = "Llanfair\u0305pwll – مرحبا – 東京 – 🙂"
    assert supplier.answer(page.id, _profile(location=town)).status_code == 303
    stored = db.session.scalar(select(Answer.value_text).filter_by(question_id="location"))
    assert stored.startswith("Llanfair")
    assert "東京" in stored


def test_unknown_and_extra_fields_are_ignored(ons4):
    result = ons4.answer(
        "life_satisfaction",
        {"life_satisfaction": "6", "anxiety": "9", "respondent_code": "x", "is_admin": "1"},
    )
    assert result.status_code == 303
    stored = db.session.execute(select(Answer.question_id)).scalars().all()
    assert [q for q in stored if not q.startswith("__")] == ["life_satisfaction"]


def test_missing_csrf_token_keeps_what_was_typed(ons4):
    result = ons4.answer("life_satisfaction", {"life_satisfaction": "8"}, token=False)
    assert result.status_code == 400
    html = result.get_data(as_text=True)
    assert "timed out" in html
    assert 'value="8" checked' in html
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
    # The page carries a fresh token: sending again saves the answer.
    again = ons4.client.post(
        ons4.url("/page/life_satisfaction"),
        data={"life_satisfaction": "8", "csrf_token": csrf_token(html)},
    )
    assert again.status_code == 303


def test_wrong_csrf_token_is_refused(ons4):
    result = ons4.answer(
        "life_satisfaction", {"life_satisfaction": "8", "csrf_token": "forged-token"}
    )
    assert result.status_code == 400


def test_oversized_body_gets_413_page(app, ons4):
    result = ons4.client.post(
        ons4.url("/page/life_satisfaction"),
        data={"life_satisfaction": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)},
    )
    assert result.status_code == 413
    assert "too large" in result.get_data(as_text=True)


def test_unknown_page_and_unknown_key_are_404(ons4, client):
    assert ons4.get(ons4.url("/page/not-a-page")).status_code == 404
    assert client.get("/r/not-a-real-key/page/life_satisfaction").status_code == 404
    assert client.get("/s/not-a-collection").status_code == 404


def test_unknown_invitation_is_404_and_reveals_nothing(app, client):
    make_collection("ons4", access="invitation")
    result = client.get("/i/" + "A" * 32)
    assert result.status_code == 404
    assert "does not work" in result.get_data(as_text=True)


def test_invitation_is_single_use_and_resumes_until_submitted(app, client):
    collection = make_collection("ons4", access="invitation")
    [token] = invitations(collection)
    # An invitation-only collection has no open link.
    assert client.get(f"/s/{collection.public_id}").status_code == 404
    person = Respondent(client, app)
    assert person.start(f"/i/{token}").status_code == 303
    person.new_code()
    person.answer("life_satisfaction", {"life_satisfaction": "7"})
    # Opening the invitation again resumes the same response, in the browser that started it.
    reopened = client.get(f"/i/{token}")
    assert reopened.status_code == 302
    assert person.key in reopened.headers["Location"]
    # Anyone else holding the link (whoever issued it, too) is told it was started, no more.
    elsewhere = app.test_client().get(f"/i/{token}")
    assert elsewhere.status_code == 409
    assert person.key not in elsewhere.get_data(as_text=True)
    for page in ("worthwhile", "happiness", "anxiety"):
        person.answer(page, {page: "5"})
    assert person.submit().status_code == 303
    used = app.test_client().get(f"/i/{token}")
    assert used.status_code == 410
    assert "already been used" in used.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_not_yet_open_and_closed_collections(app, client):
    future = make_collection("ons4", opens_in_days=2, closes_in_days=10)
    result = client.get(f"/s/{future.public_id}")
    assert result.status_code == 403
    assert "not opened yet" in result.get_data(as_text=True)
    past = make_collection("ons4", opens_in_days=-10, closes_in_days=-1)
    closed = client.get(f"/s/{past.public_id}")
    assert closed.status_code == 410
    assert "has closed" in closed.get_data(as_text=True)


def test_in_progress_response_cannot_continue_after_close(app, ons4):
    collection = db.session.scalar(select(Collection))
    collection.closes_at = utcnow() - timedelta(minutes=1)
    collection.opens_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert ons4.get(ons4.url("/page/life_satisfaction")).status_code == 410
