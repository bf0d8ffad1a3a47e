"""Every question type through the journey: dates, choices, text, files and conditions."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from svcollect import create_app
from svcollect.extensions import db
from svcollect.models import Answer, EvidenceFile
from svcollect.services.questionnaires import registry, sync_releases
from tests.conftest import ROOT, IsolatedClient, make_config
from tests.integration.helpers import Respondent, csrf_token, make_collection

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def journey_app(app, database_url, tmp_path):
    other = create_app(
        make_config(
            database_url,
            tmp_path,
            SVCOLLECT_QUESTIONNAIRE_DIR=ROOT / "tests" / "fixtures" / "journey",
            SVCOLLECT_MAX_UPLOAD_MB=1,
            SVCOLLECT_MAX_UPLOAD_BYTES=1024 * 1024,
        )
    )
    other.test_client_class = IsolatedClient
    with other.app_context():
        sync_releases(registry())
        yield other
        db.session.remove()


@pytest.fixture
def person(journey_app):
    collection = make_collection("every-type")
    respondent = Respondent(journey_app.test_client(), journey_app)
    respondent.start(f"/s/{collection.public_id}")
    respondent.new_code()
    return respondent


DETAILS = {"started_on": ["3", "2", "2025"], "activities": ["walks", "training"], "story": "Good"}


def _saved(question_id: str):
    return db.session.scalar(select(Answer).filter_by(question_id=question_id))


def test_every_type_is_saved_in_its_canonical_form(person):
    assert person.answer("about", {"team_size": "1,200", "has_policy": "no"}).status_code == 422
    assert person.answer("about", {"team_size": "12", "has_policy": "no"}).status_code == 303
    assert person.answer("details", DETAILS).status_code == 303
    # The evidence page is hidden when there is no policy: next is the team name.
    assert person.last.headers["Location"].endswith("/page/contact")
    contact = person.get(person.url("/page/contact")).get_data(as_text=True)
    assert "a % sign must not break the page" in contact
    assert person.answer("contact", {"team_name": "  Estates  "}).status_code == 303
    assert _saved("team_size").value_number == 12.0
    assert _saved("has_policy").value_text == "no"
    assert _saved("started_on").value_text == "2025-02-03"
    assert json.loads(_saved("activities").value_text) == ["walks", "training"]
    assert _saved("team_name").value_text == "Estates"
    check = person.get(person.url("/check")).get_data(as_text=True)
    assert "3 February 2025" in check
    assert "Walking groups, Mental health training" in check
    assert person.submit().status_code == 303


@pytest.mark.parametrize(
    "parts", [["31", "2", "2025"], ["x", "y", "z"], ["1", "2"], ["1", "2", "3", "4"]]
)
def test_impossible_or_forged_dates_get_a_message(person, parts):
    person.answer("about", {"team_size": "12", "has_policy": "no"})
    result = person.answer("details", {**DETAILS, "started_on": parts})
    assert result.status_code == 422
    html = result.get_data(as_text=True)
    assert "Enter a real date" in html or "date" in html.lower()
    assert 'href="#started_on-day"' in html


@pytest.mark.parametrize(
    ("parts", "box"),
    [
        (["", "4", "2025"], "day"),
        (["1", "", "2025"], "month"),
        (["1", "4", ""], "year"),
        (["", "", "2025"], "day"),
    ],
)
def test_a_partly_typed_date_is_refused_not_dropped(person, parts, box):
    # WTForms' Optional() and InputRequired() look at the day box only: an optional date
    # typed without its day was saved as no answer, losing the month and year.
    person.answer("about", {"team_size": "12", "has_policy": "no"})
    result = person.answer("details", {**DETAILS, "reviewed_on": parts})
    assert result.status_code == 422
    html = result.get_data(as_text=True)
    assert "The date your policy was last reviewed must be a real date" in html
    assert f'href="#reviewed_on-{box}"' in html  # the box left empty
    assert _saved("reviewed_on") is None
    for typed in parts:  # what was typed is kept
        if typed:
            assert f'value="{typed}"' in html


def test_a_required_date_typed_without_its_day_says_the_date_is_not_real(person):
    person.answer("about", {"team_size": "12", "has_policy": "no"})
    result = person.answer("details", {**DETAILS, "started_on": ["", "2", "2025"]})
    assert result.status_code == 422
    html = result.get_data(as_text=True)
    # The question's own "invalid" message (the default one here), not "enter a date".
    assert "Your answer to \u2018When did the team start?\u2019 must be a real date" in html
    assert "Enter a date for" not in html


def test_a_date_left_out_of_a_forged_body_is_a_clear_error_not_a_500(person):
    person.answer("about", {"team_size": "12", "has_policy": "no"})
    result = person.answer("details", {k: v for k, v in DETAILS.items() if k != "started_on"})
    assert result.status_code == 422
    assert "Enter a date for \u2018When did the team start?\u2019" in result.get_data(as_text=True)


def test_an_optional_date_may_be_left_blank_or_given(person):
    person.answer("about", {"team_size": "12", "has_policy": "no"})
    assert person.answer("details", {**DETAILS, "reviewed_on": ["", " ", ""]}).status_code == 303
    assert _saved("reviewed_on") is None
    assert (
        person.answer("details", {**DETAILS, "reviewed_on": ["9", "1", "2025"]}).status_code == 303
    )
    assert _saved("reviewed_on").value_text == "2025-01-09"


def test_unknown_choice_is_refused(person):
    person.answer("about", {"team_size": "12", "has_policy": "no"})
    result = person.answer("details", {**DETAILS, "activities": ["walks", "hacking"]})
    assert result.status_code == 422


def test_long_text_over_its_limit_is_refused(person):
    person.answer("about", {"team_size": "12", "has_policy": "no"})
    result = person.answer("details", {**DETAILS, "story": "x" * 51})
    assert result.status_code == 422
    assert 'value="walks" checked' in result.get_data(as_text=True) or "walks" in result.get_data(
        as_text=True
    )


def _upload(person, name: str, data: bytes):
    page = person.client.get(person.url("/page/evidence")).get_data(as_text=True)
    return person.client.post(
        person.url("/page/evidence"),
        data={"csrf_token": csrf_token(page), "policy_file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def at_evidence(person):
    person.answer("about", {"team_size": "12", "has_policy": "yes"})
    person.answer("details", DETAILS)
    return person


def test_file_upload_is_stored_with_hash_and_recognised_twice(at_evidence, journey_app):
    first = _upload(at_evidence, "policy.pdf", PDF)
    assert first.status_code == 303
    again = _upload(at_evidence, "copy of policy.pdf", PDF)
    assert again.status_code == 303
    files = db.session.scalars(select(EvidenceFile)).all()
    assert len(files) == 1
    record = files[0]
    assert record.file_type == "pdf"
    assert len(record.sha256) == 64
    stored = journey_app.config["SVCOLLECT_UPLOAD_DIR"] / record.stored_name
    assert stored.read_bytes() == PDF
    assert "policy" not in record.stored_name
    db.session.expire_all()
    assert json.loads(_saved("policy_file").value_text) == [record.id]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("policy.pdf", b"<html><script>alert(1)</script></html>", "must be a"),
        ("policy.pdf", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "must be a"),
        ("policy.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "must be a"),
        ("policy.txt", PDF, "rename it"),
        ("empty.pdf", b"", "empty"),
        ("image.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "must be a"),
    ],
)
def test_files_that_lie_about_their_type_are_refused(at_evidence, name, data, message):
    result = _upload(at_evidence, name, data)
    assert result.status_code == 422
    assert message in result.get_data(as_text=True)
    assert db.session.scalars(select(EvidenceFile)).all() == []


def test_oversized_file_gets_a_clear_refusal(at_evidence):
    result = _upload(at_evidence, "big.pdf", PDF + b"0" * (1024 * 1024 + 10))
    assert result.status_code in (413, 422)
    assert "smaller than" in result.get_data(as_text=True) or "too large" in result.get_data(
        as_text=True
    )


def test_required_file_question_needs_a_file(at_evidence):
    page = at_evidence.client.get(at_evidence.url("/page/evidence")).get_data(as_text=True)
    result = at_evidence.client.post(
        at_evidence.url("/page/evidence"), data={"csrf_token": csrf_token(page)}
    )
    assert result.status_code == 422


def test_progress_after_a_save_is_what_the_database_then_holds(person):
    """The page after a save is chosen from what was saved, without reading it back."""
    from datetime import date

    from svcollect.models import Response
    from svcollect.services.questionnaires import questionnaire_for
    from svcollect.services.responses import Progress, save_page, stored_values

    response = db.session.scalar(select(Response))
    questionnaire = questionnaire_for(response.collection.questionnaire_version)
    pages = {page.id: page for page in questionnaire.pages}
    steps = [
        ("about", {"team_size": "12", "has_policy": "yes"}),
        ("details", {"started_on": date(2025, 2, 3), "activities": ["walks"], "story": "Good"}),
        ("evidence", {"policy_file": None}),
        ("about", {"team_size": "40", "has_policy": "no"}),  # hides the evidence page
        ("details", {"started_on": date(2025, 2, 3), "activities": ["other"], "story": None}),
        ("contact", {"team_name": "Estates"}),
    ]
    progress = Progress.of(questionnaire, response)
    for page_id, data in steps:
        page = pages[page_id]
        values = stored_values(page.questions, data)
        progress = progress.after_save(page, save_page(response, page, values))
        db.session.expire_all()
        stored = Progress.of(questionnaire, db.session.get(Response, response.id))
        assert progress.rows == stored.rows
        assert progress.typed == stored.typed
        assert [p.id for p in progress.visible_pages()] == [p.id for p in stored.visible_pages()]
        assert progress.first_incomplete_page() == stored.first_incomplete_page()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e2", "must be a whole number"),  # read as 100 before: not how people write numbers
        ("NaN", "must be a whole number"),
        ("99999999999999999999", "must be 1,000 or less"),  # too large, not "a whole number"
        ("-99999999999999999999", "must be 1 or more"),
    ],
)
def test_numbers_not_written_as_people_write_them_or_too_large_get_their_message(
    person, typed, message
):
    result = person.answer("about", {"team_size": typed, "has_policy": "no"})
    assert result.status_code == 422
    html = result.get_data(as_text=True)
    assert message in html and f'value="{typed}"' in html
    assert _saved("team_size") is None
