"""Which browser a respondent's links lead back to their answers in, and what others see.

An invitation link is known to whoever issued it, so once redeemed it leads back to the
response only in the browser that started it. The survey link offers that browser its
unfinished answers instead of a second response. A deletion sent again finds its
confirmation. Neither the session nor any page keeps an answer or the resume key.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import Answer, AuditEvent, Invitation, Response
from tests.integration.helpers import Respondent, csrf_token, invitations, make_collection

IDEMPOTENCY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')
MARK = re.compile(r'name="mark" value="([^"]+)"')


def _responses() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Response)) or 0)


def _answers() -> list[tuple[str, str | None]]:
    rows = db.session.execute(select(Answer.question_id, Answer.value_text)).all()
    return sorted((q, v) for q, v in rows if not q.startswith("__"))


def _consent(html: str) -> dict[str, str]:
    key = IDEMPOTENCY.search(html)
    assert key
    return {"csrf_token": csrf_token(html), "idempotency_key": key.group(1), "consent": "yes"}


def _session(app, client) -> dict:
    """What the session cookie holds, as anyone with the cookie could read it."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def _part_way(app, client, start_url: str) -> Respondent:
    person = Respondent(client, app)
    assert person.start(start_url).status_code == 303
    person.new_code()
    assert person.answer("life_satisfaction", {"life_satisfaction": "3"}).status_code == 303
    return person


# --- 1. an invitation link, once redeemed ------------------------------------------------


@pytest.fixture
def invited(app, client):
    collection = make_collection("ons4", access="invitation")
    [token] = invitations(collection)
    person = _part_way(app, client, f"/i/{token}")
    return token, person


def test_a_redeemed_invitation_in_another_browser_shows_no_answers_and_no_way_in(app, invited):
    token, person = invited
    issuer = app.test_client()  # the manager who sent the link, or anyone it was passed to
    page = issuer.get(f"/i/{token}", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 409
    assert "This survey was already started from this link" in html
    assert "the link for finishing later that was shown under the questions" in html
    assert "(it begins http://localhost/r/)" in html
    assert "in the same browser on the device you started on" in html
    assert person.key not in html
    assert 'name="consent"' not in html and "<form" not in html
    assert "life_satisfaction" not in html and 'value="3"' not in html
    for path in ("/page/life_satisfaction", "/check", "/withdraw"):
        assert person.url(path) not in html

    # A consent form from elsewhere (the issuer's own session, a new key) is refused too.
    survey = make_collection("ons4")
    form = _consent(issuer.get(f"/s/{survey.public_id}").get_data(as_text=True))
    forged = issuer.post(f"/i/{token}", data=form)
    assert forged.status_code == 409
    assert "Location" not in forged.headers
    assert person.key not in forged.get_data(as_text=True)
    assert _responses() == 1
    assert _answers() == [("life_satisfaction", "3")]
    # The respondent carries on as before.
    assert person.get(person.url("/page/worthwhile")).status_code == 200


def test_the_browser_that_redeemed_an_invitation_is_taken_back_to_its_answers(app, invited):
    token, person = invited
    again = person.get(f"/i/{token}")
    assert again.status_code == 302
    assert again.headers["Location"] == person.url()
    assert person.get(f"/i/{token}", follow_redirects=True).request.path == person.url(
        "/page/worthwhile"
    )


def test_a_double_click_on_consent_to_an_invitation_starts_one_response(app, client):
    collection = make_collection("ons4", access="invitation")
    [token] = invitations(collection)
    data = _consent(client.get(f"/i/{token}").get_data(as_text=True))
    before = client.get_cookie("session").value
    first = client.post(f"/i/{token}", data=data)
    assert first.status_code == 303
    # The second click left before the first was answered: it has the cookie from before.
    client.set_cookie("session", before)
    second = client.post(f"/i/{token}", data=data)
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert _responses() == 1
    # Sent again with the session the first one wrote, it lands there too.
    assert client.post(f"/i/{token}", data=data).headers["Location"] == first.headers["Location"]
    assert client.get(f"/i/{token}").headers["Location"] == first.headers["Location"]


def test_two_browsers_consenting_to_one_invitation_start_one_response(app):
    collection = make_collection("ons4", access="invitation")
    [token] = invitations(collection)
    first, second = app.test_client(), app.test_client()
    first_form = _consent(first.get(f"/i/{token}").get_data(as_text=True))
    second_form = _consent(second.get(f"/i/{token}").get_data(as_text=True))  # both opened
    started = first.post(f"/i/{token}", data=first_form)
    assert started.status_code == 303
    refused = second.post(f"/i/{token}", data=second_form)
    assert refused.status_code == 409
    key = started.headers["Location"].split("/r/")[1]
    assert key not in refused.get_data(as_text=True)
    assert _responses() == 1


def test_a_race_for_one_invitation_gives_the_response_to_the_first_consent_only(app):
    from svcollect.services import responses as svc
    from svcollect.services.questionnaires import questionnaire_for

    collection = make_collection("ons4", access="invitation")
    [token] = invitations(collection)
    questionnaire = questionnaire_for(collection.questionnaire_version)
    winner_key, loser_key = svc.new_token(), svc.new_token()
    # Both requests read the invitation before either had redeemed it.
    winner_state, loser_state = svc.invitation_state(token), svc.invitation_state(token)
    resume_key = svc.start_response(collection, questionnaire, winner_key, winner_state)
    with pytest.raises(svc.AccessDenied) as refused:
        svc.start_response(collection, questionnaire, loser_key, loser_state)
    assert refused.value.kind == "started" and refused.value.status == 409
    # The same form sent twice at once is the same response.
    assert svc.start_response(collection, questionnaire, winner_key, loser_state) == resume_key
    assert _responses() == 1
    assert db.session.scalar(select(Invitation.redeemed_at)) is not None


def test_after_submitting_an_invitation_link_says_it_was_used_everywhere(app, invited):
    token, person = invited
    for page in ("worthwhile", "happiness", "anxiety"):
        person.answer(page, {page: "5"})
    assert person.submit().status_code == 303
    for browser in (person.client, app.test_client()):
        used = browser.get(f"/i/{token}")
        assert used.status_code == 410
        assert "already been used" in used.get_data(as_text=True)


# --- 2. the survey link, opened again ----------------------------------------------------


@pytest.fixture
def survey(app):
    return make_collection("ons4")


def test_the_survey_link_in_the_same_browser_offers_to_continue(app, client, survey):
    person = _part_way(app, client, f"/s/{survey.public_id}")
    page = person.get(f"/s/{survey.public_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "You have already started this survey" in html
    assert f'href="{person.url()}"' in html and "Continue your answers" in html
    restart = f"{person.url('/withdraw')}?restart={survey.public_id}"
    assert f'href="{restart}"' in html and "Delete my answers and start again" in html
    assert 'name="consent"' not in html  # no second start without saying so
    assert 'value="3"' not in html
    assert _responses() == 1
    carry_on = person.get(person.url(), follow_redirects=True)
    assert carry_on.request.path == person.url("/page/worthwhile")


def test_the_survey_link_offers_to_continue_only_soon_after_the_last_save(
    app, client, survey, monkeypatch
):
    # At a shared computer the next person opens the same survey link in the same
    # browser: once the last person has been idle a while, it must not offer their answers.
    clock = [1_000_000.0]
    monkeypatch.setattr("svcollect.web.respondent_session.time.time", lambda: clock[0])
    limit = app.config["SVCOLLECT_CONTINUE_OFFER_MINUTES"] * 60
    person = _part_way(app, client, f"/s/{survey.public_id}")
    clock[0] += limit - 60
    assert person.answer("worthwhile", {"worthwhile": "6"}).status_code == 303
    clock[0] += limit - 60  # long after the start, soon after the last save
    assert "Continue your answers" in person.get(f"/s/{survey.public_id}").get_data(as_text=True)
    clock[0] += 120  # now idle for longer than the limit
    later = person.get(f"/s/{survey.public_id}").get_data(as_text=True)
    assert "Continue your answers" not in later and "You have already started" not in later
    assert 'name="consent"' in later  # a fresh start for whoever is at the computer
    assert 'value="3"' not in later and 'value="6"' not in later
    # The respondent's own link still continues their answers.
    back = person.get(person.url(), follow_redirects=True)
    assert back.status_code == 200 and _responses() == 1


def test_a_start_page_opened_before_consenting_leads_to_the_same_response(app, client, survey):
    url = f"/s/{survey.public_id}"
    first_tab = _consent(client.get(url).get_data(as_text=True))
    second_tab = _consent(client.get(url).get_data(as_text=True))
    started = client.post(url, data=first_tab)
    again = client.post(url, data=second_tab)
    assert started.status_code == again.status_code == 303
    assert again.headers["Location"] == started.headers["Location"]
    assert _responses() == 1


def test_starting_again_deletes_the_first_answers_and_says_so_first(app, client, survey):
    person = _part_way(app, client, f"/s/{survey.public_id}")
    first_key = person.key
    restart = f"{person.url('/withdraw')}?restart={survey.public_id}"
    confirm = person.get(restart)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Delete your answers and start again?" in html
    assert "You cannot get your answers back" in html
    assert _responses() == 1  # nothing deleted by looking

    done = person.post(restart, {"mark": MARK.search(html).group(1)})
    assert done.status_code == 303
    assert done.headers["Location"] == f"/s/{survey.public_id}"
    assert _responses() == 0 and _answers() == []
    start = person.get(f"/s/{survey.public_id}").get_data(as_text=True)
    assert 'name="consent"' in start
    assert person.start(f"/s/{survey.public_id}").status_code == 303
    assert person.key != first_key and _responses() == 1
    assert app.test_client().get(f"/r/{first_key}").status_code == 404
    events = db.session.scalars(
        select(AuditEvent).filter_by(action="response_withdrawn_by_respondent")
    ).all()
    assert len(events) == 1


def test_another_browser_opening_the_survey_link_starts_afresh(app, client, survey):
    _part_way(app, client, f"/s/{survey.public_id}")
    html = app.test_client().get(f"/s/{survey.public_id}").get_data(as_text=True)
    assert 'name="consent"' in html
    assert "You have already started" not in html


def test_after_submitting_the_survey_link_starts_afresh(app, client, survey):
    person = _part_way(app, client, f"/s/{survey.public_id}")
    for page in ("worthwhile", "happiness", "anxiety"):
        person.answer(page, {page: "5"})
    assert person.submit().status_code == 303
    assert 'name="consent"' in person.get(f"/s/{survey.public_id}").get_data(as_text=True)


def test_a_supplier_survey_link_offers_to_continue_but_not_to_delete(app, client):
    collection = make_collection("supplier-adherence")
    person = Respondent(client, app)
    assert person.start(f"/s/{collection.public_id}").status_code == 303
    html = person.get(f"/s/{collection.public_id}").get_data(as_text=True)
    assert "Continue your answers" in html
    assert "start again" not in html.lower()  # supplier declarations are not withdrawn so


def test_the_start_page_says_truthfully_how_to_come_back(app, client, survey):
    start = client.get(f"/s/{survey.public_id}").get_data(as_text=True)
    assert "come back to this link to finish" not in start
    assert "use your own link shown under the questions" in start
    assert "takes you back to your answers only in the same browser" in start
    person = _part_way(app, client, f"/s/{survey.public_id}")
    page = person.get(person.url("/page/worthwhile")).get_data(as_text=True)
    assert f"http://localhost{person.url()}" in page
    assert "anyone with this link can see and change your answers" in page


def test_the_session_holds_no_resume_key_and_no_answer(app, client, survey):
    person = _part_way(app, client, f"/s/{survey.public_id}")
    held = repr(_session(app, client))
    assert person.key not in held
    assert "life_satisfaction" not in held
    html = person.get(person.url("/withdraw")).get_data(as_text=True)
    person.post(person.url("/withdraw"), {"mark": MARK.search(html).group(1)})
    after = _session(app, client)
    assert person.key not in repr(after)
    assert after.get("respondent_started") == []  # the consent form's key is forgotten too
    assert len(after["respondent_withdrawn"]) == 1  # a keyed hash of the link, no more


# --- 3. deleting, sent again -------------------------------------------------------------


@pytest.mark.parametrize("started_here", [True, False], ids=["started-here", "resumed-by-link"])
def test_a_double_click_on_delete_my_answers_lands_on_the_confirmation(
    app, client, survey, started_here
):
    person = _part_way(app, client, f"/s/{survey.public_id}")
    if not started_here:
        person = Respondent(app.test_client(), app, key=person.key)
    html = person.get(person.url("/withdraw")).get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "mark": MARK.search(html).group(1)}
    before = person.client.get_cookie("session").value
    first = person.post(person.url("/withdraw"), data)
    assert first.status_code == 303 and first.headers["Location"].endswith("/withdrawn")
    person.client.set_cookie("session", before)  # sent before the first was answered
    second = person.post(person.url("/withdraw"), data)
    assert second.status_code == 303 and second.headers["Location"].endswith("/withdrawn")
    assert "Your answers have been deleted" in person.get("/withdrawn").get_data(as_text=True)
    assert _responses() == 0
    events = db.session.scalars(
        select(AuditEvent).filter_by(action="response_withdrawn_by_respondent")
    ).all()
    assert len(events) == 1


def test_back_after_deleting_finds_the_confirmation_only_in_that_browser(app, client, survey):
    person = _part_way(app, client, f"/s/{survey.public_id}")
    html = person.get(person.url("/withdraw")).get_data(as_text=True)
    person.post(person.url("/withdraw"), {"mark": MARK.search(html).group(1)})
    for path in ("/withdraw", "/page/worthwhile", ""):
        back = person.get(person.url(path))
        assert back.status_code == 303, path
        assert back.headers["Location"].endswith("/withdrawn")
        assert app.test_client().get(person.url(path)).status_code == 404


def test_a_deletion_form_sent_for_another_link_or_without_its_mark_finds_nothing(
    app, client, survey
):
    person = _part_way(app, client, f"/s/{survey.public_id}")
    html = person.get(person.url("/withdraw")).get_data(as_text=True)
    token, mark = csrf_token(html), MARK.search(html).group(1)
    unknown = "/r/not-a-real-key/withdraw"
    for data in ({"mark": mark}, {}, {"mark": "ü" * 22}):
        assert person.post(unknown, {"csrf_token": token, **data}).status_code == 404
    assert _responses() == 1


# --- 4. a link that does not work --------------------------------------------------------


def test_a_link_that_does_not_work_says_what_to_check_for_that_link(app, client):
    make_collection("ons4", access="invitation")
    survey = client.get("/s/not-a-survey")
    invitation = client.get("/i/" + "A" * 32)
    resume = client.get("/r/not-a-real-key")
    for page in (survey, invitation, resume):
        assert page.status_code == 404
        assert "This link does not work" in page.get_data(as_text=True)
    assert "invitation" not in survey.get_data(as_text=True)
    assert "ask whoever gave you the link to check it" in survey.get_data(as_text=True)
    assert "from your invitation" in invitation.get_data(as_text=True)
    assert "invitation" not in resume.get_data(as_text=True)
    assert "go back to the survey link you were first given" in resume.get_data(as_text=True)


def test_the_session_cookie_is_written_again_only_on_starting_and_on_deleting(app, client, survey):
    """Answering pages does not rewrite the cookie (nor cost anything to remember) until a
    tenth of the continue offer's time has passed (see the test above)."""

    def writes(result) -> bool:
        return any(c.startswith("session=") for c in result.headers.getlist("Set-Cookie"))

    person = Respondent(client, app)
    assert writes(client.get(f"/s/{survey.public_id}"))  # the CSRF token, as before
    assert writes(person.start(f"/s/{survey.public_id}"))  # the start is remembered
    quiet = [person.new_code(), person.get(person.url("/page/life_satisfaction"))]
    quiet += [person.answer("life_satisfaction", {"life_satisfaction": "3"})]
    quiet += [person.get(f"/s/{survey.public_id}"), person.get(person.url("/withdraw"))]
    assert not any(writes(result) for result in quiet)
    html = person.last.get_data(as_text=True)
    assert writes(person.post(person.url("/withdraw"), {"mark": MARK.search(html).group(1)}))


def test_the_code_page_after_consent_already_shows_the_personal_link(app):
    """Someone who consents and stops at the respondent-code step can still carry on
    elsewhere: the link under the questions is shown there too."""
    from tests.integration.helpers import Respondent, make_collection

    collection = make_collection("ons4")
    person = Respondent(app.test_client(), app)
    person.start(f"/s/{collection.public_id}")
    page = person.get(person.url("/code")).get_data(as_text=True)
    assert f"/r/{person.key}" in page and "Keep it private" in page
