"""Fixtures for the import tests: questionnaires, and files built in the test."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from svcollect.questionnaires import Questionnaire, check_text, load_directory
from svcollect.scoring import scorer_names
from svcollect.services.respondent_codes import normalise_code

REPO = Path(__file__).resolve().parents[3]

#: every importable question type, a file question, and page and question conditions
BRANCHING = """
id: branching
version: 1
title: "Branching test"
audience: [workforce]
scorer: delivery_return
scales:
  agree3:
    options:
      - {value: 1, label: "Disagree"}
      - {value: 2, label: "Neutral"}
      - {value: 3, label: "Agree"}
pages:
  - id: about
    title: "About"
    questions:
      - id: team_size
        type: number
        text: "How many people are in your team?"
        min: 1
        max: 1000
      - id: has_policy
        type: yes_no
        text: "Do you have a wellbeing policy?"
      - id: activities
        type: multiple_choice
        text: "Which activities do you run?"
        required: false
        options:
          - {value: walks, label: "Walking groups"}
          - {value: training, label: "Mental health training"}
          - {value: other, label: "Something else"}
  - id: policy
    title: "Policy"
    show_if: {question: has_policy, equals: true}
    questions:
      - id: policy_date
        type: date
        text: "When was the policy agreed?"
      - id: policy_file
        type: file
        text: "Upload the policy"
        required: false
        accept: [pdf]
  - id: big
    title: "Large teams"
    show_if: {question: team_size, at_least: 50}
    questions:
      - id: supported
        type: scale
        scale: agree3
        text: "Staff feel supported"
      - id: other_detail
        type: short_text
        text: "What else do you run?"
        max_length: 20
        show_if: {question: activities, equals: other}
  - id: end
    title: "End"
    questions:
      - id: role
        type: single_choice
        text: "Your role"
        options:
          - {value: manager, label: "Manager"}
          - {value: staff, label: "Staff"}
      - id: comments
        type: long_text
        text: "Any comments?"
        required: false
        max_length: 30
      - id: spend
        type: number
        text: "Spend in pounds"
        integer: false
        required: false
        min: 0
"""

BRANCHING_HEADER = [
    "row_id",
    "respondent_code",
    "team_size",
    "has_policy",
    "activities",
    "policy_date",
    "supported",
    "other_detail",
    "role",
    "comments",
    "spend",
]


def branching_row(row_id: str, **answers: Any) -> list[Any]:
    """A valid row for a small team without a policy, with `answers` changed."""
    values: dict[str, Any] = {
        "row_id": row_id,
        "respondent_code": "",
        "team_size": "12",
        "has_policy": "no",
        "activities": "",
        "policy_date": "",
        "supported": "",
        "other_detail": "",
        "role": "staff",
        "comments": "",
        "spend": "",
    }
    values.update(answers)
    return [values[name] for name in BRANCHING_HEADER]


def read_code(text: str) -> tuple[str, str] | None:
    code = normalise_code(text)
    return (code, "entered") if code else None


def csv_bytes(
    rows: Sequence[Sequence[Any]], encoding: str = "utf-8", delimiter: str = ","
) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], title: str = "Responses", **extra: Any) -> bytes:
    """A workbook with `rows` on its first sheet; text starting with = stays text, as
    when typed after an apostrophe in Excel."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    for other_title, other_rows in extra.items():
        other = workbook.create_sheet(other_title)
        for row in other_rows:
            other.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def shipped() -> Any:
    return load_directory(REPO / "questionnaires", scorer_names())


@pytest.fixture(scope="session")
def wemwbs(shipped: Any) -> Questionnaire:
    return shipped.latest("wemwbs")


@pytest.fixture(scope="session")
def branching() -> Questionnaire:
    questionnaire, problems = check_text(BRANCHING, Path("branching/v1.yaml"), scorer_names())
    assert questionnaire is not None, problems
    return questionnaire
