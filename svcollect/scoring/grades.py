"""Evidence grades carried by every figure, and totals split by grade."""

from __future__ import annotations

from enum import StrEnum


class EvidenceGrade(StrEnum):
    """How strong the evidence behind a figure is, strongest first."""

    PAIRED_SURVEY = "paired survey"
    UNPAIRED_SURVEY = "unpaired survey"
    ACCEPTED_DECLARATION = "supplier declaration accepted on evidence"
    DECLARED = "declared, not yet accepted"


GRADE_ORDER: tuple[EvidenceGrade, ...] = tuple(EvidenceGrade)


#: grades of figures from suppliers' declarations: their n counts organisations' returns,
#: not people, so the small-number rule for people does not apply to them
ORGANISATION_GRADES = frozenset(
    {EvidenceGrade.ACCEPTED_DECLARATION.value, EvidenceGrade.DECLARED.value}
)
