"""A supplier takes an uploaded evidence file off a draft, and is told of a file sent twice."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import Answer, Declaration, EvidenceFile
from svcollect.models.contract import ContractSupplier
from svcollect.services.declarations import invite_suppliers
from tests.integration.helpers import (
    csrf_token,
    decide,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    post_form,
    signed_in,
)

PDF = b"%PDF-1.4\n%evidence\n%%EOF\n"
OTHER = b"%PDF-1.4\n%another\n%%EOF\n"


@pytest.fixture
def draft(app):
    contract = make_contract()
    supplier = make_organisation("Evidence Supplier Ltd", "supplier", employee_count=60)
    db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=supplier.id))
    db.session.commit()
    collection = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    [declaration] = invite_suppliers(make_user("contract_manager", contract.buyer), collection)
    client = signed_in(app, make_user("supplier_user", supplier))
    base = f"/supplier/declarations/{declaration.id}"
    assert (
        post_form(client, f"{base}/page/organisation", {"employee_count": "60"}).status_code == 303
    )
    return {"client": client, "base": base, "declaration": declaration, "app": app}


def _upload(client, page: str, *files: tuple[bytes, str]):
    html = client.get(page).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(html),
        "mhaw_1_status": "in_place",
        "mhaw_1_evidence": [(io.BytesIO(content), name) for content, name in files],
    }
    return client.post(page, data=data, content_type="multipart/form-data")


def _files() -> list[EvidenceFile]:
    db.session.expire_all()
    return list(db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))


def _saved_ids(declaration: Declaration) -> list[int]:
    db.session.expire_all()
    answer = db.session.scalar(
        select(Answer).filter_by(response_id=declaration.response_id, question_id="mhaw_1_evidence")
    )
    return json.loads(answer.value_text) if answer else []


def test_a_file_is_removed_after_asking_and_a_repeat_changes_nothing(draft):
    client, page = draft["client"], f"{draft['base']}/page/mhaw_1"
    assert _upload(client, page, (PDF, "plan.pdf"), (OTHER, "minutes.pdf")).status_code == 303
    plan, minutes = _files()
    plan_id, plan_stored, minutes_id = plan.id, plan.stored_name, minutes.id
    folder = Path(draft["app"].config["SVCOLLECT_UPLOAD_DIR"])
    shown = client.get(page).get_data(as_text=True)
    remove = f"{page}/files/{plan_id}/remove"
    assert f'href="{remove}"' in shown
    assert 'accept=".pdf,' in shown  # the picker offers the allowed types first
    asked = client.get(remove)
    assert asked.status_code == 200
    assert "Remove this file?" in asked.get_data(as_text=True)
    assert "plan.pdf" in asked.get_data(as_text=True)
    assert len(_files()) == 2  # asking removes nothing
    done = post_form(client, remove, {})
    assert done.status_code == 303 and done.headers["Location"] == page
    assert "plan.pdf removed" in client.get(page).get_data(as_text=True)
    assert [f.id for f in _files()] == [minutes_id]
    assert _saved_ids(draft["declaration"]) == [minutes_id]
    assert not (folder / plan_stored).exists()
    assert (folder / _files()[0].stored_name).exists()
    # A repeat (a double click, the back button) goes back to the page: nothing else goes.
    again = client.post(
        remove, data={"csrf_token": csrf_token(client.get(page).get_data(as_text=True))}
    )
    assert again.status_code == 303 and again.headers["Location"] == page
    assert client.get(remove).headers["Location"] == page
    assert [f.id for f in _files()] == [minutes_id]


def test_removing_the_last_file_leaves_the_question_unanswered(draft):
    client, page = draft["client"], f"{draft['base']}/page/mhaw_1"
    _upload(client, page, (PDF, "plan.pdf"))
    [plan] = _files()
    plan_id = plan.id
    back = post_form(client, f"{page}/files/{plan_id}/remove?return=check", {})
    assert back.headers["Location"] == f"{page}?return=check"
    assert _files() == [] and _saved_ids(draft["declaration"]) == []


def test_a_file_on_another_page_or_another_draft_is_not_removed(draft, app):
    client, base = draft["client"], draft["base"]
    _upload(client, f"{base}/page/mhaw_1", (PDF, "plan.pdf"))
    [plan] = _files()
    # Named under another page: that page has no such file, so it goes back to it.
    token = csrf_token(client.get(f"{base}/page/mhaw_2").get_data(as_text=True))
    wrong = client.post(f"{base}/page/mhaw_2/files/{plan.id}/remove", data={"csrf_token": token})
    assert wrong.headers["Location"] == f"{base}/page/mhaw_2"
    assert client.get(f"{base}/page/nowhere/files/{plan.id}/remove").status_code == 404
    outsider = make_organisation("Someone Else Ltd", "supplier")
    stranger = signed_in(app, make_user("supplier_user", outsider))
    token = csrf_token(stranger.get("/supplier/").get_data(as_text=True))
    refused = stranger.post(
        f"{base}/page/mhaw_1/files/{plan.id}/remove", data={"csrf_token": token}
    )
    assert refused.status_code == 404
    assert len(_files()) == 1


def test_the_same_file_again_is_not_added_twice_and_the_supplier_is_told(draft):
    client, page = draft["client"], f"{draft['base']}/page/mhaw_1"
    _upload(client, page, (PDF, "plan.pdf"))
    again = _upload(client, page, (PDF, "plan-copy.pdf"))
    assert again.status_code == 303
    told = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "plan-copy.pdf (the same file as plan.pdf) is already uploaded" in told
    assert "so it was not added again" in told
    assert len(_files()) == 1


def test_a_reattestation_removing_a_carried_file_keeps_the_submitted_one(draft, app):
    client, base = draft["client"], draft["base"]
    declaration = draft["declaration"]
    _upload(client, f"{base}/page/mhaw_1", (PDF, "plan.pdf"))
    for i in range(2, 7):
        post_form(client, f"{base}/page/mhaw_{i}", {f"mhaw_{i}_status": "in_place"})
    assert post_form(client, f"{base}/check", {}).status_code == 303
    html = client.get(base).get_data(as_text=True)
    client.post(f"{base}/reattest", data={"csrf_token": csrf_token(html)})
    fresh = db.session.scalar(select(Declaration).filter_by(previous_id=declaration.id))
    copied = db.session.scalar(select(EvidenceFile).filter_by(response_id=fresh.response_id))
    original = db.session.scalar(
        select(EvidenceFile).filter_by(response_id=declaration.response_id)
    )
    assert copied.stored_name == original.stored_name
    page = f"/supplier/declarations/{fresh.id}/page/mhaw_1"
    assert post_form(client, f"{page}/files/{copied.id}/remove", {}).status_code == 303
    folder = Path(app.config["SVCOLLECT_UPLOAD_DIR"])
    assert (folder / original.stored_name).exists()  # the submitted declaration still has it
    download = client.get(f"/evidence/{original.id}")
    assert download.status_code == 200 and download.get_data() == PDF
    # A submitted declaration's files can't be removed: its page sends the supplier back.
    token = csrf_token(client.get(base).get_data(as_text=True))
    kept = client.post(f"{base}/page/mhaw_1/files/{original.id}/remove", data={"csrf_token": token})
    assert kept.headers["Location"] == base
    assert db.session.get(EvidenceFile, original.id) is not None


def test_a_file_chosen_on_a_page_with_another_error_is_kept(draft):
    # A file input can't be shown again filled in: the file used to be dropped silently.
    client, page = draft["client"], f"{draft['base']}/page/mhaw_1"
    html = client.get(page).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(html),
        "mhaw_1_note": "Our plan, signed off in May",
        "mhaw_1_evidence": (io.BytesIO(PDF), "plan.pdf"),
    }
    refused = client.post(page, data=data, content_type="multipart/form-data")
    shown = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Select if this standard is in place" in shown
    assert "Our plan, signed off in May" in shown
    assert "Files already uploaded" in shown and "plan.pdf" in shown
    [plan] = _files()
    plan_id = plan.id
    saved = post_form(client, page, {"mhaw_1_status": "in_place"})
    assert saved.status_code == 303
    assert _saved_ids(draft["declaration"]) == [plan_id]


def test_nothing_is_kept_from_a_post_whose_token_failed(draft):
    client, page = draft["client"], f"{draft['base']}/page/mhaw_1"
    data = {"csrf_token": "stale", "mhaw_1_evidence": (io.BytesIO(PDF), "plan.pdf")}
    refused = client.post(page, data=data, content_type="multipart/form-data")
    assert refused.status_code == 400
    assert _files() == []


def test_a_query_answered_with_a_file_already_sent_says_so(draft, app):
    client, base = draft["client"], draft["base"]
    _upload(client, f"{base}/page/mhaw_1", (PDF, "plan.pdf"))
    for i in range(2, 7):
        post_form(client, f"{base}/page/mhaw_{i}", {f"mhaw_{i}_status": "in_place"})
    assert post_form(client, f"{base}/check", {}).status_code == 303
    declaration = db.session.get(Declaration, draft["declaration"].id)
    manager = make_user("contract_manager", declaration.collection.contract.buyer)
    decide(manager, declaration, "mhaw_1", "queried", "Is this the signed version?")
    html = client.get(base).get_data(as_text=True)
    answered = client.post(
        f"{base}/standards/mhaw_1/answer",
        data={
            "mhaw_1-csrf_token": csrf_token(html),
            "mhaw_1-comment": "Yes, signed",
            "mhaw_1-files": (io.BytesIO(PDF), "plan-signed.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    text = answered.get_data(as_text=True)
    assert "plan-signed.pdf (the same file as plan.pdf) is already uploaded" in text
    assert "Your answer has been sent" in text
    assert len(_files()) == 1


def test_check_answers_groups_each_standard_and_names_its_files(draft):
    client, base = draft["client"], draft["base"]
    _upload(client, f"{base}/page/mhaw_1", (PDF, "plan.pdf"))
    for i in range(2, 7):
        post_form(client, f"{base}/page/mhaw_{i}", {f"mhaw_{i}_status": "in_place"})
    html = client.get(f"{base}/check").get_data(as_text=True)
    # The same three questions on six pages are told apart: each under its standard.
    assert html.count('<h2 class="govuk-heading-m app-wrap-anywhere">') == 7  # + organisation
    assert "Mental Health at Work Commitment: standard 3 of 6" in html
    hidden = "What have you done to meet this standard? – Mental Health at Work Commitment"
    assert html.count(hidden) == 6
    assert "plan.pdf" in html and "file(s) uploaded" not in html


def test_a_file_kept_from_a_page_with_an_error_is_in_the_answer(draft):
    client, page = draft["client"], f"{draft['base']}/page/mhaw_1"
    html = client.get(page).get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "mhaw_1_evidence": (io.BytesIO(PDF), "plan.pdf")}
    assert client.post(page, data=data, content_type="multipart/form-data").status_code == 422
    [plan] = _files()
    assert _saved_ids(draft["declaration"]) == [plan.id]  # whatever the supplier does next


def test_a_remove_page_left_open_on_a_removed_file_never_removes_a_newer_one(draft):
    """SQLite gave a new upload the id of the last file removed: a remove page left open on
    the removed file (another tab, the back button) then removed the new one."""
    client, page = draft["client"], f"{draft['base']}/page/mhaw_1"
    _upload(client, page, (PDF, "plan.pdf"))
    [plan] = _files()
    removed_id = plan.id
    remove = f"{page}/files/{removed_id}/remove"
    tab = csrf_token(client.get(remove).get_data(as_text=True))  # "Remove this file?" left open
    assert post_form(client, remove, {}).status_code == 303
    assert _upload(client, page, (OTHER, "minutes.pdf")).status_code == 303
    [minutes] = _files()
    newer_id = minutes.id
    late = client.post(remove, data={"csrf_token": tab})
    assert late.status_code == 303 and late.headers["Location"] == page
    assert [f.id for f in _files()] == [newer_id]  # the new file stays, and in the answer
    assert _saved_ids(draft["declaration"]) == [newer_id]
    assert newer_id > removed_id
