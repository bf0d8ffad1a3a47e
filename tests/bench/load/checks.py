"""What the database holds against what the clients were told (kill and outage tests)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from resilient import Ledger


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def check_database(app: Any, ledger: Ledger) -> dict[str, Any]:
    from sqlalchemy import func, select

    from svcollect.extensions import db
    from svcollect.models import Answer, Response

    with app.app_context():
        rows = {
            r.resume_key_hash: r
            for r in db.session.execute(
                select(
                    Response.id,
                    Response.resume_key_hash,
                    Response.status,
                    Response.reference,
                    Response.submitted_at,
                    Response.idempotency_key,
                )
            )
        }
        lost, wrong_reference = [], []
        for key, shown in ledger.submitted.items():
            row = rows.get(sha256_hex(key))
            if row is None or row.status != "submitted" or row.submitted_at is None:
                lost.append(key)
            elif shown not in ("", "?") and row.reference != shown:
                wrong_reference.append((key, shown, row.reference))
        answers = {
            (r.response_id, r.question_id): r.value_text
            for r in db.session.execute(
                select(Answer.response_id, Answer.question_id, Answer.value_text)
            )
        }
        saved_lost = []
        for key, question_id, value in ledger.saved:
            row = rows.get(sha256_hex(key))
            if row is None or answers.get((row.id, question_id)) != value:
                saved_lost.append((key, question_id, value))
        duplicate_answers = db.session.execute(
            select(Answer.response_id, Answer.question_id, func.count())
            .group_by(Answer.response_id, Answer.question_id)
            .having(func.count() > 1)
        ).all()
        per_idempotency = Counter(r.idempotency_key for r in rows.values())
        used = {sha256_hex(k) for k in ledger.idempotency_keys}
        duplicate_responses = [k for k, n in per_idempotency.items() if n > 1]
        strays = [k for k in per_idempotency if k not in used]
        submitted_in_db = sum(1 for r in rows.values() if r.status == "submitted")
        db.session.remove()
        db.engine.dispose()
    return {
        "responses_in_db": len(rows),
        "submitted_in_db": submitted_in_db,
        "acknowledged_submits": len(ledger.submitted),
        "acknowledged_but_lost": lost,
        "confirmation_reference_differs": wrong_reference,
        "acknowledged_page_saves": len(ledger.saved),
        "saved_answers_lost": saved_lost,
        "duplicate_answer_rows": [tuple(r) for r in duplicate_answers],
        "duplicate_responses_for_one_consent": duplicate_responses,
        "responses_from_no_client_consent": strays,
    }


def sqlite_integrity(path: Path) -> tuple[str, list[Any]]:
    connection = sqlite3.connect(path)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        foreign_keys = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    return integrity, foreign_keys


def postgres_integrity(url: str) -> tuple[int, list[str]]:
    """amcheck over every B-tree index of the run's schema, heap included: each index
    agrees with its table and every table row is in each of its indexes. Returns the
    number of indexes checked and the problems (an exception per broken index)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    problems: list[str] = []
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        with engine.connect() as connection:
            indexes = connection.execute(
                text(
                    "SELECT c.oid, c.relname FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                    "WHERE a.amname = 'btree' AND c.relnamespace = current_schema()::regnamespace"
                )
            ).all()
            for oid, name in indexes:
                try:
                    connection.execute(text("SELECT bt_index_check(:oid, true)"), {"oid": oid})
                except Exception as error:  # every broken index is reported, not just the first
                    problems.append(f"{name}: {error}")
                    connection.rollback()
    finally:
        engine.dispose()
    return len(indexes), problems


def outcome_counts(ledger: Ledger, start: float, end: float) -> Counter[str]:
    return Counter(a.outcome for a in ledger.attempts if start <= a.at < end)


def report_line(name: str, ok: bool, detail: str) -> str:
    return f"  [{'PASS' if ok else 'FAIL'}] {name}: {detail}"
