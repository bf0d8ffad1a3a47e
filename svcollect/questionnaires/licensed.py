"""Licensed instruments: every version keeps the released licence, wording and answers.

DOMAIN.md section 2.1: WEMWBS and SWEMWBS may be used only under a licence each
organisation registers for, their items must be asked word for word with the published
response options, and none may be dropped. A questionnaire scored by the ``wemwbs`` or
``swemwbs`` scorer is compared with the released file we ship for that scorer, which is
the one place the wording is written down.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from .naming import show_value
from .problems import PathT, Report
from .yamlsource import YamlSyntaxError, parse_yaml

#: The repository root: references are named from it in messages.
_ROOT = Path(__file__).resolve().parents[2]
#: Scorer -> the released file a questionnaire it scores must match. Its questions are the
#: items the scorer reads (tests/unit/questionnaires check them against the scorer's item ids).
REFERENCES: dict[str, Path] = {
    "wemwbs": _ROOT / "questionnaires" / "wemwbs" / "v1.yaml",
    "swemwbs": _ROOT / "questionnaires" / "swemwbs" / "v1.yaml",
}
#: Most points a min..max scale is expanded to here (larger ones are refused elsewhere).
_MAX_POINTS = 101

Answers = tuple[tuple[Any, str], ...]


@dataclass(frozen=True)
class Item:
    """One item as released: what is asked and the answers offered."""

    id: str
    type: str
    text: str
    answers: Answers | None


@dataclass(frozen=True)
class Reference:
    """The released file's licence block and items, in order."""

    name: str
    licence: dict[str, Any]
    items: tuple[Item, ...]


def words(text: Any) -> str:
    """Text with runs of whitespace (spaces, line breaks) as single spaces, ends trimmed."""
    return " ".join(str(text).split())


def _answers(data: dict[str, Any], question: dict[str, Any]) -> Answers | None:
    """(value, label) of each answer a question offers; None if its scale is broken."""
    if "scale" in question:
        scale = data.get("scales", {}).get(question["scale"])
        if not isinstance(scale, dict):
            return None
        if "options" in scale:
            return tuple((o["value"], words(o["label"])) for o in scale["options"])
        low, high = scale.get("min"), scale.get("max")
        if not isinstance(low, int) or not isinstance(high, int) or high - low >= _MAX_POINTS:
            return None
        return tuple((value, str(value)) for value in range(low, high + 1))
    return tuple((o["value"], words(o["label"])) for o in question.get("options", []))


def _questions(data: dict[str, Any]) -> dict[str, tuple[PathT, dict[str, Any], dict[str, Any]]]:
    """Each question id (first use) -> its path, the question and its page."""
    found: dict[str, tuple[PathT, dict[str, Any], dict[str, Any]]] = {}
    for page_index, page in enumerate(data["pages"]):
        for index, question in enumerate(page["questions"]):
            path: PathT = ("pages", page_index, "questions", index)
            found.setdefault(question["id"], (path, question, page))
    return found


def _name(scorer: str) -> str:
    return REFERENCES[scorer].relative_to(_ROOT).as_posix()


@cache
def reference(scorer: str) -> Reference | None:
    """The released file for ``scorer``, read once; None if it cannot be read."""
    path = REFERENCES[scorer]
    try:
        data = parse_yaml(path.read_text(encoding="utf-8-sig")).data
    except (OSError, UnicodeDecodeError, YamlSyntaxError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("licence"), dict):
        return None
    items = tuple(
        Item(qid, question["type"], words(question["text"]), _answers(data, question))
        for qid, (_, question, _) in _questions(data).items()
    )
    return Reference(name=_name(scorer), licence=dict(data["licence"]), items=items)


def check_licensed(data: dict[str, Any], report: Report) -> None:
    """Report what a questionnaire scored by a licensed instrument's scorer changed."""
    scorer = data["scorer"]
    if scorer not in REFERENCES:
        return
    released = reference(scorer)
    if released is None:
        report.at(
            ("scorer",),
            f"a questionnaire scored by '{scorer}' is checked against the released file "
            f"{_name(scorer)}, which could not be read; restore that file",
        )
        return
    _check_licence(data, scorer, released, report)
    _check_items(data, scorer, released, report)
    _check_layout(data, released, report)


def _check_layout(data: dict[str, Any], released: Reference, report: Report) -> None:
    """The items stay together on one page in the released order (the licence forbids
    changing the layout); other questions may come before or after them."""
    asked = _questions(data)
    # (item id, page index, position on the page) of each item asked, in released order
    present = [
        (item.id, int(asked[item.id][0][1]), int(asked[item.id][0][3]))
        for item in released.items
        if item.id in asked
    ]
    if len(present) < 2:
        return
    pages = data["pages"]
    first_id, first_page, _ = present[0]
    for qid, page, index in present[1:]:
        if page != first_page:
            report.at(
                ("pages", page, "questions", index),
                f"question '{qid}' must be on the same page as '{first_id}' (page "
                f"'{pages[first_page]['id']}'), as in {released.name}: the licence does not "
                "allow changing the layout",
            )
            return
    pairs = list(pairwise(present))
    for (before_id, _, before), (qid, page, index) in pairs:
        if index < before:
            report.at(
                ("pages", page, "questions", index),
                f"question '{qid}' must come after '{before_id}', in the order of "
                f"{released.name}: the licence does not allow changing the layout",
            )
            return
    for (before_id, _, before), (qid, page, index) in pairs:
        if index > before + 1:
            between = pages[page]["questions"][before + 1]["id"]
            report.at(
                ("pages", page, "questions", before + 1),
                f"question '{between}' is between '{before_id}' and '{qid}': nothing may be "
                f"asked among the items of {released.name}, as the licence does not allow "
                "changing the layout; put it before or after them",
            )
            return


def _check_licence(data: dict[str, Any], scorer: str, released: Reference, report: Report) -> None:
    licence = data.get("licence")
    if licence is None:
        report.at(
            ("scorer",),
            f"a questionnaire scored by '{scorer}' must have the licence block of "
            f"{released.name} (owner, notice and registration_required: true); "
            "copy it from that file",
        )
        return
    for key, value in released.licence.items():
        where: PathT = ("licence", key) if key in licence else ("licence",)
        if key == "registration_required" and value is True:
            if licence.get(key) is not True:
                report.at(
                    where,
                    f"'registration_required' in the licence block must be true for a "
                    f"questionnaire scored by '{scorer}': each organisation must record its "
                    "licence reference before a collection can open",
                )
        elif key not in licence:
            report.at(
                where,
                f"the licence block is missing '{key}'; it must be {show_value(value)}, "
                f"as in {released.name}",
            )
        elif words(licence[key]) != words(value):
            report.at(
                where,
                f"'{key}' in the licence block must be {show_value(value)}, as in "
                f"{released.name}, but it is {show_value(licence[key])}",
            )


def _check_items(data: dict[str, Any], scorer: str, released: Reference, report: Report) -> None:
    asked = _questions(data)
    conditional_pages: set[PathT] = set()
    missing = [item for item in released.items if item.id not in asked]
    if missing:
        listed = ", ".join(f"'{item.id}' (\"{item.text}\")" for item in missing)
        report.at(
            ("pages",),
            f"{'question' if len(missing) == 1 else 'questions'} {listed} "
            f"{'is' if len(missing) == 1 else 'are'} missing: a questionnaire scored by "
            f"'{scorer}' must ask every item of {released.name}, and the licence does not "
            "allow dropping one",
        )
    for item in released.items:
        if item.id not in asked:
            continue
        name = f"question '{item.id}'"
        path, question, page = asked[item.id]
        if question["type"] != item.type:
            report.at(
                (*path, "type"),
                f"{name} must be a {item.type} question, as in {released.name}, "
                f"but it is a {question['type']} question",
            )
            continue
        if words(question["text"]) != item.text:
            report.at(
                (*path, "text"),
                f'{name} must be worded "{item.text}", as in {released.name}, but it is '
                f'"{words(question["text"])}"; the licence does not allow rewording an item',
            )
        answers = _answers(data, question)
        if answers is not None and item.answers is not None and answers != item.answers:
            key = "scale" if "scale" in question else "options"
            listed = ", ".join(f"{show_value(value)} '{label}'" for value, label in item.answers)
            report.at(
                (*path, key) if key in question else path,
                f"{name} must offer the answers of {released.name} ({listed}); "
                "the licence does not allow changing them",
            )
        if question.get("required", True) is not True:
            report.at(
                (*path, "required"),
                f"{name} must be required: the '{scorer}' score counts complete responses "
                "only, so an optional item drops the score of anyone who skips it",
            )
        if "show_if" in question:
            report.at(
                (*path, "show_if"),
                f"{name} must be asked of everyone, so it cannot have show_if: the licence "
                f"does not allow dropping an item of {released.name}",
            )
        if "show_if" in page and path[:2] not in conditional_pages:
            conditional_pages.add(path[:2])
            report.at(
                (*path[:2], "show_if"),
                f"page '{page['id']}' holds items of {released.name}, which must be asked "
                "of everyone, so it cannot have show_if: the licence does not allow "
                "dropping an item",
            )
