"""Engine-level settings: SQLite runs in WAL mode with enforced foreign keys.

The busy timeout is passed as the driver's `timeout` connect argument (see config.py).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

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
