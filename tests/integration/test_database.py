"""The schema comes from the migrations, matches the models, and SQLite runs in WAL mode."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from svcollect.extensions import db
from svcollect.models import Response
from svcollect.models._types import utcnow


def test_autogenerate_finds_no_difference_between_models_and_migrations(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_schema_is_at_the_latest_migration(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    migrate: Migrate = app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    head = ScriptDirectory.from_config(config).get_current_head()
    current = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    assert current == head


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app, backend):
    if backend != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_submitted_implies_submitted_at_is_enforced_by_the_database(app):
    from tests.integration.helpers import make_collection

    collection = make_collection("ons4")
    version = collection.questionnaire_version
    row = Response(
        collection_id=collection.id,
        questionnaire_version_id=version.id,
        questionnaire_id="ons4",
        questionnaire_version=1,
        questionnaire_hash=version.content_hash,
        idempotency_key="k" * 64,
        resume_key_hash="r" * 64,
        reference="SV-TEST0001",
        status="submitted",
        started_at=utcnow(),
        updated_at=utcnow(),
    )
    db.session.add(row)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_sqlite_tables_made_with_autoincrement_are_those_the_models_say(app, backend):
    """A model whose ids must never be handed out twice says so with sqlite_autoincrement;
    SQLite takes it only when the table is made, so a migration must rebuild the table
    (autogenerate compares neither way)."""
    if backend != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's sequences never reuse an id")
    said = {
        table.name
        for table in db.metadata.sorted_tables
        if table.dialect_options["sqlite"]["autoincrement"]
    }
    with db.engine.connect() as connection:
        made = {
            name
            for name, sql in connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            )
            if "AUTOINCREMENT" in sql.upper()
        }
    assert made == said
    assert {"commitment", "response", "evidence_file", "valuation_route"} <= said
