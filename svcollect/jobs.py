"""Running background work (evidence pack exports) off the request path.

SVCOLLECT_JOBS chooses how:
- "thread" (the default without Redis): a thread in the web process. Needs no other
  service; a pack being built when the process stops is left "running" and must be
  started again.
- "rq" (the default when SVCOLLECT_REDIS_URL is set): an RQ queue in Redis, worked by
  a separate process started with the same environment as the app:

      SVCOLLECT_DATABASE_URL=... SVCOLLECT_REDIS_URL=redis://127.0.0.1:6379/0 \\
      SVCOLLECT_EXPORT_DIR=... SVCOLLECT_UPLOAD_DIR=... \\
          .venv/bin/rq worker svcollect --url "$SVCOLLECT_REDIS_URL"

  The worker calls svcollect.jobs.run_export, which builds the app from that environment.
- "inline": in the request itself (tests, and the export command).
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, has_app_context

log = logging.getLogger(__name__)
MODES = ("thread", "rq", "inline")
QUEUE = "svcollect"
JOB_TIMEOUT = 60 * 60  # seconds an RQ export may run before the worker stops it
QUEUE_DOWN = (
    "The export could not be started because the job queue is not available. Try again "
    "later, or tell your administrator."
)


def jobs_mode(app: Flask) -> str:
    mode = app.config.get("SVCOLLECT_JOBS") or ("rq" if app.config.get("REDIS_URL") else "thread")
    if mode not in MODES:
        raise ValueError(f"SVCOLLECT_JOBS must be one of {', '.join(MODES)}, not {mode!r}")
    return str(mode)


def enqueue_export(job_id: int) -> threading.Thread | None:
    """Start the export job `job_id` the configured way (returns the thread, if one)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    mode = jobs_mode(app)
    if mode == "inline":
        _run(job_id)
        return None
    if mode == "rq":
        from redis import Redis
        from rq import Queue

        url = app.config.get("REDIS_URL")
        if not url:
            raise ValueError("SVCOLLECT_JOBS is rq but SVCOLLECT_REDIS_URL is not set")
        from redis.exceptions import RedisError

        queue = Queue(app.config.get("SVCOLLECT_RQ_QUEUE", QUEUE), connection=Redis.from_url(url))
        try:
            queue.enqueue(run_export, job_id, job_timeout=JOB_TIMEOUT, result_ttl=0)
        except RedisError:
            log.exception("could not queue export job %s", job_id)
            from svcollect.services.exports import fail_job

            fail_job(job_id, QUEUE_DOWN)
        return None
    thread = threading.Thread(
        target=_in_thread, args=(app, job_id), name=f"export-{job_id}", daemon=True
    )
    thread.start()
    return thread


def _run(job_id: int) -> None:
    from svcollect.services.exports import run_job

    run_job(job_id)


def _in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            _run(job_id)
        except Exception:  # run_job records failures itself; this is a last resort
            log.exception("export job %s stopped unexpectedly", job_id)


def run_export(job_id: int) -> None:
    """RQ entry point: run inside the caller's app context, or build the app from the
    environment (the worker process has none)."""
    if has_app_context():
        _run(job_id)
        return
    from svcollect import create_app

    app = create_app()
    with app.app_context():
        _run(job_id)
