"""Engine-level settings: SQLite runs in WAL mode with enforced foreign keys.

The busy timeout is passed as the driver's `timeout` connect argument (see config.py).
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from sqlalchemy import ColumnElement, bindparam, event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
_registered = False


def configure_engine_events() -> None:
    global _registered
    if _registered:
        return
    event.listen(Engine, "connect", _on_connect)
    _registered = True


def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def end_sessions_safely(app: Any) -> None:
    """Close each request's session without letting a lost database turn the answer into
    a 500. Flask-SQLAlchemy's own teardown rolls back and closes the session after the
    response is built; when PostgreSQL has just gone away that rollback raises, and the
    person who already has a clear 503 page (svcollect/web/errors.py) would get a bare
    server error instead. Registered after db.init_app, so it runs first (teardowns run
    in reverse order) and leaves Flask-SQLAlchemy an empty session to close."""
    from sqlalchemy.exc import SQLAlchemyError

    from svcollect.extensions import db

    @app.teardown_appcontext
    def _end_session(error: BaseException | None) -> None:
        try:
            db.session.remove()
        except SQLAlchemyError as problem:
            # The connection was invalidated with the error: the pool drops it and the
            # next request gets a new one (or a 503 while the database is still down).
            log.warning("closing the database session failed: %s", type(problem).__name__)
            db.session.registry.clear()


def among_literals(column: Any, values: list[str]) -> ColumnElement[bool]:
    """``column IN (values)`` with the values written into the SQL.

    As bound parameters, psycopg prepares a repeated query after five runs and PostgreSQL
    then plans it without seeing the values, comparing each row with every one of them:
    2 s a chunk at 100,000 rows. Only for values svcollect made (hashes, references).
    """
    result: ColumnElement[bool] = column.in_(
        bindparam("values", values, expanding=True, literal_execute=True)
    )
    return result
