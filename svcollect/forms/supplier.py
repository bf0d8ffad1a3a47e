"""Supplier forms: answering a reviewer's query with a comment and more evidence."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from svcollect.forms.answer_types import _no_control_characters
from svcollect.forms.base import OnceForm
from svcollect.forms.widgets import GovCharacterCount, GovFileInput, GovSubmitInput


class QueryAnswerForm(OnceForm):
    """Saved once however often it is sent: a double click answers the query once and
    the second click is shown the declaration, not "there is no open query"."""

    comment = TextAreaField(
        _l("Your answer"),
        validators=[
            Optional(),
            _no_control_characters,
            Length(max=2000, message=_l("Your answer must be 2,000 characters or fewer")),
        ],
        widget=GovCharacterCount(),
    )
    files = MultipleFileField(
        _l("Upload more evidence (optional)"),
        description=_l("PDF, Word, Excel, CSV, text, PNG or JPEG"),
        validators=[Optional()],
        widget=GovFileInput(multiple=True),
    )
    submit = SubmitField(_l("Send answer"), widget=GovSubmitInput())
