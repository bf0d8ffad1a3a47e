"""The Social Value Model outcomes file, loaded and checked at start-up like questionnaires."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from svcollect.outcomes import OutcomeMap, load_outcome_map

OUTCOMES_KEY = "svcollect.outcomes"


def load_outcomes_into(app: Flask) -> None:
    """A broken outcomes file stops the app with the file, line and problem named."""
    app.extensions[OUTCOMES_KEY] = load_outcome_map(Path(app.config["SVCOLLECT_OUTCOMES_FILE"]))


def outcome_map() -> OutcomeMap:
    outcomes: OutcomeMap = current_app.extensions[OUTCOMES_KEY]
    return outcomes
