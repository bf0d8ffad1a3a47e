"""Demo data: a contract part-way through, built through the services real users go through.

`seed_demo` makes (once) a buyer, a prime supplier and two subcontractors, one contract
and its staff accounts (passwords generated afresh on every run), then what months of
work on the contract would have left:

- for ONS4, SWEMWBS and loneliness, a baseline that ran and closed months ago and a
  follow-up that closed three weeks ago, each with synthetic paper returns imported as
  real ones are (`import_jobs.start_import` and `run_import`), most people answering both
  waves under the same respondent code;
- an open collection of each workforce questionnaire, whose link is printed, so a person
  can answer one (the employer's screens leave these out while they are open);
- commitments made at bid, suppliers' declarations and delivery returns with evidence
  files, reviewed by the buyer's contract manager (`demo_suppliers`);
- recorded valuation assumptions, a WELLBY route over the ONS4 waves and a counted route
  priced from a value table whose figures are invented (never HACT or National TOMs).

Every answer, declaration and evidence file is synthetic (`demo_answers`, fixed seed).
Running it again finds what it made, by contract reference, collection label, import,
commitment measure, route and table name, and adds nothing twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import (
    Collection,
    Contract,
    ContractSupplier,
    Organisation,
    QuestionnaireVersion,
    User,
    ValueTable,
)
from svcollect.models._types import UK, utcnow
from svcollect.models.contract import comparison_key
from svcollect.models.jobs import ImportJob
from svcollect.scoring.assumptions import InvalidAssumptionsError
from svcollect.services import import_jobs
from svcollect.services.accounts import hash_password
from svcollect.services.collections import (
    CollectionRefused,
    CollectionRequest,
    open_collection,
    uk_day_bounds,
    uk_today,
)
from svcollect.services.commitments import add_commitment, commitments_of
from svcollect.services.contracts import ContractRefused
from svcollect.services.declarations import (
    DeclarationRefused,
    invite_suppliers,
    supplier_collections,
)
from svcollect.services.demo_answers import ANSWERED, file_name, paper_returns, workforce
from svcollect.services.demo_suppliers import DemoFailed, answer_and_review
from svcollect.services.evidence import UploadRejected
from svcollect.services.imports import ImportRefused
from svcollect.services.outcomes import outcome_map
from svcollect.services.questionnaires import (
    questionnaire_for,
    registry,
    released_version,
    sync_releases,
)
from svcollect.services.valuation import (
    ValuationRefused,
    add_route,
    current_assumptions,
    import_value_table,
    record_assumptions,
    routes_of,
)

DEMO_REFERENCE = "DEMO-001"
#: not a real licence: WEMWBS needs registration before any real use (see README)
DEMO_LICENCE_REF = "DEMO ONLY - register with Warwick Medical School before real use"
DEMO_DOMAIN = "demo.svcollect.invalid"
SYNTHETIC_NOTE = (
    "The survey answers, supplier declarations and evidence files already in the demo are "
    "synthetic: made up by this command from a fixed seed, not given by real people."
)
EMPLOYER_NOTE = (
    "facilities-manager is the prime supplier's contract manager: its organisation employs "
    "the workforce, so it sees every figure but no one's answers, and only from surveys "
    "that have closed."
)

#: how long before the first seeding the contract started and each past wave ran (UK days
#: before today: opened, last day open); later runs find the collections as they are
CONTRACT_STARTED = 270
PAST_WAVES = {"baseline": (245, 218), "follow_up": (63, 22)}
PAST_LABELS = {
    "baseline": ": first survey (synthetic answers)",
    "follow_up": ": six months on (synthetic answers)",
}
OPEN_LABEL = ": open link to try"

#: commitments made at bid: measure code, target, due (days after the contract starts;
#: None: on its last day)
COMMITMENTS: tuple[tuple[str, Decimal, int | None], ...] = (
    ("mh_first_aiders_trained", Decimal(12), 364),
    ("supply_chain_mhaw_adherence", Decimal(75), 364),
    ("volunteering_hours_local", Decimal(1200), None),
)

DEMO_ASSUMPTIONS = {
    "reporting_price_year": 2024,
    "deadweight": 0.25,
    "sources": {
        "reporting_price_year": (
            "Demo choice: figures in 2024 prices, uplifted with the shipped HM Treasury GDP "
            "deflators"
        ),
        "deadweight": (
            "Demo assumption, invented for illustration: a quarter of the change would have "
            "happened anyway (one of the SROI guide's 25% steps)"
        ),
    },
}
VALUE_TABLE_NAME = "Demo values \u2014 invented for illustration, not HACT or TOMs"
VALUE_TABLE_FILE = "demo-values-invented.csv"
VOLUNTEERING = "volunteering_hours_local"
VALUE_TABLE = (
    b"outcome_code,description,unit,value,price_year,source,licence,deadweight_included\n"
    b"demo_volunteering_hour,An hour volunteered in the local community: an invented figure "
    b"for the demo only,hour,10.00,2024,svcollect demo data: invented for illustration; not "
    b"from HACT or National TOMs or any value bank,None: an invented demo figure; never use "
    b"it for real reporting,no\n"
)


#: what the services refuse with, each saying why
REFUSALS = (
    CollectionRefused,
    ContractRefused,
    DeclarationRefused,
    ImportRefused,
    InvalidAssumptionsError,
    UploadRejected,
    ValuationRefused,
)


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
    #: what a person trying the demo should know, printed after the accounts
    notes: list[str] = field(default_factory=list)


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


@dataclass(frozen=True)
class _People:
    admin: User
    manager: User
    large: User
    small: User


def seed_demo() -> Demo:
    """Create (once) the demo contract and its history; print-ready links and accounts."""
    demo = Demo(notes=[SYNTHETIC_NOTE, EMPLOYER_NOTE])
    sync_releases(registry())
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
        started = uk_today() - timedelta(days=CONTRACT_STARTED)
        contract = Contract(
            reference=DEMO_REFERENCE,
            title="Demo facilities management contract",
            buyer_id=buyer.id,
            prime_supplier_id=prime.id,
            starts_on=started,
            ends_on=started + timedelta(days=3 * 365),
            value_gbp=2_500_000,
        )
        db.session.add(contract)
        db.session.flush()
        for supplier in (large, small, prime):
            db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=supplier.id))
    people = _People(
        admin=_account(demo, "admin", "admin", None),
        manager=_account(demo, "contract_manager", "contract-manager", buyer),
        large=_account(demo, "supplier_user", "cleaning-supplier", large),
        small=_account(demo, "supplier_user", "catering-supplier", small),
    )
    # The workforce's employer: its screens and packs show figures, never answers.
    _account(demo, "contract_manager", "facilities-manager", prime)
    db.session.commit()

    try:
        waves = _collections(demo, contract, buyer, people)
        _import_paper_returns(people.manager, waves)
        _commitments(people.manager, contract)
        for collection in supplier_collections(contract):
            answer_and_review(collection, people.manager, people.large, people.small)
        _valuation(people.manager, contract, waves)
    except REFUSALS as refused:
        # A database changed by hand since the demo made it (a route removed and another
        # added, say): what was made so far stays, and the message says what was refused.
        db.session.rollback()
        raise DemoFailed(f"{type(refused).__name__}: {refused}") from refused
    return demo


def _version(questionnaire_id: str) -> QuestionnaireVersion:
    questionnaire = registry().latest(questionnaire_id)
    version = released_version(questionnaire.id, questionnaire.version)
    assert isinstance(version, QuestionnaireVersion)
    return version


def _find(existing: list[Collection], qid: str, wave: str | None) -> Collection | None:
    """The demo's collection of this questionnaire: a past wave by its label's ending, the
    open one (or a supplier one) as any other, as earlier demos labelled it."""
    mine = [c for c in existing if c.questionnaire_version.questionnaire_id == qid]
    if wave is not None:
        ending = PAST_LABELS[wave]
        return next((c for c in mine if c.wave == wave and c.label.endswith(ending)), None)
    past = tuple(PAST_LABELS.values())
    return next((c for c in mine if not c.label.endswith(past)), None)


#: questionnaire id -> wave -> its past collection with synthetic answers
Waves = dict[str, dict[str, Collection]]


def _collections(demo: Demo, contract: Contract, buyer: Organisation, people: _People) -> Waves:
    """Open (once) each questionnaire's collections; the open links go into `demo`."""
    # By questionnaire, not version: seeding again after a new version is released keeps
    # the demo's collections on the versions they opened with rather than adding more.
    existing = list(db.session.scalars(select(Collection).filter_by(contract_id=contract.id)))
    today, now = uk_today(), utcnow()
    reg = registry()
    waves: Waves = {}
    for qid in reg.ids():
        questionnaire = reg.latest(qid)
        audience = questionnaire.audience[0]
        supplier_only = questionnaire.audience == ("supplier",)
        for wave in PAST_LABELS if qid in ANSWERED else ():
            collection = _find(existing, qid, wave)
            if collection is None:
                opened, last = PAST_WAVES[wave]
                opens_at, closes_at = uk_day_bounds(
                    today - timedelta(days=opened), today - timedelta(days=last)
                )
                collection = _open(
                    CollectionRequest(
                        contract=contract,
                        version=_version(qid),
                        audience=audience,
                        wave=wave,
                        label=f"Demo {questionnaire.title}{PAST_LABELS[wave]}",
                        opens_at=opens_at,
                        closes_at=closes_at,
                    ),
                    buyer,
                    people.manager,
                )
            waves.setdefault(qid, {})[wave] = collection
        collection = _find(existing, qid, None)
        if collection is None:
            collection = _open(
                CollectionRequest(
                    contract=contract,
                    version=_version(qid),
                    audience=audience,
                    wave="baseline",
                    label=f"Demo {questionnaire.title}" + ("" if supplier_only else OPEN_LABEL),
                    opens_at=now - timedelta(days=1),
                    closes_at=now + timedelta(days=365),
                    access="supplier" if supplier_only else "open",
                ),
                buyer,
                people.admin,
            )
            if supplier_only:
                invite_suppliers(people.manager, collection)
        if collection.access == "open":
            demo.links.append(
                DemoLink(questionnaire.title, collection.audience, f"/s/{collection.public_id}")
            )
    return waves


def _open(request: CollectionRequest, buyer: Organisation, actor: User) -> Collection:
    # allow_past: the demo builds waves that ran months ago on purpose.
    return open_collection(request, licensee=buyer, actor=actor, allow_past=True)


def _days_open(collection: Collection) -> tuple[date, date]:
    """The UK days a past wave was open (its first, and its last up to today)."""
    first = collection.opens_at.astimezone(UK).date()
    last = (collection.closes_at - timedelta(microseconds=1)).astimezone(UK).date()
    return first, min(last, uk_today())


def _import_paper_returns(manager: User, waves: Waves) -> None:
    """Each past wave's synthetic returns, imported once as a contract manager would."""
    people = workforce()
    for qid, by_wave in waves.items():
        for wave, collection in by_wave.items():
            done = db.session.scalar(
                select(ImportJob.id).filter_by(collection_id=collection.id, status="done").limit(1)
            )
            if done is not None:
                continue
            questionnaire = questionnaire_for(collection.questionnaire_version)
            job = import_jobs.start_import(
                manager,
                collection,
                file_name(qid, wave),
                paper_returns(questionnaire, wave, people, _days_open(collection)),
            )
            finished = import_jobs.run_import(job.id)
            if finished is None or finished.status != "done":
                problems = "; ".join(
                    p.message for p in (import_jobs.problems_of(finished) if finished else [])[:5]
                )
                message = finished.message if finished else "the import disappeared"
                raise DemoFailed(f"importing {collection.label}: {message} {problems}".strip())


def _commitments(manager: User, contract: Contract) -> None:
    made = {c.measure_code for c in commitments_of(contract)}
    measures = outcome_map().measures
    for code, target, due_after in COMMITMENTS:
        if code in made:
            continue
        due_on: date = (
            contract.ends_on if due_after is None else contract.starts_on + timedelta(due_after)
        )
        add_commitment(manager, contract, code, measures[code].unit, target, due_on, set(measures))


def _value_table(manager: User) -> ValueTable:
    found = db.session.scalar(
        select(ValueTable)
        .filter_by(organisation_id=manager.organisation_id, name=VALUE_TABLE_NAME)
        .order_by(ValueTable.version.desc())
        .limit(1)
    )
    if found is not None:
        return found
    table = import_value_table(manager, VALUE_TABLE_NAME, VALUE_TABLE_FILE, VALUE_TABLE)
    if isinstance(table, list):
        raise DemoFailed("the demo value table: " + "; ".join(str(e) for e in table))
    return table


def _valuation(manager: User, contract: Contract, waves: Waves) -> None:
    """Assumptions recorded for the contract, a WELLBY route over the ONS4 waves and a
    counted route for volunteering hours, priced from the invented demo table."""
    if current_assumptions(contract).record is None:
        record_assumptions(manager, contract, dict(DEMO_ASSUMPTIONS), {}, read_version=0)
    routes = routes_of(contract)
    if not any(r.route == "wellby" for r in routes):
        ons4 = waves["ons4"]
        add_route(
            manager, contract, "wellby", baseline=ons4["baseline"], follow_up=ons4["follow_up"]
        )
    if not any(r.route == "counted" and r.measure_code == VOLUNTEERING for r in routes):
        delivery = next(
            c
            for c in supplier_collections(contract)
            if c.questionnaire_version.questionnaire_id == "delivery-return"
        )
        [entry] = _value_table(manager).entries
        add_route(
            manager,
            contract,
            "counted",
            follow_up=delivery,
            measure_code=VOLUNTEERING,
            entry=entry,
        )
