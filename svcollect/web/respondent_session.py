"""What a respondent's browser session remembers, and nothing more.

For each collection, the key of the consent form that started a response in this browser
and when its respondent last saved; and a keyed hash of each response link deleted from
here. The survey and invitation links
lead back to a response only in the browser that started it, and a repeated deletion finds
its confirmation. It never holds a resume key or an answer.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, session

from svcollect.models import Response
from svcollect.services import responses as svc

#: [[collection id, consent form key, last save (Unix time)], ...], newest last: the
#: responses started here
_STARTED = "respondent_started"
#: keyed hashes of the resume keys of responses deleted from here, newest last
_WITHDRAWN = "respondent_withdrawn"
#: enough for anyone's surveys, and a cookie that stays small
_KEEP = 10


def started_here(collection_id: int) -> str | None:
    """The key of the consent form that started a response to this collection here."""
    entry = _entry(collection_id)
    return str(entry[1]) if entry else None


def recently_active_here(collection_id: int) -> str | None:
    """`started_here`, if its respondent saved within the last
    SVCOLLECT_CONTINUE_OFFER_MINUTES: at a shared computer, the next person to open the
    survey link must not be offered the last person's answers."""
    entry = _entry(collection_id)
    if entry is None or len(entry) < 3:
        return None  # remembered before saves were timed: treated as long ago
    idle = time.time() - float(entry[2])
    if idle > current_app.config["SVCOLLECT_CONTINUE_OFFER_MINUTES"] * 60:
        return None
    return str(entry[1])


def _entry(collection_id: int) -> list[Any] | None:
    for entry in session.get(_STARTED, ()):
        if entry[0] == collection_id:
            return list(entry)
    return None


def remember_start(collection_id: int, form_key: str) -> None:
    """Remember the start (also called when the respondent saves: the time is updated)."""
    kept = [entry for entry in session.get(_STARTED, ()) if entry[0] != collection_id]
    session[_STARTED] = [*kept, [collection_id, form_key, int(time.time())]][-_KEEP:]


def saved_here(response: Response) -> None:
    """The respondent saved a page: if this browser started the response, note the time.

    Only once a tenth of the offer's time has passed since the last note, so answering a
    survey rewrites the cookie a handful of times at most, not on every page."""
    entry = _entry(response.collection_id)
    if entry is None:
        return
    every = current_app.config["SVCOLLECT_CONTINUE_OFFER_MINUTES"] * 6
    if len(entry) >= 3 and time.time() - float(entry[2]) < every:
        return
    form_key = str(entry[1])
    if svc.started_with(response, form_key):
        remember_start(response.collection_id, form_key)


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
