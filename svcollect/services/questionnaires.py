"""Questionnaire registry for the app, and release records: a released version is never edited."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError

from svcollect.extensions import db
from svcollect.models import Collection, Contract, QuestionnaireVersion
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
    """A released questionnaire file no longer matches the content that was released
    (edited, or, as :class:`ReleasedVersionMissing`, removed or renamed)."""


class ReleasedVersionMissing(ReleasedVersionEdited):
    """A released version that collections use has no file in the questionnaires folder."""


class QuestionnaireUnavailable(LookupError):
    """A page needs a released version that is not loaded: its file is missing.

    Start-up refuses that when it can read the database; this is for when it could not.
    """

    def __init__(self, questionnaire_id: str, version: int) -> None:
        super().__init__(f"questionnaire {questionnaire_id} version {version} is not loaded")
        self.questionnaire_id = questionnaire_id
        self.version = version


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
            if _release_table_exists():  # a fresh database has nothing released yet
                _refuse_changed_releases(registry)
        except OperationalError as error:
            # Start anyway so the service recovers when the database returns; sync and
            # every new response check the hash again, and a page needing a missing file
            # says the questionnaire is unavailable.
            log.warning("could not check released questionnaire versions: %s", error.orig)


def registry() -> Registry:
    reg: Registry = current_app.extensions[REGISTRY_KEY]
    return reg


def questionnaire_for(version: QuestionnaireVersion) -> Questionnaire:
    """The loaded questionnaire for a released version; refuses if the file has changed."""
    try:
        questionnaire = registry().get(version.questionnaire_id, version.version)
    except KeyError:
        raise QuestionnaireUnavailable(version.questionnaire_id, version.version) from None
    if questionnaire.content_hash != version.content_hash:
        raise ReleasedVersionEdited(_edited_message(questionnaire, version))
    return questionnaire


def is_loaded(version: QuestionnaireVersion) -> bool:
    """Whether a released version's file is loaded (a missing one cannot be used)."""
    return (version.questionnaire_id, version.version) in registry()


def _release_table_exists() -> bool:
    return inspect(db.engine).has_table(QuestionnaireVersion.__tablename__)


def _edited_message(q: Questionnaire, released: QuestionnaireVersion) -> str:
    return (
        f"{q.path}: {q.id} version {q.version} was released on "
        f"{released.released_at:%Y-%m-%d} with content hash {released.content_hash[:12]}, "
        f"but the file now hashes to {q.content_hash[:12]}. Released versions are never "
        f"edited: restore the file and put the change in v{q.version + 1}.yaml instead."
    )


def _released() -> list[QuestionnaireVersion]:
    return list(db.session.scalars(select(QuestionnaireVersion)))


def edited_releases(reg: Registry, released: list[QuestionnaireVersion] | None = None) -> list[str]:
    """A message for each released version whose file now has other content."""
    rows = released if released is not None else _released()
    by_key = {(row.questionnaire_id, row.version): row for row in rows}
    problems = []
    for q in reg:
        row = by_key.get((q.id, q.version))
        if row is not None and row.content_hash != q.content_hash:
            problems.append(_edited_message(q, row))
    return problems


def missing_releases(
    reg: Registry, released: list[QuestionnaireVersion] | None = None
) -> list[str]:
    """A message for each released version that collections use but has no file.

    Pages would fail for those collections. A released version no collection uses is
    only logged: it cannot be chosen for a new collection while its file is missing.
    The released versions are one query (or given); the collections are read only when
    a file is missing.
    """
    rows = released if released is not None else _released()
    gone = {row.id: row for row in rows if (row.questionnaire_id, row.version) not in reg}
    if not gone:
        return []
    users: dict[int, list[tuple[int, str, str]]] = {}
    for collection_id, label, reference, version_id in db.session.execute(
        select(
            Collection.id, Collection.label, Contract.reference, Collection.questionnaire_version_id
        )
        .join(Contract, Collection.contract_id == Contract.id)
        .where(Collection.questionnaire_version_id.in_(list(gone)))
        .order_by(Collection.id)
    ):
        users.setdefault(version_id, []).append((collection_id, label, reference))
    folder = Path(current_app.config["SVCOLLECT_QUESTIONNAIRE_DIR"])
    problems = []
    for version_id, row in sorted(gone.items(), key=lambda item: item[1].key):
        file = folder / row.questionnaire_id / f"v{row.version}.yaml"
        if version_id not in users:
            log.warning(
                "%s: %s version %d was released but its file is missing; no collection uses it",
                file,
                row.questionnaire_id,
                row.version,
            )
            continue
        problems.append(_missing_message(row, file, users[version_id]))
    return problems


#: Most collections a message names; the rest are counted.
_NAMED_COLLECTIONS = 10


def _missing_message(
    row: QuestionnaireVersion, file: Path, users: list[tuple[int, str, str]]
) -> str:
    named = "; ".join(
        f"collection {cid} '{label}' (contract {reference})"
        for cid, label, reference in users[:_NAMED_COLLECTIONS]
    )
    if len(users) > _NAMED_COLLECTIONS:
        named += f"; and {len(users) - _NAMED_COLLECTIONS} more"
    count = "1 collection uses" if len(users) == 1 else f"{len(users)} collections use"
    return (
        f"{file}: {row.questionnaire_id} version {row.version} was released on "
        f"{row.released_at:%Y-%m-%d} and {count} it, but there is no file for it: "
        f"{named}. Restore {row.questionnaire_id}/v{row.version}.yaml exactly as it was "
        f"released (for example from version control), with version: {row.version} in it. "
        "A released version is never removed or renamed: put any change in a new version."
    )


def _refuse_changed_releases(reg: Registry) -> list[QuestionnaireVersion]:
    """The released versions (one query); raise if a file was edited or, where collections
    use it, removed."""
    released = _released()
    missing = missing_releases(reg, released)
    problems = edited_releases(reg, released) + missing
    if missing:
        raise ReleasedVersionMissing("\n".join(problems))
    if problems:
        raise ReleasedVersionEdited("\n".join(problems))
    return released


def sync_releases(reg: Registry) -> SyncResult:
    """Record every (id, version) not yet released; refuse if a released file changed, or
    one that collections use is missing."""
    released = {(row.questionnaire_id, row.version) for row in _refuse_changed_releases(reg)}
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
