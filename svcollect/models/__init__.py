"""SQLAlchemy models, one module per aggregate; imported here so Alembic sees them all."""

from svcollect.models.account import FormSubmission, User
from svcollect.models.audit import AuditEvent
from svcollect.models.collection import Collection, Invitation, InvitationBatch
from svcollect.models.contract import (
    Commitment,
    Contract,
    ContractOutcome,
    ContractSupplier,
    Organisation,
)
from svcollect.models.declaration import Declaration, StandardEvent
from svcollect.models.evidence import EvidenceFile
from svcollect.models.jobs import ExportJob, ImportBatch, ImportJob
from svcollect.models.questionnaire import QuestionnaireVersion
from svcollect.models.response import Answer, Respondent, Response
from svcollect.models.retention import AnswerDeletion
from svcollect.models.valuation import (
    AssumptionSet,
    ResultSnapshot,
    ValuationRoute,
    ValueTable,
    ValueTableEntry,
)

__all__ = [
    "Answer",
    "AnswerDeletion",
    "AssumptionSet",
    "AuditEvent",
    "Collection",
    "Commitment",
    "Contract",
    "ContractOutcome",
    "ContractSupplier",
    "Declaration",
    "EvidenceFile",
    "ExportJob",
    "FormSubmission",
    "ImportBatch",
    "ImportJob",
    "Invitation",
    "InvitationBatch",
    "Organisation",
    "QuestionnaireVersion",
    "Respondent",
    "Response",
    "ResultSnapshot",
    "StandardEvent",
    "User",
    "ValuationRoute",
    "ValueTable",
    "ValueTableEntry",
]
