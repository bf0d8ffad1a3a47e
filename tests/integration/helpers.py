"""Test helpers: factories for contracts and collections, and a respondent driving the journey."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from svcollect.extensions import db
from svcollect.models import Collection, Contract, Organisation
from svcollect.models._types import utcnow
from svcollect.services.collections import (
    CollectionRequest,
    issue_invitations,
    open_collection,
    tokens_of,
)
from svcollect.services.questionnaires import registry, released_version

CSRF = re.compile(r'<input[^>]*name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"')
IDEMPOTENCY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')
VERSION = re.compile(r'<input[^>]*name="version"[^>]*value="([^"]*)"')


def make_contract(reference: str | None = None, licence_ref: str | None = "LIC-1") -> Contract:
    reference = reference or f"C-{secrets.token_hex(4)}"
    # Buyers' names are unique (as compared), so each contract's buyer has its own.
    buyer = Organisation(
        name=f"Test Council {secrets.token_hex(3)}", kind="buyer", wemwbs_licence_ref=licence_ref
    )
    db.session.add(buyer)
    db.session.flush()
    contract = Contract(
        reference=reference,
        title="Test contract",
        buyer_id=buyer.id,
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=365),
    )
    db.session.add(contract)
    db.session.commit()
    return contract


def make_collection(
    questionnaire_id: str,
    *,
    contract: Contract | None = None,
    access: str = "open",
    wave: str = "baseline",
    audience: str | None = None,
    opens_in_days: float = -1,
    closes_in_days: float = 30,
) -> Collection:
    contract = contract or make_contract()
    questionnaire = registry().latest(questionnaire_id)
    version = released_version(questionnaire.id, questionnaire.version)
    assert version is not None
    now = utcnow()
    return open_collection(
        CollectionRequest(
            contract=contract,
            version=version,
            audience=audience or questionnaire.audience[0],
            wave=wave,
            label=f"Test {questionnaire_id}",
            opens_at=now + timedelta(days=opens_in_days),
            closes_at=now + timedelta(days=closes_in_days),
            access=access,
        ),
        licensee=contract.buyer,
        allow_past=True,  # tests build closed and past collections on purpose
    )


def invitations(collection: Collection, count: int = 1) -> list[str]:
    return tokens_of(issue_invitations(collection, count))


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@dataclass
class Respondent:
    """A person answering through the test client, following redirects as a browser does."""

    client: FlaskClient
    app: Flask
    key: str | None = None
    last: Any = None
    history: list[str] = field(default_factory=list)

    def get(self, url: str, **kwargs: Any) -> Any:
        self.last = self.client.get(url, **kwargs)
        db.session.expire_all()  # the request changed rows behind the test's session
        return self.last

    def post(self, url: str, data: dict[str, Any], *, token: bool = True, **kwargs: Any) -> Any:
        if token and "csrf_token" not in data:
            page = self.client.get(url)
            data = {**data, "csrf_token": csrf_token(page.get_data(as_text=True))}
        self.last = self.client.post(url, data=data, **kwargs)
        db.session.expire_all()
        return self.last

    def start(self, start_url: str, consent: str = "yes") -> Any:
        page = self.client.get(start_url)
        assert page.status_code == 200, page.status_code
        html = page.get_data(as_text=True)
        key_match = IDEMPOTENCY.search(html)
        assert key_match
        response = self.client.post(
            start_url,
            data={
                "csrf_token": csrf_token(html),
                "idempotency_key": key_match.group(1),
                "consent": consent,
            },
        )
        self.last = response
        if response.status_code == 303:
            self.key = response.headers["Location"].rstrip("/").split("/r/")[1].split("/")[0]
        return response

    def url(self, suffix: str = "") -> str:
        assert self.key
        return f"/r/{self.key}{suffix}"

    def new_code(self) -> Any:
        return self.post(self.url("/code"), {"choice": "new"})

    def answer(self, page_id: str, answers: dict[str, Any], **kwargs: Any) -> Any:
        return self.post(self.url(f"/page/{page_id}"), answers, **kwargs)

    def submit(self) -> Any:
        return self.post(self.url("/check"), {})


PASSWORD = "correct horse battery staple"


def make_organisation(name: str, kind: str, **fields: Any) -> Organisation:
    organisation = Organisation(name=name, kind=kind, **fields)
    db.session.add(organisation)
    db.session.commit()
    return organisation


def make_user(role: str, organisation: Organisation | None, email: str | None = None) -> Any:
    from svcollect.models import User
    from svcollect.services.accounts import hash_password

    user = User(
        email=email or f"{role}-{secrets.token_hex(3)}@example.org",
        name=f"Test {role}",
        role=role,
        organisation_id=organisation.id if organisation else None,
        password_hash=hash_password(PASSWORD),
    )
    db.session.add(user)
    db.session.commit()
    return user


def signed_in(app: Flask, user: Any) -> FlaskClient:
    """A client signed in as `user` through the real sign-in page."""
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    result = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(page), "email": user.email, "password": PASSWORD},
    )
    assert result.status_code in (302, 303), result.get_data(as_text=True)[:500]
    db.session.expire_all()
    return client


def contract_form(buyer: Organisation, reference: str, **overrides: Any) -> dict[str, Any]:
    """What a manager types on "Add a contract": a reference and title, three years' dates."""
    return {
        "reference": reference,
        "title": "Parks",
        "buyer_id": str(buyer.id),
        "prime_supplier_id": "0",
        "starts_on": ["1", "4", "2027"],
        "ends_on": ["31", "3", "2030"],
        **overrides,
    }


def decide(reviewer: Any, declaration: Any, code: str, decision: str, comment: str = "") -> Any:
    """A reviewer's decision on one standard, from a page read just now: at the standard's
    history as it is (services.declarations.review_standard refuses one read before)."""
    from svcollect.services.declarations import history_count, review_standard

    read = history_count(declaration, code)
    return review_standard(reviewer, declaration, code, decision, comment, read_version=read)


def post_form(
    client: FlaskClient,
    url: str,
    data: dict[str, Any],
    page: str | None = None,
    prefix: str | None = None,
) -> Any:
    """POST with the CSRF token read from `page` (or from `url` itself), and as a browser
    would, the version a change form was read at (unless `data` says which)."""
    html = client.get(page or url).get_data(as_text=True)
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    field = f"{prefix}-version" if prefix else "version"  # a standard's form has a prefix
    found = re.search(rf'<input[^>]*name="{field}"[^>]*value="([^"]*)"', html)
    read = {field: found.group(1)} if found else {}
    result = client.post(url, data={name: csrf_token(html), **read, **data})
    db.session.expire_all()
    return result


def seed_responses(collection: Collection, people: list[tuple[str | None, dict[str, Any]]]) -> None:
    """Submitted responses straight into the database: (respondent code, {question: value})."""
    from svcollect.models import Answer, Response
    from svcollect.services.respondent_codes import hash_code
    from svcollect.services.respondents import respondent_id

    version = collection.questionnaire_version
    salt = collection.contract.respondent_salt
    now = utcnow()
    for code, answers in people:
        response = Response(
            collection_id=collection.id,
            questionnaire_version_id=version.id,
            questionnaire_id=version.questionnaire_id,
            questionnaire_version=version.version,
            questionnaire_hash=version.content_hash,
            idempotency_key=secrets.token_hex(32),
            resume_key_hash=secrets.token_hex(32),
            reference="SV-" + secrets.token_hex(4).upper(),
            respondent_id=respondent_id(hash_code(salt, code)) if code else None,
            status="submitted",
            started_at=now,
            updated_at=now,
            submitted_at=now,
        )
        db.session.add(response)
        db.session.flush()
        for question_id, value in answers.items():
            number = float(value) if isinstance(value, (int, float)) else None
            db.session.add(
                Answer(
                    response_id=response.id,
                    question_id=question_id,
                    value_text=str(value),
                    value_number=number,
                )
            )
    db.session.commit()


def watched(page: Any) -> bool:
    """Whether a job status page watches itself (its job waits or runs). It never reloads
    itself, which would fail WCAG 2.2.1 (F41), and is never cached."""
    assert "Refresh" not in page.headers
    assert page.headers["Cache-Control"] == "no-store"
    return 'data-app-poll="' in page.get_data(as_text=True)


#: the other three ONS4 answers, when a test is about life satisfaction
ONS_OTHER = {"worthwhile": 7, "happiness": 7, "anxiety": 3}


def ons_pairs(
    contract: Contract, n: int, changes: list[float], base: tuple[int, ...] = (5, 6)
) -> tuple[Collection, Collection]:
    """Paired ONS4 waves: person i scores base[i % len(base)], then that plus changes[i % ...].

    The baselines differ (5 and 6, both "medium") so that no mean is every person's answer,
    which would be withheld however many people gave it.
    """
    baseline = make_collection("ons4", contract=contract)
    follow_up = make_collection("ons4", contract=contract, wave="follow_up")
    before = [base[i % len(base)] for i in range(n)]
    seed_responses(
        baseline,
        [(f"CODE{i:04d}", {"life_satisfaction": before[i], **ONS_OTHER}) for i in range(n)],
    )
    seed_responses(
        follow_up,
        [
            (
                f"CODE{i:04d}",
                {"life_satisfaction": before[i] + changes[i % len(changes)], **ONS_OTHER},
            )
            for i in range(n)
        ],
    )
    return baseline, follow_up


def translated_app(database_url: str, tmp_path: Any, catalog: Any) -> Flask:
    """The app reading its translations from a folder holding only ``catalog`` (a Babel
    Catalog; its locale names the language), written as `make translations-compile` would.
    Its test clients get a fresh app context per request, as real requests do."""
    from pathlib import Path

    from babel.messages.mofile import write_mo

    from svcollect import create_app
    from tests.conftest import IsolatedClient, make_config

    folder = Path(tmp_path) / "translations"
    messages = folder / str(catalog.locale) / "LC_MESSAGES"
    messages.mkdir(parents=True)
    with open(messages / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    app = create_app(
        make_config(database_url, Path(tmp_path), BABEL_TRANSLATION_DIRECTORIES=str(folder))
    )
    app.test_client_class = IsolatedClient
    return app
