"""The demo's suppliers at work: declarations and delivery returns with evidence, reviewed.

Everything goes through the services a supplier's and a contract manager's pages use:
each page of a draft is saved (`responses.save_page`, evidence through
`evidence.store_upload`), the draft is submitted (`declarations.submit_declaration`) and
the buyer's contract manager decides on standards one by one
(`declarations.review_standard`). The answers and the evidence files are synthetic: each
PDF says on its face that it is demo evidence, not a real document.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from svcollect.extensions import db
from svcollect.models import Collection, Contract, Declaration, Organisation, Response, User
from svcollect.questionnaires import Question
from svcollect.services import declarations as declarations_svc
from svcollect.services import responses as responses_svc
from svcollect.services.evidence import store_upload
from svcollect.services.questionnaires import questionnaire_for

SYNTHETIC = "Synthetic demo answer (svcollect demo data)"


class DemoFailed(RuntimeError):
    """The demo could not be made as planned; the message says what and why."""


def evidence_pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """A one-page PDF (valid: its cross-reference table points at each object) whose text
    says it is synthetic demo evidence. The same text gives the same bytes."""
    text = [title, "", "SYNTHETIC DEMO EVIDENCE - not a real document.", *lines]
    text += ["", "Made by the svcollect demo command to show how evidence is reviewed."]

    def literal(line: str) -> str:
        ascii_text = line.encode("ascii", "replace").decode("ascii")
        return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 12 Tf 56 780 Td 16 TL " + " ".join(f"({literal(t)}) '" for t in text) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("ascii")
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode("ascii")
    return bytes(out)


@dataclass(frozen=True)
class Figure:
    """What a supplier enters on one page of a declaration or delivery return."""

    #: the status chosen (a standard) or the number entered (a delivery-return measure)
    value: str
    note: str = ""
    #: the title of the evidence PDF uploaded with it; none when empty
    evidence: str = ""


@dataclass(frozen=True)
class Return:
    """One supplier's declaration or delivery return, and the buyer's review of it."""

    supplier: Organisation
    by: User
    figures: Mapping[str, Figure]
    #: plain answers by question id (employee count, reporting period)
    answers: Mapping[str, Any] = field(default_factory=dict)
    #: standard or measure code -> (decision, comment)
    review: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def _answer(question: Question, response: Response, plan: Return) -> Any:
    if question.id in plan.answers:
        return plan.answers[question.id]
    for code, figure in plan.figures.items():
        if question.id in (code, f"{code}_status"):
            return figure.value
        if question.id == f"{code}_note":
            return f"{figure.note} {SYNTHETIC}." if figure.note else None
        if question.id == f"{code}_evidence":
            if not figure.evidence:
                return []
            pdf = evidence_pdf(figure.evidence, (f"Supplier: {plan.supplier.name}", f"For: {code}"))
            name = "demo-" + re.sub(r"[^a-z0-9]+", "-", figure.evidence.lower()) + ".pdf"
            return [store_upload(response, question, FileStorage(io.BytesIO(pdf), name)).id]
    if question.required:
        raise DemoFailed(f"the demo has no answer for the required question {question.id}")
    return None


def _fill_in_and_submit(declaration: Declaration, plan: Return) -> None:
    """Save each page the supplier is shown, in order, then submit (a draft only)."""
    if declaration.status == "submitted":
        return
    questionnaire = questionnaire_for(declaration.collection.questionnaire_version)
    response = declaration.response
    for _ in range(len(questionnaire.pages) + 1):
        progress = responses_svc.Progress.of(questionnaire, response)
        page = progress.first_incomplete_page()
        if page is None:
            break
        questions = progress.visible_questions(page)
        data = {q.id: _answer(q, response, plan) for q in questions}
        responses_svc.save_page(response, page, responses_svc.stored_values(questions, data))
    progress = responses_svc.Progress.of(questionnaire, response)
    if progress.first_incomplete_page() is not None:
        raise DemoFailed(f"the demo could not complete {questionnaire.id} for {plan.supplier.name}")
    declarations_svc.submit_declaration(plan.by, declaration, progress)


def _review(reviewer: User, declaration: Declaration, plan: Return) -> None:
    """The contract manager's decisions, each on a standard nobody has decided on yet."""
    for code, (decision, comment) in plan.review.items():
        read = declarations_svc.history_count(declaration, code)
        if read:
            continue
        declarations_svc.review_standard(
            reviewer, declaration, code, decision, comment, read_version=read
        )


def _declaration(collection: Collection, supplier: Organisation) -> Declaration:
    """The supplier's newest edition in the collection (its draft, or what it submitted)."""
    found = db.session.scalar(
        select(Declaration)
        .filter_by(collection_id=collection.id, supplier_id=supplier.id)
        .order_by(Declaration.edition.desc())
        .limit(1)
    )
    if found is None:
        raise DemoFailed(f"{supplier.name} was not invited to {collection.label}")
    return found


def _mhaw(large: User, small: User) -> list[Return]:
    core = {
        "mhaw_1": ("Our plan, owned by the board.", "Mental health at work plan"),
        "mhaw_2": ("Flexible rotas and a review of night shifts.", "Work design review"),
        "mhaw_3": ("Twelve mental health champions across the sites.", "Champions list"),
        "mhaw_4": ("Every supervisor has done an awareness course.", "Supervisor training log"),
        "mhaw_5": ("An employee assistance programme on every site.", "Support leaflet"),
        "mhaw_6": ("A yearly wellbeing report to the board.", "Board wellbeing report"),
    }
    enhanced = {
        "tw_enh_1": ("Wellbeing figures are in our annual report.", "Annual report extract"),
        "tw_enh_2": ("Our operations director leads on health; the minute is to follow.", ""),
        "tw_enh_3": ("A confidential disclosure route through HR.", "Disclosure policy"),
        "tw_enh_4": ("In-house first aiders and a GP referral route.", "Support services page"),
    }
    figures = {
        code: Figure("in_place", note, title)
        for code, (note, title) in {**core, **enhanced}.items()
    }
    decisions: dict[str, tuple[str, str]] = {
        code: ("accepted", "") for code, figure in figures.items() if figure.evidence
    }
    decisions["tw_enh_2"] = (
        "queried",
        "Please upload the board minute that names your senior health lead.",
    )
    assert large.organisation is not None and small.organisation is not None
    return [
        Return(large.organisation, large, figures, {"employee_count": "820"}, decisions),
        # Declared and submitted, not reviewed yet: it counts as declared, not accepted.
        Return(
            small.organisation,
            small,
            {
                code: Figure(
                    "in_place", note, "Catering wellbeing plan" if code == "mhaw_1" else ""
                )
                for code, (note, _) in core.items()
            },
            {"employee_count": "35"},
        ),
    ]


def _delivery(large: User, small: User, contract: Contract) -> list[Return]:
    period = {
        "period_start": contract.starts_on,
        "period_end": contract.starts_on + timedelta(days=181),
    }
    assert large.organisation is not None and small.organisation is not None
    large_figures = {
        "mh_first_aiders_trained": Figure(
            "7", "Two courses this period.", "First aid certificates"
        ),
        "wellbeing_sessions_delivered": Figure("9", "Monthly lunchtime sessions."),
        "volunteering_hours_local": Figure(
            "186.5", "Park clean-ups and a food bank.", "Volunteering log"
        ),
        "apprenticeship_weeks": Figure("52", "Two apprentices for 26 weeks each."),
        "spend_local_vcse": Figure("18400"),
        "spend_local_sme": Figure("64250"),
        "staff_living_wage": Figure("212", "212 of the 230 people on the contract."),
    }
    small_figures = {
        "mh_first_aiders_trained": Figure("2"),
        "wellbeing_sessions_delivered": Figure("4"),
        "volunteering_hours_local": Figure("64", "Cooking for a lunch club."),
        "apprenticeship_weeks": Figure("0"),
        "spend_local_vcse": Figure("2100"),
        "spend_local_sme": Figure("8900"),
        "staff_living_wage": Figure("31", "All 31 people on the contract."),
    }
    reviewed = {
        "mh_first_aiders_trained": ("accepted", ""),
        "volunteering_hours_local": ("accepted", ""),
    }
    return [
        Return(large.organisation, large, large_figures, period, reviewed),
        Return(small.organisation, small, small_figures, period),
    ]


def _plans(
    questionnaire_id: str, large: User, small: User, contract: Contract
) -> list[Return] | None:
    if questionnaire_id == "mhaw-standards":
        return _mhaw(large, small)
    if questionnaire_id == "delivery-return":
        return _delivery(large, small, contract)
    return None  # invited, not yet answered


def answer_and_review(collection: Collection, manager: User, large: User, small: User) -> None:
    """A supplier collection's submissions by the two subcontractors (``large`` and
    ``small`` sign in for them) and the buyer's ``manager``'s review of them, once."""
    qid = collection.questionnaire_version.questionnaire_id
    for plan in _plans(qid, large, small, collection.contract) or []:
        declaration = _declaration(collection, plan.supplier)
        _fill_in_and_submit(declaration, plan)
        _review(manager, declaration, plan)
