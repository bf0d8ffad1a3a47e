"""Social Value Model outcomes and measures, read from a file users may correct.

The file (``data/social_value_outcomes.yaml``; its layout is described at its top) maps
svcollect's questionnaires and measures to Social Value Model outcomes. It is checked
like a questionnaire file: every problem is reported as ``file:line: message``.

Pure Python: no Flask, no ORM. The web layer loads an :class:`OutcomeMap` once with
:func:`load_outcome_map` and reads the immutable result from it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, TypeGuard

from svcollect.questionnaires.loader import content_hash
from svcollect.questionnaires.naming import describe_kind, quoted_list, show_value
from svcollect.questionnaires.problems import PathT, Problem, Report
from svcollect.questionnaires.yamlsource import YamlSyntaxError, parse_yaml

MeasureKind = Literal["counted", "survey"]
MEASURE_KINDS: Final[tuple[MeasureKind, ...]] = ("counted", "survey")
#: Longest outcome code (the contract_outcome.outcome_code column).
MAX_OUTCOME_CODE: Final = 40
#: Longest measure code: ``<code>_evidence`` must still fit a 64-character question id.
MAX_MEASURE_CODE: Final = 55
#: Longest unit (the commitment.unit column).
MAX_UNIT: Final = 60
#: The unit of a share: a figure from 0 to 100.
PERCENT: Final = "percent"
MAX_QUESTIONNAIRE_ID: Final = 64

_WORD = re.compile(r"[a-z0-9][a-z0-9_]*")
_MEASURE_CODE = re.compile(r"[a-z][a-z0-9_]*")
_QUESTIONNAIRE_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_WORD_RULE = "lowercase letters, digits and '_'"

_TOP_KEYS = ("version", "source", "notes", "models", "measures", "questionnaires")
_TOP_REQUIRED = ("version", "source", "models", "measures", "questionnaires")
_MODEL_KEYS = ("code", "title", "short_title", "confirmed", "in_force", "notes", "themes")
_MODEL_REQUIRED = ("code", "title", "short_title", "confirmed", "themes")
_THEME_KEYS = ("code", "number", "title", "confirmed", "notes", "outcomes")
_THEME_REQUIRED = ("code", "title", "outcomes")
_OUTCOME_KEYS = ("code", "title", "title_confirmed", "mac", "mac_confirmed", "notes")
_OUTCOME_REQUIRED = ("code", "title")
_MEASURE_KEYS = (
    "code",
    "title",
    "kind",
    "unit",
    "whole_number",
    "questionnaire",
    "score",
    "outcomes",
    "notes",
)
_MEASURE_REQUIRED = ("code", "title", "kind", "unit", "questionnaire", "outcomes")


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One policy outcome of a model, e.g. ``ppn0620.wellbeing.health``.

    ``mac`` is the model's reference number as written in the file; it is only to be
    shown as confirmed when ``mac_confirmed`` is true.
    """

    code: str
    title: str
    model: str
    theme: str
    label: str
    title_confirmed: bool = True
    mac: str | None = None
    mac_confirmed: bool = False
    notes: str | None = None


@dataclass(frozen=True, kw_only=True)
class Theme:
    """A theme of a model and its outcomes (none while a placeholder is being filled in)."""

    code: str
    title: str
    model: str
    outcomes: tuple[Outcome, ...]
    number: int | None = None
    confirmed: bool = True
    notes: str | None = None


@dataclass(frozen=True, kw_only=True)
class Model:
    """A Social Value Model (PPN 06/20, PPN 002) with its themes."""

    code: str
    title: str
    short_title: str
    confirmed: bool
    themes: tuple[Theme, ...]
    in_force: str | None = None
    notes: str | None = None


@dataclass(frozen=True, kw_only=True)
class Measure:
    """Something counted or scored that gives evidence for outcomes.

    ``counted`` measures are reported by the supplier in a delivery return (the question
    id is the measure code); ``survey`` measures are scored from a questionnaire, and
    ``score`` names the scorer's measure they come from. ``whole_number`` is true when
    the unit counts whole things (people, sessions): targets and returns have no fractions.
    A unit of ``percent`` (:data:`PERCENT`) is a share from 0 to 100.
    """

    code: str
    title: str
    kind: MeasureKind
    unit: str
    questionnaire: str
    outcomes: tuple[str, ...]
    whole_number: bool = False
    score: str | None = None
    notes: str | None = None

    @property
    def label(self) -> str:
        """How the measure is shown in lists: its title and unit."""
        return f"{self.title} ({self.unit})"


@dataclass(frozen=True)
class Choices:
    """``(value, label)`` pairs for form select fields."""

    outcomes: tuple[tuple[str, str], ...]
    measures: tuple[tuple[str, str], ...]


@dataclass(frozen=True, kw_only=True)
class OutcomeMap:
    """The checked outcomes file: models, outcomes, measures and questionnaire mapping.

    ``outcomes`` and ``measures`` keep the file's order. ``content_hash`` fingerprints
    the content (not comments or layout), so a report can record which mapping it used.
    """

    version: int
    source: str
    models: tuple[Model, ...]
    outcomes: Mapping[str, Outcome] = field(hash=False)
    measures: Mapping[str, Measure] = field(hash=False)
    questionnaire_outcomes: Mapping[str, tuple[str, ...]] = field(hash=False)
    content_hash: str
    notes: str | None = None
    path: Path | None = field(default=None, compare=False)

    def model(self, code: str) -> Model:
        """The model with this code (KeyError if there is none)."""
        for model in self.models:
            if model.code == code:
                return model
        raise KeyError(f"no model {code!r} in the outcomes file")

    def outcome(self, code: str) -> Outcome:
        """The outcome with this code (KeyError if there is none)."""
        try:
            return self.outcomes[code]
        except KeyError:
            raise KeyError(f"no outcome {code!r} in the outcomes file") from None

    def measure(self, code: str) -> Measure:
        """The measure with this code (KeyError if there is none)."""
        try:
            return self.measures[code]
        except KeyError:
            raise KeyError(f"no measure {code!r} in the outcomes file") from None

    def measures_for_outcome(self, code: str) -> tuple[Measure, ...]:
        """Measures giving evidence for an outcome, in file order (KeyError if unknown)."""
        self.outcome(code)
        return tuple(m for m in self.measures.values() if code in m.outcomes)

    def outcomes_for_questionnaire(self, questionnaire_id: str) -> tuple[Outcome, ...]:
        """Outcomes a questionnaire gives evidence for; empty if the file does not map it."""
        codes = self.questionnaire_outcomes.get(questionnaire_id, ())
        return tuple(self.outcomes[code] for code in codes)

    def measures_for_questionnaire(self, questionnaire_id: str) -> tuple[Measure, ...]:
        """Measures a questionnaire collects, in file order."""
        return tuple(m for m in self.measures.values() if m.questionnaire == questionnaire_id)

    def counted_measures(self) -> tuple[Measure, ...]:
        """Measures suppliers report as numbers, in file order."""
        return tuple(m for m in self.measures.values() if m.kind == "counted")

    def outcome_choices(self) -> list[tuple[str, str]]:
        """``(code, label)`` for every outcome, in file order, for a select field."""
        return [(o.code, o.label) for o in self.outcomes.values()]

    def measure_choices(self, kind: MeasureKind | None = None) -> list[tuple[str, str]]:
        """``(code, "title (unit)")`` for every measure (or those of one kind)."""
        return [(m.code, m.label) for m in self.measures.values() if kind in (None, m.kind)]

    def choices(self) -> Choices:
        """Outcome and measure choices together."""
        return Choices(tuple(self.outcome_choices()), tuple(self.measure_choices()))


class OutcomeMapError(Exception):
    """Raised when the outcomes file has problems; lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def default_path() -> Path:
    """Where the shipped outcomes file sits in a source checkout (``data/`` at the root)."""
    return Path(__file__).resolve().parents[1] / "data" / "social_value_outcomes.yaml"


def check_outcome_text(text: str, path: Path) -> tuple[OutcomeMap | None, list[Problem]]:
    """Check outcomes content as if read from ``path``; the map, or None and the problems."""
    file = path.as_posix()
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as exc:
        return None, [Problem(file, exc.line, exc.message)]
    report = Report(file, parsed.line_of)
    for line, message in parsed.issues:
        # The YAML reader names the top level as a questionnaire's; this file is not one.
        report.at(line, message.replace(" in the questionnaire (", " at the top of the file ("))
    if parsed.data is None:
        report.at(
            1,
            "the file is empty; it should hold the outcomes mapping "
            "(version, source, models, measures, questionnaires)",
        )
        return None, report.problems
    result = _Checker(report).check(parsed.data, content_hash(parsed.data), path)
    if report.has_problems:
        return None, report.problems
    return result, []


def check_outcome_file(path: Path) -> tuple[OutcomeMap | None, list[Problem]]:
    """Read and check the outcomes file; never raises for problems in the file itself."""
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
    return check_outcome_text(text, path)


def load_outcome_map(path: Path) -> OutcomeMap:
    """Load the outcomes file or raise :class:`OutcomeMapError` listing all its problems."""
    outcome_map, problems = check_outcome_file(path)
    if outcome_map is None:
        raise OutcomeMapError(problems)
    return outcome_map


def _named(kind: str, node: Any, index: int) -> str:
    if isinstance(node, dict) and isinstance(node.get("code"), str):
        return f"{kind} '{node['code']}'"
    return f"{kind} {index + 1}"


class _Checker:
    """Checks parsed content part by part, building the model as it goes."""

    def __init__(self, report: Report) -> None:
        self.report = report
        #: kind of code -> code -> line of its first use
        self.first: dict[str, dict[str, int]] = {
            "model": {},
            "theme": {},
            "outcome": {},
            "measure": {},
        }

    # Entry point -------------------------------------------------------------------

    def check(self, data: Any, digest: str, path: Path) -> OutcomeMap | None:
        if not isinstance(data, dict):
            self.report.at(
                (),
                "the file must be a mapping of keys (version, source, models, measures, "
                f"questionnaires), but it is {describe_kind(data)}",
            )
            return None
        name = "the file"
        self._keys(data, (), name, _TOP_KEYS, _TOP_REQUIRED)
        version = self._int(data, "version", (), name, minimum=1)
        source = self._text(data, "source", (), name)
        notes = self._text(data, "notes", (), name)
        models = self._models(data.get("models"), ("models",))
        outcomes = {o.code: o for m in models for t in m.themes for o in t.outcomes}
        listed = self._questionnaires(data.get("questionnaires"), ("questionnaires",), outcomes)
        measures = self._measures(data.get("measures"), ("measures",), outcomes, listed)
        if version is None or source is None or self.report.has_problems:
            return None
        return OutcomeMap(
            version=version,
            source=source,
            notes=notes,
            models=tuple(models),
            outcomes=MappingProxyType(outcomes),
            measures=MappingProxyType({m.code: m for m in measures}),
            questionnaire_outcomes=MappingProxyType(
                {qid: codes for qid, codes in listed.items() if codes is not None}
            ),
            content_hash=digest,
            path=path,
        )

    # Models, themes and outcomes ---------------------------------------------------

    def _models(self, value: Any, path: PathT) -> list[Model]:
        models: list[Model] = []
        for index, node in enumerate(self._list(value, path, "'models'", at_least=1)):
            name = _named("model", node, index)
            if self._is_mapping(node, (*path, index), name):
                model = self._model(node, (*path, index), name)
                if model is not None:
                    models.append(model)
        return models

    def _model(self, node: dict[str, Any], path: PathT, name: str) -> Model | None:
        self._keys(node, path, name, _MODEL_KEYS, _MODEL_REQUIRED)
        code = self._code(node, path, name, "model", None)
        title = self._text(node, "title", path, name)
        short_title = self._text(node, "short_title", path, name)
        confirmed = self._bool(node, "confirmed", path, name)
        in_force = self._text(node, "in_force", path, name)
        notes = self._text(node, "notes", path, name)
        themes: list[Theme] = []
        items = self._list(node.get("themes"), (*path, "themes"), f"'themes' in {name}")
        for index, theme_node in enumerate(items):
            theme_path: PathT = (*path, "themes", index)
            theme_name = _named("theme", theme_node, index)
            # Theme codes start with the model code, so they cannot be checked without it.
            if code is not None and self._is_mapping(theme_node, theme_path, theme_name):
                theme = self._theme(theme_node, theme_path, theme_name, code, short_title or "")
                if theme is not None:
                    themes.append(theme)
        if code is None or title is None or short_title is None or confirmed is None:
            return None
        return Model(
            code=code,
            title=title,
            short_title=short_title,
            confirmed=confirmed,
            themes=tuple(themes),
            in_force=in_force,
            notes=notes,
        )

    def _theme(
        self, node: dict[str, Any], path: PathT, name: str, model_code: str, short_title: str
    ) -> Theme | None:
        self._keys(node, path, name, _THEME_KEYS, _THEME_REQUIRED)
        code = self._code(node, path, name, "theme", model_code)
        title = self._text(node, "title", path, name)
        number = self._int(node, "number", path, name, minimum=1)
        confirmed = self._bool(node, "confirmed", path, name, default=True)
        notes = self._text(node, "notes", path, name)
        outcomes: list[Outcome] = []
        items = self._list(node.get("outcomes"), (*path, "outcomes"), f"'outcomes' in {name}")
        label_start = f"{short_title}, {title}: "
        for index, outcome_node in enumerate(items):
            outcome_path: PathT = (*path, "outcomes", index)
            outcome_name = _named("outcome", outcome_node, index)
            if code is not None and self._is_mapping(outcome_node, outcome_path, outcome_name):
                outcome = self._outcome(
                    outcome_node, outcome_path, outcome_name, (model_code, code, label_start)
                )
                if outcome is not None:
                    outcomes.append(outcome)
        if code is None or title is None or confirmed is None:
            return None
        return Theme(
            code=code,
            title=title,
            model=model_code,
            outcomes=tuple(outcomes),
            number=number,
            confirmed=confirmed,
            notes=notes,
        )

    def _outcome(
        self, node: dict[str, Any], path: PathT, name: str, owner: tuple[str, str, str]
    ) -> Outcome | None:
        model_code, theme_code, label_start = owner
        self._keys(node, path, name, _OUTCOME_KEYS, _OUTCOME_REQUIRED)
        code = self._code(node, path, name, "outcome", theme_code)
        title = self._text(node, "title", path, name)
        title_confirmed = self._bool(node, "title_confirmed", path, name, default=True)
        mac = self._text(node, "mac", path, name)
        mac_confirmed = self._bool(node, "mac_confirmed", path, name, default=False)
        notes = self._text(node, "notes", path, name)
        if "mac" in node and "mac_confirmed" not in node:
            self.report.at(
                (*path, "mac"),
                f"{name} has 'mac' but no 'mac_confirmed'; add mac_confirmed: false unless "
                "the number has been checked against the published model",
            )
        if "mac_confirmed" in node and "mac" not in node:
            self.report.at(
                (*path, "mac_confirmed"), f"{name} has 'mac_confirmed' but no 'mac'; remove it"
            )
        if code is None or title is None or title_confirmed is None or mac_confirmed is None:
            return None
        return Outcome(
            code=code,
            title=title,
            model=model_code,
            theme=theme_code,
            label=label_start + title,
            title_confirmed=title_confirmed,
            mac=mac,
            mac_confirmed=mac_confirmed,
            notes=notes,
        )

    # Questionnaires and measures ---------------------------------------------------

    def _questionnaires(
        self, value: Any, path: PathT, outcomes: Mapping[str, Outcome]
    ) -> dict[str, tuple[str, ...] | None]:
        """Questionnaire id -> its outcome codes (None when that list has problems)."""
        listed: dict[str, tuple[str, ...] | None] = {}
        if value is None:
            return listed
        if not isinstance(value, dict):
            self.report.at(
                path,
                "'questionnaires' must be a mapping of questionnaire id to outcome codes, "
                f"but it is {describe_kind(value)}",
            )
            return listed
        for questionnaire_id, codes in value.items():
            where: PathT = (*path, questionnaire_id)
            if (
                not _QUESTIONNAIRE_ID.fullmatch(questionnaire_id)
                or len(questionnaire_id) > MAX_QUESTIONNAIRE_ID
            ):
                self.report.at(
                    where,
                    f"the questionnaire id '{questionnaire_id}' under 'questionnaires' must use "
                    "only lowercase letters, digits, '_' and '-', starting with a letter or "
                    f"digit, {MAX_QUESTIONNAIRE_ID} characters at most",
                )
            name = f"questionnaire '{questionnaire_id}'"
            listed[questionnaire_id] = self._refs(codes, where, name, outcomes)
        return listed

    def _measures(
        self,
        value: Any,
        path: PathT,
        outcomes: Mapping[str, Outcome],
        listed: Mapping[str, tuple[str, ...] | None],
    ) -> list[Measure]:
        measures: list[Measure] = []
        for index, node in enumerate(self._list(value, path, "'measures'")):
            name = _named("measure", node, index)
            if self._is_mapping(node, (*path, index), name):
                measure = self._measure(node, (*path, index), name, outcomes, listed)
                if measure is not None:
                    measures.append(measure)
        return measures

    def _measure(
        self,
        node: dict[str, Any],
        path: PathT,
        name: str,
        outcomes: Mapping[str, Outcome],
        listed: Mapping[str, tuple[str, ...] | None],
    ) -> Measure | None:
        self._keys(node, path, name, _MEASURE_KEYS, _MEASURE_REQUIRED)
        code = self._code(node, path, name, "measure", None)
        title = self._text(node, "title", path, name)
        kind = self._kind(node, path, name)
        unit = self._text(node, "unit", path, name)
        if unit is not None and len(unit) > MAX_UNIT:
            self.report.at(
                (*path, "unit"), f"'unit' in {name} must be {MAX_UNIT} characters or fewer"
            )
            unit = None
        whole_number = self._bool(node, "whole_number", path, name, default=False)
        questionnaire = self._text(node, "questionnaire", path, name)
        score = self._text(node, "score", path, name)
        notes = self._text(node, "notes", path, name)
        refs = None
        if "outcomes" in node:
            refs = self._refs(node["outcomes"], (*path, "outcomes"), name, outcomes)
        if questionnaire is not None:
            if questionnaire not in listed:
                self.report.at(
                    (*path, "questionnaire"),
                    f"{name} is collected by questionnaire '{questionnaire}', which is not "
                    "listed under 'questionnaires'; add it there with the outcomes it gives "
                    "evidence for",
                )
            elif refs is not None and (codes := listed[questionnaire]) is not None:
                for index, ref in enumerate(refs):
                    if ref in outcomes and ref not in codes:
                        self.report.at(
                            (*path, "outcomes", index),
                            f"{name} gives evidence for outcome '{ref}', but questionnaire "
                            f"'{questionnaire}' does not list it under 'questionnaires'; "
                            "add it there",
                        )
        if (
            code is None
            or title is None
            or kind is None
            or unit is None
            or questionnaire is None
            or refs is None
            or whole_number is None
        ):
            return None
        return Measure(
            code=code,
            title=title,
            kind=kind,
            unit=unit,
            whole_number=whole_number,
            questionnaire=questionnaire,
            outcomes=refs,
            score=score,
            notes=notes,
        )

    def _kind(self, node: dict[str, Any], path: PathT, name: str) -> MeasureKind | None:
        value = node.get("kind")
        if value is None and "kind" not in node:
            return None
        for kind in MEASURE_KINDS:
            if value == kind:
                return kind
        self.report.at(
            (*path, "kind"),
            f"'kind' in {name} must be one of: {quoted_list(MEASURE_KINDS)}; "
            f"{show_value(value)} is not allowed",
        )
        return None

    def _refs(
        self, value: Any, path: PathT, name: str, outcomes: Mapping[str, Outcome]
    ) -> tuple[str, ...] | None:
        """A list of outcome codes, each defined under models and listed once."""
        if not isinstance(value, list):
            self.report.at(
                path,
                f"the outcomes of {name} must be a list of outcome codes, "
                f"but it is {describe_kind(value)}",
            )
            return None
        if not value:
            self.report.at(path, f"{name} must list at least 1 outcome code")
            return None
        refs: list[str] = []
        for index, ref in enumerate(value):
            where: PathT = (*path, index)
            if not isinstance(ref, str):
                self.report.at(
                    where,
                    f"item {index + 1} of the outcomes of {name} must be an outcome code, "
                    f"but it is {describe_kind(ref)}",
                )
                return None
            if ref in refs:
                self.report.at(where, f"{name} lists outcome '{ref}' more than once")
                continue
            if ref not in outcomes:
                message = f"{name} refers to outcome '{ref}', which is not defined under 'models'"
                close = difflib.get_close_matches(ref, list(outcomes), n=1, cutoff=0.7)
                if close:
                    message += f"; did you mean '{close[0]}'?"
                self.report.at(where, message)
            refs.append(ref)
        return tuple(refs)

    # Small typed readers -----------------------------------------------------------

    def _is_mapping(self, node: Any, path: PathT, name: str) -> TypeGuard[dict[str, Any]]:
        if isinstance(node, dict):
            return True
        self.report.at(
            path, f"{name} must be a mapping (key: value pairs), but it is {describe_kind(node)}"
        )
        return False

    def _list(self, value: Any, path: PathT, name: str, at_least: int = 0) -> list[Any]:
        if value is None:
            return []  # a missing required key is reported by _keys
        if not isinstance(value, list):
            self.report.at(path, f"{name} must be a list, but it is {describe_kind(value)}")
            return []
        if len(value) < at_least:
            self.report.at(path, f"{name} must list at least {at_least} item")
        return value

    def _keys(
        self,
        node: dict[str, Any],
        path: PathT,
        name: str,
        allowed: tuple[str, ...],
        required: tuple[str, ...],
    ) -> None:
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else f" (allowed keys: {quoted_list(allowed)})"
                )
                self.report.at((*path, key), f"unknown key '{key}' in {name}{hint}")
        for key in required:
            if key not in node:
                self.report.at(path, f"{name} is missing the required key '{key}'")

    def _text(self, node: dict[str, Any], key: str, path: PathT, name: str) -> str | None:
        if key not in node:
            return None
        value = node[key]
        where: PathT = (*path, key)
        if not isinstance(value, str):
            message = f"'{key}' in {name} must be text, but it is {describe_kind(value)}"
            if isinstance(value, bool):
                message += (
                    "; YAML reads yes/no/true/false/on/off as true or false, so put it in quotes"
                )
            elif isinstance(value, int | float):
                message += f'; put it in quotes, like {key}: "{show_value(value)}"'
            self.report.at(where, message)
            return None
        if not value.strip():
            self.report.at(where, f"'{key}' in {name} must not be blank")
            return None
        return value

    def _bool(
        self,
        node: dict[str, Any],
        key: str,
        path: PathT,
        name: str,
        default: bool | None = None,
    ) -> bool | None:
        if key not in node:
            return default
        value = node[key]
        if not isinstance(value, bool):
            self.report.at(
                (*path, key),
                f"'{key}' in {name} must be true or false, but it is {describe_kind(value)}",
            )
            return None
        return value

    def _int(
        self, node: dict[str, Any], key: str, path: PathT, name: str, minimum: int
    ) -> int | None:
        if key not in node:
            return None
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.report.at(
                (*path, key),
                f"'{key}' in {name} must be a whole number, but it is {describe_kind(value)}",
            )
            return None
        if value < minimum:
            self.report.at(
                (*path, key), f"'{key}' in {name} must be {minimum} or more, but it is {value}"
            )
            return None
        return value

    def _code(
        self, node: dict[str, Any], path: PathT, name: str, kind: str, parent: str | None
    ) -> str | None:
        """The code of a model, theme, outcome or measure: well formed and not used before."""
        code = self._text(node, "code", path, name)
        if code is None:
            return None
        where: PathT = (*path, "code")
        if kind == "measure":
            ok = _MEASURE_CODE.fullmatch(code) is not None and len(code) <= MAX_MEASURE_CODE
            rule = (
                f"must use only {_WORD_RULE}, starting with a letter, "
                f"{MAX_MEASURE_CODE} characters at most"
            )
        elif parent is None:
            ok = _WORD.fullmatch(code) is not None
            rule = f"must use only {_WORD_RULE}, starting with a letter or digit"
        else:
            head, dot, word = code.rpartition(".")
            ok = head == parent and bool(dot) and _WORD.fullmatch(word) is not None
            if kind == "outcome" and len(code) > MAX_OUTCOME_CODE:
                ok = False
            rule = f"must be '{parent}.<word>', the word using only {_WORD_RULE}" + (
                f", {MAX_OUTCOME_CODE} characters at most" if kind == "outcome" else ""
            )
        if not ok:
            self.report.at(where, f"{kind} code '{code}' {rule}")
            return None
        line = self.report.line_of(where)
        first = self.first[kind].get(code)
        if first is not None:
            self.report.at(
                where, f"{kind} code '{code}' is used more than once (first on line {first})"
            )
            return None
        self.first[kind][code] = line
        return code
