"""Answer retention: a contract's raw survey answers are deleted once its retention ends.

DOMAIN.md §5: retention is set per deployment (SVCOLLECT_ANSWER_RETENTION_DAYS, by default
the contract's end date plus 365 days); then the answers are deleted and the aggregates
kept. `delete_answers` does that for one contract, in one transaction:

1. any survey collection still open is closed, so nothing new arrives;
2. the results are computed from the answers and kept as a `ResultSnapshot`, with the
   response counts per collection and UK day (aggregates only);
3. every survey response, its answers and the respondent rows nothing else uses are
   deleted, and so are the contract's evidence packs, which hold the answers;
4. an `AnswerDeletion` row records the policy, the counts and the snapshot, with an audit
   event. From then on every screen and export shows the kept results
   (`results.results_of`), and the contract takes no new collections, imports or
   valuation changes.

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
from sqlalchemy import Select, exists, func, select
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
from svcollect.services.contracts import deletion_for
from svcollect.services.dashboard import submission_days
from svcollect.services.exports import export_dir
from svcollect.services.job_health import expire_stale
from svcollect.services.results import compute_results, snapshot_of
from svcollect.services.withdrawals import DECLARATIONS, Deleted, delete_responses

#: responses deleted per statement, well inside every database's parameter limit
CHUNK = 500
BUSY = ("queued", "running")
PACK_DELETED_MESSAGE = "Deleted with the survey answers at the end of their retention period"


class NotDue(Exception):
    """The contract's answers are still inside their retention period."""


class Busy(Exception):
    """An export or import for the contract is under way; deleting now could miss its rows."""


def retention_days() -> int:
    return int(current_app.config.get("SVCOLLECT_ANSWER_RETENTION_DAYS", 365))


def kept_until(contract: Contract, days: int | None = None) -> date:
    """The last UK day the contract's answers are kept; they are deleted from the next."""
    return contract.ends_on + timedelta(days=retention_days() if days is None else days)


def uk_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(UK).date()


def moment_on(day: date) -> datetime:
    """Now if ``day`` is today in the UK, else midday UK time on ``day`` (to check a policy)."""
    if day == uk_today():
        return utcnow()
    return datetime.combine(day, time(12), tzinfo=UK)


def due(today: date | None = None, days: int | None = None) -> list[Contract]:
    """Contracts past their retention whose answers have not been deleted, oldest first."""
    days = retention_days() if days is None else days
    today = today or uk_today()
    return list(
        db.session.scalars(
            select(Contract)
            .where(
                Contract.ends_on < today - timedelta(days=days),
                ~exists().where(AnswerDeletion.contract_id == Contract.id),
            )
            .order_by(Contract.ends_on, Contract.id)
        )
    )


@dataclass(frozen=True)
class Preview:
    """What deleting a contract's answers would remove (for --dry-run)."""

    responses: int
    answers: int


def _survey_response_ids(contract: Contract) -> Select[int]:
    return (
        select(Response.id)
        .join(Collection, Collection.id == Response.collection_id)
        .where(Collection.contract_id == contract.id, Collection.audience != DECLARATIONS)
    )


def preview(contract: Contract) -> Preview:
    ids = _survey_response_ids(contract)
    responses = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    answers = db.session.scalar(
        select(func.count()).select_from(Answer).where(Answer.response_id.in_(ids))
    )
    return Preview(int(responses or 0), int(answers or 0))


def _refuse_if_busy(contract: Contract, surveys: list[Collection]) -> None:
    """Refuse while a pack or import is under way; one whose process died does not count."""
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
    expire_stale(jobs)  # commits only if it marks one failed, before anything changes here
    if any(job.status in BUSY for job in jobs):
        raise Busy(
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
) -> AnswerDeletion:
    """Keep the contract's results, then delete its survey answers; returns the record.

    A second call, or one racing another, returns the first record and deletes nothing.
    """
    existing = deletion_for(contract.id)
    if existing is not None:
        return existing
    days = retention_days() if days is None else days
    now = now or utcnow()
    last_day = kept_until(contract, days)
    if uk_today(now) <= last_day:
        raise NotDue(f"{contract.reference}: answers are kept until {last_day:%Y-%m-%d}")
    collections = list(
        db.session.scalars(
            select(Collection).filter_by(contract_id=contract.id).order_by(Collection.id)
        )
    )
    surveys = [c for c in collections if c.audience != DECLARATIONS]
    _refuse_if_busy(contract, surveys)
    closed = []
    for collection in surveys:
        if collection.state(now) != "closed":
            collection.closed_early_at = now
            closed.append(collection.id)
    db.session.flush()
    try:
        snapshot = snapshot_of(compute_results(contract))
        kept = _kept_counts(surveys)
        ids = list(db.session.scalars(_survey_response_ids(contract).order_by(Response.id)))
        deleted = Deleted()
        for start in range(0, len(ids), CHUNK):
            deleted += delete_responses(ids[start : start + CHUNK])
        packs = _pack_files(contract)
        db.session.flush()
        record = AnswerDeletion(
            contract_id=contract.id,
            snapshot_id=snapshot.id,
            deleted_at=now,
            contract_ended_on=contract.ends_on,
            retention_days=days,
            responses_deleted=deleted.responses,
            answers_deleted=deleted.answers,
            respondents_deleted=deleted.respondents,
            packs_deleted=len(packs),
            kept_counts_json=json.dumps(kept, sort_keys=True),
        )
        db.session.add(record)
        for job, _path in packs:
            job.deleted_at = now
            job.message = PACK_DELETED_MESSAGE
        db.session.flush()
        # Packs hold the answers. The files go before the commit: if it then fails, the
        # answers are still here and the next run deletes them; a pack can be rebuilt.
        for _job, path in packs:
            path.unlink(missing_ok=True)
        audit.record(
            "answers_deleted_after_retention",
            actor=actor,
            obj=contract,
            organisation_id=contract.buyer_id,
            contract_ended_on=contract.ends_on.isoformat(),
            retention_days=days,
            responses=deleted.responses,
            answers=deleted.answers,
            respondents=deleted.respondents,
            packs=len(packs),
            collections_closed=closed,
            results_snapshot=snapshot.id,
            results_sha256=snapshot.results_sha256,
        )
        db.session.commit()
    except IntegrityError:
        # Another run deleted them first (the record is unique per contract).
        db.session.rollback()
        existing = deletion_for(contract.id)
        if existing is None:
            raise
        return existing
    except BaseException:
        db.session.rollback()
        raise
    return record
