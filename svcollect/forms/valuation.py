"""Forms for valuation set-up: importing value tables, assumptions, and valuation routes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DecimalField, HiddenField, RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from svcollect.forms.answer_types import CleanStringField, _no_control_characters
from svcollect.forms.base import OnceForm
from svcollect.forms.widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from svcollect.scoring.assumptions import FRACTIONS, LABELS, WELLBY_VALUES
from svcollect.scoring.measures import measure_defaults

#: assumptions with a value on the form (the deflator vintage follows the chosen series)
VALUE_FIELDS = (
    *WELLBY_VALUES,
    "wellby_price_year",
    "reporting_price_year",
    "deflator_basis",
    "duration_years",
    *FRACTIONS,
)
PERCENT_FIELDS = FRACTIONS
#: measures whose meaningful-change threshold the contract may set
THRESHOLD_MEASURES = (
    "life_satisfaction",
    "worthwhile",
    "happiness",
    "anxiety",
    "wemwbs",
    "swemwbs",
)


class NumberField(DecimalField):
    """A number as people type it ("£13,000", "3.5%", "0.5"); never NaN or infinity."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("places", None)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not isinstance(valuelist[0], str):
            return
        text = valuelist[0].replace(",", "").replace("£", "").replace("%", "").strip()
        if not text:
            self.data = None
            return
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.data = None
            raise ValueError(_l("Enter a number, like 13,000 or 3.5"))
        self.data = number

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        return f"{Decimal(self.data).normalize():,f}"


def _number(label: Any, message: Any | None = None, **kwargs: Any) -> Any:
    required = InputRequired(message=message) if message else Optional()
    return NumberField(label, validators=[required], widget=GovTextInput(), **kwargs)


def _percentage(label: Any, message: Any, description: Any, out_of_range: Any) -> Any:
    """A percentage as typed ("35" or "35%"); the form keeps it within 0-100 itself, so
    the scoring rule's fraction (0-1) never reaches the person typing."""
    return NumberField(
        label,
        validators=[
            InputRequired(message=message),
            NumberRange(min=0, max=100, message=out_of_range),
        ],
        widget=GovTextInput(),
        description=description,
    )


def _year(label: Any, message: Any) -> Any:
    return CleanStringField(
        label,
        description=_l("A calendar year like 2019, or a financial year like 2019-20"),
        validators=[
            InputRequired(message=message),
            Length(max=9, message=_l("Enter a year like 2019 or 2019-20")),
        ],
        widget=GovTextInput(),
    )


class AssumptionsForm(OnceForm):
    wellby_value_low = _number(_l("Low value per WELLBY"), _l("Enter the low value per WELLBY"))
    wellby_value_central = _number(
        _l("Central value per WELLBY"), _l("Enter the central value per WELLBY")
    )
    wellby_value_high = _number(_l("High value per WELLBY"), _l("Enter the high value per WELLBY"))
    wellby_price_year = _year(
        _l("Price year of the WELLBY values"), _l("Enter the price year of the WELLBY values")
    )
    reporting_price_year = _year(_l("Reporting price year"), _l("Enter the reporting price year"))
    deflator_basis = RadioField(
        _l("GDP deflator series"),
        choices=[
            ("calendar", _l("Calendar years (ONS series MNF2)")),
            ("financial", _l("Financial years, April to March (ONS series L8GG)")),
        ],
        validators=[InputRequired(message=_l("Select the deflator series"))],
        widget=GovRadioInput(),
    )
    duration_years = _number(
        _l("Duration of the benefit"),
        _l("Enter how many years the benefit lasts"),
        description=_l("In years; decimals are allowed, for example 0.5 for six months"),
    )
    drop_off = _percentage(
        _l("Drop-off"),
        _l("Enter the drop-off"),
        _l("Percentage by which the benefit declines each year after the first"),
        _l("Drop-off must be from %(min)s%% to %(max)s%%"),
    )
    deadweight = _percentage(
        _l("Deadweight"),
        _l("Enter the deadweight"),
        _l("Percentage of the change that would have happened anyway"),
        _l("Deadweight must be from %(min)s%% to %(max)s%%"),
    )
    attribution = _percentage(
        _l("Attribution"),
        _l("Enter the attribution"),
        _l("Percentage of the change due to others"),
        _l("Attribution must be from %(min)s%% to %(max)s%%"),
    )
    displacement = _percentage(
        _l("Displacement"),
        _l("Enter the displacement"),
        _l("Percentage of the change moved from elsewhere rather than created"),
        _l("Displacement must be from %(min)s%% to %(max)s%%"),
    )
    discount_rate = _percentage(
        _l("Discount rate"),
        _l("Enter the discount rate"),
        _l("Percentage a year"),
        _l("Discount rate must be from %(min)s%% to %(max)s%%"),
    )
    #: the version of the assumptions shown (0: none saved yet), as a contract's change
    #: form carries its version (services.valuation.record_assumptions)
    version = HiddenField()
    submit = SubmitField(_l("Save as a new version"), widget=GovSubmitInput())


def _source_field(name: str) -> Any:
    return CleanStringField(
        _l("Source for: %(label)s", label=LABELS[name]),
        description=_l("Leave blank to use the default source note"),
        validators=[
            Optional(),
            _no_control_characters,
            Length(
                max=500,
                message=_l(
                    "The source for %(label)s must be %(n)d characters or fewer",
                    label=LABELS[name][0].lower() + LABELS[name][1:],
                    n=500,
                ),
            ),
        ],
        widget=GovTextInput(),
    )


def _threshold_field(measure: str) -> Any:
    defaults = measure_defaults(measure)
    label = defaults.label if defaults else measure
    hint = (
        _l(
            "Optional. Leave blank for the default: %(n)s point(s) (%(source)s)",
            n=format(defaults.meaningful_change, "g"),
            source=defaults.source,
        )
        if defaults
        else _l("Optional")
    )
    return _number(_l("Meaningful change: %(label)s", label=label), description=hint)


for _name in VALUE_FIELDS:
    setattr(AssumptionsForm, f"source_{_name}", _source_field(_name))
for _measure in THRESHOLD_MEASURES:
    setattr(AssumptionsForm, f"threshold_{_measure}", _threshold_field(_measure))


class ValueTableImportForm(OnceForm):
    name = CleanStringField(
        _l("Name of the table"),
        description=_l("Use the same name as an earlier import to add a new version of that table"),
        validators=[
            InputRequired(message=_l("Enter a name for the table")),
            _no_control_characters,
            Length(max=200, message=_l("Must be %(n)d characters or fewer", n=200)),
        ],
        widget=GovTextInput(),
    )
    file = FileField(
        _l("Value table file"),
        description=_l("A .csv (UTF-8) or .xlsx file with the template's columns"),
        validators=[FileRequired(message=_l("Select a CSV or XLSX file"))],
        widget=GovFileInput(),
    )
    submit = SubmitField(_l("Import table"), widget=GovSubmitInput())


def _pick(label: Any, message: Any, **kwargs: Any) -> Any:
    return SelectField(
        label,
        validators=[Optional()],
        widget=GovSelect(),
        invalid_choice_message=message,
        **kwargs,
    )


class RouteForm(OnceForm):
    route = RadioField(
        _l("How is the outcome valued?"),
        choices=[
            ("wellby", _l("WELLBY from ONS life satisfaction (two ONS4 collections)")),
            ("band", _l("WEMWBS or SWEMWBS band movement, priced from a value table entry")),
            ("counted", _l("Counted outcome from delivery returns, priced from a table entry")),
        ],
        validators=[InputRequired(message=_l("Select how to value the outcome"))],
        widget=GovRadioInput(),
    )
    baseline = _pick(
        _l("Baseline collection"),
        _l("Select a collection from this contract"),
        description=_l("For WELLBY and band routes"),
    )
    follow_up = _pick(
        _l("Follow-up collection"),
        _l("Select a collection from this contract"),
        description=_l("For WELLBY and band routes"),
    )
    returns = _pick(
        _l("Delivery-return collection"),
        _l("Select a collection from this contract"),
        description=_l("For counted outcomes: the suppliers' returns whose figures are counted"),
    )
    measure_code = _pick(
        _l("Measure counted"),
        _l("Select a counted measure"),
        description=_l("For counted outcomes"),
    )
    entry = _pick(
        _l("Value table entry"),
        _l("Select an entry from your organisation's value tables"),
        description=_l("For band and counted routes: the value per person or unit"),
    )
    submit = SubmitField(_l("Add route"), widget=GovSubmitInput())
