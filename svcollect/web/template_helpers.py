"""Template globals and filters: dates in GOV.UK style, locale, question rendering params."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import get_locale, gettext

from svcollect.forms.render import error_href, question_params

UK = ZoneInfo("Europe/London")


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


def people_count(n: int) -> str:
    """A count of respondents as shown to staff: small counts are not shown exactly."""
    k = int(current_app.config["SVCOLLECT_SUPPRESSION_MIN_N"])
    if 0 < n < k:
        return gettext("fewer than %(k)d", k=k)
    return f"{n:,}"


def current_locale() -> str:
    return str(get_locale() or "en")


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(long_datetime)
    app.add_template_filter(people_count)
    app.add_template_global(current_locale)
    app.add_template_global(content)
    app.add_template_global(question_params)
    app.add_template_global(error_href)
