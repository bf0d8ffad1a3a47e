"""The form contract managers use to build an evidence pack, optionally for a reporting period."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField
from wtforms.validators import ValidationError

from svcollect.forms.base import OnceForm
from svcollect.forms.dates import GovDateField
from svcollect.forms.widgets import GovDateInput, GovSubmitInput


def _period_date(label: Any, hint: Any, invalid: Any, year: Any, year_range: Any) -> Any:
    # No Optional(): it stops at a blank day and would drop "Enter a real date" for a date
    # typed without one. GovDateField itself reads three blank boxes as no date.
    return GovDateField(
        label,
        description=hint,
        widget=GovDateInput(),
        format="%d %m %Y",
        invalid_message=invalid,
        year_message=year,
        year_range_message=year_range,
    )


class ExportForm(OnceForm):
    period_start = _period_date(
        _l("Period from (optional)"),
        _l("For example, 1 4 2026. Leave blank to start from the beginning of the contract."),
        _l("The period's first day must be a real date"),
        _l("The period's first day must include a year with 4 numbers"),
        _l("The period's first day must be in a year from 1900 to 2200"),
    )
    period_end = _period_date(
        _l("Period to (optional)"),
        _l("For example, 31 3 2027. Leave blank to include everything up to now."),
        _l("The period's last day must be a real date"),
        _l("The period's last day must include a year with 4 numbers"),
        _l("The period's last day must be in a year from 1900 to 2200"),
    )
    submit = SubmitField(_l("Build an evidence pack"), widget=GovSubmitInput())

    def validate_period_end(self, field: Any) -> None:
        start = self.period_start.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("Period to must be the same as or after period from"))
