"""The ceiling: the smallest Flask + Flask-SQLAlchemy app that takes a form POST, inserts one
row, commits and answers 303, run under the same gunicorn settings and database as svcollect.

    gunicorn 'tests.bench.load.ceiling_app:create_app()'   (CEILING_DATABASE_URL must be set)

No templates, sessions, CSRF, rate limiting or security headers: whatever svcollect's submit
costs above this is the price of its own work.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from datetime import UTC, datetime
from typing import Any

from flask import Flask, redirect, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Submission(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "ceiling_submission"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    answer: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@event.listens_for(Engine, "connect")
def _sqlite_wal(dbapi_connection: Any, record: Any) -> None:
    # The same pragmas svcollect sets (svcollect/database.py), so the comparison is fair.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["CEILING_DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = (
        {"connect_args": {"timeout": 5}} if url.startswith("sqlite") else {"pool_pre_ping": True}
    )
    db.init_app(app)

    @app.get("/health")
    def health() -> str:
        return "ok"

    @app.post("/insert")
    def insert() -> Any:
        row = Submission(
            key=secrets.token_urlsafe(24),
            answer=request.form.get("answer", "")[:64],
            created_at=datetime.now(UTC),
        )
        db.session.add(row)
        db.session.commit()
        return redirect(f"/done/{row.id}", code=303)

    return app


def create_tables(url: str) -> None:
    os.environ["CEILING_DATABASE_URL"] = url
    app = create_app()
    with app.app_context():
        db.create_all()  # a throwaway benchmark table, not svcollect's schema
        db.engine.dispose()
