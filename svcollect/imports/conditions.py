"""Which questions each row was asked: the questionnaire's show_if conditions, row-wise.

The walk is ``Questionnaire.visible_questions``' own (pages in order; a condition reads
only answers to questions that were themselves asked), done over whole columns: each
condition is decided with ``Condition.holds`` once per distinct answer in the column it
reads, then spread over the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from svcollect.questionnaires import Condition, Question, Questionnaire

from .rules import Checked, typed_value

Mask = npt.NDArray[np.bool_]
_NUMERIC = frozenset({"scale", "number"})


@dataclass(frozen=True)
class Asked:
    """Per question: on which rows it was asked, and where its page was shown.

    ``uncertain`` marks rows where that depends on an answer which is itself in error, so
    neither "required" nor "must be blank" can be said there.
    """

    visible: dict[str, Mask]
    page_shown: dict[str, Mask]
    uncertain: dict[str, Mask]


@dataclass(frozen=True)
class _Seen:
    codes: npt.NDArray[np.intp]  # index into `typed` per row; -1 when not answered
    typed: list[object]
    uncertain: Mask


def _seen(question: Question, checked: Checked, asked: Mask, uncertain: Mask) -> _Seen:
    answered = asked & checked.answered
    codes = np.full(len(asked), -1, dtype=np.intp)
    rows = np.flatnonzero(answered)
    typed: list[object] = []
    if rows.size:
        found, uniques = pd.factorize(checked.text[rows])
        codes[rows] = found
        typed = [
            typed_value(question, text, float(text) if question.type in _NUMERIC else None)
            for text in uniques
        ]
    return _Seen(codes, typed, uncertain | (asked & checked.invalid))


def _holds(condition: Condition | None, seen: Mapping[str, _Seen], n: int) -> tuple[Mask, Mask]:
    """Rows where the condition holds, and rows where that cannot be known."""
    if condition is None:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    name = condition.question
    missing = condition.holds({})
    source = seen.get(name)
    if source is None or not source.typed:
        unknown = source.uncertain if source is not None else np.zeros(n, dtype=bool)
        return np.full(n, missing), unknown
    per_value = np.array([condition.holds({name: value}) for value in source.typed], dtype=bool)
    answered = source.codes >= 0
    holds = np.full(n, missing)
    holds[answered] = per_value[source.codes[answered]]
    return holds, source.uncertain


def asked_rows(questionnaire: Questionnaire, checked: Mapping[str, Checked], n: int) -> Asked:
    """Visibility of every question in ``checked`` on each of ``n`` rows."""
    seen: dict[str, _Seen] = {}
    visible: dict[str, Mask] = {}
    page_shown: dict[str, Mask] = {}
    uncertain: dict[str, Mask] = {}
    for page in questionnaire.pages:
        shown, page_unknown = _holds(page.show_if, seen, n)
        for question in page.questions:
            if question.id not in checked:
                continue
            holds, unknown = _holds(question.show_if, seen, n)
            visible[question.id] = shown & holds
            page_shown[question.id] = shown
            uncertain[question.id] = page_unknown | unknown
            seen[question.id] = _seen(
                question, checked[question.id], visible[question.id], uncertain[question.id]
            )
    return Asked(visible, page_shown, uncertain)
