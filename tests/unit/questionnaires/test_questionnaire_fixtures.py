"""Fixture folders: every valid example gives no problem, each invalid one exactly its own.

Each ``invalid/<case>/`` is a questionnaires root holding one questionnaire folder and
``expected.txt``: the problems, one per line, exactly as printed when the loader is given
that case folder as its root from inside it (so paths read ``<id>/v1.yaml:LINE: ...``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from svcollect.questionnaires import (
    QuestionnaireError,
    Registry,
    load_directory,
    validate_directory,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "questionnaires"
INVALID_CASES = sorted(p.name for p in (FIXTURES / "invalid").iterdir() if p.is_dir())
REQUIRED_CASES = {
    "yaml-syntax",
    "unknown-key",
    "missing-key",
    "wrong-type",
    "duplicate-question-id",
    "undefined-scale",
    "unknown-scorer",
    "condition-later-page",
    "condition-same-page",
    "condition-unknown-question",
    "operator-type-mismatch",
    "version-mismatch",
    "id-mismatch",
    "bad-file-name",
    "min-greater-than-max",
    "not-before-reference",
}


def _expected(case: str) -> list[str]:
    text = (FIXTURES / "invalid" / case / "expected.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def test_valid_fixtures_give_no_problems(known_scorers: frozenset[str]) -> None:
    assert validate_directory(FIXTURES / "valid", known_scorers) == []


def test_valid_fixtures_cover_every_question_type_and_operator(valid: Registry) -> None:
    types = {q.type for questionnaire in valid for q in questionnaire.questions()}
    assert types == {
        "scale",
        "single_choice",
        "multiple_choice",
        "number",
        "short_text",
        "long_text",
        "date",
        "yes_no",
        "file",
    }
    conditions = [
        condition
        for questionnaire in valid
        for condition in [p.show_if for p in questionnaire.pages]
        + [q.show_if for q in questionnaire.questions()]
        if condition is not None
    ]
    assert {c.operator for c in conditions} == {
        "equals",
        "any_of",
        "at_least",
        "at_most",
        "answered",
    }
    rules = [(q.id, q.not_before) for questionnaire in valid for q in questionnaire.questions()]
    assert ("end_date", "start_date") in rules


def test_every_required_invalid_case_exists() -> None:
    assert set(INVALID_CASES) >= REQUIRED_CASES


@pytest.mark.parametrize("case", INVALID_CASES)
def test_invalid_case_gives_exactly_the_expected_problems(
    case: str, known_scorers: frozenset[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FIXTURES / "invalid" / case)
    problems = validate_directory(Path("."), known_scorers)
    assert [str(problem) for problem in problems] == _expected(case)


@pytest.mark.parametrize("case", INVALID_CASES)
def test_load_directory_raises_with_the_same_problems(
    case: str, known_scorers: frozenset[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FIXTURES / "invalid" / case)
    with pytest.raises(QuestionnaireError) as raised:
        load_directory(Path("."), known_scorers)
    assert str(raised.value).splitlines() == _expected(case)


def test_problems_from_every_folder_are_collected_before_raising(
    tmp_path: Path, known_scorers: frozenset[str]
) -> None:
    for case in ("unknown-scorer", "undefined-scale", "yaml-syntax"):
        for folder in (FIXTURES / "invalid" / case).iterdir():
            if folder.is_dir():
                (tmp_path / folder.name).mkdir()
                for file in folder.iterdir():
                    (tmp_path / folder.name / file.name).write_bytes(file.read_bytes())
    with pytest.raises(QuestionnaireError) as raised:
        load_directory(tmp_path, known_scorers)
    files = [
        Path(problem.file).relative_to(tmp_path).as_posix() for problem in raised.value.problems
    ]
    assert files == ["broken/v1.yaml", "ons4/v1.yaml", "scorer/v1.yaml"]


def test_problem_paths_follow_the_root_given(known_scorers: frozenset[str]) -> None:
    root = FIXTURES / "invalid" / "unknown-scorer"
    [problem] = validate_directory(root, known_scorers)
    assert problem.file == (root / "scorer" / "v1.yaml").as_posix()
    assert str(problem) == f"{problem.file}:5: {problem.message}"
