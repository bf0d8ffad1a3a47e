"""Scoring in chunks of whole responses and combining gives the result of scoring at once."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcollect.scoring import get_scorer
from svcollect.scoring.results import combine_results
from svcollect.scoring.standards import MHAW_CORE

from .conftest import SWEMWBS, WEMWBS, long_answers

ONS4 = ("life_satisfaction", "worthwhile", "happiness", "anxiety")
LONELINESS = ("ucla_companionship", "ucla_left_out", "ucla_isolated")
# Per scorer: its items and the values an item may take (some out of range or missing).
CASES = {
    "wemwbs": (WEMWBS, [1, 2, 3, 4, 5, 5, None, 9]),
    "swemwbs": (SWEMWBS, [1, 2, 3, 4, 5, None, 0]),
    "ons4": (ONS4, [0, 3, 7, 10, None, 11]),
    "loneliness": (LONELINESS, [1, 2, 3, None, 4]),
    "mhaw_standards": (
        tuple(f"mhaw_{k}_status" for k in range(1, len(MHAW_CORE) + 1)),
        ["in_place", "partly", "not_yet", None, "bogus"],
    ),
}


def _answers(scorer: str, n: int, seed: int) -> pd.DataFrame:
    ids, values = CASES[scorer]
    rng = np.random.default_rng(seed)
    responses = []
    for rid in range(1, n + 1):
        answers = {q: values[rng.integers(len(values))] for q in ids if rng.random() > 0.05}
        code = None if rng.random() < 0.1 else f"code{rng.integers(n // 2 + 1)}"
        responses.append((rid * 2, code, answers))
    return long_answers(responses)


def _chunks(answers: pd.DataFrame, cuts: list[int]) -> list[pd.DataFrame]:
    """The frame split before each response id in ``cuts`` (whole responses per part)."""
    edges = [0, *sorted(set(cuts)), np.iinfo(np.int64).max]
    ids = answers["response_id"]
    return [answers[(ids >= lo) & (ids < hi)] for lo, hi in itertools.pairwise(edges)]


def _same(left, right) -> None:  # type: ignore[no-untyped-def]
    assert (left.scorer, left.version, left.measures, left.notes) == (
        right.scorer,
        right.version,
        right.measures,
        right.notes,
    )
    assert left.n_responses == right.n_responses
    pd.testing.assert_frame_equal(left.scores, right.scores)
    pd.testing.assert_frame_equal(left.exclusions, right.exclusions)


@pytest.mark.parametrize("scorer_name", sorted(CASES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 40),
    seed=st.integers(0, 2**31),
    cuts=st.lists(st.integers(0, 90), max_size=6),
)
def test_chunked_scores_equal_scores_at_once(scorer_name, n, seed, cuts):
    scorer = get_scorer(scorer_name)
    answers = _answers(scorer_name, n, seed)
    parts = [scorer(chunk) for chunk in _chunks(answers, cuts)]
    _same(combine_results(parts), scorer(answers))


def test_a_single_part_is_returned_as_it_is():
    result = get_scorer("wemwbs")(_answers("wemwbs", 5, 1))
    assert combine_results([result]) is result


def test_parts_of_different_scorers_are_refused():
    wemwbs = get_scorer("wemwbs")(_answers("wemwbs", 3, 1))
    ons4 = get_scorer("ons4")(_answers("ons4", 3, 1))
    with pytest.raises(ValueError, match="cannot combine ons4"):
        combine_results([wemwbs, ons4])


def test_parts_that_score_one_response_twice_are_refused():
    answers = _answers("wemwbs", 6, 2)
    result = get_scorer("wemwbs")(answers)
    with pytest.raises(ValueError, match="same response twice"):
        combine_results([result, result])


def test_no_parts_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        combine_results([])


def test_only_the_delivery_scorer_needs_the_whole_collection():
    # delivery_return's columns are the measures it meets, so parts could disagree.
    assert {n for n in CASES if not get_scorer(n).fixed_columns} == set()
    assert get_scorer("delivery_return").fixed_columns is False
