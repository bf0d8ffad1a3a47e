"""Fixtures: an app per database backend, its schema built by running the migrations.

Integration tests run on SQLite and on the real PostgreSQL at 127.0.0.1:5432 (database
`test`, a schema per test session). With CI=true an unreachable PostgreSQL fails the run.
"""

from __future__ import annotations

import contextvars
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "SVCOLLECT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _postgres_problem() -> str | None:
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        return str(error).splitlines()[0]
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'svcollect.sqlite3'}"
        return
    problem = _postgres_problem()
    if problem is not None:
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable: {problem}"
        if IN_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests are required)", pytrace=False)
        pytest.skip(message)
    schema = f"svc_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def make_config(database_url: str, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "ENVIRON": {},
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-production-use",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SVCOLLECT_QUESTIONNAIRE_DIR": ROOT / "questionnaires",
        "SVCOLLECT_UPLOAD_DIR": tmp_path / "uploads",
        "SVCOLLECT_EXPORT_DIR": tmp_path / "exports",
        "RATELIMIT_ENABLED": False,
    }
    config.update(extra)
    return config


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production, even though the test holds
    an app context open for its own database checks (otherwise `g` and the session leak
    between requests)."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def migrated_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app per backend, schema built by `flask db upgrade` (never create_all)."""
    from flask_migrate import upgrade

    from svcollect import create_app

    app = create_app(make_config(database_url, tmp_path_factory.mktemp("files")))
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    return app


def _empty_tables(app: Flask) -> None:
    from svcollect.extensions import db
    from svcollect.models import append_only

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            # The audit log refuses DELETE by design; lift that for the cleanup only.
            append_only.remove(connection)
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
            append_only.install(connection)


@pytest.fixture
def app(migrated_app: Flask) -> Iterator[Flask]:
    from svcollect.extensions import db
    from svcollect.services.questionnaires import registry, sync_releases

    _empty_tables(migrated_app)
    with migrated_app.app_context():
        sync_releases(registry())
        yield migrated_app
        db.session.remove()
    _empty_tables(migrated_app)


@pytest.fixture
def catalogues_read_afresh(app: Flask) -> Iterator[None]:
    """Flask-Babel keeps the catalogues it has read per language on the one `babel`
    extension every app shares, whatever folder each app reads them from: a test that
    gives an app a catalogue of its own clears them before and after, or the first test's
    Welsh would be every later app's."""
    from svcollect.extensions import babel

    babel.domain_instance.cache.clear()
    yield
    babel.domain_instance.cache.clear()


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgres"


@pytest.fixture
def redis_url() -> str:
    """Redis for the RQ tests (SVCOLLECT_TEST_REDIS_URL, else 127.0.0.1:6379/0): a skip
    when it is unreachable on a developer's machine, a failure in CI."""
    import redis

    url = os.environ.get("SVCOLLECT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Redis at {url} is unreachable: {error}")
        pytest.skip(f"Redis at {url} is unreachable: {error}")
    return url
