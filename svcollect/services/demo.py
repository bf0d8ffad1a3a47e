"""Demo data: a contract with an open collection for each shipped questionnaire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import Collection, Contract, Organisation, QuestionnaireVersion
from svcollect.models._types import utcnow
from svcollect.services.collections import CollectionRequest, open_collection
from svcollect.services.questionnaires import registry, released_version, sync_releases

DEMO_REFERENCE = "DEMO-001"
#: not a real licence: WEMWBS needs registration before any real use (see README)
DEMO_LICENCE_REF = "DEMO ONLY - register with Warwick Medical School before real use"


@dataclass(frozen=True)
class DemoLink:
    questionnaire: str
    audience: str
    path: str


def seed_demo() -> list[DemoLink]:
    """Create (once) the demo contract and its collections; returns their open links."""
    reg = registry()
    sync_releases(reg)
    contract = db.session.scalar(select(Contract).filter_by(reference=DEMO_REFERENCE))
    if contract is None:
        buyer = Organisation(
            name="Demo Borough Council", kind="buyer", wemwbs_licence_ref=DEMO_LICENCE_REF
        )
        prime = Organisation(
            name="Demo Facilities Ltd", kind="prime_supplier", employee_count=650, is_sme=False
        )
        db.session.add_all([buyer, prime])
        db.session.flush()
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
        db.session.commit()
    existing = {
        c.questionnaire_version_id: c
        for c in db.session.scalars(select(Collection).filter_by(contract_id=contract.id))
    }
    links = []
    now = utcnow()
    for qid in reg.ids():
        questionnaire = reg.latest(qid)
        version = released_version(questionnaire.id, questionnaire.version)
        assert isinstance(version, QuestionnaireVersion)
        collection = existing.get(version.id)
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
                ),
                licensee=contract.buyer,
            )
        links.append(
            DemoLink(questionnaire.title, collection.audience, f"/s/{collection.public_id}")
        )
    return links
