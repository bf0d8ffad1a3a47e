"""Fixed forms for staff accounts: sign in, set a password, users and organisations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    Field,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
)

from svcollect.forms.answer_types import CleanStringField, _no_control_characters
from svcollect.forms.base import Form, OnceForm
from svcollect.forms.widgets import (
    GovCheckboxesInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from svcollect.models import Organisation
from svcollect.services.accounts import (
    KIND_NAMES,
    email_problem,
    normalise_email,
    password_problem,
)
from svcollect.services.organisations import OrganisationDetails

#: the organisation select's value for "no organisation" (administrators)
NO_ORGANISATION = "none"


def _email_filter(value: Any) -> Any:
    return normalise_email(value) if isinstance(value, str) else value


def _email_shape(form: Any, field: Field) -> None:
    problem = email_problem(field.data or "")  # translated already
    if problem:
        raise StopValidation(problem)


def _choice_values(field: Any) -> set[str]:
    return {str(choice.value) for choice in field.iter_choices()}


def _one_of_choices(message: str) -> Any:
    """A forged value outside the field's choices gets a GOV.UK message, not WTForms' own."""

    def check(form: Any, field: Field) -> None:
        if field.data not in _choice_values(field):
            raise StopValidation(message)

    return check


def _only_choices(message: str) -> Any:
    def check(form: Any, field: Field) -> None:
        if not set(field.data or []) <= _choice_values(field):
            raise StopValidation(message)

    return check


class _ChoiceField(RadioField):
    """Radios whose choices are checked by a validator with our message (see _one_of_choices)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, validate_choice=False, widget=GovRadioInput(), **kwargs)


class SignInForm(Form):
    # No shape check: any email that is not an account gets the same message as a wrong
    # password, so that the page says nothing about which accounts exist.
    email = StringField(
        _l("Email address"),
        filters=[_email_filter],
        validators=[DataRequired(message=_l("Enter your email address"))],
        widget=GovTextInput(),
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Enter your password"))],
        widget=GovPasswordInput(),
    )
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


class SetPasswordForm(Form):
    password = PasswordField(
        _l("Create a password"),
        description=_l("Use 12 characters or more. Do not use a common password or your email."),
        widget=GovPasswordInput(),
    )
    confirm = PasswordField(_l("Confirm your password"), widget=GovPasswordInput())
    submit = SubmitField(_l("Set password"), widget=GovSubmitInput())

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._email = email

    def validate_password(self, field: Field) -> None:
        problem = password_problem(field.data or "", self._email)  # translated already
        if problem:
            raise StopValidation(problem)

    def validate_confirm(self, field: Field) -> None:
        if not field.data:
            raise StopValidation(gettext("Confirm your password"))
        if field.data != self.password.data:
            raise StopValidation(gettext("Passwords must match"))


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password"))],
        widget=GovPasswordInput(),
    )
    password = PasswordField(
        _l("New password"),
        description=_l("Use 12 characters or more. Do not use a common password or your email."),
        widget=GovPasswordInput(),
    )
    confirm = PasswordField(_l("Confirm your new password"), widget=GovPasswordInput())
    submit = SubmitField(_l("Change password"), widget=GovSubmitInput())


class UserForm(OnceForm):
    email = StringField(
        _l("Email address"),
        description=_l("They will use this to sign in"),
        filters=[_email_filter],
        validators=[_no_control_characters, _email_shape],
        widget=GovTextInput(),
    )
    name = CleanStringField(
        _l("Full name"),
        validators=[
            DataRequired(message=_l("Enter their full name")),
            _no_control_characters,
            Length(max=200, message=_l("Full name must be 200 characters or fewer")),
        ],
        widget=GovTextInput(),
    )
    role = _ChoiceField(
        _l("Role"),
        choices=[
            SelectChoice("admin", _l("Administrator – manages accounts and organisations")),
            SelectChoice(
                "contract_manager",
                _l("Contract manager – works for a buyer or prime supplier"),
            ),
            SelectChoice("supplier_user", _l("Supplier user – works for a supplier")),
        ],
        validators=[_one_of_choices(_l("Select a role"))],
    )
    organisation_id = SelectField(
        _l("Organisation"),
        description=_l("Administrators do not belong to an organisation"),
        validate_choice=False,
        validators=[_one_of_choices(_l("Select an organisation from the list"))],
        widget=GovSelect(),
    )
    submit = SubmitField(_l("Create account"), widget=GovSubmitInput())

    def __init__(self, organisations: Sequence[Organisation], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [
            (NO_ORGANISATION, gettext("No organisation (administrators)")),
            *((str(o.id), f"{o.name} ({KIND_NAMES[o.kind]})") for o in organisations),
        ]

    def chosen_organisation_id(self) -> int | None:
        value = self.organisation_id.data
        return None if value in (None, NO_ORGANISATION) else int(value)


class OrganisationForm(OnceForm):
    name = CleanStringField(
        _l("Organisation name"),
        validators=[
            DataRequired(message=_l("Enter the organisation's name")),
            _no_control_characters,
            Length(max=300, message=_l("Organisation name must be 300 characters or fewer")),
        ],
        widget=GovTextInput(),
    )
    kind = _ChoiceField(
        _l("What kind of organisation is it?"),
        choices=[
            SelectChoice("buyer", _l("Buyer – the public body buying the contract")),
            SelectChoice("prime_supplier", _l("Prime supplier – delivers a contract")),
            SelectChoice("supplier", _l("Supplier – in a prime supplier's supply chain")),
        ],
        validators=[_one_of_choices(_l("Select what kind of organisation it is"))],
    )
    employee_count = CleanStringField(
        _l("Number of employees (optional)"),
        description=_l("Organisations with 500 or more also answer the enhanced standards"),
        validators=[
            Optional(),
            Regexp(
                # 1200 or 1,200 (commas only between groups of three, as other numbers)
                r"^(\d{1,7}|\d{1,3}(,\d{3}){1,2})$",
                message=_l("Enter the number of employees as a whole number, like 250"),
            ),
        ],
        widget=GovTextInput(),
    )
    traits = SelectMultipleField(
        _l("Which of these describe the organisation?"),
        description=_l("Select all that apply"),
        choices=[
            SelectChoice("sme", _l("Small or medium-sized enterprise (SME)")),
            SelectChoice("vcse", _l("Voluntary, community or social enterprise (VCSE)")),
        ],
        validate_choice=False,
        validators=[_only_choices(_l("Select only the options shown"))],
        widget=GovCheckboxesInput(),
    )
    wemwbs_licence_ref = CleanStringField(
        _l("WEMWBS licence reference (optional)"),
        description=_l(
            "The registration reference for using WEMWBS or SWEMWBS. Surveys using them "
            "cannot open until it is recorded."
        ),
        validators=[
            Optional(),
            _no_control_characters,
            Length(max=200, message=_l("Licence reference must be 200 characters or fewer")),
        ],
        widget=GovTextInput(),
    )
    #: the organisation's version when the page was shown (services.contracts.check_version)
    version = HiddenField()
    submit = SubmitField(_l("Save organisation"), widget=GovSubmitInput())

    def details(self) -> OrganisationDetails:
        count = (self.employee_count.data or "").replace(",", "")
        return OrganisationDetails(
            name=self.name.data or "",
            kind=self.kind.data or "",
            employee_count=int(count) if count else None,
            is_sme="sme" in (self.traits.data or []),
            is_vcse="vcse" in (self.traits.data or []),
            wemwbs_licence_ref=self.wemwbs_licence_ref.data or None,
        )

    def fill(self, organisation: Organisation) -> None:
        self.name.data = organisation.name
        self.kind.data = organisation.kind
        count = organisation.employee_count
        self.employee_count.data = "" if count is None else str(count)
        self.traits.data = [
            trait
            for trait, holds in (("sme", organisation.is_sme), ("vcse", organisation.is_vcse))
            if holds
        ]
        self.wemwbs_licence_ref.data = organisation.wemwbs_licence_ref or ""
        self.version.data = str(organisation.version)


class ConfirmForm(Form):
    """A confirmation button only (the CSRF token comes with FlaskForm)."""

    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())
