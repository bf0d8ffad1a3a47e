"""Every form's WTForms messages come from catalogues loaded once, in the request's language."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as flask_wtf_translations

import svcollect
from svcollect.forms import base
from tests.conftest import make_config

MESSAGES = ["This field is required.", "Invalid email address."]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from svcollect import create_app

    folder = tmp_path_factory.mktemp("forms")
    return create_app(
        make_config(
            f"sqlite:///{folder / 'unused.sqlite3'}", folder, SVCOLLECT_LANGUAGES=["en", "cy"]
        )
    )


@pytest.mark.parametrize("language", ["en", "cy"])
def test_messages_are_flask_wtfs_in_the_requests_language(app: Flask, language: str) -> None:
    with app.test_request_context(headers={"Accept-Language": language}):
        translations = base.Form.Meta().get_translations(None)
        for message in MESSAGES:
            assert translations.gettext(message) == flask_wtf_translations.gettext(message)
        assert translations.ngettext("a", "b", 1) == flask_wtf_translations.ngettext("a", "b", 1)
        assert translations.ngettext("a", "b", 2) == flask_wtf_translations.ngettext("a", "b", 2)
    if language == "cy":  # the Welsh catalogue is really in use, not English throughout
        with app.test_request_context(headers={"Accept-Language": "cy"}):
            assert base._TRANSLATIONS.gettext(MESSAGES[0]) != MESSAGES[0]


def test_a_choice_not_on_the_list_says_what_to_do_and_not_what_was_sent(app: Flask) -> None:
    from wtforms import SelectField, SelectMultipleField

    class Choosing(base.Form):
        one = SelectField("Buying organisation", choices=[("a", "A")])
        many = SelectMultipleField("Outcomes", choices=[("a", "A")])

    with app.test_request_context(method="POST", data={"one": "forged", "many": ["<b>forged</b>"]}):
        form = Choosing(meta={"csrf": False})
        assert not form.validate()
        assert form.errors == {
            "one": ["Select one of the options shown for \u2018Buying organisation\u2019"],
            "many": ["Select one of the options shown for \u2018Outcomes\u2019"],
        }


def test_each_catalogue_is_read_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    base._catalogue.cache_clear()
    reads: list[list[str]] = []
    load = base.support.Translations.load

    def counting(dirname: str, locales: list[str], domain: str) -> object:
        reads.append(list(locales))
        return load(dirname, locales, domain=domain)

    monkeypatch.setattr(base.support.Translations, "load", counting)
    for _ in range(3):
        for language in ("en", "cy"):
            with app.test_request_context(headers={"Accept-Language": language}):
                base._TRANSLATIONS.gettext(MESSAGES[0])
    assert reads == [["en"], ["cy"]]


def test_outside_a_request_messages_are_wtforms_english() -> None:
    assert base._TRANSLATIONS.gettext(MESSAGES[0]) == MESSAGES[0]
    assert base._TRANSLATIONS.ngettext("a", "b", 2) == "b"


def test_every_form_in_svcollect_is_built_on_the_base_form(app: Flask) -> None:
    for module in pkgutil.walk_packages(svcollect.__path__, "svcollect."):
        importlib.import_module(module.name)
    with app.test_request_context():
        from svcollect.forms.builder import page_form
        from svcollect.services.questionnaires import registry

        questionnaire = registry().latest("ons4")
        page = questionnaire.pages[0]
        page_form(questionnaire, page, list(page.questions), {})

    def subclasses(cls: type) -> list[type]:
        found = []
        for sub in cls.__subclasses__():
            found += [sub, *subclasses(sub)]
        return found

    ours = [c for c in subclasses(FlaskForm) if c.__module__.startswith("svcollect.")]
    assert len(ours) > 20
    assert [
        c.__qualname__ for c in ours if not issubclass(c, base.Form) and c is not base.Form
    ] == []


def test_hidden_fields_have_no_id_so_forms_side_by_side_repeat_none(app: Flask) -> None:
    from wtforms import StringField

    from svcollect.forms.base import OnceForm

    class _Named(OnceForm):
        name = StringField("Name")

    with app.test_request_context():
        form = _Named()
        assert "id=" not in str(form.csrf_token) and 'name="csrf_token"' in str(form.csrf_token)
        assert "id=" not in str(form.submission_key)
        assert 'id="name"' in str(form.name)  # a field with a label keeps its id
