"""A portfolio total across contracts counts each respondent code once."""

from __future__ import annotations

from datetime import date

import pytest

from svcollect.extensions import db
from svcollect.services.portfolio import portfolio
from svcollect.services.valuation import add_route, record_assumptions
from tests.integration.helpers import (
    ONS_OTHER,
    make_collection,
    make_contract,
    make_user,
    seed_responses,
)


def _ons_pair(contract, codes: list[str]):
    baseline = make_collection("ons4", contract=contract)
    follow_up = make_collection("ons4", contract=contract, wave="follow_up")
    seed_responses(baseline, [(c, {"life_satisfaction": 5, **ONS_OTHER}) for c in codes])
    seed_responses(
        follow_up,
        [(c, {"life_satisfaction": 5 + (i % 2), **ONS_OTHER}) for i, c in enumerate(codes)],
    )
    return baseline, follow_up


def test_people_in_two_contracts_sharing_codes_are_counted_once(app):
    first = make_contract()
    second = make_contract()
    second.buyer_id = first.buyer_id
    second.respondent_salt = first.respondent_salt  # a re-let contract continuing the cohort
    second.starts_on = date(first.starts_on.year + 1, 1, 1)
    second.ends_on = date(first.starts_on.year + 3, 1, 1)
    db.session.commit()
    manager = make_user("contract_manager", first.buyer)
    shared = [f"P{i:03d}" for i in range(12)]
    for contract, codes in ((first, shared), (second, shared[:6] + [f"Q{i}" for i in range(6)])):
        record_assumptions(manager, contract, {"duration_years": 0.5}, {}, read_version=0)
        baseline, follow_up = _ons_pair(contract, codes)
        add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    result = portfolio(manager)
    assert len(result.results) == 2
    assert result.total.n_dropped == 6  # the 6 shared people, kept in the earlier contract
    totals = result.total.totals["paired survey"]
    # 18 different people, each changed by 0 or 1 point (half each) at £3,250 per point-half-year.
    by_contract = sum(v.total["central"].raw for r in result.results for v in r.valuations)
    assert totals["central"].raw < by_contract
    assert totals["central"].raw == pytest.approx(by_contract - 3 * 6500)


def test_a_grade_total_a_contract_withholds_adds_nothing_to_the_portfolio(app):
    # One contract's only paired route has 8 people: its page withholds the grade total, so
    # adding it to the portfolio would show it as the portfolio minus the other contract.
    shown, hidden = make_contract(), make_contract()
    hidden.buyer_id = shown.buyer_id
    db.session.commit()
    manager = make_user("contract_manager", shown.buyer)
    for contract, codes in ((shown, [f"S{i}" for i in range(12)]), (hidden, ["H"] * 8)):
        record_assumptions(manager, contract, {"duration_years": 0.5}, {}, read_version=0)
        baseline, follow_up = _ons_pair(contract, [f"{c}{i}" for i, c in enumerate(codes)])
        add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    result = portfolio(manager)
    by_contract = {r.contract.id: r for r in result.results}
    hidden_total = by_contract[hidden.id].valuations[0].total["central"]
    assert hidden_total.value is None  # suppressed on the contract's own pages
    shown_total = by_contract[shown.id].valuations[0].total["central"].raw
    assert result.total.totals["paired survey"]["central"].raw == pytest.approx(shown_total)
