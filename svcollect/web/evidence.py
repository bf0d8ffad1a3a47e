"""Evidence file downloads: only to users allowed to see them, as attachments with nosniff."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.extensions import db
from svcollect.models import Declaration, EvidenceFile
from svcollect.services import audit
from svcollect.services.declarations import declaration_for
from svcollect.web.access import role_required

bp = Blueprint("evidence", __name__)

MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "txt": "text/plain",
    "png": "image/png",
    "jpeg": "image/jpeg",
}


@bp.route("/evidence/<int:file_id>")
@role_required("admin", "contract_manager", "supplier_user")
def download(file_id: int) -> WerkzeugResponse:
    record = db.session.get(EvidenceFile, file_id)
    if record is None:
        abort(404)
    declaration = db.session.scalar(select(Declaration).filter_by(response_id=record.response_id))
    # Only declaration evidence is downloadable: files in anonymous responses are never
    # shown to staff individually.
    if declaration is None or declaration_for(current_user, declaration.id) is None:
        abort(404)
    path = Path(current_app.config["SVCOLLECT_UPLOAD_DIR"]) / record.stored_name
    if not path.is_file():
        abort(404)
    audit.record(
        "file_downloaded",
        actor=current_user,
        obj=record,
        organisation_id=declaration.supplier_id,
        sha256=record.sha256,
    )
    db.session.commit()
    response = send_file(
        path,
        mimetype=MIMETYPES[record.file_type],
        as_attachment=True,
        download_name=record.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
