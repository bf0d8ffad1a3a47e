"""Questionnaire registry for the app, and release records: a released version is never edited."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError

from svcollect.extensions import db
from svcollect.models import QuestionnaireVersion
from svcollect.questionnaires import (
    NotBefore,
    Questionnaire,
    Registry,
    add_not_before,
    load_directory,
)
from svcollect.scoring import scorer_names

REGISTRY_KEY = "svcollect.questionnaires"
log = logging.getLogger(__name__)

#: Rules the service layer adds to released versions whose files say it checks them
#: (released before the file format could state them; later versions state them in the
#: file). Keyed by id, version and content hash: another file with the same id and version,
#: in another questionnaires folder, gets none.
ADDED_RULES: dict[tuple[str, int, str], tuple[NotBefore, ...]] = {
    ("delivery-return", 1, "1ddde65b5b3d259a0fc97053478726c92e4088ec4cc1556d6dddea211f49d415"): (
        NotBefore(
            "period_end",
            "period_start",
            "The date this reporting period ends must be the same as or after the date it starts",
        ),
    ),
}


def with_added_rules(reg: Registry) -> Registry:
    """The registry with :data:`ADDED_RULES` applied to the versions they name."""
    return Registry(
        add_not_before(q, ADDED_RULES.get((q.id, q.version, q.content_hash), ())) for q in reg
    )


class ReleasedVersionEdited(RuntimeError):
    """A released questionnaire file no longer matches the content that was released."""


@dataclass(frozen=True)
class SyncResult:
    added: list[str]
    unchanged: list[str]


def load_registry_into(app: Flask) -> None:
    directory = Path(app.config["SVCOLLECT_QUESTIONNAIRE_DIR"])
    registry = with_added_rules(load_directory(directory, scorer_names()))
    app.extensions[REGISTRY_KEY] = registry
    with app.app_context():
        try:
            problems = edited_releases(registry) if _release_table_exists() else []
        except OperationalError as error:
            # Start anyway so the service recovers when the database returns; sync and
            # every new response check the hash again.
            log.warning("could not check released questionnaire versions: %s", error.orig)
            return
        if problems:
            raise ReleasedVersionEdited("\n".join(problems))


def registry() -> Registry:
    reg: Registry = current_app.extensions[REGISTRY_KEY]
    return reg


def questionnaire_for(version: QuestionnaireVersion) -> Questionnaire:
    """The loaded questionnaire for a released version; refuses if the file has changed."""
    questionnaire = registry().get(version.questionnaire_id, version.version)
    if questionnaire.content_hash != version.content_hash:
        raise ReleasedVersionEdited(_edited_message(questionnaire, version))
    return questionnaire


def _release_table_exists() -> bool:
    return inspect(db.engine).has_table(QuestionnaireVersion.__tablename__)


def _edited_message(q: Questionnaire, released: QuestionnaireVersion) -> str:
    return (
        f"{q.path}: {q.id} version {q.version} was released on "
        f"{released.released_at:%Y-%m-%d} with content hash {released.content_hash[:12]}, "
        f"but the file now hashes to {q.content_hash[:12]}. Released versions are never "
        f"edited: restore the file and put the change in v{q.version + 1}.yaml instead."
    )


def edited_releases(reg: Registry) -> list[str]:
    released = {
        (row.questionnaire_id, row.version): row
        for row in db.session.scalars(select(QuestionnaireVersion))
    }
    problems = []
    for q in reg:
        row = released.get((q.id, q.version))
        if row is not None and row.content_hash != q.content_hash:
            problems.append(_edited_message(q, row))
    return problems


def sync_releases(reg: Registry) -> SyncResult:
    """Record every (id, version) not yet released; refuse if a released file changed."""
    problems = edited_releases(reg)
    if problems:
        raise ReleasedVersionEdited("\n".join(problems))
    released = {
        (row.questionnaire_id, row.version)
        for row in db.session.scalars(select(QuestionnaireVersion))
    }
    added, unchanged = [], []
    for q in reg:
        key = f"{q.id}/v{q.version}"
        if (q.id, q.version) in released:
            unchanged.append(key)
            continue
        db.session.add(
            QuestionnaireVersion(
                questionnaire_id=q.id, version=q.version, content_hash=q.content_hash, title=q.title
            )
        )
        added.append(key)
    db.session.commit()
    return SyncResult(added=added, unchanged=unchanged)


def released_version(questionnaire_id: str, version: int) -> QuestionnaireVersion | None:
    return db.session.scalar(
        select(QuestionnaireVersion).filter_by(questionnaire_id=questionnaire_id, version=version)
    )
