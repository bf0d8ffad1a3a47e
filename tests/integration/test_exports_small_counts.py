"""Evidence packs never write a count of 1 to k-1 people as a number on the Summary or
Outcomes sheets; Responses (row-level answers for auditors), the fingerprints and every
figure of k or more people are as before."""

from __future__ import annotations

from typing import Any

import pytest

from svcollect.services.results import compute_results
from svcollect.services.valuation import add_route
from tests.integration.export_world import (
    export,
    pack_of,
    rows_of,
    workbook_of,
)
from tests.integration.helpers import (
    ONS_OTHER,
    make_collection,
    make_contract,
    make_user,
    ons_pairs,
    seed_responses,
)

#: Outcomes sheet statistics that are counts of people
COUNT_PATHS = {
    "n_paired",
    "n_unpaired_baseline",
    "n_unpaired_follow_up",
    "baseline / n",
    "baseline / n_scored",
    "baseline / n_without_code",
    "baseline / n_duplicates_dropped",
    "follow_up / n",
    "follow_up / n_scored",
    "follow_up / n_without_code",
    "follow_up / n_duplicates_dropped",
    "paired / n",
    "cohort / n_baseline",
    "cohort / n_follow_up",
}


def _small(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 10


def _label(contract: Any) -> str:
    changes = compute_results(contract).to_dict()["outcomes"][0]["changes"]
    return next(c["label"] for c in changes if c["measure"] == "life_satisfaction")


@pytest.fixture
def six_pairs(app: Any) -> Any:
    """Six people paired, three baseline answers without a code, a WELLBY route."""
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    baseline, follow_up = ons_pairs(contract, 6, [0, 1])
    seed_responses(baseline, [(None, {"life_satisfaction": 5, **ONS_OTHER}) for _ in range(3)])
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    return contract


def test_people_paired_under_k_is_the_text_fewer_than_k(app, six_pairs, tmp_path):
    pack = pack_of(app, export(six_pairs))
    wb = workbook_of(pack, tmp_path)
    ws = wb["Summary"]
    label = _label(six_pairs)
    [row] = [r for r in ws.iter_rows() if r[3].value == label and r[0].value == "ons4"]
    assert row[6].value == "fewer than 10" and row[6].data_type == "s"
    [value_row] = [r for r in rows_of(ws) if r[0] == "wellby"]
    assert value_row[5] == "fewer than 10" and value_row[7:10] == ["suppressed"] * 3
    # the flags already said it in words; no count of 6 or 3 anywhere in the notes
    assert "Fewer than 10 baseline responses have no respondent code" in row[12].value
    assert not any(_small(v) for r in rows_of(ws) for v in r[4:7] if r[0] == "ons4")


def test_outcomes_sheet_has_no_count_of_people_under_k(app, six_pairs, tmp_path):
    wb = workbook_of(pack_of(app, export(six_pairs)), tmp_path)
    rows = rows_of(wb["Outcomes"])[2:]
    assert rows
    seen = set()
    for row in rows:
        path = row[6]
        if path in COUNT_PATHS or str(path).endswith(("/ total", "/ count")):
            seen.add(path)
            assert not _small(row[7]), (path, row)
        if len(row) > 8:
            assert not _small(row[8]), (path, row)  # the n of every statistic
    assert {"n_paired", "baseline / n", "baseline / n_without_code", "paired / n"} <= seen
    by_path = {(r[3], r[6]): r[7] for r in rows}
    assert by_path[("life_satisfaction", "n_paired")] == "fewer than 10"
    assert by_path[("life_satisfaction", "baseline / n_without_code")] == "fewer than 10"
    assert by_path[("life_satisfaction", "baseline / n_scored")] == "fewer than 10"  # 6 + 3


def test_responses_fingerprint_and_formulas_are_unchanged(app, six_pairs, tmp_path):
    results = compute_results(six_pairs)
    wb = workbook_of(pack_of(app, export(six_pairs)), tmp_path)
    cover = {r[0]: r[1] for r in rows_of(wb["Cover"]) if r[0]}
    # the fingerprint is still that of the results as computed (and as stored in snapshots)
    assert cover["Results fingerprint (SHA-256)"] == results.sha256
    # Responses is row-level data for auditors, not a statistic: every answer is there
    responses = rows_of(wb["Responses"])
    assert len(responses) - 1 == cover["Responses exported"] == 6 + 3 + 6
    # exact counts stay in the results themselves
    change = next(
        c
        for c in results.to_dict()["outcomes"][0]["changes"]
        if c["measure"] == "life_satisfaction"
    )
    assert (change["n_paired"], change["baseline"]["n_without_code"]) == (6, 3)


def test_groups_that_are_not_paired_read_fewer_than_k(app, tmp_path):
    contract = make_contract()
    baseline = make_collection("ons4", contract=contract)
    follow_up = make_collection("ons4", contract=contract, wave="follow_up")
    seed_responses(
        baseline, [(f"BASE{i}", {"life_satisfaction": 5, **ONS_OTHER}) for i in range(7)]
    )
    seed_responses(
        follow_up, [(f"FOLL{i}", {"life_satisfaction": 6, **ONS_OTHER}) for i in range(12)]
    )
    wb = workbook_of(pack_of(app, export(contract)), tmp_path)
    label = _label(contract)
    [row] = [r for r in rows_of(wb["Summary"]) if r[3] == label and r[0] == "ons4"]
    assert "not paired: fewer than 10 and 12 people" in row[12]
    assert "7 and 12" not in row[12]
    outcomes = {(r[3], r[6]): r[7] for r in rows_of(wb["Outcomes"])[2:]}
    assert outcomes[("life_satisfaction", "cohort / n_baseline")] == "fewer than 10"
    assert outcomes[("life_satisfaction", "cohort / n_follow_up")] == 12


def test_twelve_people_are_still_exact(app, tmp_path):
    contract = make_contract()
    ons_pairs(contract, 12, [0, 1])
    wb = workbook_of(pack_of(app, export(contract)), tmp_path)
    label = _label(contract)
    [row] = [r for r in rows_of(wb["Summary"]) if r[3] == label and r[0] == "ons4"]
    assert row[6] == 12
    outcomes = {(r[3], r[6]): r[7] for r in rows_of(wb["Outcomes"])[2:]}
    assert outcomes[("life_satisfaction", "n_paired")] == 12
    assert outcomes[("life_satisfaction", "paired / movement / total")] == 12
