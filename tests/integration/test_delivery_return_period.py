"""A delivery return's period ends on or after its start: online, on paper, on v1 and v2."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.imports import template_columns
from svcollect.models import Answer, Declaration, Response
from svcollect.models._types import utcnow
from svcollect.models.contract import ContractSupplier
from svcollect.services import imports as imports_svc
from svcollect.services.collections import CollectionRequest, open_collection
from svcollect.services.declarations import invite_suppliers
from svcollect.services.questionnaires import registry, released_version
from tests.integration.helpers import (
    make_contract,
    make_organisation,
    make_user,
    post_form,
    signed_in,
)
from tests.unit.imports.conftest import csv_bytes

TOO_EARLY = "The date this reporting period ends must be the same as or after the date it starts"
START = ["1", "4", "2026"]


def _collection(contract, version: int, access: str = "supplier"):
    released = released_version("delivery-return", version)
    assert released is not None
    now = utcnow()
    return open_collection(
        CollectionRequest(
            contract=contract,
            version=released,
            audience="supplier",
            wave="baseline",
            label=f"Returns v{version}",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
            access=access,
        ),
        licensee=contract.buyer,
    )


@pytest.fixture
def supplier(app):
    contract = make_contract()
    organisation = make_organisation("Returns Ltd", "supplier", employee_count=80)
    db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=organisation.id))
    db.session.commit()
    return {
        "contract": contract,
        "manager": make_user("contract_manager", contract.buyer),
        "user": make_user("supplier_user", organisation),
    }


def _draft(app, supplier, version: int):
    collection = _collection(supplier["contract"], version)
    [declaration] = invite_suppliers(supplier["manager"], collection)
    return signed_in(app, supplier["user"]), f"/supplier/declarations/{declaration.id}"


def _period(client, base: str, end: list[str]):
    return post_form(client, f"{base}/page/period", {"period_start": START, "period_end": end})


def _saved_dates() -> dict[str, str]:
    rows = db.session.execute(
        select(Answer.question_id, Answer.value_text).where(
            Answer.question_id.in_(["period_start", "period_end"])
        )
    )
    return {question_id: text for question_id, text in rows}


def test_new_collections_use_v2(app) -> None:
    assert registry().latest("delivery-return").version == 2


@pytest.mark.parametrize("version", [1, 2])
def test_a_supplier_cannot_save_a_period_ending_before_it_starts(app, supplier, version) -> None:
    client, base = _draft(app, supplier, version)
    refused = _period(client, base, ["31", "3", "2026"])
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert html.count(TOO_EARLY) == 2  # the error summary and the field
    assert 'href="#period_end-day"' in html
    assert _saved_dates() == {}
    same_day = _period(client, base, START)
    assert same_day.status_code == 303
    assert _saved_dates() == {"period_start": "2026-04-01", "period_end": "2026-04-01"}


def test_a_missing_start_gets_only_the_required_message(app, supplier) -> None:
    client, base = _draft(app, supplier, 2)
    result = post_form(
        client, f"{base}/page/period", {"period_start": ["", "", ""], "period_end": START}
    )
    assert result.status_code == 422
    html = result.get_data(as_text=True)
    assert "Enter the date this reporting period starts" in html
    assert TOO_EARLY not in html


def test_a_v1_draft_saved_before_the_rule_cannot_be_submitted(app, supplier) -> None:
    client, base = _draft(app, supplier, 1)
    declaration = db.session.scalar(select(Declaration))
    questionnaire = registry().get("delivery-return", 1)
    # A draft saved before the service layer checked v1's period: end before start, every
    # other page answered.
    answers = {"period_start": "2026-04-01", "period_end": "2026-03-31"}
    for question in questionnaire.questions():
        if question.type == "number":
            answers[question.id] = "0"
    for question_id, value in answers.items():
        number = float(value) if value == "0" else None
        db.session.add(
            Answer(
                response_id=declaration.response_id,
                question_id=question_id,
                value_text=value,
                value_number=number,
            )
        )
    db.session.commit()
    shown = client.get(f"{base}/check")
    assert shown.status_code == 302
    assert shown.headers["Location"].endswith(f"{base}/page/period")
    refused = post_form(client, f"{base}/check", {}, page=f"{base}/page/period")
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.get(Declaration, declaration.id).status == "draft"
    assert _period(client, base, ["31", "3", "2026"]).status_code == 422
    assert _period(client, base, ["30", "6", "2026"]).status_code == 303
    assert post_form(client, f"{base}/check", {}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Declaration, declaration.id).status == "submitted"


@pytest.mark.parametrize("version", [1, 2])
def test_an_import_with_a_period_ending_before_it_starts_stores_nothing(
    app, supplier, version
) -> None:
    collection = _collection(supplier["contract"], version, access="open")
    questionnaire = registry().get("delivery-return", version)
    header = template_columns(questionnaire)
    values = {name: "" for name in header}
    values.update({q.id: "0" for q in questionnaire.questions() if q.type == "number"})
    good = {**values, "row_id": "R1", "period_start": "2026-04-01", "period_end": "2026-04-01"}
    bad = {**values, "row_id": "R2", "period_start": "01/04/2026", "period_end": "31/03/2026"}
    data = csv_bytes([header, list(good.values()), list(bad.values())])
    outcome = imports_svc.import_responses(collection, "returns.csv", data)
    assert [str(problem) for problem in outcome.problems] == [
        f"Row 3, column period_end: {TOO_EARLY} (period_start is 1 April 2026)"
    ]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    fixed = csv_bytes([header, list(good.values())])
    assert imports_svc.import_responses(collection, "returns.csv", fixed).imported == 1
