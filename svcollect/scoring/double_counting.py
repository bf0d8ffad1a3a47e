"""Refuse double counting: one valuation route per wellbeing change; one count per person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import combinations

import pandas as pd

from svcollect.scoring.grades import GRADE_ORDER, ORGANISATION_GRADES
from svcollect.scoring.suppression import Stat, SuppressionPolicy, measure_stat


class Route(StrEnum):
    """How a figure values an outcome."""

    WELLBY = "wellby"  # life-satisfaction change x value per WELLBY
    WELLBEING_SCALE = "band_movement"  # a WEMWBS/SWEMWBS-based value (e.g. a mental wellbeing bank)
    OUTCOME_VALUE = "outcome_value"  # a wellbeing-valued outcome (e.g. a social value bank)
    COUNTED = "counted_outcome"  # a counted delivery outcome valued per unit


WELLBEING_ROUTES = frozenset({Route.WELLBY, Route.WELLBEING_SCALE, Route.OUTCOME_VALUE})
ROUTE_NAMES = {
    Route.WELLBY: "life-satisfaction WELLBY",
    Route.WELLBEING_SCALE: "WEMWBS-based value",
    Route.OUTCOME_VALUE: "wellbeing outcome value",
    Route.COUNTED: "counted outcome value",
}


class DoubleCountingError(ValueError):
    """Proposed valuations would count the same change more than once."""

    def __init__(self, conflicts: Sequence[DoubleCount]) -> None:
        self.conflicts = tuple(conflicts)
        super().__init__(" ".join(c.explanation for c in self.conflicts))


@dataclass(frozen=True)
class ProposedValuation:
    """A figure someone wants to report: which people, which period, which route.

    ``population`` names the group (e.g. a collection or cohort id); two proposals cover the
    same people if they name the same population or share a respondent code.
    """

    label: str
    route: Route
    population: str
    period_start: date
    period_end: date
    outcome: str
    respondent_codes: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise ValueError(f"{self.label}: the period ends before it starts")
        object.__setattr__(self, "route", Route(self.route))


@dataclass(frozen=True)
class DoubleCount:
    first: ProposedValuation
    second: ProposedValuation
    explanation: str


def _same_people(a: ProposedValuation, b: ProposedValuation) -> str | None:
    if a.population == b.population:
        return f"both cover {a.population}"
    shared = len(a.respondent_codes & b.respondent_codes)
    if shared:
        return f"{shared} respondent code(s) appear in both"
    return None


def _overlap(a: ProposedValuation, b: ProposedValuation) -> bool:
    return a.period_start <= b.period_end and b.period_start <= a.period_end


def _explain(a: ProposedValuation, b: ProposedValuation, people: str) -> str | None:
    if a.route in WELLBEING_ROUTES and b.route in WELLBEING_ROUTES:
        text = (
            f"'{a.label}' ({ROUTE_NAMES[a.route]}) and '{b.label}' ({ROUTE_NAMES[b.route]}) would "
            f"both value the same people's wellbeing change in overlapping periods ({people}). "
            "One person's wellbeing change in one period is valued by one route only: keep one "
            "of these figures."
        )
        if {a.route, b.route} == {Route.WELLBEING_SCALE, Route.OUTCOME_VALUE}:
            text += (
                " Outcome values from a wellbeing value bank already include the mental "
                "wellbeing effect, so a WEMWBS-based value cannot be added to them."
            )
        return text
    if a.route == b.route == Route.COUNTED and a.outcome == b.outcome:
        return (
            f"'{a.label}' and '{b.label}' would count outcome {a.outcome} twice for the same "
            f"people in overlapping periods ({people}): keep one of these figures."
        )
    return None


def find_double_counting(proposals: Sequence[ProposedValuation]) -> list[DoubleCount]:
    """Every pair of proposals that would value one change twice, with an explanation."""
    conflicts = []
    for a, b in combinations(proposals, 2):
        people = _same_people(a, b)
        if people is None or not _overlap(a, b):
            continue
        explanation = _explain(a, b, people)
        if explanation:
            conflicts.append(DoubleCount(a, b, explanation))
    return conflicts


def check_no_double_counting(proposals: Sequence[ProposedValuation]) -> None:
    """Raise DoubleCountingError (with every explanation) if any change is valued twice."""
    conflicts = find_double_counting(proposals)
    if conflicts:
        raise DoubleCountingError(conflicts)


PORTFOLIO_COLUMNS = ("contract_id", "contract_start", "respondent", "low", "central", "high")


@dataclass(frozen=True, eq=False)
class PortfolioTotal:
    """Portfolio totals after counting each respondent code once, split by evidence grade."""

    kept: pd.DataFrame
    n_dropped: int
    dropped_by_contract: dict[str, int]
    totals: dict[str, dict[str, Stat]]
    rule: str

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "n_dropped": self.n_dropped,
            "dropped_by_contract": self.dropped_by_contract,
            "totals": {
                grade: {k: s.to_dict() for k, s in levels.items()}
                for grade, levels in self.totals.items()
            },
        }


RULE = (
    "A respondent code counted in more than one contract is kept only in the contract that "
    "started first (then the lowest contract id); rows without a code cannot be matched and "
    "are all kept."
)


def deduplicate_portfolio(
    contributions: pd.DataFrame, *, policy: SuppressionPolicy | None = None
) -> PortfolioTotal:
    """Count each respondent code once across contracts and total low/central/high by grade.

    ``contributions``: one row per person per contract figure, with columns contract_id,
    contract_start, respondent, low, central, high and optionally evidence_grade and
    people. A row without a code stands for ``people`` people (1 if absent), for example a
    total kept after the answers behind it were deleted.
    Respondent codes only match if contracts share one coding scheme for people.
    """
    policy = policy or SuppressionPolicy()
    missing = [c for c in PORTFOLIO_COLUMNS if c not in contributions.columns]
    if missing:
        raise ValueError(f"contributions are missing column(s): {', '.join(missing)}")
    frame = contributions.copy()
    if "evidence_grade" not in frame.columns:
        frame["evidence_grade"] = GRADE_ORDER[0].value
    frame["contract_id"] = frame["contract_id"].astype(str)
    frame = frame.sort_values(["contract_start", "contract_id"], kind="stable")
    has_code = frame["respondent"].notna()
    first = frame[has_code].groupby("respondent", sort=False)["contract_id"].transform("first")
    keep = ~has_code.copy()
    keep[has_code] = frame.loc[has_code, "contract_id"] == first
    dropped = frame[~keep]
    kept = frame[keep].reset_index(drop=True)
    totals: dict[str, dict[str, Stat]] = {}
    for grade, group in kept.groupby("evidence_grade", sort=True):
        uncoded = group[group["respondent"].isna()]
        weights = uncoded["people"].fillna(1) if "people" in group.columns else None
        n_people = int(group["respondent"].nunique()) + (
            int(weights.sum()) if weights is not None else len(uncoded)
        )
        # Declarations' figures count organisations' returns, not people: shown as the
        # contract's dashboard shows them, not suppressed as a figure on fewer than k people.
        organisations = str(grade) in ORGANISATION_GRADES
        totals[str(grade)] = {
            k: Stat(float(group[k].sum()), n_people)
            if organisations
            else measure_stat(float(group[k].sum()), n_people, policy)
            for k in ("low", "central", "high")
        }
    counts = dropped["contract_id"].value_counts()
    return PortfolioTotal(
        kept=kept,
        n_dropped=len(dropped),
        dropped_by_contract={str(c): int(counts[c]) for c in sorted(counts.index)},
        totals=totals,
        rule=RULE,
    )
