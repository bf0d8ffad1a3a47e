"""The social value outcomes file: the shipped file loads, and mistakes are reported by line."""

from __future__ import annotations

import dataclasses
import re
import textwrap
from pathlib import Path

import pytest

from svcollect.outcomes import (
    Choices,
    OutcomeMap,
    OutcomeMapError,
    check_outcome_file,
    check_outcome_text,
    default_path,
    load_outcome_map,
)
from svcollect.questionnaires import load_directory
from svcollect.scoring import scorer_names
from svcollect.scoring.measures import known_measures

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "data" / "social_value_outcomes.yaml"
COUNTED = {
    "mh_first_aiders_trained": "people",
    "volunteering_hours_local": "hours",
    "apprenticeship_weeks": "weeks",
    "spend_local_vcse": "GBP",
    "spend_local_sme": "GBP",
    "staff_living_wage": "people",
    "wellbeing_sessions_delivered": "sessions",
}
SURVEY = {
    "workforce_wellbeing_wemwbs",
    "workforce_wellbeing_swemwbs",
    "life_satisfaction_ons4",
    "loneliness",
    "supply_chain_mhaw_adherence",
    "supply_chain_enhanced_adherence",
}
PPN0620 = {
    "ppn0620.covid.recovery": "1.1",
    "ppn0620.economic.jobs_skills": "2.1",
    "ppn0620.economic.supply_chain": "3.1",
    "ppn0620.climate.environment": "4.1",
    "ppn0620.equal.disability": "5.1",
    "ppn0620.equal.workforce": "6.1",
    "ppn0620.wellbeing.health": "7.1",
    "ppn0620.wellbeing.community": "8.1",
}
#: Scores that survey measures may name: scored measures, and the MHAW adherence shares.
ADHERENCE_SHARES = {"core_accepted", "enhanced_accepted", "core_declared", "enhanced_declared"}


@pytest.fixture(scope="module")
def shipped() -> OutcomeMap:
    return load_outcome_map(SHIPPED)


# The shipped file ---------------------------------------------------------------------


def test_shipped_file_loads_with_no_problems() -> None:
    outcome_map, problems = check_outcome_file(SHIPPED)
    assert problems == []
    assert outcome_map is not None
    assert default_path() == SHIPPED


def test_shipped_models_outcomes_and_unconfirmed_mac_numbers(shipped: OutcomeMap) -> None:
    assert [model.code for model in shipped.models] == ["ppn0620", "ppn002"]
    ppn0620 = shipped.model("ppn0620")
    assert [theme.number for theme in ppn0620.themes] == [1, 2, 3, 4, 5]
    assert {code: o.mac for code, o in shipped.outcomes.items()} == PPN0620
    assert not any(o.mac_confirmed for o in shipped.outcomes.values())
    assert shipped.outcome("ppn0620.wellbeing.health").title == "Improve health and wellbeing"
    assert shipped.outcome("ppn0620.climate.environment").title_confirmed is False


def test_ppn002_is_an_unconfirmed_placeholder_with_no_invented_outcomes(
    shipped: OutcomeMap,
) -> None:
    ppn002 = shipped.model("ppn002")
    assert ppn002.confirmed is False
    assert all(theme.confirmed is False for theme in ppn002.themes)
    assert all(theme.outcomes == () for theme in ppn002.themes)
    assert not any(o.model == "ppn002" for o in shipped.outcomes.values())


def test_shipped_measures_units_and_kinds(shipped: OutcomeMap) -> None:
    assert {m.code: m.unit for m in shipped.counted_measures()} == COUNTED
    survey = {m.code for m in shipped.measures.values() if m.kind == "survey"}
    assert survey == SURVEY
    assert all(m.questionnaire == "delivery-return" for m in shipped.counted_measures())


def test_every_measure_and_questionnaire_mapping_resolves(shipped: OutcomeMap) -> None:
    for measure in shipped.measures.values():
        assert measure.outcomes
        for code in measure.outcomes:
            assert shipped.outcome(code).code == code
            assert measure in shipped.measures_for_outcome(code)
            assert code in shipped.questionnaire_outcomes[measure.questionnaire]
    for questionnaire_id, codes in shipped.questionnaire_outcomes.items():
        assert codes
        assert [o.code for o in shipped.outcomes_for_questionnaire(questionnaire_id)] == list(codes)


def test_mapped_questionnaires_are_the_shipped_ones() -> None:
    registry = load_directory(REPO / "questionnaires", scorer_names())
    outcome_map = load_outcome_map(SHIPPED)
    assert set(outcome_map.questionnaire_outcomes) == set(registry.ids())


def test_survey_measures_name_real_scores(shipped: OutcomeMap) -> None:
    for measure in shipped.measures.values():
        if measure.kind == "survey":
            assert measure.score in known_measures() | ADHERENCE_SHARES, measure.code


def test_lookups_and_choices(shipped: OutcomeMap) -> None:
    assert [m.code for m in shipped.measures_for_outcome("ppn0620.wellbeing.community")] == [
        "volunteering_hours_local",
        "loneliness",
    ]
    assert shipped.measures_for_outcome("ppn0620.equal.disability") == ()
    assert shipped.outcomes_for_questionnaire("not-mapped") == ()
    assert [m.code for m in shipped.measures_for_questionnaire("mhaw-standards")] == [
        "supply_chain_mhaw_adherence",
        "supply_chain_enhanced_adherence",
    ]
    with pytest.raises(KeyError, match=re.escape("no outcome 'ppn0620.nope'")):
        shipped.outcome("ppn0620.nope")
    with pytest.raises(KeyError, match="no outcome"):
        shipped.measures_for_outcome("ppn0620.nope")
    with pytest.raises(KeyError, match="no measure 'nope'"):
        shipped.measure("nope")
    with pytest.raises(KeyError, match="no model 'nope'"):
        shipped.model("nope")
    choices = shipped.choices()
    assert isinstance(choices, Choices)
    assert choices.outcomes[-2] == (
        "ppn0620.wellbeing.health",
        "PPN 06/20, Wellbeing: Improve health and wellbeing",
    )
    assert ("apprenticeship_weeks", "Apprenticeship weeks delivered on the contract (weeks)") in (
        choices.measures
    )
    assert len(choices.measures) == len(COUNTED) + len(SURVEY)
    assert [code for code, _ in shipped.measure_choices("counted")] == list(
        m.code for m in shipped.counted_measures()
    )


def test_the_map_is_immutable(shipped: OutcomeMap) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        shipped.version = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        shipped.outcomes["x"] = shipped.outcome("ppn0620.wellbeing.health")  # type: ignore[index]
    hash(shipped)


def test_content_hash_ignores_comments() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    first, _ = check_outcome_text(text, SHIPPED)
    second, _ = check_outcome_text("# a new comment\n" + text, SHIPPED)
    assert first is not None and second is not None
    assert first.content_hash == second.content_hash


# Mistakes, each reported as file:line: message ----------------------------------------

VALID = """\
version: 1
source: "Test"
models:
  - code: m
    title: "Model M"
    short_title: "M"
    confirmed: true
    themes:
      - code: m.well
        number: 1
        title: "Wellbeing"
        outcomes:
          - code: m.well.health
            title: "Health"
            mac: "7.1"
            mac_confirmed: false
          - code: m.well.community
            title: "Community"
measures:
  - code: people_trained
    title: "People trained"
    kind: counted
    unit: people
    questionnaire: delivery-return
    outcomes: [m.well.health]
questionnaires:
  delivery-return: [m.well.health]
"""


def problems_in(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "outcomes.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    outcome_map, problems = check_outcome_file(path)
    if problems:
        assert outcome_map is None
    return [str(problem).replace(path.as_posix(), "F") for problem in problems]


def test_the_small_valid_file_loads(tmp_path: Path) -> None:
    assert problems_in(tmp_path, VALID) == []
    outcome_map = load_outcome_map(tmp_path / "outcomes.yaml")
    assert outcome_map.outcome("m.well.community").mac is None
    assert outcome_map.outcome("m.well.community").label == "M, Wellbeing: Community"


def test_duplicate_outcome_code(tmp_path: Path) -> None:
    text = VALID.replace("code: m.well.community", "code: m.well.health")
    assert problems_in(tmp_path, text) == [
        "F:17: outcome code 'm.well.health' is used more than once (first on line 13)"
    ]


def test_duplicate_measure_code(tmp_path: Path) -> None:
    text = VALID.replace(
        "questionnaires:\n",
        "  - code: people_trained\n"
        "    title: Again\n"
        "    kind: counted\n"
        "    unit: people\n"
        "    questionnaire: delivery-return\n"
        "    outcomes: [m.well.health]\n"
        "questionnaires:\n",
    )
    assert problems_in(tmp_path, text) == [
        "F:26: measure code 'people_trained' is used more than once (first on line 20)"
    ]


def test_measure_refers_to_unknown_outcome(tmp_path: Path) -> None:
    text = VALID.replace(
        "outcomes: [m.well.health]\nquestionnaires", "outcomes: [m.well.helth]\nquestionnaires"
    )
    assert problems_in(tmp_path, text) == [
        "F:25: measure 'people_trained' refers to outcome 'm.well.helth', which is not "
        "defined under 'models'; did you mean 'm.well.health'?"
    ]


def test_questionnaire_mapping_refers_to_unknown_outcome(tmp_path: Path) -> None:
    text = VALID + "  wemwbs: [other.thing]\n"
    assert problems_in(tmp_path, text) == [
        "F:28: questionnaire 'wemwbs' refers to outcome 'other.thing', which is not "
        "defined under 'models'"
    ]


def test_blank_unit(tmp_path: Path) -> None:
    text = VALID.replace("unit: people", 'unit: " "')
    assert problems_in(tmp_path, text) == [
        "F:23: 'unit' in measure 'people_trained' must not be blank"
    ]


def test_whole_number_is_read_and_defaults_to_false(tmp_path: Path) -> None:
    assert problems_in(tmp_path, VALID) == []
    assert (
        load_outcome_map(tmp_path / "outcomes.yaml").measure("people_trained").whole_number is False
    )
    text = VALID.replace("unit: people\n", "unit: people\n    whole_number: true\n")
    assert problems_in(tmp_path, text) == []
    assert load_outcome_map(tmp_path / "outcomes.yaml").measure("people_trained").whole_number


def test_whole_number_must_be_true_or_false(tmp_path: Path) -> None:
    text = VALID.replace("unit: people\n", "unit: people\n    whole_number: yes please\n")
    assert problems_in(tmp_path, text) == [
        "F:24: 'whole_number' in measure 'people_trained' must be true or false, "
        "but it is text ('yes please')"
    ]


def test_shipped_whole_numbers_are_the_units_of_whole_things(shipped: OutcomeMap) -> None:
    whole = {m.code for m in shipped.measures.values() if m.whole_number}
    assert whole == {
        "mh_first_aiders_trained",
        "wellbeing_sessions_delivered",
        "apprenticeship_weeks",
        "staff_living_wage",
    }


def test_missing_unit(tmp_path: Path) -> None:
    text = VALID.replace("    unit: people\n", "")
    assert problems_in(tmp_path, text) == [
        "F:20: measure 'people_trained' is missing the required key 'unit'"
    ]


def test_measure_questionnaire_must_be_listed(tmp_path: Path) -> None:
    text = VALID.replace("questionnaire: delivery-return", "questionnaire: wemwbs")
    assert problems_in(tmp_path, text) == [
        "F:24: measure 'people_trained' is collected by questionnaire 'wemwbs', which is not "
        "listed under 'questionnaires'; add it there with the outcomes it gives evidence for"
    ]


def test_measure_outcome_must_be_listed_for_its_questionnaire(tmp_path: Path) -> None:
    text = VALID.replace(
        "outcomes: [m.well.health]\nquestionnaires",
        "outcomes: [m.well.health, m.well.community]\nquestionnaires",
    )
    assert problems_in(tmp_path, text) == [
        "F:25: measure 'people_trained' gives evidence for outcome 'm.well.community', but "
        "questionnaire 'delivery-return' does not list it under 'questionnaires'; add it there"
    ]


def test_repeated_outcome_in_a_list(tmp_path: Path) -> None:
    text = VALID.replace(
        "  delivery-return: [m.well.health]", "  delivery-return: [m.well.health, m.well.health]"
    )
    assert problems_in(tmp_path, text) == [
        "F:27: questionnaire 'delivery-return' lists outcome 'm.well.health' more than once"
    ]


def test_mac_written_as_a_number_and_without_confirmation(tmp_path: Path) -> None:
    text = VALID.replace('mac: "7.1"\n            mac_confirmed: false\n', "mac: 7.1\n")
    assert problems_in(tmp_path, text) == [
        "F:15: 'mac' in outcome 'm.well.health' must be text, but it is a number (7.1); "
        'put it in quotes, like mac: "7.1"',
        "F:15: outcome 'm.well.health' has 'mac' but no 'mac_confirmed'; add "
        "mac_confirmed: false unless the number has been checked against the published model",
    ]


def test_outcome_code_must_sit_under_its_theme(tmp_path: Path) -> None:
    text = VALID.replace("code: m.well.community", "code: m.other.community")
    assert problems_in(tmp_path, text) == [
        "F:17: outcome code 'm.other.community' must be 'm.well.<word>', the word using only "
        "lowercase letters, digits and '_', 40 characters at most"
    ]


def test_unknown_key_and_bad_kind(tmp_path: Path) -> None:
    text = VALID.replace("kind: counted", "kind: count\n    units: people")
    assert problems_in(tmp_path, text) == [
        "F:22: 'kind' in measure 'people_trained' must be one of: counted, survey; "
        "'count' is not allowed",
        "F:23: unknown key 'units' in measure 'people_trained'; did you mean 'unit'?",
    ]


def test_repeated_top_level_key(tmp_path: Path) -> None:
    text = VALID + "version: 2\n"
    assert problems_in(tmp_path, text) == [
        "F:28: the key 'version' appears twice at the top of the file (first on line 1); keep one"
    ]


def test_empty_file_and_broken_yaml(tmp_path: Path) -> None:
    assert problems_in(tmp_path, "# nothing\n") == [
        "F:1: the file is empty; it should hold the outcomes mapping "
        "(version, source, models, measures, questionnaires)"
    ]
    broken = problems_in(tmp_path, "version: 1\n  source: x\n")
    assert len(broken) == 1
    assert broken[0].startswith("F:2: this is not valid YAML")


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.yaml"
    path.write_text(VALID.replace("version: 1", "version: 0"), encoding="utf-8")
    with pytest.raises(OutcomeMapError) as caught:
        load_outcome_map(path)
    assert (
        str(caught.value)
        == f"{path.as_posix()}:1: 'version' in the file must be 1 or more, but it is 0"
    )
    assert len(caught.value.problems) == 1


def test_missing_file(tmp_path: Path) -> None:
    _, problems = check_outcome_file(tmp_path / "missing.yaml")
    assert [p.message for p in problems] == [
        "the file could not be read: No such file or directory"
    ]
