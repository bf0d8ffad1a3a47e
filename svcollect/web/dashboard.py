"""Dashboards for contract managers: one contract's figures, and their organisation's portfolio."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from svcollect.services import contracts as contracts_svc
from svcollect.services import dashboard as dashboard_svc
from svcollect.web.access import found_or_404, role_required

bp = Blueprint("dashboard", __name__)
MANAGERS = ("admin", "contract_manager")


@bp.route("/manage/contracts/<int:contract_id>/dashboard")
@role_required(*MANAGERS)
def contract(contract_id: int) -> str:
    contract = found_or_404(contracts_svc.contract_for(current_user, contract_id))
    return render_template(
        "dashboard/contract.html",
        board=dashboard_svc.contract_dashboard(contract, viewer=current_user),
    )


@bp.route("/manage/portfolio")
@role_required(*MANAGERS)
def portfolio() -> str:
    organisation = current_user.organisation
    return render_template(
        "dashboard/portfolio.html",
        board=dashboard_svc.portfolio_dashboard(current_user),
        organisation=organisation,
    )
