"""Loading one file: line numbers, YAML edge cases, content hash, defaults, immutability."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import signal
import time
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

import svcollect.questionnaires as package
from svcollect.questionnaires import (
    Problem,
    Questionnaire,
    QuestionnaireError,
    Registry,
    check_file,
    check_text,
    content_hash,
    load_file,
    schema,
)

PATH = Path("questionnaires/demo/v1.yaml")
BASE = """\
# A comment that must not count towards the content hash.
id: demo
version: 1
title: "Demo"
audience: [workforce]
scorer: ons4
scales:
  zero_to_ten: {min: 0, max: 10, min_label: "Not at all", max_label: "Completely"}
pages:
  - id: first
    title: "First"
    questions:
      - id: count
        type: number
        text: "How many people work for you?"
        min: 0
        max: 100000
      - id: happy
        type: scale
        scale: zero_to_ten
        text: "How happy are you?"
  - id: second
    title: "Second"
    show_if: {question: count, at_least: 500}
    questions:
      - id: name
        type: short_text
        text: "Your name"
      - id: notes
        type: long_text
        text: "Notes"
        required: false
      - id: upload
        type: file
        text: "Upload a file"
      - id: started
        type: date
        text: "When did you start?"
"""


def load(text: str, known: frozenset[str]) -> Questionnaire:
    questionnaire, problems = check_text(text, PATH, known)
    assert problems == []
    assert questionnaire is not None
    return questionnaire


def problems_of(text: str, known: frozenset[str], path: Path = PATH) -> list[str]:
    questionnaire, problems = check_text(text, path, known)
    assert questionnaire is None
    return [str(problem) for problem in problems]


# --- content hash ----------------------------------------------------------------------


def test_content_hash_is_sha256_of_canonical_json(known_scorers: frozenset[str]) -> None:
    data = yaml.safe_load(BASE)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert load(BASE, known_scorers).content_hash == expected == content_hash(data)


def test_comments_and_layout_do_not_change_the_hash(known_scorers: frozenset[str]) -> None:
    original = load(BASE, known_scorers).content_hash
    recommented = BASE.replace("# A comment that must not", "# Another comment that should not")
    recommented += "# a trailing comment\n"
    assert load(recommented, known_scorers).content_hash == original
    reflowed = yaml.safe_dump(yaml.safe_load(BASE), default_flow_style=True, width=40)
    assert load(reflowed, known_scorers).content_hash == original
    requoted = BASE.replace('title: "Demo"', "title: 'Demo'")
    assert load(requoted, known_scorers).content_hash == original


def test_any_content_edit_changes_the_hash(known_scorers: frozenset[str]) -> None:
    original = load(BASE, known_scorers).content_hash
    for old, new in [
        ('"How happy are you?"', '"How happy are you today?"'),
        ("max: 100000", "max: 100001"),
        ("required: false", "required: true"),
        ("audience: [workforce]", "audience: [workforce, community]"),
    ]:
        assert old in BASE
        assert load(BASE.replace(old, new), known_scorers).content_hash != original, new


def test_shipped_hash_ignores_comments(shipped_root: Path, known_scorers: frozenset[str]) -> None:
    path = shipped_root / "wemwbs" / "v1.yaml"
    text = path.read_text(encoding="utf-8")
    original = load_file(path, known_scorers).content_hash
    edited, _ = check_text("# edited comment\n" + text, path, known_scorers)
    assert edited is not None and edited.content_hash == original
    changed, _ = check_text(text.replace("about 3 minutes", "about 4 minutes"), path, known_scorers)
    assert changed is not None and changed.content_hash != original


# --- line numbers and messages -----------------------------------------------------------


def test_problem_str_is_file_line_message() -> None:
    problem = Problem("questionnaires/ons4/v1.yaml", 14, "something is wrong")
    assert str(problem) == "questionnaires/ons4/v1.yaml:14: something is wrong"
    error = QuestionnaireError([problem, Problem("a.yaml", 2, "also wrong")])
    assert str(error) == "questionnaires/ons4/v1.yaml:14: something is wrong\na.yaml:2: also wrong"
    assert error.problems[1].line == 2


def test_undefined_scale_message_matches_the_house_style(known_scorers: frozenset[str]) -> None:
    text = BASE.replace("scale: zero_to_ten\n", "scale: zero_to_tne\n")
    assert problems_of(text, known_scorers) == [
        "questionnaires/demo/v1.yaml:20: question 'happy' refers to scale 'zero_to_tne', "
        "which is not defined (defined scales: zero_to_ten)"
    ]


def test_schema_problems_point_at_the_offending_line(known_scorers: frozenset[str]) -> None:
    text = BASE.replace("        required: false\n", "        required: nope\n        size: 3\n")
    assert problems_of(text, known_scorers) == [
        "questionnaires/demo/v1.yaml:32: 'required' in question 'notes' must be true or false, "
        "but it is text ('nope')",
        "questionnaires/demo/v1.yaml:33: unknown key 'size' in question 'notes' (allowed keys: "
        "id, type, text, hint, required, scale, options, min, max, integer, max_length, accept, "
        "max_files, not_before, messages, show_if, meta)",
    ]


def test_audience_item_and_licence_problems(known_scorers: frozenset[str]) -> None:
    text = BASE.replace("audience: [workforce]", "audience: [workforce, suppliers, workforce]")
    text += 'licence:\n  notice: "x"\n  url: "ftp://example.org"\n'
    assert problems_of(text, known_scorers) == [
        "questionnaires/demo/v1.yaml:5: 'audience' lists 'workforce' more than once",
        "questionnaires/demo/v1.yaml:5: item 2 of 'audience' must be one of: workforce, "
        "supplier, community; 'suppliers' is not allowed",
        "questionnaires/demo/v1.yaml:39: the licence block is missing the required key 'owner'",
        "questionnaires/demo/v1.yaml:41: 'url' in the licence block must be a web address "
        "starting with https://, but it is 'ftp://example.org'",
    ]


def test_scale_id_and_range_problems(known_scorers: frozenset[str]) -> None:
    text = BASE.replace(
        "  zero_to_ten: {min: 0, max: 10,",
        "  Zero: {min: 0}\n  wide: {min: 0, max: 1000}\n  zero_to_ten: {min: 0, max: 10,",
    )
    assert problems_of(text, known_scorers) == [
        "questionnaires/demo/v1.yaml:8: the name 'Zero' in 'scales' must use only lowercase "
        "letters, digits, '_' and '-', starting with a letter or digit",
    ]
    fixed = text.replace("  Zero: {min: 0}\n", "  zero: {min: 0}\n")
    assert problems_of(fixed, known_scorers) == [
        "questionnaires/demo/v1.yaml:8: scale 'zero' has no 'max'; a range scale needs both "
        "min and max",
        "questionnaires/demo/v1.yaml:9: scale 'wide' runs from 0 to 1000, which is more than "
        "101 points; use a number question instead",
    ]


@pytest.mark.parametrize(
    ("text", "line", "start"),
    [
        ("id: demo\n  title: x\n", 2, "this is not valid YAML: mapping values are not allowed"),
        ("id: demo\n\ttitle: x\n", 2, "this is not valid YAML: found character '\\t'"),
        ("id: demo\n---\nid: again\n", 2, "the file holds more than one YAML document"),
        ("id: [demo\n", 2, "this is not valid YAML: expected ',' or ']'"),
        ("", 1, "the file is empty"),
        ("# only a comment\n", 1, "the file is empty"),
        ("- just\n- a list\n", 1, "the questionnaire must be a mapping (key: value pairs)"),
        ("id: demo\nid: demo\n", 2, "the key 'id' appears twice in the questionnaire"),
        ("id: !custom demo\n", 1, "the YAML tag '!custom' is not supported"),
        ("id: .nan\n", 1, "'.nan' is not an ordinary number"),
        ("id: demo\n<<: {title: x}\n", 2, "YAML merge keys ('<<') are not supported"),
        ("id: demo\ntitle: &t x\n", 2, "anchors and aliases (&name, *name) are not allowed"),
        ("id: demo\npages:\n  - *p\n", 3, "anchors and aliases (&name, *name) are not allowed"),
        ("id: demo\nx: \x07\n", 2, "the file contains a control character"),
    ],
)
def test_unreadable_yaml_is_reported_with_its_line(
    known_scorers: frozenset[str], text: str, line: int, start: str
) -> None:
    _, problems = check_text(text, PATH, known_scorers)
    assert problems, text
    assert any(p.line == line and p.message.startswith(start) for p in problems), problems


def test_anchors_and_aliases_are_refused_by_line(known_scorers: frozenset[str]) -> None:
    # Even a harmless-looking reuse of text is refused: write it out in full.
    text = BASE.replace('title: "First"', 'title: &first "First"').replace(
        'title: "Second"', "title: *first"
    )
    assert problems_of(text, known_scorers) == [
        "questionnaires/demo/v1.yaml:11: anchors and aliases (&name, *name) are not allowed "
        "in svcollect's YAML files: write the text out in full"
    ]


def _billion_laughs(levels: int = 9) -> str:
    lines = ["id: demo", 'l0: &l0 "lol"']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_file_is_refused_before_anything_is_expanded(
    known_scorers: frozenset[str],
) -> None:
    """Expanded, this file would be 9**9 (387 million) strings; refused, it is read at once."""

    def too_slow(signum: int, frame: object) -> None:
        raise TimeoutError("the file took more than 2 seconds to check: aliases were expanded")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, 2)
    try:
        started = time.perf_counter()
        problems = problems_of(_billion_laughs(), known_scorers)
        elapsed = time.perf_counter() - started
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert problems == [
        "questionnaires/demo/v1.yaml:2: anchors and aliases (&name, *name) are not allowed "
        "in svcollect's YAML files: write the text out in full"
    ]
    assert elapsed < 0.5


def test_dates_in_yaml_stay_text(known_scorers: frozenset[str]) -> None:
    text = BASE.replace('        text: "When did you start?"\n', "        text: 2026-03-27\n")
    assert load(text, known_scorers).question("started").text == "2026-03-27"


def test_files_must_be_utf8(tmp_path: Path, known_scorers: frozenset[str]) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    path = folder / "v1.yaml"
    path.write_bytes(BASE.replace('"Demo"', '"Caf\u00e9"').encode("latin-1"))
    questionnaire, problems = check_file(path, known_scorers)
    assert questionnaire is None
    assert [(p.line, p.message) for p in problems] == [
        (4, "the file is not UTF-8 text; save it as UTF-8")
    ]
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))  # a byte order mark is fine
    assert load_file(path, known_scorers).title == "Demo"


def test_load_file_raises_with_every_problem(tmp_path: Path, known_scorers: frozenset[str]) -> None:
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "v3.yaml").write_text(BASE.replace("scorer: ons4", "scorer: nope"), "utf-8")
    with pytest.raises(QuestionnaireError) as raised:
        load_file(folder / "v3.yaml", known_scorers)
    assert [(p.line, p.message.split(" ")[0]) for p in raised.value.problems] == [
        (2, "id"),
        (3, "version"),
        (6, "scorer"),
    ]


# --- model ------------------------------------------------------------------------------


def test_defaults_are_filled_in(known_scorers: frozenset[str]) -> None:
    demo = load(BASE, known_scorers)
    assert demo.question("name").max_length == 200
    assert demo.question("notes").max_length == 2000
    assert demo.question("count").max_length is None
    upload = demo.question("upload")
    assert upload.accept == ("pdf", "docx", "xlsx", "csv", "txt", "png", "jpeg")
    assert upload.max_files == 10
    assert demo.question("name").required and not demo.question("notes").required
    assert demo.question("count").integer
    assert demo.description is None and demo.licence is None
    assert not demo.registration_required
    assert demo.path == PATH
    assert demo.key == ("demo", 1)


def test_range_scale_expands_to_integer_options(known_scorers: frozenset[str]) -> None:
    happy = load(BASE, known_scorers).question("happy")
    assert happy.option_values == tuple(range(11))
    assert [o.label for o in happy.options] == [str(n) for n in range(11)]
    assert happy.options[0].hint == "Not at all"
    assert happy.options[10].hint == "Completely"
    assert happy.option(7).label == "7"
    with pytest.raises(KeyError):
        happy.option(11)


def test_default_messages_are_written_for_the_person_answering(
    known_scorers: frozenset[str],
) -> None:
    demo = load(BASE, known_scorers)
    count = demo.question("count")
    assert (
        count.message("required") == "Enter a number for \u2018How many people work for you?\u2019"
    )
    assert count.message("invalid") == (
        "Your answer to \u2018How many people work for you?\u2019 must be a whole number"
    )
    assert count.message("too_small").endswith("must be 0 or more")
    assert count.message("too_large").endswith("must be 100,000 or less")
    assert demo.question("happy").message("required") == (
        "Select an answer for \u2018How happy are you?\u2019"
    )
    assert demo.question("name").message("too_long") == (
        "Your answer to \u2018Your name\u2019 must be 200 characters or fewer"
    )
    assert demo.question("upload").message("invalid") == (
        "The selected file must be a PDF, DOCX, XLSX, CSV, TXT, PNG or JPEG"
    )
    assert demo.question("started").message("invalid").endswith("must be a real date")
    assert demo.question("started").message("year") == (
        f"Your answer to \u2018{demo.question('started').text}\u2019"
        " must include a year with 4 numbers"
    )
    assert demo.question("started").message("year_range") == (
        f"Your answer to \u2018{demo.question('started').text}\u2019"
        " must be in a year from 1900 to 2200"
    )
    assert set(count.messages) == {
        "required",
        "invalid",
        "year",
        "year_range",
        "too_small",
        "too_large",
        "too_long",
        "too_early",
    }


def test_custom_messages_win(valid: Registry) -> None:
    question = valid.get("every-type", 1).question("has_manager")
    assert question.message("required") == "Select yes if you have a line manager"
    assert question.message("invalid") == "Select yes or no"
    assert question.message("too_long").startswith("Your answer to")


def test_model_is_immutable(known_scorers: frozenset[str]) -> None:
    demo = load(BASE, known_scorers)
    with pytest.raises(dataclasses.FrozenInstanceError):
        demo.title = "Changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        demo.question("count").messages["required"] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        demo.pages[0].meta["x"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        demo.scales["other"] = demo.scales["zero_to_ten"]  # type: ignore[index]
    assert hash(demo.question("count")) == hash(demo.question("count"))


def test_lookup_helpers(known_scorers: frozenset[str]) -> None:
    demo = load(BASE, known_scorers)
    assert [q.id for q in demo.questions()] == [
        "count",
        "happy",
        "name",
        "notes",
        "upload",
        "started",
    ]
    assert demo.page("second").title == "Second"
    assert demo.page_index("second") == 1
    assert demo.page_of("notes").id == "second"
    assert demo.question("notes").page_id == "second"
    for missing in (
        lambda: demo.question("x"),
        lambda: demo.page("x"),
        lambda: demo.page_index("x"),
    ):
        with pytest.raises(KeyError):
            missing()


# --- schema and package boundaries ------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


ALLOWED_IMPORTS = {"yaml", "jsonschema"}


def test_package_imports_only_the_standard_library_yaml_and_jsonschema() -> None:
    import sys

    for source in Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top in ALLOWED_IMPORTS, (source, name)


def test_modules_stay_small() -> None:
    for source in Path(package.__file__).parent.glob("*.py"):
        assert len(source.read_text(encoding="utf-8").splitlines()) <= 400, source


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        (
            "{question: happy, at_least: 11}",
            "can never be true: 'happy' is answered 10 at most, so it is never at least 11",
        ),
        (
            "{question: count, at_least: 100001}",
            "can never be true: 'count' is answered 100000 at most, so it is never at least 100001",
        ),
        (
            "{question: count, at_most: -1}",
            "can never be true: 'count' is answered 0 at least, so it is never at most -1",
        ),
    ],
)
def test_a_show_if_that_can_never_be_true_is_refused(
    known_scorers: frozenset[str], condition: str, problem: str
) -> None:
    text = BASE.replace("{question: count, at_least: 500}", condition)
    [message] = problems_of(text, known_scorers)
    assert message.startswith("questionnaires/demo/v1.yaml:24: page 'second' has a show_if")
    assert message.endswith(problem)
    # the edge itself is a condition some answers meet
    edge = condition.replace("11", "10").replace("100001", "100000").replace("-1", "0")
    load(BASE.replace("{question: count, at_least: 500}", edge), known_scorers)
