"""Demo data: a contract with collections for each shipped questionnaire, suppliers invited
to attest, and staff accounts whose passwords are generated afresh on every run."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import (
    Collection,
    Contract,
    ContractSupplier,
    Organisation,
    QuestionnaireVersion,
    User,
)
from svcollect.models._types import utcnow
from svcollect.models.contract import comparison_key
from svcollect.services.accounts import hash_password
from svcollect.services.collections import CollectionRequest, open_collection
from svcollect.services.declarations import invite_suppliers
from svcollect.services.questionnaires import registry, released_version, sync_releases

DEMO_REFERENCE = "DEMO-001"
#: not a real licence: WEMWBS needs registration before any real use (see README)
DEMO_LICENCE_REF = "DEMO ONLY - register with Warwick Medical School before real use"
DEMO_DOMAIN = "demo.svcollect.invalid"


@dataclass(frozen=True)
class DemoLink:
    questionnaire: str
    audience: str
    path: str


@dataclass
class Demo:
    links: list[DemoLink] = field(default_factory=list)
    #: (role, email, password) for the demo accounts
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def _organisation(name: str, kind: str, **fields: object) -> Organisation:
    existing = db.session.scalar(
        select(Organisation).filter_by(name_key=comparison_key(name), kind=kind)
    )
    if existing is not None:
        return existing
    organisation = Organisation(name=name, kind=kind, **fields)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def _account(demo: Demo, role: str, local: str, organisation: Organisation | None) -> User:
    email = f"{local}@{DEMO_DOMAIN}"
    password = secrets.token_urlsafe(12)
    user = db.session.scalar(select(User).filter_by(email=email))
    if user is None:
        user = User(
            email=email,
            name=local.replace("-", " ").title(),
            role=role,
            organisation_id=organisation.id if organisation else None,
        )
        db.session.add(user)
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1
    demo.accounts.append((role, email, password))
    return user


def seed_demo() -> Demo:
    """Create (once) the demo contract and its collections; print-ready links and accounts."""
    demo = Demo()
    reg = registry()
    sync_releases(reg)
    buyer = _organisation("Demo Borough Council", "buyer", wemwbs_licence_ref=DEMO_LICENCE_REF)
    prime = _organisation("Demo Facilities Ltd", "prime_supplier", employee_count=650)
    large = _organisation("Demo Cleaning Services Ltd", "supplier", employee_count=820)
    small = _organisation(
        "Demo Community Catering CIC", "supplier", employee_count=35, is_vcse=True
    )
    contract = db.session.scalar(
        select(Contract).filter_by(buyer_id=buyer.id, reference_key=comparison_key(DEMO_REFERENCE))
    )
    if contract is None:
        today = date.today()
        contract = Contract(
            reference=DEMO_REFERENCE,
            title="Demo facilities management contract",
            buyer_id=buyer.id,
            prime_supplier_id=prime.id,
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=3 * 365),
            value_gbp=2_500_000,
        )
        db.session.add(contract)
        db.session.flush()
        for supplier in (large, small, prime):
            db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=supplier.id))
    admin = _account(demo, "admin", "admin", None)
    manager = _account(demo, "contract_manager", "contract-manager", buyer)
    _account(demo, "supplier_user", "cleaning-supplier", large)
    _account(demo, "supplier_user", "catering-supplier", small)
    db.session.commit()

    # By questionnaire, not version: seeding again after a new version is released keeps
    # the demo's collection on the version it opened with rather than adding another.
    existing = {
        c.questionnaire_version.questionnaire_id: c
        for c in db.session.scalars(select(Collection).filter_by(contract_id=contract.id))
    }
    now = utcnow()
    for qid in reg.ids():
        questionnaire = reg.latest(qid)
        version = released_version(questionnaire.id, questionnaire.version)
        assert isinstance(version, QuestionnaireVersion)
        collection = existing.get(qid)
        supplier_only = questionnaire.audience == ("supplier",)
        if collection is None:
            collection = open_collection(
                CollectionRequest(
                    contract=contract,
                    version=version,
                    audience=questionnaire.audience[0],
                    wave="baseline",
                    label=f"Demo {questionnaire.title}",
                    opens_at=now - timedelta(days=1),
                    closes_at=now + timedelta(days=365),
                    access="supplier" if supplier_only else "open",
                ),
                licensee=buyer,
                actor=admin,
            )
            if supplier_only:
                invite_suppliers(manager, collection)
        if collection.access == "open":
            demo.links.append(
                DemoLink(questionnaire.title, collection.audience, f"/s/{collection.public_id}")
            )
    return demo
