"""Property tests: bounds, row-order independence, suppression safety, valuation monotonicity."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from svcollect.scoring import (
    SuppressionPolicy,
    ValuationAssumptions,
    get_scorer,
    outcome_change,
    wellby_per_person,
)
from svcollect.scoring.suppression import suppress_distribution, suppression_pattern

from .conftest import SWEMWBS, WEMWBS, long_answers

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
item_value = st.one_of(
    st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.none(), st.just(9)
)


@st.composite
def wemwbs_answers(draw: st.DrawFn, ids: tuple[str, ...] = WEMWBS) -> pd.DataFrame:
    n = draw(st.integers(0, 12))
    responses = []
    for rid in range(1, n + 1):
        values = draw(st.lists(item_value, min_size=len(ids), max_size=len(ids)))
        answers = {q: v for q, v in zip(ids, values, strict=True) if v != 9 or draw(st.booleans())}
        code = draw(st.sampled_from(["a", "b", "c", None]))
        responses.append((rid * 3, code, answers))
    return long_answers(responses)


@st.composite
def mixed_answers(draw: st.DrawFn) -> pd.DataFrame:
    questions = ["life_satisfaction", "anxiety", "happiness", "worthwhile", "lonely_direct",
                 "ucla_left_out", "ucla_isolated", "ucla_companionship", "apprentices"]  # fmt: skip
    text = st.sampled_from(["never", "often_always", "occasionally", "odd"])
    responses = []
    for rid in range(draw(st.integers(0, 10))):
        chosen = draw(st.lists(st.sampled_from(questions), unique=True, max_size=len(questions)))
        answers: dict[str, Any] = {}
        for q in chosen:
            answers[q] = draw(text) if q == "lonely_direct" else draw(st.integers(-1, 11))
        responses.append((rid + 1, f"r{rid % 4}", answers))
    return long_answers(responses)


def shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    order = np.random.default_rng(seed).permutation(len(frame))
    return frame.iloc[order].reset_index(drop=True)


@SETTINGS
@given(wemwbs_answers())
def test_wemwbs_scores_in_range_and_every_response_accounted_for(answers: pd.DataFrame) -> None:
    result = get_scorer("wemwbs")(answers)
    assert result.scores["wemwbs"].between(14, 70).all()
    excluded = set(result.exclusions["response_id"])
    assert excluded.isdisjoint(result.scores.index)
    assert len(excluded) + result.n_scored == result.n_responses == answers["response_id"].nunique()


@SETTINGS
@given(wemwbs_answers(SWEMWBS))
def test_swemwbs_metric_in_range(answers: pd.DataFrame) -> None:
    scores = get_scorer("swemwbs")(answers).scores
    assert scores["swemwbs"].between(7, 35).all()
    assert scores["swemwbs_raw"].between(7, 35).all()


@SETTINGS
@given(mixed_answers())
def test_ons4_and_loneliness_scores_in_range(answers: pd.DataFrame) -> None:
    ons = get_scorer("ons4")(answers).scores
    for item in ("life_satisfaction", "worthwhile", "happiness", "anxiety"):
        assert ons[item].dropna().between(0, 10).all()
        assert (ons[item].isna() == ons[f"{item}_band"].isna()).all()
    lonely = get_scorer("loneliness")(answers).scores
    assert lonely["lonely_direct"].dropna().between(1, 5).all()
    assert lonely["ucla_loneliness"].dropna().between(3, 9).all()


@SETTINGS
@given(mixed_answers(), st.integers(0, 2**32 - 1))
def test_row_order_does_not_change_any_scorer(answers: pd.DataFrame, seed: int) -> None:
    for name in ("ons4", "loneliness", "delivery_return", "mhaw_standards"):
        scorer = get_scorer(name)
        assert scorer(answers).to_dict() == scorer(shuffled(answers, seed)).to_dict(), name


@SETTINGS
@given(wemwbs_answers(), wemwbs_answers(), st.integers(0, 2**32 - 1))
def test_row_order_does_not_change_scores_or_change(
    base: pd.DataFrame, follow: pd.DataFrame, seed: int
) -> None:
    scorer = get_scorer("wemwbs")
    follow = follow.assign(response_id=follow["response_id"] + 1000)
    b1, f1 = scorer(base), scorer(follow)
    b2, f2 = scorer(shuffled(base, seed)), scorer(shuffled(follow, seed + 1))
    assert b1.to_dict() == b2.to_dict()
    policy = SuppressionPolicy(5)
    one = outcome_change(b1, f1, "wemwbs", policy=policy).to_dict()
    two = outcome_change(b2, f2, "wemwbs", policy=policy).to_dict()
    assert one == two


def _published(counts: list[int], k: int) -> dict[str, Any]:
    labels = [str(i) for i in range(len(counts))]
    return suppress_distribution(labels, counts, SuppressionPolicy(k)).to_dict()


def _possible_values(counts: list[int], k: int) -> dict[int, set[int]]:
    """Every value each hidden cell could take, for someone who knows the rules and total.

    A candidate table is consistent if it agrees with every shown cell and the total and
    the rules hide exactly the same cells (shown values then match by construction).
    """
    pattern = suppression_pattern(counts, k)
    hidden = [i for i, r in enumerate(pattern[0]) if r is not None]
    if not hidden or pattern[1]:  # nothing hidden, or the total is hidden too
        return {i: {0, 1} for i in hidden}
    rest = sum(counts[i] for i in hidden)
    seen: dict[int, set[int]] = {i: set() for i in hidden}
    candidate = list(counts)
    for split in itertools.product(range(rest + 1), repeat=len(hidden) - 1):
        last = rest - sum(split)
        if last < 0:
            continue
        for i, v in zip(hidden, (*split, last), strict=True):
            candidate[i] = v
        if suppression_pattern(candidate, k) == pattern:
            for i in hidden:
                seen[i].add(candidate[i])
            if all(len(v) > 1 for v in seen.values()):
                break
    return seen


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.integers(0, 12), min_size=1, max_size=4),
    st.integers(5, 10),
    st.data(),
)
def test_adding_one_person_never_reveals_a_suppressed_cell(
    counts: list[int], k: int, data: st.DataObject
) -> None:
    where = data.draw(st.integers(0, len(counts) - 1))
    after = list(counts)
    after[where] += 1
    for table in (counts, after):
        published = _published(table, k)
        for i, cell in enumerate(published["cells"]):
            if 0 < table[i] < k:
                assert cell["count"]["value"] is None  # a small cell is never shown
            if not cell["count"]["suppressed"]:
                assert cell["count"]["value"] == table[i]
        hidden = [i for i, c in enumerate(published["cells"]) if c["count"]["suppressed"]]
        assert len(hidden) != 1 or published["total"]["value"] is None
        for i, values in _possible_values(table, k).items():
            # rule-aware attacker with the total: no cell of 1 to k-1 people is pinned
            assert len(values) > 1 or not 0 < table[i] < k, f"cell {i} of {table} is revealed"
    # a small cell hidden before, whose count did not change, is still hidden
    now = _published(after, k)
    for i in range(len(counts)):
        if i != where and 0 < counts[i] < k:
            assert now["cells"][i]["count"]["suppressed"]


def test_a_table_whose_hidden_cells_the_rules_would_pin_is_hidden_in_full() -> None:
    # k=5, [5, 4, 4, 5]: hiding only the two 4s leaves 8 between them, and with the rules
    # known no other split hides the same cells, so every cell is hidden (the total stays)
    published = _published([5, 4, 4, 5], 5)
    assert [c["count"]["value"] for c in published["cells"]] == [None] * 4
    assert published["total"]["value"] == 18
    assert all(len(v) > 1 for v in _possible_values([5, 4, 4, 5], 5).values())
    # the same cells a step away from the edge keep the two outer cells shown
    assert [c["count"]["value"] for c in _published([6, 4, 4, 6], 5)["cells"]] == [
        6,
        None,
        None,
        6,
    ]


fraction = st.floats(0, 1, allow_nan=False)


@SETTINGS
@given(
    st.floats(-10, 10, allow_nan=False),
    st.floats(-10, 10, allow_nan=False),
    st.floats(0.1, 10, allow_nan=False),
    fraction,
    fraction,
    st.floats(0, 0.2, allow_nan=False),
    st.sampled_from([2019, 2020, 2024]),
)
def test_valuation_is_monotone_in_the_change(
    a: float, b: float, duration: float, drop_off: float, deadweight: float, rate: float, year: int
) -> None:
    assume(a != b)
    low, high = sorted((a, b))
    assumptions = ValuationAssumptions(
        duration_years=duration,
        drop_off=drop_off,
        deadweight=deadweight,
        discount_rate=rate,
        reporting_price_year=year,
    )
    small, big = wellby_per_person(low, assumptions), wellby_per_person(high, assumptions)
    for level in ("low", "central", "high"):
        assert small[level] <= big[level]
    assert big["low"] <= big["central"] <= big["high"] or high < 0
