"""Administration of accounts and organisations, on both backends."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import AuditEvent, Organisation, User
from svcollect.services import accounts
from tests.integration.test_accounts import (
    PASSWORD,
    actions,
    csrf_from,
    errors_on,
    make_organisation,
    make_user,
    post_form,
    sign_in,
)

LINK = re.compile(r"http://localhost/set-password/([A-Za-z0-9_-]+)")


@pytest.fixture
def admin(app, client) -> User:
    user = make_user("admin")
    assert sign_in(client, user.email).status_code == 303
    return user


def users_named(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


# --- who may see it ---------------------------------------------------------------------------


ADMIN_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/users/{id}",
    "/admin/users/{id}/new-link",
    "/admin/users/{id}/deactivate",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/organisations/{org}/edit",
]


@pytest.mark.parametrize("role", ["contract_manager", "supplier_user"])
def test_non_admins_get_404_on_every_admin_page(app, client, role):
    user = make_user(role)
    sign_in(client, user.email)
    token = csrf_from(client, "/")
    for page in ADMIN_PAGES:
        url = page.format(id=user.id, org=user.organisation_id)
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={"csrf_token": token}).status_code in {404, 405}, url
    db.session.expire_all()
    assert user.is_active and user.set_password_token_hash is None


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=%2Fadmin%2Fusers"
    home = client.get("/").get_data(as_text=True)
    assert "Sign out" not in home and "/admin/users" not in home


# --- creating accounts ------------------------------------------------------------------------


def test_admin_creates_an_account_and_sees_its_link_once(app, client, admin):
    buyer = make_organisation("buyer", "Northshire Council")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert "Northshire Council (buyer)" in form
    created = post_form(
        client,
        "/admin/users/new",
        {
            "email": "  Casey.Manager@Northshire.GOV.uk ",
            "name": "Casey Manager",
            "role": "contract_manager",
            "organisation_id": str(buyer.id),
        },
    )
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    html = created.get_data(as_text=True)
    assert "Account created" in html and "This is the only time you can see this link" in html
    token = LINK.search(html).group(1)
    user = accounts.user_by_email("casey.manager@northshire.gov.uk")
    assert user.role == "contract_manager" and user.organisation_id == buyer.id
    assert user.password_hash is None and token not in json.dumps(
        [user.set_password_token_hash, user.email, user.name]
    )
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "Casey Manager" in listing and "Waiting for password" in listing
    assert token not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user_created", AuditEvent.object_id == user.id
        )
    ).one()
    assert event.actor_id == admin.id and event.object_type == "user_account"
    assert event.organisation_id == buyer.id

    newcomer = app.test_client()
    assert (
        post_form(
            newcomer, f"/set-password/{token}", {"password": PASSWORD, "confirm": PASSWORD}
        ).headers["Location"]
        == "/password-set"
    )
    assert sign_in(newcomer, user.email).status_code == 303


def test_duplicate_email_is_a_form_error_and_nothing_is_saved(app, client, admin):
    response = post_form(
        client,
        "/admin/users/new",
        {"email": admin.email.upper(), "name": "Copy", "role": "admin", "organisation_id": "none"},
    )
    assert response.status_code == 422
    summary, _fields = errors_on(response)
    assert summary == "An account with this email address already exists"
    assert "<title>Error: Create an account" in response.get_data(as_text=True)
    assert users_named(admin.email) == 1
    assert actions().count("user_created") == 1  # the admin's own


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "superuser"}, "Select a role"),
        ({"role": ""}, "Select a role"),
        ({"organisation_id": "999999"}, "Select an organisation from the list"),
        ({"organisation_id": "1 OR 1=1"}, "Select an organisation from the list"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"email": ""}, "Enter an email address"),
        ({"name": ""}, "Enter their full name"),
    ],
)
def test_forged_or_missing_values_are_form_errors(app, client, admin, data, message):
    supplier = make_organisation("supplier")
    fields = {
        "email": "new.person@example.org",
        "name": "New Person",
        "role": "supplier_user",
        "organisation_id": str(supplier.id),
        **data,
    }
    response = post_form(client, "/admin/users/new", fields)
    assert response.status_code == 422
    assert message in errors_on(response)[0]
    assert users_named("new.person@example.org") == 0


@pytest.mark.parametrize(
    ("role", "kind", "message"),
    [
        ("contract_manager", "supplier", "must belong to a buyer or prime supplier organisation"),
        ("supplier_user", "buyer", "must belong to a supplier or prime supplier organisation"),
        ("admin", "buyer", "An administrator does not belong to an organisation"),
    ],
)
def test_a_role_that_does_not_fit_the_organisation_is_refused(
    app, client, admin, role, kind, message
):
    organisation = make_organisation(kind, "Misfit Ltd")
    response = post_form(
        client,
        "/admin/users/new",
        {
            "email": "misfit@example.org",
            "name": "Misfit",
            "role": role,
            "organisation_id": str(organisation.id),
        },
    )
    assert response.status_code == 422
    assert message in errors_on(response)[0]
    assert users_named("misfit@example.org") == 0
    with pytest.raises(accounts.AccountRefused, match=message):
        accounts.create_user("misfit@example.org", "Misfit", role, organisation.id, actor=None)


def test_contract_managers_fit_buyers_and_prime_suppliers(app):
    for kind in ("buyer", "prime_supplier"):
        user = make_user("contract_manager", make_organisation(kind), password=None)
        assert user.organisation.kind == kind
    with pytest.raises(
        accounts.AccountRefused, match="Select the supplier or prime supplier organisation"
    ):
        accounts.create_user("lost@example.org", "Lost", "supplier_user", None, actor=None)


# --- links and deactivation -------------------------------------------------------------------


def test_new_link_replaces_the_old_link_and_password(app, client, admin):
    user = make_user("supplier_user")
    old_link = accounts.issue_set_password_link(user, actor=None)
    accounts.set_password(old_link.token, PASSWORD)
    elsewhere = app.test_client()
    sign_in(elsewhere, user.email)
    confirm = client.get(f"/admin/users/{user.id}/new-link")
    assert confirm.status_code == 200 and "Create link" in confirm.get_data(as_text=True)
    issued = post_form(client, f"/admin/users/{user.id}/new-link", {})
    assert issued.status_code == 200
    token = LINK.search(issued.get_data(as_text=True)).group(1)
    assert elsewhere.get("/").get_data(as_text=True).count("Signed in as") == 0
    assert sign_in(app.test_client(), user.email).status_code == 422
    assert client.get(f"/set-password/{old_link.token}").status_code == 404
    assert client.get(f"/set-password/{token}").status_code == 200
    assert "set_password_link_issued" in actions()


def test_deactivating_ends_sessions_and_sign_in(app, client, admin):
    user = make_user("contract_manager")
    theirs = app.test_client()
    sign_in(theirs, user.email)
    assert "Signed in as" in theirs.get("/").get_data(as_text=True)
    done = post_form(client, f"/admin/users/{user.id}/deactivate", {})
    assert done.status_code == 303
    assert not user.is_active
    assert "Deactivated" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Signed in as" not in theirs.get("/").get_data(as_text=True)
    assert sign_in(theirs, user.email).status_code == 422
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user_deactivated")
    ).one()
    assert event.actor_id == admin.id and event.object_id == user.id


def test_admins_cannot_deactivate_themselves(app, client, admin):
    refused = post_form(client, f"/admin/users/{admin.id}/deactivate", {})
    assert refused.status_code == 422
    assert "You cannot deactivate your own account" in refused.get_data(as_text=True)
    assert admin.is_active
    assert "Deactivate this account" not in client.get(f"/admin/users/{admin.id}").get_data(
        as_text=True
    )


def test_unknown_user_pages_are_404(app, client, admin):
    assert client.get("/admin/users/999999").status_code == 404
    assert client.get("/admin/organisations/999999/edit").status_code == 404


# --- organisations ----------------------------------------------------------------------------


def test_admin_adds_and_edits_an_organisation(app, client, admin):
    added = post_form(
        client,
        "/admin/organisations/new",
        {"name": " Acme Care CIC ", "kind": "prime_supplier", "employee_count": "1,620"}
        | {"traits": ["sme", "vcse"]},
    )
    assert added.status_code == 303
    organisation = db.session.scalars(select(Organisation)).one()
    assert (organisation.name, organisation.kind, organisation.employee_count) == (
        "Acme Care CIC",
        "prime_supplier",
        1620,
    )
    assert organisation.is_sme and organisation.is_vcse and organisation.wemwbs_licence_ref is None
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert "Acme Care CIC" in listing and "Not recorded" in listing

    url = f"/admin/organisations/{organisation.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="Acme Care CIC"' in form and 'value="1620"' in form
    edited = post_form(
        client,
        url,
        {
            "name": "Acme Care CIC",
            "kind": "prime_supplier",
            "employee_count": "",
            "traits": ["vcse"],
            "wemwbs_licence_ref": " WEMWBS-2025-0042 ",
        },
    )
    assert edited.status_code == 303
    assert organisation.wemwbs_licence_ref == "WEMWBS-2025-0042"
    assert organisation.employee_count is None and not organisation.is_sme
    assert "WEMWBS-2025-0042" in client.get("/admin/organisations").get_data(as_text=True)
    update = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation_updated")
    ).one()
    changes = json.loads(update.detail)["changes"]
    assert changes["wemwbs_licence_ref"] == [None, "WEMWBS-2025-0042"]
    assert set(changes) == {"wemwbs_licence_ref", "employee_count", "is_sme"}
    assert actions()[-2:] == ["organisation_created", "organisation_updated"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "government"}, "Select what kind of organisation it is"),
        ({"name": "   "}, "Enter the organisation's name"),
        ({"employee_count": "-3"}, "Enter the number of employees as a whole number"),
        ({"employee_count": "lots"}, "Enter the number of employees as a whole number"),
        ({"employee_count": "12,00"}, "Enter the number of employees as a whole number"),
        ({"traits": ["sme", "charity"]}, "Select only the options shown"),
    ],
)
def test_organisation_form_errors(app, client, admin, data, message):
    response = post_form(
        client, "/admin/organisations/new", {"name": "Valid Name", "kind": "buyer", **data}
    )
    assert response.status_code == 422
    assert message in errors_on(response)[0]
    assert "<title>Error: Add an organisation" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


TAKEN = (
    "There is already a buyer called Demo Borough Council – use that one, or enter a name "
    "that tells them apart"
)


@pytest.mark.parametrize(
    "name", ["Demo Borough Council", " demo borough council ", "DEMO  BOROUGH\tCOUNCIL"]
)
def test_an_organisation_name_is_not_added_twice_for_one_kind(app, client, admin, name):
    make_organisation("buyer", "Demo Borough Council")
    response = post_form(client, "/admin/organisations/new", {"name": name, "kind": "buyer"})
    assert response.status_code == 422
    summary, fields = errors_on(response)
    assert TAKEN in summary and fields == [f"Error: {TAKEN}"]
    assert 'href="#name"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
    # Another kind may share it: a council's trading company is a supplier of its own.
    other = post_form(client, "/admin/organisations/new", {"name": name, "kind": "supplier"})
    assert other.status_code == 303


def test_names_compare_without_unicode_forms_and_case_folding(app):
    make_organisation("supplier", "Café Straße Ltd")
    for variant in ("CAFE\u0301 STRASSE LTD", "café strasse ltd"):
        with pytest.raises(accounts.AccountRefused) as refused:
            make_organisation("supplier", variant)
        assert refused.value.field == "name"


def test_an_organisation_is_not_renamed_to_another_of_its_kind(app, client, admin):
    make_organisation("buyer", "Demo Borough Council")
    second = make_organisation("buyer", "Northshire Council")
    url = f"/admin/organisations/{second.id}/edit"
    response = post_form(client, url, {"name": "demo borough council", "kind": "buyer"})
    assert response.status_code == 422
    assert TAKEN in errors_on(response)[0]
    assert second.name == "Northshire Council"
    # Its own name, written differently, is still its own.
    assert (
        post_form(client, url, {"name": "NORTHSHIRE council", "kind": "buyer"}).status_code == 303
    )
    assert second.name == "NORTHSHIRE council"


def test_a_duplicate_kept_by_the_migration_can_still_be_edited(app, client, admin):
    first = make_organisation("buyer", "Demo Borough Council")
    kept = make_organisation("buyer", "Demo Borough Council (old)")
    # As the migration keeps a duplicate found in existing data: its key has " #<id>".
    kept.name, kept.name_key = "Demo Borough Council", f"demo borough council #{kept.id}"
    db.session.commit()
    url = f"/admin/organisations/{kept.id}/edit"
    edited = post_form(
        client, url, {"name": "Demo Borough Council", "kind": "buyer", "employee_count": "40"}
    )
    assert edited.status_code == 303
    assert kept.employee_count == 40 and kept.name_key == f"demo borough council #{kept.id}"
    renamed = post_form(client, url, {"name": "Demo Borough Council (old)", "kind": "buyer"})
    assert renamed.status_code == 303 and first.name_key == "demo borough council"


def test_organisation_kind_cannot_change_under_its_users(app, client, admin):
    user = make_user("contract_manager", password=None)
    url = f"/admin/organisations/{user.organisation_id}/edit"
    response = post_form(client, url, {"name": "Renamed", "kind": "supplier"})
    assert response.status_code == 422
    assert "has a contract manager account, so it cannot be a supplier" in errors_on(response)[0]
    assert user.organisation.kind == "buyer" and user.organisation.name != "Renamed"
    assert post_form(client, url, {"name": "Renamed", "kind": "prime_supplier"}).status_code == 303
    assert user.organisation.kind == "prime_supplier"
