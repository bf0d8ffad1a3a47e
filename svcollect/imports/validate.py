"""Checking a whole import: header, rows, answers and conditions, every problem at once.

A file is either entirely valid (and :class:`ValidRows` holds what to store) or it is
refused with the list of problems: nothing in between.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from svcollect.questionnaires import Question, Questionnaire

from .cells import column_text, is_none, not_none, per_distinct
from .codebook import (
    CODE_EXAMPLE,
    COMPLETED_ON,
    FIXED_COLUMNS,
    MAX_ROW_ID_LENGTH,
    OPTIONAL_COLUMNS,
    RESPONDENT_CODE,
    ROW_ID,
    describe_condition,
    importable,
    not_importable,
)
from .conditions import Asked, asked_rows
from .problems import ImportProblem, column_letter, shown
from .reading import Table
from .rules import CONTROL_MESSAGE, Checked, check_column, has_control_characters, read_date

#: problems listed in full; beyond this only their number is kept
MAX_PROBLEMS = 100_000
#: canonical code and how it was made ("entered", "memorable"), or None if not a code
CodeReader = Callable[[str], tuple[str, str] | None]
ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class ValidRows:
    """What to store, one entry per non-blank row of a file with no problems."""

    row_numbers: npt.NDArray[np.int64]
    row_ids: list[str]
    codes: list[tuple[str, str] | None]
    #: question id -> (value_text or None, value_number or NaN) per row
    answers: dict[str, tuple[ObjectArray, npt.NDArray[np.float64]]]
    blank_rows: int
    #: the day each paper form was filled in (completed_on), None where not given
    completed_on: list[date | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.row_ids)


@dataclass(frozen=True)
class ImportCheck:
    problems: tuple[ImportProblem, ...]
    problem_count: int
    rows: ValidRows | None

    @property
    def ok(self) -> bool:
        return self.rows is not None


class _Problems:
    """Problems gathered a column at a time as (row positions, column position, messages)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.parts: list[tuple[npt.NDArray[np.int64], int, ObjectArray]] = []
        self.fixed: list[ImportProblem] = []

    def add(self, rows: npt.NDArray[np.int64], column: int, messages: object) -> None:
        if len(rows):
            text = np.empty(len(rows), dtype=object)
            text[:] = messages
            self.parts.append((self.table.row_numbers[rows], column, text))

    def result(self) -> ImportCheck:
        count = len(self.fixed) + sum(len(rows) for rows, _, _ in self.parts)
        if not self.parts:
            return ImportCheck(tuple(self.fixed[:MAX_PROBLEMS]), count, None)
        rows = np.concatenate([r for r, _, _ in self.parts])
        columns = np.concatenate([np.full(len(r), c) for r, c, _ in self.parts])
        messages = np.concatenate([m for _, _, m in self.parts])
        order = np.lexsort((columns, rows))[: max(0, MAX_PROBLEMS - len(self.fixed))]
        names = self.table.header
        listed = [
            ImportProblem(int(rows[i]), names[columns[i]] or column_letter(int(columns[i])), m)
            for i, m in zip(order, messages[order], strict=True)
        ]
        # Whole-file problems first, then by row (merged cells sit with their row).
        ordered = sorted(self.fixed + listed, key=lambda problem: problem.row or 0)
        return ImportCheck(tuple(ordered[:MAX_PROBLEMS]), count, None)


def check_table(
    table: Table,
    questionnaire: Questionnaire,
    read_code: CodeReader,
    *,
    opens_on: date | None = None,
    today: date | None = None,
) -> ImportCheck:
    """Check every row of ``table`` against ``questionnaire`` with the web form's rules.

    ``opens_on`` and ``today`` (UK days) bound the completed_on dates: a paper form was
    filled in on or after the day its collection opened and not after today. ``None``
    leaves that end unchecked (the service always passes both).
    """
    # Ids are lower case (the questionnaire schema says so): Wemwbs_01 means wemwbs_01.
    known = {*FIXED_COLUMNS, *(q.id for q in questionnaire.questions())}
    header = tuple(name.lower() if name.lower() in known else name for name in table.header)
    table = dataclasses.replace(table, header=header)
    problems = _Problems(table)
    problems.fixed.extend(_header_problems(table, questionnaire))
    if problems.fixed:
        return problems.result()
    problems.fixed.extend(_merged_problems(table))
    position = {name: j for j, name in enumerate(table.header) if name}
    csv = table.kind == "csv"
    texts = {name: column_text(table.cells[:, j], all_text=csv) for name, j in position.items()}
    blank = np.logical_and.reduce([is_none(t) for t in texts.values()])
    keep = np.flatnonzero(~blank)
    table = Table(
        table.header, table.cells[keep], table.row_numbers[keep], table.header_row, table.kind
    )
    problems.table = table
    texts = {name: text[keep] for name, text in texts.items()}
    _row_ids(texts[ROW_ID], position[ROW_ID], problems)
    code_column = position.get(RESPONDENT_CODE, 0)
    codes = _codes(texts.get(RESPONDENT_CODE), code_column, read_code, problems)
    completed = _completed_on(
        texts.get(COMPLETED_ON), position.get(COMPLETED_ON, 0), opens_on, today, problems
    )
    questions = importable(questionnaire)
    checked = {q.id: check_column(q, texts[q.id]) for q in questions}
    asked = asked_rows(questionnaire, checked, len(keep))
    for question in questions:
        _answer_problems(question, checked[question.id], asked, position[question.id], problems)
        _hidden_problems(questionnaire, question, checked[question.id], asked, position, problems)
        _order_problems(question, checked, asked, position[question.id], problems)
    result = problems.result()
    if result.problem_count:
        return result
    answers = {}
    for question in questions:
        column = checked[question.id]
        stored = asked.visible[question.id] & column.answered
        text = np.full(len(keep), None, dtype=object)
        text[stored] = column.text[stored]
        answers[question.id] = (text, np.where(stored, column.number, np.nan))
    rows = ValidRows(
        table.row_numbers, list(texts[ROW_ID]), codes, answers, int(blank.sum()), completed
    )
    return ImportCheck((), 0, rows)


def _header_problems(table: Table, questionnaire: Questionnaire) -> list[ImportProblem]:
    found: list[ImportProblem] = []
    row = table.header_row
    files = {q.id for q in not_importable(questionnaire)}
    expected = [*FIXED_COLUMNS, *(q.id for q in importable(questionnaire))]
    seen: dict[str, int] = {}
    for j, name in enumerate(table.header):
        letter = column_letter(j)
        if not name:
            if not is_none(column_text(table.cells[:, j])).all():
                found.append(
                    ImportProblem(
                        row,
                        letter,
                        f"Column {letter} has answers but no name in "
                        f"row {row}: name it as in the template, or delete the column",
                    )
                )
        elif name in seen:
            found.append(
                ImportProblem(
                    row,
                    name,
                    f"{name} is the name of columns "
                    f"{column_letter(seen[name])} and {letter}: keep only one of them",
                )
            )
        elif name in files:
            found.append(
                ImportProblem(
                    row,
                    name,
                    f"{name} asks for files, which cannot be imported: "
                    "delete this column (files can be added only through the online form)",
                )
            )
        elif name not in expected:
            close = difflib.get_close_matches(name.lower(), expected, n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]}?)" if close else ""
            found.append(
                ImportProblem(
                    row,
                    name,
                    f"{name} is not a column of the template for "
                    f"{questionnaire.title} v{questionnaire.version}{hint}: delete the column "
                    "or correct its name",
                )
            )
        seen.setdefault(name, j)
    for name in expected:
        if name not in seen and name not in OPTIONAL_COLUMNS:
            found.append(
                ImportProblem(
                    row,
                    name,
                    f"The column {name} is missing: add it with this "
                    "name in the header row (the template has every column)",
                )
            )
    return found


def _merged_problems(table: Table) -> list[ImportProblem]:
    found = []
    width = len(table.header)
    for first_row, first_col, last_row, last_col in table.merged:
        if last_row <= table.header_row - 1 or first_col >= width:
            continue
        span = f"{column_letter(first_col)}{first_row}:{column_letter(last_col)}{last_row}"
        found.append(
            ImportProblem(
                first_row,
                table.header[first_col] or column_letter(first_col),
                f"Cells {span} are merged: unmerge them and fill in each cell (only the "
                "first of merged cells is read, the others count as blank)",
            )
        )
    return found


def _row_ids(texts: ObjectArray, column: int, problems: _Problems) -> None:
    missing = np.flatnonzero(is_none(texts))
    problems.add(missing, column, "Enter a row_id: each paper return needs its own reference")
    present = np.flatnonzero(not_none(texts))
    if present.size == 0:
        return
    codes, uniques = pd.factorize(texts[present])
    long = np.array([len(value) > MAX_ROW_ID_LENGTH for value in uniques], dtype=bool)
    message = f"A row_id must be {MAX_ROW_ID_LENGTH} characters or fewer"
    problems.add(present[long[codes]], column, message)
    controls = np.array([has_control_characters(value) for value in uniques], dtype=bool)
    problems.add(present[controls[codes]], column, CONTROL_MESSAGE)
    _, first = np.unique(codes, return_index=True)
    repeat = np.flatnonzero(first[codes] != np.arange(len(codes)))
    rows = problems.table.row_numbers
    messages = [
        f"The row_id {shown(str(uniques[codes[i]]))} is also on row "
        f"{rows[present[first[codes[i]]]]}: give each paper return its own row_id"
        for i in repeat
    ]
    problems.add(present[repeat], column, messages)


def _codes(
    texts: ObjectArray | None, column: int, read_code: CodeReader, problems: _Problems
) -> list[tuple[str, str] | None]:
    if texts is None:
        return [None] * len(problems.table.row_numbers)
    present = not_none(texts)
    read = np.full(len(texts), None, dtype=object)
    read[present] = per_distinct(texts[present], read_code)
    wrong = np.flatnonzero(present & is_none(read))
    problems.add(
        wrong,
        column,
        f"This is not a respondent code: enter it as it was issued, for example {CODE_EXAMPLE}, "
        "or as a memorable code such as M:MA07DS, or leave the cell blank",
    )
    return list(read)


def _completed_on(
    texts: ObjectArray | None,
    column: int,
    opens_on: date | None,
    today: date | None,
    problems: _Problems,
) -> list[date | None]:
    """The day each form was filled in; problems for dates that are not real or possible.

    Allowed: the collection's opening day to today (UK days), inclusive. The closing day
    is not a limit: a form filled in while the collection was open may be dated a day or
    two late, and a date after closing but not in the future is still what the form says.
    """
    if texts is None:
        return [None] * len(problems.table.row_numbers)
    present = not_none(texts)
    days = np.full(len(texts), None, dtype=object)
    days[present] = per_distinct(texts[present], read_date)
    found = not_none(days)
    problems.add(
        np.flatnonzero(present & ~found),
        column,
        "The date the form was filled in must be a real date: enter it as YYYY-MM-DD or "
        "DD/MM/YYYY, for example 2026-03-27 or 27/03/2026, or leave the cell blank",
    )
    rows = np.flatnonzero(found)
    if today is not None:
        late = rows[np.array([days[i] > today for i in rows], dtype=bool)]
        problems.add(late, column, "The date the form was filled in must be today or in the past")
        rows = np.setdiff1d(rows, late)
    if opens_on is not None:
        early = rows[np.array([days[i] < opens_on for i in rows], dtype=bool)]
        problems.add(
            early,
            column,
            "The date the form was filled in must be the same as or after "
            f"{_day(opens_on.isoformat())}, the day the collection opened",
        )
    return list(days)


def _answer_problems(
    question: Question, checked: Checked, asked: Asked, column: int, problems: _Problems
) -> None:
    # A cell in error on a row where the question is not asked gets "leave it blank".
    maybe_asked = asked.visible[question.id] | asked.uncertain[question.id]
    wrong = np.flatnonzero(checked.invalid & maybe_asked)
    problems.add(wrong, column, checked.problem[wrong])
    if question.required:
        missing = asked.visible[question.id] & ~asked.uncertain[question.id]
        missing &= ~checked.answered & ~checked.invalid
        problems.add(
            np.flatnonzero(missing), column, f"{question.message('required')} (the cell is blank)"
        )


def _order_problems(
    question: Question,
    checked: dict[str, Checked],
    asked: Asked,
    column: int,
    problems: _Problems,
) -> None:
    """``not_before``: where both dates were asked and are real, this one is not earlier.

    A row where either date is blank or in error already has that problem, not this too.
    """
    earlier = question.not_before
    if earlier is None or earlier not in checked:
        return
    mine, theirs = checked[question.id], checked[earlier]
    both = mine.answered & theirs.answered
    for qid in (question.id, earlier):
        both &= asked.visible[qid] & ~asked.uncertain[qid]
    rows = np.flatnonzero(both)
    if rows.size == 0:
        return
    # Stored dates are ISO text (the rules made them), which numpy reads as days.
    early = rows[
        mine.text[rows].astype("datetime64[D]") < theirs.text[rows].astype("datetime64[D]")
    ]
    message = question.message("too_early")
    problems.add(early, column, [f"{message} ({earlier} is {_day(theirs.text[i])})" for i in early])


def _day(iso: str) -> str:
    """A stored date as people write it, whichever way the cell had it: 1 April 2026."""
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def _hidden_problems(
    questionnaire: Questionnaire,
    question: Question,
    checked: Checked,
    asked: Asked,
    position: dict[str, int],
    problems: _Problems,
) -> None:
    filled = checked.answered | checked.invalid
    hidden = ~asked.visible[question.id] & ~asked.uncertain[question.id] & filled
    if not hidden.any():
        return
    page = questionnaire.page(question.page_id)
    by_page = hidden & ~asked.page_shown[question.id]
    for mask, condition in ((by_page, page.show_if), (hidden & ~by_page, question.show_if)):
        if condition is not None and mask.any():
            problems.add(
                np.flatnonzero(mask),
                position[question.id],
                "Leave this cell blank: the question is only asked when "
                f"{describe_condition(condition, questionnaire)}",
            )
