"""The respondent journey end to end through the test client, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, inspect, select

from svcollect.extensions import db
from svcollect.models import Answer, Response
from svcollect.services.answers import answers_frame
from svcollect.services.respondent_codes import hash_code, normalise_code
from tests.integration.helpers import Respondent, csrf_token, make_collection

ONS4 = {"life_satisfaction": "7", "worthwhile": "8", "happiness": "6", "anxiety": "2"}


def answer_ons4(person: Respondent) -> None:
    for page, value in ONS4.items():
        response = person.answer(page, {page: value})
        assert response.status_code == 303, (page, response.status_code)


def test_open_link_journey_stores_one_pinned_response(app, client):
    collection = make_collection("ons4")
    person = Respondent(client, app)
    start = person.start(f"/s/{collection.public_id}")
    assert start.status_code == 303
    assert person.new_code().status_code == 303
    answer_ons4(person)
    check = person.get(person.url("/check"))
    assert check.status_code == 200
    html = check.get_data(as_text=True)
    assert "Check your answers" in html
    assert html.count("Change") >= 4
    done = person.submit()
    assert done.status_code == 303
    confirmation = person.get(done.headers["Location"])
    assert confirmation.status_code == 200
    text = confirmation.get_data(as_text=True)
    response = db.session.scalar(select(Response))
    assert response.reference in text
    assert response.status == "submitted"
    assert response.submitted_at is not None
    assert (response.questionnaire_id, response.questionnaire_version) == ("ons4", 1)
    questionnaire = app.extensions["svcollect.questionnaires"].get("ons4", 1)
    assert response.questionnaire_hash == questionnaire.content_hash
    # The issued code is shown once more on confirmation and stored only as an HMAC.
    code = text.split('class="app-code">')[1].split("<")[0]
    salt = collection.contract.respondent_salt
    assert response.respondent.code_hash == hash_code(salt, normalise_code(code))
    assert code.replace("-", "") not in response.respondent.code_hash
    rows = db.session.execute(select(Answer.question_id, Answer.value_number)).all()
    assert sorted(rows) == sorted((k, float(v)) for k, v in ONS4.items())


def test_answers_load_into_pandas_in_one_frame(app, client):
    collection = make_collection("ons4")
    for _ in range(3):
        person = Respondent(app.test_client(), app)
        person.start(f"/s/{collection.public_id}")
        person.new_code()
        answer_ons4(person)
        person.submit()
    frame = answers_frame(collection.id)
    assert list(frame.columns) == [
        "response_id",
        "respondent",
        "question_id",
        "value_text",
        "value_number",
    ]
    assert len(frame) == 12
    assert frame["response_id"].nunique() == 3
    assert set(frame["question_id"]) == set(ONS4)


def test_response_table_holds_no_personal_identifiers(app):
    columns = {c["name"] for c in inspect(db.engine).get_columns("response")}
    for forbidden in ("name", "email", "user_id", "invitation_id", "ip_address"):
        assert forbidden not in columns
    invitation_columns = {c["name"] for c in inspect(db.engine).get_columns("invitation")}
    assert "response_id" not in invitation_columns


def test_declining_consent_stores_nothing(app, client):
    collection = make_collection("ons4")
    person = Respondent(client, app)
    result = person.start(f"/s/{collection.public_id}", consent="no")
    assert result.status_code == 200
    assert "chosen not to take part" in result.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_repeated_consent_post_creates_one_response(app, client):
    collection = make_collection("ons4")
    url = f"/s/{collection.public_id}"
    html = client.get(url).get_data(as_text=True)
    key = html.split('name="idempotency_key" type="hidden" value="')[1].split('"')[0]
    data = {"csrf_token": csrf_token(html), "idempotency_key": key, "consent": "yes"}
    first = client.post(url, data=data)
    second = client.post(url, data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_double_submit_and_replay_store_one_response(app, client):
    collection = make_collection("ons4")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    answer_ons4(person)
    token = csrf_token(person.get(person.url("/check")).get_data(as_text=True))
    first = client.post(person.url("/check"), data={"csrf_token": token})
    replay = client.post(person.url("/check"), data={"csrf_token": token})
    assert first.status_code == 303
    assert replay.status_code == 303
    assert replay.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    reference = db.session.scalar(select(Response.reference))
    assert reference in client.get(replay.headers["Location"]).get_data(as_text=True)


def test_resume_from_link_in_a_new_browser_keeps_saved_pages(app, client):
    collection = make_collection("ons4")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    person.answer("life_satisfaction", {"life_satisfaction": "9"})
    person.answer("worthwhile", {"worthwhile": "4"})
    # A different browser (no cookies, so no session) opens the saved link.
    other = Respondent(app.test_client(), app, key=person.key)
    resumed = other.get(other.url())
    assert resumed.status_code == 302
    assert resumed.headers["Location"].endswith("/page/happiness")
    back = other.get(other.url("/page/life_satisfaction")).get_data(as_text=True)
    assert 'value="9" checked' in back


def test_skipping_ahead_is_sent_back_to_the_first_unanswered_page(app, client):
    collection = make_collection("ons4")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    jump = person.get(person.url("/page/anxiety"))
    assert jump.status_code == 302
    assert jump.headers["Location"].endswith("/page/life_satisfaction")
    token = csrf_token(person.get(person.url("/page/life_satisfaction")).get_data(as_text=True))
    forged = person.answer("anxiety", {"anxiety": "3", "csrf_token": token})
    assert forged.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_forged_submit_without_required_pages_is_refused(app, client):
    collection = make_collection("ons4")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    person.answer("life_satisfaction", {"life_satisfaction": "5"})
    token = csrf_token(person.get(person.url("/page/worthwhile")).get_data(as_text=True))
    result = client.post(person.url("/check"), data={"csrf_token": token})
    assert result.status_code == 422
    assert "You have not finished" in result.get_data(as_text=True)
    response = db.session.scalar(select(Response))
    assert response.status == "in_progress"


def test_conditional_pages_follow_employee_count(app, client):
    collection = make_collection("mhaw-standards")
    questionnaire = app.extensions["svcollect.questionnaires"].latest("mhaw-standards")
    first_page = questionnaire.pages[0]
    small = Respondent(client, app)
    small.start(f"/s/{collection.public_id}")
    small.answer(first_page.id, {"employee_count": "120"})
    progress_pages = _visible_page_ids(app, small)
    assert not any(p.startswith("tw_enh") or "enh" in p for p in progress_pages)
    large = Respondent(app.test_client(), app)
    large.start(f"/s/{collection.public_id}")
    large.answer(first_page.id, {"employee_count": "650"})
    assert len(_visible_page_ids(app, large)) == len(progress_pages) + 4


def _visible_page_ids(app, person: Respondent) -> list[str]:
    from svcollect.services.questionnaires import questionnaire_for
    from svcollect.services.responses import Progress, response_by_resume_key

    response = response_by_resume_key(person.key)
    questionnaire = questionnaire_for(response.collection.questionnaire_version)
    return [p.id for p in Progress.of(questionnaire, response).visible_pages()]


def test_wemwbs_page_shows_the_licence_notice(app, client):
    collection = make_collection("wemwbs")
    html = client.get(f"/s/{collection.public_id}").get_data(as_text=True)
    assert "© NHS Health Scotland, The University of Warwick and University of Edinburgh" in html


def test_a_page_titled_as_its_questionnaire_names_it_once(app, client):
    import re

    from svcollect.services.questionnaires import questionnaire_for

    collection = make_collection("wemwbs")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    questionnaire = questionnaire_for(collection.questionnaire_version)
    first = questionnaire.pages[0]
    assert first.title == questionnaire.title  # the case in point
    html = person.get(person.url(f"/page/{first.id}")).get_data(as_text=True)
    [title] = re.findall(r"<title>(.*?)</title>", html, re.S)
    assert " ".join(title.split()) == f"{questionnaire.title} – svcollect"
