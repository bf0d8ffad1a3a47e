"""Health check, error pages and security headers."""

from __future__ import annotations

from sqlalchemy import select

from svcollect import create_app
from tests.conftest import IsolatedClient, make_config


def test_health_reports_database_and_sqlite_version(client, backend):
    result = client.get("/health")
    assert result.status_code == 200
    body = result.get_json()
    assert body["database"] == "ok"
    assert body["database_backend"] == ("sqlite" if backend == "sqlite" else "postgresql")
    if backend == "sqlite":
        assert body["sqlite_version"].count(".") == 2


def test_unreachable_database_gives_503_pages_not_traces(tmp_path):
    down = create_app(
        make_config("postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=1", tmp_path)
    )
    down.test_client_class = IsolatedClient
    client = down.test_client()
    health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json()["database"] == "unreachable"
    page = client.get("/s/some-collection")
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "Try again in a few minutes" in html
    assert "Traceback" not in html and "psycopg" not in html


def test_database_lost_while_closing_the_session_is_not_a_500(app, client, monkeypatch):
    """PostgreSQL stopping between a page being built and the session's closing rollback
    (tests/bench/load/outage_test.py saw it) must not turn a finished answer into a 500."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from svcollect.extensions import db

    armed = []
    close = Session.close

    def lost_connection(session):
        if armed:
            armed.clear()
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection"))
        return close(session)

    def page():
        db.session.execute(select(1))
        armed.append(True)
        return "built"

    monkeypatch.setattr(Session, "close", lost_connection)
    app.view_functions["main.privacy"] = page
    try:
        result = client.get("/privacy")
    finally:
        from svcollect.web.main import privacy

        app.view_functions["main.privacy"] = privacy
    assert not armed  # the failing close really ran
    assert (result.status_code, result.get_data(as_text=True)) == (200, "built")
    assert client.get("/health").status_code == 200  # and the next request is served


def test_unexpected_error_shows_a_plain_page(app, client):
    app.view_functions["main.privacy"] = lambda: 1 / 0
    try:
        result = client.get("/privacy")
    finally:
        from svcollect.web.main import privacy

        app.view_functions["main.privacy"] = privacy
    assert result.status_code == 500
    html = result.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in html
    assert "ZeroDivisionError" not in html


def test_security_headers_and_strict_csp(client):
    result = client.get("/")
    csp = result.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert result.headers["X-Content-Type-Options"] == "nosniff"
    assert result.headers["X-Frame-Options"] == "DENY"
    assert result.headers["Referrer-Policy"] == "same-origin"


def test_no_page_is_kept_by_a_browser_but_static_files_are(app, client):
    from tests.integration.helpers import Respondent, make_collection

    collection = make_collection("ons4")
    person = Respondent(client, app)
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    page = person.get(person.url("/page/life_satisfaction"))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"  # answers on a shared computer
    assert client.get("/sign-in").headers["Cache-Control"] == "no-store"
    static = client.get("/static/js/app.js")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_pages_have_no_inline_script(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html
    assert '<script type="module" src="/static/js/app.js">' in html


def test_every_public_page_renders(client):
    for url in ("/", "/privacy", "/accessibility", "/methodology", "/sign-in"):
        result = client.get(url)
        assert result.status_code == 200, url
        assert "Sorry, there is a problem" not in result.get_data(as_text=True), url


def test_respondents_get_one_session_cookie_and_nothing_else(app):
    """Anonymous pages are not put through Flask-Login's session protection: the session
    cookie is written once (for the CSRF token), never rewritten, and no remember-me
    cookie deletion without Secure or HttpOnly is sent."""
    from tests.integration.helpers import Respondent, make_collection

    collection = make_collection("ons4")
    person = Respondent(app.test_client(), app)
    first = person.client.get(f"/s/{collection.public_id}")
    assert [c.split("=")[0] for c in first.headers.getlist("Set-Cookie")] == ["session"]
    person.start(f"/s/{collection.public_id}")
    person.new_code()
    for url in (person.url(), person.url("/code"), f"/s/{collection.public_id}", "/privacy"):
        result = person.get(url, follow_redirects=True)
        assert result.status_code == 200, url
        assert result.headers.getlist("Set-Cookie") == [], url


def test_staff_still_see_who_is_signed_in_and_a_changed_fingerprint_signs_them_out(app):
    from tests.integration.helpers import make_organisation, make_user, signed_in

    buyer = make_organisation("Council", "buyer")
    user = make_user("contract_manager", buyer)
    client = signed_in(app, user)
    html = client.get("/privacy").get_data(as_text=True)
    assert f"Signed in as {user.name}" in html
    # Flask-Login's "strong" protection: another browser with the same cookie is refused.
    elsewhere = client.get("/privacy", headers={"User-Agent": "Something else/1.0"})
    assert "Signed in as" not in elsewhere.get_data(as_text=True)
    assert "Signed in as" not in client.get("/privacy").get_data(as_text=True)
