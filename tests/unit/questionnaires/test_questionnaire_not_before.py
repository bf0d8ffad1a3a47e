"""``not_before``: a date on or after an earlier date on its page, checked when loading."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from svcollect.questionnaires import (
    NotBefore,
    Questionnaire,
    add_not_before,
    check_text,
    default_message,
)

PATH = Path("questionnaires/period/v1.yaml")
BASE = """\
id: period
version: 1
title: "Period"
audience: [supplier]
scorer: delivery_return
pages:
  - id: first
    title: "First"
    questions:
      - id: signed_on
        type: date
        text: "When was the contract signed?"
  - id: period
    title: "Period"
    questions:
      - id: period_start
        type: date
        text: "When does the period start?"
      - id: staff
        type: number
        text: "How many staff?"
      - id: period_end
        type: date
        text: "When does the period end?"
        not_before: period_start
"""
RULE = "not_before must name a date question earlier on the same page"


def load(text: str, known: frozenset[str]) -> Questionnaire:
    questionnaire, problems = check_text(text, PATH, known)
    assert problems == []
    assert questionnaire is not None
    return questionnaire


def problems_of(text: str, known: frozenset[str]) -> list[str]:
    questionnaire, problems = check_text(text, PATH, known)
    assert questionnaire is None
    return [str(problem) for problem in problems]


def test_a_good_rule_loads_with_a_default_message(known_scorers: frozenset[str]) -> None:
    period = load(BASE, known_scorers)
    end = period.question("period_end")
    assert end.not_before == "period_start"
    assert period.question("period_start").not_before is None
    assert end.message("too_early") == (
        "Your answer to \u2018When does the period end?\u2019 must be the same as or after "
        "your answer to \u2018When does the period start?\u2019"
    )


def test_the_files_own_message_wins(known_scorers: frozenset[str]) -> None:
    text = BASE + '        messages:\n          too_early: "The period must end after it starts"\n'
    end = load(text, known_scorers).question("period_end")
    assert end.message("too_early") == "The period must end after it starts"


def test_the_rule_and_its_message_are_part_of_the_content_hash(
    known_scorers: frozenset[str],
) -> None:
    with_rule = load(BASE, known_scorers).content_hash
    without = load(BASE.replace("        not_before: period_start\n", ""), known_scorers)
    assert without.question("period_end").not_before is None
    worded = BASE + '        messages:\n          too_early: "Ends too soon"\n'
    hashes = {with_rule, without.content_hash, load(worded, known_scorers).content_hash}
    assert len(hashes) == 3


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        (
            "period_strat",
            "which is not a question in this questionnaire (did you mean 'period_start'?)",
        ),
        ("nothing_like_it", "which is not a question in this questionnaire"),
        ("staff", "which is a number question"),
        ("period_end", "which is the question itself"),
        ("signed_on", "which is on an earlier page ('first')"),
    ],
)
def test_a_bad_reference_names_the_file_line_and_problem(
    known_scorers: frozenset[str], reference: str, problem: str
) -> None:
    text = BASE.replace("not_before: period_start", f"not_before: {reference}")
    assert problems_of(text, known_scorers) == [
        f"{PATH.as_posix()}:25: question 'period_end' has not_before '{reference}', "
        f"{problem}; {RULE}"
    ]


def test_a_date_later_on_the_page_or_on_a_later_page_is_refused(
    known_scorers: frozenset[str],
) -> None:
    text = BASE.replace(
        "      - id: period_start\n        type: date\n",
        "      - id: period_start\n        type: date\n        not_before: period_end\n",
    ).replace(
        '        text: "When was the contract signed?"\n',
        '        text: "When was the contract signed?"\n        not_before: period_start\n',
    )
    assert problems_of(text, known_scorers) == [
        f"{PATH.as_posix()}:13: question 'signed_on' has not_before 'period_start', "
        f"which is on a later page ('period'); {RULE}",
        f"{PATH.as_posix()}:19: question 'period_start' has not_before 'period_end', "
        f"which comes after it on the page; {RULE}",
    ]


def test_only_date_questions_take_the_rule_and_its_message(
    known_scorers: frozenset[str],
) -> None:
    text = BASE.replace(
        '        text: "How many staff?"\n',
        '        text: "How many staff?"\n        not_before: period_start\n'
        '        messages:\n          too_early: "Too early"\n',
    ).replace(
        '        text: "When was the contract signed?"\n',
        '        text: "When was the contract signed?"\n'
        '        messages:\n          too_early: "Never shown"\n',
    )
    assert problems_of(text, known_scorers) == [
        f"{PATH.as_posix()}:14: question 'signed_on' has a 'too_early' message but no "
        "'not_before', so it can never be shown",
        f"{PATH.as_posix()}:24: question 'staff' is a number question, so it cannot have "
        "'not_before' (only date questions use it)",
        f"{PATH.as_posix()}:26: question 'staff' cannot have a 'too_early' message: it does not "
        "apply to number questions (messages it can have: required, invalid, too_small, "
        "too_large)",
    ]


def test_the_reference_must_be_a_question_id(known_scorers: frozenset[str]) -> None:
    text = BASE.replace("not_before: period_start", "not_before: [period_start]")
    assert problems_of(text, known_scorers) == [
        f"{PATH.as_posix()}:25: 'not_before' in question 'period_end' must be text, "
        "but it is a list"
    ]


@pytest.mark.parametrize(
    ("answers", "early"),
    [
        ({"period_start": date(2026, 4, 1), "period_end": date(2026, 3, 31)}, True),
        ({"period_start": "2026-04-01", "period_end": "2026-03-31"}, True),
        ({"period_start": date(2026, 4, 1), "period_end": date(2026, 4, 1)}, False),
        ({"period_start": date(2026, 4, 1), "period_end": date(2026, 6, 30)}, False),
        ({"period_end": date(2026, 3, 31)}, False),
        ({"period_start": None, "period_end": date(2026, 3, 31)}, False),
        ({"period_start": "31/02/2026", "period_end": date(2026, 3, 31)}, False),
        ({"period_start": date(2026, 4, 1)}, False),
    ],
)
def test_too_early_compares_two_real_dates_only(
    known_scorers: frozenset[str], answers: dict[str, object], early: bool
) -> None:
    period = load(BASE, known_scorers)
    assert period.question("period_end").too_early(answers) is early
    assert period.question("period_start").too_early(answers) is False


def test_the_fallback_message_for_a_question_built_by_hand() -> None:
    assert default_message("too_early", type="date", text="End") == (
        "Your answer to \u2018End\u2019 is too early"
    )


# --- rules the service layer adds to a released version ------------------------------------


def test_a_rule_added_to_a_released_version_keeps_its_content_hash(
    known_scorers: frozenset[str],
) -> None:
    released = load(BASE.replace("        not_before: period_start\n", ""), known_scorers)
    added = add_not_before(released, [NotBefore("period_end", "period_start")])
    end = added.question("period_end")
    assert end.not_before == "period_start"
    assert end.message("too_early") == load(BASE, known_scorers).question("period_end").message(
        "too_early"
    )
    assert added.content_hash == released.content_hash
    assert released.question("period_end").not_before is None, "the original is unchanged"
    assert added.page("first") is released.page("first")
    worded = add_not_before(released, [NotBefore("period_end", "period_start", "Ends too soon")])
    assert worded.question("period_end").message("too_early") == "Ends too soon"
    assert add_not_before(released, []) is released


@pytest.mark.parametrize(
    "rule",
    [
        NotBefore("period_end", "nothing"),
        NotBefore("nothing", "period_start"),
        NotBefore("staff", "period_start"),
        NotBefore("period_end", "staff"),
        NotBefore("period_start", "period_end"),
        NotBefore("period_end", "signed_on"),
        NotBefore("period_end", "period_end"),
    ],
)
def test_a_rule_its_file_could_not_hold_is_refused(
    known_scorers: frozenset[str], rule: NotBefore
) -> None:
    released = load(BASE.replace("        not_before: period_start\n", ""), known_scorers)
    with pytest.raises(ValueError, match="period v1"):
        add_not_before(released, [rule])


def test_a_rule_the_file_already_has_is_refused(known_scorers: frozenset[str]) -> None:
    with pytest.raises(ValueError, match="already has not_before"):
        add_not_before(load(BASE, known_scorers), [NotBefore("period_end", "period_start")])
