"""Respondents are opaque keys: integer ids (as the app gives) pair exactly as strings do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcollect.scoring import SuppressionPolicy, outcome_change
from svcollect.scoring._waves import _joint_code_ids

from .conftest import scores

K5 = SuppressionPolicy(5)
WAVE = st.lists(
    st.tuples(st.one_of(st.none(), st.sampled_from("abcdefghij")), st.integers(14, 70)),
    max_size=40,
)


def _as_ids(frame: pd.DataFrame, numbers: dict[str, int]) -> pd.DataFrame:
    keys = [None if pd.isna(k) else numbers[k] for k in frame["respondent"]]
    return frame.assign(respondent=pd.array(keys, dtype="Int64"))


@settings(max_examples=150, deadline=None)
@given(base=WAVE, follow=WAVE, offset=st.integers(0, 2**40))
def test_integer_respondents_give_the_same_change_as_strings(base, follow, offset) -> None:
    # Large, sparse ids: pairing must not index by the ids themselves.
    numbers = {c: offset + 7919 * i for i, c in enumerate("abcdefghij")}
    named_base = scores("wemwbs", [(i + 1, c, v) for i, (c, v) in enumerate(base)])
    named_follow = scores("wemwbs", [(1000 + i, c, v) for i, (c, v) in enumerate(follow)])
    by_name = outcome_change(named_base, named_follow, "wemwbs", policy=K5)
    by_id = outcome_change(
        _as_ids(named_base, numbers), _as_ids(named_follow, numbers), "wemwbs", policy=K5
    )
    assert by_id.to_dict() == by_name.to_dict()
    name_of = {n: c for c, n in numbers.items()}
    assert [name_of[int(k)] for k in by_id.pairs["respondent"]] == list(by_name.pairs["respondent"])
    numeric = by_name.pairs.drop(columns="respondent")
    pd.testing.assert_frame_equal(by_id.pairs.drop(columns="respondent"), numeric)


def test_numbers_are_dense_and_missing_respondents_are_minus_one() -> None:
    ids = _joint_code_ids(
        pd.array([10**12, None, 5, 10**12], dtype="Int64"),
        pd.array([], dtype="string"),  # an empty wave of another kind does not matter
        pd.array([5, None, 7], dtype="Int64"),
    )
    assert ids.tolist() == [0, -1, 1, 0, 1, -1, 2]
    assert ids.dtype == np.int64


def test_waves_keyed_differently_are_refused() -> None:
    with pytest.raises(TypeError, match="respondents of different kinds"):
        _joint_code_ids(pd.array(["a"], dtype="string"), pd.array([1], dtype="Int64"))
