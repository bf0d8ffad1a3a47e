"""Managers read a released questionnaire before using it: every page, question and option."""

from __future__ import annotations

from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import QuestionnaireVersion
from svcollect.services.questionnaires import questionnaire_for
from tests.integration.helpers import make_contract, make_organisation, make_user, signed_in


def _version(qid: str) -> QuestionnaireVersion:
    return db.session.scalar(
        select(QuestionnaireVersion)
        .filter_by(questionnaire_id=qid)
        .order_by(QuestionnaireVersion.version.desc())
    )


def test_every_released_version_is_listed_and_each_shows_every_question(app):
    manager = make_user("contract_manager", make_contract().buyer)
    client = signed_in(app, manager)
    listing = client.get("/manage/questionnaires/")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    versions = list(db.session.scalars(select(QuestionnaireVersion)))
    assert versions
    for version in versions:
        assert f"/manage/questionnaires/{version.id}" in html
        page = client.get(f"/manage/questionnaires/{version.id}")
        assert page.status_code == 200, version.questionnaire_id
        text = page.get_data(as_text=True)
        questionnaire = questionnaire_for(version)
        assert questionnaire.content_hash in text
        for n, question in enumerate(questionnaire.questions(), start=1):
            assert f"{n}. " in text
            for option in question.options:
                assert option.label.replace("'", "&#39;").replace('"', "&#34;") in text


def test_a_scale_shows_its_ends_and_the_licence_is_named(app):
    client = signed_in(app, make_user("contract_manager", make_contract().buyer))
    ons = client.get(f"/manage/questionnaires/{_version('ons4').id}").get_data(as_text=True)
    assert "Overall, how satisfied are you with your life nowadays?" in ons
    assert "One point on a scale from" in ons
    wemwbs = client.get(f"/manage/questionnaires/{_version('wemwbs').id}").get_data(as_text=True)
    assert "record its licence reference" in wemwbs
    assert "NHS Health Scotland" in wemwbs  # the notice shown wherever the scale is


def test_a_date_that_must_follow_another_says_so_in_every_version_with_the_rule(app):
    client = signed_in(app, make_user("contract_manager", make_contract().buyer))
    rule = "A date on or after the answer to “When does this reporting period start?”"
    for version in db.session.scalars(
        select(QuestionnaireVersion).filter_by(questionnaire_id="delivery-return")
    ):
        page = client.get(f"/manage/questionnaires/{version.id}").get_data(as_text=True)
        assert rule in page, version.version  # v1 has it added, v2 in its file


def test_only_managers_see_previews(app):
    version = _version("ons4")
    supplier = signed_in(app, make_user("supplier_user", make_organisation("S", "supplier")))
    assert supplier.get(f"/manage/questionnaires/{version.id}").status_code == 404
    anonymous = app.test_client().get(f"/manage/questionnaires/{version.id}")
    assert anonymous.status_code == 302
    manager = signed_in(app, make_user("contract_manager", make_contract().buyer))
    assert manager.get("/manage/questionnaires/999999").status_code == 404
