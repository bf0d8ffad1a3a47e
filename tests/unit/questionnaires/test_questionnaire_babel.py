"""The Babel extractor finds every string a respondent sees, with its line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract

from svcollect.questionnaires.babel_extract import extract_questionnaire

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "questionnaires"
REPO = Path(__file__).resolve().parents[3]


def _extract(path: Path) -> list[tuple[int, str]]:
    with path.open("rb") as fileobj:
        results = extract(extract_questionnaire, fileobj)  # type: ignore[arg-type]
        return [(line, str(message)) for line, message, _, _ in results]


def test_wemwbs_strings_and_lines() -> None:
    path = REPO / "questionnaires" / "wemwbs" / "v1.yaml"
    found = _extract(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    for line, message in found:
        assert message in lines[line - 1] or lines[line - 1].rstrip().endswith(">-"), (
            line,
            message,
        )
    messages = [message for _, message in found]
    assert messages[0] == "Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS)"
    assert any(
        m.startswith("Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS) ©") for m in messages
    )
    assert "None of the time" in messages and "All of the time" in messages
    assert "I've been feeling cheerful" in messages
    assert "Select how often you've been feeling cheerful" in messages
    assert "wemwbs_14" not in messages and "frequency5" not in messages
    assert (
        "NHS Health Scotland, the University of Warwick and the University of Edinburgh"
        not in messages
    )


def test_every_kind_of_user_facing_string_is_extracted() -> None:
    found = _extract(FIXTURES / "valid" / "every-type" / "v1.yaml")
    messages = {message for _, message in found}
    for expected in [
        "Every question type",  # title
        "Used by tests: must load with no problems.",  # description
        "Test notice shown beside the questionnaire.",  # licence notice
        "Strongly disagree",  # scale option label
        "Not at all true",  # scale option hint
        "Not at all",  # range scale end label
        "Choices",  # page title
        "Questions with options.",  # page intro
        "What kind of contract do you have?",  # question text
        "0 is not at all, 10 is completely.",  # question hint
        "Fixed term",  # inline option label
        "Ends on a set date",  # inline option hint
        "Select yes if you have a line manager",  # message
        "Hours a week must be 100 or fewer",
    ]:
        assert expected in messages, expected
    for not_user_facing in ["permanent", "fixed-term", "agree5", "every-type", "delivery_return"]:
        assert not_user_facing not in messages


def test_extractor_yields_babel_tuples() -> None:
    source = b'id: x\ntitle: "Caf\xc3\xa9"\npages:\n  - id: p\n    title: "Page"\n'
    assert list(extract_questionnaire(io.BytesIO(source), [], [], {})) == [
        (2, None, "Caf\u00e9", []),
        (5, None, "Page", []),
    ]


def test_broken_yaml_stops_extraction_with_the_line() -> None:
    fileobj = io.BytesIO(b"title: x\n  bad: indent\n")
    with pytest.raises(ValueError, match=":2: this is not valid YAML"):
        list(extract_questionnaire(fileobj, [], [], {}))
