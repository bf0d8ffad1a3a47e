"""Running background work (evidence pack exports, spreadsheet imports) off the request path.

SVCOLLECT_JOBS chooses how:
- "thread" (the default without Redis): a thread in the web process. Needs no other
  service; a job whose process stops is shown as failed once nothing has been heard from
  it for SVCOLLECT_JOB_STALE_MINUTES (see svcollect.services.job_health), and must be
  started again.
- "rq" (the default when SVCOLLECT_REDIS_URL is set): an RQ queue in Redis, worked by
  a separate process started with the same environment as the app (it reads uploaded
  spreadsheets and evidence files from SVCOLLECT_UPLOAD_DIR and writes packs to
  SVCOLLECT_EXPORT_DIR, so both must be the same folders as the web process uses):

      SVCOLLECT_DATABASE_URL=... SVCOLLECT_REDIS_URL=redis://127.0.0.1:6379/0 \\
      SVCOLLECT_EXPORT_DIR=... SVCOLLECT_UPLOAD_DIR=... \\
          .venv/bin/rq worker svcollect --url "$SVCOLLECT_REDIS_URL"

  The worker calls svcollect.jobs.run_export or run_import, which build the app from
  that environment.
- "inline": in the request itself (tests, and the export command).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context

log = logging.getLogger(__name__)
MODES = ("thread", "rq", "inline")
QUEUE = "svcollect"
JOB_TIMEOUT = 60 * 60  # seconds an RQ job may run before the worker stops it
QUEUE_DOWN = (
    "The export could not be started because the job queue is not available. Try again "
    "later, or tell your administrator."
)
IMPORT_QUEUE_DOWN = (
    "The import could not be started because the job queue is not available, so nothing "
    "was imported. Upload the file again later, or tell your administrator."
)


Run = Callable[[int], object]
Fail = Callable[[int, str], None]


def _export_functions() -> tuple[Run, Fail]:
    from svcollect.services.exports import fail_job, run_job

    return run_job, fail_job


def _import_functions() -> tuple[Run, Fail]:
    from svcollect.services.import_jobs import fail_import, run_import

    return run_import, fail_import


@dataclass(frozen=True)
class _Kind:
    """One kind of background job: the service functions that run it and that record it
    failed (imported only when a job starts, so importing this module imports no services)."""

    name: str
    functions: Callable[[], tuple[Run, Fail]]
    queue_down: str

    def run(self, job_id: int) -> None:
        self.functions()[0](job_id)

    def fail(self, job_id: int, message: str) -> None:
        self.functions()[1](job_id, message)


EXPORT = _Kind("export", _export_functions, QUEUE_DOWN)
IMPORT = _Kind("import", _import_functions, IMPORT_QUEUE_DOWN)


def jobs_mode(app: Flask) -> str:
    mode = app.config.get("SVCOLLECT_JOBS") or ("rq" if app.config.get("REDIS_URL") else "thread")
    if mode not in MODES:
        raise ValueError(f"SVCOLLECT_JOBS must be one of {', '.join(MODES)}, not {mode!r}")
    return str(mode)


def enqueue_export(job_id: int) -> threading.Thread | None:
    """Start the export job `job_id` the configured way (returns the thread, if one)."""
    return _enqueue(EXPORT, job_id)


def enqueue_import(job_id: int) -> threading.Thread | None:
    """Start the import job `job_id` the configured way (returns the thread, if one)."""
    return _enqueue(IMPORT, job_id)


def _enqueue(kind: _Kind, job_id: int) -> threading.Thread | None:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    mode = jobs_mode(app)
    if mode == "inline":
        kind.run(job_id)
        return None
    if mode == "rq":
        from redis import Redis
        from rq import Queue

        url = app.config.get("REDIS_URL")
        if not url:
            raise ValueError("SVCOLLECT_JOBS is rq but SVCOLLECT_REDIS_URL is not set")
        from redis.exceptions import RedisError

        queue = Queue(app.config.get("SVCOLLECT_RQ_QUEUE", QUEUE), connection=Redis.from_url(url))
        entry = run_export if kind is EXPORT else run_import
        try:
            queue.enqueue(entry, job_id, job_timeout=JOB_TIMEOUT, result_ttl=0)
        except RedisError:
            log.exception("could not queue %s job %s", kind.name, job_id)
            kind.fail(job_id, kind.queue_down)
        return None
    thread = threading.Thread(
        target=_in_thread, args=(app, kind, job_id), name=f"{kind.name}-{job_id}", daemon=True
    )
    thread.start()
    return thread


def _in_thread(app: Flask, kind: _Kind, job_id: int) -> None:
    with app.app_context():
        try:
            kind.run(job_id)
        except Exception:  # the run functions record failures themselves; this is a last resort
            log.exception("%s job %s stopped unexpectedly", kind.name, job_id)


def _in_worker(kind: _Kind, job_id: int) -> None:
    """Run inside the caller's app context, or build the app from the environment (an RQ
    worker process has none)."""
    if has_app_context():
        kind.run(job_id)
        return
    from svcollect import create_app

    app = create_app()
    with app.app_context():
        kind.run(job_id)


def run_export(job_id: int) -> None:
    """RQ entry point for an evidence pack export."""
    _in_worker(EXPORT, job_id)


def run_import(job_id: int) -> None:
    """RQ entry point for a spreadsheet import."""
    _in_worker(IMPORT, job_id)
