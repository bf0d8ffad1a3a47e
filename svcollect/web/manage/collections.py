"""Collections: opening one, its page, closing it early, invitations, the WEMWBS licence."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.extensions import db
from svcollect.forms.manage import (
    CollectionForm,
    ConfirmForm,
    InvitationsForm,
    LicenceForm,
    read_version,
)
from svcollect.models import QuestionnaireVersion
from svcollect.models._types import utcnow
from svcollect.services import collections as collections_svc
from svcollect.services import contracts as contracts_svc
from svcollect.services import declarations as declarations_svc
from svcollect.services import organisations as organisations_svc
from svcollect.services.questionnaires import is_loaded, questionnaire_for
from svcollect.web.access import found_or_404, role_required
from svcollect.web.form_pages import attach_error, checks_own_token, form_status, repeat_of
from svcollect.web.manage import MANAGERS, Rendered, bp, managed_contract


def _released_choices() -> list[tuple[str, str]]:
    """Every released version, each questionnaire's latest first; an earlier one stays on
    the list (a follow-up may need the version its baseline used) and says it is earlier."""
    rows = db.session.scalars(
        select(QuestionnaireVersion).order_by(
            QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version.desc()
        )
    )
    choices, seen = [], set()
    for v in rows:
        if not is_loaded(v):
            continue  # its file is missing (start-up logged it): it cannot be used
        label = f"{v.title} (v{v.version})"
        if v.questionnaire_id in seen:
            label = _("%(title)s (v%(n)d, an earlier version)", title=v.title, n=v.version)
        seen.add(v.questionnaire_id)
        choices.append((str(v.id), label))
    return choices


@bp.route("/contracts/<int:contract_id>/collections/new", methods=["GET", "POST"])
@checks_own_token
@role_required(*MANAGERS)
def new_collection(contract_id: int) -> Rendered:
    contract = managed_contract(contract_id)
    form = CollectionForm()
    form.questionnaire.choices = _released_choices()
    if form.validate_on_submit():
        back_to_contract = url_for(".contract", contract_id=contract.id)
        if (repeat := repeat_of(form, back_to_contract)) is not None:
            return repeat
        version = db.session.get(QuestionnaireVersion, int(form.questionnaire.data))
        opens_at, closes_at = collections_svc.uk_day_bounds(form.opens_on.data, form.closes_on.data)
        access = "supplier" if form.audience.data == "supplier" else form.access.data or "open"
        licensee = current_user.organisation or contract.buyer
        try:
            collection = collections_svc.open_collection(
                collections_svc.CollectionRequest(
                    contract=contract,
                    version=found_or_404(version),
                    audience=form.audience.data,
                    wave=form.wave.data,
                    label=form.label.data,
                    opens_at=opens_at,
                    closes_at=closes_at,
                    access=access,
                ),
                licensee=licensee,
                actor=current_user,
            )
        except collections_svc.CollectionRefused as refused:
            db.session.rollback()
            attach_error(form, refused.field, str(refused))
        else:
            flash(_("Collection opened"))
            return redirect(url_for(".collection", collection_id=collection.id), code=303)
    return (
        render_template("manage/collection_new.html", form=form, contract=contract),
        form_status(form),
    )


def _collection(collection_id: int) -> Any:
    return found_or_404(collections_svc.collection_for(current_user, collection_id))


@bp.route("/collections/<int:collection_id>")
@role_required(*MANAGERS)
def collection(collection_id: int) -> str:
    return _collection_page(_collection(collection_id), InvitationsForm())


def _collection_page(collection: Any, invitations_form: InvitationsForm) -> str:
    counts = collections_svc.response_counts([collection.id])[collection.id]
    summary = None
    if collection.access == "supplier":
        summary = declarations_svc.adherence_summary(collection)
    return render_template(
        "manage/collection.html",
        collection=collection,
        questionnaire=questionnaire_for(collection.questionnaire_version),
        counts=counts,
        state=collection.state(utcnow()),
        invitations_form=invitations_form,
        batches=collections_svc.downloadable_batches(current_user, collection),
        may_change=contracts_svc.may_change(current_user, collection.contract),
        confirm_form=ConfirmForm(),
        summary=summary,
        open_link=url_for("respond.start_open", public_id=collection.public_id, _external=True),
    )


@bp.route("/collections/<int:collection_id>/close", methods=["POST"])
@role_required(*MANAGERS)
def close_collection(collection_id: int) -> WerkzeugResponse:
    collection = _collection(collection_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            collections_svc.close_early(current_user, collection)
            flash(_("Collection closed"))
        except collections_svc.CollectionRefused as refused:
            flash(str(refused), "important")
    return redirect(url_for(".collection", collection_id=collection.id), code=303)


@bp.route("/collections/<int:collection_id>/invitations", methods=["POST"])
@checks_own_token
@role_required(*MANAGERS)
def invitations(collection_id: int) -> Rendered:
    collection = _collection(collection_id)
    form = InvitationsForm()
    valid = form.validate_on_submit()  # first: a timed-out token is reported as well
    if collection.access != "invitation" or not valid:
        if collection.access != "invitation":
            form.count.errors = [_("This collection uses an open link, not invitations")]
        return _collection_page(collection, form), form_status(form)
    try:
        batch = collections_svc.issue_invitations(
            collection, form.count.data, actor=current_user, commit=False
        )
    except collections_svc.CollectionRefused as refused:
        db.session.rollback()
        form.count.errors = [str(refused)]
        return _collection_page(collection, form), form_status(form)
    made = url_for(".invitation_batch", collection_id=collection.id, batch_id=batch.id)
    # A double click made two batches, and the browser kept only the second download:
    # the repeat now goes to the one batch, whose links it can download again.
    repeat = repeat_of(form, made)
    if repeat is not None:
        db.session.rollback()
        return repeat
    db.session.commit()
    return redirect(made, code=303)


def _batch(collection_id: int, batch_id: int) -> Any:
    collection = _collection(collection_id)
    return found_or_404(collections_svc.batch_for(current_user, collection, batch_id))


@bp.route("/collections/<int:collection_id>/invitations/<int:batch_id>")
@role_required(*MANAGERS)
def invitation_batch(collection_id: int, batch_id: int) -> Rendered:
    batch = _batch(collection_id, batch_id)
    until = collections_svc.links_until(batch)
    return render_template(
        "manage/invitation_batch.html", batch=batch, until=until
    ), 200 if until else 410


@bp.route("/collections/<int:collection_id>/invitations/<int:batch_id>/links.csv")
@role_required(*MANAGERS)
def invitation_links(collection_id: int, batch_id: int) -> WerkzeugResponse:
    batch = _batch(collection_id, batch_id)
    tokens = collections_svc.batch_links(batch, current_user)
    if tokens is None:
        flash(_("These links can no longer be downloaded: make new ones"), "important")
        return redirect(
            url_for(".invitation_batch", collection_id=collection_id, batch_id=batch_id), code=303
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["number", "invitation_link"])
    for number, token in enumerate(tokens, start=1):
        link = url_for("respond.start_invitation", token=token, _external=True)
        writer.writerow([number, link])
    name = (
        f"invitations-collection-{collection_id}-batch-{batch.id}-{batch.made_at:%Y%m%d-%H%M%S}.csv"
    )
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/collections/<int:collection_id>/invite-suppliers", methods=["POST"])
@role_required(*MANAGERS)
def invite_suppliers(collection_id: int) -> WerkzeugResponse:
    collection = _collection(collection_id)
    if ConfirmForm().validate_on_submit():
        try:
            created = declarations_svc.invite_suppliers(current_user, collection)
            if created:
                flash(_("%(n)d supplier(s) invited to attest", n=len(created)))
            else:
                flash(
                    _("No suppliers were invited: each already has a declaration here"), "important"
                )
        except declarations_svc.DeclarationRefused as refused:
            flash(str(refused), "important")
    return redirect(url_for(".collection", collection_id=collection.id), code=303)


# --- the organisation's licence ----------------------------------------------------------


@bp.route("/licence", methods=["GET", "POST"])
@checks_own_token
@role_required("contract_manager")
def licence() -> Rendered:
    organisation = current_user.organisation
    form = LicenceForm(
        data={"licence_ref": organisation.wemwbs_licence_ref, "version": str(organisation.version)}
        if request.method == "GET"
        else None
    )
    conflict = False
    if form.validate_on_submit():
        try:
            organisations_svc.record_licence(
                current_user, organisation, form.licence_ref.data, read_version=read_version(form)
            )
        except contracts_svc.EditConflict as refused:
            # As on a contract's change page: what was typed is kept, what is saved now
            # shown, and the form carries the version saved now.
            db.session.rollback()
            attach_error(form, refused.field, str(refused))
            form.version.data = str(organisation.version)
            conflict = True
        else:
            flash(_("Licence reference saved"))
            return redirect(url_for(".contracts"), code=303)
    saved_now = [
        (_("WEMWBS licence reference"), organisation.wemwbs_licence_ref or _("Not recorded"))
    ]
    page = render_template(
        "manage/licence.html",
        form=form,
        organisation=organisation,
        saved_now=saved_now if conflict else None,
    )
    return page, form_status(form)
