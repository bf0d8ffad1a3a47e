"""Dates and times on pages: GOV.UK style in UK time, and in the page's language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from babel.dates import format_date as babel_format_date
from flask import Flask
from flask_babel import Babel

from svcollect import i18n
from svcollect.web.template_helpers import long_date, long_datetime


@pytest.fixture
def app_context():
    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        yield


@pytest.mark.parametrize(
    ("at", "shown"),
    [
        (datetime(2026, 3, 2, 15, 0, tzinfo=UTC), "2 March 2026 at 3pm"),
        (datetime(2026, 3, 2, 9, 30, tzinfo=UTC), "2 March 2026 at 9:30am"),
        (datetime(2026, 3, 2, 0, 5, tzinfo=UTC), "2 March 2026 at 12:05am"),
        (datetime(2026, 3, 2, 12, 0, tzinfo=UTC), "2 March 2026 at 12pm"),
        # British Summer Time: 23:30 UTC on 30 June is 00:30 on 1 July in the UK
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "1 July 2026 at 12:30am"),
    ],
)
def test_times_are_uk_time_in_gov_uk_style(app_context, at, shown):
    assert long_datetime(at) == shown
    assert long_date(at) == shown.split(" at ")[0]


def test_the_month_and_the_words_follow_the_language(app_context):
    words = {"%(date)s at %(time)s": "%(date)s am %(time)s", "%(hour)spm": "%(hour)syh"}
    welsh = i18n.Translator(
        lambda message: words.get(message, message),
        lambda one, many, n: one if n == 1 else many,
        lambda day, pattern: babel_format_date(day, pattern, locale="cy"),
    )
    with i18n.translating(welsh):
        assert long_date(datetime(2026, 3, 2, 15, tzinfo=UTC)) == "2 Mawrth 2026"
        assert long_datetime(datetime(2026, 3, 2, 15, tzinfo=UTC)) == "2 Mawrth 2026 am 3yh"
    assert long_date(datetime(2026, 3, 2, 15, tzinfo=UTC)) == "2 March 2026"
    assert date(2026, 3, 2).strftime("%B") == "March"  # the machine's own locale is untouched
