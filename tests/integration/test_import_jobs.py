"""Spreadsheet imports as background jobs: queued, running, done or failed; who may see them;
jobs whose process stopped."""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from svcollect.extensions import db
from svcollect.jobs import IMPORT_QUEUE_DOWN, enqueue_import
from svcollect.models import Answer, AuditEvent, ImportBatch, Response
from svcollect.models._types import utcnow
from svcollect.models.jobs import ImportJob
from svcollect.services import import_jobs
from svcollect.services import imports as imports_svc
from svcollect.services.job_health import IMPORT_STOPPED, expire_stale
from tests.integration.helpers import (
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    signed_in,
    watched,
)
from tests.integration.test_imports import _upload, _wemwbs_rows, _with_blueprint
from tests.unit.imports.conftest import csv_bytes, xlsx_bytes


@pytest.fixture
def web(app, database_url, tmp_path):
    other = _with_blueprint(database_url, tmp_path)
    with other.app_context():
        yield other
        db.session.remove()


@pytest.fixture
def wemwbs(web):
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    collection = make_collection("wemwbs", contract=contract)
    return {"collection": collection, "client": signed_in(web, manager), "manager": manager}


def _count(model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def _saved(job: ImportJob) -> Path:
    assert job.stored_name is not None
    return import_jobs.upload_folder() / job.stored_name


def _page(client, job_id):
    response = client.get(f"/manage/imports/{job_id}")
    db.session.expire_all()
    return response


def test_a_job_goes_from_queued_to_running_to_done(wemwbs, monkeypatch):
    client, collection, manager = wemwbs["client"], wemwbs["collection"], wemwbs["manager"]
    data = xlsx_bytes(_wemwbs_rows(12))
    job = import_jobs.start_import(manager, collection, "returns.xlsx", data)
    saved = _saved(job)
    assert saved.read_bytes() == data and saved.parent.name == "imports"
    assert (job.status, job.progress, job.message) == ("queued", 0, "Waiting to start")

    queued = _page(client, job.id)
    assert queued.status_code == 200 and watched(queued)
    html = queued.get_data(as_text=True)
    assert "Waiting to start" in html and "returns.xlsx" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script (CSP)"

    seen: dict[str, object] = {}
    check = imports_svc.check_upload

    def watching(*args, **kwargs):  # what the status page would read while the file is checked
        with db.engine.connect() as connection:
            row = connection.execute(
                select(ImportJob.status, ImportJob.progress, ImportJob.heartbeat_at).where(
                    ImportJob.id == job.id
                )
            ).one()
        seen.update(status=row.status, progress=row.progress, heartbeat=row.heartbeat_at)
        return check(*args, **kwargs)

    monkeypatch.setattr(imports_svc, "check_upload", watching)
    finished = import_jobs.run_import(job.id)
    assert seen["status"] == "running" and seen["progress"] == 5 and seen["heartbeat"]
    assert finished is not None and (finished.status, finished.progress) == ("done", 100)
    assert finished.batch is not None and finished.batch.rows_imported == 12
    assert finished.batch.imported_by_id == manager.id
    assert finished.finished_at is not None and finished.stored_name is None
    assert not saved.exists(), "the upload holds people's answers: it goes once imported"
    assert _count(Response) == 12

    done = _page(client, job.id)
    assert not watched(done)
    html = done.get_data(as_text=True)
    assert "12 paper returns imported" in html and "0 already imported" in html
    actions = db.session.scalars(
        select(AuditEvent.action).order_by(AuditEvent.id).where(AuditEvent.action.like("resp%"))
    ).all()
    assert actions == ["responses_import_started", "responses_imported"]
    started = db.session.scalar(select(AuditEvent).filter_by(action="responses_import_started"))
    assert started.actor_id == manager.id and started.object_type == "import_job"
    assert started.organisation_id == collection.contract.buyer_id
    # Running a finished job again (a retried queue message) changes nothing.
    assert import_jobs.run_import(job.id).status == "done"
    assert _count(Response) == 12 and _count(ImportBatch) == 1


def test_a_file_with_problems_fails_with_the_problems_by_row_and_column(wemwbs):
    client, collection = wemwbs["client"], wemwbs["collection"]
    rows = _wemwbs_rows(20)
    rows[5][4] = 9
    rows[12][2] = "sometimes"
    result = _upload(client, collection, csv_bytes(rows), "returns.csv")
    assert result.status_code == 303
    job = db.session.scalar(select(ImportJob))
    assert result.headers["Location"].endswith(f"/manage/imports/{job.id}")
    assert (job.status, job.problem_count, job.batch_id) == ("failed", 2, None)
    kept = json.loads(job.problems)
    assert [problem[:2] for problem in kept] == [[6, "wemwbs_03"], [13, "wemwbs_01"]]
    assert all("is not an allowed answer" in problem[2] for problem in kept)
    page = _page(client, job.id)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and not watched(page)
    assert "govuk-error-summary" in html and "nothing was imported" in html
    assert "Row 6, column wemwbs_03" in html and "Problems found: 2" in html
    assert "Upload a corrected file" in html
    assert _count(Response) == 0 and _count(ImportBatch) == 0
    failed = db.session.scalar(select(AuditEvent).filter_by(action="responses_import_failed"))
    assert json.loads(failed.detail)["problem_count"] == 2
    assert "sometimes" not in failed.detail  # cell contents stay out of the audit log


def test_uploading_the_same_file_again_through_the_job_adds_nothing_twice(wemwbs):
    client, collection = wemwbs["client"], wemwbs["collection"]
    data = xlsx_bytes(_wemwbs_rows(5))
    first = client.get(_upload(client, collection, data).headers["Location"])
    assert "5 paper returns imported" in first.get_data(as_text=True)
    again = client.get(_upload(client, collection, data).headers["Location"])
    html = again.get_data(as_text=True)
    assert "0 paper returns imported" in html and "5 already imported" in html
    db.session.expire_all()
    assert _count(Response) == 5 and _count(Answer) == 5 * 14
    assert _count(ImportJob, status="done") == 2 and _count(ImportBatch) == 2
    listing = client.get(f"/manage/collections/{collection.id}/import").get_data(as_text=True)
    assert "Recent imports into this collection" in listing and listing.count("Imported") >= 2


def test_only_managers_of_the_contract_see_an_import(wemwbs, web):
    collection, manager = wemwbs["collection"], wemwbs["manager"]
    job = import_jobs.start_import(manager, collection, "a.csv", csv_bytes(_wemwbs_rows(2)))
    url = f"/manage/imports/{job.id}"
    assert wemwbs["client"].get(url).status_code == 200
    elsewhere = make_organisation("Elsewhere", "buyer")
    stranger = signed_in(web, make_user("contract_manager", elsewhere))
    assert stranger.get(url).status_code == 404
    assert stranger.get(f"/manage/imports/{job.id + 1000}").status_code == 404
    supplier = signed_in(web, make_user("supplier_user", collection.contract.buyer))
    assert supplier.get(url).status_code == 404
    admin = signed_in(web, make_user("admin", None))
    assert admin.get(url).status_code == 200


def test_a_job_whose_process_stopped_is_shown_as_failed(wemwbs, web):
    client, collection, manager = wemwbs["client"], wemwbs["collection"], wemwbs["manager"]
    data = csv_bytes(_wemwbs_rows(3))
    stuck = import_jobs.start_import(manager, collection, "stuck.csv", data)
    alive = import_jobs.start_import(manager, collection, "alive.csv", data)
    saved = _saved(stuck)
    now = utcnow()
    stuck.status, stuck.started_at = "running", now - timedelta(minutes=30)
    stuck.heartbeat_at = now - timedelta(minutes=11)
    alive.status, alive.started_at = "running", now - timedelta(minutes=30)
    alive.heartbeat_at = now - timedelta(minutes=2)
    db.session.commit()
    assert web.config["SVCOLLECT_JOB_STALE_MINUTES"] == 10

    page = _page(client, stuck.id)
    html = page.get_data(as_text=True)
    assert not watched(page)
    assert IMPORT_STOPPED in html and "Not imported" in html
    stuck = db.session.get(ImportJob, stuck.id)
    assert (stuck.status, stuck.message) == ("failed", IMPORT_STOPPED)
    assert stuck.finished_at is not None and not saved.exists() and stuck.stored_name is None
    still = _page(client, alive.id)
    assert watched(still)
    assert db.session.get(ImportJob, alive.id).status == "running"
    # A job given up on does not run if its thread or queue message turns up after all.
    assert import_jobs.run_import(stuck.id).status == "failed" and _count(Response) == 0


def test_only_queues_that_outlive_the_process_keep_old_queued_jobs(wemwbs):
    collection, manager = wemwbs["collection"], wemwbs["manager"]
    job = import_jobs.start_import(manager, collection, "a.csv", csv_bytes(_wemwbs_rows(1)))
    job.created_at = utcnow() - timedelta(minutes=45)
    db.session.commit()
    timeout = timedelta(minutes=10)
    assert expire_stale([job], timeout=timeout, queue_keeps=True) == []
    assert job.status == "queued"
    assert expire_stale([job], timeout=timedelta(hours=1), queue_keeps=False) == []
    assert expire_stale([job], timeout=timeout, queue_keeps=False) == [job]
    assert job.status == "failed"


def test_the_list_on_the_upload_page_expires_stale_jobs_too(wemwbs):
    client, collection, manager = wemwbs["client"], wemwbs["collection"], wemwbs["manager"]
    job = import_jobs.start_import(manager, collection, "a.csv", csv_bytes(_wemwbs_rows(1)))
    job.status, job.heartbeat_at = "running", utcnow() - timedelta(hours=2)
    job.started_at = job.heartbeat_at
    db.session.commit()
    page = client.get(f"/manage/collections/{collection.id}/import").get_data(as_text=True)
    assert "Not imported" in page
    db.session.expire_all()
    assert db.session.get(ImportJob, job.id).status == "failed"


def test_an_unexpected_error_fails_the_job_and_stores_nothing(wemwbs, monkeypatch):
    collection, manager = wemwbs["collection"], wemwbs["manager"]
    job = import_jobs.start_import(manager, collection, "a.csv", csv_bytes(_wemwbs_rows(4)))
    saved = _saved(job)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports_svc, "_insert_answers", broken)
    failed = import_jobs.run_import(job.id)
    assert failed.status == "failed"
    assert failed.message == import_jobs.UNEXPECTED.format(id=job.id)
    assert "disk on fire" not in failed.message
    assert not saved.exists()
    assert _count(Response) == 0 and _count(ImportBatch) == 0


def test_an_upload_that_disappeared_fails_with_a_reason(wemwbs):
    collection, manager = wemwbs["collection"], wemwbs["manager"]
    job = import_jobs.start_import(manager, collection, "a.csv", csv_bytes(_wemwbs_rows(1)))
    _saved(job).unlink()
    assert import_jobs.run_import(job.id).message == import_jobs.UPLOAD_MISSING


def test_thread_jobs_import_in_the_background(wemwbs, database_url, tmp_path):
    collection, manager = wemwbs["collection"], wemwbs["manager"]
    threaded = _with_blueprint(
        database_url, tmp_path, SVCOLLECT_JOBS="thread", SVCOLLECT_UPLOAD_DIR=tmp_path / "up"
    )
    with threaded.app_context():
        job = import_jobs.start_import(manager, collection, "a.xlsx", xlsx_bytes(_wemwbs_rows(7)))
        thread = enqueue_import(job.id)
        assert thread is not None
        thread.join(timeout=120)
        db.session.expire_all()
        done = db.session.get(ImportJob, job.id)
        assert done.status == "done", done.message
        assert list((tmp_path / "up" / "imports").iterdir()) == []
        db.session.remove()
        db.engine.dispose()
    assert _count(Response) == 7


def test_an_unreachable_queue_fails_the_import_with_a_reason(wemwbs, database_url, tmp_path):
    collection, manager = wemwbs["collection"], wemwbs["manager"]
    queued = _with_blueprint(
        database_url, tmp_path, REDIS_URL="redis://127.0.0.1:1/0", SVCOLLECT_JOBS="rq"
    )
    with queued.app_context():
        job = import_jobs.start_import(manager, collection, "a.csv", csv_bytes(_wemwbs_rows(1)))
        saved = _saved(job)
        enqueue_import(job.id)
        db.session.expire_all()
        failed = db.session.get(ImportJob, job.id)
        assert (failed.status, failed.message) == ("failed", IMPORT_QUEUE_DOWN)
        assert not saved.exists()
        db.session.remove()
        db.engine.dispose()


def test_the_database_refuses_a_done_job_without_its_batch(wemwbs):
    collection, manager = wemwbs["collection"], wemwbs["manager"]
    job = import_jobs.start_import(manager, collection, "a.csv", csv_bytes(_wemwbs_rows(1)))
    job.status, job.finished_at = "done", utcnow()
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    job = db.session.get(ImportJob, job.id)
    job.status = "failed"  # finished_at left empty
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_supplier_collections_cannot_queue_an_import(web):
    contract = make_contract()
    collection = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    with pytest.raises(imports_svc.ImportRefused):
        import_jobs.start_import(None, collection, "a.csv", b"row_id\nx\n")
    assert _count(ImportJob) == 0
    folder = import_jobs.upload_folder()
    assert not folder.exists() or list(folder.iterdir()) == []


def test_rq_workers_run_imports(wemwbs, database_url, tmp_path, redis_url):
    import redis
    from rq import Queue, SimpleWorker

    url = redis_url
    connection = redis.Redis.from_url(url)
    name = f"svcollect-test-{secrets.token_hex(4)}"
    queued = _with_blueprint(
        database_url, tmp_path, REDIS_URL=url, SVCOLLECT_JOBS="rq", SVCOLLECT_RQ_QUEUE=name
    )
    queue = Queue(name, connection=connection)
    collection, manager = wemwbs["collection"], wemwbs["manager"]
    try:
        with queued.app_context():
            data = csv_bytes(_wemwbs_rows(6))
            job = import_jobs.start_import(manager, collection, "a.csv", data)
            assert enqueue_import(job.id) is None and queue.count == 1
            assert db.session.get(ImportJob, job.id).status == "queued"
            SimpleWorker([queue], connection=connection).work(burst=True)
            db.session.expire_all()
            done = db.session.get(ImportJob, job.id)
            assert done.status == "done", done.message
            assert done.batch.rows_imported == 6
            db.session.remove()
            db.engine.dispose()
    finally:
        queue.delete(delete_jobs=True)
