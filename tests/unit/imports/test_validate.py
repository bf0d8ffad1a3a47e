"""Checking whole files: header, blank rows, row ids, codes, conditions; every problem at once."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcollect.imports import check_file, validate
from svcollect.imports.cells import column_text
from svcollect.imports.conditions import asked_rows
from svcollect.imports.rules import check_column, typed_value
from tests.unit.imports.conftest import (
    BRANCHING_HEADER,
    branching_row,
    csv_bytes,
    read_code,
    xlsx_bytes,
)


def _check(questionnaire, rows, kind="csv"):
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    return check_file(data, f"returns.{kind}", questionnaire, read_code)


def _problems(result):
    return [(p.row, p.column, p.message) for p in result.problems]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_valid_rows_give_stored_answers_only_for_questions_asked(branching, kind):
    rows = [
        BRANCHING_HEADER,
        branching_row("A1"),
        branching_row(
            "A2",
            team_size="60",
            has_policy="yes",
            policy_date="27/03/2026",
            activities="other;walks",
            supported="3",
            other_detail="Choir",
            comments="=SUM(A1:A9)",
            spend="1,250.50",
            respondent_code="7kq 2mx 9pd",
        ),
    ]
    result = _check(branching, rows, kind)
    assert result.ok, _problems(result)
    valid = result.rows
    assert valid.row_ids == ["A1", "A2"]
    assert valid.row_numbers.tolist() == [2, 3]
    assert valid.codes == [None, ("7KQ2MX9PD", "entered")]
    text = {qid: texts.tolist() for qid, (texts, _) in valid.answers.items()}
    assert text["team_size"] == ["12", "60"]
    assert text["has_policy"] == ["no", "yes"]
    assert text["policy_date"] == [None, "2026-03-27"]
    assert text["activities"] == [None, json.dumps(["walks", "other"])]
    assert text["supported"] == [None, "3"]
    assert text["other_detail"] == [None, "Choir"]
    assert text["comments"] == [None, "=SUM(A1:A9)"]
    assert text["spend"] == [None, "1250.5"]
    assert valid.answers["spend"][1][1] == 1250.5
    assert "policy_file" not in valid.answers


def test_header_problems_are_all_listed_and_stop_the_row_checks(branching):
    header = [*BRANCHING_HEADER, "policy_file", "team_sise", "role", ""]
    header.remove("comments")
    row = [*branching_row("A1", supported="x")[:-2], "", "", "", "staff", "oops"]
    problems = _problems(_check(branching, [header, row]))
    messages = " | ".join(m for _, _, m in problems)
    assert all(r == 1 for r, _, _ in problems)
    assert "policy_file asks for files, which cannot be imported" in messages
    assert "team_sise is not a column of the template" in messages
    assert "(did you mean team_size?)" in messages
    assert "role is the name of columns I and M" in messages
    assert "Column N has answers but no name in row 1" in messages
    assert "The column comments is missing" in messages
    assert "not an allowed answer" not in messages


def test_column_names_are_matched_whatever_their_case(branching):
    header = [name.upper() if name != "role" else "Role" for name in BRANCHING_HEADER]
    assert _check(branching, [header, branching_row("A1")]).ok
    problems = _problems(_check(branching, [[*BRANCHING_HEADER, "Team_Sise"], branching_row("A1")]))
    assert "(did you mean team_size?)" in problems[0][2]


def test_respondent_code_column_may_be_left_out(branching):
    header = [name for name in BRANCHING_HEADER if name != "respondent_code"]
    row = [v for n, v in zip(BRANCHING_HEADER, branching_row("A1"), strict=True) if n in header]
    result = _check(branching, [header, row])
    assert result.ok and result.rows.codes == [None]


def test_blank_rows_are_skipped_and_row_numbers_kept(branching):
    rows = [BRANCHING_HEADER, branching_row("A1"), [""] * 11, ["  "] * 11, branching_row("")]
    result = _check(branching, rows)
    assert _problems(result) == [
        (5, "row_id", "Enter a row_id: each paper return needs its own reference")
    ]
    ok = _check(branching, [*rows[:4], branching_row("A5")])
    assert ok.ok and ok.rows.blank_rows == 2 and ok.rows.row_numbers.tolist() == [2, 5]


def test_repeated_row_ids_name_the_first_row(branching):
    rows = [BRANCHING_HEADER, branching_row("A1"), branching_row("B"), branching_row("A1")]
    rows.append(branching_row(" A1 "))
    assert _problems(_check(branching, rows)) == [
        (
            4,
            "row_id",
            "The row_id \u2018A1\u2019 is also on row 2: give each paper return its own row_id",
        ),
        (
            5,
            "row_id",
            "The row_id \u2018A1\u2019 is also on row 2: give each paper return its own row_id",
        ),
    ]


def test_numeric_row_ids_from_excel_read_as_written(branching):
    rows = [BRANCHING_HEADER, [1.0, *branching_row("x")[1:]], [1, *branching_row("x")[1:]]]
    problems = _problems(_check(branching, rows, "xlsx"))
    assert problems == [
        (
            3,
            "row_id",
            "The row_id \u20181\u2019 is also on row 2: give each paper return its own row_id",
        )
    ]


def test_bad_codes_and_long_row_ids_are_refused(branching):
    rows = [BRANCHING_HEADER, branching_row("x" * 101, respondent_code="not a code")]
    problems = _problems(_check(branching, rows))
    assert problems[0] == (2, "row_id", "A row_id must be 100 characters or fewer")
    assert problems[1][:2] == (2, "respondent_code")
    assert "for example 7KQ-2MX-9PD" in problems[1][2]


def test_conditions_blank_when_not_asked_required_when_asked(branching):
    rows = [
        BRANCHING_HEADER,
        branching_row("A1", policy_date="2025-01-01"),  # no policy: must be blank
        branching_row("A2", has_policy="yes"),  # policy: date required
        branching_row("A3", team_size="60", supported="2", other_detail="Choir"),
        branching_row("A4", team_size="60"),
    ]
    date_required = branching.question("policy_date").message("required")
    supported_required = branching.question("supported").message("required")
    assert _problems(_check(branching, rows)) == [
        (
            2,
            "policy_date",
            "Leave this cell blank: the question is only asked when has_policy is yes",
        ),
        (3, "policy_date", f"{date_required} (the cell is blank)"),
        (
            4,
            "other_detail",
            "Leave this cell blank: the question is only asked when activities includes other",
        ),
        (5, "supported", f"{supported_required} (the cell is blank)"),
    ]


def test_an_answer_in_error_does_not_cascade_into_the_questions_it_controls(branching):
    rows = [BRANCHING_HEADER, branching_row("A1", has_policy="maybe", policy_date="2025-01-01")]
    problems = _problems(_check(branching, rows))
    assert [(r, c) for r, c, _ in problems] == [(2, "has_policy")]


def test_every_problem_is_listed_in_row_then_column_order(branching, monkeypatch):
    bad = branching_row("A1", team_size="lots", role="boss", spend="-1")
    rows = [BRANCHING_HEADER] + [[f"R{i}", *bad[1:]] for i in range(30)]
    result = _check(branching, rows)
    assert result.problem_count == 90
    assert [p.column for p in result.problems[:3]] == ["team_size", "role", "spend"]
    assert [p.row for p in result.problems[::3]] == list(range(2, 32))
    monkeypatch.setattr(validate, "MAX_PROBLEMS", 10)
    capped = _check(branching, rows)
    assert capped.problem_count == 90 and len(capped.problems) == 10


def test_wrong_types_on_a_licensed_scale(wemwbs):
    header = ["row_id", *(q.id for q in wemwbs.questions())]
    rows = [header, ["P1", "five", *["3"] * 12, "6"]]
    problems = _problems(_check(wemwbs, rows))
    assert problems == [
        (2, "wemwbs_01", "\u2018five\u2019 is not an allowed answer: enter 1, 2, 3, 4 or 5"),
        (2, "wemwbs_14", "\u20186\u2019 is not an allowed answer: enter 1, 2, 3, 4 or 5"),
    ]


def test_merged_cells_are_refused_with_their_range(wemwbs):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["row_id", *(q.id for q in wemwbs.questions())])
    sheet.append(["P1", *[3] * 14])
    sheet.append(["P2", *[3] * 14])
    sheet.merge_cells("C2:C3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = check_file(buffer.getvalue(), "returns.xlsx", wemwbs, read_code)
    assert _problems(result)[0] == (
        2,
        "wemwbs_02",
        "Cells C2:C3 are merged: unmerge them and fill in each cell (only the first of "
        "merged cells is read, the others count as blank)",
    )
    assert (3, "wemwbs_02") in [(r, c) for r, c, _ in _problems(result)]


POOLS = {
    "team_size": ["", "12", "60", "5000", "x"],
    "has_policy": ["", "yes", "no", "maybe"],
    "activities": ["", "walks", "other", "walks;other", "nope"],
    "policy_date": ["", "2025-01-01", "31/02/2025"],
    "supported": ["", "1", "3", "9"],
    "other_detail": ["", "Choir", "x" * 30],
    "role": ["", "staff", "boss"],
    "comments": ["", "Fine"],
    "spend": ["", "10", "-1"],
}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({k: st.sampled_from(v) for k, v in POOLS.items()}),
        min_size=1,
        max_size=20,
    )
)
def test_who_is_asked_what_matches_the_questionnaire_row_by_row(branching, rows):
    questions = [q for q in branching.questions() if q.id in POOLS]
    checked = {
        q.id: check_column(q, column_text(np.array([r[q.id] for r in rows], dtype=object)))
        for q in questions
    }
    asked = asked_rows(branching, checked, len(rows))
    for i in range(len(rows)):
        answers = {
            q.id: typed_value(q, checked[q.id].text[i], _number(checked[q.id].number[i]))
            for q in questions
            if checked[q.id].answered[i]
        }
        expected = {q.id for q in branching.visible_questions(answers)}
        for question in questions:
            assert bool(asked.visible[question.id][i]) is (question.id in expected)


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


# --- completed_on: the day the paper form was filled in -----------------------------------

OPENS_ON = date(2026, 4, 1)
TODAY = date(2026, 12, 7)


def _with_completed_on(*rows):
    """BRANCHING rows with completed_on after respondent_code: (row_id, completed_on)."""
    header = [*BRANCHING_HEADER[:2], "completed_on", *BRANCHING_HEADER[2:]]
    body = [[*(r := branching_row(row_id))[:2], day, *r[2:]] for row_id, day in rows]
    return [header, *body]


def _check_window(questionnaire, rows, kind="csv"):
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    name = f"returns.{kind}"
    return check_file(data, name, questionnaire, read_code, opens_on=OPENS_ON, today=TODAY)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_completed_on_is_read_in_either_format_from_opening_day_to_today(branching, kind):
    rows = _with_completed_on(
        ("A1", "2026-04-01"), ("A2", "07/12/2026"), ("A3", ""), ("A4", "15/6/2026")
    )
    result = _check_window(branching, rows, kind)
    assert result.ok, _problems(result)
    assert result.rows.completed_on == [OPENS_ON, TODAY, None, date(2026, 6, 15)]


def test_completed_on_from_an_excel_date_cell(branching):
    rows = _with_completed_on(("A1", date(2026, 5, 2)), ("A2", datetime(2026, 5, 3)))
    result = _check_window(branching, rows, "xlsx")
    assert result.ok, _problems(result)
    assert result.rows.completed_on == [date(2026, 5, 2), date(2026, 5, 3)]


def test_completed_on_problems_name_row_and_column_and_store_nothing(branching):
    rows = _with_completed_on(
        ("A1", "2026-04-02"),
        ("A2", "31/02/2026"),
        ("A3", "yesterday"),
        ("A4", "2026-12-08"),
        ("A5", "31/03/2026"),
    )
    result = _check_window(branching, rows)
    assert result.rows is None
    assert _problems(result) == [
        (
            3,
            "completed_on",
            "The date the form was filled in must be a real date: enter it as YYYY-MM-DD or "
            "DD/MM/YYYY, for example 2026-03-27 or 27/03/2026, or leave the cell blank",
        ),
        (
            4,
            "completed_on",
            "The date the form was filled in must be a real date: enter it as YYYY-MM-DD or "
            "DD/MM/YYYY, for example 2026-03-27 or 27/03/2026, or leave the cell blank",
        ),
        (5, "completed_on", "The date the form was filled in must be today or in the past"),
        (
            6,
            "completed_on",
            "The date the form was filled in must be the same as or after 1 April 2026, "
            "the day the collection opened",
        ),
    ]
    assert result.problem_count == 4


def test_completed_on_problems_count_towards_the_limit(branching, monkeypatch):
    monkeypatch.setattr(validate, "MAX_PROBLEMS", 2)
    rows = _with_completed_on(*((f"A{i}", "2027-01-01") for i in range(5)))
    result = _check_window(branching, rows)
    assert result.problem_count == 5 and len(result.problems) == 2


def test_a_file_without_completed_on_has_no_dates(branching):
    result = _check_window(branching, [BRANCHING_HEADER, branching_row("A1"), branching_row("A2")])
    assert result.ok, _problems(result)
    assert result.rows.completed_on == [None, None]
