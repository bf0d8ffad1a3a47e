"""Gathering an evidence pack's data: plain dicts from the services, large tables in chunks.

Responses and audit events are read CHUNK rows at a time (keyset pagination on the id),
so memory does not grow with the number of responses. The Delivery returns and
Commitments sheets are gathered in export_delivery.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select

from svcollect.evidence.pack import PackNames
from svcollect.evidence.pack_responses import ResponseColumns, pivot_responses
from svcollect.evidence.workbook import StreamedTable
from svcollect.extensions import db
from svcollect.models import (
    AuditEvent,
    Collection,
    Contract,
    ExportJob,
    Respondent,
    Response,
    User,
)
from svcollect.services.collections import uk_midnight
from svcollect.services.declarations import latest_submitted, standard_states
from svcollect.services.outcomes import outcome_map
from svcollect.services.questionnaires import questionnaire_for
from svcollect.services.valuation import current_assumptions, opened_on

Progress = Callable[[int, str], None]
NULL = "\\N"
CHUNK = 2000  # responses (or audit events) read per query
_ANSWERS_SQLITE = (
    "SELECT response_id, question_id, value_text, value_number FROM answer "
    "WHERE response_id BETWEEN ? AND ? ORDER BY response_id, question_id"
)
_ANSWERS_POSTGRES = (
    "SELECT response_id, question_id, value_text, value_number FROM answer "
    'WHERE response_id BETWEEN %s AND %s ORDER BY response_id, question_id COLLATE "C"'
)


def bounds(job: ExportJob) -> tuple[datetime | None, datetime | None]:
    """The period as UTC instants: from the start of its first UK day to the end of its last.

    A period's dates are the buyer's (UK) days, so in summer time a response submitted at
    00:30 on 1 July is in July, though it is still 30 June in UTC.
    """
    start = uk_midnight(job.period_start) if job.period_start else None
    end = uk_midnight(job.period_end + timedelta(days=1)) if job.period_end else None
    return start, end


def questionnaire_dict(collection: Collection) -> dict[str, Any]:
    q = questionnaire_for(collection.questionnaire_version)
    return {
        "id": q.id,
        "version": q.version,
        "content_hash": q.content_hash,
        "questions": [
            {
                "id": item.id,
                "text": item.text,
                "type": item.type,
                "page": item.page_id,
                "scale": item.scale,
                "options": [(o.value, o.label) for o in item.options],
                "min": item.min,
                "max": item.max,
            }
            for item in q.questions()
        ],
    }


def collection_inputs(ids: list[int], now: datetime) -> list[dict[str, Any]]:
    """What the Inputs sheet says about each collection that fed the results (by id order):
    its label, questionnaire version, audience, wave, and the UK days it opened and closed."""
    rows: list[dict[str, Any]] = []
    for cid in sorted(ids):
        collection = db.session.get(Collection, cid)
        if collection is None:
            rows.append({"id": cid, "missing": True})
            continue
        version = collection.questionnaire_version
        rows.append(
            {
                "id": collection.id,
                "label": collection.label,
                "questionnaire": version.questionnaire_id,
                "version": version.version,
                "content_hash": version.content_hash,
                "audience": collection.audience,
                "wave": collection.wave,
                "access": collection.access,
                "opened_on": opened_on(collection),
                "closes_on": collection.closed_on,
                "state": collection.state(now),
                "closed_early": collection.closed_early_at is not None,
            }
        )
    return rows


def measure_titles() -> dict[str, tuple[str, str]]:
    """Measure code, and a survey measure's scorer measure (life_satisfaction, wemwbs), ->
    (measure code, title) from the outcomes file: what the Summary and Inputs sheets name."""
    measures = outcome_map().measures.values()
    titles = {m.code: (m.code, m.title) for m in measures}
    for m in measures:
        if m.score:
            titles.setdefault(m.score, (m.code, m.title))
    return titles


def assumptions_dict(contract: Contract) -> dict[str, Any]:
    a = current_assumptions(contract)
    series = a.valuation.series
    record = a.record
    return {
        "values": a.valuation.to_dict(),
        "labels": {
            name: series.label(getattr(a.valuation, name))
            for name in ("wellby_price_year", "reporting_price_year")
        },
        "thresholds": a.thresholds,
        "record": {"version": record.version, "sha256": record.sha256} if record else None,
        "sha256": a.sha256,
        "valuation_sha256": a.valuation.sha256,
        "deflator": {
            **series.describe(),
            "rows": [(y, v, series.statuses[y]) for y, v in series.values.items()],
        },
    }


def adherence_rows(
    collections: list[Collection], names: PackNames
) -> tuple[list[dict[str, Any]], list[tuple[str, Path, str]]]:
    """Rows of supplier x standard with their files, and (pack path, stored file, sha256)."""
    upload_dir = Path(current_app.config["SVCOLLECT_UPLOAD_DIR"])
    rows: list[dict[str, Any]] = []
    files: list[tuple[str, Path, str]] = []
    for collection in collections:
        declarations = sorted(latest_submitted(collection), key=lambda d: d.supplier.name.lower())
        for declaration in declarations:
            supplier = declaration.supplier
            for state in standard_states(declaration):
                listed = []
                for f in state.files:
                    path = names.claim(
                        "evidence",
                        f"{collection.id} {collection.label}",
                        supplier.name,
                        state.standard.code,
                        f.original_name,
                    )
                    files.append((path, upload_dir / f.stored_name, f.sha256))
                    listed.append(
                        {
                            "id": f.id,
                            "name": f.original_name,
                            "sha256": f.sha256,
                            "size": f.size_bytes,
                            "path": path,
                        }
                    )
                rows.append(
                    {
                        "collection": collection.id,
                        "supplier": supplier.name,
                        "employees": supplier.employee_count,
                        "standard": state.standard.code,
                        "title": state.standard.label,
                        "applies": state.applies,
                        "declared": state.declared,
                        "review": state.review,
                        "comment": state.review_comment,
                        "answer": state.supplier_answer,
                        "files": listed,
                    }
                )
    return rows, files


def stream_responses(
    table: StreamedTable,
    surveys: list[Collection],
    columns: ResponseColumns,
    bounds: tuple[datetime | None, datetime | None],
    cutoff: datetime,
    progress: Progress,
) -> tuple[int, str]:
    """Write every submitted response, CHUNK at a time; (rows expected, answers SHA-256).

    The answers fingerprint is SHA-256 over every exported answer in (response, question)
    order: response id, question id, text and number separated by 0x1F, each answer ended
    by 0x1E, a missing value written as \\N.
    """
    r = Response.__table__.c
    who = Respondent.__table__.c
    where = [
        r.collection_id.in_([c.id for c in surveys] or [0]),
        r.status == "submitted",
        r.submitted_at <= cutoff,
    ]
    if bounds[0] is not None:
        where.append(r.submitted_at >= bounds[0])
    if bounds[1] is not None:
        where.append(r.submitted_at < bounds[1])
    expected = db.session.scalar(select(func.count()).where(*where)) or 0
    info = {
        c.id: (
            c.wave,
            c.questionnaire_version.questionnaire_id,
            f"{c.questionnaire_version.questionnaire_id}/v{c.questionnaire_version.version}",
        )
        for c in surveys
    }
    digest = hashlib.sha256()
    last = 0
    while True:
        chunk = db.session.execute(
            select(r.id, r.collection_id, who.code_hash, r.submitted_at)
            .select_from(
                Response.__table__.outerjoin(Respondent.__table__, r.respondent_id == who.id)
            )
            .where(*where, r.id > last)
            .order_by(r.id)
            .limit(CHUNK)
        ).all()
        if not chunk:
            break
        wanted = {row[0] for row in chunk}
        answers = [x for x in _answers_between(chunk[0][0], chunk[-1][0]) if x[0] in wanted]
        digest.update(
            "".join(
                f"{rid}\x1f{q}\x1f{NULL if t is None else t}\x1f"
                f"{NULL if n is None else repr(n)}\x1e"
                for rid, q, t, n in answers
            ).encode("utf-8")
        )
        for row in pivot_responses(chunk, answers, info, columns):
            table.append(row)
        last = chunk[-1][0]
        progress(10 + 55 * table.data_rows // max(expected, 1), "Writing the responses")
    return expected, digest.hexdigest()


def _answers_between(first: int, last: int) -> list[tuple[int, str, str | None, float | None]]:
    """Answers of responses first..last in (response, question) order, as plain tuples.

    Read through the driver's cursor (in the session's transaction): a SQLAlchemy Row per
    answer costs more than the rest of the export. Question ids are ordered bytewise on
    both backends, so the answers fingerprint does not depend on the database's collation.
    """
    sql = _ANSWERS_POSTGRES if db.engine.dialect.name == "postgresql" else _ANSWERS_SQLITE
    raw: Any = db.session.connection().connection.driver_connection
    cursor = raw.cursor()
    try:
        cursor.execute(sql, (first, last))
        return cursor.fetchall()
    finally:
        cursor.close()


def audit_events(
    contract: Contract, declaration_ids: list[int], bounds: tuple[datetime | None, datetime | None]
) -> Iterator[dict[str, Any]]:
    """The contract's organisation's audit events (and its declarations' and exports')."""
    e = AuditEvent.__table__.c
    jobs = select(ExportJob.id).filter_by(contract_id=contract.id)
    where: list[Any] = [
        or_(
            e.organisation_id == contract.buyer_id,
            and_(e.object_type == "declaration", e.object_id.in_(declaration_ids or [0])),
            and_(e.object_type == "export_job", e.object_id.in_(jobs)),
        )
    ]
    if bounds[0] is not None:
        where.append(e.at >= bounds[0])
    if bounds[1] is not None:
        where.append(e.at < bounds[1])
    names: dict[int, str] = {}
    last = 0
    while True:
        chunk = db.session.execute(
            select(e.id, e.at, e.action, e.actor_id, e.object_type, e.object_id, e.detail)
            .where(*where, e.id > last)
            .order_by(e.id)
            .limit(CHUNK)
        ).all()
        if not chunk:
            return
        wanted = {row.actor_id for row in chunk if row.actor_id and row.actor_id not in names}
        for user in db.session.execute(
            select(User.id, User.name, User.role).where(User.id.in_(wanted))
        ):
            names[user.id] = f"{user.name} ({user.role.replace('_', ' ')})"
        for row in chunk:
            yield {
                "at": row.at,
                "action": row.action,
                "actor": names.get(row.actor_id or 0),
                "object_type": row.object_type,
                "object_id": row.object_id,
                "detail": row.detail,
            }
        last = chunk[-1].id
