"""Storing evidence files: checked by content, kept outside static files under generated names."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from svcollect.evidence.filetypes import detect, sanitise_name
from svcollect.extensions import db
from svcollect.models import Answer, EvidenceFile, Response
from svcollect.questionnaires import Question


class UploadRejected(ValueError):
    """The upload was refused; the message is written for the person uploading."""


def _read_limited(upload: FileStorage, limit: int) -> bytes:
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        mb = limit // (1024 * 1024)
        raise UploadRejected(_("The selected file must be smaller than %(mb)d MB", mb=mb))
    return data


def store_upload(response: Response, question: Question, upload: FileStorage) -> EvidenceFile:
    """Check and store one uploaded file; the same content twice returns the earlier record."""
    limit = current_app.config["SVCOLLECT_MAX_UPLOAD_BYTES"]
    data = _read_limited(upload, limit)
    name = sanitise_name(upload.filename or "")
    allowed = tuple(question.accept) if question.accept else None
    verdict = detect(data, name, allowed) if allowed else detect(data, name)
    if verdict.problem or verdict.file_type is None:
        raise UploadRejected(verdict.problem or _("The selected file cannot be used"))
    digest = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(
        select(EvidenceFile).filter_by(
            response_id=response.id, question_id=question.id, sha256=digest
        )
    )
    if existing is not None:
        return existing
    stored_name = f"{secrets.token_hex(16)}.bin"
    folder = Path(current_app.config["SVCOLLECT_UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / stored_name
    with open(target, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    record = EvidenceFile(
        response_id=response.id,
        question_id=question.id,
        sha256=digest,
        stored_name=stored_name,
        original_name=name,
        file_type=verdict.file_type,
        size_bytes=len(data),
    )
    db.session.add(record)
    db.session.flush()
    return record


def files_for(response: Response, question_id: str) -> list[EvidenceFile]:
    return list(
        db.session.scalars(
            select(EvidenceFile)
            .filter_by(response_id=response.id, question_id=question_id)
            .order_by(EvidenceFile.id)
        )
    )


def attach_files(response: Response, question_id: str, file_ids: list[int]) -> None:
    """Save a file question's answer by itself (its page is not saved: another answer on
    it has an error), so files uploaded are part of the answer whatever happens next.
    Nothing is committed; the caller commits."""
    answer = db.session.scalar(
        select(Answer).filter_by(response_id=response.id, question_id=question_id)
    )
    value = json.dumps(sorted(set(file_ids)))
    if answer is None:
        db.session.add(Answer(response_id=response.id, question_id=question_id, value_text=value))
    else:
        answer.value_text = value


def file_names(file_ids: list[int]) -> list[str]:
    """The names of these uploaded files, in upload order."""
    return list(
        db.session.scalars(
            select(EvidenceFile.original_name)
            .where(EvidenceFile.id.in_(file_ids or [0]))
            .order_by(EvidenceFile.id)
        )
    )


def remove_upload(response: Response, record: EvidenceFile) -> None:
    """Take one uploaded file off a draft: its record, its place in the saved answer, and
    the file itself unless another record still uses it (a re-attestation's copy of an
    earlier declaration's file does). Nothing is committed; the caller commits."""
    answer = db.session.scalar(
        select(Answer).filter_by(response_id=response.id, question_id=record.question_id)
    )
    if answer is not None:
        kept = [i for i in json.loads(answer.value_text or "[]") if i != record.id]
        if kept:
            answer.value_text = json.dumps(sorted(kept))
        else:
            db.session.delete(answer)  # a required question is then unanswered again
    stored = record.stored_name
    db.session.delete(record)
    db.session.flush()
    delete_unused_files({stored})


def delete_unused_files(stored: set[str]) -> int:
    """Delete uploaded files no evidence record uses any more; how many went.

    Called after the records are deleted and before the commit: a failed commit leaves a
    record of a file that is gone, never a file that should be."""
    if not stored:
        return 0
    used = set(
        db.session.scalars(
            select(EvidenceFile.stored_name).where(EvidenceFile.stored_name.in_(stored))
        )
    )
    folder = Path(current_app.config["SVCOLLECT_UPLOAD_DIR"])
    gone = 0
    for name in sorted(stored - used):
        path = folder / name
        if path.parent == folder and path.is_file():
            path.unlink()
            gone += 1
    return gone
