"""Contract managers' pages (one blueprint, "manage"), a module for each part:

- `contracts`: the list, adding a contract, its page, changing its terms, its suppliers;
- `commitments`: commitments made at bid, added, changed and removed;
- `withdrawals`: deleting a respondent's answers when they withdraw;
- `collections`: opening, watching and closing collections, invitations, the licence.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.extensions import db
from svcollect.models import Organisation
from svcollect.services import contracts as contracts_svc
from svcollect.web.access import found_or_404

bp = Blueprint("manage", __name__, url_prefix="/manage")
MANAGERS = ("admin", "contract_manager")
Rendered = str | WerkzeugResponse | tuple[str, int]


def organisations_of(*kinds: str) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.kind.in_(kinds)).order_by(Organisation.name)
        )
    )


def managed_contract(contract_id: int) -> Any:
    return found_or_404(contracts_svc.contract_for(current_user, contract_id))


# The views register themselves on `bp` when imported.
from svcollect.web.manage import collections, commitments, contracts, withdrawals  # noqa: E402

__all__ = ["bp", "collections", "commitments", "contracts", "withdrawals"]
