"""Results as data leaving svcollect (`public_dict`): counts of 1 to k-1 people read
"fewer than k". The results themselves and their snapshots keep exact counts, so kept
results render as the computed ones did; the fingerprint is keyed, so it cannot be used
to test guesses at them."""

from __future__ import annotations

import contextvars
import json
import re
from types import SimpleNamespace

import pytest

from svcollect.services.results import (
    KeptResults,
    compute_results,
    public_dict,
    results_fingerprint,
    store_snapshot,
)
from svcollect.services.valuation import add_route
from tests.integration.helpers import ONS_OTHER, make_contract, make_user, seed_responses
from tests.integration.helpers import ons_pairs as _ons


@pytest.fixture
def seven(app):
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    baseline, follow_up = _ons(contract, 7, [0, 1])
    seed_responses(baseline, [(None, {"life_satisfaction": 5, **ONS_OTHER}) for _ in range(2)])
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    return contract


def _life(data):
    return next(c for c in data["outcomes"][0]["changes"] if c["measure"] == "life_satisfaction")


def _assert_disclosed(data):
    change = _life(data)
    few = "fewer than 10"
    assert change["n_paired"] == change["paired"]["n"] == few
    assert change["baseline"]["n"] == change["follow_up"]["n"] == few
    assert change["baseline"]["n_without_code"] == change["baseline"]["n_scored"] == few
    assert change["paired"]["mean_change"]["n"] == few  # the n of a withheld statistic
    assert (change["n_unpaired_baseline"], change["n_unpaired_follow_up"]) == (few, 0)
    [valuation] = data["valuations"]
    assert valuation["total"]["central"]["n"] == few
    assert data["totals_by_grade"]["paired survey"]["central"]["n"] == few
    assert not re.search(r'"(n|n_[a-z_]+)": [1-9]\b', json.dumps(data["outcomes"]))


def test_public_dict_writes_small_counts_as_fewer_than_k(app, seven):
    results = compute_results(seven)
    _assert_disclosed(public_dict(results))
    exact = _life(results.to_dict())
    assert (exact["n_paired"], exact["baseline"]["n_without_code"]) == (7, 2)


def test_snapshots_keep_exact_counts_and_kept_results_are_disclosed_the_same(app, seven):
    results = compute_results(seven)
    snapshot = store_snapshot(results)
    stored = json.loads(snapshot.results_json)
    assert _life(stored)["n_paired"] == 7  # kept for rendering after the answers go
    assert snapshot.results_sha256 == results.sha256
    deletion = SimpleNamespace(snapshot=snapshot)
    kept = KeptResults(seven, deletion, stored)  # type: ignore[arg-type]
    _assert_disclosed(public_dict(kept))
    assert kept.sha256 == results.sha256


def test_counts_of_k_or_more_and_the_results_k_are_respected(app, monkeypatch):
    contract = make_contract()
    _ons(contract, 12, [0, 1])
    assert _life(public_dict(compute_results(contract)))["n_paired"] == 12
    monkeypatch.setitem(app.config, "SVCOLLECT_SUPPRESSION_MIN_N", 15)
    assert _life(public_dict(compute_results(contract)))["n_paired"] == "fewer than 15"


def test_score_json_does_not_print_small_counts(app, seven):
    runner = app.test_cli_runner()
    result = contextvars.Context().run(
        runner.invoke, args=["score", seven.reference, "--json", "--no-store"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["sha256"] == compute_results(seven).sha256
    _assert_disclosed({k: v for k, v in payload.items() if k != "sha256"})


def test_the_fingerprint_cannot_test_a_guess_at_a_hidden_count(app, seven):
    """Every figure published beside the fingerprint, and a guess at each hidden count:
    with a plain hash one guess would match; keyed with the contract's secret, none does."""
    import copy

    from svcollect.scoring.provenance import sha256_of

    results = compute_results(seven)
    exact = results.to_dict()
    assert results.sha256 == compute_results(seven).sha256  # equal results, equal print
    guesses = set()
    for n in range(1, 10):
        guess = copy.deepcopy(exact)
        change = _life(guess)
        change["n_paired"] = change["paired"]["n"] = n
        guesses.add(sha256_of(guess))
    assert sha256_of(exact) in guesses  # the attack works on a plain hash...
    assert results.sha256 not in guesses  # ...and not on the fingerprint
    assert results.sha256 != results_fingerprint(make_contract(), exact)  # each its own key
