"""Recording to the append-only audit log: who did what, to which object, when."""

from __future__ import annotations

import json
from typing import Any

from svcollect.extensions import db
from svcollect.models import AuditEvent, User


def record(
    action: str,
    *,
    actor: User | None = None,
    obj: Any = None,
    organisation_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit makes it permanent with the change."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        object_type=type(obj).__tablename__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        organisation_id=organisation_id,
        detail=json.dumps(detail, default=str, sort_keys=True),
    )
    db.session.add(event)
    return event
