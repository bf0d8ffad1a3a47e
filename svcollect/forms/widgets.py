"""The GOV.UK widgets every form uses, and GOV.UK components, with their HTML memoised.

govuk-frontend-wtf turns a field into a params dict and renders a GOV.UK macro with it.
The macro is a pure function of those params, and rendering it is the costliest part of a
question page: an 11-point scale's radios took about a third of the page's CPU time
(tests/bench/load/README.md). The same params come round again and again (every
respondent sees the same blank question), so each widget's HTML is kept, keyed by the
template and an exact, typed copy of the params; anything else is rendered as before.
`component` does the same for a GOV.UK Frontend macro called from a template (the phase
banner and skip link on every page, a question page's button).

Exact means that two params give the same key only if the macro cannot tell them apart:
`Markup` (not escaped) and `str` (escaped) are different keys, as are `1`, `1.0` and
`True`, and `0.0` and `-0.0`. A lazy translation is keyed by its text in this request's
language and given back as a lazy string of that text (it renders unescaped, like Markup,
but filters treat it as a plain string). Params holding any other type are rendered as
before, not memoised.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel.speaklater import LazyString
from govuk_frontend_wtf import wtforms_widgets as govuk
from markupsafe import Markup
from wtforms.validators import Length

__all__ = [
    "GovCharacterCount",
    "GovCheckboxInput",
    "GovCheckboxesInput",
    "GovDateInput",
    "GovFileInput",
    "GovPasswordInput",
    "GovRadioInput",
    "GovSelect",
    "GovSubmitInput",
    "GovTextArea",
    "GovTextInput",
    "component",
    "freeze",
    "thaw",
]

CACHE_SIZE = 1024  # entries per app; a widget's HTML is 0.2-6 KB
_EXTENSION = "svcollect_widget_html"


class Unfrozen(Exception):
    """The params hold a value whose rendering the key could not pin down."""


Frozen = tuple[Any, ...]


def freeze(value: Any) -> Any:
    """A hashable copy of `value` that keeps every distinction the macro can see."""
    kind = type(value)
    if kind is str or value is None or kind is bool or kind is int:
        return (kind.__name__, value)
    if kind is float:
        return ("float", repr(value))  # 0.0 and -0.0 are equal but print differently
    if kind is Markup:
        return ("markup", value)
    if kind is LazyString:
        return ("lazy", str(value))
    if kind is dict:
        return ("dict", tuple((freeze(k), freeze(v)) for k, v in value.items()))
    if kind is list or kind is tuple:
        return (kind.__name__, tuple(freeze(v) for v in value))
    raise Unfrozen(kind.__qualname__)


def _frozen(params: dict[str, Any]) -> Frozen | None:
    """The memo's key for `params`, or None when they cannot be memoised."""
    try:
        frozen: Frozen = freeze(params)
    except Unfrozen:
        return None
    return frozen


def thaw(frozen: Any) -> Any:
    """The params back from `freeze`: equal values of the same types."""
    kind, value = frozen
    if kind == "float":
        return float(value)
    if kind == "lazy":
        return LazyString(str, value)
    if kind == "dict":
        return {thaw(k): thaw(v) for k, v in value}
    if kind == "list":
        return [thaw(v) for v in value]
    if kind == "tuple":
        return tuple(thaw(v) for v in value)
    return value


class _Template(govuk.GovFormBase):
    """govuk-frontend-wtf's own rendering of one template."""

    def __init__(self, template: str) -> None:
        self.template = template


def _component_macro(name: str) -> Callable[[dict[str, Any]], Markup]:
    """GOV.UK Frontend's macro for a component folder: "phase-banner" is govukPhaseBanner."""
    module = current_app.jinja_env.get_template(
        f"govuk_frontend_jinja/components/{name}/macro.html"
    ).module
    macro: Callable[[dict[str, Any]], Markup] = getattr(
        module, "govuk" + "".join(part.capitalize() for part in name.split("-"))
    )
    return macro


def _render_frozen(kind: str, name: str, frozen: Frozen) -> Markup:
    if kind == "widget":
        return _Template(name).render(thaw(frozen))
    return _component_macro(name)(thaw(frozen))


def component(name: str, params: dict[str, Any]) -> Markup:
    """A GOV.UK Frontend component, by its folder name, for templates: `component("button",
    {...})` is `govukButton({...})`, rendered once per distinct params."""
    frozen = _frozen(params)
    if frozen is None:
        return _component_macro(name)(params)
    return _renderer()("component", name, frozen)


def _renderer() -> Callable[[str, str, Frozen], Markup]:
    """This app's memo: one per app, so apps with other templates never share HTML."""
    extensions = current_app.extensions
    renderer = extensions.get(_EXTENSION)
    if renderer is None:
        renderer = extensions[_EXTENSION] = lru_cache(maxsize=CACHE_SIZE)(_render_frozen)
    return renderer


class Memoised:
    """Mixed in before a govuk-frontend-wtf widget: renders each distinct params once."""

    template: str

    def holds_typed_text(self, params: dict[str, Any]) -> bool:
        return False

    def render(self, params: dict[str, Any]) -> Markup:
        hint = params.get("hint")
        if isinstance(hint, dict) and not hint.get("text") and not hint.get("html"):
            # A field without a description: no empty hint for aria-describedby to name.
            params = {k: v for k, v in params.items() if k != "hint"}
        frozen = None if self.holds_typed_text(params) else _frozen(params)
        if frozen is None:
            return _Template(self.template).render(params)
        return _renderer()("widget", self.template, frozen)


class MemoisedWhenBlank(Memoised):
    """For widgets that show what someone typed: memoised only while blank, so no one's
    words outlive their request in the memo (and unique answers do not crowd it)."""

    def holds_typed_text(self, params: dict[str, Any]) -> bool:
        if params.get("value"):
            return True
        items = params.get("items") or []
        return any(isinstance(item, dict) and item.get("value") for item in items)


class GovCharacterCount(MemoisedWhenBlank, govuk.GovCharacterCount):
    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        # The count needs its limit: without one its message (which the textarea's
        # aria-describedby names) is empty. The field's own Length is the limit.
        if not params.get("maxlength") and not params.get("maxwords"):
            limits = [v.max for v in field.validators if isinstance(v, Length) and v.max > 0]
            if limits:
                params["maxlength"] = min(limits)
        return params


class GovCheckboxInput(Memoised, govuk.GovCheckboxInput):
    pass


class GovCheckboxesInput(Memoised, govuk.GovCheckboxesInput):
    pass


class GovDateInput(MemoisedWhenBlank, govuk.GovDateInput):
    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        # GOV.UK: when one box is wrong (a 13th month), only that box is shown in error.
        part = getattr(field, "wrong_part", None)
        if part and field.errors and field.errors[0] in field.process_errors:
            for item in params.get("items") or []:
                if isinstance(item, dict) and item.get("id") != f"{field.name}-{part}":
                    classes = str(item.get("classes", "")).replace("govuk-input--error", "")
                    item["classes"] = " ".join(classes.split())
        return params


class GovFileInput(MemoisedWhenBlank, govuk.GovFileInput):
    pass


class GovPasswordInput(MemoisedWhenBlank, govuk.GovPasswordInput):
    pass


class GovRadioInput(Memoised, govuk.GovRadioInput):
    pass


class GovSelect(Memoised, govuk.GovSelect):
    pass


class GovSubmitInput(Memoised, govuk.GovSubmitInput):
    pass


class GovTextArea(MemoisedWhenBlank, govuk.GovTextArea):
    pass


class GovTextInput(MemoisedWhenBlank, govuk.GovTextInput):
    pass
