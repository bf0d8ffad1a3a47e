"""A staff form sent twice (a double click, a resent page) saves once.

Each form that creates something carries a key (forms.base.OnceForm); the second POST
with it goes where the first went and says so (services.submissions).
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import (
    AssumptionSet,
    AuditEvent,
    Collection,
    Commitment,
    Contract,
    ContractSupplier,
    FormSubmission,
    Invitation,
    InvitationBatch,
    Organisation,
    QuestionnaireVersion,
)
from svcollect.models._types import utcnow
from svcollect.services import collections, submissions
from tests.integration.helpers import (
    contract_form,
    csrf_token,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    signed_in,
)

KEY = re.compile(r'<input[^>]*name="submission_key"[^>]*value="([^"]+)"')
SENT_TWICE = "This form was sent more than once: it has been saved once"


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _shown(client, url: str) -> dict[str, str]:
    """What the page's own hidden fields carry: the CSRF token and the form's key."""
    html = client.get(url).get_data(as_text=True)
    match = KEY.search(html)
    assert match, f"{url} has no submission key"
    return {"csrf_token": csrf_token(html), "submission_key": match.group(1)}


def _twice(client, url: str, data: dict) -> tuple:
    sent = {**_shown(client, url), **data}
    return client.post(url, data=sent), client.post(url, data=sent, follow_redirects=True)


def test_an_organisation_sent_twice_is_added_once(app):
    client = signed_in(app, make_user("admin", None))
    before = _count(Organisation)
    first, second = _twice(
        client, "/admin/organisations/new", {"name": "Harbour Care Ltd", "kind": "supplier"}
    )
    assert first.status_code == 303
    assert second.status_code == 200 and SENT_TWICE in second.get_data(as_text=True)
    assert second.request.path == "/admin/organisations"
    assert _count(Organisation) == before + 1


def test_a_commitment_sent_twice_is_added_once(app):
    contract = make_contract()
    client = signed_in(app, make_user("contract_manager", contract.buyer))
    url = f"/manage/contracts/{contract.id}/commitments/new"
    data = {
        "measure_code": "mh_first_aiders_trained",
        "target": "20",
        "due_on": ["31", "3", "2027"],
    }
    first, second = _twice(client, url, data)
    assert first.status_code == 303 and SENT_TWICE in second.get_data(as_text=True)
    assert second.request.path == f"/manage/contracts/{contract.id}"
    assert _count(Commitment) == 1


def test_a_supplier_sent_twice_is_added_once(app):
    contract = make_contract()
    client = signed_in(app, make_user("contract_manager", contract.buyer))
    supplier = make_organisation("Twice Ltd", "supplier")
    url = f"/manage/contracts/{contract.id}/suppliers/new"
    first, second = _twice(client, url, {"organisation_id": str(supplier.id)})
    # The second used to be refused as "Not a valid choice": the first had taken it off
    # the list.
    assert first.status_code == 303 and SENT_TWICE in second.get_data(as_text=True)
    assert second.request.path == f"/manage/contracts/{contract.id}"
    assert _count(ContractSupplier) == 1


def test_a_collection_sent_twice_is_opened_once(app):
    contract = make_contract()
    client = signed_in(app, make_user("contract_manager", contract.buyer))
    version = db.session.scalar(select(QuestionnaireVersion).filter_by(questionnaire_id="ons4"))
    data = {
        "questionnaire": str(version.id),
        "audience": "workforce",
        "wave": "baseline",
        "access": "open",
        "label": "Spring baseline",
        "opens_on": ["1", "1", "2026"],
        "closes_on": ["31", "12", "2030"],
    }
    first, second = _twice(client, f"/manage/contracts/{contract.id}/collections/new", data)
    assert first.status_code == 303 and SENT_TWICE in second.get_data(as_text=True)
    assert _count(Collection) == 1


def _invitation_page(app):
    collection = make_collection("ons4", access="invitation")
    manager = make_user("contract_manager", collection.contract.buyer)
    return signed_in(app, manager), f"/manage/collections/{collection.id}", collection


def _links(client, batch_page: str) -> list[str]:
    download = client.get(f"{batch_page}/links.csv")
    assert download.status_code == 200, download.status_code
    return [line.split(",")[1] for line in download.get_data(as_text=True).splitlines()[1:]]


def test_invitations_sent_twice_make_one_batch_whose_links_download_again(app):
    # A double click used to make two batches, and the browser kept only the second
    # download: the first batch's links were counted as issued for good, never seen.
    client, page, _ = _invitation_page(app)
    sent = {**_shown(client, page), "count": "3"}
    first = client.post(f"{page}/invitations", data=sent)
    second = client.post(f"{page}/invitations", data=sent, follow_redirects=True)
    assert first.status_code == 303
    assert SENT_TWICE in second.get_data(as_text=True)
    assert "3 invitation links made" in second.get_data(as_text=True)
    assert _count(Invitation) == 3 and _count(InvitationBatch) == 1
    links = _links(client, first.headers["Location"])
    assert len(links) == 3 and _links(client, first.headers["Location"]) == links
    # Each downloaded link works: it is one of the three stored.
    person = app.test_client()
    assert person.get(links[0].split("localhost", 1)[1]).status_code == 200
    downloads = db.session.scalars(
        select(AuditEvent).filter_by(action="invitation_links_downloaded")
    ).all()
    assert len(downloads) == 2
    # The collection page lists the batch; a new page's form makes a new batch.
    listed = client.get(page).get_data(as_text=True)
    assert first.headers["Location"] in listed
    again = client.post(f"{page}/invitations", data={**_shown(client, page), "count": "2"})
    assert _count(Invitation) == 5
    assert not set(_links(client, again.headers["Location"])) & set(links)


def test_only_the_maker_downloads_links_and_only_for_a_day(app):
    client, page, collection = _invitation_page(app)
    made = client.post(f"{page}/invitations", data={**_shown(client, page), "count": "2"})
    batch_page = made.headers["Location"]
    colleague = signed_in(app, make_user("contract_manager", collection.contract.buyer))
    assert colleague.get(batch_page).status_code == 404
    assert colleague.get(f"{batch_page}/links.csv").status_code == 404
    assert batch_page not in colleague.get(page).get_data(as_text=True)
    batch = db.session.scalar(select(InvitationBatch))
    batch.made_at = utcnow() - collections.LINKS_KEPT_FOR - timedelta(minutes=1)
    db.session.commit()
    gone = client.get(batch_page)
    assert gone.status_code == 410
    assert "can no longer be downloaded" in gone.get_data(as_text=True)
    refused = client.get(f"{batch_page}/links.csv", follow_redirects=True)
    assert "text/csv" not in refused.headers["Content-Type"]
    assert 'id="important-title"' in refused.get_data(as_text=True)
    assert "/i/" not in refused.get_data(as_text=True)
    assert batch_page not in client.get(page).get_data(as_text=True)
    # The next batch made anywhere clears the old seed: the links can't be made again.
    client.post(f"{page}/invitations", data={**_shown(client, page), "count": "1"})
    db.session.expire_all()
    assert db.session.get(InvitationBatch, batch.id).seed is None


def test_links_that_would_not_work_are_never_handed_out(app):
    client, page, _ = _invitation_page(app)
    made = client.post(f"{page}/invitations", data={**_shown(client, page), "count": "2"})
    # As if the app secret had changed since: the seed no longer makes the stored links.
    batch = db.session.scalar(select(InvitationBatch))
    batch.seed = "x" * 43
    db.session.commit()
    refused = client.get(f"{made.headers['Location']}/links.csv", follow_redirects=True)
    assert "/i/" not in refused.get_data(as_text=True)
    assert "can no longer be downloaded" in refused.get_data(as_text=True)


def test_a_contract_sent_twice_is_added_once_without_a_reference_error(app):
    buyer = make_organisation("Once Council", "buyer")
    client = signed_in(app, make_user("contract_manager", buyer))
    data = contract_form(buyer, "OC-1")
    sent = {**_shown(client, "/manage/contracts/new"), **data}
    first = client.post("/manage/contracts/new", data=sent)
    second = client.post("/manage/contracts/new", data=sent)
    # The repeat lands where the first did: on the contract it added, not the list.
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    html = client.get(second.headers["Location"]).get_data(as_text=True)
    assert SENT_TWICE in html and "already exists" not in html and "OC-1" in html
    assert _count(Contract) == 1


def test_assumptions_sent_twice_make_one_version(app):
    contract = make_contract()
    client = signed_in(app, make_user("contract_manager", contract.buyer))
    url = f"/manage/contracts/{contract.id}/assumptions"
    page = client.get(url).get_data(as_text=True)
    # Send the page's own values back, as a person accepting the defaults does.
    fields = dict(re.findall(r'<input[^>]*name="([\w_]+)"[^>]*value="([^"]*)"', page))
    selected = re.findall(
        r'<select[^>]*name="([\w_]+)".*?<option[^>]*value="([^"]*)"[^>]*selected', page, re.S
    )
    data = {**fields, **dict(selected)}
    first = client.post(url, data=data)
    second = client.post(url, data=data, follow_redirects=True)
    assert first.status_code == 303, first.get_data(as_text=True)[:2000]
    assert SENT_TWICE in second.get_data(as_text=True)
    assert _count(AssumptionSet) == 1


def test_a_form_corrected_after_an_error_is_still_saved_once(app):
    client = signed_in(app, make_user("admin", None))
    before = _count(Organisation)
    sent = {**_shown(client, "/admin/organisations/new"), "kind": "supplier"}
    refused = client.post("/admin/organisations/new", data={**sent, "name": " "})
    assert refused.status_code == 422
    # The page that comes back carries the same key: the corrected form is the same one.
    assert KEY.search(refused.get_data(as_text=True)).group(1) == sent["submission_key"]
    assert (
        client.post("/admin/organisations/new", data={**sent, "name": "Tidy Ltd"}).status_code
        == 303
    )
    again = client.post("/admin/organisations/new", data={**sent, "name": "Tidy Ltd"})
    assert again.status_code == 303
    assert _count(Organisation) == before + 1


def test_a_save_the_service_refused_leaves_the_key_unclaimed(app):
    buyer = make_organisation("Refused Council", "buyer")
    client = signed_in(app, make_user("contract_manager", buyer))
    data = contract_form(buyer, "RC-1")
    taken = make_contract("RC-1")  # the buyer's reference is taken: the service refuses it
    taken.buyer_id = buyer.id
    db.session.commit()
    sent = {**_shown(client, "/manage/contracts/new"), **data}
    assert client.post("/manage/contracts/new", data=sent).status_code == 422
    assert _count(FormSubmission) == 0
    fixed = client.post("/manage/contracts/new", data={**sent, "reference": "RC-2"})
    assert fixed.status_code == 303
    assert _count(Contract) == 2


def test_two_clicks_at_the_same_moment_save_once(app):
    """Both POSTs race past the first look for a claim: the unique key decides."""
    client = signed_in(app, make_user("admin", None))
    before = _count(Organisation)
    sent = {**_shown(client, "/admin/organisations/new"), "name": "Race Ltd", "kind": "supplier"}
    cookie = client.get_cookie("session")
    others = []
    for _ in range(4):
        other = app.test_client()
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")
        others.append(other)
    start = threading.Barrier(len(others))
    codes: list[int] = []

    def click(c):
        start.wait()
        codes.append(c.post("/admin/organisations/new", data=sent).status_code)

    threads = [threading.Thread(target=click, args=(c,)) for c in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(codes) == [303] * len(others), codes
    assert _count(Organisation) == before + 1


def test_keys_are_each_users_own_and_old_claims_go(app):
    first = make_user("admin", None)
    second = make_user("admin", None)
    assert (
        submissions.claim(first, "k" * 32, "admin.new_organisation", "/admin/organisations") is None
    )
    db.session.commit()
    # The same key from someone else is not their repeat.
    assert submissions.claim(second, "k" * 32, "admin.new_organisation", "/x") is None
    db.session.commit()
    assert (
        submissions.claim(first, "k" * 32, "admin.new_organisation", "/y") == "/admin/organisations"
    )
    db.session.rollback()
    for claim in db.session.scalars(select(FormSubmission)):
        claim.created_at = utcnow() - submissions.KEPT_FOR - timedelta(minutes=1)
    db.session.commit()
    assert submissions.claim(first, "n" * 32, "admin.new_organisation", "/z") is None
    db.session.commit()
    left = {(c.user_id, c.key) for c in db.session.scalars(select(FormSubmission))}
    assert left == {(second.id, "k" * 32), (first.id, "n" * 32)}


def test_a_forged_key_is_no_error_on_the_page_and_not_stored(app):
    client = signed_in(app, make_user("admin", None))
    sent = {**_shown(client, "/admin/organisations/new"), "name": "Long Key Ltd"}
    result = client.post(
        "/admin/organisations/new", data={**sent, "kind": "supplier", "submission_key": "k" * 500}
    )
    assert result.status_code == 303
    assert _count(FormSubmission) == 0
