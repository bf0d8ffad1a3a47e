"""Fixtures for the questionnaire package tests: known scorers and content folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcollect.questionnaires import Registry, load_directory

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def known_scorers() -> frozenset[str]:
    return frozenset(
        {
            "wemwbs",
            "swemwbs",
            "ons4",
            "loneliness",
            "mhaw_standards",
            "supplier_adherence",
            "delivery_return",
        }
    )


@pytest.fixture(scope="session")
def shipped_root() -> Path:
    return REPO / "questionnaires"


@pytest.fixture(scope="session")
def fixtures_root() -> Path:
    return REPO / "tests" / "fixtures" / "questionnaires"


@pytest.fixture(scope="session")
def shipped(shipped_root: Path, known_scorers: frozenset[str]) -> Registry:
    return load_directory(shipped_root, known_scorers)


@pytest.fixture(scope="session")
def valid(fixtures_root: Path, known_scorers: frozenset[str]) -> Registry:
    return load_directory(fixtures_root / "valid", known_scorers)
