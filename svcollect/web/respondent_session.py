"""What a respondent's browser session remembers, and nothing more.

For each collection, the key of the consent form that started a response in this browser;
and a keyed hash of each response link deleted from here. The survey and invitation links
lead back to a response only in the browser that started it, and a repeated deletion finds
its confirmation. It never holds a resume key or an answer.
"""

from __future__ import annotations

from flask import session

from svcollect.models import Response
from svcollect.services import responses as svc

#: [[collection id, consent form key], ...], newest last: the responses started here
_STARTED = "respondent_started"
#: keyed hashes of the resume keys of responses deleted from here, newest last
_WITHDRAWN = "respondent_withdrawn"
#: enough for anyone's surveys, and a cookie that stays small
_KEEP = 10


def started_here(collection_id: int) -> str | None:
    """The key of the consent form that started a response to this collection here."""
    for started, form_key in session.get(_STARTED, ()):
        if started == collection_id:
            return str(form_key)
    return None


def remember_start(collection_id: int, form_key: str) -> None:
    if started_here(collection_id) == form_key:
        return  # a repeat: the cookie is not written again
    kept = [entry for entry in session.get(_STARTED, ()) if entry[0] != collection_id]
    session[_STARTED] = [*kept, [collection_id, form_key]][-_KEEP:]


def started_in_this_browser(response: Response) -> bool:
    form_key = started_here(response.collection_id)
    return form_key is not None and svc.started_with(response, form_key)


def remember_withdrawal(key: str, collection_id: int, from_here: bool) -> None:
    """After `withdraw_own`: forget the start (if it was made here, ``from_here``); keep only
    the link's mark, which finds nothing."""
    if from_here:
        session[_STARTED] = [e for e in session.get(_STARTED, ()) if e[0] != collection_id]
    mark = svc.link_mark(key)
    session[_WITHDRAWN] = [*(m for m in session.get(_WITHDRAWN, ()) if m != mark), mark][-_KEEP:]


def withdrawn_here(key: str) -> bool:
    return svc.link_mark(key) in session.get(_WITHDRAWN, ())
