"""The registry over a folder of questionnaires, and a fuzz test of the whole checker."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcollect.questionnaires import (
    Questionnaire,
    Registry,
    check_text,
    load_directory,
    validate_directory,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "questionnaires"


def test_registry_lookups(valid: Registry) -> None:
    assert valid.ids() == ("conditions", "every-type", "minimal")
    assert valid.versions("minimal") == (1, 2)
    assert valid.latest("minimal").version == 2
    assert valid.get("minimal", 1).question("name_of_group").hint is None
    assert valid.latest("minimal").question("name_of_group").hint is not None
    assert [q.key for q in valid] == [
        ("conditions", 1),
        ("every-type", 1),
        ("minimal", 1),
        ("minimal", 2),
    ]
    assert len(valid) == 4
    assert ("minimal", 2) in valid and ("minimal", 3) not in valid
    for missing in (
        lambda: valid.get("minimal", 3),
        lambda: valid.get("nope", 1),
        lambda: valid.latest("nope"),
        lambda: valid.versions("nope"),
    ):
        with pytest.raises(KeyError):
            missing()


def test_versions_sort_as_numbers(tmp_path: Path, known_scorers: frozenset[str]) -> None:
    source = (FIXTURES / "valid" / "minimal" / "v1.yaml").read_text(encoding="utf-8")
    (tmp_path / "minimal").mkdir()
    for version in (1, 2, 10):
        text = source.replace("version: 1", f"version: {version}")
        (tmp_path / "minimal" / f"v{version}.yaml").write_text(text, encoding="utf-8")
    registry = load_directory(tmp_path, known_scorers)
    assert registry.versions("minimal") == (1, 2, 10)
    assert registry.latest("minimal").version == 10


def test_registry_refuses_the_same_version_twice(valid: Registry) -> None:
    with pytest.raises(ValueError, match="minimal version 1 given twice"):
        Registry([valid.get("minimal", 1), valid.get("minimal", 1)])


def test_stray_entries_in_a_questionnaire_folder(
    tmp_path: Path, known_scorers: frozenset[str]
) -> None:
    folder = tmp_path / "minimal"
    folder.mkdir()
    (folder / "v1.yaml").write_bytes((FIXTURES / "valid" / "minimal" / "v1.yaml").read_bytes())
    (folder / "README.md").write_text("notes", encoding="utf-8")
    (folder / "old").mkdir()
    (folder / ".DS_Store").write_bytes(b"\x00")  # hidden files are ignored
    (tmp_path / "README.md").write_text("about this folder", encoding="utf-8")  # root files too
    problems = validate_directory(tmp_path, known_scorers)
    relative = [
        (Path(p.file).relative_to(tmp_path).as_posix(), p.line, p.message) for p in problems
    ]
    assert relative == [
        (
            "minimal/README.md",
            1,
            "the file name 'README.md' is not of the form v<N>.yaml (for example v1.yaml), "
            "so it is not loaded; rename it or move it out of the questionnaires folder",
        ),
        ("minimal/old", 1, "a questionnaire folder must hold only v<N>.yaml files, not folders"),
    ]


def test_missing_root_is_a_problem_not_a_crash(
    tmp_path: Path, known_scorers: frozenset[str]
) -> None:
    [problem] = validate_directory(tmp_path / "absent", known_scorers)
    assert problem.message == "the questionnaires folder does not exist"


def test_empty_root_gives_an_empty_registry(tmp_path: Path, known_scorers: frozenset[str]) -> None:
    assert list(load_directory(tmp_path, known_scorers)) == []


# --- fuzz: the checker never crashes, whatever the content -------------------------------

SEED = yaml.safe_load((FIXTURES / "valid" / "conditions" / "v1.yaml").read_text("utf-8"))
SEED_PATH = Path("questionnaires/conditions/v1.yaml")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(SEED)


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


REFERENCES = sorted(
    {str(_get(SEED, p)) for p in PATHS if p[-1] in ("id", "question", "scale")} | {"missing"}
)
replacement = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=1000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(REFERENCES),
    st.text(max_size=8),
    st.lists(st.sampled_from(REFERENCES), max_size=3),
    st.dictionaries(
        st.sampled_from(["question", "equals", "at_least", "value", "label"]),
        st.sampled_from(REFERENCES),
        max_size=2,
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(PATHS), st.one_of(st.just("delete"), replacement)),
        min_size=1,
        max_size=3,
    )
)
def test_any_edit_gives_problems_or_a_questionnaire_never_a_crash(
    edits: list[tuple[tuple[Any, ...], Any]],
) -> None:
    data = copy.deepcopy(SEED)
    for path, value in edits:
        try:
            parent = _get(data, path[:-1])
            if value == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or replaced this part
    known = frozenset({"supplier_adherence"})
    questionnaire, problems = check_text(yaml.safe_dump(data), SEED_PATH, known)
    assert (questionnaire is None) == bool(problems)
    if questionnaire is not None:
        assert isinstance(questionnaire, Questionnaire)
        questionnaire.visible_pages({})
    for problem in problems:
        assert problem.line >= 1
        assert problem.message and "Traceback" not in problem.message
