"""Every questionnaire version under a folder, loaded and checked together."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

from .loader import FILE_NAME, bad_file_name, check_file
from .model import Questionnaire
from .problems import Problem, QuestionnaireError


class Registry:
    """Questionnaires by ``(id, version)``; iterates sorted by id, then version."""

    def __init__(self, questionnaires: Iterable[Questionnaire] = ()) -> None:
        items: dict[tuple[str, int], Questionnaire] = {}
        for questionnaire in questionnaires:
            if questionnaire.key in items:
                raise ValueError(f"{questionnaire.id} version {questionnaire.version} given twice")
            items[questionnaire.key] = questionnaire
        self._items = dict(sorted(items.items()))

    def get(self, questionnaire_id: str, version: int) -> Questionnaire:
        """One version (KeyError if it is not registered)."""
        try:
            return self._items[(questionnaire_id, version)]
        except KeyError:
            raise KeyError(f"no questionnaire {questionnaire_id!r} version {version}") from None

    def latest(self, questionnaire_id: str) -> Questionnaire:
        """The highest version of a questionnaire (KeyError if there is none)."""
        return self.get(questionnaire_id, self.versions(questionnaire_id)[-1])

    def ids(self) -> tuple[str, ...]:
        """Questionnaire ids, sorted."""
        return tuple(sorted({key[0] for key in self._items}))

    def versions(self, questionnaire_id: str) -> tuple[int, ...]:
        """Versions of one questionnaire, lowest first (KeyError if there are none)."""
        found = tuple(version for (qid, version) in self._items if qid == questionnaire_id)
        if not found:
            raise KeyError(f"no questionnaire {questionnaire_id!r}")
        return found

    def __iter__(self) -> Iterator[Questionnaire]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __repr__(self) -> str:
        listed = ", ".join(f"{qid}/v{version}" for qid, version in self._items)
        return f"Registry({listed})"


def _version_order(path: Path) -> tuple[int, int, str]:
    match = FILE_NAME.match(path.name)
    return (0, int(match.group(1)), "") if match else (1, 0, path.name)


def _listing(folder: Path, problems: list[Problem]) -> list[Path]:
    """Entries of a folder, sorted, leaving out hidden ones such as .DS_Store or .git."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        problems.append(Problem(folder.as_posix(), 1, f"the folder could not be read: {exc}"))
        return []
    return [entry for entry in entries if not entry.name.startswith(".")]


def _scan(root: Path, known_scorers: Collection[str]) -> tuple[list[Questionnaire], list[Problem]]:
    if not root.is_dir():
        return [], [Problem(root.as_posix(), 1, "the questionnaires folder does not exist")]
    loaded: list[Questionnaire] = []
    problems: list[Problem] = []
    for folder in _listing(root, problems):
        if not folder.is_dir():
            continue  # files beside the questionnaire folders, such as a README
        for entry in sorted(_listing(folder, problems), key=_version_order):
            if entry.is_dir():
                problems.append(
                    Problem(
                        entry.as_posix(),
                        1,
                        "a questionnaire folder must hold only v<N>.yaml files, not folders",
                    )
                )
                continue
            wrong_name = bad_file_name(entry)
            if wrong_name is not None:
                problems.append(wrong_name)
                continue
            questionnaire, found = check_file(entry, known_scorers)
            problems.extend(found)
            if questionnaire is not None:
                loaded.append(questionnaire)
    return loaded, problems


def validate_directory(root: Path, known_scorers: Collection[str]) -> list[Problem]:
    """Every problem in every questionnaire under ``root``; never raises for bad content."""
    return _scan(root, known_scorers)[1]


def load_directory(root: Path, known_scorers: Collection[str]) -> Registry:
    """Load ``<root>/<id>/v<N>.yaml``; raise :class:`QuestionnaireError` with every problem."""
    loaded, problems = _scan(root, known_scorers)
    if problems:
        raise QuestionnaireError(problems)
    return Registry(loaded)
