"""Imports refuse a row whose date is before its not_before date, as the web form does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from svcollect.imports import check_file, codebook, template_columns
from svcollect.questionnaires import NotBefore, Questionnaire, add_not_before, check_text
from svcollect.scoring import scorer_names
from tests.unit.imports.conftest import csv_bytes, read_code, xlsx_bytes

TOO_EARLY = "The date this reporting period ends must be the same as or after the date it starts"


@pytest.fixture(scope="module")
def returns(shipped: Any) -> Questionnaire:
    questionnaire: Questionnaire = shipped.get("delivery-return", 2)
    return questionnaire


def _row(questionnaire: Questionnaire, row_id: str, **answers: str) -> list[str]:
    values = {name: "" for name in template_columns(questionnaire)}
    values["row_id"] = row_id
    values.update({q.id: "0" for q in questionnaire.questions() if q.type == "number"})
    values.update(period_start="2026-04-01", period_end="2026-06-30")
    values.update(answers)
    return list(values.values())


def _problems(questionnaire: Questionnaire, *rows: list[str], kind: str = "csv") -> list[Any]:
    table = [template_columns(questionnaire), *rows]
    data = csv_bytes(table) if kind == "csv" else xlsx_bytes(table)
    result = check_file(data, f"returns.{kind}", questionnaire, read_code)
    return [(p.row, p.column, p.message) for p in result.problems]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_row_ending_before_it_starts_is_refused_on_its_row(
    returns: Questionnaire, kind: str
) -> None:
    rows = [
        _row(returns, "Q1"),
        _row(returns, "Q2", period_start="01/04/2026", period_end="31/03/2026"),
        _row(returns, "Q3", period_end="2026-04-01"),  # the same day is fine
        _row(returns, "Q4", period_start="2027-01-01"),
    ]
    assert _problems(returns, *rows, kind=kind) == [
        (3, "period_end", f"{TOO_EARLY} (period_start is 1 April 2026)"),
        (5, "period_end", f"{TOO_EARLY} (period_start is 1 January 2027)"),
    ]


def test_a_blank_or_unreal_date_gets_only_its_own_problem(returns: Questionnaire) -> None:
    start, end = returns.question("period_start"), returns.question("period_end")
    rows = [
        _row(returns, "Q1", period_start="", period_end="2020-01-01"),
        _row(returns, "Q2", period_start="31/02/2026", period_end="2020-01-01"),
        _row(returns, "Q3", period_end="30/02/2026"),
        _row(returns, "Q4", period_start="", period_end=""),
    ]
    problems = _problems(returns, *rows)
    assert [(r, c) for r, c, _ in problems] == [
        (2, "period_start"),
        (3, "period_start"),
        (4, "period_end"),
        (5, "period_start"),
        (5, "period_end"),
    ]
    assert problems[0][2] == f"{start.message('required')} (the cell is blank)"
    assert problems[1][2].startswith(start.message("invalid"))
    assert problems[2][2].startswith(end.message("invalid"))
    assert not any(TOO_EARLY in message for _, _, message in problems)


def test_a_valid_file_stores_both_dates(returns: Questionnaire) -> None:
    table = [template_columns(returns), _row(returns, "Q1", period_end="2026-04-01")]
    result = check_file(csv_bytes(table), "returns.csv", returns, read_code)
    assert result.ok
    assert result.rows is not None
    assert result.rows.answers["period_start"][0].tolist() == ["2026-04-01"]
    assert result.rows.answers["period_end"][0].tolist() == ["2026-04-01"]


def test_v1_with_the_rule_the_service_layer_adds_is_refused_the_same_way(shipped: Any) -> None:
    released = shipped.get("delivery-return", 1)
    row = _row(released, "Q1", period_end="2026-03-31")
    assert _problems(released, row) == [], "v1's file holds no rule: the service layer adds it"
    v1 = add_not_before(released, [NotBefore("period_end", "period_start", TOO_EARLY)])
    assert _problems(v1, row) == [(2, "period_end", f"{TOO_EARLY} (period_start is 1 April 2026)")]


def test_the_codebook_says_what_the_date_must_not_be_before(returns: Questionnaire) -> None:
    rows = {row.column: row for row in codebook(returns)}
    assert rows["period_end"].minimum == "The same as or after period_start"
    assert rows["period_start"].minimum == ""


CONDITIONAL = """
id: conditional
version: 1
title: "Conditional period"
audience: [supplier]
scorer: delivery_return
pages:
  - id: about
    title: "About"
    questions:
      - id: has_period
        type: yes_no
        text: "Is there a reporting period?"
  - id: period
    title: "Period"
    show_if: {question: has_period, equals: true}
    questions:
      - id: starts
        type: date
        text: "When does it start?"
      - id: ends
        type: date
        text: "When does it end?"
        not_before: starts
"""


def test_dates_not_asked_or_depending_on_an_answer_in_error_are_not_compared() -> None:
    questionnaire, problems = check_text(CONDITIONAL, Path("conditional/v1.yaml"), scorer_names())
    assert questionnaire is not None, problems
    header = ["row_id", "has_period", "starts", "ends"]
    rows = [
        header,
        ["A1", "yes", "2026-04-01", "2026-03-31"],  # asked: refused
        ["A2", "no", "2026-04-01", "2026-03-31"],  # not asked: leave both blank
        ["A3", "maybe", "2026-04-01", "2026-03-31"],  # cannot tell: has_period's problem
    ]
    result = check_file(csv_bytes(rows), "returns.csv", questionnaire, read_code)
    found = [(p.row, p.column, p.message.split(":")[0]) for p in result.problems]
    assert found == [
        (
            2,
            "ends",
            "Your answer to \u2018When does it end?\u2019 must be the same as or after "
            "your answer to \u2018When does it start?\u2019 (starts is 1 April 2026)",
        ),
        (3, "starts", "Leave this cell blank"),
        (3, "ends", "Leave this cell blank"),
        (4, "has_period", "\u2018maybe\u2019 is not an answer to a yes or no question"),
    ]
