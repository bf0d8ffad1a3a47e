"""WEMWBS and SWEMWBS versions keep the licence, the item wording and the answers (DOMAIN 2.1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from svcollect.questionnaires import check_text, licensed
from svcollect.scoring import scorer_names
from svcollect.scoring.wellbeing import SWEMWBS_ITEMS, WEMWBS_ITEMS

REPO = Path(__file__).resolve().parents[3]
WEMWBS = (REPO / "questionnaires" / "wemwbs" / "v1.yaml").read_text(encoding="utf-8")
SWEMWBS = (REPO / "questionnaires" / "swemwbs" / "v1.yaml").read_text(encoding="utf-8")
V2 = Path("questionnaires/wemwbs/v2.yaml")


def as_v2(text: str) -> str:
    assert "\nversion: 1\n" in text
    return text.replace("\nversion: 1\n", "\nversion: 2\n")


def line_of(text: str, needle: str) -> int:
    assert text.count(needle) == 1, needle
    return text[: text.index(needle)].count("\n") + 1


def line_after(text: str, anchor: str, needle: str) -> int:
    """The line of the first ``needle`` after ``anchor``."""
    return text[: text.index(needle, text.index(anchor))].count("\n") + 1


def problems(text: str, known: frozenset[str], path: Path = V2) -> list[str]:
    questionnaire, found = check_text(text, path, known)
    assert questionnaire is None, "expected problems"
    return [str(problem) for problem in found]


def accepted(text: str, known: frozenset[str], path: Path = V2) -> None:
    questionnaire, found = check_text(text, path, known)
    assert found == []
    assert questionnaire is not None


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_the_shipped_files_as_a_new_version_are_accepted(known_scorers: frozenset[str]) -> None:
    accepted(as_v2(WEMWBS), known_scorers)
    accepted(as_v2(SWEMWBS), known_scorers, Path("questionnaires/swemwbs/v2.yaml"))


def test_each_reference_asks_exactly_the_items_its_scorer_reads() -> None:
    assert set(licensed.REFERENCES) <= scorer_names()
    expected = {"wemwbs": WEMWBS_ITEMS, "swemwbs": SWEMWBS_ITEMS}
    assert set(expected) == set(licensed.REFERENCES)
    for scorer, items in expected.items():
        reference = licensed.reference(scorer)
        assert reference is not None
        assert tuple(item.id for item in reference.items) == items


def test_whitespace_does_not_count_and_other_questions_may_be_added(
    known_scorers: frozenset[str],
) -> None:
    text = as_v2(WEMWBS)
    text = edit(
        text,
        'text: "I\'ve been feeling useful"',
        "text: >-\n          I've been   feeling\n          useful",
    )
    text = edit(text, 'notice: "Warwick-Edinburgh', 'notice: "  Warwick-Edinburgh')
    text = edit(
        text, '{value: 3, label: "Some of the time"}', '{value: 3, label: "Some of  the time"}'
    )
    text += (
        '  - id: about\n    title: "About you"\n    questions:\n'
        '      - id: team\n        type: short_text\n        text: "Your team"\n'
    )
    accepted(text, known_scorers)


def test_the_licence_block_is_required(known_scorers: frozenset[str]) -> None:
    start = WEMWBS.index("licence:\n")
    end = WEMWBS.index("scales:\n")
    text = as_v2(WEMWBS[:start] + WEMWBS[end:])
    assert problems(text, known_scorers) == [
        f"questionnaires/wemwbs/v2.yaml:{line_of(text, 'scorer: wemwbs')}: a questionnaire "
        "scored by 'wemwbs' must have the licence block of questionnaires/wemwbs/v1.yaml "
        "(owner, notice and registration_required: true); copy it from that file"
    ]


@pytest.mark.parametrize("replacement", ["registration_required: false", None])
def test_registration_must_stay_required(
    known_scorers: frozenset[str], replacement: str | None
) -> None:
    text = as_v2(WEMWBS)
    if replacement is None:
        text = edit(text, "  registration_required: true\n", "")
        line = line_of(text, "licence:")
    else:
        text = edit(text, "registration_required: true", replacement)
        line = line_of(text, replacement)
    assert problems(text, known_scorers) == [
        f"questionnaires/wemwbs/v2.yaml:{line}: 'registration_required' in the licence block "
        "must be true for a questionnaire scored by 'wemwbs': each organisation must record "
        "its licence reference before a collection can open"
    ]


def test_the_owner_and_notice_stay_as_released(known_scorers: frozenset[str]) -> None:
    text = edit(as_v2(SWEMWBS), "all rights reserved.", "some rights reserved.")
    text = edit(text, 'owner: "NHS Health Scotland,', 'owner: "Us, not NHS Health Scotland,')
    found = problems(text, known_scorers, Path("questionnaires/swemwbs/v2.yaml"))
    owner, notice = line_of(text, "owner:"), line_of(text, "notice:")
    assert [p.split(" must be ")[0] for p in found] == [
        f"questionnaires/swemwbs/v2.yaml:{owner}: 'owner' in the licence block",
        f"questionnaires/swemwbs/v2.yaml:{notice}: 'notice' in the licence block",
    ]
    assert found[0].endswith(
        "must be 'NHS Health Scotland, the University of Warwick and the University of "
        "Edinburgh', as in questionnaires/swemwbs/v1.yaml, but it is 'Us, not NHS Health "
        "Scotland, the University of Warwick and the University of Edinburgh'"
    )


def _without_item(text: str, item: str) -> str:
    start = text.index(f"      - id: {item}\n")
    end = text.find("      - id: ", start + 1)
    return text[:start] + (text[end:] if end != -1 else "")


def test_dropping_an_item_is_refused(known_scorers: frozenset[str]) -> None:
    text = _without_item(as_v2(WEMWBS), "wemwbs_05")
    assert problems(text, known_scorers) == [
        f"questionnaires/wemwbs/v2.yaml:{line_of(text, 'pages:')}: question 'wemwbs_05' "
        "(\"I've had energy to spare\") is missing: a questionnaire scored by 'wemwbs' must "
        "ask every item of questionnaires/wemwbs/v1.yaml, and the licence does not allow "
        "dropping one"
    ]
    short = _without_item(_without_item(as_v2(SWEMWBS), "swemwbs_07"), "swemwbs_01")
    [found] = problems(short, known_scorers, Path("questionnaires/swemwbs/v2.yaml"))
    assert "questions 'swemwbs_01' (\"I've been feeling optimistic about the future\"), " in found
    assert "'swemwbs_07' (\"I've been able to make up my own mind about things\") are missing" in (
        found
    )


def test_rewording_an_item_is_refused(known_scorers: frozenset[str]) -> None:
    text = edit(as_v2(WEMWBS), "I've been feeling loved", "I have been feeling loved")
    assert problems(text, known_scorers) == [
        f"questionnaires/wemwbs/v2.yaml:{line_of(text, 'I have been feeling loved')}: "
        "question 'wemwbs_12' must be worded \"I've been feeling loved\", as in "
        'questionnaires/wemwbs/v1.yaml, but it is "I have been feeling loved"; the licence '
        "does not allow rewording an item"
    ]
    # Case and punctuation are part of the wording.
    text = edit(as_v2(WEMWBS), "I've been feeling loved", "I've been feeling Loved.")
    assert len(problems(text, known_scorers)) == 1


def test_changing_the_answers_is_refused(known_scorers: frozenset[str]) -> None:
    text = edit(as_v2(WEMWBS), '{value: 2, label: "Rarely"}', '{value: 2, label: "Seldom"}')
    found = problems(text, known_scorers)
    assert len(found) == 14  # every item uses the changed scale: each is named at its line
    assert found[0] == (
        f"questionnaires/wemwbs/v2.yaml:{line_after(text, 'id: wemwbs_01', 'scale:')}: "
        "question 'wemwbs_01' must offer the answers of questionnaires/wemwbs/v1.yaml (1 'None "
        "of the time', 2 'Rarely', 3 'Some of the time', 4 'Often', 5 'All of the time'); the "
        "licence does not allow changing them"
    )
    four = edit(as_v2(SWEMWBS), '      - {value: 5, label: "All of the time"}\n', "")
    assert len(problems(four, known_scorers, Path("questionnaires/swemwbs/v2.yaml"))) == 7
    # An item on another scale is named at its own 'scale' line.
    other = edit(as_v2(WEMWBS), "scales:\n", "scales:\n  agree: {min: 1, max: 5}\n")
    start = other.index("      - id: wemwbs_03\n")
    other = other[:start] + other[start:].replace("scale: frequency5", "scale: agree", 1)
    [found_other] = problems(other, known_scorers)
    line = line_after(other, "id: wemwbs_03", "scale: agree")
    assert found_other.startswith(f"questionnaires/wemwbs/v2.yaml:{line}: question 'wemwbs_03'")


FIRST_PAGE = """\
  - id: about
    title: "About you"
    questions:
      - id: staff
        type: yes_no
        text: "Do you work for the supplier?"
"""


def test_an_item_stays_required_and_unconditional(known_scorers: frozenset[str]) -> None:
    text = edit(as_v2(WEMWBS), "pages:\n", "pages:\n" + FIRST_PAGE)
    text = edit(
        text,
        '        text: "I\'ve been feeling relaxed"\n',
        '        text: "I\'ve been feeling relaxed"\n        required: false\n'
        "        show_if: {question: staff, equals: true}\n",
    )
    accepted(
        edit(text, "\n        show_if: {question: staff, equals: true}", "").replace(
            "required: false", "required: true"
        ),
        known_scorers,
    )
    assert problems(text, known_scorers) == [
        f"questionnaires/wemwbs/v2.yaml:{line_of(text, 'required: false')}: question "
        "'wemwbs_03' must be required: the 'wemwbs' score counts complete responses only, so "
        "an optional item drops the score of anyone who skips it",
        f"questionnaires/wemwbs/v2.yaml:{line_of(text, 'show_if:')}: question 'wemwbs_03' must "
        "be asked of everyone, so it cannot have show_if: the licence does not allow dropping "
        "an item of questionnaires/wemwbs/v1.yaml",
    ]
    on_page = edit(
        edit(as_v2(WEMWBS), "pages:\n", "pages:\n" + FIRST_PAGE),
        "  - id: feelings\n",
        "  - id: feelings\n    show_if: {question: staff, equals: true}\n",
    )
    assert problems(on_page, known_scorers) == [
        f"questionnaires/wemwbs/v2.yaml:{line_of(on_page, 'show_if:')}: page 'feelings' holds "
        "items of questionnaires/wemwbs/v1.yaml, which must be asked of everyone, so it cannot "
        "have show_if: the licence does not allow dropping an item"
    ]


def test_another_type_is_refused(known_scorers: frozenset[str]) -> None:
    start = WEMWBS.index("      - id: wemwbs_14\n")
    text = as_v2(WEMWBS[:start]) + (
        "      - id: wemwbs_14\n        type: short_text\n"
        '        text: "I\'ve been feeling cheerful"\n'
    )
    assert problems(text, known_scorers) == [
        f"questionnaires/wemwbs/v2.yaml:{line_of(text, 'type: short_text')}: question "
        "'wemwbs_14' must be a scale question, as in questionnaires/wemwbs/v1.yaml, but it is "
        "a short_text question"
    ]


@pytest.fixture
def unreadable_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(licensed.REFERENCES, "wemwbs", licensed._ROOT / "nowhere" / "v1.yaml")
    licensed.reference.cache_clear()
    yield
    licensed.reference.cache_clear()


@pytest.mark.usefixtures("unreadable_reference")
def test_a_missing_reference_is_reported(known_scorers: frozenset[str]) -> None:
    text = as_v2(WEMWBS)
    assert problems(text, known_scorers) == [
        f"questionnaires/wemwbs/v2.yaml:{line_of(text, 'scorer: wemwbs')}: a questionnaire "
        "scored by 'wemwbs' is checked against the released file nowhere/v1.yaml, which "
        "could not be read; restore that file"
    ]


def _item_block(text: str, item: str) -> str:
    """The lines of one item question, from its '- id:' line to the next question."""
    start = text.index(f"      - id: {item}\n")
    end = text.index("      - id: ", start + 1)
    return text[start:end]


def test_the_items_stay_together_in_order_on_one_page(known_scorers: frozenset[str]) -> None:
    text = as_v2(WEMWBS)
    third, fourth = _item_block(text, "wemwbs_03"), _item_block(text, "wemwbs_04")
    swapped = text.replace(third + fourth, fourth + third)
    assert problems(swapped, known_scorers) == [
        f"questionnaires/wemwbs/v2.yaml:{line_of(swapped, '- id: wemwbs_04')}: question "
        "'wemwbs_04' must come after 'wemwbs_03', in the order of "
        "questionnaires/wemwbs/v1.yaml: the licence does not allow changing the layout"
    ]
    extra = '      - id: team\n        type: short_text\n        text: "Your team"\n'
    between = text.replace(fourth, extra + fourth)
    assert problems(between, known_scorers) == [
        f"questionnaires/wemwbs/v2.yaml:{line_of(between, '- id: team')}: question 'team' is "
        "between 'wemwbs_03' and 'wemwbs_04': nothing may be asked among the items of "
        "questionnaires/wemwbs/v1.yaml, as the licence does not allow changing the layout; "
        "put it before or after them"
    ]
    last = _item_block(text, "wemwbs_13")
    moved = text.replace(last, "") + (
        '  - id: more\n    title: "More"\n    questions:\n' + last.replace("wemwbs_13", "wemwbs_13")
    )
    found = problems(moved, known_scorers)
    assert found == [
        f"questionnaires/wemwbs/v2.yaml:{line_of(moved, '- id: wemwbs_13')}: question "
        "'wemwbs_13' must be on the same page as 'wemwbs_01' (page 'feelings'), as in "
        "questionnaires/wemwbs/v1.yaml: the licence does not allow changing the layout"
    ]
