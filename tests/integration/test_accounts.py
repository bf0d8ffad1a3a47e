"""Signing in and out, set-password links, sessions and rate limits, on both backends."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from svcollect import create_app
from svcollect.extensions import db, limiter
from svcollect.models import AuditEvent, Organisation, User
from svcollect.models._types import utcnow
from svcollect.services import accounts, organisations
from svcollect.services.organisations import OrganisationDetails
from svcollect.web.auth import safe_next
from tests.conftest import IsolatedClient, make_config
from tests.integration.helpers import VERSION

PASSWORD = "violet kettle marathon"
CSRF_ANYWHERE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ERROR_SUMMARY = re.compile(r'govuk-error-summary__list">(.*?)</ul>', re.S)
FIELD_ERROR = re.compile(r'govuk-error-message">(.*?)</p>', re.S)
GENERIC_ERROR = "Enter a correct email address and password"


# --- helpers (imported by test_admin.py) ---------------------------------------------------


def make_organisation(kind: str = "buyer", name: str | None = None) -> Organisation:
    return organisations.create_organisation(
        OrganisationDetails(name=name or f"{kind} {secrets.token_hex(2)}", kind=kind), actor=None
    )


def make_user(
    role: str = "admin",
    organisation: Organisation | None = None,
    *,
    email: str | None = None,
    password: str | None = PASSWORD,
) -> User:
    """A user made through the service; with a password unless `password` is None."""
    if organisation is None and role != "admin":
        organisation = make_organisation("supplier" if role == "supplier_user" else "buyer")
    issued = accounts.create_user(
        email or f"{role}-{secrets.token_hex(3)}@example.org",
        f"Test {role.replace('_', ' ')}",
        role,
        organisation.id if organisation else None,
        actor=None,
    )
    if password is not None:
        accounts.set_password(issued.token, password)
    return issued.user


def csrf_from(client: Any, url: str) -> str:
    page = client.get(url)
    match = CSRF_ANYWHERE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def post_form(client: Any, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST with the page's CSRF token and, as a browser would, the version a change form
    was read at (unless `data` says which)."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_ANYWHERE.search(html)
    assert match, f"no CSRF token on {url}"
    read = {"version": m.group(1)} if (m := VERSION.search(html)) else {}
    response = client.post(url, data={"csrf_token": match.group(1), **read, **data}, **kwargs)
    db.session.expire_all()
    return response


def sign_in(client: Any, email: str, password: str = PASSWORD, url: str = "/sign-in", **kw: Any):
    return post_form(client, url, {"email": email, "password": password}, **kw)


def sign_out(client: Any) -> Any:
    response = client.post("/sign-out", data={"csrf_token": csrf_from(client, "/")})
    db.session.expire_all()
    return response


def errors_on(response: Any) -> tuple[str, list[str]]:
    """The error summary's text and each field's error message, without markup."""
    html = response.get_data(as_text=True)
    summary = ERROR_SUMMARY.search(html)
    clean = lambda text: " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())  # noqa: E731
    return (
        clean(summary.group(1)) if summary else "",
        [clean(m) for m in FIELD_ERROR.findall(html)],
    )


def actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- the whole journey ---------------------------------------------------------------------


def test_admin_sets_password_signs_in_and_out(app, client):
    issued = accounts.create_user(" Ada@Example.ORG ", "Ada Admin", "admin", None, actor=None)
    user = issued.user
    assert user.email == "ada@example.org"
    assert user.password_hash is None
    assert user.set_password_token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    link = f"/set-password/{issued.token}"
    page = client.get(link)
    assert page.status_code == 200 and "ada@example.org" in page.get_data(as_text=True)
    done = post_form(client, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/password-set"
    assert user.password_hash.startswith("$argon2id$")
    assert user.set_password_token_hash is None and user.set_password_expires_at is None

    signed_in = sign_in(client, "ADA@example.org ")
    # no page asked for: where an administrator's work starts
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/admin/users"
    assert user.last_sign_in_at is not None
    home = client.get("/").get_data(as_text=True)
    assert "Signed in as Ada Admin" in home and "/admin/users" in home and "Sign out" in home
    assert client.get("/admin/users").status_code == 200

    out = sign_out(client)
    assert out.status_code == 303
    assert "Signed in as" not in client.get("/").get_data(as_text=True)
    again = client.get("/admin/users")
    assert again.status_code == 302 and again.headers["Location"].startswith("/sign-in")
    assert actions() == ["user_created", "password_set", "sign_in", "sign_out"]
    details = " ".join(db.session.scalars(select(AuditEvent.detail)))
    assert PASSWORD not in details and issued.token not in details


def test_sign_in_goes_back_to_a_safe_next_page_only(app, client):
    admin = make_user("admin")
    kept = sign_in(client, admin.email, url="/sign-in?next=/admin/organisations")
    assert kept.headers["Location"] == "/admin/organisations"
    sign_out(client)
    dropped = sign_in(client, admin.email, url="/sign-in?next=//evil.example/x")
    assert dropped.headers["Location"] == "/admin/users"  # not the other site


@pytest.mark.parametrize(
    ("role", "start"),
    [("contract_manager", "/manage/"), ("supplier_user", "/supplier/"), ("admin", "/admin/users")],
)
def test_each_role_lands_where_its_work_starts(app, client, role, start):
    user = make_user(role)
    result = sign_in(client, user.email)
    assert result.status_code == 303 and result.headers["Location"] == start
    assert client.get(start).status_code == 200


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/admin/users?page=2", "/admin/users?page=2"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("admin/users", "/"),
        ("/\r\nLocation: https://evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_safe_next_allows_only_paths_on_this_site(target, expected):
    assert safe_next(target) == expected


# --- failures look the same ------------------------------------------------------------------


def test_wrong_password_unknown_email_inactive_and_no_password_read_the_same(app, client):
    known = make_user("admin")
    inactive = make_user("admin")
    accounts.deactivate_user(inactive, actor=None)
    waiting = make_user("admin", password=None)
    responses = [
        sign_in(client, known.email, "not the right password"),
        sign_in(client, "nobody-here@example.org", "not the right password"),
        sign_in(client, inactive.email, PASSWORD),
        sign_in(client, waiting.email, PASSWORD),
    ]
    assert {r.status_code for r in responses} == {422}
    seen = {str(errors_on(r)) for r in responses}
    assert seen == {str((GENERIC_ERROR, [f"Error: {GENERIC_ERROR}"]))}
    for response in responses:
        assert "<title>Error: Sign in" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session
    failed = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "sign_in_failed")
    ).all()
    assert len(failed) == 4
    assert not any("not the right password" in d or PASSWORD in d for d in failed)


def test_every_failure_checks_one_password_hash(app, client, monkeypatch):
    known = make_user("admin")
    checked: list[str] = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: checked.append(h) or real(h, p))
    sign_in(client, "nobody-here@example.org", "not the right password")
    sign_in(client, known.email, "not the right password")
    assert len(checked) == 2
    assert checked[0].startswith("$argon2id$") and checked[1] == known.password_hash


def test_inactive_user_cannot_sign_in_and_is_signed_out(app, client):
    user = make_user("contract_manager")
    assert sign_in(client, user.email).status_code == 303
    accounts.deactivate_user(user, actor=None)
    assert client.get("/admin/users").status_code == 302  # the old session no longer loads
    refused = sign_in(client, user.email)
    assert refused.status_code == 422 and errors_on(refused)[0] == GENERIC_ERROR


def test_sign_in_without_csrf_token_is_refused(app, client):
    user = make_user("admin")
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Your page timed out" in response.get_data(as_text=True)
    assert "sign_in" not in actions()


def test_empty_sign_in_form_says_what_to_enter(app, client):
    response = post_form(client, "/sign-in", {"email": " ", "password": ""})
    assert response.status_code == 422
    summary, _ = errors_on(response)
    assert summary == "Enter your email address Enter your password"


# --- sessions -------------------------------------------------------------------------------


def test_sign_in_starts_a_fresh_session(app, client):
    user = make_user("admin")
    with client.session_transaction() as session:
        session["planted"] = "set before signing in"
    assert sign_in(client, user.email).status_code == 303
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:{user.session_version}"


def test_a_session_moved_to_another_browser_is_dropped(app, client):
    user = make_user("admin")
    sign_in(client, user.email, headers={"User-Agent": "browser-one"})
    assert client.get("/admin/users", headers={"User-Agent": "browser-one"}).status_code == 200
    moved = client.get("/admin/users", headers={"User-Agent": "browser-two"})
    assert moved.status_code == 302  # session_protection = "strong"


def test_signed_in_visitors_still_get_the_unavailable_page_when_the_database_is_down(tmp_path):
    from flask_login.utils import _create_identifier

    down = create_app(
        make_config("postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=1", tmp_path)
    )
    down.test_client_class = IsolatedClient
    client = down.test_client()
    with down.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.update({"_user_id": "1:1", "_fresh": True, "_id": identifier})
    page = client.get("/s/some-collection")
    assert page.status_code == 503
    assert "Try again in a few minutes" in page.get_data(as_text=True)


def test_session_version_bump_ends_old_sessions(app):
    user = make_user("admin")
    old, other = app.test_client(), app.test_client()
    sign_in(old, user.email)
    sign_in(other, user.email)
    assert old.get("/admin/users").status_code == 200
    user.session_version += 1
    db.session.commit()
    assert old.get("/admin/users").status_code == 302
    assert other.get("/admin/users").status_code == 302
    fresh = app.test_client()
    sign_in(fresh, user.email)
    assert fresh.get("/admin/users").status_code == 200


def test_setting_a_password_bumps_the_session_version(app):
    user = make_user("admin", password=None)
    before = user.session_version
    issued = accounts.issue_set_password_link(user, actor=None)
    accounts.set_password(issued.token, PASSWORD)
    assert user.session_version == before + 2  # one for the new link, one for the new password


def test_changed_hash_parameters_are_upgraded_on_sign_in(app, client):
    user = make_user("admin")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    db.session.commit()
    assert sign_in(client, user.email).status_code == 303
    assert not accounts.needs_rehash(user.password_hash)
    assert accounts.verify_password(user.password_hash, PASSWORD)


# --- set-password links ----------------------------------------------------------------------


def test_set_password_link_works_once(app, client):
    issued = accounts.create_user("once@example.org", "Once", "admin", None, actor=None)
    link = f"/set-password/{issued.token}"
    assert post_form(client, link, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 303
    again = client.get(link)
    assert again.status_code == 404
    assert "This link does not work" in again.get_data(as_text=True)
    with pytest.raises(accounts.LinkUnusable):
        accounts.set_password(issued.token, "another fine passphrase")
    assert accounts.verify_password(issued.user.password_hash, PASSWORD)


def test_expired_and_unknown_links_get_clear_pages(app, client):
    issued = accounts.create_user("late@example.org", "Late", "admin", None, actor=None)
    assert issued.expires_at - utcnow() > timedelta(hours=71, minutes=59)
    link = f"/set-password/{issued.token}"
    token = csrf_from(client, link)
    issued.user.set_password_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = client.get(link)
    assert expired.status_code == 410
    assert "This link has expired" in expired.get_data(as_text=True)
    posted = client.post(
        link, data={"csrf_token": token, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert posted.status_code == 410
    db.session.expire_all()
    assert issued.user.password_hash is None
    unknown = client.get(f"/set-password/{secrets.token_urlsafe(32)}")
    assert unknown.status_code == 404 and "This link does not work" in unknown.get_data(
        as_text=True
    )


def test_set_password_page_checks_the_rules(app, client):
    issued = accounts.create_user("rules@example.org", "Rules", "admin", None, actor=None)
    link = f"/set-password/{issued.token}"
    cases = [
        ({"password": "rules@example.org", "confirm": "rules@example.org"}, "your email address"),
        ({"password": "Password1234", "confirm": "Password1234"}, "harder to guess"),
        ({"password": "too short", "confirm": "too short"}, "12 characters or more"),
        ({"password": PASSWORD, "confirm": PASSWORD + "!"}, "Passwords must match"),
    ]
    for data, message in cases:
        response = post_form(client, link, data)
        assert response.status_code == 422
        assert message in errors_on(response)[0]
        assert "<title>Error: Set your password" in response.get_data(as_text=True)
    db.session.expire_all()
    assert issued.user.password_hash is None and issued.user.set_password_token_hash is not None


# --- your account ---------------------------------------------------------------------------

NEW_PASSWORD = "saffron lantern expedition"


def _change(client: Any, current: str, new: str, confirm: str | None = None, **kw: Any) -> Any:
    data = {"current": current, "password": new, "confirm": new if confirm is None else confirm}
    return post_form(client, "/account/password", data, **kw)


def test_a_signed_in_user_sees_their_account_and_changes_their_password(app, client):
    user = make_user("contract_manager")
    elsewhere = app.test_client()
    sign_in(client, user.email)
    sign_in(elsewhere, user.email)
    page = client.get("/manage/").get_data(as_text=True)
    assert 'href="/account"' in page  # "Signed in as …" leads to the account page
    account = client.get("/account").get_data(as_text=True)
    assert user.email in account and user.organisation.name in account
    assert "/account/password" in account
    result = _change(client, PASSWORD, NEW_PASSWORD)
    assert result.status_code == 303 and result.headers["Location"] == "/account"
    assert "Your password has been changed" in client.get("/account").get_data(as_text=True)
    assert client.get("/manage/").status_code == 200  # this session carries on
    assert elsewhere.get("/manage/").status_code == 302  # every other one ends
    assert actions()[-1] == "password_changed"
    sign_out(client)
    assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 422
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("not my password at all", NEW_PASSWORD, None, "Enter your current password correctly"),
        ("", NEW_PASSWORD, None, "Enter your current password"),
        (PASSWORD, "short", None, "12 characters or more"),
        (PASSWORD, NEW_PASSWORD, "something else entirely", "Passwords must match"),
        (PASSWORD, PASSWORD, None, "different from your current one"),
    ],
)
def test_changing_a_password_refuses_with_a_clear_message(
    app, client, current, new, confirm, message
):
    user = make_user("supplier_user")
    sign_in(client, user.email)
    before = user.password_hash
    result = _change(client, current, new, confirm)
    assert result.status_code == 422
    summary, fields = errors_on(result)
    assert message in summary and any(message in f for f in fields)
    if current:
        assert current not in result.get_data(as_text=True)  # passwords are never sent back
    db.session.refresh(user)
    assert user.password_hash == before
    assert client.get("/account").status_code == 200  # still signed in
    if current == "not my password at all":
        assert actions()[-1] == "password_change_failed"


def test_the_account_pages_need_signing_in(app, client):
    for url in ("/account", "/account/password"):
        result = client.get(url)
        assert result.status_code == 302 and "/sign-in" in result.headers["Location"]


def test_guessing_the_current_password_is_rate_limited(app, database_url, tmp_path):
    limited = create_app(make_config(database_url, tmp_path, RATELIMIT_ENABLED=True))
    limited.test_client_class = IsolatedClient
    user = make_user("admin")
    try:
        client = limited.test_client()
        sign_in(client, user.email)
        statuses = [_change(client, f"guess {n} wrong", NEW_PASSWORD).status_code for n in range(6)]
        assert statuses == [422] * 5 + [429]
        # the limit is the account's: someone else at the same address is not held up
        colleague = limited.test_client()
        sign_in(colleague, make_user("admin").email)
        assert _change(colleague, PASSWORD, NEW_PASSWORD).status_code == 303
    finally:
        limiter.enabled = False
        limiter.reset()


# --- rate limits ------------------------------------------------------------------------------


def test_bursts_of_sign_in_attempts_are_rate_limited(app, database_url, tmp_path):
    limited = create_app(make_config(database_url, tmp_path, RATELIMIT_ENABLED=True))
    limited.test_client_class = IsolatedClient
    user = make_user("admin")
    try:
        client = limited.test_client()
        # Five attempts a minute from one address, whichever emails are tried...
        by_address = [
            sign_in(client, f"guess{n}@example.org", "wrong password here").status_code
            for n in range(6)
        ]
        assert by_address == [422] * 5 + [429]
        page = sign_in(client, "guess0@example.org", PASSWORD)
        assert page.status_code == 429
        assert "Too many attempts" in page.get_data(as_text=True)
        # ...and five a minute at one email, whichever addresses they come from.
        by_email = [
            sign_in(
                client,
                user.email,
                "wrong password here",
                environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
            ).status_code
            for n in range(1, 7)
        ]
        assert by_email == [422] * 5 + [429]
        elsewhere = limited.test_client()
        other = make_user("admin")
        ok = sign_in(elsewhere, other.email, environ_base={"REMOTE_ADDR": "10.9.9.9"})
        assert ok.status_code == 303
    finally:
        limiter.enabled = False
        limiter.reset()


def test_colleagues_signing_in_from_one_office_address_are_not_limited(app, database_url, tmp_path):
    limited = create_app(make_config(database_url, tmp_path, RATELIMIT_ENABLED=True))
    limited.test_client_class = IsolatedClient
    office = {"REMOTE_ADDR": "10.1.1.1"}
    try:
        team = [make_user("contract_manager") for _ in range(8)]
        for person in team:  # more than 5 in a minute, each signing in first time
            assert (
                sign_in(limited.test_client(), person.email, environ_base=office).status_code == 303
            )
        # failures from the same address still count: 5 wrong, then refused
        guesses = [
            sign_in(
                limited.test_client(),
                f"x{n}@example.org",
                "wrong password here",
                environ_base=office,
            ).status_code
            for n in range(6)
        ]
        assert guesses == [422] * 5 + [429]
    finally:
        limiter.enabled = False
        limiter.reset()


# --- command line ---------------------------------------------------------------------------


def test_cli_creates_an_account_and_prints_its_link_once(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "Cli@Example.org", "--name", "Cli", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    match = re.search(r"http://127\.0\.0\.1:5000/set-password/(\S+)", result.output)
    assert match
    assert client.get(f"/set-password/{match.group(1)}").status_code == 200
    refused = runner.invoke(
        args=[
            *("users", "create", "--email", "cm@example.org"),
            *("--name", "CM", "--role", "contract_manager"),
        ]
    )
    assert refused.exit_code == 1
    assert "Select the buyer or prime supplier organisation" in refused.output
    assert accounts.user_by_email("cm@example.org") is None
    nowhere = runner.invoke(
        args=[
            *("users", "create", "--email", "cm@example.org", "--name", "CM"),
            *("--role", "contract_manager", "--organisation-id", "999"),
        ]
    )
    assert nowhere.exit_code == 1
    assert "No organisation has id 999" in nowhere.output and "list" not in nowhere.output
