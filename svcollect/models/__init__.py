"""SQLAlchemy models, one module per aggregate; imported here so Alembic sees them all."""

from svcollect.models.collection import Collection, Invitation
from svcollect.models.contract import Contract, Organisation
from svcollect.models.evidence import EvidenceFile
from svcollect.models.questionnaire import QuestionnaireVersion
from svcollect.models.response import Answer, Response

__all__ = [
    "Answer",
    "Collection",
    "Contract",
    "EvidenceFile",
    "Invitation",
    "Organisation",
    "QuestionnaireVersion",
    "Response",
]
