"""A buying organisation's portfolio: its contracts' results, each respondent counted once."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from flask import current_app

from svcollect.models import Contract, User
from svcollect.scoring.double_counting import PortfolioTotal, deduplicate_portfolio
from svcollect.scoring.suppression import SuppressionPolicy, total_of
from svcollect.scoring.valuation import LEVELS
from svcollect.services.contracts import visible_contracts
from svcollect.services.results import ContractResults, KeptResults, results_of


@dataclass(frozen=True)
class Portfolio:
    results: list[ContractResults | KeptResults]
    total: PortfolioTotal


def _kept_contributions(results: KeptResults) -> pd.DataFrame:
    """A kept contract's totals, one row per grade: no per-person figures survive deletion.

    A total that was withheld is left out (its figure was never kept), so the portfolio
    can only be smaller than the sum of what each contract's page shows, never larger.
    """
    rows = []
    for grade, levels in results.data.get("totals_by_grade", {}).items():
        if any(levels[k]["value"] is None for k in ("low", "central", "high")):
            continue
        rows.append(
            {
                "respondent": None,
                **{k: float(levels[k]["value"]) for k in ("low", "central", "high")},
                "people": int(levels["central"]["n"] or 1),
                "evidence_grade": grade,
                "contract_id": results.contract.id,
                "contract_start": pd.Timestamp(results.contract.starts_on),
            }
        )
    return pd.DataFrame(rows)


def _contributions(results: ContractResults | KeptResults) -> pd.DataFrame:
    """Per person (or unit) per figure, with the contract it belongs to.

    A grade whose total the contract's own pages withhold adds nothing, as for kept
    results: added in, it would be the portfolio total minus what the other contracts show.
    """
    if isinstance(results, KeptResults):
        return _kept_contributions(results)
    grades = {v.evidence_grade.value for v in results.valuations}
    withheld = {
        grade
        for grade in grades
        if any(
            total_of(
                [v.total[k] for v in results.valuations if v.evidence_grade.value == grade]
            ).value
            is None
            for k in LEVELS
        )
    }
    frames = []
    contract: Contract = results.contract
    for valuation in results.valuations:
        if valuation.evidence_grade.value in withheld:
            continue
        if valuation.contributions is not None and len(valuation.contributions):
            frame = valuation.contributions.copy()
        else:
            # Counted outcomes describe units, not people: one row with no code.
            frame = pd.DataFrame(
                {
                    "respondent": [None],
                    **{k: [valuation.total[k].raw or 0.0] for k in ("low", "central", "high")},
                }
            )
        frame["evidence_grade"] = valuation.evidence_grade.value
        frame["contract_id"] = contract.id
        frame["contract_start"] = pd.Timestamp(contract.starts_on)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def portfolio(user: User) -> Portfolio:
    """Results of every contract the user may see, and a total counting each code once.

    Respondent codes are salted per contract, so people match across contracts only where
    contracts share a salt (for example a contract re-let to continue the same cohort).
    A contract whose answers were deleted after retention adds its kept totals unmatched.
    """
    policy = SuppressionPolicy(k=current_app.config["SVCOLLECT_SUPPRESSION_MIN_N"])
    results = [results_of(contract, user) for contract in visible_contracts(user)]
    parts = [_contributions(r) for r in results]
    columns = ["contract_id", "contract_start", "respondent", "low", "central", "high"]
    frame = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=[*columns, "evidence_grade"])
    )
    return Portfolio(results, deduplicate_portfolio(frame, policy=policy))
