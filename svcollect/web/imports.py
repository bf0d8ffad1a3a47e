"""Contract managers importing paper returns: template downloads, the upload page and the
import status page (imports run as background jobs, see svcollect.jobs)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

from svcollect.forms.base import Form
from svcollect.forms.widgets import GovCheckboxInput, GovFileInput, GovSubmitInput
from svcollect.imports import codebook, not_importable
from svcollect.jobs import enqueue_import
from svcollect.models import Collection
from svcollect.services import import_jobs
from svcollect.services import imports as imports_svc
from svcollect.services.collections import collection_for
from svcollect.services.contracts import may_change
from svcollect.web.access import found_or_404, role_required
from svcollect.web.form_pages import form_status
from svcollect.web.job_pages import job_status_page

bp = Blueprint("imports", __name__, url_prefix="/manage")
MANAGERS = ("admin", "contract_manager")
Rendered = str | WerkzeugResponse | tuple[str, int]


class ImportForm(Form):
    file = FileField(
        _l("Spreadsheet of paper returns"),
        description=_l("An Excel workbook (.xlsx) or a CSV file saved as CSV UTF-8"),
        validators=[FileRequired(message=_l("Select the spreadsheet to import"))],
        widget=GovFileInput(),
    )
    consent = BooleanField(
        _l(
            "I confirm that everyone whose paper return is in this file agreed to take part "
            "and gave their consent on the paper form"
        ),
        validators=[
            DataRequired(message=_l("Confirm that consent was given for every paper return"))
        ],
        widget=GovCheckboxInput(),
    )
    submit = SubmitField(_l("Check and import"), widget=GovSubmitInput())


def _collection(collection_id: int) -> Collection:
    """The collection, for the buyer's side only: the prime supplier employs the people
    whose answers are imported (an import's problems quote their cells), and must not add
    answers to the surveys that value its own work."""
    collection: Collection = found_or_404(collection_for(current_user, collection_id))
    if not may_change(current_user, collection.contract):
        abort(403)
    return collection


@bp.route("/collections/<int:collection_id>/import-template.<any(xlsx, csv):kind>")
@role_required(*MANAGERS)
def template(collection_id: int, kind: str) -> WerkzeugResponse:
    collection = _collection(collection_id)
    if imports_svc.refusal(collection) is not None:
        abort(404)
    data, name, media_type = imports_svc.template_file(collection, kind)
    return Response(
        data,
        mimetype=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/collections/<int:collection_id>/import", methods=["GET", "POST"])
@role_required(*MANAGERS)
def upload(collection_id: int) -> Rendered:
    collection = _collection(collection_id)
    refusal = imports_svc.refusal(collection)
    form = ImportForm()
    if refusal is None and form.validate_on_submit():
        limit = current_app.config["SVCOLLECT_MAX_UPLOAD_BYTES"]
        data = form.file.data.read(limit + 1)
        if len(data) > limit:
            abort(413)
        job = import_jobs.start_import(
            current_user, collection, form.file.data.filename or "", data
        )
        enqueue_import(job.id)
        return redirect(url_for(".status", import_id=job.id), code=303)
    questionnaire = imports_svc.questionnaire_of(collection)
    page = render_template(
        "imports/upload.html",
        form=form,
        collection=collection,
        questionnaire=questionnaire,
        refusal=refusal,
        columns=codebook(questionnaire),
        files=not_importable(questionnaire),
        jobs=import_jobs.jobs_of(collection) if refusal is None else [],
        max_rows=imports_svc.MAX_ROWS,
    )
    return page, form_status(form)


@bp.route("/imports/<int:import_id>")
@role_required(*MANAGERS)
def status(import_id: int) -> WerkzeugResponse:
    job = found_or_404(import_jobs.job_for(current_user, import_id))
    collection = _collection(job.collection_id)
    problems = import_jobs.problems_of(job)
    return job_status_page(
        "imports/status.html",
        job,
        collection=collection,
        problems=problems,
        problem_count=job.problem_count,
        hidden_problems=max(0, job.problem_count - len(problems)),
    )
