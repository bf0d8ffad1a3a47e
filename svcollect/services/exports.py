"""Evidence pack exports: gather a contract's results and records, write the pack, track the job.

Three layers (DESIGN.md habit 6): this module gathers plain data through the other
services and streams the large tables from the database in chunks; evidence.pack_tables
and pack_valuation lay the sheets out; evidence.workbook and evidence.pack write them.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from svcollect.evidence import pack_responses as responses_tables
from svcollect.evidence import pack_tables as tables
from svcollect.evidence.pack import PackError, PackNames, atomic_pack, sha256_file
from svcollect.evidence.pack_delivery import commitments_sheet, delivery_sheet
from svcollect.evidence.pack_inputs import inputs_sheet
from svcollect.evidence.pack_summary import summary_sheet
from svcollect.evidence.pack_valuation import assumptions_sheet, valuation_sheet
from svcollect.evidence.workbook import EXCEL_MAX_ROWS, StreamedTable, WorkbookBuilder
from svcollect.extensions import db
from svcollect.models import AnswerDeletion, Collection, Contract, Declaration, ExportJob, User
from svcollect.models._types import UK, utcnow
from svcollect.services import audit, export_delivery
from svcollect.services import export_data as gather
from svcollect.services.contracts import contract_for, sees_individual_answers
from svcollect.services.job_health import HEARTBEAT_SECONDS, expire_stale
from svcollect.services.results import results_fingerprint, results_of

log = logging.getLogger(__name__)
Progress = Callable[[int, str], None]
UNEXPECTED = (
    "The evidence pack could not be built because of an unexpected problem (export {id}). "
    "Try again; if it fails again, ask an administrator to check the service logs."
)


# --- jobs --------------------------------------------------------------------------------


def start_export(
    user: User | None,
    contract: Contract,
    period_start: date | None = None,
    period_end: date | None = None,
) -> ExportJob:
    """Record a queued export; svcollect.jobs.enqueue_export runs it."""
    if period_start and period_end and period_end < period_start:
        raise PackError(_("The end of the period must be the same as or after its start"))
    job = ExportJob(
        contract_id=contract.id,
        requested_by_id=user.id if user else None,
        individual_answers=user is None or sees_individual_answers(user, contract),
        period_start=period_start,
        period_end=period_end,
        status="queued",
        progress=0,
        message="Waiting to start",
    )
    db.session.add(job)
    db.session.commit()
    return job


def job_for(user: User, job_id: int) -> ExportJob | None:
    """The export if this user may see its contract and its pack; None (a 404) otherwise."""
    job = db.session.get(ExportJob, job_id)
    contract = contract_for(user, job.contract_id) if job is not None else None
    if job is None or contract is None or not _may_have(user, contract, job):
        return None
    expire_stale([job])
    return job


def _may_have(user: User, contract: Contract, job: ExportJob) -> bool:
    return not job.individual_answers or sees_individual_answers(user, contract)


def jobs_of(contract: Contract, user: User | None = None) -> list[ExportJob]:
    """The contract's exports, newest first (any whose process stopped now say failed);
    with a user, only those whose packs that user may have."""
    jobs = list(
        db.session.scalars(
            select(ExportJob).filter_by(contract_id=contract.id).order_by(ExportJob.id.desc())
        )
    )
    if user is not None:
        jobs = [job for job in jobs if _may_have(user, contract, job)]
    expire_stale(jobs)
    return jobs


def export_dir() -> Path:
    return Path(current_app.config["SVCOLLECT_EXPORT_DIR"])


def pack_path(job: ExportJob) -> Path | None:
    """The finished pack on disk, if it is still there (and not deleted after retention)."""
    if job.status != "done" or not job.file_name or job.deleted_at is not None:
        return None
    path = export_dir() / job.file_name
    return path if path.is_file() else None


def fail_job(job_id: int, message: str) -> None:
    """Record that a job could not run (for example, the queue could not be reached)."""
    job = db.session.get(ExportJob, job_id)
    if job is not None and job.status in ("queued", "running"):
        job.status, job.finished_at, job.message = "failed", utcnow(), message
        db.session.commit()


class _Tracker:
    """Writes progress to the job row (once per percent) with a heartbeat, which is also
    written when the percent has not moved for HEARTBEAT_SECONDS, and to an optional
    callback. Progress comes every 2,000 responses written and every chunk of a file copied
    into the pack; the longest steps without it (calculating the results, saving the
    workbook) take about ten seconds per 100,000 responses, far inside the default
    SVCOLLECT_JOB_STALE_MINUTES of 10."""

    def __init__(self, job_id: int, callback: Progress | None) -> None:
        self.job_id, self.callback, self.last = job_id, callback, -1
        self.beaten = time.monotonic()

    def __call__(self, percent: int, message: str) -> None:
        percent = max(0, min(99, percent))
        advanced = percent > self.last
        if not advanced and time.monotonic() - self.beaten < HEARTBEAT_SECONDS:
            return
        job = db.session.get(ExportJob, self.job_id)
        assert job is not None
        if advanced:
            self.last = percent
            job.progress, job.message = percent, message
        job.heartbeat_at = utcnow()
        db.session.commit()
        self.beaten = time.monotonic()
        if advanced and self.callback:
            self.callback(percent, message)


def run_job(
    job_id: int,
    *,
    on_progress: Progress | None = None,
    out_dir: Path | None = None,
    row_limit: int = EXCEL_MAX_ROWS,
) -> ExportJob | None:
    """Build the pack for a queued job; failures are recorded on the job, not raised."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status != "queued":
        return job  # already run (a retried queue message) or gone
    job.status, job.started_at, job.message = "running", utcnow(), "Starting"
    job.heartbeat_at = job.started_at
    db.session.commit()
    try:
        path = build_pack(job_id, _Tracker(job_id, on_progress), out_dir or export_dir(), row_limit)
    except Exception as error:
        db.session.rollback()
        log.exception("evidence pack export %s failed", job_id)
        job = db.session.get(ExportJob, job_id)
        assert job is not None
        job.status, job.finished_at = "failed", utcnow()
        job.message = str(error) if isinstance(error, PackError) else UNEXPECTED.format(id=job_id)
        db.session.commit()
        return job
    job = db.session.get(ExportJob, job_id)
    assert job is not None
    contract = db.session.get(Contract, job.contract_id)
    assert contract is not None
    job.status, job.progress, job.finished_at = "done", 100, utcnow()
    job.file_name, job.sha256, job.size_bytes = path.name, sha256_file(path), path.stat().st_size
    job.message = "The evidence pack is ready"
    requester = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    audit.record(
        "pack_exported",
        actor=requester,
        obj=job,
        organisation_id=contract.buyer_id,
        contract=contract.reference,
        file=job.file_name,
        sha256=job.sha256,
        size=job.size_bytes,
    )
    db.session.commit()
    return job


def _safe_slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:60] or "contract"


def build_pack(job_id: int, progress: Progress, out_dir: Path, row_limit: int) -> Path:
    """Write the pack for a job under `out_dir` (atomically) and return its path."""
    job = db.session.get(ExportJob, job_id)
    contract = db.session.get(Contract, job.contract_id) if job else None
    if job is None or contract is None:
        raise PackError("That contract no longer exists")
    bounds, started = gather.bounds(job), utcnow()
    requester = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    period = (
        f"{job.period_start or 'the start'} to {job.period_end or 'now'}"
        if job.period_start or job.period_end
        else "the whole contract"
    )
    progress(2, "Calculating the results")
    # The employer's pack, like the employer's screens, leaves out surveys still open.
    results = results_of(contract, employer=not job.individual_answers)
    data = results.to_dict()
    results_sha256 = results_fingerprint(contract, data)
    assumptions = gather.assumptions_dict(contract)
    if any(v["assumptions_sha256"] != assumptions["valuation_sha256"] for v in data["valuations"]):
        raise PackError("The contract's assumptions changed while the pack was built: try again")
    collections = list(
        db.session.scalars(
            select(Collection).filter_by(contract_id=contract.id).order_by(Collection.id)
        )
    )
    surveys = [c for c in collections if c.access != "supplier"]
    suppliers = [c for c in collections if c.access == "supplier"]
    by_version = {c.questionnaire_version_id: c for c in surveys}
    questionnaires = [gather.questionnaire_dict(c) for c in by_version.values()]
    columns = responses_tables.response_columns(questionnaires)
    names = PackNames()
    slug = _safe_slug(contract.reference)
    workbook_name = names.claim(f"evidence-{slug}.xlsx")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".pack-") as scratch:
        folder = Path(scratch)
        builder = WorkbookBuilder()
        widths = {5: 24, 6: 20}
        responses = StreamedTable(
            "Responses", columns.header, folder, builder.styles, widths, row_limit
        )
        # No survey answer goes to the prime supplier (the workforce's employer), nor into a
        # pack once the results are kept, even while the deletion is still under way.
        holds_answers = job.individual_answers and results.deletion is None
        answered = surveys if holds_answers else []
        expected, answers_sha256 = gather.stream_responses(
            responses, answered, columns, bounds, started, progress
        )
        if responses.data_rows != expected:
            raise PackError(
                f"{expected} responses are stored but {responses.data_rows} were written; "
                "nothing was exported. Try again."
            )
        progress(66, "Gathering supplier declarations and the audit log")
        adherence_rows, evidence = gather.adherence_rows(suppliers, names)
        # Organisations' figures, not individual answers: in every pack, the employer's too.
        delivery = export_delivery.delivery_returns(contract, suppliers, adherence_rows)
        as_of = started.astimezone(UK).date()
        commitments = export_delivery.commitment_items(contract, as_of, data["adherence"])
        supplier_ids = [c.id for c in suppliers] or [0]
        declaration_ids = list(
            db.session.scalars(
                select(Declaration.id).where(Declaration.collection_id.in_(supplier_ids))
            )
        )
        audit_table = StreamedTable(
            "Audit extract",
            tables.header(*responses_tables.AUDIT_HEADER),
            folder,
            builder.styles,
            {1: 20, 2: 28, 3: 30, 6: 80},
            row_limit,
        )
        for event in gather.audit_events(contract, declaration_ids, bounds):
            audit_table.append(responses_tables.audit_row(event))
        generated_by = (
            f"{requester.name} ({requester.email})" if requester else "svcollect export command"
        )
        cover = {
            "contract_reference": contract.reference,
            "contract_title": contract.title,
            "buyer": contract.buyer.name,
            "period": period,
            "generated_by": generated_by,
            "generated_at": started,
            "svcollect_version": current_app.config["SVCOLLECT_VERSION"],
            "results_sha256": results_sha256,
            "answers_sha256": answers_sha256,
            "assumptions_sha256": assumptions["sha256"],
            "suppression_min_n": data["provenance"]["suppression_min_n"],
            "responses_exported": responses.data_rows,
            "response_sheets": responses.titles,
            "row_limit": row_limit,
            "notes": _cover_notes(
                bool(job.period_start or job.period_end),
                results.deletion,
                individual_answers=job.individual_answers,
                left_out=data["provenance"].get("open_collections_left_out") or [],
            ),
        }
        labels = {str(c.id): f"{c.id}: {c.label}" for c in collections}
        measures = gather.measure_titles()
        # the collections the results were computed from (open surveys are left out of the
        # employer's), as the results recorded them
        fed = [int(cid) for cid in data["provenance"].get("questionnaires", {})]
        progress(70, "Writing the workbook")
        builder.add(tables.cover_sheet(cover))
        builder.add(summary_sheet(data, labels, measures))
        builder.add(tables.outcomes_sheet(data))
        builder.add(valuation_sheet(data))
        builder.add(assumptions_sheet(assumptions))
        builder.add(inputs_sheet(data, gather.collection_inputs(fed, started), measures))
        # Delivery returns' measures have a sheet of their own (their files are named
        # there too): on this one they would be listed twice, as "standards" never declared.
        returns = {c.id for c in suppliers if export_delivery.is_delivery_return(c)}
        standards = [row for row in adherence_rows if row["collection"] not in returns]
        builder.add(tables.adherence_sheet(data, standards))
        builder.add(delivery_sheet(delivery))
        builder.add(commitments_sheet(commitments, as_of))
        builder.add_streamed(responses)
        builder.add(responses_tables.codebook_sheet(questionnaires))
        builder.add_streamed(audit_table)
        workbook_path = folder / "workbook.xlsx"
        builder.save(workbook_path)
        target = out_dir / f"evidence-pack-{slug}-{started:%Y%m%d-%H%M%S}-{job_id}.zip"
        total = workbook_path.stat().st_size + sum(
            p.stat().st_size for _, p, _ in evidence if p.exists()
        )
        done = 0

        def copied(n: int) -> None:
            nonlocal done
            done += n
            progress(75 + 23 * done // max(total, 1), "Adding the workbook and evidence files")

        with atomic_pack(target) as pack:
            pack.add_file(workbook_name, workbook_path, on_bytes=copied)
            for path, source, sha256 in evidence:
                pack.add_file(path, source, expected_sha256=sha256, on_bytes=copied)
            pack.finish(
                {
                    "contract": {"reference": contract.reference, "title": contract.title},
                    "period": period,
                    "generated_at": started.isoformat(),
                    "generated_by": generated_by,
                    "svcollect_version": cover["svcollect_version"],
                    "results_sha256": results_sha256,
                    "answers_sha256": answers_sha256,
                    "assumptions_sha256": assumptions["sha256"],
                    "responses_exported": responses.data_rows,
                    "individual_answers": holds_answers,
                    "workbook": workbook_name,
                }
            )
    return target


def _cover_notes(
    has_period: bool,
    deletion: AnswerDeletion | None = None,
    *,
    individual_answers: bool = True,
    left_out: list[int] | None = None,
) -> list[str]:
    notes = _deletion_notes(deletion) if deletion is not None else []
    if not individual_answers:
        notes.append(
            "Individual answers are left out, so Responses is empty: this pack was exported "
            "at the prime supplier, which employs the contract's workforce, and answers are "
            "never shown to an employer one by one. Every figure is included. Only the buying "
            "organisation's contract managers receive packs with the answers."
        )
    if left_out:
        ids = ", ".join(str(i) for i in left_out)
        notes.append(
            f"Survey collections still taking answers ({ids}) are left out of the figures, as "
            "they are on the employer's screens: figures that change as each person answers "
            "could let someone work out a colleague's answers. They are included once the "
            "collections close."
        )
    notes.append(
        "Figures on Summary, Outcomes and Valuation are svcollect's results for the contract, "
        "exactly as on screen; figures based on too few people are written as 'suppressed'."
    )
    notes.append(
        "Each Valuation row names its valuation route, collections and value table version; "
        "Inputs lists every collection that fed the results (with the responses counted), "
        "every route and every value table version used."
    )
    notes.append(
        "Delivery returns lists each supplier's newest submitted delivery return, figure by "
        "figure, with its evidence review, note and evidence files (by their path in this "
        "pack), and the totals that the counted-outcome valuations and the dashboard use. "
        "Commitments lists each commitment made at bid with what has been delivered and "
        "evidenced so far, as on the dashboard. Both are organisations' figures, not "
        "people's: they are in every pack and cover every return, whatever the pack's period."
    )
    if individual_answers:
        notes.append(
            "Responses holds survey answers under respondent codes (keyed hashes) only: no "
            "names, emails or accounts are stored with answers. Supplier declarations are on "
            "Supplier adherence. Handle this workbook as special category (health) data."
        )
    notes += [
        "The answers fingerprint is SHA-256 over every exported answer in order (see the "
        "README); the results fingerprint is SHA-256 of the results as svcollect computed them.",
    ]
    if has_period:
        notes.append(
            "The period limits Responses (by submission date) and the Audit extract; the "
            "results figures cover every collection on the contract."
        )
    return notes


def _deletion_notes(deletion: AnswerDeletion) -> list[str]:
    """What an auditor must know about a pack built after the answers were deleted."""
    snapshot = deletion.snapshot
    when = (
        f"were deleted on {deletion.deleted_at:%Y-%m-%d}"
        if deletion.completed_at is not None
        else f"are being deleted (since {deletion.deleted_at:%Y-%m-%d})"
    )
    return [
        f"The survey answers {when}, {deletion.retention_days} days after the contract "
        f"ended on {deletion.contract_ended_on:%Y-%m-%d} (the retention period), so "
        "Responses holds none.",
        f"Summary, Outcomes, Valuation and Supplier adherence are the results kept in their "
        f"place, computed from the answers at {snapshot.computed_at:%Y-%m-%d %H:%M} UTC just "
        f"before the deletion (results snapshot {snapshot.id}, fingerprint "
        f"{snapshot.results_sha256}); they cannot be recomputed.",
        "Delivery returns and Commitments are read from the suppliers' declarations, which "
        "are kept: a review made after that time shows there but not in the kept valuations.",
    ]
