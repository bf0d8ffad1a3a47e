"""Respondent rows: the one row of each hashed respondent code, found or added.

A response points at its respondent instead of holding the code's hash, so everything that
pairs or de-duplicates people (scoring, valuation, the portfolio) compares integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import BindParameter, String, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from svcollect.database import among_literals
from svcollect.extensions import db
from svcollect.models import Respondent

_CHUNK = 1000


def respondent_ids(code_hashes: Iterable[str]) -> dict[str, int]:
    """The respondent id of each code hash, adding a row for each hash not seen before.

    Runs in the session's transaction. Only the missing hashes are inserted, with ON CONFLICT
    DO NOTHING: two requests giving the same new code at once end with the one row and
    neither fails (PostgreSQL makes the second wait for the first to commit; the row the
    second did not insert returns nothing, so it is read afterwards).
    """
    wanted = sorted(set(code_hashes))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(_select(chunk))
        missing = [h for h in chunk if h not in found]
        if missing:
            found.update(_insert(missing))
            raced = [h for h in missing if h not in found]  # added by someone else meanwhile
            if raced:
                found.update(_select(raced))
    return found


def respondent_id(code_hash: str) -> int:
    return respondent_ids([code_hash])[code_hash]


def _postgres() -> bool:
    return bool(db.engine.dialect.name == "postgresql")


def _hash_array(hashes: list[str]) -> BindParameter[Any]:
    array: Any = postgresql.ARRAY(String(64))
    return bindparam("hashes", hashes, type_=array)


def _select(hashes: list[str]) -> dict[str, int]:
    table = Respondent.__table__
    if _postgres():  # one array parameter: no statement of a thousand values to build
        where = table.c.code_hash == any_(_hash_array(hashes))
    else:
        where = among_literals(table.c.code_hash, hashes)
    rows = db.session.connection().execute(select(table.c.code_hash, table.c.id).where(where))
    return {code_hash: number for code_hash, number in rows}


def _insert(hashes: list[str]) -> dict[str, int]:
    """Insert the hashes, skipping any that exist by now; the ids of those inserted."""
    table = Respondent.__table__
    returning = (table.c.code_hash, table.c.id)
    connection = db.session.connection()  # not through the ORM: no per-row bookkeeping
    if _postgres():
        unnested = select(func.unnest(_hash_array(hashes)))
        statement = postgresql.insert(table).from_select(["code_hash"], unnested)
        rows = connection.execute(
            statement.on_conflict_do_nothing(index_elements=["code_hash"]).returning(*returning)
        )
    else:
        ignoring = sqlite.insert(table).on_conflict_do_nothing(index_elements=["code_hash"])
        rows = connection.execute(
            ignoring.returning(*returning), [{"code_hash": h} for h in hashes]
        )
    return {code_hash: number for code_hash, number in rows}
