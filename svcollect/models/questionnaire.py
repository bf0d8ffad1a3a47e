"""Released questionnaire versions: (id, version) with the content hash that was released."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from svcollect.extensions import db
from svcollect.models._types import UTCDateTime, utcnow


class QuestionnaireVersion(db.Model):  # type: ignore[name-defined]
    __tablename__ = "questionnaire_version"
    __table_args__ = (UniqueConstraint("questionnaire_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the id in the file and folder name, e.g. "wemwbs"
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    #: N of vN.yaml
    version: Mapped[int] = mapped_column(Integer)
    #: sha256 of the canonical content when released; a changed file is refused
    content_hash: Mapped[str] = mapped_column(String(64))
    #: title at release, for lists
    title: Mapped[str] = mapped_column(String(300))
    #: when `svcollect questionnaires sync` first recorded it
    released_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def key(self) -> str:
        return f"{self.questionnaire_id}/v{self.version}"
