"""Contract managers importing paper returns: template downloads and the upload page."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovSubmitInput
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

from svcollect.imports import codebook, not_importable
from svcollect.models import Collection
from svcollect.services import imports as imports_svc
from svcollect.services.collections import collection_for
from svcollect.web.access import found_or_404, role_required

bp = Blueprint("imports", __name__, url_prefix="/manage")
MANAGERS = ("admin", "contract_manager")
#: problems listed on the page; the rest are counted
SHOWN_PROBLEMS = 500
Rendered = str | WerkzeugResponse | tuple[str, int]


class ImportForm(FlaskForm):
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
    collection: Collection = found_or_404(collection_for(current_user, collection_id))
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
    outcome = None
    if refusal is None and form.validate_on_submit():
        limit = current_app.config["SVCOLLECT_MAX_UPLOAD_BYTES"]
        data = form.file.data.read(limit + 1)
        if len(data) > limit:
            abort(413)
        outcome = imports_svc.import_responses(
            collection, form.file.data.filename or "", data, actor=current_user
        )
        if outcome.ok:
            flash(_done_message(outcome))
            return redirect(url_for("manage.collection", collection_id=collection.id), code=303)
        form.file.errors = [_("The file has problems, so nothing was imported: see the list")]
    questionnaire = imports_svc.questionnaire_of(collection)
    page = render_template(
        "imports/upload.html",
        form=form,
        collection=collection,
        questionnaire=questionnaire,
        refusal=refusal,
        columns=codebook(questionnaire),
        files=not_importable(questionnaire),
        problems=outcome.problems[:SHOWN_PROBLEMS] if outcome else (),
        hidden_problems=max(0, outcome.problem_count - SHOWN_PROBLEMS) if outcome else 0,
        problem_count=outcome.problem_count if outcome else 0,
        max_rows=imports_svc.MAX_ROWS,
    )
    failed = request.method == "POST" and (form.errors or (outcome and not outcome.ok))
    return page, 422 if failed else 200


def _done_message(outcome: imports_svc.ImportOutcome) -> str:
    parts = [_("%(n)d paper returns imported", n=outcome.imported)]
    if outcome.already_imported:
        parts.append(_("%(n)d rows imported before were skipped", n=outcome.already_imported))
    if outcome.blank_rows:
        parts.append(_("%(n)d blank rows were skipped", n=outcome.blank_rows))
    return "; ".join(parts)
