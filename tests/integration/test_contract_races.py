"""Two tabs, or two people (or the daily retention run), saving a contract and what hangs
on its dates at the same moment.

A commitment removed meanwhile is said to be removed (410), not "Page not found". A
contract's dates and its commitments' due dates (and its collections' opening dates) are
each checked against the other at save time: the contract's row is locked first
(services.contracts.lock_contract), so two saves at once cannot each pass against what
the other had not saved yet.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import (
    AnswerDeletion,
    AuditEvent,
    Collection,
    Commitment,
    Contract,
    Response,
    User,
)
from svcollect.models._types import UK
from svcollect.services import collections, commitments, contracts, retention
from svcollect.services.questionnaires import registry, released_version
from tests.integration.helpers import (
    ONS_OTHER,
    csrf_token,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    post_form,
    seed_responses,
    signed_in,
)

DAYS = 365
MEASURE = "mh_first_aiders_trained"
TERMS = {"measure_code": MEASURE, "target": "20", "due_on": ["31", "3", "2027"]}


@pytest.fixture
def buyer(app):
    contract = make_contract("RACE-1")
    contract.starts_on, contract.ends_on = date(2026, 4, 1), date(2028, 3, 31)
    db.session.commit()
    manager = make_user("contract_manager", contract.buyer)
    return {"contract": contract, "manager": manager, "client": signed_in(app, manager)}


def _added(client, contract) -> int:
    added = post_form(client, f"/manage/contracts/{contract.id}/commitments/new", TERMS)
    assert added.status_code == 303
    return commitments.commitments_of(contract)[-1].id


def _events(action: str) -> list[dict]:
    events = db.session.scalars(select(AuditEvent).filter_by(action=action))
    return [json.loads(e.detail) for e in events]


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Commitment))


# --- a commitment removed meanwhile --------------------------------------------------------


def _opened(client, url: str) -> dict[str, str]:
    """The page opened in a tab of its own: what its form will send back."""
    html = client.get(url).get_data(as_text=True)
    sent = {"csrf_token": csrf_token(html)}
    for name in ("version", "submission_key"):
        if (found := f'name="{name}"') in html:
            value = html[html.index(found) :].split('value="', 1)[1].split('"', 1)[0]
            sent[name] = value
    return sent


@pytest.mark.parametrize("action", ["change", "remove"])
def test_a_save_on_a_commitment_removed_in_another_tab_says_it_was_removed(app, buyer, action):
    client, contract = buyer["client"], buyer["contract"]
    commitment_id = _added(client, contract)
    url = f"/manage/commitments/{commitment_id}/{action}"
    tab = _opened(client, url)
    assert post_form(client, f"/manage/commitments/{commitment_id}/remove", {}).status_code == 303
    sent = {**tab, **TERMS, "target": "30"} if action == "change" else tab
    late = client.post(url, data=sent)
    assert late.status_code == 410
    page = late.get_data(as_text=True)
    assert "This commitment has been removed" in page
    assert "You removed it on " in page and "Nothing you sent has been saved" in page
    assert "20 people" in page and "31 March 2027" in page  # what it was
    assert f'href="/manage/contracts/{contract.id}#commitments"' in page
    assert 'id="commitments"' in client.get(f"/manage/contracts/{contract.id}").get_data(
        as_text=True
    )
    assert _count() == 0
    assert _events("commitment_changed") == [] and len(_events("commitment_removed")) == 1
    # Following an old link to it says the same.
    assert client.get(url).status_code == 410


def test_who_removed_it_is_said_to_colleagues_and_admins_only(app, buyer):
    contract, remover = buyer["contract"], buyer["manager"]
    remover.name = "Ada Lovelace"
    prime = make_organisation("Race Facilities", "prime_supplier")
    contract.prime_supplier_id = prime.id
    db.session.commit()
    commitment_id = _added(buyer["client"], contract)
    url = f"/manage/commitments/{commitment_id}/change"
    assert post_form(buyer["client"], url.replace("change", "remove"), {}).status_code == 303
    colleague = signed_in(app, make_user("contract_manager", contract.buyer))
    admin = signed_in(app, make_user("admin", None))
    for client in (colleague, admin):
        page = client.get(url)
        assert page.status_code == 410
        assert "Ada Lovelace removed it on " in page.get_data(as_text=True)
    employer = signed_in(app, make_user("contract_manager", prime))  # may see the contract
    page = employer.get(url)
    assert page.status_code == 410
    assert "It was removed on " in page.get_data(as_text=True)
    assert "Ada Lovelace" not in page.get_data(as_text=True)
    # Another buyer's manager is not told that it ever existed.
    other = signed_in(app, make_user("contract_manager", make_organisation("Elsewhere", "buyer")))
    assert other.get(url).status_code == 404
    assert other.get("/manage/commitments/999999/change").status_code == 404


def test_one_removed_by_an_admin_is_not_named_to_the_buyer(app, buyer):
    client, contract = buyer["client"], buyer["contract"]
    commitment_id = _added(client, contract)
    admin = signed_in(app, make_user("admin", None))
    assert post_form(admin, f"/manage/commitments/{commitment_id}/remove", {}).status_code == 303
    page = client.get(f"/manage/commitments/{commitment_id}/change")
    assert page.status_code == 410
    assert "It was removed on " in page.get_data(as_text=True)


def _in_another_session(app, work: Callable[[], Any]) -> Any:
    """`work` as another request does it, with a session (and connection) of its own."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        with app.app_context():
            outcome["value"] = work()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return outcome.get("value")


@pytest.mark.parametrize("action", ["change", "remove"])
def test_one_removed_after_this_save_read_it_is_not_saved_or_removed_again(app, buyer, action):
    """Removed between the page loading it and the save: the save sees it gone."""
    manager, contract = buyer["manager"], buyer["contract"]
    commitment_id = _added(buyer["client"], contract)

    commitment = db.session.get(Commitment, commitment_id)

    def remove_elsewhere() -> None:
        found = db.session.get(Commitment, commitment_id)
        commitments.remove_commitment(
            db.session.get(User, manager.id), found, read_version=found.version
        )

    _in_another_session(app, remove_elsewhere)
    with pytest.raises(commitments.CommitmentRemoved):
        if action == "change":
            commitments.change_commitment(
                manager,
                commitment,
                MEASURE,
                "people",
                Decimal(30),
                date(2027, 3, 31),
                {MEASURE},
                read_version=1,
            )
        else:
            commitments.remove_commitment(manager, commitment, read_version=1)
    db.session.rollback()
    assert _count() == 0 and len(_events("commitment_removed")) == 1


# --- a contract's dates and its commitments' due dates, saved at the same moment ------------


class _Paused:
    """Runs ``first`` here and ``second`` in another thread (a request of its own) so that
    ``second`` starts while ``first`` is between its checks and its write.

    ``first`` stops after ``checked`` (its last check) and starts ``second``, then waits
    until ``second`` has finished, or has reached lock_contract (where, with the lock,
    it waits for ``first`` to commit). Without the lock ``second`` finishes first every
    time, so the test fails every time. Each returns what it made, or its refusal.
    """

    def __init__(
        self, app, monkeypatch, checked: tuple[Any, str], *, holds_lock: bool = True
    ) -> None:
        self.app, self.monkeypatch, self.checked = app, monkeypatch, checked
        #: False: ``first`` has not locked the contract yet when it stops, so ``second``
        #: runs to its end (with or without the lock), and ``first`` must see what it saved
        self.holds_lock = holds_lock
        self.at_lock, self.done = threading.Event(), threading.Event()
        self.outcome: dict[str, Any] = {}

    def run(self, first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
        here = threading.get_ident()
        real_lock = contracts.lock_contract

        def lock(contract: Contract) -> None:
            if threading.get_ident() != here:
                self.at_lock.set()
            real_lock(contract)

        for module in (contracts, commitments, collections, retention):
            self.monkeypatch.setattr(module, "lock_contract", lock)
        module, name = self.checked
        real_check = getattr(module, name)
        paused = False

        def check(*args: Any, **kwargs: Any) -> Any:
            nonlocal paused
            result = real_check(*args, **kwargs)
            if threading.get_ident() == here and not paused:
                paused = True
                self._start(second)
            return result

        self.monkeypatch.setattr(module, name, check)
        try:
            made = first()
        except Exception as refused:  # the tests say which refusal they expect
            db.session.rollback()
            made = refused
        self.done.wait(30)
        assert paused and self.done.is_set()
        return made, self.outcome.get("value", self.outcome.get("error"))

    def _start(self, second: Callable[[], Any]) -> None:
        def run() -> None:
            with self.app.app_context():
                try:
                    self.outcome["value"] = second()
                except Exception as refused:
                    self.outcome["error"] = refused
                finally:
                    self.done.set()

        threading.Thread(target=run).start()
        deadline = time.monotonic() + 30
        at_lock = self.at_lock if self.holds_lock else self.done
        while not (at_lock.is_set() or self.done.is_set()) and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.done.is_set():
            time.sleep(0.2)  # let it get as far as waiting for the lock


def _shorten(manager_id: int, contract_id: int, ends_on: date) -> Callable[[], Any]:
    """A change of the contract's end date (to a later one, too)."""

    def save() -> Any:
        contract = db.session.get(Contract, contract_id)
        return contracts.change_contract(
            db.session.get(User, manager_id),
            contract,
            contracts.ContractDetails(
                reference=contract.reference,
                title=contract.title,
                buyer_id=contract.buyer_id,
                prime_supplier_id=None,
                starts_on=contract.starts_on,
                ends_on=ends_on,
                value_gbp=None,
            ),
            set(),
            retention_days=365,
            today=retention.uk_today(),
            read_version=contract.version,
        )

    return save


def _add_due(manager_id: int, contract_id: int, due_on: date) -> Callable[[], Any]:
    def save() -> Any:
        return commitments.add_commitment(
            db.session.get(User, manager_id),
            db.session.get(Contract, contract_id),
            MEASURE,
            "people",
            Decimal(20),
            due_on,
            {MEASURE},
        )

    return save


def _move_due(manager_id: int, commitment_id: int, due_on: date) -> Callable[[], Any]:
    def save() -> Any:
        commitment = db.session.get(Commitment, commitment_id)
        return commitments.change_commitment(
            db.session.get(User, manager_id),
            commitment,
            MEASURE,
            "people",
            Decimal(20),
            due_on,
            {MEASURE},
            read_version=commitment.version,
        )

    return save


def _open_on(contract_id: int, opens_on: date, closes_on: date | None = None) -> Callable[[], Any]:
    def save() -> Any:
        contract = db.session.get(Contract, contract_id)
        questionnaire = registry().latest("ons4")
        closes = closes_on or opens_on + timedelta(days=20)
        opens_at, closes_at = collections.uk_day_bounds(opens_on, closes)
        return collections.open_collection(
            collections.CollectionRequest(
                contract=contract,
                version=released_version(questionnaire.id, questionnaire.version),
                audience=questionnaire.audience[0],
                wave="baseline",
                label="Late wave",
                opens_at=opens_at,
                closes_at=closes_at,
            ),
            licensee=contract.buyer,
            allow_past=True,
        )

    return save


SHORTER = date(2027, 3, 31)  # the contract's new end date
LATE = date(2027, 9, 30)  # after it, before the old one (31 March 2028)


def _still_within(contract: Contract) -> None:
    """Whatever was saved, the contract holds its commitments and collections."""
    db.session.expire_all()
    contract = db.session.get(Contract, contract.id)
    for commitment in commitments.commitments_of(contract):
        assert contract.starts_on <= commitment.due_on <= contract.ends_on
    for collection in db.session.scalars(select(Collection).filter_by(contract_id=contract.id)):
        assert collection.opens_at.astimezone(UK).date() <= contract.ends_on


@pytest.mark.parametrize(
    "contract_first", [True, False], ids=["contract-first", "commitment-first"]
)
def test_a_shorter_contract_and_a_late_new_commitment_at_once(
    app, buyer, monkeypatch, contract_first
):
    contract, manager = buyer["contract"], buyer["manager"]
    shorten = _shorten(manager.id, contract.id, SHORTER)
    add = _add_due(manager.id, contract.id, LATE)
    if contract_first:
        paused = _Paused(app, monkeypatch, (contracts, "_check_within"))
        made, other = paused.run(shorten, add)
        assert "ends_on" in made and isinstance(other, contracts.ContractRefused)
        assert other.field == "due_on" and "31 March 2027" in str(other)
    else:
        paused = _Paused(app, monkeypatch, (commitments, "_check_terms"))
        made, other = paused.run(add, shorten)
        assert isinstance(made, Commitment) and isinstance(other, contracts.ContractRefused)
        assert other.field == "ends_on" and "when a commitment is due" in str(other)
    _still_within(contract)


def test_the_same_commitment_added_from_two_tabs_at_once_is_added_once(app, buyer, monkeypatch):
    """Both adds check for a commitment to the measure by that date before either saves:
    under the contract's lock the second checks after the first has saved, and is refused."""
    contract, manager = buyer["contract"], buyer["manager"]
    due = date(2027, 3, 31)
    paused = _Paused(app, monkeypatch, (commitments, "_check_not_repeated"))
    made, other = paused.run(
        _add_due(manager.id, contract.id, due), _add_due(manager.id, contract.id, due)
    )
    assert isinstance(made, Commitment) and isinstance(other, contracts.ContractRefused)
    assert other.field == "due_on" and "already has a commitment" in str(other)
    assert _count() == 1 and len(_events("commitment_added")) == 1


@pytest.mark.parametrize(
    "contract_first", [True, False], ids=["contract-first", "commitment-first"]
)
def test_a_shorter_contract_and_a_later_due_date_at_once(app, buyer, monkeypatch, contract_first):
    contract, manager = buyer["contract"], buyer["manager"]
    commitment_id = _added(buyer["client"], contract)  # due 31 March 2027
    shorten = _shorten(manager.id, contract.id, SHORTER)
    move = _move_due(manager.id, commitment_id, LATE)
    if contract_first:
        paused = _Paused(app, monkeypatch, (contracts, "_check_within"))
        made, other = paused.run(shorten, move)
        assert "ends_on" in made and isinstance(other, contracts.ContractRefused)
        assert other.field == "due_on"
    else:
        paused = _Paused(app, monkeypatch, (commitments, "_check_terms"))
        made, other = paused.run(move, shorten)
        assert "due_on" in made and isinstance(other, contracts.ContractRefused)
        assert other.field == "ends_on"
    _still_within(contract)


@pytest.mark.parametrize(
    "contract_first", [True, False], ids=["contract-first", "collection-first"]
)
def test_a_shorter_contract_and_a_late_collection_at_once(app, buyer, monkeypatch, contract_first):
    contract, manager = buyer["contract"], buyer["manager"]
    shorten = _shorten(manager.id, contract.id, SHORTER)
    late_wave = _open_on(contract.id, LATE)
    if contract_first:
        paused = _Paused(app, monkeypatch, (contracts, "_check_within"))
        made, other = paused.run(shorten, late_wave)
        assert "ends_on" in made and isinstance(other, collections.CollectionRefused)
        assert other.field == "opens_on"
    else:
        paused = _Paused(app, monkeypatch, (collections, "_check_dates"))
        made, other = paused.run(late_wave, shorten)
        assert isinstance(made, Collection) and isinstance(other, contracts.ContractRefused)
        assert other.field == "ends_on"
    _still_within(contract)


def test_a_tab_left_on_a_removed_commitment_never_saves_over_a_newer_one(app, buyer):
    """SQLite gave a new row the id of the last one deleted: a change form left open on a
    removed commitment then saved over the next one added (both at version 1)."""
    client, contract = buyer["client"], buyer["contract"]
    removed_id = _added(client, contract)
    url = f"/manage/commitments/{removed_id}/change"
    tab = _opened(client, url)
    assert post_form(client, f"/manage/commitments/{removed_id}/remove", {}).status_code == 303
    newer_id = _added(client, contract)
    assert newer_id != removed_id
    late = client.post(url, data={**tab, **TERMS, "target": "30"})
    assert late.status_code == 410
    db.session.expire_all()
    assert db.session.get(Commitment, newer_id).target == Decimal(20)


# --- the daily retention run and a new end date, at the same moment -------------------------


@pytest.fixture
def ended(app, monkeypatch):
    """A contract whose answers are past their retention period: the daily run deletes them."""
    monkeypatch.setitem(app.config, "SVCOLLECT_ANSWER_RETENTION_DAYS", DAYS)
    contract = make_contract("ENDED-1")
    survey = make_collection("ons4", contract=contract, opens_in_days=-20, closes_in_days=-10)
    seed_responses(survey, [(f"P{i}", {"life_satisfaction": 7, **ONS_OTHER}) for i in range(3)])
    manager = make_user("contract_manager", contract.buyer)
    after = retention.moment_on(retention.kept_until(contract, DAYS) + timedelta(days=1))
    later = contract.ends_on + timedelta(days=30)  # keeps them past `after`
    return {"contract": contract, "manager": manager, "after": after, "later": later}


def _responses(contract: Contract) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count())
        .select_from(Response)
        .join(Collection, Collection.id == Response.collection_id)
        .where(Collection.contract_id == contract.id)
    )


def _deletes(ended) -> Callable[[], Any]:
    def run() -> Any:
        return retention.delete_answers(ended["contract"], days=DAYS, now=ended["after"])

    return run


def test_an_end_date_extended_while_the_run_calculates_keeps_the_answers(app, ended, monkeypatch):
    contract = ended["contract"]
    extend = _shorten(ended["manager"].id, contract.id, ended["later"])
    paused = _Paused(app, monkeypatch, (retention, "compute_results"), holds_lock=False)
    made, other = paused.run(_deletes(ended), extend)
    assert isinstance(made, retention.NotDue) and "ends_on" in other
    assert contracts.deletion_for(contract.id) is None and _responses(contract) == 3


def test_an_end_date_changed_once_deletion_is_decided_is_refused(app, ended, monkeypatch):
    contract = ended["contract"]
    extend = _shorten(ended["manager"].id, contract.id, ended["later"])
    paused = _Paused(app, monkeypatch, (retention, "_pack_files"))
    made, other = paused.run(_deletes(ended), extend)
    assert isinstance(made, AnswerDeletion) and contracts.deletion_for(contract.id) is not None
    assert _responses(contract) == 0
    assert isinstance(other, contracts.ContractRefused) and "can no longer change" in str(other)
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).ends_on == ended["later"] - timedelta(days=30)


def test_a_collection_opened_while_the_run_calculates_is_closed_by_the_next_run(
    app, ended, monkeypatch
):
    contract = ended["contract"]
    open_at_the_run = ended["after"].date() + timedelta(days=30)
    late_wave = _open_on(contract.id, retention.uk_today(), open_at_the_run)
    paused = _Paused(app, monkeypatch, (retention, "compute_results"), holds_lock=False)
    made, opened = paused.run(_deletes(ended), late_wave)
    # It would have stayed open on a contract that takes no new answers.
    assert isinstance(made, retention.Busy) and isinstance(opened, Collection)
    assert contracts.deletion_for(contract.id) is None and _responses(contract) == 3
    monkeypatch.undo()
    assert isinstance(_deletes(ended)(), AnswerDeletion)
    db.session.expire_all()
    late = db.session.scalar(select(Collection).filter_by(label="Late wave"))
    assert late.closed_early_at is not None
