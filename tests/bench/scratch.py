"""A benchmark's scratch database: a SQLite file in its folder, or a PostgreSQL schema of
its own at 127.0.0.1 that is dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def scratch_database(postgres: bool, folder: Path, name: str) -> Iterator[str]:
    """The database URL to fill and measure; `name` makes the schema's name readable."""
    if not postgres:
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    schema = f"{name}_{os.getpid()}"
    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
