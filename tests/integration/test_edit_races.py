"""Two people (or two tabs) on one page: organisation settings and the WEMWBS licence,
closing a collection, adding and inviting suppliers. A save from a page opened before
another save is refused as a contract's is (test_contract_changes): what is saved now
shown, what was typed kept, nothing of the stale save recorded. Closing and adding are
done once, the second told so. (Valuation assumptions: test_valuation_setup; review
decisions: test_attestation.)"""

from __future__ import annotations

import json
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select, text

from svcollect.extensions import db
from svcollect.models import (
    AuditEvent,
    Collection,
    Contract,
    ContractSupplier,
    Declaration,
    Organisation,
    User,
)
from svcollect.models._types import utcnow
from svcollect.services import audit, collections, contracts, declarations, organisations
from tests.integration.helpers import (
    csrf_token,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    signed_in,
)
from tests.integration.test_contract_changes import (
    CONFLICT,
    HIDDEN,
    _elsewhere,
    _opened,
    _save,
    _summary,
)


def _audited(action: str) -> list[dict]:
    events = db.session.scalars(select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id))
    return [json.loads(e.detail or "{}") for e in events]


def _opened_from(html: str) -> dict[str, str]:
    """The hidden fields of a page sent back (a refused save), as it would send them."""
    return dict(HIDDEN.findall(html))


def _saved_now(html: str) -> str:
    """The "What is saved now" box shown beside the form after an edit conflict."""
    assert html.count('id="version"') == 1 and "What is saved now" in html  # unique id
    return html[html.index('id="version"') :].split("<form")[0]


# --- organisation settings -------------------------------------------------------------


@pytest.fixture
def council(app):
    contract = make_contract()
    buyer = contract.buyer
    admin = signed_in(app, make_user("admin", None))
    manager = signed_in(app, make_user("contract_manager", buyer))
    return {"buyer": buyer, "admin": admin, "manager": manager}


def _settings(organisation: Organisation, **overrides) -> dict:
    return {
        "name": organisation.name,
        "kind": organisation.kind,
        "employee_count": "",
        "wemwbs_licence_ref": organisation.wemwbs_licence_ref or "",
        **overrides,
    }


def test_an_organisation_saved_from_a_page_opened_before_another_save_is_refused(app, council):
    buyer, admin = council["buyer"], council["admin"]
    url = f"/admin/organisations/{buyer.id}/edit"
    one, two = _opened(admin, url), _opened(admin, url)
    assert one["version"] == two["version"] == "1"
    first = _save(admin, url, one, _settings(buyer, wemwbs_licence_ref="WEMWBS-ONE"))
    assert first.status_code == 303
    stale = _save(admin, url, two, _settings(buyer, employee_count="250"))
    assert stale.status_code == 422
    html = stale.get_data(as_text=True)
    [(message, href)] = _summary(html).items()
    assert message.startswith(CONFLICT.format("organisation")) and href == "#version"
    assert "WEMWBS-ONE" in _saved_now(html)
    assert 'value="250"' in html  # what was typed is kept
    db.session.refresh(buyer)
    assert (buyer.wemwbs_licence_ref, buyer.employee_count, buyer.version) == (
        "WEMWBS-ONE",
        None,
        2,
    )
    assert len(_audited("organisation_updated")) == 1
    # The refused page carries the version saved now: saving again is a choice made knowingly.
    again = _opened_from(html)
    assert again["version"] == "2"
    typed = _settings(buyer, employee_count="250", wemwbs_licence_ref="WEMWBS-ONE")
    assert _save(admin, url, again, typed).status_code == 303
    db.session.refresh(buyer)
    assert (buyer.employee_count, buyer.version) == (250, 3)


def test_a_licence_recorded_from_a_page_opened_before_another_save_is_refused(app, council):
    buyer, manager, admin = council["buyer"], council["manager"], council["admin"]
    licence = _opened(manager, "/manage/licence")
    assert licence["version"] == "1"
    url = f"/admin/organisations/{buyer.id}/edit"
    assert _save(admin, url, _opened(admin, url), _settings(buyer, wemwbs_licence_ref="ADMIN-1"))
    stale = _save(manager, "/manage/licence", licence, {"licence_ref": "MANAGER-2"})
    assert stale.status_code == 422
    html = stale.get_data(as_text=True)
    assert CONFLICT.format("organisation") in html
    assert "ADMIN-1" in _saved_now(html) and 'value="MANAGER-2"' in html
    db.session.refresh(buyer)
    assert buyer.wemwbs_licence_ref == "ADMIN-1" and _audited("licence_recorded") == []
    # ...and an administrator's page opened before the licence was recorded is refused too.
    stale_admin = _opened(admin, url)
    again = _opened_from(html)
    assert _save(manager, "/manage/licence", again, {"licence_ref": "MANAGER-2"}).status_code == 303
    db.session.refresh(buyer)
    assert (buyer.wemwbs_licence_ref, buyer.version) == ("MANAGER-2", 3)
    refused = _save(admin, url, stale_admin, _settings(buyer, wemwbs_licence_ref="ADMIN-3"))
    assert refused.status_code == 422 and "MANAGER-2" in _saved_now(refused.get_data(as_text=True))
    db.session.refresh(buyer)
    assert buyer.wemwbs_licence_ref == "MANAGER-2"


@pytest.mark.parametrize("version", ["", "1x"])
def test_a_licence_without_the_version_it_was_read_at_is_refused(app, council, version):
    page = {**_opened(council["manager"], "/manage/licence"), "version": version}
    result = _save(council["manager"], "/manage/licence", page, {"licence_ref": "LIC-9"})
    assert result.status_code == 422
    db.session.refresh(council["buyer"])
    assert council["buyer"].wemwbs_licence_ref == "LIC-1"  # as make_contract recorded it


def test_two_organisation_saves_that_read_the_same_version_cannot_both_be_made(app, council):
    buyer = council["buyer"]
    read = buyer.version
    _elsewhere("organisation", buyer.id, wemwbs_licence_ref="SAVED-ELSEWHERE")
    details = organisations.OrganisationDetails(
        name=buyer.name, kind=buyer.kind, wemwbs_licence_ref="SAVED-HERE"
    )
    with pytest.raises(contracts.EditConflict):
        organisations.update_organisation(buyer, details, actor=None, read_version=read)
    db.session.refresh(buyer)
    assert (buyer.wemwbs_licence_ref, buyer.version) == ("SAVED-ELSEWHERE", read + 1)
    with pytest.raises(contracts.EditConflict):
        organisations.record_licence(
            make_user("contract_manager", buyer), buyer, "HERE", read_version=buyer.version - 1
        )
    assert _audited("organisation_updated") == _audited("licence_recorded") == []


# --- closing a collection early ----------------------------------------------------------


def _confirm_token(client, page: str) -> str:
    return csrf_token(client.get(page).get_data(as_text=True))


def test_a_collection_closed_from_two_tabs_is_closed_once(app):
    collection = make_collection("ons4", contract=make_contract("TWO-TABS"))
    manager = signed_in(app, make_user("contract_manager", collection.contract.buyer))
    page = f"/manage/collections/{collection.id}"
    one, two = _confirm_token(manager, page), _confirm_token(manager, page)
    first = manager.post(f"{page}/close", data={"csrf_token": one})
    assert first.status_code == 303
    second = manager.post(f"{page}/close", data={"csrf_token": two})
    assert second.status_code == 303 and second.headers["Location"] == page
    shown = manager.get(page).get_data(as_text=True)
    assert (
        "Collection closed" in shown and "This collection is already closed: it closed on" in shown
    )
    assert len(_audited("collection_closed")) == 1


def test_two_closes_that_read_it_open_close_it_once(app):
    collection = make_collection("ons4")
    manager = make_user("contract_manager", collection.contract.buyer)
    assert collection.closed_early_at is None  # read open, as the second click's request did
    with db.engine.begin() as connection:  # the first click's request closes it meanwhile
        connection.execute(
            text("UPDATE collection SET closed_early_at = :at WHERE id = :id"),
            {"at": utcnow() - timedelta(minutes=1), "id": collection.id},
        )
    with pytest.raises(collections.CollectionRefused, match="already closed"):
        collections.close_early(manager, collection)
    assert collection.closed_early_at is not None
    assert collection.closed_early_at < utcnow() - timedelta(seconds=30)  # the first close's
    assert _audited("collection_closed") == []


# --- adding and inviting suppliers -----------------------------------------------------------


def test_a_supplier_added_from_two_tabs_is_added_once_and_the_second_told_so(app, council):
    supplier = make_organisation("Acme Cleaning Ltd", "supplier")
    contract = db.session.scalar(select(Contract).filter_by(buyer_id=council["buyer"].id))
    manager, url = council["manager"], f"/manage/contracts/{contract.id}/suppliers/new"
    one, two = _opened(manager, url), _opened(manager, url)
    chosen = {"organisation_id": str(supplier.id)}
    assert _save(manager, url, one, chosen).status_code == 303
    stale = _save(manager, url, two, chosen)
    assert stale.status_code == 422
    html = unescape(stale.get_data(as_text=True))
    assert "Acme Cleaning Ltd is already on this contract" in html
    assert "Not a valid choice" not in html
    assert f'<option value="{supplier.id}"' not in html  # no longer offered
    assert len(_audited("supplier_added")) == 1
    added = select(func.count()).select_from(ContractSupplier).filter_by(contract_id=contract.id)
    assert db.session.scalar(added) == 1


def test_two_adds_that_found_the_supplier_missing_add_it_once(app, council, monkeypatch):
    supplier = make_organisation("Acme Cleaning Ltd", "supplier")
    contract = db.session.scalar(select(Contract).filter_by(buyer_id=council["buyer"].id))
    manager = make_user("contract_manager", contract.buyer)
    record = audit.record

    def added_elsewhere_meanwhile(*args, **kwargs):
        # Another tab's request adds it once this one has found it missing.
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO contract_supplier (contract_id, organisation_id, added_at) "
                    "VALUES (:c, :o, :at)"
                ),
                {"c": contract.id, "o": supplier.id, "at": utcnow()},
            )
        return record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", added_elsewhere_meanwhile)
    with pytest.raises(contracts.ContractRefused, match="already on this contract"):
        contracts.add_supplier(manager, contract, supplier.id)
    monkeypatch.undo()
    added = select(func.count()).select_from(ContractSupplier).filter_by(contract_id=contract.id)
    assert db.session.scalar(added) == 1 and _audited("supplier_added") == []


def test_suppliers_invited_from_two_tabs_at_once_are_invited_once(app, monkeypatch):
    contract = make_contract("INVITES")
    supplier = make_organisation("Acme Cleaning Ltd", "supplier")
    db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=supplier.id))
    db.session.commit()
    collection = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    manager = make_user("contract_manager", contract.buyer)
    collection_id, manager_id = collection.id, manager.id
    create = declarations._new_declaration
    elsewhere: list[int] = []

    def invited_elsewhere_meanwhile(*args, **kwargs):
        # The other tab's request invites them all once this one has found them uninvited.
        if not elsewhere:
            elsewhere.append(1)
            with app.app_context():  # a request of its own: its own session
                other = declarations.invite_suppliers(
                    db.session.get(User, manager_id), db.session.get(Collection, collection_id)
                )
                elsewhere.append(len(other))
        return create(*args, **kwargs)

    monkeypatch.setattr(declarations, "_new_declaration", invited_elsewhere_meanwhile)
    assert declarations.invite_suppliers(manager, collection) == []  # none left to invite
    assert elsewhere == [1, 1]
    made = select(Declaration.supplier_id).filter_by(collection_id=collection_id)
    assert db.session.scalars(made).all() == [supplier.id]
    assert len(_audited("declaration_invited")) == 1
