"""The scorer registry and the answers-frame contract."""

from __future__ import annotations

import pandas as pd
import pytest

from svcollect import scoring
from svcollect.scoring import UnknownScorerError, get_scorer, register, scorer_names
from svcollect.scoring.results import Scored

from .conftest import long_answers, wemwbs_items

BUILTIN = {
    "wemwbs",
    "swemwbs",
    "ons4",
    "loneliness",
    "mhaw_standards",
    "supplier_adherence",
    "delivery_return",
}


def test_every_builtin_scorer_is_registered() -> None:
    assert scorer_names() >= BUILTIN
    assert isinstance(scorer_names(), frozenset)


def test_registry_is_re_exported_from_the_package() -> None:
    assert scoring.get_scorer is get_scorer
    assert scoring.scorer_names is scorer_names
    assert scoring.register is register


def test_unknown_scorer_names_the_known_ones() -> None:
    with pytest.raises(UnknownScorerError, match=r"No scorer called 'nope'.*wemwbs"):
        get_scorer("nope")


def test_a_name_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="already registered"):

        @register("wemwbs", "9")
        def other(answers: pd.DataFrame) -> Scored:
            raise AssertionError

        del other


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_scorer_handles_an_empty_collection(name: str, empty_answers: pd.DataFrame) -> None:
    result = get_scorer(name)(empty_answers)
    assert result.scorer == name
    assert result.version
    assert result.n_responses == 0
    assert result.n_scored == 0
    assert result.scores.columns[0] == "respondent"
    assert result.scores.index.name == "response_id"
    assert result.to_dict()["responses"] == []


def test_result_records_scorer_and_version() -> None:
    result = get_scorer("wemwbs")(long_answers([(1, "a", wemwbs_items(50))]))
    data = result.to_dict()
    assert (data["scorer"], data["version"]) == ("wemwbs", get_scorer("wemwbs").version)


def test_missing_columns_are_named() -> None:
    frame = long_answers([]).drop(columns=["value_number", "question_id"])
    with pytest.raises(ValueError, match="missing column\\(s\\): question_id, value_number"):
        get_scorer("wemwbs")(frame)


def test_not_a_dataframe_is_refused() -> None:
    with pytest.raises(TypeError, match="pandas DataFrame"):
        get_scorer("ons4")([])  # type: ignore[arg-type]


def test_scorer_package_imports_no_web_or_database_code() -> None:
    import ast
    from pathlib import Path

    package = Path(scoring.__file__).parent
    forbidden = ("flask", "sqlalchemy", "wtforms", "flask_wtf")
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"
                if name.startswith("svcollect"):
                    assert name.startswith("svcollect.scoring"), f"{path.name} imports {name}"
