"""Template globals and filters: dates in GOV.UK style, locale, question rendering params."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, session
from flask_babel import get_locale, gettext
from flask_login import current_user

from svcollect import i18n
from svcollect.charts.figure import money, with_unit
from svcollect.forms.render import error_href, question_params
from svcollect.forms.widgets import component
from svcollect.i18n import format_date
from svcollect.models._types import UK


def long_date(value: datetime | None) -> str:
    """ "2 March 2026" (UK time), with the month in the page's language."""
    if value is None:
        return ""
    return format_date(value.astimezone(UK).date(), "d MMMM y")


def long_datetime(value: datetime | None) -> str:
    """ "2 March 2026 at 3pm" or "… at 3:30pm" (GOV.UK style, UK time), translated."""
    if value is None:
        return ""
    local = value.astimezone(UK)
    hour = local.strftime("%-I:%M").replace(":00", "")
    # Through svcollect.i18n, not Flask-Babel: the same words in a request's language, and
    # in English outside one, as charts and the command line show dates.
    if local.hour < 12:
        # TRANSLATORS: a morning time on the 12-hour clock: "9:30am", "12:05am"
        time = i18n.gettext("%(hour)sam", hour=hour)
    else:
        # TRANSLATORS: an afternoon or evening time on the 12-hour clock: "3pm", "12pm"
        time = i18n.gettext("%(hour)spm", hour=hour)
    # TRANSLATORS: "2 March 2026 at 3pm"
    return i18n.gettext("%(date)s at %(time)s", date=long_date(value), time=time)


def content(text: str | None) -> str:
    """Questionnaire content, translated if a catalogue has it. Unlike `_` in templates it
    does no %-formatting, so a "%" in a question cannot break the page."""
    return gettext(text) if text else ""


def people_count(n: int | None, k: int | None = None) -> str:
    """A count of respondents as shown to staff: small counts are not shown exactly.

    `k` is the threshold the figures were computed with (results kept from before a
    change of setting carry their own); by default the one set now. The words are
    translated; `scoring.suppression.people_count` writes the same for files and the CLI.
    """
    if n is None:
        return "–"
    k = k if k is not None else int(current_app.config["SVCOLLECT_SUPPRESSION_MIN_N"])
    if 0 < n < k:
        return gettext("fewer than %(k)d", k=k)
    return f"{n:,}"


def current_locale() -> str:
    return str(get_locale() or "en")


def signed_in_user() -> Any | None:
    """The signed-in member of staff, or None.

    A session that never signed in (every respondent's) is not shown to Flask-Login: its
    "strong" protection takes any session without a sign-in fingerprint as tampered with,
    and rewrote the session cookie and sent a remember-me cookie deletion (without Secure
    or HttpOnly) on every page. svcollect never issues remember-me cookies, so without a
    signed-in user id in the session nobody is signed in.
    """
    if "_user_id" not in session:
        return None
    return current_user if current_user.is_authenticated else None


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(long_datetime)
    app.add_template_filter(people_count)
    app.add_template_filter(money)
    app.add_template_filter(with_unit)
    app.add_template_global(current_locale)
    app.add_template_global(signed_in_user)
    app.add_template_global(component)
    app.add_template_global(content)
    app.add_template_global(question_params)
    app.add_template_global(error_href)
