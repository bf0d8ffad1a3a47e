"""Dashboards never show a count of people under the threshold k exactly: charts' text,
their alt text (SVG title and description), data tables and notes read "fewer than k"."""

from __future__ import annotations

import re
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
    signed_in,
)
from tests.integration.helpers import ons_pairs as _ons
from tests.integration.test_dashboard import _page, _plain

SMALL_PEOPLE = re.compile(r"\b[1-9] (people|person|responses?|survey responses?)\b")


@pytest.fixture
def setup(app):
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    return contract, manager


def _dashboard(app, contract, manager) -> tuple[str, str]:
    page = _page(signed_in(app, manager), f"/manage/contracts/{contract.id}/dashboard")
    return page, _plain(page)


def _svg_text(page: str) -> str:
    """The charts' alt text: every SVG <title> and <desc>."""
    return " ".join(re.findall(r"<(?:title|desc)[^>]*>(.*?)</(?:title|desc)>", page, re.S))


def test_seven_pairs_read_fewer_than_ten_on_the_contract_dashboard(app, setup):
    contract, manager = setup
    _ons(contract, 7, [0, 1])
    page, text = _dashboard(app, contract, manager)
    # the change figure's data table: "People" is the first row
    assert text.count("People fewer than 10") == 4  # the four ONS4 measures
    assert "Fewer than 10 people have both a baseline and a follow-up score" in text
    assert "Only 7 people" not in text
    assert not SMALL_PEOPLE.search(text)
    assert not SMALL_PEOPLE.search(_svg_text(page))
    assert not re.search(r"People 7\b", text)


def test_twelve_pairs_are_shown_exactly_on_the_contract_dashboard(app, setup):
    contract, manager = setup
    _ons(contract, 12, [0, 1])
    page, text = _dashboard(app, contract, manager)
    assert text.count("People 12 ") == 4
    assert "among 12 people" in text and "among 12 people" in _svg_text(page)
    assert "Only 12 people have both a baseline and a follow-up score" in text


def test_the_dashboard_uses_the_configured_threshold(app, setup, monkeypatch):
    monkeypatch.setitem(app.config, "SVCOLLECT_SUPPRESSION_MIN_N", 15)
    contract, manager = setup
    _ons(contract, 12, [0, 1])
    page, text = _dashboard(app, contract, manager)
    assert "12 people" not in _svg_text(page)
    assert text.count("People fewer than 15") == 4
    assert "Fewer than 15 people have both" in text
    assert "People 12" not in text and "12 people" not in text
    assert "fewer than 10" not in text.lower()


def test_unpaired_groups_under_the_threshold_on_the_contract_dashboard(app, setup):
    contract, manager = setup
    baseline, follow_up = _ons(contract, 0, [0])
    seed_responses(baseline, [(f"B{i}", {"life_satisfaction": 5, **ONS_OTHER}) for i in range(7)])
    seed_responses(follow_up, [(f"F{i}", {"life_satisfaction": 6, **ONS_OTHER}) for i in range(12)])
    _page_html, text = _dashboard(app, contract, manager)
    assert "People fewer than 10 and 12, not paired" in text
    assert "7 and 12" not in text


def test_portfolio_shows_small_response_counts_as_fewer_than_ten(app):
    small, large = make_contract("SMALL-1"), make_contract("LARGE-1")
    large.buyer_id = small.buyer_id
    db.session.commit()
    manager = make_user("contract_manager", small.buyer)
    seed_responses(
        make_collection("ons4", contract=small),
        [(f"S{i}", {"life_satisfaction": 5, **ONS_OTHER}) for i in range(7)],
    )
    _ons(large, 12, [0, 1])
    page = _page(signed_in(app, manager), "/manage/portfolio")
    text = _plain(page)
    row = text[text.index("SMALL-1 Test contract") :]
    assert row.startswith("SMALL-1 Test contract fewer than 10 ")
    assert "LARGE-1 Test contract 24 " in text
    # the responses chart: its bar labels, data table and summary
    chart = page[page.index('id="fig-portfolio-responses"') :]
    chart = chart[: chart.index("</details>")]
    chart_text = _plain(chart)
    assert "SMALL-1 – Test contract fewer than 10" in chart_text
    assert "1 contract count is suppressed (fewer than 10 survey responses)" in chart_text
    assert not SMALL_PEOPLE.search(chart_text) and not SMALL_PEOPLE.search(_svg_text(chart))


@pytest.mark.parametrize("overlap", [6, 12])
def test_portfolio_counts_an_overlap_exactly_only_from_k(app, overlap):
    first, second = make_contract(), make_contract()
    second.buyer_id = first.buyer_id
    second.respondent_salt = first.respondent_salt
    second.starts_on = date(first.starts_on.year + 1, 1, 1)
    second.ends_on = date(first.starts_on.year + 3, 1, 1)
    db.session.commit()
    manager = make_user("contract_manager", first.buyer)
    shared = [f"P{i:03d}" for i in range(12)]
    later = shared[:overlap] + [f"Q{i}" for i in range(12 - overlap)]
    for contract, codes in ((first, shared), (second, later)):
        record_assumptions(manager, contract, {"duration_years": 0.5}, {}, read_version=0)
        baseline = make_collection("ons4", contract=contract)
        follow_up = make_collection("ons4", contract=contract, wave="follow_up")
        seed_responses(baseline, [(c, {"life_satisfaction": 5, **ONS_OTHER}) for c in codes])
        seed_responses(
            follow_up,
            [(c, {"life_satisfaction": 5 + i % 2, **ONS_OTHER}) for i, c in enumerate(codes)],
        )
        add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    assert portfolio(manager).total.n_dropped == overlap
    text = _plain(_page(signed_in(app, manager), "/manage/portfolio"))
    left_out = "figures for people already counted in an earlier contract were left out"
    if overlap < 10:
        assert f"Fewer than 10 {left_out} of the total ({second.reference}: suppressed" in text
        assert f"{overlap} figures" not in text and f"{second.reference}: {overlap}" not in text
    else:
        assert f"{overlap} {left_out} of the total ({second.reference}: {overlap})." in text
