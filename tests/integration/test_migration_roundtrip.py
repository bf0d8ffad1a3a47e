"""The import-jobs migration downgrades cleanly (keeping export jobs and their constraints)
and upgrades again to a schema that matches the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from svcollect import create_app
from svcollect.extensions import db
from svcollect.models import ExportJob
from svcollect.models._types import utcnow
from tests.conftest import POSTGRES_URL, make_config
from tests.integration.helpers import make_contract

BEFORE = "95ded680774a"


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own (the shared one stays at the latest migration)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
        return
    schema = f"svc_roundtrip_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _columns(table: str) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns(table)}


def test_import_jobs_migration_goes_down_and_up_again(empty_database, tmp_path):
    from flask_migrate import downgrade, upgrade

    app = create_app(make_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        contract = make_contract()
        job = ExportJob(contract_id=contract.id, status="running", heartbeat_at=utcnow())
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.remove()

        downgrade(revision=BEFORE)
        assert "import_job" not in inspect(db.engine).get_table_names()
        assert {"heartbeat_at", "deleted_at"}.isdisjoint(_columns("export_job"))
        with db.engine.connect() as connection:
            kept = connection.execute(
                text("SELECT status FROM export_job WHERE id = :id"), {"id": job_id}
            )
            assert kept.scalar() == "running"
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text("UPDATE export_job SET status = 'lost' WHERE id = :id"), {"id": job_id}
            )

        upgrade()
        assert {"heartbeat_at", "deleted_at"} <= _columns("export_job")
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, db.metadata) == []
        db.session.remove()
        db.engine.dispose()
