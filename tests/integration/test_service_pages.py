"""Health check, error pages and security headers."""

from __future__ import annotations

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


def test_pages_have_no_inline_script(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html
    assert '<script type="module" src="/static/js/app.js">' in html


def test_every_public_page_renders(client):
    for url in ("/", "/privacy", "/accessibility", "/methodology", "/sign-in"):
        result = client.get(url)
        assert result.status_code == 200, url
        assert "Sorry, there is a problem" not in result.get_data(as_text=True), url
