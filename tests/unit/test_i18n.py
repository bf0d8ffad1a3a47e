"""Translatable text for pure code: English by default, another language only where installed."""

from __future__ import annotations

import contextvars
from datetime import date

from svcollect import i18n


def _marking() -> i18n.Translator:
    return i18n.Translator(
        lambda message: "»" + message,
        lambda one, many, num: "»" + (one if num == 1 else many),
        lambda day, pattern: f"<{day.isoformat()} {pattern}>",
    )


def test_english_by_default_with_the_templates_placeholder_rules():
    assert i18n.gettext("Total") == "Total"
    assert i18n.gettext("95%% CI") == "95% CI"  # always %-formatted, as `_()` in templates
    assert i18n.gettext("%(n)s of %(d)s (50%%)", n="1", d="2") == "1 of 2 (50%)"
    assert i18n.gettext("%(n)s", n="50%") == "50%"  # what fills a placeholder stays as it is
    assert i18n.ngettext("%(num)d person", "%(num)d people", 1) == "1 person"
    assert i18n.ngettext("%(c)s person", "%(c)s people", 1200, c="1,200") == "1,200 people"
    assert i18n.translated(i18n.N_("met on accepted evidence")) == "met on accepted evidence"
    assert i18n.translated("50% or more") == "50% or more"  # content: never %-formatted
    assert i18n.format_date(date(2026, 9, 14), "d MMM y") == "14 Sep 2026"
    assert i18n.format_date(date(2026, 3, 2), "d MMMM y") == "2 March 2026"


def test_an_installed_translator_is_used_and_then_taken_away():
    with i18n.translating(_marking()):
        assert i18n.gettext("Total") == "»Total"
        assert i18n.ngettext("%(num)d contract", "%(num)d contracts", 3) == "»3 contracts"
        assert i18n.translated("overdue") == "»overdue"
        assert i18n.format_date(date(2026, 3, 2), "MMM y") == "<2026-03-02 MMM y>"
    assert i18n.gettext("Total") == "Total"
    assert i18n.current() is i18n.ENGLISH


def test_one_context_s_language_never_reaches_another():
    token = i18n.install(_marking())
    try:
        assert contextvars.Context().run(i18n.gettext, "Total") == "Total"
        assert i18n.gettext("Total") == "»Total"
    finally:
        i18n.reset(token)
