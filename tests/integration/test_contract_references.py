"""Contract references are the buyer's own: unique per buyer, compared without case or
spacing, and never a way to learn what another organisation holds."""

from __future__ import annotations

import contextvars

from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import Contract
from svcollect.models.contract import comparison_key
from tests.integration.helpers import make_organisation, make_user, post_form, signed_in


def _add(client, buyer, reference: str):
    data = {
        "reference": reference,
        "title": "Facilities management",
        "buyer_id": str(buyer.id),
        "prime_supplier_id": "0",
        "starts_on": ["1", "4", "2026"],
        "ends_on": ["31", "3", "2029"],
    }
    return post_form(client, "/manage/contracts/new", data)


def _contracts() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Contract))


def test_two_councils_may_both_number_a_contract_con_001(app):
    north = make_organisation("Northshire Council", "buyer")
    south = make_organisation("Southshire Council", "buyer")
    assert (
        _add(signed_in(app, make_user("contract_manager", north)), north, "CON-001").status_code
        == 303
    )
    second = _add(signed_in(app, make_user("contract_manager", south)), south, "CON-001")
    assert second.status_code == 303, second.get_data(as_text=True)[:500]
    assert _contracts() == 2


def test_one_buyer_cannot_hold_a_reference_twice_in_another_case_or_spacing(app):
    buyer = make_organisation("Northshire Council", "buyer")
    client = signed_in(app, make_user("contract_manager", buyer))
    assert _add(client, buyer, "CON 001").status_code == 303
    for variant in ("con 001", "CON  001", " Con 001 "):
        refused = _add(client, buyer, variant)
        assert refused.status_code == 422, variant
        assert "This buyer already has a contract with reference" in refused.get_data(as_text=True)
    assert _contracts() == 1


def test_reference_keys_ignore_case_spacing_and_unicode_forms():
    assert comparison_key("  Con-001 ") == comparison_key("CON-001")
    assert comparison_key("CON\t 001") == comparison_key("con 001")
    assert comparison_key("CAFE\u0301-1") == comparison_key("café-1")  # decomposed é
    assert comparison_key("STRASSE-1") == comparison_key("straße-1")
    assert comparison_key("CON-001") != comparison_key("CON-0001")


def _cli(app, *args):
    runner = app.test_cli_runner()
    return contextvars.Context().run(runner.invoke, args=list(args))


def test_the_cli_asks_which_buyer_when_two_use_a_reference(app):
    north = make_organisation("Northshire Council", "buyer")
    south = make_organisation("Southshire Council", "buyer")
    _add(signed_in(app, make_user("contract_manager", north)), north, "CON-001")
    found = _cli(app, "score", "con-001", "--no-store")
    assert found.exit_code == 0, found.output
    _add(signed_in(app, make_user("contract_manager", south)), south, "CON-001")
    ambiguous = _cli(app, "score", "CON-001", "--no-store")
    assert ambiguous.exit_code == 1
    assert "Northshire Council, Southshire Council" in ambiguous.output
    assert "--buyer" in ambiguous.output
    chosen = _cli(app, "score", "CON-001", "--no-store", "--buyer", "southshire council")
    assert chosen.exit_code == 0, chosen.output
    # Buyers' names are compared as they are kept unique: spacing and case do not count.
    spaced = _cli(app, "score", "CON-001", "--no-store", "--buyer", " SOUTHSHIRE\tcouncil ")
    assert spaced.exit_code == 0, spaced.output
    wrong = _cli(app, "score", "CON-001", "--buyer", "Westshire Council")
    assert wrong.exit_code == 1 and "for buyer 'Westshire Council'" in wrong.output
