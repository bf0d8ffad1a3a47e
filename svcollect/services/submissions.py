"""One save per staff form, however often it is sent (models.FormSubmission).

`claim` is called once the form has validated, before the view saves anything, and in the
same transaction. The first POST with a key claims it and goes on; a repeat, whether it
comes after the first has committed or at the same moment, is told where the first went.
Two claims of one key at once meet at the unique constraint: the database makes the
second wait for the first and then refuses it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from svcollect.extensions import db
from svcollect.models import FormSubmission, User
from svcollect.models._types import utcnow

#: how long a claim is kept: far longer than any double click or resent form
KEPT_FOR = timedelta(days=1)
#: the longest key stored (forms.base.OnceForm makes 32-character ones)
KEY_LENGTH = 64


def claim(user: User, key: str | None, endpoint: str, repeat_goes_to: str) -> str | None:
    """None when this POST is the first with `key` (claimed now: save and commit); else
    the page the first went to. A POST without a key (an old page), or with one that is
    not ours (longer than any we make), is never a repeat."""
    if not key or len(key) > KEY_LENGTH:
        return None
    earlier = _claim_of(user.id, key)
    if earlier is not None:
        return earlier
    # This user's old claims go as they make new ones: no housekeeping job is needed.
    db.session.execute(
        delete(FormSubmission).where(
            FormSubmission.user_id == user.id, FormSubmission.created_at < utcnow() - KEPT_FOR
        )
    )
    db.session.add(
        FormSubmission(user_id=user.id, key=key, endpoint=endpoint, repeat_goes_to=repeat_goes_to)
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return _claim_of(user.id, key) or repeat_goes_to
    return None


def send_repeats_to(user: User, key: str | None, url: str) -> None:
    """Once the first submission has saved what it made: its repeats go to `url` (the
    page of the thing made, unknown when the key was claimed). Committed."""
    if not key or len(key) > KEY_LENGTH:
        return
    db.session.execute(
        update(FormSubmission).filter_by(user_id=user.id, key=key).values(repeat_goes_to=url)
    )
    db.session.commit()


def _claim_of(user_id: int, key: str) -> str | None:
    return db.session.scalar(
        select(FormSubmission.repeat_goes_to).filter_by(user_id=user_id, key=key)
    )
