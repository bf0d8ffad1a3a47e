"""Supplier attestation end to end: invite, attest with evidence, review, query, re-attest."""

from __future__ import annotations

import html as html_lib
import io
import json
import re

import pytest
from sqlalchemy import select, text

from svcollect.extensions import db
from svcollect.models import AuditEvent, Collection, Declaration, StandardEvent, User
from svcollect.models._types import utcnow
from svcollect.models.contract import ContractSupplier
from svcollect.services.declarations import adherence_summary
from tests.integration.helpers import (
    csrf_token,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    post_form,
    signed_in,
)

PDF = b"%PDF-1.4\n%evidence\n%%EOF\n"
CORE = [f"mhaw_{i}" for i in range(1, 7)]
ENHANCED = [f"tw_enh_{i}" for i in range(1, 5)]


@pytest.fixture
def world(app):
    contract = make_contract()
    buyer = contract.buyer
    large = make_organisation("Large Supplier Ltd", "supplier", employee_count=900)
    small = make_organisation("Small Supplier CIC", "supplier", employee_count=40, is_vcse=True)
    for org in (large, small):
        db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=org.id))
    db.session.commit()
    collection = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    return {
        "contract": contract,
        "collection": collection,
        "manager": make_user("contract_manager", buyer),
        "large": large,
        "small": small,
        "large_user": make_user("supplier_user", large),
        "small_user": make_user("supplier_user", small),
    }


def _invite(app, world):
    manager = signed_in(app, world["manager"])
    url = f"/manage/collections/{world['collection'].id}"
    result = post_form(manager, f"{url}/invite-suppliers", {}, page=url)
    assert result.status_code == 303
    return manager


def _declaration(org) -> Declaration:
    return db.session.scalar(
        select(Declaration).filter_by(supplier_id=org.id).order_by(Declaration.edition.desc())
    )


def _attest(app, user, org, employees: int, statuses: dict[str, str]):
    client = signed_in(app, user)
    declaration = _declaration(org)
    base = f"/supplier/declarations/{declaration.id}"
    assert (
        post_form(
            client, f"{base}/page/organisation", {"employee_count": str(employees)}
        ).status_code
        == 303
    )
    for code, status in statuses.items():
        url = f"{base}/page/{code}"
        html = client.get(url).get_data(as_text=True)
        assert "delete my answers" not in html.lower()  # declarations are not withdrawn so
        data = {"csrf_token": csrf_token(html), f"{code}_status": status}
        if code == "mhaw_1":
            data[f"{code}_evidence"] = (io.BytesIO(PDF), "wellbeing-plan.pdf")
        result = client.post(url, data=data, content_type="multipart/form-data")
        assert result.status_code == 303, (code, result.get_data(as_text=True)[:300])
    done = post_form(client, f"{base}/check", {})
    assert done.status_code == 303
    return client, declaration


def _review(manager, declaration, code, decision, comment=""):
    url = f"/manage/declarations/{declaration.id}"
    return post_form(
        manager,
        f"{url}/standards/{code}",
        {f"{code}-decision": decision, f"{code}-comment": comment},
        page=url,
        prefix=code,
    )


def test_invitation_creates_one_draft_per_supplier_once(app, world):
    manager = _invite(app, world)
    url = f"/manage/collections/{world['collection'].id}"
    again = post_form(manager, f"{url}/invite-suppliers", {}, page=url)
    shown = manager.get(again.headers["Location"]).get_data(as_text=True)
    # Nothing done is said as such, not as "Done: 0 supplier(s) invited".
    assert "No suppliers were invited: each already has a declaration here" in shown
    assert 'id="important-title"' in shown and 'id="flash-title"' not in shown
    declarations = db.session.scalars(select(Declaration)).all()
    assert sorted(d.supplier_id for d in declarations) == sorted(
        [world["large"].id, world["small"].id]
    )
    assert all(d.status == "draft" for d in declarations)


def test_full_attestation_review_and_adherence_figures(app, world):
    manager = _invite(app, world)
    all_in_place = {code: "in_place" for code in CORE + ENHANCED}
    large_client, large_decl = _attest(app, world["large_user"], world["large"], 900, all_in_place)
    small_statuses = {code: "in_place" for code in CORE}
    small_statuses["mhaw_4"] = "partly"
    _attest(app, world["small_user"], world["small"], 40, small_statuses)
    db.session.expire_all()
    assert _declaration(world["large"]).status == "submitted"

    summary = adherence_summary(db.session.get(Collection, world["collection"].id))
    assert summary.figures["core_declared"].numerator.value == 1
    assert summary.figures["core_declared"].denominator == 2
    assert summary.figures["core_accepted"].numerator.value == 0
    assert summary.figures["enhanced_declared"].denominator == 1  # only the 500+ supplier

    for code in CORE[:-1] + ENHANCED:
        assert _review(manager, large_decl, code, "accepted").status_code == 303
    # A query needs a comment; then the supplier answers with more evidence.
    refused = _review(manager, large_decl, "mhaw_6", "queried", "")
    assert refused.status_code == 422
    assert (
        _review(manager, large_decl, "mhaw_6", "queried", "Send the board minutes").status_code
        == 303
    )
    page = f"/supplier/declarations/{large_decl.id}"
    html = large_client.get(page).get_data(as_text=True)
    assert "Send the board minutes" in html
    # A standard is named where it is shown, not only numbered ("standard 6 of 6").
    assert 'margin-top-1">Prioritise mental health in the workplace</span></h2>' in html
    review = manager.get(f"/manage/declarations/{large_decl.id}").get_data(as_text=True)
    assert "standard 1 of 6 – Prioritise mental health in the workplace" in review
    answer = large_client.post(
        f"{page}/standards/mhaw_6/answer",
        data={
            "mhaw_6-csrf_token": csrf_token(html),
            "mhaw_6-comment": "Minutes attached",
            "mhaw_6-files": (io.BytesIO(PDF + b"minutes"), "board-minutes.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    assert _review(manager, large_decl, "mhaw_6", "accepted").status_code == 303

    summary = adherence_summary(db.session.get(Collection, world["collection"].id))
    assert summary.figures["core_accepted"].numerator.value == 1
    assert summary.figures["enhanced_accepted"].numerator.value == 1
    history = db.session.scalars(
        select(StandardEvent.kind).filter_by(declaration_id=large_decl.id, standard="mhaw_6")
    ).all()
    assert history == ["queried", "answered", "accepted"]
    shown = manager.get(f"/manage/collections/{world['collection'].id}").get_data(as_text=True)
    assert "core accepted" in shown and "1 / 2" in shown

    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {
        "sign_in",
        "declaration_invited",
        "declaration_submitted",
        "evidence_accepted",
        "evidence_queried",
        "query_answered",
    } <= actions


def test_reattestation_is_prefilled_from_the_last_edition(app, world):
    _invite(app, world)
    client, declaration = _attest(
        app, world["small_user"], world["small"], 40, {code: "in_place" for code in CORE}
    )
    html = client.get(f"/supplier/declarations/{declaration.id}").get_data(as_text=True)
    result = client.post(
        f"/supplier/declarations/{declaration.id}/reattest", data={"csrf_token": csrf_token(html)}
    )
    assert result.status_code == 303
    db.session.expire_all()
    fresh = _declaration(world["small"])
    assert fresh.edition == 2 and fresh.status == "draft" and fresh.previous_id == declaration.id
    check = client.get(f"/supplier/declarations/{fresh.id}/check")
    assert check.status_code == 200  # every required answer was carried over
    text = check.get_data(as_text=True)
    assert "wellbeing-plan.pdf" in text  # the file carried over, by name


def test_a_repeated_reattestation_lands_on_the_declaration_it_started(app, world, monkeypatch):
    from svcollect.models import Declaration
    from svcollect.services import declarations as svc

    _invite(app, world)
    client, declaration = _attest(
        app, world["small_user"], world["small"], 40, {code: "in_place" for code in CORE}
    )
    html = client.get(f"/supplier/declarations/{declaration.id}").get_data(as_text=True)
    url = f"/supplier/declarations/{declaration.id}/reattest"
    first = client.post(url, data={"csrf_token": csrf_token(html)})
    again = client.post(url, data={"csrf_token": csrf_token(html)})  # a double click
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    db.session.expire_all()
    editions = db.session.scalars(
        select(Declaration.edition).filter_by(supplier_id=world["small"].id)
    ).all()
    assert sorted(editions) == [1, 2]
    # Two requests at once: the second's insert fails on the unique edition and it is
    # given the declaration the first one started, not an error page.
    fresh = _declaration(world["small"])
    fresh.status, fresh.submitted_at = "submitted", utcnow()
    db.session.commit()
    real = svc._new_declaration

    def raced(collection, supplier, edition, previous):
        real(collection, supplier, edition, previous)  # the other request, first
        db.session.commit()
        return real(collection, supplier, edition, previous)

    monkeypatch.setattr(svc, "_new_declaration", raced)
    third = svc.reattest(world["small_user"], fresh)
    assert third.edition == 3
    assert sorted(
        db.session.scalars(select(Declaration.edition).filter_by(supplier_id=world["small"].id))
    ) == [1, 2, 3]


def test_evidence_download_is_authorised_and_audited(app, world):
    manager = _invite(app, world)
    _attest(app, world["large_user"], world["large"], 900, {c: "in_place" for c in CORE + ENHANCED})
    declaration = _declaration(world["large"])
    answer = json.loads(
        next(
            a.value_text for a in declaration.response.answers if a.question_id == "mhaw_1_evidence"
        )
    )
    url = f"/evidence/{answer[0]}"
    got = manager.get(url)
    assert got.status_code == 200
    assert got.data == PDF
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert signed_in(app, world["small_user"]).get(url).status_code == 404
    foreign = make_organisation("Another Council", "buyer")
    assert signed_in(app, make_user("contract_manager", foreign)).get(url).status_code == 404
    assert app.test_client().get(url).status_code in (302, 401)
    assert db.session.scalar(
        select(AuditEvent).filter_by(action="file_downloaded", object_id=answer[0])
    )


def test_the_page_total_is_given_only_once_it_cannot_jump(app, world):
    _invite(app, world)
    client = signed_in(app, world["large_user"])
    base = f"/supplier/declarations/{_declaration(world['large']).id}"
    first = client.get(f"{base}/page/organisation").get_data(as_text=True)
    # the enhanced standards' 4 pages depend on the employee count, not yet given
    assert "Page 1<" in first and "Page 1 of" not in first
    post_form(client, f"{base}/page/organisation", {"employee_count": "900"})
    second = client.get(f"{base}/page/mhaw_1").get_data(as_text=True)
    assert "Page 2 of 11<" in second  # organisation, 6 core and 4 enhanced standards
    post_form(client, f"{base}/page/organisation", {"employee_count": "40"})
    assert "Page 2 of 7<" in client.get(f"{base}/page/mhaw_1").get_data(as_text=True)


def test_review_before_submission_is_refused(app, world):
    manager = _invite(app, world)
    declaration = _declaration(world["small"])
    result = post_form(
        manager,
        f"/manage/declarations/{declaration.id}/standards/mhaw_1",
        {"mhaw_1-decision": "accepted"},
        page=f"/manage/collections/{world['collection'].id}",
        prefix="mhaw_1",
    )
    assert result.status_code == 422
    assert "has not submitted" in result.get_data(as_text=True)
    assert db.session.scalars(select(StandardEvent)).all() == []


SENT_TWICE = "This form was sent more than once: it has been saved once"


def _prefixed(html: str, code: str) -> dict[str, str]:
    """A standard's form's own hidden fields, named with its prefix: token and key, and a
    reviewer's form the standard's history count it was shown at."""
    token = re.search(rf'name="{code}-csrf_token"[^>]*value="([^"]+)"', html)
    key = re.search(rf'name="{code}-submission_key"[^>]*value="([^"]+)"', html)
    assert token and key, f"{code}'s form has no prefixed token or key"
    fields = {f"{code}-csrf_token": token.group(1), f"{code}-submission_key": key.group(1)}
    if version := re.search(rf'name="{code}-version"[^>]*value="([^"]*)"', html):
        fields[f"{code}-version"] = version.group(1)
    return fields


def _events(declaration, code: str) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(StandardEvent.kind)
            .filter_by(declaration_id=declaration.id, standard=code)
            .order_by(StandardEvent.id)
        )
    )


def test_an_answer_to_a_query_sent_twice_is_sent_once(app, world):
    manager = _invite(app, world)
    client, declaration = _attest(
        app, world["small_user"], world["small"], 40, {code: "in_place" for code in CORE}
    )
    assert _review(manager, declaration, "mhaw_1", "queried", "Add the plan").status_code == 303
    page = f"/supplier/declarations/{declaration.id}"
    sent = {**_prefixed(client.get(page).get_data(as_text=True), "mhaw_1")}
    sent["mhaw_1-comment"] = "The plan is attached"
    url = f"{page}/standards/mhaw_1/answer"
    first = client.post(url, data=sent, content_type="multipart/form-data")
    second = client.post(url, data=sent, content_type="multipart/form-data")  # a double click
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == f"{page}#standard-mhaw_1"
    shown = client.get(second.headers["Location"]).get_data(as_text=True)
    assert SENT_TWICE in shown and "There is no open query" not in shown
    assert _events(declaration, "mhaw_1") == ["queried", "answered"]


def test_a_decision_sent_twice_is_saved_once(app, world):
    manager = _invite(app, world)
    _, declaration = _attest(
        app, world["small_user"], world["small"], 40, {code: "in_place" for code in CORE}
    )
    page = f"/manage/declarations/{declaration.id}"
    html = manager.get(page).get_data(as_text=True)
    sent = {**_prefixed(html, "mhaw_2"), "mhaw_2-decision": "queried", "mhaw_2-comment": "Why?"}
    url = f"{page}/standards/mhaw_2"
    first, second = manager.post(url, data=sent), manager.post(url, data=sent)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"] == f"{page}#standard-mhaw_2"
    assert SENT_TWICE in manager.get(second.headers["Location"]).get_data(as_text=True)
    assert _events(declaration, "mhaw_2") == ["queried"]
    # Each standard's form has a key of its own: deciding another is not a repeat.
    other = {**_prefixed(html, "mhaw_3"), "mhaw_3-decision": "accepted"}
    assert other["mhaw_3-submission_key"] != sent["mhaw_2-submission_key"]
    assert manager.post(f"{page}/standards/mhaw_3", data=other).status_code == 303
    assert _events(declaration, "mhaw_3") == ["accepted"]


def test_a_decision_refused_keeps_its_key_and_the_other_forms_get_their_own(app, world):
    manager = _invite(app, world)
    _, declaration = _attest(
        app, world["small_user"], world["small"], 40, {code: "in_place" for code in CORE}
    )
    page = f"/manage/declarations/{declaration.id}"
    html = manager.get(page).get_data(as_text=True)
    sent = {**_prefixed(html, "mhaw_4"), "mhaw_4-decision": "rejected", "mhaw_4-comment": ""}
    refused = manager.post(f"{page}/standards/mhaw_4", data=sent)
    assert refused.status_code == 422
    again = refused.get_data(as_text=True)
    # the page reviews every standard: the message says which one it is about
    from svcollect.services.declarations import standards_of
    from svcollect.services.questionnaires import questionnaire_for

    questionnaire = questionnaire_for(declaration.collection.questionnaire_version)
    [title] = [s.title for s in standards_of(questionnaire) if s.code == "mhaw_4"]
    named = f"\u2018{title}\u2019: explain what the supplier needs to know or do"
    assert html_lib.unescape(again).count(named) == 2  # error summary and the field
    kept = _prefixed(again, "mhaw_4")["mhaw_4-submission_key"]
    assert kept == sent["mhaw_4-submission_key"]  # the corrected form is the same one
    others = {_prefixed(again, code)[f"{code}-submission_key"] for code in CORE if code != "mhaw_4"}
    assert len(others) == len(CORE) - 1 and kept not in others  # fresh, and each its own
    fixed = manager.post(f"{page}/standards/mhaw_4", data={**sent, "mhaw_4-comment": "No plan"})
    assert fixed.status_code == 303  # the refusal claimed nothing
    assert _events(declaration, "mhaw_4") == ["rejected"]


def test_only_the_buyer_reviews_the_prime_supplier_sees_its_declaration_read_only(app, world):
    # The prime supplier's managers accepted evidence, even on their own organisation's
    # declaration, and what is accepted on evidence is valued.
    contract = world["contract"]
    contract.prime_supplier_id = world["large"].id
    db.session.commit()
    _invite(app, world)
    _, declaration = _attest(
        app, world["large_user"], world["large"], 900, {c: "in_place" for c in CORE + ENHANCED}
    )
    prime = signed_in(app, make_user("contract_manager", world["large"]))
    url = f"/manage/declarations/{declaration.id}"
    page = prime.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "The buyer's contract managers review" in html
    assert "Your decision on" not in html
    refused = prime.post(
        f"{url}/standards/mhaw_1",
        data={"csrf_token": csrf_token(html), "mhaw_1-decision": "accepted"},
    )
    assert refused.status_code == 403
    assert db.session.scalars(select(StandardEvent)).all() == []
    assert (
        _review(signed_in(app, world["manager"]), declaration, "mhaw_1", "accepted").status_code
        == 303
    )


def _tab(html: str, code: str) -> dict[str, str]:
    """A standard's review form as the tab it was shown in would send it."""
    fields = _prefixed(html, code)
    assert f"{code}-version" in fields, f"{code}'s form carries no history count"
    return fields


@pytest.fixture
def two_reviewers(app, world):
    """Two of the buyer's contract managers, each with the small supplier's submitted
    declaration open in a tab of their own."""
    _invite(app, world)
    _, declaration = _attest(
        app, world["small_user"], world["small"], 40, {code: "in_place" for code in CORE}
    )
    world["manager"].name = "Alex Reviewer"
    other = make_user("contract_manager", world["contract"].buyer)
    other.name = "Bo Reviewer"
    db.session.commit()
    page = f"/manage/declarations/{declaration.id}"
    alex, bo = signed_in(app, world["manager"]), signed_in(app, other)
    return {
        "declaration": declaration,
        "page": page,
        "alex": (alex, alex.get(page).get_data(as_text=True)),
        "bo": (bo, bo.get(page).get_data(as_text=True)),
    }


STALE_DECISION = "someone else added to this standard's history after you opened this page"


def test_a_decision_from_a_page_opened_before_another_is_refused_and_shows_it(app, two_reviewers):
    declaration, page = two_reviewers["declaration"], two_reviewers["page"]
    (alex, alex_html), (bo, bo_html) = two_reviewers["alex"], two_reviewers["bo"]
    url = f"{page}/standards/mhaw_1"
    accepted = alex.post(url, data={**_tab(alex_html, "mhaw_1"), "mhaw_1-decision": "accepted"})
    assert accepted.status_code == 303
    sent = {**_tab(bo_html, "mhaw_1"), "mhaw_1-decision": "rejected"}
    stale = bo.post(url, data={**sent, "mhaw_1-comment": "No plan attached"})
    assert stale.status_code == 422
    shown = html_lib.unescape(stale.get_data(as_text=True))
    assert STALE_DECISION in shown and "Alex Reviewer accepted the evidence on " in shown
    assert shown.count(STALE_DECISION) == 2  # the error summary and the form
    assert 'href="#mhaw_1-version"' in shown and 'id="mhaw_1-version"' in shown
    assert "No plan attached</textarea>" in shown  # what was typed is kept
    assert _events(declaration, "mhaw_1") == ["accepted"]
    audited = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("evidence_%"))
    )
    assert list(audited) == ["evidence_accepted"]
    # The refused form now carries the history it was shown with: deciding again is a
    # choice made having seen the acceptance.
    again = _tab(stale.get_data(as_text=True), "mhaw_1")
    assert again["mhaw_1-version"] == "1"
    decided = bo.post(url, data={**sent, **again, "mhaw_1-comment": "No plan attached"})
    assert decided.status_code == 303
    assert _events(declaration, "mhaw_1") == ["accepted", "rejected"]


def test_a_decision_on_another_standard_since_the_page_opened_is_no_conflict(app, two_reviewers):
    declaration, page = two_reviewers["declaration"], two_reviewers["page"]
    (alex, alex_html), (bo, bo_html) = two_reviewers["alex"], two_reviewers["bo"]
    first = {**_tab(alex_html, "mhaw_2"), "mhaw_2-decision": "accepted"}
    assert alex.post(f"{page}/standards/mhaw_2", data=first).status_code == 303
    other = {**_tab(bo_html, "mhaw_3"), "mhaw_3-decision": "accepted"}
    assert bo.post(f"{page}/standards/mhaw_3", data=other).status_code == 303
    assert _events(declaration, "mhaw_2") == _events(declaration, "mhaw_3") == ["accepted"]


def test_a_decision_from_a_page_opened_before_the_suppliers_answer_is_refused(
    app, world, two_reviewers
):
    declaration, page = two_reviewers["declaration"], two_reviewers["page"]
    alex, _ = two_reviewers["alex"]
    assert _review(alex, declaration, "mhaw_1", "queried", "Add the plan").status_code == 303
    before_answer = alex.get(page).get_data(as_text=True)
    world["small_user"].name = "Sam Supplier"
    db.session.commit()
    supplier = signed_in(app, world["small_user"])
    answer = f"/supplier/declarations/{declaration.id}"
    sent = {**_prefixed(supplier.get(answer).get_data(as_text=True), "mhaw_1")}
    sent["mhaw_1-comment"] = "The plan is attached"
    assert (
        supplier.post(
            f"{answer}/standards/mhaw_1/answer", data=sent, content_type="multipart/form-data"
        ).status_code
        == 303
    )
    stale = {**_tab(before_answer, "mhaw_1"), "mhaw_1-decision": "accepted"}
    refused = alex.post(f"{page}/standards/mhaw_1", data=stale)
    assert refused.status_code == 422
    shown = html_lib.unescape(refused.get_data(as_text=True))
    assert "Sam Supplier answered the query for the supplier on " in shown
    assert _events(declaration, "mhaw_1") == ["queried", "answered"]


@pytest.mark.parametrize("count", [None, "", "x"])
def test_a_decision_without_the_history_it_was_read_at_is_refused(app, two_reviewers, count):
    declaration, page = two_reviewers["declaration"], two_reviewers["page"]
    alex, html = two_reviewers["alex"]
    sent = {**_tab(html, "mhaw_1"), "mhaw_1-decision": "accepted"}
    if count is None:
        del sent["mhaw_1-version"]
    else:
        sent["mhaw_1-version"] = count
    refused = alex.post(f"{page}/standards/mhaw_1", data=sent)
    assert refused.status_code == 422
    assert "history may have changed" in html_lib.unescape(refused.get_data(as_text=True))
    assert _events(declaration, "mhaw_1") == []


def _accepted_elsewhere(declaration_id: int, code: str, author_id: int) -> None:
    """An acceptance committed by another request (its own connection), as review_standard
    records one: the event, and the declaration's count of saves."""
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO standard_event (declaration_id, standard, kind, comment, "
                "author_id, at) VALUES (:d, :s, 'accepted', '', :a, :at)"
            ),
            {"d": declaration_id, "s": code, "a": author_id, "at": utcnow()},
        )
        connection.execute(
            text("UPDATE declaration SET version = version + 1 WHERE id = :d"),
            {"d": declaration_id},
        )


def test_two_decisions_that_read_the_same_history_cannot_both_be_recorded(
    app, world, two_reviewers, monkeypatch
):
    from svcollect.services import declarations as declarations_svc

    declaration = db.session.get(Declaration, two_reviewers["declaration"].id)
    manager = world["manager"]
    author = manager.id
    read_history = declarations_svc._state
    calls = []

    def decided_elsewhere_meanwhile(declaration, code):
        # Another reviewer's decision is committed once this one has read the history.
        state = read_history(declaration, code)
        if not calls:
            calls.append(code)
            _accepted_elsewhere(declaration.id, code, author)
        return state

    monkeypatch.setattr(declarations_svc, "_state", decided_elsewhere_meanwhile)
    with pytest.raises(declarations_svc.ReviewConflict) as conflict:
        declarations_svc.review_standard(
            manager, declaration, "mhaw_1", "rejected", "No plan", read_version=0
        )
    assert conflict.value.latest is not None and conflict.value.latest.kind == "accepted"
    assert _events(declaration, "mhaw_1") == ["accepted"]
    rejected = select(AuditEvent).filter_by(action="evidence_rejected")
    assert db.session.scalars(rejected).all() == []


def test_a_decision_that_read_the_history_before_the_suppliers_answer_was_saved_is_refused(
    app, world, two_reviewers, monkeypatch
):
    """The answer is saved in the moment between the decision reading the history and
    recording itself: the decision is refused, not recorded unaware of the answer."""
    from svcollect.services import declarations as declarations_svc

    declaration, alex = two_reviewers["declaration"], two_reviewers["alex"][0]
    assert _review(alex, declaration, "mhaw_1", "queried", "Add the plan").status_code == 303
    declaration_id, supplier_id = declaration.id, world["small_user"].id
    manager = world["manager"]
    read_history = declarations_svc._state
    answered = []

    def answered_meanwhile(declaration, code):
        state = read_history(declaration, code)
        if not answered:
            answered.append(code)
            with app.app_context():  # the supplier's request: a session of its own
                declarations_svc.answer_query(
                    db.session.get(User, supplier_id),
                    db.session.get(Declaration, declaration_id),
                    code,
                    "The plan is attached",
                    [],
                )
        return state

    monkeypatch.setattr(declarations_svc, "_state", answered_meanwhile)
    declaration = db.session.get(Declaration, declaration_id)
    with pytest.raises(declarations_svc.ReviewConflict) as conflict:
        declarations_svc.review_standard(
            manager, declaration, "mhaw_1", "accepted", "", read_version=1
        )
    assert conflict.value.latest is not None and conflict.value.latest.kind == "answered"
    assert _events(declaration, "mhaw_1") == ["queried", "answered"]


def test_an_answer_sent_while_the_buyer_decided_is_not_recorded_after_the_decision(
    app, world, two_reviewers, monkeypatch
):
    """The buyer accepts the standard in the moment between the supplier's answer reading
    the query and recording itself: the answer is refused, not recorded after the
    acceptance as if the query were still open."""
    from svcollect.services import declarations as declarations_svc

    declaration, alex = two_reviewers["declaration"], two_reviewers["alex"][0]
    assert _review(alex, declaration, "mhaw_1", "queried", "Add the plan").status_code == 303
    author = world["manager"].id
    read_history = declarations_svc._state
    decided = []

    def decided_meanwhile(declaration, code):
        state = read_history(declaration, code)
        if not decided:
            decided.append(code)
            _accepted_elsewhere(declaration.id, code, author)
        return state

    monkeypatch.setattr(declarations_svc, "_state", decided_meanwhile)
    declaration = db.session.get(Declaration, declaration.id)
    with pytest.raises(declarations_svc.AnswerConflict):
        declarations_svc.answer_query(
            world["small_user"], declaration, "mhaw_1", "The plan is attached", []
        )
    assert _events(declaration, "mhaw_1") == ["queried", "accepted"]
    answered = select(AuditEvent).filter_by(action="query_answered")
    assert db.session.scalars(answered).all() == []


def test_an_answer_to_a_query_closed_since_the_page_opened_keeps_what_was_typed(
    app, world, two_reviewers
):
    """The query was closed (the buyer accepted) after the supplier opened the page: there
    is no box to send the answer from now, so what they typed is shown where the error
    summary links to, for them to copy."""
    declaration, alex = two_reviewers["declaration"], two_reviewers["alex"][0]
    assert _review(alex, declaration, "mhaw_1", "queried", "Add the plan").status_code == 303
    supplier = signed_in(app, world["small_user"])
    page = f"/supplier/declarations/{declaration.id}"
    sent = {**_prefixed(supplier.get(page).get_data(as_text=True), "mhaw_1")}
    sent["mhaw_1-comment"] = "The plan is attached\nwith the board minute"
    assert _review(alex, declaration, "mhaw_1", "accepted").status_code == 303
    refused = supplier.post(
        f"{page}/standards/mhaw_1/answer", data=sent, content_type="multipart/form-data"
    )
    assert refused.status_code == 422
    shown = html_lib.unescape(refused.get_data(as_text=True))
    assert "There is no open query on this standard" in shown
    assert 'href="#mhaw_1-comment"' in shown and shown.count('id="mhaw_1-comment"') == 1
    kept = shown.split('id="mhaw_1-comment"', 1)[1].split("</section>", 1)[0]
    assert "The plan is attached\nwith the board minute" in kept
    assert _events(declaration, "mhaw_1") == ["queried", "accepted"]
