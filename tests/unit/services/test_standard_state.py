"""A standard's review as the pack reports it: the reviewer's comment, and the supplier's reply."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from svcollect.services.declarations import StandardState


def _state(*events: tuple[str, str]) -> StandardState:
    trail: list[Any] = [SimpleNamespace(kind=kind, comment=comment) for kind, comment in events]
    return StandardState(standard=None, declared="in_place", files=[], events=trail)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("events", "comment", "answer"),
    [
        ((), None, None),
        ((("accepted", ""),), None, None),
        ((("queried", "Send the plan"),), "Send the plan", None),
        ((("queried", "Send the plan"), ("answered", "Here it is")), "Send the plan", "Here it is"),
        (
            (("queried", "Send the plan"), ("answered", "Here it is"), ("accepted", "Thanks")),
            "Thanks",
            None,
        ),
        (
            (("queried", "Plan?"), ("answered", "Here"), ("queried", "Signed plan?")),
            "Signed plan?",
            None,
        ),
    ],
)
def test_the_reviewers_comment_is_never_the_suppliers_reply(events, comment, answer) -> None:
    state = _state(*events)
    assert state.review_comment == comment
    assert state.supplier_answer == answer
