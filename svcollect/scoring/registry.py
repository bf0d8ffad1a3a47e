"""Registry of scorers by name: questionnaires name a scorer, the registry finds it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from svcollect.scoring._frame import check_answers
from svcollect.scoring.results import Scored, ScoreResult

ScorerFunction = Callable[..., Scored]

_BUILTIN_MODULES = (
    "svcollect.scoring.wellbeing",
    "svcollect.scoring.ons4",
    "svcollect.scoring.loneliness",
    "svcollect.scoring.standards",
    "svcollect.scoring.delivery",
)
_REGISTRY: dict[str, Scorer] = {}


class UnknownScorerError(LookupError):
    """No scorer is registered under the name asked for."""


@dataclass(frozen=True)
class Scorer:
    """A registered scorer: call it with the long answers frame (and keyword options).

    ``fixed_columns``: the scores have the same columns, measures and notes whatever the
    answers, so a collection may be scored a chunk of responses at a time and the parts
    combined (results.combine_results). A scorer whose columns follow the questions it
    meets (delivery_return) is called with the whole collection instead.
    """

    name: str
    version: str
    function: ScorerFunction
    fixed_columns: bool = True

    def __call__(self, answers: pd.DataFrame, **options: Any) -> ScoreResult:
        check_answers(answers)
        parts = self.function(answers, **options)
        return ScoreResult(
            scorer=self.name,
            version=self.version,
            scores=parts.scores,
            exclusions=parts.exclusions,
            measures=parts.measures,
            n_responses=parts.n_responses,
            notes=parts.notes,
        )


def register(
    name: str, version: str, *, fixed_columns: bool = True
) -> Callable[[ScorerFunction], ScorerFunction]:
    """Decorator registering a scorer function under ``name`` at ``version``."""
    if not name or not version:
        raise ValueError("a scorer needs a name and a version")

    def decorate(function: ScorerFunction) -> ScorerFunction:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.function is not function:
            raise ValueError(f"a scorer called {name!r} is already registered")
        _REGISTRY[name] = Scorer(name, version, function, fixed_columns)
        return function

    return decorate


def _load_builtins() -> None:
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def get_scorer(name: str) -> Scorer:
    """The scorer registered under ``name``; UnknownScorerError lists the known names."""
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownScorerError(f"No scorer called {name!r}. Known scorers: {known}") from None


def scorer_names() -> frozenset[str]:
    """Names of every registered scorer."""
    _load_builtins()
    return frozenset(_REGISTRY)
