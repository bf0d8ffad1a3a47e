"""The delivery return: one page per counted measure in the outcomes file, scored by totals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from svcollect.outcomes import OutcomeMap, load_outcome_map
from svcollect.questionnaires import Questionnaire, check_file
from svcollect.questionnaires.yamlsource import parse_yaml
from svcollect.scoring import delivery_totals, get_scorer, scorer_names

REPO = Path(__file__).resolve().parents[3]
FILE = REPO / "questionnaires" / "delivery-return" / "v1.yaml"
OUTCOMES = REPO / "data" / "social_value_outcomes.yaml"
#: Measures counted in money or time may have decimals; people, weeks and sessions may not.
DECIMAL_UNITS = {"GBP", "hours"}


@pytest.fixture(scope="module")
def delivery_return() -> Questionnaire:
    questionnaire, problems = check_file(FILE, scorer_names())
    assert problems == []
    assert questionnaire is not None
    return questionnaire


@pytest.fixture(scope="module")
def outcome_map() -> OutcomeMap:
    return load_outcome_map(OUTCOMES)


def test_loads_with_the_real_scorer_names(delivery_return: Questionnaire) -> None:
    assert delivery_return.key == ("delivery-return", 1)
    assert delivery_return.scorer == "delivery_return"
    assert delivery_return.audience == ("supplier",)


def test_first_page_asks_for_the_reporting_period(delivery_return: Questionnaire) -> None:
    period = delivery_return.pages[0]
    assert [(q.id, q.type, q.required) for q in period.questions] == [
        ("period_start", "date", True),
        ("period_end", "date", True),
    ]


def test_one_page_per_counted_measure(
    delivery_return: Questionnaire, outcome_map: OutcomeMap
) -> None:
    counted = [m.code for m in outcome_map.counted_measures()]
    pages = [page.meta.get("measure") for page in delivery_return.pages[1:]]
    assert pages == counted
    for measure in outcome_map.counted_measures():
        page = delivery_return.page_of(measure.code)
        assert dict(page.meta) == {"measure": measure.code, "unit": measure.unit}
        assert [q.id for q in page.questions] == [
            measure.code,
            f"{measure.code}_note",
            f"{measure.code}_evidence",
        ]


def test_measure_questions_are_required_numbers_from_zero(
    delivery_return: Questionnaire, outcome_map: OutcomeMap
) -> None:
    for measure in outcome_map.counted_measures():
        number = delivery_return.question(measure.code)
        assert number.type == "number"
        assert number.required, "0 is allowed, so an honest return never leaves a gap"
        assert number.min == 0
        assert number.max is None
        assert number.integer is (measure.unit not in DECIMAL_UNITS), measure.code
        # The outcomes file says so too, and commitments to the measure are held to it.
        assert number.integer is measure.whole_number, measure.code
        note = delivery_return.question(f"{measure.code}_note")
        evidence = delivery_return.question(f"{measure.code}_evidence")
        assert (note.type, note.required) == ("long_text", False)
        assert (evidence.type, evidence.required) == ("file", False)


def test_survey_measures_have_no_page(
    delivery_return: Questionnaire, outcome_map: OutcomeMap
) -> None:
    measures = {page.meta.get("measure") for page in delivery_return.pages}
    for measure in outcome_map.measures.values():
        if measure.kind == "survey":
            assert measure.code not in measures


def long_answers(responses: list[tuple[int, dict[str, object]]]) -> pd.DataFrame:
    """Answer rows in the stored forms of notes/CONTRACTS.md (numbers, dates, text, files)."""
    rows = []
    for response_id, answers in responses:
        for question_id, value in answers.items():
            if isinstance(value, int | float):
                rows.append((response_id, "s", question_id, f"{value:g}", float(value)))
            else:
                rows.append((response_id, "s", question_id, str(value), np.nan))
    frame = pd.DataFrame(
        rows,
        columns=["response_id", "respondent", "question_id", "value_text", "value_number"],
    )
    return frame.astype(
        {
            "response_id": "int64",
            "respondent": "string",
            "question_id": "string",
            "value_text": "string",
            "value_number": "float64",
        }
    )


def test_the_scorer_totals_each_measure_by_its_code(
    delivery_return: Questionnaire, outcome_map: OutcomeMap
) -> None:
    counted = [m.code for m in outcome_map.counted_measures()]

    def one_return(start: str, end: str, scale: float) -> dict[str, object]:
        answers: dict[str, object] = {"period_start": start, "period_end": end}
        for index, code in enumerate(counted):
            answers[code] = (index + 1) * scale
            answers[f"{code}_note"] = "How we counted"
            answers[f"{code}_evidence"] = json.dumps([index + 1])
        answers[counted[0]] = 0  # 0 is a real answer and is counted as one
        return answers

    answers = long_answers(
        [
            (1, one_return("2026-04-01", "2026-06-30", 1)),
            (2, one_return("2026-07-01", "2026-09-30", 2.5)),
        ]
    )
    assert set(answers["question_id"]) <= {q.id for q in delivery_return.questions()}
    result = get_scorer(delivery_return.scorer)(answers)
    assert result.exclusions.empty
    assert list(result.scores.columns) == ["respondent", *sorted(counted)]
    totals = delivery_totals(result).set_index("question_id")
    assert list(totals.index) == sorted(counted)
    assert (totals["n_responses"] == 2).all()
    for index, code in enumerate(counted):
        expected = 0.0 if index == 0 else (index + 1) * 3.5
        assert totals.loc[code, "total"] == pytest.approx(expected), code


# --- v2: v1 with the reporting period's own rule ------------------------------------------

V2 = REPO / "questionnaires" / "delivery-return" / "v2.yaml"
TOO_EARLY = "The date this reporting period ends must be the same as or after the date it starts"


def test_v2_is_v1_with_the_period_end_on_or_after_its_start() -> None:
    v1 = parse_yaml(FILE.read_text(encoding="utf-8")).data
    v2 = parse_yaml(V2.read_text(encoding="utf-8")).data
    end = v2["pages"][0]["questions"][1]
    assert end["id"] == "period_end"
    assert end.pop("not_before") == "period_start"
    assert end["messages"].pop("too_early") == TOO_EARLY
    assert (v1.pop("version"), v2.pop("version")) == (1, 2)
    assert v2 == v1


def test_v2_loads_with_the_rule_and_v1_is_left_as_released(
    delivery_return: Questionnaire,
) -> None:
    v2, problems = check_file(V2, scorer_names())
    assert problems == [] and v2 is not None
    end = v2.question("period_end")
    assert (end.not_before, end.message("too_early")) == ("period_start", TOO_EARLY)
    assert delivery_return.question("period_end").not_before is None
    text = V2.read_text(encoding="utf-8")
    assert "the file format cannot compare two answers" not in text
    assert "the file format cannot compare two answers" in FILE.read_text(encoding="utf-8")
