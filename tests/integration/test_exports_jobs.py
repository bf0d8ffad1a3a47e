"""Evidence packs on the web and in the background: start, watch, download, who may see."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from svcollect.evidence.pack import verify_pack
from svcollect.extensions import db
from svcollect.jobs import QUEUE_DOWN, enqueue_export
from svcollect.models import AuditEvent, Contract, ExportJob
from svcollect.services.exports import start_export
from tests.conftest import IsolatedClient, make_config
from tests.integration.export_world import make_world
from tests.integration.helpers import make_organisation, make_user, post_form, signed_in, watched


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    return make_world(app)


@pytest.fixture
def web_app(app, database_url, tmp_path) -> Any:
    from svcollect import create_app
    from svcollect.web.exports import bp

    fresh = create_app(
        make_config(
            database_url,
            tmp_path,
            SVCOLLECT_UPLOAD_DIR=app.config["SVCOLLECT_UPLOAD_DIR"],
            SVCOLLECT_JOBS="inline",
        )
    )
    if "exports" not in fresh.blueprints:  # until create_app registers it
        fresh.register_blueprint(bp)
    fresh.test_client_class = IsolatedClient
    yield fresh
    with fresh.app_context():
        db.engine.dispose()


def test_managers_start_watch_and_download_only_their_own_packs(web_app, world):
    contract = world["contract"]
    own = signed_in(web_app, world["manager"])
    started = post_form(
        own,
        f"/manage/contracts/{contract.id}/exports",
        {},
        page=f"/manage/contracts/{contract.id}/exports",
    )
    assert started.status_code == 303
    status_url = started.headers["Location"]
    page = own.get(status_url)
    assert page.status_code == 200 and "Download the evidence pack" in page.get_data(as_text=True)
    assert not watched(page)  # only while the pack is being built
    download = own.get(f"{status_url}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert verify_pack(_save(download.data, web_app)) == []
    other_org = make_organisation("Another Council", "buyer")
    stranger = signed_in(web_app, make_user("contract_manager", other_org))
    assert stranger.get(status_url).status_code == 404
    assert stranger.get(f"{status_url}/download").status_code == 404
    assert stranger.post(f"/manage/contracts/{contract.id}/exports").status_code in (400, 404)
    supplier = signed_in(web_app, make_user("supplier_user", other_org))
    assert supplier.get(status_url).status_code == 404
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).filter_by(action="pack_downloaded")
        )
        == 1
    )


def _save(data: bytes, app: Flask) -> Path:
    path = Path(app.config["SVCOLLECT_EXPORT_DIR"]) / "downloaded.zip"
    path.write_bytes(data)
    return path


def test_a_running_export_page_refreshes_itself(web_app, world):
    with web_app.app_context():
        job = start_export(None, db.session.get(Contract, world["contract"].id))
        job_id = job.id
    client = signed_in(web_app, world["manager"])
    page = client.get(f"/manage/exports/{job_id}")
    assert page.status_code == 200 and watched(page)
    assert "Waiting to start" in page.get_data(as_text=True)


def test_thread_jobs_run_in_the_background(app, database_url, tmp_path, world):
    from svcollect import create_app

    fresh = create_app(
        make_config(
            database_url,
            tmp_path,
            SVCOLLECT_JOBS="thread",
            SVCOLLECT_UPLOAD_DIR=app.config["SVCOLLECT_UPLOAD_DIR"],
        )
    )
    with fresh.app_context():
        job = start_export(None, db.session.get(Contract, world["contract"].id))
        thread = enqueue_export(job.id)
        assert thread is not None
        thread.join(timeout=120)
        db.session.expire_all()
        done = db.session.get(ExportJob, job.id)
        assert done.status == "done", done.message
        assert verify_pack(Path(fresh.config["SVCOLLECT_EXPORT_DIR"]) / done.file_name) == []
        db.engine.dispose()


def test_rq_jobs_run_in_a_worker(app, database_url, tmp_path, world, redis_url):
    import redis
    from rq import Queue, SimpleWorker

    from svcollect import create_app

    url = redis_url
    connection = redis.Redis.from_url(url)
    name = f"svcollect-test-{secrets.token_hex(4)}"
    fresh = create_app(
        make_config(
            database_url,
            tmp_path,
            REDIS_URL=url,
            SVCOLLECT_JOBS="rq",
            SVCOLLECT_RQ_QUEUE=name,
            SVCOLLECT_UPLOAD_DIR=app.config["SVCOLLECT_UPLOAD_DIR"],
        )
    )
    queue = Queue(name, connection=connection)
    try:
        with fresh.app_context():
            job = start_export(None, db.session.get(Contract, world["contract"].id))
            assert enqueue_export(job.id) is None
            assert queue.count == 1
            assert db.session.get(ExportJob, job.id).status == "queued"
            SimpleWorker([queue], connection=connection).work(burst=True)
            db.session.expire_all()
            done = db.session.get(ExportJob, job.id)
            assert done.status == "done", done.message
            assert verify_pack(Path(fresh.config["SVCOLLECT_EXPORT_DIR"]) / done.file_name) == []
            db.engine.dispose()
    finally:
        queue.delete(delete_jobs=True)


def test_an_unreachable_queue_fails_the_job_with_a_reason(app, database_url, tmp_path, world):
    from svcollect import create_app

    fresh = create_app(
        make_config(database_url, tmp_path, REDIS_URL="redis://127.0.0.1:1/0", SVCOLLECT_JOBS="rq")
    )
    with fresh.app_context():
        job = start_export(None, db.session.get(Contract, world["contract"].id))
        enqueue_export(job.id)
        db.session.expire_all()
        failed = db.session.get(ExportJob, job.id)
        assert (failed.status, failed.message) == ("failed", QUEUE_DOWN)
        db.engine.dispose()
