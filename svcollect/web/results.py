"""Contract results for contract managers, and the methodology every figure follows."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from svcollect.scoring.formula import FORMULA
from svcollect.scoring.measures import known_measures, measure_defaults
from svcollect.services import collections as collections_svc
from svcollect.services import contracts as contracts_svc
from svcollect.services.results import results_of
from svcollect.web.access import found_or_404, role_required

bp = Blueprint("results", __name__)


@bp.route("/manage/contracts/<int:contract_id>/results")
@role_required("admin", "contract_manager")
def contract_results(contract_id: int) -> Any:
    contract = found_or_404(contracts_svc.contract_for(current_user, contract_id))
    results = results_of(contract, current_user)
    return render_template(
        "results/contract.html",
        contract=contract,
        results=results,
        data=results.to_dict(),
        # headings name collections as the manager did, not by their ids
        collections={c.id: c for c in collections_svc.collections_of(contract)},
    )


@bp.route("/methodology")
def methodology() -> str:
    return render_template(
        "results/methodology.html",
        formula=FORMULA,
        measures=[measure_defaults(name) for name in sorted(known_measures())],
    )
