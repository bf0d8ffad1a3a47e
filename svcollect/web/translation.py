"""Pure code speaks the request's language: `svcollect.i18n` is given Flask-Babel for a request.

Charts (and any other pure package marking text with `svcollect.i18n`) cannot import
Flask-Babel, so each request installs it as their translator and takes it away at the end:
text built during the request is in the language `_select_locale` chose, and anything
built outside a request (the CLI, jobs, unit tests) stays English.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, g
from flask_babel import format_date, get_translations

from svcollect import i18n


def _gettext(message: str) -> str:
    return str(get_translations().gettext(message))


def _ngettext(singular: str, plural: str, num: int) -> str:
    return str(get_translations().ngettext(singular, plural, num))


def _format_date(day: date, pattern: str) -> str:
    return str(format_date(day, pattern, rebase=False))


#: the catalogue and month names of the request's language (Flask-Babel looks both up for
#: the request it runs in); `svcollect.i18n` fills the placeholders
FLASK_BABEL = i18n.Translator(_gettext, _ngettext, _format_date)


def register_translation(app: Flask) -> None:
    @app.before_request
    def _pure_code_speaks_the_request_language() -> None:
        g._svcollect_translator = i18n.install(FLASK_BABEL)

    @app.teardown_request
    def _and_english_after_it(_error: BaseException | None) -> None:
        token = g.pop("_svcollect_translator", None)
        if token is not None:
            i18n.reset(token)
