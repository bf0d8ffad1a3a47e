"""Spreadsheet imports as background jobs: save the upload, run the import, record the outcome.

The web upload saves the file under the upload folder (``imports/``, a generated name) and
queues an ImportJob; svcollect.jobs runs :func:`run_import`, which checks every row with
``services.imports`` and stores them all or none. The job is marked done in the same
transaction that stores the rows, so "done" always means the rows are there. The saved
file is deleted as soon as the job has read it (it holds people's answers).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from svcollect.evidence.filetypes import sanitise_name
from svcollect.extensions import db
from svcollect.imports import ImportProblem
from svcollect.models import Collection, User
from svcollect.models._types import utcnow
from svcollect.models.jobs import ImportJob
from svcollect.services import audit
from svcollect.services import imports as imports_svc
from svcollect.services.collections import collection_for
from svcollect.services.job_health import expire_stale

log = logging.getLogger(__name__)
#: the folder under SVCOLLECT_UPLOAD_DIR where uploads wait for their job
FOLDER = "imports"
#: problems kept on the job for the status page; all of them are counted
KEPT_PROBLEMS = 500
#: longest problem message kept (messages quote at most 40 characters of a cell)
MESSAGE_LIMIT = 500
UNEXPECTED = (
    "The file could not be imported because of an unexpected problem (import {id}), so "
    "nothing from it was imported. Try again; if it fails again, ask an administrator to "
    "check the service logs."
)
UPLOAD_MISSING = (
    "The uploaded file is no longer on the server, so nothing was imported. Upload it again."
)
HAS_PROBLEMS = "The file has problems, so nothing was imported"


def upload_folder() -> Path:
    return Path(current_app.config["SVCOLLECT_UPLOAD_DIR"]) / FOLDER


def start_import(
    user: User | None, collection: Collection, file_name: str, data: bytes
) -> ImportJob:
    """Save the upload and record a queued import; svcollect.jobs.enqueue_import runs it.

    The caller has already applied the upload size limit.
    """
    reason = imports_svc.refusal(collection)
    if reason is not None:
        raise imports_svc.ImportRefused(reason)
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = f"{secrets.token_hex(16)}.upload"
    path = folder / stored_name
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o600)
    try:
        job = ImportJob(
            collection_id=collection.id,
            requested_by_id=user.id if user is not None else None,
            status="queued",
            progress=0,
            message="Waiting to start",
            file_name=sanitise_name(file_name, 200),
            stored_name=stored_name,
            sha256=hashlib.sha256(data).hexdigest(),
            size_bytes=len(data),
            problem_count=0,
            blank_rows=0,
        )
        db.session.add(job)
        db.session.flush()
        audit.record(
            "responses_import_started",
            actor=user,
            obj=job,
            organisation_id=collection.contract.buyer_id,
            collection_id=collection.id,
            sha256=job.sha256,
            size=job.size_bytes,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise
    return job


def job_for(user: User, job_id: int) -> ImportJob | None:
    """The import if this user may manage its collection; None (a 404) otherwise."""
    job = db.session.get(ImportJob, job_id)
    if job is None or collection_for(user, job.collection_id) is None:
        return None
    _expire([job])
    return job


def jobs_of(collection: Collection, limit: int = 10) -> list[ImportJob]:
    """The collection's latest imports, newest first (any whose process stopped now say failed)."""
    jobs = list(
        db.session.scalars(
            select(ImportJob)
            .filter_by(collection_id=collection.id)
            .order_by(ImportJob.id.desc())
            .limit(limit)
        )
    )
    _expire(jobs)
    return jobs


def _expire(jobs: Sequence[ImportJob]) -> None:
    for job in expire_stale(jobs):
        discard_upload(job)


def problems_of(job: ImportJob) -> list[ImportProblem]:
    """The problems kept on the job, in the order they were found."""
    if not job.problems:
        return []
    return [
        ImportProblem(row, column, message) for row, column, message in json.loads(job.problems)
    ]


def discard_upload(job: ImportJob) -> None:
    """Delete the saved upload (the job has read it, or never will) and forget its name."""
    if job.stored_name is None:
        return
    (upload_folder() / job.stored_name).unlink(missing_ok=True)
    job.stored_name = None
    db.session.commit()


def fail_import(job_id: int, message: str) -> None:
    """Record that an import could not run (for example, the queue could not be reached)."""
    job = db.session.get(ImportJob, job_id)
    if job is not None and job.status in ("queued", "running"):
        job.status, job.finished_at, job.message = "failed", utcnow(), message
        db.session.commit()
        discard_upload(job)


def _progress(job: ImportJob, percent: int, message: str) -> None:
    job.progress, job.message, job.heartbeat_at = percent, message, utcnow()
    db.session.commit()


def run_import(job_id: int) -> ImportJob | None:
    """Check and import a queued job's file; the outcome is recorded on the job, not raised."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status != "queued":
        return job  # already run (a retried queue message), given up on, or gone
    job.status, job.started_at = "running", utcnow()
    _progress(job, 5, "Reading and checking the file")
    try:
        _import(job)
    except Exception:
        db.session.rollback()
        log.exception("spreadsheet import %s failed", job_id)
        job = db.session.get(ImportJob, job_id)
        assert job is not None
        _failed(job, UNEXPECTED.format(id=job_id))
    job = db.session.get(ImportJob, job_id)
    assert job is not None
    discard_upload(job)
    return job


def _import(job: ImportJob) -> None:
    collection = db.session.get(Collection, job.collection_id)
    if collection is None:
        _failed(job, "That collection no longer exists, so nothing was imported")
        return
    reason = imports_svc.refusal(collection)
    if reason is not None:
        _failed(job, reason)
        return
    path = upload_folder() / job.stored_name if job.stored_name else None
    if path is None or not path.is_file():
        _failed(job, UPLOAD_MISSING)
        return
    check = imports_svc.check_upload(collection, job.file_name, path.read_bytes())
    if check.rows is None:
        _failed(job, HAS_PROBLEMS, check.problems, check.problem_count)
        return
    count = len(check.rows.row_ids)
    _progress(job, 60, f"Saving {count:,} rows" if count != 1 else "Saving 1 row")
    actor = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    outcome = imports_svc.store_rows(
        collection, check.rows, job.file_name, job.sha256, actor, job=job
    )
    if not outcome.ok:
        _failed(job, HAS_PROBLEMS, outcome.problems, outcome.problem_count)


def _failed(
    job: ImportJob,
    message: str,
    problems: Sequence[ImportProblem] = (),
    problem_count: int = 0,
) -> None:
    job.status, job.finished_at, job.message = "failed", utcnow(), message
    job.problem_count = problem_count
    kept = [[p.row, p.column, p.message[:MESSAGE_LIMIT]] for p in list(problems)[:KEPT_PROBLEMS]]
    job.problems = json.dumps(kept, ensure_ascii=False) if kept else None
    collection = db.session.get(Collection, job.collection_id)
    requester = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    audit.record(
        "responses_import_failed",
        actor=requester,
        obj=job,
        organisation_id=collection.contract.buyer_id if collection else None,
        collection_id=job.collection_id,
        sha256=job.sha256,
        problem_count=problem_count,
    )
    db.session.commit()
