"""The workforce's employer sees a survey's figures only once it has closed.

A tester showed the differencing attack: the prime supplier's manager read the paired
life-satisfaction means before and after one colleague answered the open follow-up, and
recovered that colleague's exact baseline and follow-up answers from the difference.
"""

from __future__ import annotations

import pytest

from svcollect.extensions import db
from svcollect.services.collections import close_early
from svcollect.services.results import results_of
from svcollect.services.valuation import add_route
from tests.integration.helpers import (
    ONS_OTHER,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    seed_responses,
    signed_in,
)

LEFT_OUT = "still taking answers, so its figures are not shown here yet"


@pytest.fixture
def world(app):
    contract = make_contract()
    prime = make_organisation("Employer Ltd", "prime_supplier")
    contract.prime_supplier_id = prime.id
    db.session.commit()
    buyer = make_user("contract_manager", contract.buyer)
    baseline = make_collection("ons4", contract=contract, opens_in_days=-20, closes_in_days=-10)
    follow_up = make_collection("ons4", contract=contract, wave="follow_up")
    # baselines of 5 and 6; changes of -2, 0 and nine of -1: a mean change of -1.00
    before = [5 + i % 2 for i in range(11)]
    change = [-2, 0] + [-1] * 9
    seed_responses(
        baseline, [(f"P{i:03d}", {"life_satisfaction": before[i], **ONS_OTHER}) for i in range(11)]
    )
    seed_responses(
        follow_up,
        [
            (f"P{i:03d}", {"life_satisfaction": before[i] + change[i], **ONS_OTHER})
            for i in range(11)
        ],
    )
    add_route(buyer, contract, "wellby", baseline=baseline, follow_up=follow_up)
    return {
        "contract": contract,
        "buyer": buyer,
        "employer": make_user("contract_manager", prime),
        "baseline": baseline,
        "follow_up": follow_up,
    }


def _life(results):
    [pairing] = results.to_dict()["outcomes"]
    return next(c for c in pairing["changes"] if c["measure"] == "life_satisfaction")


def test_an_open_follow_up_is_live_for_the_buyer_and_left_out_for_the_employer(app, world):
    contract = world["contract"]
    assert _life(results_of(contract, world["buyer"]))["n_paired"] == 11
    employer = results_of(contract, world["employer"])
    data = employer.to_dict()
    assert data["provenance"]["open_collections_left_out"] == [world["follow_up"].id]
    [pairing] = data["outcomes"]
    assert pairing["follow_up_collection"] is None  # the baseline alone: it has closed
    assert data["valuations"] == []
    # The true reason, not "no paired responses yet" (11 people are paired).
    [problem] = employer.problems
    assert "still taking answers" in problem and "no paired responses" not in problem
    assert results_of(contract).to_dict() == results_of(contract, world["buyer"]).to_dict()


def test_one_more_colleague_answering_changes_nothing_the_employer_sees(app, world):
    contract = world["contract"]
    before = results_of(contract, world["employer"]).to_dict()
    seed_responses(world["follow_up"], [("P011", {"life_satisfaction": 10, **ONS_OTHER})])
    seed_responses(world["baseline"], [("P011", {"life_satisfaction": 1, **ONS_OTHER})])
    after = results_of(contract, world["employer"]).to_dict()
    # The baseline is closed, so a row added to it (as a paper import might) shows; the
    # open follow-up's answer does not, and no paired mean moves with it.
    assert [o["follow_up_collection"] for o in after["outcomes"]] == [None]
    assert before["valuations"] == after["valuations"] == []


def test_once_the_follow_up_closes_the_employer_sees_the_same_figures_as_the_buyer(app, world):
    contract = world["contract"]
    close_early(world["buyer"], world["follow_up"])
    db.session.commit()
    employer, buyer = results_of(contract, world["employer"]), results_of(contract, world["buyer"])
    assert _life(employer)["n_paired"] == _life(buyer)["n_paired"] == 11
    assert "open_collections_left_out" not in employer.to_dict()["provenance"]
    assert employer.to_dict() == buyer.to_dict() and employer.sha256 == buyer.sha256


@pytest.mark.parametrize("page", ["results", "dashboard"])
def test_the_employers_pages_say_why_the_open_survey_is_not_shown(app, world, page):
    contract = world["contract"]
    url = f"/manage/contracts/{contract.id}/{page}"
    employer = signed_in(app, world["employer"]).get(url).get_data(as_text=True)
    buyer = signed_in(app, world["buyer"]).get(url).get_data(as_text=True)
    assert LEFT_OUT in employer
    assert LEFT_OUT not in buyer
    assert "−1.00" in buyer or "-1.00" in buyer
    assert "-1.00" not in employer and "−1.00" not in employer


def test_the_employers_portfolio_leaves_the_open_survey_out(app, world):
    html = signed_in(app, world["employer"]).get("/manage/portfolio").get_data(as_text=True)
    buyer = signed_in(app, world["buyer"]).get("/manage/portfolio").get_data(as_text=True)
    assert "-£" in buyer or "£-" in buyer  # the buyer's total values the fall in wellbeing
    assert "-£" not in html and "£-" not in html
