"""Evidence pack upkeep: retention (`svcollect exports prune`), heartbeats, and jobs whose
process stopped."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from svcollect import create_app
from svcollect.cli_exports import exports_group
from svcollect.extensions import db
from svcollect.models import AuditEvent, Contract, ExportJob
from svcollect.models._types import utcnow
from svcollect.services import exports as exports_svc
from svcollect.services.export_retention import prune_exports
from svcollect.services.job_health import EXPORT_STOPPED
from tests.conftest import IsolatedClient, make_config
from tests.integration.helpers import (
    make_contract,
    make_organisation,
    make_user,
    signed_in,
    watched,
)

DAY = timedelta(days=1)


def _app(database_url: str, tmp_path: Path, **extra: Any) -> Any:
    fresh = create_app(make_config(database_url, tmp_path, **{"SVCOLLECT_JOBS": "inline", **extra}))
    fresh.test_client_class = IsolatedClient
    return fresh


@pytest.fixture
def web_app(app, database_url, tmp_path):
    fresh = _app(database_url, tmp_path)
    with fresh.app_context():
        yield fresh
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def council(web_app) -> dict[str, Any]:
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    return {"contract": contract, "manager": manager, "client": signed_in(web_app, manager)}


def _built(contract: Contract, age: timedelta) -> ExportJob:
    job = exports_svc.start_export(None, contract)
    finished = exports_svc.run_job(job.id)
    assert finished is not None and finished.status == "done", finished and finished.message
    finished.finished_at = utcnow() - age
    db.session.commit()
    return finished


def _pretend_built(
    contract: Contract, name: str, age: timedelta, data: bytes = b"zip"
) -> ExportJob:
    job = ExportJob(
        contract_id=contract.id,
        status="done",
        progress=100,
        message="The evidence pack is ready",
        file_name=name,
        sha256="0" * 64,
        size_bytes=len(data),
        created_at=utcnow() - age,
        finished_at=utcnow() - age,
    )
    db.session.add(job)
    db.session.commit()
    if data:
        exports_svc.export_dir().mkdir(parents=True, exist_ok=True)
        (exports_svc.export_dir() / name).write_bytes(data)
    return job


def _aged(path: Path, age: timedelta) -> Path:
    when = (utcnow() - age).timestamp()
    for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.utime(item, (when, when))
    return path


def test_prune_deletes_only_packs_past_retention_and_says_they_expired(web_app, council):
    contract, client = council["contract"], council["client"]
    old = _built(contract, 31 * DAY)
    old_path = exports_svc.export_dir() / old.file_name
    assert old_path.is_file() and old.heartbeat_at is not None
    recent = _pretend_built(contract, "evidence-pack-recent.zip", 29 * DAY)
    missing = _pretend_built(contract, "evidence-pack-elsewhere.zip", 90 * DAY, data=b"")
    folder = exports_svc.export_dir()
    scratch = folder / ".pack-abandoned"
    (scratch / "sheet").mkdir(parents=True)
    (scratch / "sheet" / "rows.xml").write_bytes(b"x" * 100)
    _aged(scratch, 2 * DAY)
    building = folder / ".pack-building"
    building.mkdir()
    (building / "rows.xml").write_bytes(b"y")
    partial = folder / ".evidence-pack-x.zip.0a1b2c3d.partial"
    partial.write_bytes(b"half")
    _aged(partial, 2 * DAY)
    notes = folder / "notes.txt"  # not svcollect's: left alone however old
    notes.write_text("x")
    _aged(notes, 400 * DAY)

    result = prune_exports()
    assert result.packs == [old.id]
    assert sorted(result.scratch) == [".evidence-pack-x.zip.0a1b2c3d.partial", ".pack-abandoned"]
    assert not old_path.exists() and not scratch.exists() and not partial.exists()
    assert (folder / recent.file_name).is_file() and building.is_dir() and notes.is_file()
    db.session.expire_all()
    old = db.session.get(ExportJob, old.id)
    assert old.deleted_at is not None and old.status == "done"
    assert old.message == "Deleted after 30 days; build the pack again"
    assert db.session.get(ExportJob, recent.id).deleted_at is None
    assert db.session.get(ExportJob, missing.id).deleted_at is None
    event = db.session.scalar(select(AuditEvent).filter_by(action="pack_deleted"))
    assert (event.object_id, event.organisation_id) == (old.id, contract.buyer_id)
    detail = json.loads(event.detail)
    assert detail["retention_days"] == 30 and detail["file"] == old.file_name

    page = client.get(f"/manage/exports/{old.id}").get_data(as_text=True)
    assert "This pack has expired" in page and "Expired" in page
    assert "Download the evidence pack" not in page and "Build the pack again" in page
    assert client.get(f"/manage/exports/{old.id}/download").status_code == 404
    fresh_page = client.get(f"/manage/exports/{recent.id}").get_data(as_text=True)
    assert "Download the evidence pack" in fresh_page and "expired" not in fresh_page
    # The contract's list of packs says the same: expired, not "Ready".
    listing = client.get(f"/manage/contracts/{contract.id}/exports").get_data(as_text=True)
    assert listing.count("Expired") == 1 and listing.count(">Ready<") == 2  # recent, missing

    again = prune_exports()
    assert (again.packs, again.scratch) == ([], [])
    assert len(db.session.scalars(select(AuditEvent).filter_by(action="pack_deleted")).all()) == 1


def test_prune_command_uses_the_setting_or_days_given(app, database_url, tmp_path):
    fresh = _app(database_url, tmp_path, SVCOLLECT_EXPORT_RETENTION_DAYS=60)
    with fresh.app_context():
        contract = make_contract()
        kept = _pretend_built(contract, "evidence-pack-a.zip", 45 * DAY)
        runner = fresh.test_cli_runner()
        default = runner.invoke(exports_group, ["prune"])
        assert default.exit_code == 0, default.output
        assert "Deleted 0 evidence pack(s) finished more than 60 days ago" in default.output
        shorter = runner.invoke(exports_group, ["prune", "--days", "40"])
        assert shorter.exit_code == 0, shorter.output
        assert "Deleted 1 evidence pack(s) finished more than 40 days ago" in shorter.output
        assert "3 bytes freed" in shorter.output
        db.session.expire_all()
        assert db.session.get(ExportJob, kept.id).message == (
            "Deleted after 40 days; build the pack again"
        )
        assert runner.invoke(exports_group, ["prune", "--days", "0"]).exit_code == 2
        db.session.remove()
        db.engine.dispose()


def _running(contract: Contract, heard: timedelta) -> ExportJob:
    job = exports_svc.start_export(None, contract)
    job.status, job.started_at = "running", utcnow() - heard - timedelta(minutes=5)
    job.heartbeat_at = utcnow() - heard
    db.session.commit()
    return job


def test_an_export_whose_process_stopped_is_shown_as_failed(web_app, council):
    contract, client = council["contract"], council["client"]
    stuck = _running(contract, timedelta(minutes=11))
    alive = _running(contract, timedelta(minutes=1))
    page = client.get(f"/manage/exports/{stuck.id}")
    assert not watched(page)
    html = page.get_data(as_text=True)
    assert EXPORT_STOPPED in html and "Build the pack again" in html
    still = client.get(f"/manage/exports/{alive.id}")
    assert watched(still)
    db.session.expire_all()
    assert db.session.get(ExportJob, stuck.id).status == "failed"
    assert db.session.get(ExportJob, alive.id).status == "running"
    # The list of a contract's packs marks them too, without opening each one.
    listed = _running(contract, timedelta(minutes=30))
    client.get(f"/manage/contracts/{contract.id}/exports")
    db.session.expire_all()
    assert db.session.get(ExportJob, listed.id).message == EXPORT_STOPPED
    assert db.session.get(ExportJob, alive.id).status == "running"
    stranger = signed_in(web_app, make_user("contract_manager", make_organisation("X", "buyer")))
    assert stranger.get(f"/manage/exports/{stuck.id}").status_code == 404


def test_a_queued_export_expires_unless_a_queue_keeps_it(app, database_url, tmp_path):
    rq_app = _app(database_url, tmp_path, SVCOLLECT_JOBS="rq", REDIS_URL="redis://127.0.0.1:1/0")
    with rq_app.app_context():
        contract = make_contract()
        manager = make_user("contract_manager", contract.buyer)
        job = exports_svc.start_export(manager, contract)
        job.created_at = utcnow() - timedelta(hours=3)
        db.session.commit()
        assert exports_svc.job_for(manager, job.id).status == "queued"
        db.session.remove()
        db.engine.dispose()
    thread_app = _app(database_url, tmp_path, SVCOLLECT_JOBS="thread")
    with thread_app.app_context():
        seen = exports_svc.job_for(manager, job.id)
        assert (seen.status, seen.message) == ("failed", EXPORT_STOPPED)
        db.session.remove()
        db.engine.dispose()


def test_progress_writes_a_heartbeat_and_keeps_writing_it_while_stuck_on_a_step(
    web_app, council, monkeypatch
):
    job = _running(council["contract"], timedelta(minutes=3))
    before = job.heartbeat_at
    tracker = exports_svc._Tracker(job.id, None)
    tracker(5, "Writing the responses")
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert (job.progress, job.message) == (5, "Writing the responses")
    assert job.heartbeat_at > before
    job.heartbeat_at = before
    db.session.commit()
    tracker(5, "Writing the responses")  # same percent, soon after: nothing written
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).heartbeat_at == before
    monkeypatch.setattr(exports_svc, "HEARTBEAT_SECONDS", 0)
    tracker(4, "Going backwards")  # the percent never goes back, but the process is alive
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert job.heartbeat_at > before
    assert (job.progress, job.message) == (5, "Writing the responses")
