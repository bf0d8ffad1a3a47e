"""Every staff route, walked with every role and another organisation's ids: nothing leaks.

The walk is generated from the app's URL map, so a new route is covered the day it is added;
a route that takes an id this test does not know how to fill fails the test.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import (
    AuditEvent,
    Commitment,
    Declaration,
    EvidenceFile,
    StandardEvent,
    ValuationRoute,
)
from svcollect.models._types import utcnow
from svcollect.models.contract import ContractSupplier
from svcollect.services.declarations import invite_suppliers
from svcollect.services.evidence import store_upload
from svcollect.services.questionnaires import questionnaire_for
from tests.integration.helpers import (
    csrf_token,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    signed_in,
)

#: blueprints whose routes need a signed-in staff member
STAFF_BLUEPRINTS = (
    "manage",
    "questionnaires",
    "review",
    "supplier",
    "evidence",
    "admin",
    "valuation",
    "results",
    "imports",
    "dashboard",
    "exports",
)
#: routes that are for everyone (sign-in, set password) or only redirect
PUBLIC = {
    "auth.sign_in",
    "auth.signed_out",
    "auth.set_password",
    "auth.password_set",
    "results.methodology",
}
#: routes that show every manager the same shared content (released questionnaires)
SHARED = {"questionnaires.preview"}


@pytest.fixture
def victim(app):
    """Organisation A's contract, collections, a supplier's declaration and evidence."""
    contract = make_contract()
    supplier = make_organisation("Victim Supplier", "supplier", employee_count=10)
    db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=supplier.id))
    db.session.commit()
    collection = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    manager = make_user("contract_manager", contract.buyer)
    supplier_user = make_user("supplier_user", supplier)
    [declaration] = invite_suppliers(manager, collection)
    questionnaire = questionnaire_for(collection.questionnaire_version)
    from werkzeug.datastructures import FileStorage

    upload = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="secret.pdf")
    evidence = store_upload(declaration.response, questionnaire.question("mhaw_1_evidence"), upload)
    db.session.commit()
    from svcollect.services.valuation import import_value_table

    table = import_value_table(
        manager,
        "Victim table",
        "victim.csv",
        b"outcome_code,description,unit,value,price_year,source,licence,deadweight_included\n"
        b"x1,Thing,person,10,2019,Own research,Own,no\n",
    )
    assert not isinstance(table, list)
    from svcollect.models import ExportJob, ImportJob

    job = ExportJob(contract_id=contract.id, status="done", progress=100)
    imported = ImportJob(
        collection_id=collection.id,
        status="failed",
        file_name="returns.xlsx",
        sha256="0" * 64,
        size_bytes=1,
        finished_at=utcnow(),
    )
    commitment = Commitment(
        contract_id=contract.id,
        measure_code="mh_first_aiders_trained",
        unit="people",
        target=20,
        due_on=date(2027, 3, 31),
    )
    route = ValuationRoute(contract_id=contract.id, route="wellby")
    db.session.add_all([job, imported, commitment, route])
    db.session.commit()
    from svcollect.services.collections import issue_invitations

    batch = issue_invitations(collection, 1, actor=manager)
    return {
        "batch_id": batch.id,
        "commitment_id": commitment.id,
        "route_id": route.id,
        "version_id": collection.questionnaire_version_id,
        "job_id": job.id,
        "import_id": imported.id,
        "contract_id": contract.id,
        "table_id": table.id,
        "collection_id": collection.id,
        "declaration_id": declaration.id,
        "file_id": evidence.id,
        "organisation_id": supplier.id,
        "user_id": supplier_user.id,
        "manager": manager,
        "supplier_user": supplier_user,
    }


@pytest.fixture
def outsiders(app):
    """Staff of other organisations, with nothing to do with the victim's contract."""
    other_buyer = make_organisation("Other Council", "buyer")
    other_supplier = make_organisation("Other Supplier", "supplier")
    return {
        "foreign manager": make_user("contract_manager", other_buyer),
        "foreign supplier": make_user("supplier_user", other_supplier),
    }


def _staff_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS and rule.endpoint not in PUBLIC:
            yield rule


def _url(rule, ids) -> str:
    values = {}
    for name in rule.arguments:
        if name == "code":
            values[name] = "mhaw_1"
        elif name == "page_id":
            values[name] = "organisation"
        elif name == "kind":
            values[name] = "xlsx"
        else:
            assert name in ids, f"{rule.endpoint}: the walk does not know how to fill <{name}>"
            values[name] = ids[name]
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def _state(app) -> tuple[int, ...]:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(StandardEvent)),
        db.session.scalar(select(func.count()).select_from(Declaration)),
        db.session.scalar(select(func.count()).select_from(EvidenceFile)),
    )


def test_anonymous_visitors_are_sent_to_sign_in(app, victim):
    client = app.test_client()
    for rule in _staff_rules(app):
        url = _url(rule, victim)
        method = "GET" if "GET" in rule.methods else "POST"
        result = client.open(url, method=method)
        # A POST without a session has no CSRF token either: refused before anything else.
        allowed = (302, 401, 400) if method == "POST" else (302, 401)
        assert result.status_code in allowed, (rule.endpoint, result.status_code)
        if result.status_code == 302:
            assert "/sign-in" in result.headers["Location"], rule.endpoint


@pytest.mark.parametrize("who", ["foreign manager", "foreign supplier"])
def test_other_organisations_get_404_on_every_route(app, victim, outsiders, who):
    client = signed_in(app, outsiders[who])
    # Any page with a form carries the session's CSRF token.
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    before = _state(app)
    checked = 0
    for rule in _staff_rules(app):
        url = _url(rule, victim)
        if not rule.arguments:
            continue  # lists: their content is checked below
        if rule.endpoint in SHARED and who == "foreign manager":
            assert client.get(url).status_code == 200, rule.endpoint
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token, "mhaw_1-csrf_token": token}
            result = client.open(url, method=method, data=data if method == "POST" else None)
            assert result.status_code == 404, (who, method, rule.endpoint, result.status_code)
            checked += 1
    assert checked >= 10
    assert _state(app) == before
    # Lists show nothing of the victim's.
    for url in ("/manage/", "/supplier/"):
        html = client.get(url).get_data(as_text=True)
        assert "Victim Supplier" not in html
        assert victim["manager"].organisation.name not in html or who == "foreign supplier"


def test_suppliers_cannot_use_manager_routes_on_their_own_records(app, victim):
    client = signed_in(app, victim["supplier_user"])
    for rule in _staff_rules(app):
        if rule.endpoint.split(".")[0] not in ("manage", "review", "admin") or not rule.arguments:
            continue
        result = (
            client.get(_url(rule, victim))
            if "GET" in rule.methods
            else client.post(_url(rule, victim))
        )
        assert result.status_code in (404, 400), (rule.endpoint, result.status_code)


def test_managers_cannot_act_as_the_supplier(app, victim):
    client = signed_in(app, victim["manager"])
    result = client.get(f"/supplier/declarations/{victim['declaration_id']}/page/organisation")
    assert result.status_code == 404


def test_audit_log_records_sign_ins(app, victim):
    signed_in(app, victim["manager"])
    assert db.session.scalar(
        select(AuditEvent).filter_by(action="sign_in", actor_id=victim["manager"].id)
    )
