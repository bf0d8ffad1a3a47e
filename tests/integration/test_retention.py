"""Answer retention: past the contract's end plus the retention period, the survey answers
are deleted and the results kept, and everything that showed them shows the kept ones."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from svcollect.cli_retention import delete_expired_command
from svcollect.extensions import db
from svcollect.models import (
    Answer,
    AnswerDeletion,
    AuditEvent,
    Collection,
    Declaration,
    Respondent,
    Response,
    ResultSnapshot,
)
from svcollect.models._types import utcnow
from svcollect.services import retention
from svcollect.services.collections import response_counts
from svcollect.services.dashboard import contract_dashboard, submission_days
from svcollect.services.exports import start_export
from svcollect.services.imports import ImportRefused, import_responses
from svcollect.services.portfolio import portfolio
from svcollect.services.results import KeptResults, compute_results, results_of
from svcollect.services.valuation import ValuationRefused, add_route, record_assumptions
from svcollect.services.withdrawals import NotFound, find
from tests.integration.export_world import export, make_world, pack_of, rows_of, workbook_of
from tests.integration.helpers import make_collection, signed_in

DAYS = 365


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setitem(app.config, "SVCOLLECT_ANSWER_RETENTION_DAYS", DAYS)
    return make_world(app)


def _after_retention(contract, extra: int = 1):
    """A moment on the first UK day the contract's answers are no longer kept (or later)."""
    day = retention.kept_until(contract, DAYS) + timedelta(days=extra)
    return retention.moment_on(day)


def _survey_rows(contract) -> tuple[int, int]:
    ids = (
        select(Response.id)
        .join(Collection, Collection.id == Response.collection_id)
        .where(Collection.contract_id == contract.id, Collection.audience != "supplier")
    )
    responses = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    answers = db.session.scalar(
        select(func.count()).select_from(Answer).where(Answer.response_id.in_(ids))
    )
    return int(responses or 0), int(answers or 0)


def test_answers_are_kept_until_the_end_of_retention_and_not_a_day_less(app, world):
    contract = world["contract"]
    last_day = retention.kept_until(contract, DAYS)
    assert last_day == contract.ends_on + timedelta(days=DAYS)
    assert retention.due(last_day, DAYS) == []
    with pytest.raises(retention.NotDue):
        retention.delete_answers(contract, days=DAYS, now=retention.moment_on(last_day))
    assert _survey_rows(contract)[0] > 0
    assert retention.due(last_day + timedelta(days=1), DAYS) == [contract]


def test_deletion_keeps_the_results_exactly_and_deletes_every_survey_answer(app, world):
    contract = world["contract"]
    before = compute_results(contract)
    responses, answers = _survey_rows(contract)
    declarations = db.session.scalar(select(func.count()).select_from(Declaration))
    counts_before = {
        cid: c.submitted
        for cid, c in response_counts([c.id for c in _collections(contract)]).items()
    }
    days_before = submission_days([c.id for c in _collections(contract)])

    record = retention.delete_answers(contract, days=DAYS, now=_after_retention(contract))

    assert _survey_rows(contract) == (0, 0)
    assert (record.responses_deleted, record.answers_deleted) == (responses, answers)
    # Every survey respondent code went with its responses (none is used elsewhere).
    assert db.session.scalar(select(func.count()).select_from(Respondent)) == 0
    assert record.respondents_deleted > 0
    # Supplier declarations are organisations' records and stay, with their responses.
    assert db.session.scalar(select(func.count()).select_from(Declaration)) == declarations > 0
    kept = results_of(contract)
    assert isinstance(kept, KeptResults)
    assert kept.to_dict() == json.loads(json.dumps(before.to_dict()))
    assert kept.sha256 == before.sha256 == record.snapshot.results_sha256
    # Counts survive as aggregates, so screens still say how many answered, and when.
    db.session.expire_all()
    ids = [c.id for c in _collections(contract)]
    assert {cid: c.submitted for cid, c in response_counts(ids).items()} == counts_before
    assert all(response_counts(ids)[c.id].answers_deleted for c in _surveys(contract))
    assert {k: sorted(v) for k, v in submission_days(ids).items()} == {
        k: sorted(v) for k, v in days_before.items()
    }
    started = db.session.scalar(select(AuditEvent).filter_by(action="answer_deletion_started"))
    detail = json.loads(started.detail)
    assert detail["responses"] == responses and detail["results_sha256"] == before.sha256
    assert detail["retention_days"] == DAYS
    done = db.session.scalar(select(AuditEvent).filter_by(action="answers_deleted_after_retention"))
    assert json.loads(done.detail)["answers"] == answers
    assert record.completed_at is not None


def _collections(contract) -> list[Collection]:
    return list(db.session.scalars(select(Collection).filter_by(contract_id=contract.id)))


def _surveys(contract) -> list[Collection]:
    return [c for c in _collections(contract) if c.audience != "supplier"]


def test_a_second_run_deletes_nothing_and_keeps_the_first_record(app, world):
    contract = world["contract"]
    first = retention.delete_answers(contract, days=DAYS, now=_after_retention(contract))
    snapshots = db.session.scalar(select(func.count()).select_from(ResultSnapshot))
    again = retention.delete_answers(contract, days=DAYS, now=_after_retention(contract, 30))
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(ResultSnapshot)) == snapshots
    assert db.session.scalar(select(func.count()).select_from(AnswerDeletion)) == 1
    assert retention.due(retention.uk_today(_after_retention(contract, 30)), DAYS) == []


def test_a_deletion_that_stops_part_way_shows_kept_results_and_the_next_run_finishes_it(
    app, world, monkeypatch, tmp_path
):
    contract = world["contract"]
    before = compute_results(contract)
    responses, answers = _survey_rows(contract)
    real = retention.delete_responses
    calls = []

    def fails_second_time(ids):
        calls.append(len(ids))
        if len(calls) == 2:
            raise RuntimeError("the process was stopped")
        return real(ids)

    monkeypatch.setattr(retention, "delete_responses", fails_second_time)
    with pytest.raises(RuntimeError):
        retention.delete_answers(contract, days=DAYS, now=_after_retention(contract), batch=5)
    db.session.expire_all()
    record = retention.deletion_for(contract.id)
    assert record is not None and record.completed_at is None
    assert record.responses_deleted == 5 and _survey_rows(contract)[0] == responses - 5
    kept = results_of(contract)
    assert isinstance(kept, KeptResults) and kept.sha256 == before.sha256
    # Counts are the kept ones, not kept plus the rows still waiting to be deleted.
    ids = [c.id for c in _surveys(contract)]
    assert sum(c.submitted for c in response_counts(ids).values()) == responses
    assert sum(len(d) for d in submission_days(ids).values()) == responses
    # A pack built now holds none of the answers still waiting to be deleted.
    wb = workbook_of(pack_of(app, export(contract, world["manager"])), tmp_path)
    cover = rows_of(wb["Cover"])
    assert dict((r[0], r[1]) for r in cover if r[0])["Responses exported"] == 0
    assert "are being deleted" in " ".join(str(c) for row in cover for c in row if c)
    # The next run carries on, even if the policy has changed meanwhile.
    monkeypatch.setattr(retention, "delete_responses", real)
    assert retention.due(retention.uk_today(), DAYS + 10_000) == [contract]
    finished = retention.delete_answers(contract, days=DAYS, batch=5)
    assert finished.id == record.id and finished.completed_at is not None
    assert (finished.responses_deleted, finished.answers_deleted) == (responses, answers)
    assert _survey_rows(contract) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(Respondent)) == 0
    assert db.session.scalar(select(func.count()).select_from(ResultSnapshot)) == 1


def test_a_collection_still_open_is_closed_first(app, world):
    contract = world["contract"]
    late = make_collection("ons4", contract=contract, wave="annual", closes_in_days=5000)
    moment = _after_retention(contract)
    assert late.state(moment) == "open"
    retention.delete_answers(contract, days=DAYS, now=moment)
    db.session.refresh(late)
    assert late.state(moment) == "closed"


def test_nothing_is_deleted_while_a_pack_is_being_built(app, world):
    contract = world["contract"]
    job = start_export(world["manager"], contract)
    assert job.status == "queued"
    with pytest.raises(retention.Busy):
        retention.delete_answers(contract, days=DAYS, now=_after_retention(contract))
    assert _survey_rows(contract)[0] > 0
    assert db.session.scalar(select(func.count()).select_from(AnswerDeletion)) == 0


def test_a_pack_whose_process_stopped_long_ago_does_not_hold_deletion_up(app, world):
    contract = world["contract"]
    job = start_export(world["manager"], contract)
    job.status, job.started_at = "running", utcnow() - timedelta(hours=3)
    db.session.commit()
    record = retention.delete_answers(contract, days=DAYS, now=_after_retention(contract))
    assert record.responses_deleted > 0
    db.session.refresh(job)
    assert job.status == "failed"


def test_packs_holding_the_answers_are_deleted_and_a_new_pack_shows_the_kept_results(
    app, world, tmp_path
):
    contract = world["contract"]
    old = export(contract, world["manager"])
    old_pack = pack_of(app, old)
    assert old_pack.is_file()
    before = compute_results(contract)
    record = retention.delete_answers(contract, days=DAYS, now=_after_retention(contract))
    assert record.packs_deleted == 1 and not old_pack.exists()
    db.session.refresh(old)
    assert old.deleted_at is not None and "retention" in old.message

    new = export(contract, world["manager"])
    wb = workbook_of(pack_of(app, new), tmp_path)
    cover = dict((r[0], r[1]) for r in rows_of(wb["Cover"]) if r[0])
    assert cover["Results fingerprint (SHA-256)"] == before.sha256
    assert cover["Responses exported"] == 0
    text = " ".join(str(c) for row in rows_of(wb["Cover"]) for c in row if c)
    assert "survey answers were deleted" in text and before.sha256 in text
    [wellby] = [r for r in rows_of(wb["Summary"]) if r[0] == "wellby"]
    [valuation] = before.to_dict()["valuations"]
    assert wellby[8] == pytest.approx(valuation["total"]["central"]["value"])


def test_the_kept_contract_takes_no_new_answers_collections_or_valuation_changes(app, world):
    contract, manager = world["contract"], world["manager"]
    [survey, *_] = _surveys(contract)
    retention.delete_answers(contract, days=DAYS, now=_after_retention(contract))
    with pytest.raises(ImportRefused, match="retention"):
        import_responses(survey, "late.csv", b"respondent_code\n", manager)
    with pytest.raises(Exception, match="retention"):
        make_collection("ons4", contract=contract)
    with pytest.raises(ValuationRefused, match="retention"):
        record_assumptions(manager, contract, {"duration_years": 1}, {}, read_version=0)
    with pytest.raises(ValuationRefused, match="retention"):
        add_route(manager, contract, "wellby")
    with pytest.raises(NotFound, match="retention period"):
        find(contract, "SV-AAAAAAAA")


def test_screens_show_the_kept_results_and_say_the_answers_were_deleted(app, world):
    contract = world["contract"]
    before = compute_results(contract)
    retention.delete_answers(contract, days=DAYS, now=_after_retention(contract))
    client = signed_in(app, world["manager"])
    for url in (
        f"/manage/contracts/{contract.id}/results",
        f"/manage/contracts/{contract.id}/dashboard",
    ):
        page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, url
        assert 'id="answers-deleted"' in html and "retention period" in html, url
    results = client.get(f"/manage/contracts/{contract.id}/results").get_data(as_text=True)
    assert before.sha256 in results
    page = client.get(f"/manage/contracts/{contract.id}").get_data(as_text=True)
    assert "Deleted on" in page and "Open a collection" not in page
    [survey, *_] = _surveys(contract)
    page = client.get(f"/manage/collections/{survey.id}").get_data(as_text=True)
    assert 'id="answers-deleted"' in page
    board = contract_dashboard(contract)
    assert board.deletion is not None


def test_a_contract_page_says_how_long_answers_are_kept(app, world):
    contract = world["contract"]
    client = signed_in(app, world["manager"])
    page = client.get(f"/manage/contracts/{contract.id}").get_data(as_text=True)
    last = retention.kept_until(contract, DAYS)
    assert f"Kept until {last.day} {last:%B %Y}" in page


def test_the_portfolio_adds_a_kept_contracts_totals(app, world):
    manager = world["manager"]
    before = portfolio(manager).total.totals
    retention.delete_answers(world["contract"], days=DAYS, now=_after_retention(world["contract"]))
    after = portfolio(manager).total.totals
    assert set(after) == set(before)
    for grade, levels in before.items():
        for level, stat in levels.items():
            assert after[grade][level].value == pytest.approx(stat.value)
            assert after[grade][level].n == stat.n


def test_the_command_lists_on_a_dry_run_then_deletes_once(app, world):
    contract = world["contract"]
    runner = app.test_cli_runner()
    day = retention.kept_until(contract, DAYS) + timedelta(days=1)
    responses, answers = _survey_rows(contract)
    dry = runner.invoke(delete_expired_command, ["--dry-run", "--today", f"{day:%Y-%m-%d}"])
    assert dry.exit_code == 0, dry.output
    assert f"would delete {responses:,} responses and {answers:,} answers" in dry.output
    assert _survey_rows(contract) == (responses, answers)
    early = runner.invoke(
        delete_expired_command, ["--today", f"{day - timedelta(days=1):%Y-%m-%d}"]
    )
    assert early.exit_code == 0 and "No contract" in early.output
    run = runner.invoke(delete_expired_command, ["--today", f"{day:%Y-%m-%d}"])
    assert run.exit_code == 0, run.output
    assert f"{contract.reference}" in run.output and "results kept" in run.output
    assert _survey_rows(contract) == (0, 0)
    again = runner.invoke(delete_expired_command, ["--today", f"{day:%Y-%m-%d}"])
    assert again.exit_code == 0 and "No contract" in again.output


def test_the_command_fails_when_a_contract_is_busy(app, world):
    contract = world["contract"]
    start_export(world["manager"], contract)
    day = retention.kept_until(contract, DAYS) + timedelta(days=1)
    run = app.test_cli_runner().invoke(delete_expired_command, ["--today", f"{day:%Y-%m-%d}"])
    assert run.exit_code == 1 and "Skipped" in run.output
    assert _survey_rows(contract)[0] > 0


def test_retention_days_come_from_the_deployment(app, world, monkeypatch):
    contract = world["contract"]
    monkeypatch.setitem(app.config, "SVCOLLECT_ANSWER_RETENTION_DAYS", 30)
    assert retention.kept_until(contract) == contract.ends_on + timedelta(days=30)
    assert retention.due(contract.ends_on + timedelta(days=31)) == [contract]
    assert retention.due(contract.ends_on + timedelta(days=30)) == []
    monkeypatch.delitem(app.config, "SVCOLLECT_ANSWER_RETENTION_DAYS")
    assert retention.retention_days() == 365


def test_score_prints_the_kept_results_and_stores_no_new_snapshot(app, world):
    from svcollect.cli import score_command

    contract = world["contract"]
    before = compute_results(contract)
    retention.delete_answers(contract, days=DAYS, now=_after_retention(contract))
    snapshots = db.session.scalar(select(func.count()).select_from(ResultSnapshot))
    run = app.test_cli_runner().invoke(score_command, [contract.reference, "--json"])
    assert run.exit_code == 0, run.output
    assert "answers were deleted" in run.stderr
    assert json.loads(run.stdout)["sha256"] == before.sha256
    assert db.session.scalar(select(func.count()).select_from(ResultSnapshot)) == snapshots


def test_deleting_responses_deletes_the_files_they_uploaded_unless_another_record_uses_them(
    app, world
):
    """A survey a deployment writes may ask for a file: it goes with the response."""
    from svcollect.models import EvidenceFile
    from svcollect.services.withdrawals import delete_responses

    folder = Path(app.config["SVCOLLECT_UPLOAD_DIR"])
    [survey, *_] = _surveys(world["contract"])
    response_id = db.session.scalar(select(Response.id).filter_by(collection_id=survey.id))
    own = folder / "0123456789abcdef0123456789abcdef.bin"
    own.write_bytes(b"%PDF-1.4 a respondent's upload")
    shared = world["files"][0]  # a supplier's file, recorded on this response as well
    for name in (own.name, shared.stored_name):
        db.session.add(
            EvidenceFile(
                response_id=response_id,
                question_id="upload",
                sha256="0" * 64,
                stored_name=name,
                original_name="upload.pdf",
                file_type="pdf",
                size_bytes=1,
            )
        )
    db.session.commit()
    deleted = delete_responses([response_id])
    db.session.commit()
    assert (deleted.responses, deleted.files) == (1, 1)
    assert not own.exists() and (folder / shared.stored_name).is_file()
    left = db.session.scalar(
        select(func.count()).select_from(EvidenceFile).filter_by(response_id=response_id)
    )
    assert left == 0
