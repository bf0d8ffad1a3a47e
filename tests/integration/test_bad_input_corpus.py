"""A corpus of hostile input, sent through every kind of field people fill in.

Classes taken from vulnerabilities real survey tools shipped: formula injection, stored and
reflected XSS, SQL injection, template injection, path traversal, NUL and malformed
Unicode, oversized values, missing and foreign CSRF tokens. For every case: no 5xx, the
value is either refused with a message or stored exactly and shown escaped. Browser checks
(no script runs) and export checks (no formula cells) live with the browser and export tests.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import Answer, Contract, StandardEvent
from tests.integration.helpers import (
    Respondent,
    csrf_token,
    make_collection,
    make_organisation,
    make_user,
    post_form,
    signed_in,
)

FORMULA_PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
FORMULAS = [f"{p}{body}" for p in FORMULA_PREFIXES for body in ("1+1", "cmd|'/c calc'!A1")]
XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "<a href='javascript:alert(1)'>x</a>",
    "</textarea><script>alert(1)</script>",
    "<iframe src=//example.invalid>",
    "'-alert(1)-'",
]
TEMPLATE = ["{{7*7}}", "${7*7}", "{% print 7*7 %}", "#{7*7}", "%(x)s %s %d"]
SQL = [
    "' OR '1'='1",
    '"; DROP TABLE answer; --',
    "1; SELECT pg_sleep(5); --",
    "' UNION SELECT password_hash FROM user_account --",
    "\\'; DELETE FROM response; --",
]
TRAVERSAL = ["../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/shadow", "%2e%2e%2f%2e%2e%2f"]
UNICODE = [
    "a\u202eb",  # right-to-left override
    "\u200b\u200b",  # zero-width spaces only
    "Ｌｅｅｄｓ",  # full-width letters
    "e\u0301",  # combining accent (normalised to é)
    "🏳️‍🌈" * 10,
    "مرحبا",
]
CONTROL = ["Leeds\x00", "\x00", "a\x1bb", "a\x7fb"]
LONG = ["x" * 10_000]
STORED_AS_GIVEN = FORMULAS + XSS + TEMPLATE + SQL + TRAVERSAL + UNICODE
REFUSED = CONTROL + LONG
CORPUS = STORED_AS_GIVEN + REFUSED


def _shown_safely(page: str, value: str) -> bool:
    """The raw markup never appears unescaped."""
    if "<" in value or ">" in value:
        return value not in page
    return True


def test_corpus_is_at_least_three_hundred_cases():
    fields = len(FIELD_CASES)
    assert len(CORPUS) * fields >= 300, (len(CORPUS), fields)


def _respondent_text(app, field: str):
    collection = make_collection("supplier-adherence")
    person = Respondent(app.test_client(), app)
    person.start(f"/s/{collection.public_id}")
    return person


def _check_respondent_location(app, value: str) -> str | None:
    person = _respondent_text(app, "location")
    page = app.extensions["svcollect.questionnaires"].latest("supplier-adherence").pages[0]
    data = {"employee_count": "40", "is_sme": "yes", "is_vcse": "no", "location": value}
    result = person.answer(page.id, data)
    if result.status_code >= 500:
        return f"{result.status_code} for {value!r}"
    if result.status_code == 303:
        stored = db.session.scalar(
            select(Answer.value_text)
            .where(Answer.question_id == "location")
            .order_by(Answer.id.desc())
        )
        shown = person.get(person.url(f"/page/{page.id}")).get_data(as_text=True)
        if not _shown_safely(shown, stored or ""):
            return f"unescaped {value!r}"
        if value.strip() and stored is None:
            return f"lost {value!r}"
    elif result.status_code != 422 or "govuk-error-summary" not in result.get_data(as_text=True):
        return f"{result.status_code} without a message for {value!r}"
    return None


def _check_contract_title(app, value: str, client, buyer_id: int, n: int) -> str | None:
    data = {
        "reference": f"REF-{n}",
        "title": value,
        "buyer_id": str(buyer_id),
        "prime_supplier_id": "0",
        "starts_on": ["1", "4", "2026"],
        "ends_on": ["1", "4", "2027"],
    }
    result = post_form(client, "/manage/contracts/new", data)
    if result.status_code >= 500:
        return f"{result.status_code} for {value!r}"
    if result.status_code in (302, 303):
        contract = db.session.scalar(select(Contract).filter_by(reference=f"REF-{n}"))
        listing = client.get("/manage/").get_data(as_text=True)
        detail = client.get(f"/manage/contracts/{contract.id}").get_data(as_text=True)
        if not (_shown_safely(listing, value) and _shown_safely(detail, value)):
            return f"unescaped {value!r}"
    elif "govuk-error-summary" not in result.get_data(as_text=True):
        return f"{result.status_code} without a message for {value!r}"
    return None


def _check_search_like_urls(client, value: str) -> str | None:
    from urllib.parse import quote

    for url in (f"/s/{quote(value, safe='')}", f"/r/{quote(value, safe='')}/page/x"):
        result = client.get(url)
        if result.status_code >= 500:
            return f"{result.status_code} on {url}"
        body = result.get_data(as_text=True)
        if ("<" in value) and value in body:
            return f"reflected {value!r}"
    return None


def _check_organisation_name(app, value: str, admin_client, n: int) -> str | None:
    data = {"name": value, "kind": "supplier", "employee_count": "10"}
    result = post_form(admin_client, "/admin/organisations/new", data)
    if result.status_code >= 500:
        return f"{result.status_code} for {value!r}"
    if result.status_code in (302, 303):
        listing = admin_client.get("/admin/organisations").get_data(as_text=True)
        if not _shown_safely(listing, value):
            return f"unescaped {value!r}"
    elif "govuk-error-summary" not in result.get_data(as_text=True):
        return f"{result.status_code} without a message for {value!r}"
    return None


def _check_form_field(
    client, url: str, data: dict[str, object], value: str, listing: str, saved: str = ""
) -> str | None:
    """Refused with an error summary, or saved (a redirect, or a page containing `saved`)
    and shown escaped on `listing`."""
    result = post_form(client, url, data)
    if result.status_code >= 500:
        return f"{result.status_code} on {url} for {value!r}"
    body = result.get_data(as_text=True)
    if result.status_code in (302, 303) or (saved and result.status_code == 200 and saved in body):
        if not _shown_safely(client.get(listing).get_data(as_text=True), value):
            return f"unescaped {value!r} on {listing}"
    elif "govuk-error-summary" not in body:
        return f"{result.status_code} without a message on {url} for {value!r}"
    return None


FIELD_CASES = [
    "respondent_text",
    "respondent_code",
    "contract_title",
    "collection_label",
    "url_path",
    "organisation_name",
    "user_name",
    "sign_in_email",
]


def test_respondent_text_answers(app):
    failures = [f for v in CORPUS if (f := _check_respondent_location(app, v))]
    assert failures == []


def test_contract_titles(app):
    buyer = make_organisation("Corpus Council", "buyer")
    client = signed_in(app, make_user("contract_manager", buyer))
    failures = [
        f for n, v in enumerate(CORPUS) if (f := _check_contract_title(app, v, client, buyer.id, n))
    ]
    assert failures == []


def test_url_paths(app, client):
    failures = [
        f
        for v in [*CORPUS, "..%2f..%2f", "%00", "%c0%af", "%ff%fe"]
        if (f := _check_search_like_urls(client, v))
    ]
    assert failures == []


def test_organisation_names(app):
    admin_client = signed_in(app, make_user("admin", None))
    failures = [
        f
        for n, v in enumerate(CORPUS)
        if (f := _check_organisation_name(app, f"{v} {n}"[:300], admin_client, n))
    ]
    assert failures == []


def test_respondent_code_entry(app):
    collection = make_collection("ons4")
    failures = []
    for value in CORPUS:
        person = Respondent(app.test_client(), app)
        person.start(f"/s/{collection.public_id}")
        person.post(person.url("/code"), {"choice": "enter"})
        result = person.post(person.url("/code/enter"), {"code": value})
        if result.status_code != 422 or "govuk-error-summary" not in result.get_data(as_text=True):
            failures.append(f"{result.status_code} for {value!r}")
    assert failures == []


def test_collection_labels(app):
    buyer = make_organisation("Label Council", "buyer")
    client = signed_in(app, make_user("contract_manager", buyer))
    post_form(
        client,
        "/manage/contracts/new",
        {
            "reference": "LBL",
            "title": "Labels",
            "buyer_id": str(buyer.id),
            "prime_supplier_id": "0",
            "starts_on": ["1", "4", "2026"],
            "ends_on": ["1", "4", "2027"],
        },
    )
    contract = db.session.scalar(select(Contract).filter_by(reference="LBL"))
    version = make_collection("ons4").questionnaire_version
    url = f"/manage/contracts/{contract.id}/collections/new"
    failures = []
    for value in CORPUS:
        data = {
            "questionnaire": str(version.id),
            "audience": "workforce",
            "wave": "baseline",
            "access": "open",
            "label": value,
            "opens_on": ["1", "1", "2026"],
            "closes_on": ["31", "12", "2030"],
        }
        failure = _check_form_field(client, url, data, value, f"/manage/contracts/{contract.id}")
        if failure:
            failures.append(failure)
    assert failures == []


def test_user_names(app):
    org = make_organisation("Names Council", "buyer")
    admin_client = signed_in(app, make_user("admin", None))
    failures = []
    for n, value in enumerate(CORPUS):
        data = {
            "email": f"corpus{n}@example.org",
            "name": value,
            "role": "contract_manager",
            "organisation_id": str(org.id),
        }
        failure = _check_form_field(
            admin_client, "/admin/users/new", data, value, "/admin/users", saved="/set-password/"
        )
        if failure:
            failures.append(failure)
    assert failures == []


def test_sign_in_emails(app):
    client = app.test_client()
    failures = []
    for value in CORPUS:
        page = client.get("/sign-in").get_data(as_text=True)
        result = client.post(
            "/sign-in", data={"csrf_token": csrf_token(page), "email": value, "password": value}
        )
        body = result.get_data(as_text=True)
        if result.status_code >= 500 or not _shown_safely(body, value):
            failures.append(f"{result.status_code} for {value!r}")
    assert failures == []


def test_review_comments_are_escaped(app):
    from tests.integration.test_attestation import _attest, _declaration, _invite, _review

    contract_world = _attestation_world(app)
    manager = _invite(app, contract_world)
    _attest(
        app,
        contract_world["large_user"],
        contract_world["large"],
        40,
        {"mhaw_1": "in_place"} | {f"mhaw_{i}": "in_place" for i in range(2, 7)},
    )
    declaration = _declaration(contract_world["large"])
    for n, value in enumerate(XSS + FORMULAS + SQL):
        code = f"mhaw_{n % 6 + 1}"
        result = _review(manager, declaration, code, "queried", value)
        assert result.status_code in (303, 422), (value, result.status_code)
    page = manager.get(f"/manage/declarations/{declaration.id}").get_data(as_text=True)
    for value in XSS:
        assert _shown_safely(page, value), value
    assert "&lt;script&gt;" in page
    assert db.session.scalars(select(StandardEvent)).all()


def _attestation_world(app):
    from svcollect.models.contract import ContractSupplier
    from tests.integration.helpers import make_contract

    contract = make_contract()
    large = make_organisation("Corpus Supplier", "supplier", employee_count=40)
    db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=large.id))
    db.session.commit()
    collection = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    return {
        "contract": contract,
        "collection": collection,
        "manager": make_user("contract_manager", contract.buyer),
        "large": large,
        "large_user": make_user("supplier_user", large),
    }


@pytest.mark.parametrize("token", ["", "not-a-token", "A" * 200])
def test_missing_or_forged_csrf_on_staff_forms(app, token):
    buyer = make_organisation("CSRF Council", "buyer")
    client = signed_in(app, make_user("contract_manager", buyer))
    data = {"reference": "X", "title": "Y", "buyer_id": str(buyer.id)}
    if token:
        data["csrf_token"] = token
    result = client.post("/manage/contracts/new", data=data)
    assert result.status_code == 400
    assert db.session.scalars(select(Contract)).all() == []


def test_token_from_another_session_is_refused(app):
    buyer = make_organisation("Replay Council", "buyer")
    first = signed_in(app, make_user("contract_manager", buyer))
    second = signed_in(app, make_user("contract_manager", buyer))
    token = csrf_token(first.get("/manage/contracts/new").get_data(as_text=True))
    result = second.post(
        "/manage/contracts/new",
        data={"csrf_token": token, "reference": "R", "title": "T", "buyer_id": str(buyer.id)},
    )
    assert result.status_code == 400
