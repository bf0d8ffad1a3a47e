"""Template globals and filters: dates in GOV.UK style, locale, question rendering params."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, session
from flask_babel import get_locale, gettext
from flask_login import current_user

from svcollect.charts.figure import money, with_unit
from svcollect.forms.render import error_href, question_params
from svcollect.forms.widgets import component
from svcollect.models._types import UK


def long_date(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UK).strftime("%-d %B %Y")


def long_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(UK)
    hour = local.strftime("%-I:%M%p").lower().replace(":00", "")
    return f"{local.strftime('%-d %B %Y')} at {hour}"


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
