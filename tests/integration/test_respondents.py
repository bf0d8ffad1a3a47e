"""Respondent rows: one per code hash, found or added, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import Respondent
from svcollect.services import respondents
from svcollect.services.respondents import respondent_id, respondent_ids


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Respondent)) or 0


def test_a_hash_gets_one_row_however_often_it_is_given(app):
    first = respondent_ids(["a" * 64, "b" * 64, "a" * 64])
    db.session.commit()
    again = respondent_ids(["b" * 64, "c" * 64])
    db.session.commit()
    assert first["b" * 64] == again["b" * 64] == respondent_id("b" * 64)
    assert len({*first.values(), *again.values()}) == 3 == _count()


def test_more_hashes_than_one_query_takes(app, monkeypatch):
    monkeypatch.setattr(respondents, "_CHUNK", 7)
    hashes = [f"{i:064x}" for i in range(30)]
    respondent_ids(hashes[:11])
    found = respondent_ids(hashes)
    assert sorted(found) == hashes and len(set(found.values())) == 30 == _count()


def test_a_row_added_by_someone_else_meanwhile_is_used_not_duplicated(app, monkeypatch):
    """Another request commits the same new hash between our look-up and our insert."""
    theirs = respondent_id("d" * 64)
    db.session.commit()
    looked_up = respondents._select
    calls = []

    def not_seen_yet(hashes):
        calls.append(hashes)
        return {} if len(calls) == 1 else looked_up(hashes)

    monkeypatch.setattr(respondents, "_select", not_seen_yet)
    assert respondent_ids(["d" * 64]) == {"d" * 64: theirs}
    db.session.commit()
    assert _count() == 1 and len(calls) == 2


def test_nothing_given_needs_no_query(app, monkeypatch):
    monkeypatch.setattr(respondents, "_select", None)  # would fail if called
    assert respondent_ids([]) == {}
