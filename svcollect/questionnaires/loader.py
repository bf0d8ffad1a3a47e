"""Load one questionnaire file: YAML with line numbers, then shape, meaning and the model."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from .build import build_questionnaire
from .checks import FileName, check_meaning
from .model import Questionnaire
from .problems import Problem, QuestionnaireError, Report
from .shape import check_shape
from .yamlsource import YamlSyntaxError, parse_yaml

#: A questionnaire file is named v<N>.yaml, N a whole number from 1 without leading zeros.
FILE_NAME = re.compile(r"^v([1-9][0-9]*)\.yaml$")


def content_hash(data: Any) -> str:
    """sha256 of the canonical JSON of parsed content: comments and layout do not count."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def bad_file_name(path: Path) -> Problem | None:
    """The problem with a file's name, if it is not v<N>.yaml."""
    if FILE_NAME.match(path.name):
        return None
    return Problem(
        path.as_posix(),
        1,
        f"the file name '{path.name}' is not of the form v<N>.yaml (for example v1.yaml), "
        "so it is not loaded; rename it or move it out of the questionnaires folder",
    )


def check_text(
    text: str, path: Path, known_scorers: Collection[str]
) -> tuple[Questionnaire | None, list[Problem]]:
    """Check content as if read from ``path``; the questionnaire, or None and the problems.

    ``path`` supplies the folder name (which must equal the id) and the file name
    (``v<N>.yaml``, N must equal the version); the disk is not read.
    """
    wrong_name = bad_file_name(path)
    if wrong_name is not None:
        return None, [wrong_name]
    file = path.as_posix()
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as exc:
        return None, [Problem(file, exc.line, exc.message)]
    report = Report(file, parsed.line_of)
    for line, message in parsed.issues:
        report.at(line, message)
    if parsed.data is None:
        report.at(1, "the file is empty; it should hold a questionnaire (id, version, title, ...)")
        return None, report.problems
    shape = Report(file, parsed.line_of)
    check_shape(parsed.data, shape)
    if shape.has_problems:
        return None, sorted(report.problems + shape.problems, key=lambda problem: problem.line)
    match = FILE_NAME.match(path.name)
    assert match is not None  # checked above
    where = FileName(folder=path.parent.name, version=int(match.group(1)), name=path.name)
    check_meaning(parsed.data, where, known_scorers, report)
    if report.has_problems:
        return None, report.problems
    digest = content_hash(parsed.data)
    return build_questionnaire(parsed.data, content_hash=digest, path=path), []


def check_file(
    path: Path, known_scorers: Collection[str]
) -> tuple[Questionnaire | None, list[Problem]]:
    """Read and check one file; never raises for problems in the file itself."""
    wrong_name = bad_file_name(path)
    if wrong_name is not None:
        return None, [wrong_name]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(path.as_posix(), 1, f"the file could not be read: {exc.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(path.as_posix(), line, "the file is not UTF-8 text; save it as UTF-8")
        ]
    return check_text(text, path, known_scorers)


def load_file(path: Path, known_scorers: Collection[str]) -> Questionnaire:
    """Load one file or raise :class:`QuestionnaireError` listing all its problems."""
    questionnaire, problems = check_file(path, known_scorers)
    if questionnaire is None:
        raise QuestionnaireError(problems)
    return questionnaire
