"""Contract results from stored responses: changes, WELLBY values, suppression, determinism."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import ResultSnapshot
from svcollect.services.results import compute_results, store_snapshot
from svcollect.services.valuation import add_route, record_assumptions
from tests.integration.helpers import (
    make_collection,
    make_contract,
    make_user,
    seed_responses,
)
from tests.integration.helpers import ons_pairs as _ons


@pytest.fixture
def setup(app):
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    return contract, manager


def test_wellby_from_paired_life_satisfaction_matches_the_seed_example(app, setup):
    contract, manager = setup
    baseline, follow_up = _ons(contract, 12, [0, 1])  # mean change 0.5 points
    record_assumptions(
        manager, contract, {"duration_years": 0.5, "reporting_price_year": 2019}, {}, read_version=0
    )
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    results = compute_results(contract)
    change = next(c for c in results.pairings[0].changes if c.measure == "life_satisfaction")
    assert change.method == "paired" and change.n_paired == 12
    assert change.paired.mean_change.raw == pytest.approx(0.5)
    [valuation] = results.valuations
    # £13,000 x 0.5 points x 6/12 = £3,250 per person; 12 people, so 6 WELLBYs at £6,500.
    assert valuation.per_unit["central"].value == pytest.approx(6500)
    assert valuation.quantity.value == pytest.approx(6)
    assert valuation.total["central"].value == pytest.approx(12 * 3250)
    assert valuation.total["low"].value == pytest.approx(12 * 10000 * 0.5 * 0.5)
    assert valuation.evidence_grade.value == "paired survey"
    assert "ons4/v1" in json.dumps(results.provenance)


def test_rescoring_gives_identical_results(app, setup):
    contract, manager = setup
    baseline, follow_up = _ons(contract, 15, [0, 1, 2])
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    first = compute_results(contract)
    second = compute_results(contract)
    assert first.sha256 == second.sha256
    snapshot = store_snapshot(first)
    assert db.session.scalar(select(ResultSnapshot.results_sha256)) == first.sha256
    assert json.loads(snapshot.results_json)["contract"] == contract.reference


def test_fewer_than_ten_people_are_suppressed_everywhere(app, setup):
    contract, manager = setup
    baseline, follow_up = _ons(contract, 6, [0, 1])
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    results = compute_results(contract).to_dict()
    change = next(
        c for c in results["outcomes"][0]["changes"] if c["measure"] == "life_satisfaction"
    )
    assert change["paired"]["mean_change"]["value"] is None
    assert change["paired"]["mean_change"]["suppressed"] is True
    text = json.dumps(results)
    assert "5.5" not in text  # the follow-up mean of 6 people is not shown anywhere
    for valuation in results["valuations"]:
        assert valuation["total"]["central"]["value"] is None


def test_baseline_only_and_empty_collections_explain_themselves(app, setup):
    contract, _manager = setup
    make_collection("ons4", contract=contract)
    results = compute_results(contract)
    [pairing] = results.pairings
    assert pairing.follow_up is None
    assert all(c.method == "none" and c.reason for c in pairing.changes)


def test_score_command_prints_table_and_json(app, setup):
    contract, manager = setup
    baseline, follow_up = _ons(contract, 12, [0, 1])
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    import contextvars

    runner = app.test_cli_runner()
    text = contextvars.Context().run(runner.invoke, args=["score", contract.reference])
    assert text.exit_code == 0, text.output
    assert "life_satisfaction" in text.output and "n=12" in text.output
    as_json = contextvars.Context().run(
        runner.invoke, args=["score", contract.reference, "--json", "--no-store"]
    )
    payload = json.loads(as_json.output)
    assert payload["sha256"]
    assert payload["valuations"][0]["total"]["central"]["value"] > 0
    missing = contextvars.Context().run(runner.invoke, args=["score", "NOPE"])
    assert missing.exit_code == 1


def test_results_page_shows_figures_suppression_and_provenance(app, setup):
    from svcollect.services.questionnaires import registry
    from svcollect.web.template_helpers import long_date
    from tests.integration.helpers import signed_in

    contract, manager = setup
    baseline, follow_up = _ons(contract, 12, [0, 1])
    record_assumptions(manager, contract, {"duration_years": 0.5}, {}, read_version=0)
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    small = make_collection("wemwbs", contract=contract)
    seed_responses(
        small, [(f"W{i}", {f"wemwbs_{j:02d}": 3 for j in range(1, 15)}) for i in range(4)]
    )
    client = signed_in(app, manager)
    html = client.get(f"/manage/contracts/{contract.id}/results").get_data(as_text=True)
    assert "£39,000" in html  # 12 people x £3,250
    assert "+0.50" in html
    assert "suppressed" not in html or "WEMWBS" in html
    assert "Assumptions fingerprint" in html
    # Headings name the questionnaire and the collections as the manager did, not by id.
    headings = " ".join(re.findall(r'<h3 class="govuk-heading-s[^"]*">(.*?)</h3>', html, re.S))
    headings = " ".join(headings.split())
    ons = registry().latest("ons4").title
    assert f"{ons}: Test ons4 (opened {long_date(baseline.opens_at)}) to Test ons4" in headings
    assert "Test wemwbs (opened" in headings and "no follow-up yet" in headings
    assert f"collection {baseline.id}" not in headings
    methodology = client.get("/methodology").get_data(as_text=True)
    assert "13,000" in methodology and "meaningful" in methodology.lower()


def test_every_respondent_questionnaire_gives_a_change_in_each_of_its_measures(
    app, setup, tmp_path
):
    """Results, the dashboard and the portfolio work for a contract surveying with every
    questionnaire respondents answer: each measure its scorer declares is paired and
    changed, and the evidence pack is built (SWEMWBS 1.0.0 declared its raw sum a measure,
    with no threshold, and every page that showed results answered 500)."""
    from svcollect.services.exports import run_job, start_export
    from svcollect.services.questionnaires import registry
    from tests.integration.helpers import signed_in

    contract, manager = setup
    surveyed = []
    for qid in registry().ids():
        questionnaire = registry().latest(qid)
        if questionnaire.audience[0] == "supplier":
            continue
        surveyed.append(qid)
        questions = [q for q in questionnaire.questions() if q.options]

        def answers(step: int, questions=questions) -> dict:
            return {q.id: q.options[min(step, len(q.options) - 1)].value for q in questions}

        baseline = make_collection(qid, contract=contract)
        follow_up = make_collection(qid, contract=contract, wave="follow_up")
        seed_responses(baseline, [(f"{qid}-{i}", answers(1)) for i in range(12)])
        seed_responses(follow_up, [(f"{qid}-{i}", answers(2 + i % 2)) for i in range(12)])
    assert {"ons4", "wemwbs", "swemwbs", "loneliness"} <= set(surveyed)

    results = compute_results(contract)
    assert sorted(p.questionnaire_id for p in results.pairings) == sorted(surveyed)
    for pairing in results.pairings:
        assert pairing.changes, pairing.questionnaire_id
        for change in pairing.changes:
            assert (change.method, change.n_paired) == ("paired", 12), (
                pairing.questionnaire_id,
                change.measure,
            )
    client = signed_in(app, manager)
    for path in (
        f"/manage/contracts/{contract.id}/results",
        f"/manage/contracts/{contract.id}/dashboard",
        "/manage/portfolio",
    ):
        assert client.get(path).status_code == 200, path
    pack = start_export(manager, contract)
    finished = run_job(pack.id, out_dir=tmp_path)
    assert (finished.status, finished.message) == ("done", "The evidence pack is ready")


def test_a_fall_in_wellbeing_is_a_loss_written_as_people_write_money(app, setup):
    from tests.integration.helpers import signed_in

    contract, manager = setup
    baseline, follow_up = _ons(contract, 12, [-1, -2])
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    html = signed_in(app, manager).get(f"/manage/contracts/{contract.id}/results")
    text = html.get_data(as_text=True)
    values = re.findall(r"-?£-?[\d,]+", text)
    assert values and all(v.startswith("-£") for v in values if "-" in v), values
    assert "£-" not in text
    assert "the high assumption gives the larger loss" in text
    assert "wellby: " not in text  # the route's internal name
