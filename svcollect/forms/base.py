"""The base of every svcollect form: Flask-WTF's, with WTForms' own messages loaded once.

Flask-WTF reads WTForms' message catalogue from disk on every request that builds a form
(0.16-0.2 ms each, tests/bench/load/README.md). The catalogues never change while the app
runs, so each language's is loaded once per process and kept.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any

from babel import support
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.i18n import messages_path


@lru_cache(maxsize=32)
def _catalogue(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _current() -> support.NullTranslations | None:
    # As Flask-WTF: WTForms' English messages outside a request or without Flask-Babel.
    if not has_request_context() or "babel" not in current_app.extensions:
        return None
    return _catalogue(str(get_locale() or "en"))


#: WTForms' words for a choice that is not on the list, which only a forged page or one
#: whose list has changed since it was shown can send, in GOV.UK style and in our catalogue
#: ("Not a valid choice." says neither what is wrong nor what to do; the others repeat
#: what was sent back to the person who sent it)
_NOT_ON_THE_LIST = _l("Select one of the options shown")
_NAMED_NOT_ON_THE_LIST = _l("Select one of the options shown for \u2018%(label)s\u2019")
_OWN_WORDS = {
    "Not a valid choice.": _NOT_ON_THE_LIST,
    "'%(value)s' is not a valid choice for this field.": _NOT_ON_THE_LIST,
    "'%(value)s' are not valid choices for this field.": _NOT_ON_THE_LIST,
    "Invalid choice(s): one or more data inputs could not be coerced.": _NOT_ON_THE_LIST,
}


class _Translations:
    """WTForms' translations interface over the kept catalogues."""

    def gettext(self, string: str) -> str:
        if string in _OWN_WORDS:
            return str(_OWN_WORDS[string])
        catalogue = _current()
        return string if catalogue is None else catalogue.ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if singular in _OWN_WORDS:
            return str(_OWN_WORDS[singular])
        catalogue = _current()
        if catalogue is None:
            return singular if n == 1 else plural
        return catalogue.ungettext(singular, plural, n)


_TRANSLATIONS = _Translations()


class Form(FlaskForm):
    def validate(self, extra_validators: Any = None) -> bool:
        """As WTForms, with a choice not on the list named by its field's label."""
        valid: bool = super().validate(extra_validators=extra_validators)
        if not valid:
            generic = str(_NOT_ON_THE_LIST)
            for field in self:
                if generic in (str(e) for e in field.errors if isinstance(e, str)):
                    named = str(_NAMED_NOT_ON_THE_LIST % {"label": field.label.text})
                    field.errors = [named if str(e) == generic else e for e in field.errors]
        return valid

    class Meta(FlaskForm.Meta):
        def render_field(self, field: Any, render_kw: dict[str, Any]) -> Any:
            # A hidden input has no label to point at it, and a page with several forms
            # would repeat id="csrf_token": hidden fields are rendered without an id.
            if getattr(field.widget, "input_type", None) == "hidden":
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)

        def get_translations(self, form: Any) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _TRANSLATIONS


class OnceForm(Form):
    """A form that saves something once however often it is sent (services.submissions).

    Shown, it carries a new random key; sent back with errors, it keeps the key it came
    with, so the corrected form is still the same submission. One built with
    ``formdata=None`` is shown fresh even on a POST (the other standards' forms on a page
    sent back with one standard's errors), so it gets a new key too.
    """

    #: never an error on the page: a missing or forged key only means no repeat is caught
    submission_key = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_submitted() or ("formdata" in kwargs and kwargs["formdata"] is None):
            self.submission_key.data = secrets.token_urlsafe(24)
