"""Question pages and check-your-answers, shared by anonymous respondents and suppliers.

The views that call these own access: they load the response, check who may see it, and
pass the URLs of their own routes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.extensions import db
from svcollect.forms.answer_types import answer_type
from svcollect.forms.builder import page_form, page_is_multipart
from svcollect.forms.respondent import RemoveFileForm, SubmitForm
from svcollect.models import EvidenceFile, Response
from svcollect.questionnaires import Page, Question, Questionnaire
from svcollect.services import responses as svc
from svcollect.services.evidence import (
    UploadRejected,
    attach_files,
    file_names,
    files_for,
    remove_upload,
    store_upload,
)
from svcollect.web.form_pages import form_status, token_failed

Rendered = str | WerkzeugResponse | tuple[str, int]


@dataclass(frozen=True)
class JourneyUrls:
    page: Callable[..., str]
    check: Callable[[], str]
    done: Callable[[], str]
    resume: Callable[[], str]
    #: where the respondent code is asked for; None when no code is needed
    code: Callable[[], str] | None = None
    #: the link to show for coming back later, if any
    save_link: str | None = None
    #: where the respondent deletes their own answers; None where answers are not personal
    withdraw: Callable[[], str] | None = None
    #: where an uploaded file is taken off the draft (page id, file id); None: not offered
    remove_file: Callable[..., str] | None = None


def _guard_order(
    response: Response, progress: svc.Progress, page: Page, urls: JourneyUrls
) -> WerkzeugResponse | None:
    """Send the respondent to the first step they skipped, if any comes before `page`."""
    if urls.code is not None and svc.needs_code(response):
        return redirect(urls.code())
    for visible in progress.visible_pages():
        if visible.id == page.id:
            return None
        if not progress.page_complete(visible):
            return redirect(urls.page(visible.id))
    # The page is hidden by an earlier answer (or a forged URL): go to where they should be.
    return redirect(urls.resume())


def question_page(
    response: Response, questionnaire: Questionnaire, page_id: str, urls: JourneyUrls
) -> Rendered:
    try:
        page = questionnaire.page(page_id)
    except KeyError:
        raise svc.AccessDenied("unknown") from None
    progress = svc.Progress.of(questionnaire, response)
    detour = _guard_order(response, progress, page, urls)
    if detour is not None:
        return detour
    visible = progress.visible_questions(page)
    form = page_form(questionnaire, page, visible, progress.rows)
    returning = request.args.get("return") == "check"
    if request.method == "POST":
        upload_errors: dict[str, str] = {}
        valid = form.validate()
        # A file chosen is stored even when another answer on the page has an error: a
        # file input cannot be shown again filled in, so it would be lost without a word.
        # It is then listed as already uploaded. Nothing is kept from a POST whose token
        # failed.
        stored = not token_failed(form)
        file_ids = _handle_uploads(response, visible, upload_errors) if stored else {}
        if valid and not upload_errors:
            data = {q.id: form[q.id].data for q in visible}
            data.update(file_ids)
            saved = svc.save_page(response, page, svc.stored_values(visible, data))
            return redirect(
                _after_save(progress.after_save(page, saved), page, returning, urls), code=303
            )
        for qid, ids in file_ids.items():
            if ids and qid not in upload_errors:
                attach_files(response, qid, ids)
        db.session.commit()
        for qid, message in upload_errors.items():
            form[qid].errors = [message]
    previous = progress.previous_page(page)
    pages = [p.id for p in progress.visible_pages()]
    back_url = urls.check() if returning else urls.page(previous.id) if previous else None
    return (
        render_template(
            "respondent/page.html",
            form=form,
            page=page,
            visible=visible,
            questionnaire=questionnaire,
            urls=urls,
            files={q.id: files_for(response, q.id) for q in visible if q.type == "file"},
            multipart=page_is_multipart(visible),
            returning=returning,
            back_url=back_url,
            page_number=pages.index(page.id) + 1,
            # a total that would jump once an answer shows more pages is not given
            page_count=len(pages) if progress.page_count_settled() else None,
        ),
        form_status(form),
    )


def _after_save(progress: svc.Progress, page: Page, returning: bool, urls: JourneyUrls) -> str:
    """Where to go once the page is saved; `progress` already holds the saved page."""
    following = None if returning else progress.next_page(page)
    if following is not None:
        return urls.page(following.id)
    incomplete = progress.first_incomplete_page()
    return urls.page(incomplete.id) if incomplete is not None else urls.check()


def _handle_uploads(
    response: Response, visible: list[Question], errors: dict[str, str]
) -> dict[str, list[int]]:
    """Store this page's uploads; returns all file ids per file question (old and new)."""
    result: dict[str, list[int]] = {}
    for question in visible:
        if question.type != "file":
            continue
        ids = [f.id for f in files_for(response, question.id)]
        uploads = [f for f in request.files.getlist(question.id) if f and f.filename]
        limit = question.max_files or 10
        if len(ids) + len(uploads) > limit:
            errors[question.id] = _("You can upload up to %(n)d files", n=limit)
            continue
        for upload in uploads:
            try:
                record = store_upload(response, question, upload)
            except UploadRejected as rejected:
                errors[question.id] = f"{upload.filename}: {rejected}"
                break
            if record.id in ids:
                say_already_uploaded(upload, record)
            else:
                ids.append(record.id)
        if question.required and not ids and question.id not in errors:
            errors[question.id] = _(question.message("required"))
        result[question.id] = ids
    return result


def say_already_uploaded(upload: Any, record: EvidenceFile) -> None:
    """Tell the uploader that `upload` has the content of a file already uploaded here
    (`record`, which store_upload returned instead of a second copy)."""
    name = str(record.original_name)
    if upload.filename != record.original_name:
        name = _("%(name)s (the same file as %(earlier)s)", name=upload.filename, earlier=name)
    flash(_("%(name)s is already uploaded, so it was not added again", name=name), "important")


def remove_file(
    response: Response, questionnaire: Questionnaire, page_id: str, file_id: int, urls: JourneyUrls
) -> Rendered:
    """Ask, then take one uploaded file off the draft and go back to its page. A file
    already gone (a repeat, the back button) goes back to the page without asking."""
    try:
        page = questionnaire.page(page_id)
    except KeyError:
        abort(404)
    returning = request.args.get("return") == "check"
    back = urls.page(page.id, **({"return": "check"} if returning else {}))
    questions = {q.id for q in page.questions if q.type == "file"}
    record = db.session.get(EvidenceFile, file_id)
    if record is None or record.response_id != response.id or record.question_id not in questions:
        return redirect(back, code=303)
    form = RemoveFileForm()
    if form.validate_on_submit():
        name = record.original_name
        remove_upload(response, record)
        db.session.commit()
        flash(_("%(name)s removed", name=name))
        return redirect(back, code=303)
    return (
        render_template("respondent/remove_file.html", form=form, record=record, back=back),
        form_status(form),
    )


def answer_rows(progress: svc.Progress) -> list[dict[str, Any]]:
    """Each visible question with its answer as shown to a person (files by name)."""
    rows = []
    for page in progress.visible_pages():
        for question in progress.visible_questions(page):
            text, number = progress.rows.get(question.id, (None, None))
            if question.type == "file":
                ids = answer_type(question).typed(question, text, number)
                shown = ", ".join(file_names(ids))
            else:
                shown = answer_type(question).display(question, text, number)
            rows.append({"question": question, "page": page, "answer": shown})
    return rows


def answer_sections(rows: list[dict[str, Any]]) -> list[tuple[Page | None, list[dict[str, Any]]]]:
    """The rows under their pages' titles when a page asks more than one thing (a standard:
    its status, what was done, evidence): the same questions on each page are then told
    apart. One list without headings when every page asks one thing."""
    if max(Counter(row["page"].id for row in rows).values(), default=0) <= 1:
        return [(None, rows)]
    sections: list[tuple[Page | None, list[dict[str, Any]]]] = []
    for row in rows:
        if not sections or sections[-1][0] is not row["page"]:
            sections.append((row["page"], []))
        sections[-1][1].append(row)
    return sections


def check_answers(
    response: Response,
    questionnaire: Questionnaire,
    urls: JourneyUrls,
    submit: Callable[[svc.Progress], object],
) -> Rendered:
    progress = svc.Progress.of(questionnaire, response)
    if urls.code is not None and svc.needs_code(response):
        return redirect(urls.code())
    incomplete = progress.first_incomplete_page()
    form = SubmitForm()
    if request.method == "POST":
        if incomplete is not None:
            # A forged order: submitting before every required page was answered.
            return (
                render_template(
                    "respondent/incomplete.html", urls=urls, page=incomplete, q=questionnaire
                ),
                422,
            )
        if form.validate_on_submit():
            submit(progress)
            return redirect(urls.done(), code=303)
    elif incomplete is not None:
        return redirect(urls.page(incomplete.id))
    return (
        render_template(
            "respondent/check.html",
            form=form,
            sections=answer_sections(answer_rows(progress)),
            urls=urls,
            q=questionnaire,
        ),
        form_status(form),
    )
