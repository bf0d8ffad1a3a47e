"""Memoised GOV.UK widgets give exactly govuk-frontend-wtf's HTML, rendered once per params."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask, template_rendered
from flask_babel import lazy_gettext
from govuk_frontend_wtf import wtforms_widgets as govuk
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import DateField, Form, RadioField, StringField
from wtforms.validators import InputRequired

from svcollect.forms import widgets
from tests.conftest import make_config


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from svcollect import create_app

    folder = tmp_path_factory.mktemp("widgets")
    return create_app(make_config(f"sqlite:///{folder / 'unused.sqlite3'}", folder))


def _form(label: Any, radio_widget: Any, text_widget: Any, data: dict[str, str]) -> Form:
    class Page(Form):
        scale = RadioField(
            label,
            description="0 is not at all, 10 is completely",
            choices=[(str(n), str(n)) for n in range(11)],
            validators=[InputRequired(message="Select how satisfied you are")],
            widget=radio_widget,
        )
        comment = StringField(label, widget=text_widget)

    class Data(dict[str, str]):
        def getlist(self, key: str) -> list[str]:
            return [self[key]] if key in self else []

    form = Page(formdata=Data(data))
    form.validate()
    return form


def _both(label: Any, data: dict[str, str], **params: Any) -> tuple[str, str]:
    memo = _form(label, widgets.GovRadioInput(), widgets.GovTextInput(), data)
    plain = _form(label, govuk.GovRadioInput(), govuk.GovTextInput(), data)
    render = lambda form: str(form.scale(params=params)) + str(form.comment(params=params))  # noqa: E731
    return render(memo), render(plain)


CASES = [
    ("Overall, how satisfied are you with your life nowadays?", {}),
    ("Satisfied?", {"scale": "7"}),
    ("Satisfied?", {"scale": "not-a-choice", "comment": "<script>alert(1)</script>"}),
    ("=HYPERLINK(\"x\") & 'quotes' \u00e9\u4e2d", {"comment": "a\u202eb"}),
    (Markup("<strong>Markup</strong> label"), {"scale": "0"}),
    ("<strong>Plain</strong> label", {"scale": "0"}),
]


@pytest.mark.parametrize(("label", "data"), CASES)
def test_memoised_html_is_govuk_frontend_wtfs_html(app: Flask, label: Any, data: dict) -> None:
    with app.test_request_context():
        for _ in range(2):  # the first fills the memo, the second is served from it
            memo, plain = _both(
                label, data, fieldset={"legend": {"text": "Legend", "isPageHeading": True}}
            )
            assert memo == plain


def test_markup_and_the_same_text_as_a_string_stay_apart(app: Flask) -> None:
    with app.test_request_context():
        escaped, _ = _both("<b>bold</b>", {})
        raw, _ = _both(Markup("<b>bold</b>"), {})
        assert "&lt;b&gt;bold&lt;/b&gt;" in escaped and "<b>bold</b>" not in escaped
        assert "<b>bold</b>" in raw


def test_lazy_translations_render_as_before_and_are_memoised(app: Flask) -> None:
    with app.test_request_context():
        memo, plain = _both(lazy_gettext("Do you agree to take part?"), {"scale": "3"})
        assert memo == plain
        assert widgets.freeze(lazy_gettext("Yes"))[0] == "lazy"


def _count_renders(app: Flask, render: Any) -> int:
    seen: list[str] = []

    def record(sender: Flask, template: Any, context: dict, **extra: Any) -> None:
        seen.append(template.name)

    template_rendered.connect(record, app)
    try:
        render()
    finally:
        template_rendered.disconnect(record, app)
    return sum(1 for name in seen if name.startswith("govuk_frontend_wtf/"))


def test_each_distinct_params_is_rendered_once(app: Flask) -> None:
    with app.test_request_context():
        label = "A question asked only by this test"
        first = _count_renders(app, lambda: _both(label, {"scale": "4"}))
        again = _count_renders(app, lambda: _both(label, {"scale": "4"}))
        other = _count_renders(app, lambda: _both(label, {"scale": "5"}))
        # _both renders each field with the memoised and the plain widget: the plain ones
        # render every time, the memoised ones only for params not seen before.
        assert (first, again, other) == (4, 2, 3)  # `other`: the text input is unchanged


def test_params_of_another_type_are_rendered_without_the_memo(app: Flask) -> None:
    class Label:
        def __str__(self) -> str:
            return "An object as the label"

    with app.test_request_context():
        label = Label()
        assert _count_renders(app, lambda: _both(label, {})) == 4
        assert _count_renders(app, lambda: _both(label, {})) == 4
        memo, plain = _both(label, {})
        assert memo == plain


def test_each_app_has_its_own_bounded_memo(app: Flask, tmp_path: Path) -> None:
    from svcollect import create_app

    other = create_app(make_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path))
    with app.test_request_context():
        _both("Which app?", {})
        mine = app.extensions["svcollect_widget_html"]
    with other.test_request_context():
        _both("Which app?", {})
        theirs = other.extensions["svcollect_widget_html"]
    assert mine is not theirs
    assert mine.cache_info().maxsize == widgets.CACHE_SIZE


leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-3, 3, allow_nan=False) | st.just(-0.0),
    st.text(max_size=5),
    st.text(max_size=5).map(Markup),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=3), children, max_size=3),
    ),
    max_leaves=12,
)


def _typed(value: Any) -> Any:
    """`value` with every leaf's exact type beside it, for a comparison that sees types."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    if isinstance(value, float):
        return ("float", repr(value))  # -0.0 prints differently from 0.0
    return (type(value).__name__, value)


@given(trees)
def test_thaw_gives_back_the_same_values_of_the_same_types(tree: Any) -> None:
    assert _typed(widgets.thaw(widgets.freeze(tree))) == _typed(tree)


@given(trees, trees)
def test_two_params_share_a_key_only_when_the_macro_cannot_tell_them_apart(a: Any, b: Any) -> None:
    assert (widgets.freeze(a) == widgets.freeze(b)) == (_typed(a) == _typed(b))


def test_every_form_takes_its_widgets_from_the_memoised_module() -> None:
    import ast

    package = Path(widgets.__file__).resolve().parent.parent
    direct = []
    for path in package.rglob("*.py"):
        if path.name == "widgets.py" and path.parent.name == "forms":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "govuk_frontend_wtf.wtforms_widgets"
            ):
                direct.append(str(path.relative_to(package)))
    assert direct == []


def test_what_someone_typed_is_never_kept_in_the_memo(app: Flask) -> None:
    class Page(Form):
        comment = StringField("Tell us more", widget=widgets.GovTextInput())
        started = DateField("When did it start?", widget=widgets.GovDateInput())

    def memo_size() -> tuple[int, int]:
        info = app.extensions["svcollect_widget_html"].cache_info()
        return info.currsize, info.hits

    with app.test_request_context():
        str(Page().comment())  # makes sure the memo exists
        for typed in (
            [("comment", "my manager knows I am struggling"), *[("started", "")] * 3],
            [("started", "3"), ("started", ""), ("started", "")],
        ):
            before = memo_size()
            form = Page(formdata=MultiDict(typed))
            html = str(form.comment()) + str(form.started())
            assert "struggling" in html or 'value="3"' in html
            # Only the other, blank field may be kept (once).
            assert memo_size()[0] - before[0] <= 1
        typed_html = str(Page(formdata=MultiDict({"comment": "my words"})).comment())
        assert "my words" in typed_html
        size, hits = memo_size()
        str(Page(formdata=MultiDict({"comment": "my words"})).comment())
        assert memo_size() == (size, hits)  # neither stored nor looked up


@pytest.mark.parametrize(
    ("name", "macro", "params"),
    [
        ("button", "govukButton", {"text": "Save and continue"}),
        ("phase-banner", "govukPhaseBanner", {"tag": {"text": "Beta"}, "text": "New <b>"}),
        ("skip-link", "govukSkipLink", {"href": "#main-content", "text": Markup("Skip")}),
    ],
)
def test_components_are_govuk_frontends_macros_memoised(
    app: Flask, name: str, macro: str, params: dict
) -> None:
    with app.test_request_context():
        module = app.jinja_env.get_template(
            f"govuk_frontend_jinja/components/{name}/macro.html"
        ).module
        expected = str(getattr(module, macro)(params))
        memo = app.extensions.get("svcollect_widget_html")
        hits = memo.cache_info().hits if memo else 0
        assert str(widgets.component(name, params)) == expected
        assert str(widgets.component(name, params)) == expected
        assert app.extensions["svcollect_widget_html"].cache_info().hits == hits + 1
        assert str(widgets.component(name, {**params, "classes": object()})) != ""
