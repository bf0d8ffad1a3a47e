"""Background jobs whose process stopped: heartbeats, and marking jobs nobody works on as failed.

A job (pack export or spreadsheet import) writes ``heartbeat_at`` whenever it writes its
progress, and at least every HEARTBEAT_SECONDS while it runs. In thread mode a job whose
web process stops (a restart, a crash) would otherwise say "running" for ever, so when a
status page or job list is read, :func:`expire_stale` marks as failed every unfinished job
not heard from for SVCOLLECT_JOB_STALE_MINUTES. A job waiting in an RQ queue is kept in
Redis and runs when a worker is free, so only thread and inline jobs expire while queued.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from flask import current_app
from sqlalchemy import CursorResult, and_, or_, update

from svcollect.extensions import db
from svcollect.models._types import utcnow
from svcollect.models.jobs import UNFINISHED, ExportJob, ImportJob

log = logging.getLogger(__name__)
#: while a job reports progress, its heartbeat is written at least this often (seconds)
HEARTBEAT_SECONDS = 30
EXPORT_STOPPED = "The process building this pack stopped before it finished. Build the pack again."
IMPORT_STOPPED = (
    "The process importing this file stopped before it finished, so nothing from it was "
    "imported. Upload the file again."
)
Job = TypeVar("Job", ExportJob, ImportJob)


def stale_timeout() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("SVCOLLECT_JOB_STALE_MINUTES", 10)))


def queue_keeps_jobs() -> bool:
    """Whether queued jobs wait somewhere that outlives the web process (an RQ queue)."""
    from svcollect.jobs import jobs_mode

    return jobs_mode(current_app) == "rq"


def last_heard(job: ExportJob | ImportJob) -> datetime:
    return job.heartbeat_at or job.started_at or job.created_at


def is_stale(
    job: ExportJob | ImportJob, now: datetime, timeout: timedelta, queue_keeps: bool
) -> bool:
    if job.status == "running" or (job.status == "queued" and not queue_keeps):
        return last_heard(job) < now - timeout
    return False


def expire_stale(
    jobs: Sequence[Job],
    *,
    now: datetime | None = None,
    timeout: timedelta | None = None,
    queue_keeps: bool | None = None,
) -> list[Job]:
    """Mark as failed the unfinished jobs among ``jobs`` not heard from within ``timeout``.

    Reading a page normally writes nothing: only jobs that look stale are updated, each
    with a conditional UPDATE, so a job that wrote its heartbeat meanwhile keeps running.
    Returns the jobs marked failed (refreshed).
    """
    now = now or utcnow()
    timeout = timeout if timeout is not None else stale_timeout()
    keeps = queue_keeps_jobs() if queue_keeps is None else queue_keeps
    candidates = [job for job in jobs if is_stale(job, now, timeout, keeps)]
    expired: list[Job] = []
    for job in candidates:
        model = type(job)
        cutoff = now - timeout
        statuses = UNFINISHED if not keeps else ("running",)
        heard_before = or_(
            model.heartbeat_at < cutoff,
            and_(model.heartbeat_at.is_(None), model.started_at < cutoff),
            and_(
                model.heartbeat_at.is_(None),
                model.started_at.is_(None),
                model.created_at < cutoff,
            ),
        )
        message = EXPORT_STOPPED if model is ExportJob else IMPORT_STOPPED
        result = db.session.execute(
            update(model)
            .where(model.id == job.id, model.status.in_(statuses), heard_before)
            .values(status="failed", finished_at=now, message=message)
            .execution_options(synchronize_session=False)
        )
        changed = cast(CursorResult[Any], result).rowcount
        db.session.commit()
        db.session.refresh(job)
        if changed:
            log.warning("%s %s stopped without finishing; marked failed", model.__name__, job.id)
            expired.append(job)
    return expired
