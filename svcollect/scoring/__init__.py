"""Pure scoring: instrument scorers, outcome change, suppression, valuation and value tables."""

from svcollect.scoring.adherence import Proportion, mhaw_adherence
from svcollect.scoring.assumptions import (
    InvalidAssumptionsError,
    ValuationAssumptions,
    validate_assumptions,
)
from svcollect.scoring.change import CohortComparison, OutcomeChange, PairedChange, outcome_change
from svcollect.scoring.deflators import (
    DeflatorSeries,
    UnknownPriceYearError,
    deflator_series,
    shipped_series,
)
from svcollect.scoring.delivery import delivery_totals
from svcollect.scoring.double_counting import (
    DoubleCount,
    DoubleCountingError,
    PortfolioTotal,
    ProposedValuation,
    Route,
    check_no_double_counting,
    deduplicate_portfolio,
    find_double_counting,
)
from svcollect.scoring.grades import EvidenceGrade
from svcollect.scoring.registry import (
    Scorer,
    UnknownScorerError,
    get_scorer,
    register,
    scorer_names,
)
from svcollect.scoring.results import MeasureSpec, ScoreResult
from svcollect.scoring.suppression import Distribution, Stat, SuppressionPolicy
from svcollect.scoring.totals import totals_by_grade
from svcollect.scoring.valuation import (
    Valuation,
    value_band_movement,
    value_counted_outcome,
    value_wellby,
    wellby_per_person,
    wellby_value,
)
from svcollect.scoring.value_tables import (
    ValueTable,
    ValueTableEntry,
    ValueTableError,
    validate_table,
)

__all__ = [
    "CohortComparison",
    "DeflatorSeries",
    "Distribution",
    "DoubleCount",
    "DoubleCountingError",
    "EvidenceGrade",
    "InvalidAssumptionsError",
    "MeasureSpec",
    "OutcomeChange",
    "PairedChange",
    "PortfolioTotal",
    "Proportion",
    "ProposedValuation",
    "Route",
    "ScoreResult",
    "Scorer",
    "Stat",
    "SuppressionPolicy",
    "UnknownPriceYearError",
    "UnknownScorerError",
    "Valuation",
    "ValuationAssumptions",
    "ValueTable",
    "ValueTableEntry",
    "ValueTableError",
    "check_no_double_counting",
    "deduplicate_portfolio",
    "deflator_series",
    "delivery_totals",
    "find_double_counting",
    "get_scorer",
    "mhaw_adherence",
    "outcome_change",
    "register",
    "scorer_names",
    "shipped_series",
    "totals_by_grade",
    "validate_assumptions",
    "validate_table",
    "value_band_movement",
    "value_counted_outcome",
    "value_wellby",
    "wellby_per_person",
    "wellby_value",
]
