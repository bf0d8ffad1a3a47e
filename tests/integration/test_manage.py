"""Contract managers on screen: contracts, collections, the licence gate, invitations, closing."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import AuditEvent, Collection, Contract, Invitation, QuestionnaireVersion
from svcollect.services import collections as collections_svc
from svcollect.services import contracts as contracts_svc
from svcollect.services import retention
from tests.integration.helpers import (
    Respondent,
    csrf_token,
    make_organisation,
    make_user,
    post_form,
    signed_in,
)


@pytest.fixture
def council(app):
    buyer = make_organisation("Northshire Council", "buyer")
    manager = make_user("contract_manager", buyer)
    return {"buyer": buyer, "manager": manager, "client": signed_in(app, manager)}


def _contract_form(buyer_id: int, **overrides):
    data = {
        "reference": "NC-2026-001",
        "title": "Facilities management",
        "buyer_id": str(buyer_id),
        "prime_supplier_id": "0",
        "starts_on": ["1", "4", "2026"],
        "ends_on": ["31", "3", "2029"],
        "value_gbp": "2,500,000",
        "outcome_codes": ["ppn0620.wellbeing.health"],
    }
    data.update(overrides)
    return data


def _add_contract(client, buyer_id, **overrides):
    return post_form(client, "/manage/contracts/new", _contract_form(buyer_id, **overrides))


def test_contract_is_added_with_outcomes_and_audited(app, council):
    result = _add_contract(council["client"], council["buyer"].id, value_gbp="2500000")
    assert result.status_code == 303
    contract = db.session.scalar(select(Contract))
    assert contract.reference == "NC-2026-001"
    page = council["client"].get(result.headers["Location"]).get_data(as_text=True)
    assert "Facilities management" in page
    assert db.session.scalar(select(AuditEvent).filter_by(action="contract_created"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_on": ["1", "1", "2026"]}, "end date must be the same as or after"),
        ({"reference": ""}, "Enter the contract reference"),
        ({"title": "   "}, "Enter the contract title"),
        ({"starts_on": ["31", "2", "2026"]}, "Start date must be a real date"),
        ({"starts_on": ["1", "1", "26"]}, "Start date must include a year with 4 numbers"),
        ({"ends_on": ["1", "1", "27"]}, "End date must include a year with 4 numbers"),
        ({"ends_on": ["31", "12", "9999"]}, "End date must be in a year from 1900 to 2200"),
        ({"value_gbp": "-5"}, "£0 or more"),
        ({"value_gbp": "1e30"}, "Enter a number, like 2,500 or 12.5"),
        ({"value_gbp": "5000000000000"}, "Enter a value of £1,000,000,000,000 or less"),
        ({"outcome_codes": ["not.an.outcome"]}, "Select one of the options shown"),
        ({"title": "x" * 301}, "Contract title must be 300 characters or fewer"),
    ],
)
def test_contract_form_refuses_bad_input(app, council, overrides, message):
    result = _add_contract(council["client"], council["buyer"].id, **overrides)
    assert result.status_code == 422
    html = result.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert message in html
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 0


def test_duplicate_reference_is_refused(app, council):
    assert _add_contract(council["client"], council["buyer"].id).status_code == 303
    again = _add_contract(council["client"], council["buyer"].id, title="Another")
    assert again.status_code == 422
    assert "already has a contract with reference" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 1


def _contracts() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Contract))


def test_forged_buyer_of_another_organisation_is_refused(app, council):
    other = make_organisation("Other Council", "buyer")
    theirs = _add_contract(signed_in(app, make_user("contract_manager", other)), other.id)
    assert theirs.status_code == 303
    result = _add_contract(council["client"], other.id)  # their reference, NC-2026-001
    assert result.status_code == 422
    html = result.get_data(as_text=True)
    assert _summary_links(html) == {
        "You can only add contracts for your own organisation": "#buyer_id"
    }
    assert 'id="buyer_id"' in html  # where that link lands
    assert "already has a contract" not in html  # nothing said of the other's references
    assert _contracts() == 1


def test_a_buyers_manager_adds_contracts_for_their_own_organisation_only(app, council):
    make_organisation("Other Council", "buyer")
    page = council["client"].get("/manage/contracts/new").get_data(as_text=True)
    assert "Buying organisation: Northshire Council" in page
    assert '<select class="govuk-select" id="buyer_id"' not in page
    assert "Other Council" not in page  # not offered, not even named
    assert _add_contract(council["client"], council["buyer"].id).status_code == 303
    assert db.session.scalar(select(Contract)).buyer_id == council["buyer"].id


def test_an_admin_chooses_the_buyer(app, council):
    other = make_organisation("Other Council", "buyer")
    client = signed_in(app, make_user("admin", None))
    page = client.get("/manage/contracts/new").get_data(as_text=True)
    assert 'id="buyer_id"' in page and "Other Council" in page and "Northshire Council" in page
    assert _add_contract(client, other.id).status_code == 303
    assert db.session.scalar(select(Contract)).buyer_id == other.id


def _prime_manager():
    return make_user("contract_manager", make_organisation("Acme Services", "prime_supplier"))


def test_a_prime_suppliers_manager_cannot_add_a_contract(app, council):
    # The contract would be the buyer's, under its references: the buyer adds it.
    assert _add_contract(council["client"], council["buyer"].id).status_code == 303
    manager = _prime_manager()
    client = signed_in(app, manager)
    listing = client.get("/manage/").get_data(as_text=True)
    assert "/manage/contracts/new" not in listing and "Add a contract" not in listing
    assert "The buying organisation adds each contract" in listing
    refused = client.get("/manage/contracts/new")
    assert refused.status_code == 403
    html = refused.get_data(as_text=True)
    assert "You cannot add a contract" in html
    assert "Only the buying organisation can add a contract" in html
    assert "Northshire Council" not in html and 'name="reference"' not in html
    token = csrf_token(listing)
    for reference in ("NC-2026-001", "NC-2026-002"):  # the buyer's, and a new one
        forged = client.post(
            "/manage/contracts/new",
            data={
                "csrf_token": token,
                **_contract_form(
                    council["buyer"].id,
                    reference=reference,
                    prime_supplier_id=str(manager.organisation_id),
                ),
            },
        )
        assert forged.status_code == 403
        assert "already has a contract" not in forged.get_data(as_text=True)
    assert _contracts() == 1


def _details(buyer_id: int, prime_id: int | None = None, reference: str = "NC-9"):
    return contracts_svc.ContractDetails(
        reference=reference,
        title="Facilities management",
        buyer_id=buyer_id,
        prime_supplier_id=prime_id,
        starts_on=date(2026, 4, 1),
        ends_on=date(2029, 3, 31),
        value_gbp=None,
    )


def test_the_service_refuses_a_contract_for_anyone_but_the_buyer(app, council):
    buyer = council["buyer"]
    other = make_organisation("Other Council", "buyer")
    prime = _prime_manager()
    contracts_svc.create_contract(council["manager"], _details(buyer.id), set())
    # The buyer's own reference: the refusal must not say that the buyer holds it.
    with pytest.raises(contracts_svc.ContractRefused, match="Only the buying organisation"):
        contracts_svc.create_contract(prime, _details(buyer.id, prime.organisation_id), set())
    with pytest.raises(contracts_svc.ContractRefused, match="Only the buying organisation"):
        contracts_svc.create_contract(prime, _details(buyer.id, reference="NC-10"), set())
    with pytest.raises(contracts_svc.ContractRefused, match="for your own organisation"):
        contracts_svc.create_contract(council["manager"], _details(other.id), set())
    db.session.rollback()
    assert _contracts() == 1
    admin = make_user("admin", None)
    assert contracts_svc.create_contract(admin, _details(other.id), set()).buyer_id == other.id


def _contract(client, buyer_id) -> Contract:
    _add_contract(client, buyer_id)
    return db.session.scalar(select(Contract))


def _version(qid: str) -> QuestionnaireVersion:
    return db.session.scalar(select(QuestionnaireVersion).filter_by(questionnaire_id=qid))


def _open(client, contract, qid, **overrides):
    data = {
        "questionnaire": str(_version(qid).id),
        "audience": "workforce",
        "wave": "baseline",
        "access": "open",
        "label": f"{qid} baseline",
        "opens_on": ["1", "1", "2026"],
        "closes_on": ["31", "12", "2030"],
    }
    data.update(overrides)
    return post_form(client, f"/manage/contracts/{contract.id}/collections/new", data)


def test_wemwbs_needs_a_licence_reference_before_opening(app, council):
    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    refused = _open(client, contract, "wemwbs")
    assert refused.status_code == 422
    assert "licence reference" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Collection)) == 0
    assert post_form(client, "/manage/licence", {"licence_ref": "WEMWBS-1234"}).status_code == 303
    opened = _open(client, contract, "wemwbs")
    assert opened.status_code == 303
    collection = db.session.scalar(select(Collection))
    assert collection.licence_ref == "WEMWBS-1234"
    assert db.session.scalar(select(AuditEvent).filter_by(action="collection_opened"))


@pytest.mark.parametrize(
    ("closes_on", "message"),
    [
        (["31", "12", "9999"], "The closing date must be in a year from 1900 to 2200"),
        (["1", "6", "26"], "4 numbers"),
    ],
)
def test_collection_dates_far_out_are_refused_not_a_500(app, council, closes_on, message):
    contract = _contract(council["client"], council["buyer"].id)
    result = _open(council["client"], contract, "ons4", closes_on=closes_on)
    assert result.status_code == 422
    assert message in result.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Collection)) == 0


def _boxes(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _summary_links(html: str) -> dict[str, str]:
    """The error summary's items: message -> the href it links to."""
    summary = html[html.index("govuk-error-summary") :]
    summary = summary[: summary.index("</ul>")]
    return {unescape(text.strip()): href for href, text in LINK.findall(summary)}


LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')


@pytest.mark.parametrize(
    ("opens_on", "closes_on", "message", "href"),
    [
        (
            ["1", "6", "2026"],
            ["1", "5", "2026"],
            "The closing date must be the same as or after the opening date",
            "#closes_on-day",
        ),
        (
            ["1", "1", "2020"],
            ["2", "1", "2020"],
            "The closing date must be today or in the future",
            "#closes_on-day",
        ),
        (
            ["1", "1", "2035"],
            ["1", "2", "2035"],
            "The opening date must be the same as or before the contract's end date, 31 March 2029",
            "#opens_on-day",
        ),
    ],
)
def test_collection_dates_are_refused_on_the_date_they_are_about(
    app, council, opens_on, closes_on, message, href
):
    client = council["client"]
    contract = _contract(client, council["buyer"].id)  # runs 1 April 2026 to 31 March 2029
    result = _open(client, contract, "ons4", opens_on=opens_on, closes_on=closes_on)
    assert result.status_code == 422
    html = result.get_data(as_text=True)
    assert "Collection opened" not in html
    assert _summary_links(html) == {message: href}
    assert db.session.scalar(select(func.count()).select_from(Collection)) == 0


def test_a_collection_may_close_today_and_open_on_the_contracts_last_day(app, council):
    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    today = collections_svc.uk_today()
    yesterday = today - timedelta(days=1)
    refused = _open(
        client, contract, "ons4", opens_on=_boxes(yesterday), closes_on=_boxes(yesterday)
    )
    assert refused.status_code == 422
    assert (
        _open(
            client, contract, "ons4", opens_on=_boxes(yesterday), closes_on=_boxes(today)
        ).status_code
        == 303
    )
    last_day = ["31", "3", "2029"]
    assert _open(client, contract, "ons4", opens_on=last_day, closes_on=last_day).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Collection)) == 2


def test_a_missing_licence_is_shown_on_the_questionnaire(app, council):
    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    html = _open(client, contract, "wemwbs").get_data(as_text=True)
    [(message, href)] = _summary_links(html).items()
    assert "licence reference" in message and href == "#questionnaire"


def test_the_service_refuses_past_collections_unless_told_they_are_meant(app, council):
    contract = _contract(council["client"], council["buyer"].id)
    request = collections_svc.CollectionRequest(
        contract=contract,
        version=_version("ons4"),
        audience="workforce",
        wave="baseline",
        label="Last year's baseline",
        opens_at=datetime(2025, 1, 1, tzinfo=UTC),
        closes_at=datetime(2025, 2, 1, tzinfo=UTC),
    )
    with pytest.raises(collections_svc.CollectionRefused) as refused:
        collections_svc.open_collection(request, licensee=council["buyer"])
    assert refused.value.field == "closes_on"
    # Tests and scripts that build a past wave say so; the contract's end still holds.
    assert collections_svc.open_collection(request, licensee=council["buyer"], allow_past=True)
    late = dataclasses.replace(
        request,
        opens_at=datetime(2029, 4, 1, tzinfo=UTC),
        closes_at=datetime(2029, 5, 1, tzinfo=UTC),
    )
    with pytest.raises(collections_svc.CollectionRefused) as refused:
        collections_svc.open_collection(late, licensee=council["buyer"], allow_past=True)
    assert refused.value.field == "opens_on"


def test_invitation_links_download_as_csv_and_each_works_once(app, council):
    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    _open(client, contract, "ons4", access="invitation")
    collection = db.session.scalar(select(Collection))
    page = f"/manage/collections/{collection.id}"
    made = post_form(client, f"{page}/invitations", {"count": "3"}, page=page)
    assert made.status_code == 303
    shown = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "3 invitation links made" in shown and "Download the links (CSV)" in shown
    result = client.get(f"{made.headers['Location']}/links.csv")
    assert result.status_code == 200
    assert result.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(result.get_data(as_text=True))))
    assert len(rows) == 3
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 3
    stored = db.session.scalars(select(Invitation.token_hash)).all()
    for row in rows:
        token = row["invitation_link"].rsplit("/", 1)[1]
        assert token not in stored  # only hashes are kept
    first = rows[0]["invitation_link"].split("localhost", 1)[1]
    person = Respondent(app.test_client(), app)
    assert person.start(first).status_code == 303
    counts = client.get(page).get_data(as_text=True)
    assert "3 issued, fewer than 10 used" in counts  # how many started is a count of people
    assert db.session.scalar(select(AuditEvent).filter_by(action="invitations_issued"))


def test_a_closed_collection_makes_no_more_links(app, council):
    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    _open(client, contract, "ons4", access="invitation")
    collection = db.session.scalar(select(Collection))
    page = f"/manage/collections/{collection.id}"
    form_page = client.get(page).get_data(as_text=True)
    assert post_form(client, f"{page}/close", {}, page=page).status_code == 303
    shown = client.get(page).get_data(as_text=True)
    assert "no more links can be made" in shown and "Create links" not in shown
    # A form shown before it closed, sent after: refused, and nothing made.
    sent = {"csrf_token": csrf_token(form_page), "count": "3"}
    refused = client.post(f"{page}/invitations", data=sent)
    assert refused.status_code == 422
    assert "This collection has closed, so links to it would not work" in refused.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("0", "Enter a number from 1 to 10,000"),
        ("10001", "Enter a number from 1 to 10,000"),
        ("many", "Enter a whole number, like 50"),
        ("2.5", "Enter a whole number, like 50"),
        ("", "Enter how many invitation links you need"),
    ],
)
def test_invitation_count_is_checked(app, council, count, message):
    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    _open(client, contract, "ons4", access="invitation")
    collection = db.session.scalar(select(Collection))
    page = f"/manage/collections/{collection.id}"
    result = post_form(client, f"{page}/invitations", {"count": count}, page=page)
    assert result.status_code == 422
    assert message in result.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_closing_early_stops_respondents(app, council):
    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    _open(client, contract, "ons4")
    collection = db.session.scalar(select(Collection))
    page = f"/manage/collections/{collection.id}"
    start = app.test_client().get(f"/s/{collection.public_id}")
    assert start.status_code == 200
    # _open closes it on 31 12 2030: respondents are told that day, not the midnight after
    assert "You can answer until the end of 31 December 2030" in start.get_data(as_text=True)
    assert "to the end of 31 December 2030" in client.get(page).get_data(as_text=True)
    assert post_form(client, f"{page}/close", {}, page=page).status_code == 303
    closed = app.test_client().get(f"/s/{collection.public_id}")
    assert closed.status_code == 410
    today = retention.uk_today().strftime("%-d %B %Y")
    assert f"It closed on {today}" in closed.get_data(as_text=True)  # the day it really closed
    shown = client.get(page).get_data(as_text=True)
    assert "Closed" in shown and "closed early on" in shown
    assert db.session.scalar(select(AuditEvent).filter_by(action="collection_closed"))


def test_long_and_right_to_left_names_render(app, council):
    client = council["client"]
    name = "مجلس المدينة " + "Très long nom de contrat " * 10
    result = _add_contract(client, council["buyer"].id, title=name[:300])
    assert result.status_code == 303
    page = client.get(result.headers["Location"]).get_data(as_text=True)
    assert "مجلس المدينة" in page


def test_small_response_counts_are_not_shown_exactly(app, council):
    from tests.integration.helpers import seed_responses

    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    _open(client, contract, "ons4")
    collection = db.session.scalar(select(Collection))
    seed_responses(collection, [(f"C{i}", {"life_satisfaction": 5}) for i in range(3)])
    page = client.get(f"/manage/collections/{collection.id}").get_data(as_text=True)
    assert "fewer than 10" in page
    assert ">3<" not in page
    seed_responses(collection, [(f"D{i}", {"life_satisfaction": 5}) for i in range(9)])
    assert "12" in client.get(f"/manage/contracts/{contract.id}").get_data(as_text=True)


def test_the_latest_version_of_each_questionnaire_is_offered_first(app, council):
    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    html = client.get(f"/manage/contracts/{contract.id}/collections/new").get_data(as_text=True)
    latest = html.index("Delivery return (v2)</option>")
    earlier = html.index("Delivery return (v1, an earlier version)</option>")
    assert latest < earlier
    assert "Delivery return (v1)</option>" not in html


def test_the_supplier_list_offers_only_suppliers_not_yet_on_the_contract(app, council):
    from svcollect.services import contracts as contracts_svc

    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    on = make_organisation("Already On Ltd", "supplier")
    off = make_organisation("Not Yet Ltd", "supplier")
    contracts_svc.add_supplier(council["manager"], contract, on.id)
    html = client.get(f"/manage/contracts/{contract.id}/suppliers/new").get_data(as_text=True)
    assert "Not Yet Ltd" in html and f'value="{off.id}"' in html
    assert f'<option value="{on.id}"' not in html


def test_a_supplier_added_meanwhile_is_said_to_be_on_the_contract(app, council):
    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    supplier = make_organisation("Meanwhile Ltd", "supplier")
    url = f"/manage/contracts/{contract.id}/suppliers/new"
    page = client.get(url).get_data(as_text=True)  # a tab opened before another added it
    contracts_svc.add_supplier(council["manager"], contract, supplier.id)
    sent = client.post(url, data={"csrf_token": csrf_token(page), "organisation_id": supplier.id})
    assert sent.status_code == 422
    assert "Meanwhile Ltd is already on this contract" in sent.get_data(as_text=True)
    buyer = make_organisation("Not A Supplier Council", "buyer")
    forged = client.post(url, data={"csrf_token": csrf_token(page), "organisation_id": buyer.id})
    assert forged.status_code == 422  # not a supplier: the form's own choice message
    assert "Select one of the options shown for ‘Supplier’" in forged.get_data(as_text=True)
    assert [o.name for o in contracts_svc.suppliers_of(contract)] == ["Meanwhile Ltd"]


def test_a_supplier_added_at_the_same_moment_is_refused_not_an_error(app, council):
    """Two people add it at once: both look, neither finds it, and the unique constraint
    refuses the second (which was a 500)."""
    from sqlalchemy import event, insert

    from svcollect.models import ContractSupplier

    contract = _contract(council["client"], council["buyer"].id)
    supplier = make_organisation("Same Moment Ltd", "supplier")

    elsewhere = []

    def added_elsewhere(*_args) -> None:
        if elsewhere:
            return
        elsewhere.append(True)
        with db.engine.begin() as connection:
            connection.execute(
                insert(ContractSupplier).values(
                    contract_id=contract.id, organisation_id=supplier.id
                )
            )

    event.listen(db.session(), "before_flush", added_elsewhere)
    try:
        with pytest.raises(contracts_svc.ContractRefused, match="Same Moment Ltd is already on"):
            contracts_svc.add_supplier(council["manager"], contract, supplier.id)
    finally:
        event.remove(db.session(), "before_flush", added_elsewhere)
    assert [o.name for o in contracts_svc.suppliers_of(contract)] == ["Same Moment Ltd"]


def test_a_collection_closed_in_another_tab_is_not_closed_again(app, council):
    """Both closes read it open; the second used to move its closing time and record a
    second close."""
    from sqlalchemy import text

    client = council["client"]
    contract = _contract(client, council["buyer"].id)
    _open(client, contract, "ons4")
    collection = db.session.scalar(select(Collection))
    page = f"/manage/collections/{collection.id}"
    token = csrf_token(client.get(page).get_data(as_text=True))
    assert collection.closed_early_at is None  # read here, as the other tab's close begins
    assert client.post(f"{page}/close", data={"csrf_token": token}).status_code == 303
    with db.engine.connect() as connection:
        first = connection.execute(
            text("SELECT closed_early_at FROM collection WHERE id = :i"), {"i": collection.id}
        ).scalar_one()
    with pytest.raises(collections_svc.CollectionRefused, match="already closed"):
        collections_svc.close_early(council["manager"], collection)
    db.session.expire_all()
    with db.engine.connect() as connection:
        kept = connection.execute(
            text("SELECT closed_early_at FROM collection WHERE id = :i"), {"i": collection.id}
        ).scalar_one()
    assert kept == first
    assert (
        len(list(db.session.scalars(select(AuditEvent).filter_by(action="collection_closed")))) == 1
    )
