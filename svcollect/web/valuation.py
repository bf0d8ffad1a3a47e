"""Contract managers: value tables, valuation assumptions and valuation routes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import DataError
from werkzeug.wrappers import Response as WerkzeugResponse

from svcollect.extensions import db
from svcollect.forms.manage import ConfirmForm, read_version
from svcollect.forms.valuation import (
    PERCENT_FIELDS,
    THRESHOLD_MEASURES,
    VALUE_FIELDS,
    AssumptionsForm,
    RouteForm,
    ValueTableImportForm,
)
from svcollect.models import AssumptionSet, Collection, User, ValueTable, ValueTableEntry
from svcollect.scoring.assumptions import (
    DEFAULT_SOURCES,
    LABELS,
    WELLBY_VALUES,
    InvalidAssumptionsError,
    ValuationAssumptions,
)
from svcollect.scoring.data_files import DATA_DIR
from svcollect.scoring.measures import measure_defaults
from svcollect.scoring.value_tables import COLUMNS, ValueTableError
from svcollect.services import collections as collections_svc
from svcollect.services import contracts as contracts_svc
from svcollect.services import valuation as valuation_svc
from svcollect.services.outcomes import outcome_map
from svcollect.web.access import found_or_404, role_required
from svcollect.web.form_pages import attach_error, checks_own_token, form_status, repeat_of

bp = Blueprint("valuation", __name__, url_prefix="/manage")
MANAGERS = ("admin", "contract_manager")
TEMPLATE_FILE = DATA_DIR / "value_table_template.csv"
Rendered = str | WerkzeugResponse | tuple[str, int]


def _contract(contract_id: int) -> Any:
    return found_or_404(contracts_svc.contract_for(current_user, contract_id))


def _contract_to_change(contract_id: int) -> tuple[Any, bool]:
    """The contract and whether this user may change its valuation (only the buyer: the
    prime supplier's managers see it but do not value their own work); a change that
    they send anyway is a 403, as a commitment change is."""
    contract = _contract(contract_id)
    may_change = contracts_svc.may_change(current_user, contract)
    if request.method == "POST" and not may_change:
        abort(403)
    return contract, may_change


# --- value tables ------------------------------------------------------------------------


@bp.route("/value-tables")
@role_required(*MANAGERS)
def value_tables() -> str:
    tables = valuation_svc.value_tables_for(current_user)
    return render_template("valuation/tables.html", tables=tables)


@bp.route("/value-tables/template.csv")
@role_required(*MANAGERS)
def value_table_template() -> WerkzeugResponse:
    return send_file(
        TEMPLATE_FILE,
        mimetype="text/csv",
        as_attachment=True,
        download_name="value_table_template.csv",
    )


@bp.route("/value-tables/import", methods=["GET", "POST"])
@checks_own_token
@role_required(*MANAGERS)
def import_table() -> Rendered:
    form = ValueTableImportForm()
    problems: list[ValueTableError] = []
    if form.validate_on_submit():
        if (repeat := repeat_of(form, url_for(".value_tables"))) is not None:
            return repeat
        upload = form.file.data
        try:
            result = valuation_svc.import_value_table(
                current_user, form.name.data, upload.filename or "", upload.read()
            )
        except DataError:
            # The parser does not check column sizes; PostgreSQL refuses what will not fit.
            db.session.rollback()
            too_big = _(
                "A value in the file is too long or too large to store: outcome codes and "
                "units up to 60 characters, licences up to 300, values under £1,000,000,000,000"
            )
            result = [ValueTableError(too_big)]
        if isinstance(result, ValueTable):
            flash(
                _(
                    "%(name)s imported as version %(version)d with %(rows)d rows",
                    name=result.name,
                    version=result.version,
                    rows=len(result.entries),
                )
            )
            return redirect(url_for(".value_table", table_id=result.id), code=303)
        db.session.rollback()  # nothing imported: nor is the form's key claimed
        problems = result
        if any(p.column == "name" and p.row is None for p in problems):
            attach_error(form, "name", problems[0].message)
        else:
            attach_error(form, "file", _("The file has problems: see the list above"))
    names = sorted({t.name for t in valuation_svc.value_tables_for(current_user)})
    return (
        render_template(
            "valuation/import.html", form=form, problems=problems, names=names, columns=COLUMNS
        ),
        form_status(form, problems),
    )


@bp.route("/value-tables/<int:table_id>")
@role_required(*MANAGERS)
def value_table(table_id: int) -> str:
    table = db.session.get(ValueTable, table_id)
    if (
        table is not None
        and current_user.role != "admin"
        and table.organisation_id != current_user.organisation_id
    ):
        table = None  # another organisation's licensed table: not found
    table = found_or_404(table)
    versions = [t for t in valuation_svc.value_tables_for(current_user) if t.name == table.name]
    versions = [t for t in versions if t.organisation_id == table.organisation_id]
    return render_template("valuation/table.html", table=table, versions=versions)


# --- assumptions -------------------------------------------------------------------------


def _plain(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _prefill(current: valuation_svc.Assumptions) -> dict[str, Any]:
    values = current.valuation
    data: dict[str, Any] = {
        "deflator_basis": values.deflator_basis,
        "wellby_price_year": str(values.wellby_price_year),
        "reporting_price_year": str(values.reporting_price_year),
    }
    for name in (*WELLBY_VALUES, "duration_years"):
        data[name] = _plain(getattr(values, name))
    for name in PERCENT_FIELDS:
        data[name] = _plain(getattr(values, name)) * 100
    for name in VALUE_FIELDS:
        data[f"source_{name}"] = values.sources.get(name, "")
    for measure, threshold in current.thresholds.items():
        data[f"threshold_{measure}"] = _plain(threshold)
    return data


def _price_year(text: str) -> int | str:
    # isdecimal, not isdigit: "²" is a digit that int() cannot read (it was a 500)
    return int(text) if text.isdecimal() else text


def _submitted(form: Any, current: valuation_svc.Assumptions) -> dict[str, Any]:
    """The form's values as the service takes them: fractions 0..1, sources by field."""
    values: dict[str, Any] = {
        name: float(form[name].data) for name in (*WELLBY_VALUES, "duration_years")
    }
    values.update({name: float(form[name].data / 100) for name in PERCENT_FIELDS})
    values["wellby_price_year"] = _price_year(form.wellby_price_year.data)
    values["reporting_price_year"] = _price_year(form.reporting_price_year.data)
    values["deflator_basis"] = form.deflator_basis.data
    # Keep the recorded vintage while the series is unchanged; else the latest shipped one.
    if form.deflator_basis.data == current.valuation.deflator_basis:
        values["deflator_vintage"] = current.valuation.deflator_vintage
    values["sources"] = {
        name: form[f"source_{name}"].data for name in VALUE_FIELDS if form[f"source_{name}"].data
    }
    return values


def _sources_left_as_default(submitted: dict[str, Any]) -> dict[str, str]:
    """Source notes still the default's for values that are no longer the default: the
    prefilled note (or a blank, which records it) would describe a figure not used."""
    defaults = ValuationAssumptions()
    sources = submitted.get("sources", {})
    return {
        f"source_{name}": _(
            "Enter where the %(what)s you gave comes from: the default note does not describe it",
            what=LABELS[name][0].lower() + LABELS[name][1:],
        )
        for name in VALUE_FIELDS
        if name != "deflator_basis"  # its note names both series
        and submitted.get(name) != getattr(defaults, name)
        and sources.get(name, DEFAULT_SOURCES[name]) == DEFAULT_SOURCES[name]
    }


def _version(current: valuation_svc.Assumptions) -> int:
    """The version of the assumptions shown: 0 while the defaults are (none saved yet)."""
    return current.record.version if current.record else 0


def _history(contract: Any) -> list[tuple[AssumptionSet, User | None]]:
    rows = db.session.scalars(
        select(AssumptionSet)
        .filter_by(contract_id=contract.id)
        .order_by(AssumptionSet.version.desc())
    )
    return [(r, db.session.get(User, r.created_by_id) if r.created_by_id else None) for r in rows]


@bp.route("/contracts/<int:contract_id>/assumptions", methods=["GET", "POST"])
@checks_own_token
@role_required(*MANAGERS)
def assumptions(contract_id: int) -> Rendered:
    contract, may_change = _contract_to_change(contract_id)
    current = valuation_svc.current_assumptions(contract)
    shown = {"version": str(_version(current))} if request.method == "GET" else {}
    form = AssumptionsForm(data={**_prefill(current), **shown})
    saved_now = None
    if form.validate_on_submit():
        if (
            repeat := repeat_of(form, url_for(".assumptions", contract_id=contract.id))
        ) is not None:
            return repeat
        thresholds = {
            m: float(form[f"threshold_{m}"].data)
            for m in THRESHOLD_MEASURES
            if form[f"threshold_{m}"].data is not None
        }
        submitted = _submitted(form, current)
        unsourced = _sources_left_as_default(submitted)
        try:
            if unsourced:
                ValuationAssumptions.from_mapping(submitted)  # every problem at once
                raise InvalidAssumptionsError(unsourced)
            record = valuation_svc.record_assumptions(
                current_user, contract, submitted, thresholds, read_version=read_version(form)
            )
        except InvalidAssumptionsError as invalid:
            db.session.rollback()
            errors = {
                **{
                    k: v
                    for k, v in unsourced.items()
                    if k.removeprefix("source_") not in invalid.errors
                },
                **invalid.errors,
            }
            for name, message in errors.items():
                target = "deflator_basis" if name == "deflator_vintage" else name
                attach_error(form, target, message)
        except valuation_svc.AssumptionsConflict as refused:
            # What they typed stays in the form; what is saved now is shown beside it, and
            # the form now carries that version, so saving again is a choice made knowingly.
            db.session.rollback()
            attach_error(form, refused.field, str(refused))
            current = valuation_svc.current_assumptions(contract)
            form.version.data = str(_version(current))
            saved_now = AssumptionsForm(formdata=None, data=_prefill(current))
        except valuation_svc.ValuationRefused as refused:
            db.session.rollback()
            attach_error(form, refused.field, str(refused))
        else:
            flash(_("Assumptions saved as version %(version)d", version=record.version))
            return redirect(url_for(".assumptions", contract_id=contract.id), code=303)
    return (
        render_template(
            "valuation/assumptions.html",
            form=form,
            contract=contract,
            current=current,
            history=_history(contract),
            defaults=DEFAULT_SOURCES,
            thresholds={m: measure_defaults(m) for m in THRESHOLD_MEASURES},
            may_change=may_change,
            saved_now=saved_now,
            value_fields=VALUE_FIELDS,
            percent_fields=PERCENT_FIELDS,
        ),
        form_status(form),
    )


# --- routes ------------------------------------------------------------------------------


def _entry_label(entry: ValueTableEntry) -> str:
    table = entry.table
    return (
        f"{table.name} v{table.version} – {entry.outcome_code} – {entry.description} "
        f"(£{entry.value:,.2f}, {entry.price_year})"
    )


def _collection_label(collection: Collection) -> str:
    version = collection.questionnaire_version
    return (
        f"{collection.label} ({version.title}, {collection.wave.replace('_', '-')}, "
        f"{collection.audience})"
    )


@bp.route("/contracts/<int:contract_id>/valuation-routes/<int:route_id>/remove", methods=["POST"])
@role_required(*MANAGERS)
def remove_route(contract_id: int, route_id: int) -> WerkzeugResponse:
    contract, _may_change = _contract_to_change(contract_id)
    if ConfirmForm().validate_on_submit():
        try:
            removed = valuation_svc.remove_route(current_user, contract, route_id)
        except valuation_svc.ValuationRefused as refused:
            flash(str(refused), "important")
        else:
            if removed:
                flash(_("Valuation route removed"))
            else:
                flash(_("That route was already removed"), "important")
    return redirect(url_for(".routes", contract_id=contract.id), code=303)


@bp.route("/contracts/<int:contract_id>/valuation-routes", methods=["GET", "POST"])
@checks_own_token
@role_required(*MANAGERS)
def routes(contract_id: int) -> Rendered:
    contract, may_change = _contract_to_change(contract_id)
    collections = {c.id: c for c in collections_svc.collections_of(contract)}
    entries = {e.id: e for t in valuation_svc.value_tables_for(current_user) for e in t.entries}
    form = RouteForm()
    none = [("", _("Not needed for this route"))]
    surveys = {i: c for i, c in collections.items() if c.access != "supplier"}
    form.baseline.choices = none + [
        (str(i), _collection_label(c)) for i, c in surveys.items() if c.wave == "baseline"
    ]
    form.follow_up.choices = none + [
        (str(i), _collection_label(c)) for i, c in surveys.items() if c.wave != "baseline"
    ]
    form.returns.choices = none + [
        (str(i), _collection_label(c))
        for i, c in collections.items()
        if valuation_svc.counts_delivery(c)
    ]
    form.measure_code.choices = none + outcome_map().measure_choices("counted")
    form.entry.choices = none + [(str(i), _entry_label(e)) for i, e in entries.items()]
    if form.validate_on_submit():
        if (repeat := repeat_of(form, url_for(".routes", contract_id=contract.id))) is not None:
            return repeat
        # Choices hold only this contract's collections and the user's own table entries, so
        # a forged id is refused above; the service checks the collections again.
        counted = form.route.data == "counted"
        # A counted route's collection is the delivery returns, chosen in their own list.
        later = form.returns.data if counted else form.follow_up.data
        try:
            valuation_svc.add_route(
                current_user,
                contract,
                form.route.data,
                baseline=None if counted else collections.get(int(form.baseline.data or 0)),
                follow_up=collections.get(int(later or 0)),
                measure_code=form.measure_code.data or None,
                entry=entries.get(int(form.entry.data or 0)),
            )
        except valuation_svc.ValuationRefused as refused:
            db.session.rollback()
            field = "returns" if counted and refused.field == "follow_up" else refused.field
            attach_error(form, field, str(refused))
        else:
            flash(_("Valuation route added"))
            return redirect(url_for(".routes", contract_id=contract.id), code=303)
    existing = [
        {
            "route": route,
            "description": valuation_svc.describe_route(route),
            "baseline": collections.get(route.baseline_collection_id or 0),
            "follow_up": collections.get(route.follow_up_collection_id or 0),
            "entry": db.session.get(ValueTableEntry, route.value_table_entry_id)
            if route.value_table_entry_id
            else None,
        }
        for route in valuation_svc.routes_of(contract)
    ]
    return (
        render_template(
            "valuation/routes.html",
            form=form,
            contract=contract,
            existing=existing,
            collection_label=_collection_label,
            entry_label=_entry_label,
            measures=outcome_map(),
            may_change=may_change,
        ),
        form_status(form),
    )
