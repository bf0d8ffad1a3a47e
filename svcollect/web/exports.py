"""Evidence pack exports for contract managers: start one, watch it, download it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.evidence.pack import PackError
from svcollect.extensions import db
from svcollect.forms.exports import ExportForm
from svcollect.jobs import enqueue_export
from svcollect.services import audit
from svcollect.services import contracts as contracts_svc
from svcollect.services import exports as exports_svc
from svcollect.web.access import found_or_404, role_required
from svcollect.web.form_pages import checks_own_token, form_status, repeat_of
from svcollect.web.job_pages import job_status_page

bp = Blueprint("exports", __name__, url_prefix="/manage")
MANAGERS = ("admin", "contract_manager")


def _contract(contract_id: int) -> Any:
    return found_or_404(contracts_svc.contract_for(current_user, contract_id))


def _exports_page(contract: Any, form: ExportForm) -> tuple[str, int]:
    jobs = exports_svc.jobs_of(contract, current_user)
    page = render_template(
        "exports/contract.html",
        contract=contract,
        jobs=jobs,
        form=form,
        holds_answers=contracts_svc.sees_individual_answers(current_user, contract),
    )
    return page, form_status(form)


@bp.route("/contracts/<int:contract_id>/exports")
@role_required(*MANAGERS)
def contract_exports(contract_id: int) -> tuple[str, int]:
    return _exports_page(_contract(contract_id), ExportForm())


@bp.route("/contracts/<int:contract_id>/exports", methods=["POST"])
@checks_own_token
@role_required(*MANAGERS)
def start(contract_id: int) -> WerkzeugResponse | tuple[str, int]:
    contract = _contract(contract_id)
    form = ExportForm()
    # A timed-out page (CSRF) is shown again with what was typed, like every other form.
    if not form.validate_on_submit():
        return _exports_page(contract, form)
    if (
        repeat := repeat_of(form, url_for(".contract_exports", contract_id=contract.id))
    ) is not None:
        return repeat
    try:
        job = exports_svc.start_export(
            current_user, contract, form.period_start.data, form.period_end.data
        )
    except PackError as refused:
        db.session.rollback()
        form.period_end.errors = [*form.period_end.errors, str(refused)]
        return _exports_page(contract, form)
    enqueue_export(job.id)
    return redirect(url_for(".status", job_id=job.id), code=303)


@bp.route("/exports/<int:job_id>")
@role_required(*MANAGERS)
def status(job_id: int) -> WerkzeugResponse:
    job = found_or_404(exports_svc.job_for(current_user, job_id))
    contract = _contract(job.contract_id)
    return job_status_page(
        "exports/status.html",
        job,
        contract=contract,
        available=exports_svc.pack_path(job) is not None,
    )


@bp.route("/exports/<int:job_id>/download")
@role_required(*MANAGERS)
def download(job_id: int) -> WerkzeugResponse:
    job = found_or_404(exports_svc.job_for(current_user, job_id))
    path = found_or_404(exports_svc.pack_path(job))
    contract = _contract(job.contract_id)
    audit.record(
        "pack_downloaded",
        actor=current_user,
        obj=job,
        organisation_id=contract.buyer_id,
        file=job.file_name,
        sha256=job.sha256,
    )
    db.session.commit()
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=job.file_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
