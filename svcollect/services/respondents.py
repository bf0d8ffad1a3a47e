"""Respondent rows: the one row of each hashed respondent code, found or added.

A response points at its respondent instead of holding the code's hash, so everything that
pairs or de-duplicates people (scoring, valuation, the portfolio) compares integers.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import BindParameter, Insert, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from svcollect.extensions import db
from svcollect.models import Respondent

_CHUNK = 1000


def respondent_ids(code_hashes: Iterable[str]) -> dict[str, int]:
    """The respondent id of each code hash, adding a row for each hash not seen before.

    Runs in the session's transaction. Only the missing hashes are inserted, with ON CONFLICT
    DO NOTHING: two requests giving the same new code at once end with the one row and
    neither fails (PostgreSQL makes the second wait for the first to commit, then reads it).
    """
    wanted = sorted(set(code_hashes))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(_select(chunk))
        missing = [h for h in chunk if h not in found]
        if missing:
            db.session.execute(_insert_ignoring_existing(missing))
            found.update(_select(missing))
    return found


def respondent_id(code_hash: str) -> int:
    return respondent_ids([code_hash])[code_hash]


def _select(hashes: list[str]) -> dict[str, int]:
    # Written into the SQL (hex digests svcollect made): see imports._among on why.
    among: BindParameter[list[str]] = bindparam(
        "hashes", hashes, expanding=True, literal_execute=True
    )
    rows = db.session.execute(
        select(Respondent.code_hash, Respondent.id).where(Respondent.code_hash.in_(among))
    )
    return {code_hash: number for code_hash, number in rows}


def _insert_ignoring_existing(hashes: list[str]) -> Insert:
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return (
        dialect.insert(Respondent)
        .values([{"code_hash": h} for h in hashes])
        .on_conflict_do_nothing(index_elements=["code_hash"])
    )
