"""Counts of people under the threshold k are never shown exactly on the results page or
in the command-line table: they read "fewer than k", with k as configured."""

from __future__ import annotations

import contextvars
import html as html_lib
import re

import pytest

from tests.integration.helpers import ONS_OTHER, make_contract, make_user, seed_responses, signed_in
from tests.integration.helpers import ons_pairs as _ons

ROW = re.compile(
    r'<tr class="govuk-table__row">\s*<th scope="row" class="govuk-table__header">([^<]+)</th>'
    r"\s*<td[^>]*>(.*?)</td>",
    re.S,
)


@pytest.fixture
def setup(app):
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    return contract, manager


def _results_page(app, contract, manager) -> str:
    response = signed_in(app, manager).get(f"/manage/contracts/{contract.id}/results")
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def _people_cells(page: str) -> dict[str, str]:
    """Each measure's "People paired" cell (the first cell after the row's heading)."""
    return {label: cell.strip() for label, cell in ROW.findall(page)}


def test_seven_pairs_read_fewer_than_ten_everywhere_on_the_results_page(app, setup):
    contract, manager = setup
    _ons(contract, 7, [0, 1])
    page = _results_page(app, contract, manager)
    cells = _people_cells(page)
    assert len(cells) == 4  # the four ONS4 measures
    assert set(cells.values()) == {"fewer than 10"}
    assert "Fewer than 10 people have both a baseline and a follow-up score" in page
    assert "Only 7 people" not in page
    assert not re.search(r"\b7 (people|person|responses)\b", page)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "suppressed to suppressed" not in text  # a hidden interval says so once


def test_twelve_pairs_are_shown_exactly(app, setup):
    contract, manager = setup
    _ons(contract, 12, [0, 1])
    page = _results_page(app, contract, manager)
    assert set(_people_cells(page).values()) == {"12"}
    assert "Only 12 people have both a baseline and a follow-up score" in page
    assert "Fewer than 10 people" not in page


def test_the_configured_threshold_is_the_one_shown(app, setup, monkeypatch):
    monkeypatch.setitem(app.config, "SVCOLLECT_SUPPRESSION_MIN_N", 15)
    contract, manager = setup
    _ons(contract, 12, [0, 1])
    page = _results_page(app, contract, manager)
    assert set(_people_cells(page).values()) == {"fewer than 15"}
    assert "Fewer than 15 people have both a baseline and a follow-up score" in page
    assert "fewer than 10" not in page.lower()
    assert "Only 12 people" not in page


def test_unpaired_groups_under_the_threshold_read_fewer_than_ten(app, setup):
    contract, manager = setup
    baseline, follow_up = _ons(contract, 0, [0])
    seed_responses(
        baseline, [(f"BASE{i}", {"life_satisfaction": 5, **ONS_OTHER}) for i in range(7)]
    )
    seed_responses(
        follow_up, [(f"FOLL{i}", {"life_satisfaction": 6, **ONS_OTHER}) for i in range(12)]
    )
    page = _results_page(app, contract, manager)
    assert "fewer than 10 and 12 people, not paired" in page
    assert not re.search(r"\b7 and 12 people", page)


def test_responses_without_a_code_under_the_threshold_are_not_counted_exactly(app, setup):
    contract, manager = setup
    baseline, _follow_up = _ons(contract, 12, [0, 1])
    seed_responses(baseline, [(None, {"life_satisfaction": 5, **ONS_OTHER}) for _ in range(3)])
    page = _results_page(app, contract, manager)
    assert "Fewer than 10 baseline responses have no respondent code" in page
    assert "3 baseline responses" not in page


def test_the_score_command_does_not_print_small_counts(app, setup):
    contract, _manager = setup
    _ons(contract, 7, [0, 1])
    runner = app.test_cli_runner()
    result = contextvars.Context().run(runner.invoke, args=["score", contract.reference])
    assert result.exit_code == 0, result.output
    assert "n=fewer than 10" in result.output
    assert "n=7" not in result.output

    other = make_contract()
    _ons(other, 12, [0, 1])
    result = contextvars.Context().run(runner.invoke, args=["score", other.reference])
    assert "n=12" in result.output
