"""Answer retention: a contract's raw survey answers are deleted once its retention ends.

DOMAIN.md §5: retention is set per deployment (SVCOLLECT_ANSWER_RETENTION_DAYS, by default
the contract's end date plus 365 days); then the answers are deleted and the aggregates
kept. `delete_answers` does that for one contract:

1. any survey collection still open is closed (committed first), so nothing new arrives;
2. the results are computed from the answers and kept, in one transaction with the
   `AnswerDeletion` record: a `ResultSnapshot` with its fingerprint and provenance, and
   the response counts per collection and UK day (aggregates only). The contract's
   evidence packs, which hold the answers, are deleted with it. From then on every screen
   and export shows the kept results (`results.results_of`), and the contract takes no
   new collections, imports or valuation changes;
3. every survey response, its answers and the respondent rows nothing else uses are
   deleted, BATCH responses per transaction (a run that stops part way is finished by the
   next), and the record is marked complete, with an audit event for each end.

Supplier declarations and their evidence are organisations' records, not personal
answers, and are kept. The answers are found by contract, never by person, so nothing
here can single anyone out.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from svcollect.extensions import db
from svcollect.models import (
    Answer,
    AnswerDeletion,
    Collection,
    Contract,
    ExportJob,
    ImportJob,
    Response,
    User,
)
from svcollect.models._types import utcnow
from svcollect.services import audit
from svcollect.services.collections import UK
from svcollect.services.contracts import deletion_for, lock_contract
from svcollect.services.dashboard import submission_days
from svcollect.services.exports import export_dir
from svcollect.services.job_health import expire_stale
from svcollect.services.results import compute_results, snapshot_of
from svcollect.services.withdrawals import DECLARATIONS, delete_responses, personal_responses

BUSY = ("queued", "running")
#: survey responses deleted per transaction (with their answers, about 15 times as many rows)
BATCH = 2000
PACK_DELETED_MESSAGE = "Deleted with the survey answers at the end of their retention period"


class NotDue(Exception):
    """The contract's answers are still inside their retention period."""


class Busy(Exception):
    """An export or import for the contract is under way; deleting now could miss its rows."""


def retention_days() -> int:
    return int(current_app.config.get("SVCOLLECT_ANSWER_RETENTION_DAYS", 365))


def kept_until(contract: Contract, days: int | None = None) -> date:
    """The last UK day the contract's answers are kept; they are deleted from the next."""
    try:
        return contract.ends_on + timedelta(days=retention_days() if days is None else days)
    except OverflowError:  # an end date stored before forms refused years past 2200
        return date.max


def uk_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(UK).date()


def moment_on(day: date) -> datetime:
    """Now if ``day`` is today in the UK, else midday UK time on ``day`` (to check a policy)."""
    if day == uk_today():
        return utcnow()
    return datetime.combine(day, time(12), tzinfo=UK)


def due(today: date | None = None, days: int | None = None) -> list[Contract]:
    """Contracts past their retention whose answers are not all deleted, oldest first."""
    days = retention_days() if days is None else days
    today = today or uk_today()
    return list(
        db.session.scalars(
            select(Contract)
            .where(
                or_(
                    and_(
                        Contract.ends_on < today - timedelta(days=days),
                        ~exists().where(AnswerDeletion.contract_id == Contract.id),
                    ),
                    # a deletion that stopped part way is finished whatever the policy now
                    exists().where(
                        AnswerDeletion.contract_id == Contract.id,
                        AnswerDeletion.completed_at.is_(None),
                    ),
                )
            )
            .order_by(Contract.ends_on, Contract.id)
        )
    )


@dataclass(frozen=True)
class Preview:
    """What deleting a contract's answers would remove (for --dry-run)."""

    responses: int
    answers: int


def responses_held(contract: Contract) -> int:
    """How many survey responses the contract still holds."""
    held = personal_responses(contract).subquery()
    return int(db.session.scalar(select(func.count()).select_from(held)) or 0)


def preview(contract: Contract) -> Preview:
    answers = db.session.scalar(
        select(func.count())
        .select_from(Answer)
        .where(Answer.response_id.in_(personal_responses(contract)))
    )
    return Preview(responses_held(contract), int(answers or 0))


def _busy(contract: Contract, surveys: list[Collection], *, expire: bool) -> bool:
    """Whether a pack or import is under way; with ``expire``, one whose process died
    is first marked failed (which commits), so it does not hold deletion up for ever."""
    exports = db.session.scalars(
        select(ExportJob).where(ExportJob.contract_id == contract.id, ExportJob.status.in_(BUSY))
    )
    imports = db.session.scalars(
        select(ImportJob).where(
            ImportJob.collection_id.in_([c.id for c in surveys] or [0]),
            ImportJob.status.in_(BUSY),
        )
    )
    jobs: list[ExportJob | ImportJob] = [*exports, *imports]
    if expire:
        expire_stale(jobs)
    return any(job.status in BUSY for job in jobs)


def _busy_message(contract: Contract) -> str:
    return (
        f"{contract.reference}: an evidence pack or import is being made; "
        "its answers will be deleted on the next run"
    )


def _kept_counts(surveys: list[Collection]) -> dict[str, dict[str, object]]:
    days = submission_days([c.id for c in surveys])
    kept: dict[str, dict[str, object]] = {}
    for collection in surveys:
        by_day = Counter(day.isoformat() for day in days[collection.id])
        kept[str(collection.id)] = {
            "submitted": sum(by_day.values()),
            "days": dict(sorted(by_day.items())),
        }
    return kept


def _pack_files(contract: Contract) -> list[tuple[ExportJob, Path]]:
    folder = export_dir()
    jobs = db.session.scalars(
        select(ExportJob).where(
            ExportJob.contract_id == contract.id,
            ExportJob.deleted_at.is_(None),
            ExportJob.file_name.is_not(None),
        )
    )
    # Packs written elsewhere (`svcollect export --out`) are the operator's to delete.
    return [
        (job, folder / (job.file_name or ""))
        for job in jobs
        if (folder / (job.file_name or "")).parent == folder
    ]


def delete_answers(
    contract: Contract,
    *,
    days: int | None = None,
    now: datetime | None = None,
    actor: User | None = None,
    batch: int = BATCH,
) -> AnswerDeletion:
    """Keep the contract's results, then delete its survey answers; returns the record.

    The results are kept first, in one transaction with the record, so from then on
    every screen shows them. The answers then go ``batch`` responses per transaction, so
    respondents answering other contracts never wait long for SQLite's write lock. A run
    that stops part way leaves the record incomplete and the next run carries on; a run
    after completion, or one racing another, deletes nothing more.
    """
    record = deletion_for(contract.id)
    if record is None:
        record = _keep_results(contract, days, now, actor)
    if record.completed_at is None:
        _delete_in_batches(record, batch)
        _complete(record, actor)
    return record


def _check_due(contract: Contract, days: int, now: datetime) -> None:
    last_day = kept_until(contract, days)
    if uk_today(now) <= last_day:
        raise NotDue(f"{contract.reference}: answers are kept until {last_day:%Y-%m-%d}")


def _keep_results(
    contract: Contract, days: int | None, now: datetime | None, actor: User | None
) -> AnswerDeletion:
    days = retention_days() if days is None else days
    now = now or utcnow()
    _check_due(contract, days, now)
    collections = list(
        db.session.scalars(
            select(Collection).filter_by(contract_id=contract.id).order_by(Collection.id)
        )
    )
    surveys = [c for c in collections if c.audience != DECLARATIONS]
    if _busy(contract, surveys, expire=True):
        raise Busy(_busy_message(contract))
    still_open = [c for c in surveys if c.state(now) != "closed"]
    if still_open:
        # Committed before the results are calculated, so nothing new can arrive after.
        for collection in still_open:
            collection.closed_early_at = now
        db.session.commit()
    # Reads only, before the write transaction: SQLite's write lock is not held for them.
    results = compute_results(contract)
    kept_counts = json.dumps(_kept_counts(surveys), sort_keys=True)
    expected = responses_held(contract)
    try:
        # An end date changed while the results were calculated decides again: the change
        # (services.contracts) takes this lock too, and refuses new dates once the record
        # is there.
        lock_contract(contract)
        _check_due(contract, days, now)
        # A collection opened since they were closed (open_collection takes the lock too)
        # would stay open on a contract that takes no new answers: the next run closes it.
        now_there = db.session.scalars(select(Collection.id).filter_by(contract_id=contract.id))
        if set(now_there) - {c.id for c in collections}:
            raise Busy(
                f"{contract.reference}: a collection was opened while its results were kept; "
                "its answers will be deleted on the next run"
            )
        snapshot = snapshot_of(results)
        packs = _pack_files(contract)
        db.session.flush()
        record = AnswerDeletion(
            contract_id=contract.id,
            snapshot_id=snapshot.id,
            deleted_at=now,
            contract_ended_on=contract.ends_on,
            retention_days=days,
            responses_deleted=0,
            answers_deleted=0,
            respondents_deleted=0,
            packs_deleted=len(packs),
            kept_counts_json=kept_counts,
        )
        db.session.add(record)
        for job, _path in packs:
            job.deleted_at = now
            job.message = PACK_DELETED_MESSAGE
        db.session.flush()
        # An import that began while the results were calculated would make them stale.
        if _busy(contract, surveys, expire=False) or responses_held(contract) != expected:
            db.session.rollback()
            raise Busy(_busy_message(contract))
        # Packs hold the answers. The files go before the commit: if it then fails, the
        # answers are still here and the next run deletes them; a pack can be rebuilt.
        for _job, path in packs:
            path.unlink(missing_ok=True)
        audit.record(
            "answer_deletion_started",
            actor=actor,
            obj=contract,
            organisation_id=contract.buyer_id,
            contract_ended_on=contract.ends_on.isoformat(),
            retention_days=days,
            responses=expected,
            packs=len(packs),
            collections_closed=[c.id for c in still_open],
            results_snapshot=snapshot.id,
            results_sha256=snapshot.results_sha256,
        )
        db.session.commit()
    except IntegrityError:
        # Another run kept them first (the record is unique per contract).
        db.session.rollback()
        existing = deletion_for(contract.id)
        if existing is None:
            raise
        return existing
    except BaseException:
        db.session.rollback()
        raise
    return record


def _delete_in_batches(record: AnswerDeletion, batch: int) -> None:
    ids = personal_responses(record.contract).order_by(Response.id).limit(batch)
    while chunk := list(db.session.scalars(ids)):
        try:
            deleted = delete_responses(chunk)
            record.responses_deleted += deleted.responses
            record.answers_deleted += deleted.answers
            record.respondents_deleted += deleted.respondents
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


def _complete(record: AnswerDeletion, actor: User | None) -> None:
    record.completed_at = utcnow()
    audit.record(
        "answers_deleted_after_retention",
        actor=actor,
        obj=record.contract,
        organisation_id=record.contract.buyer_id,
        responses=record.responses_deleted,
        answers=record.answers_deleted,
        respondents=record.respondents_deleted,
        packs=record.packs_deleted,
        results_snapshot=record.snapshot_id,
    )
    db.session.commit()
