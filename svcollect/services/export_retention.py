"""Evidence pack retention: delete packs older than SVCOLLECT_EXPORT_RETENTION_DAYS, and the
temporary files of builds that never finished.

The job row stays (it is the record that a pack was built, with its SHA-256), marked with
when its file was deleted, so the status page says the pack has expired instead of
offering a link to nothing. Each deletion is an audit event.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import Contract, ExportJob
from svcollect.models._types import utcnow
from svcollect.services import audit
from svcollect.services.exports import export_dir

log = logging.getLogger(__name__)
#: temporary files of a build (scratch folders, half-written zips) untouched for this long
#: belong to a build that stopped; a running build writes to them continually
ABANDONED_AFTER = timedelta(hours=24)
#: what svcollect.services.exports.build_pack and evidence.pack.atomic_pack leave behind
SCRATCH_PATTERNS = (".pack-*", ".evidence-pack-*.partial")
DELETED_MESSAGE = "Deleted after {days} days; build the pack again"


@dataclass
class PruneResult:
    """What a prune deleted: packs (by job id), scratch files, and bytes freed."""

    packs: list[int] = field(default_factory=list)
    scratch: list[str] = field(default_factory=list)
    bytes_freed: int = 0


def retention_days() -> int:
    return int(current_app.config.get("SVCOLLECT_EXPORT_RETENTION_DAYS", 30))


def prune_exports(
    days: int | None = None, *, now: datetime | None = None, folder: Path | None = None
) -> PruneResult:
    """Delete packs finished more than ``days`` ago and abandoned temporary files."""
    days = retention_days() if days is None else days
    if days < 1:
        raise ValueError("Packs must be kept for at least 1 day")
    now = now or utcnow()
    folder = folder or export_dir()
    result = PruneResult()
    old = db.session.scalars(
        select(ExportJob)
        .where(
            ExportJob.status == "done",
            ExportJob.deleted_at.is_(None),
            ExportJob.file_name.is_not(None),
            ExportJob.finished_at < now - timedelta(days=days),
        )
        .order_by(ExportJob.id)
    ).all()
    for job in old:
        path = folder / (job.file_name or "")
        if path.parent != folder or not path.is_file():
            continue  # written elsewhere (svcollect export --out) or already gone
        size = path.stat().st_size
        # The file goes first: if recording fails, the page says the pack is not on the
        # server, which is true; the other way round a pack could outlive its record.
        path.unlink()
        result.packs.append(job.id)
        result.bytes_freed += size
        job.deleted_at = now
        job.message = DELETED_MESSAGE.format(days=days)
        contract = db.session.get(Contract, job.contract_id)
        audit.record(
            "pack_deleted",
            obj=job,
            organisation_id=contract.buyer_id if contract else None,
            contract=contract.reference if contract else None,
            file=job.file_name,
            sha256=job.sha256,
            size=size,
            retention_days=days,
        )
        db.session.commit()
    _prune_scratch(folder, now, result)
    return result


def _prune_scratch(folder: Path, now: datetime, result: PruneResult) -> None:
    if not folder.is_dir():
        return
    cutoff = (now - ABANDONED_AFTER).timestamp()
    for pattern in SCRATCH_PATTERNS:
        for path in sorted(folder.glob(pattern)):
            if path.is_symlink() or _last_written(path) >= cutoff:
                continue
            size = _size(path)
            try:
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except OSError:
                log.warning("could not delete abandoned export file %s", path, exc_info=True)
                continue
            result.scratch.append(path.name)
            result.bytes_freed += size


def _last_written(path: Path) -> float:
    if not path.is_dir():
        return path.stat().st_mtime
    times = [path.stat().st_mtime]
    times.extend(p.stat().st_mtime for p in path.rglob("*") if not p.is_symlink())
    return max(times)


def _size(path: Path) -> int:
    if not path.is_dir():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
