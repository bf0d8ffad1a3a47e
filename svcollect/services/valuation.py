"""Valuation set-up: importing value tables, recording assumptions, choosing routes."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from svcollect.charts.figure import POUND_UNITS
from svcollect.extensions import db
from svcollect.imports.value_tables import read_value_table
from svcollect.models import (
    AssumptionSet,
    Collection,
    Contract,
    User,
    ValuationRoute,
    ValueTable,
    ValueTableEntry,
)
from svcollect.models._types import UK
from svcollect.scoring.assumptions import InvalidAssumptionsError, ValuationAssumptions
from svcollect.scoring.deflators import UnknownPriceYearError
from svcollect.scoring.double_counting import (
    DoubleCountingError,
    ProposedValuation,
    Route,
    check_no_double_counting,
)
from svcollect.scoring.measures import measure_defaults
from svcollect.scoring.provenance import canonical_json, sha256_of
from svcollect.scoring.value_tables import ValueTable as PureTable
from svcollect.scoring.value_tables import ValueTableEntry as PureEntry
from svcollect.scoring.value_tables import ValueTableError
from svcollect.services import audit
from svcollect.services.contracts import deletion_for, may_change
from svcollect.services.outcomes import outcome_map
from svcollect.services.questionnaires import questionnaire_for

ROUTE_KINDS = {"wellby": Route.WELLBY, "band": Route.WELLBEING_SCALE, "counted": Route.COUNTED}


class ValuationRefused(ValueError):
    """The set-up cannot be saved; `field` names the form field, `errors` any per-field list."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AssumptionsConflict(ValuationRefused):
    """Someone saved the assumptions after this form was read: nothing of this save was
    kept (as services.contracts.EditConflict, on the form's hidden `version` field)."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else saved these assumptions since you opened this page, so your "
                "changes have not been saved. Check what is saved now, then make your "
                "changes again and save"
            ),
            "version",
        )


KEPT_MESSAGE = _l(
    "This contract's survey answers were deleted at the end of their retention period and "
    "its results are kept as they were, so its valuation can no longer be changed"
)


def refuse_if_kept(contract: Contract) -> None:
    """Results kept after the answers were deleted cannot be recomputed, so nothing changes."""
    if deletion_for(contract.id) is not None:
        raise ValuationRefused(str(KEPT_MESSAGE))


#: what refuse_unless_buyer says, for each thing only the buyer does: whole sentences, so
#: that a translation can word each as its language needs
ONLY_THE_BUYER = {
    "assumptions": _l("Only the buying organisation can record the valuation assumptions"),
    "add_route": _l("Only the buying organisation can choose how outcomes are valued"),
    "remove_route": _l("Only the buying organisation can remove a valuation route"),
}


def refuse_unless_buyer(user: User, contract: Contract, what: str) -> None:
    """Only the buyer sets up a contract's valuation: the prime supplier's managers may see
    it, but a supplier does not choose the assumptions or routes that value its own work.
    `what` is a key of ONLY_THE_BUYER."""
    if not may_change(user, contract):
        raise ValuationRefused(str(ONLY_THE_BUYER[what]), "submit")


# --- value tables ------------------------------------------------------------------------


def import_value_table(
    user: User, name: str, filename: str, content: bytes
) -> ValueTable | list[ValueTableError]:
    """Import a CSV/XLSX value table as a new version; errors name the row and column."""
    name = name.strip()
    if not name:
        return [ValueTableError(_("Enter a name for the table"), None, "name")]
    parsed = read_value_table(content, filename=filename, name=name)
    if isinstance(parsed, list):
        return parsed
    latest = db.session.scalar(
        select(func.max(ValueTable.version)).filter_by(
            organisation_id=user.organisation_id, name=name
        )
    )
    table = ValueTable(
        organisation_id=user.organisation_id,
        name=name,
        version=(latest or 0) + 1,
        file_name=filename[:200],
        content_hash=parsed.sha256,
        imported_by_id=user.id,
    )
    db.session.add(table)
    db.session.flush()
    for entry in parsed.entries.values():
        db.session.add(
            ValueTableEntry(
                value_table_id=table.id,
                outcome_code=entry.outcome_code,
                description=entry.description,
                unit=entry.unit,
                value=Decimal(str(entry.value)),
                price_year=entry.price_year,
                source=entry.source,
                licence=entry.licence,
                deadweight_included=entry.deadweight_included,
            )
        )
    audit.record(
        "value_table_imported",
        actor=user,
        obj=table,
        organisation_id=user.organisation_id,
        name=name,
        version=table.version,
        rows=len(parsed.entries),
        sha256=parsed.sha256,
    )
    db.session.commit()
    return table


def value_tables_for(user: User) -> list[ValueTable]:
    query = select(ValueTable).order_by(ValueTable.name, ValueTable.version.desc())
    if user.role != "admin":
        query = query.filter_by(organisation_id=user.organisation_id)
    return list(db.session.scalars(query))


def pure_table(table: ValueTable) -> PureTable:
    """The stored table as the scoring package reads it, named with its version."""
    entries = {
        e.outcome_code: PureEntry(
            outcome_code=e.outcome_code,
            description=e.description,
            unit=e.unit,
            value=float(e.value),
            price_year=e.price_year,
            source=e.source,
            licence=e.licence,
            deadweight_included=e.deadweight_included,
            row=0,
        )
        for e in table.entries
    }
    return PureTable(
        name=f"{table.name} v{table.version}", sha256=table.content_hash, entries=entries
    )


# --- assumptions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Assumptions:
    """A contract's current assumptions: valuation values and meaningful-change thresholds."""

    record: AssumptionSet | None
    valuation: ValuationAssumptions
    thresholds: dict[str, float]

    @property
    def sha256(self) -> str:
        return sha256_of({"valuation": self.valuation.to_dict(), "thresholds": self.thresholds})


def current_assumptions(contract: Contract) -> Assumptions:
    record = db.session.scalar(
        select(AssumptionSet)
        .filter_by(contract_id=contract.id)
        .order_by(AssumptionSet.version.desc())
        .limit(1)
    )
    if record is None:
        return Assumptions(None, ValuationAssumptions(), {})
    stored = json.loads(record.values_json)
    return Assumptions(
        record,
        ValuationAssumptions.from_mapping(stored["valuation"]),
        {k: float(v) for k, v in stored.get("thresholds", {}).items()},
    )


def record_assumptions(
    user: User,
    contract: Contract,
    values: dict[str, Any],
    thresholds: dict[str, float],
    *,
    read_version: int | None,
) -> AssumptionSet:
    """Save a new version of the contract's assumptions; errors name each bad field.

    `read_version` is the version the form showed (0: none saved yet): if anyone has
    saved since, nothing is saved (AssumptionsConflict), so no one undoes a change unseen.
    """
    refuse_unless_buyer(user, contract, "assumptions")
    refuse_if_kept(contract)
    latest = db.session.scalar(
        select(func.max(AssumptionSet.version)).filter_by(contract_id=contract.id)
    )
    if read_version != (latest or 0):
        raise AssumptionsConflict()
    valuation = ValuationAssumptions.from_mapping(values)  # raises InvalidAssumptionsError
    errors: dict[str, str] = {}
    for k, v in thresholds.items():
        defaults = measure_defaults(k)
        if defaults is None:
            errors[f"threshold_{k}"] = _("%(measure)s is not a measure svcollect scores", measure=k)
        elif not (math.isfinite(v) and v > 0):
            errors[f"threshold_{k}"] = _(
                "The meaningful change for %(measure)s must be a number more than 0",
                measure=defaults.label,
            )
        elif v > defaults.largest_change:
            errors[f"threshold_{k}"] = _(
                "The meaningful change for %(measure)s must be %(points)s points or fewer: "
                "no one's score can change by more",
                measure=defaults.label,
                points=format(defaults.largest_change, "g"),
            )
    if errors:
        raise InvalidAssumptionsError(errors)
    payload = {"valuation": valuation.to_dict(), "thresholds": dict(sorted(thresholds.items()))}
    record = AssumptionSet(
        contract_id=contract.id,
        version=(latest or 0) + 1,
        values_json=canonical_json(payload),
        sha256=sha256_of(payload),
        created_by_id=user.id,
    )
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:  # another save made this version since the check above
        db.session.rollback()
        raise AssumptionsConflict() from None
    audit.record(
        "assumptions_recorded",
        actor=user,
        obj=record,
        organisation_id=contract.buyer_id,
        version=record.version,
        sha256=record.sha256,
    )
    db.session.commit()
    return record


# --- routes ------------------------------------------------------------------------------


def routes_of(contract: Contract) -> list[ValuationRoute]:
    return list(
        db.session.scalars(
            select(ValuationRoute).filter_by(contract_id=contract.id).order_by(ValuationRoute.id)
        )
    )


def _collection(collection_id: int | None) -> Collection | None:
    return db.session.get(Collection, collection_id) if collection_id else None


def opened_on(collection: Collection) -> date:
    """The UK day a collection opened: the day people choose when they open one.

    Pairing (`results.survey_pairings`), the check that a route's follow-up can follow its
    baseline and the double-counting periods all compare these days, never UTC dates.
    """
    return collection.opens_at.astimezone(UK).date()


def _proposal(route: ValuationRoute) -> ProposedValuation:
    """What a route values, in the terms the double-counting rule compares: the UK days
    from the day its baseline opened to the last day its follow-up took answers."""
    baseline = _collection(route.baseline_collection_id)
    follow_up = _collection(route.follow_up_collection_id)
    start, end = date.min, date.max
    if follow_up is not None:
        # min: a route saved before follow-ups were checked may have one opened earlier
        start = min(opened_on(c) for c in (baseline, follow_up) if c is not None)
        end = follow_up.last_open_day
    if route.route == "counted" or follow_up is None:
        population = "the contract's reported deliveries"
    else:
        population = f"the contract's {follow_up.audience}"
    return ProposedValuation(
        label=describe_route(route),
        route=ROUTE_KINDS[route.route],
        population=population,
        period_start=start,
        period_end=end,
        outcome=route.measure_code or route.route,
    )


def describe_route(route: ValuationRoute) -> str:
    measure = outcome_map().measures.get(route.measure_code or "")
    names = {
        "wellby": "WELLBY from life satisfaction",
        "band": "wellbeing band movement",
        "counted": f"counted outcome: {measure.title if measure else route.measure_code}",
    }
    return (
        f"{names[route.route]} (route {route.id})" if route.id else f"the new {names[route.route]}"
    )


#: the words value tables use for one person (a band route moves people)
_PEOPLE = frozenset({"person", "people", "participant", "individual", "learner", "beneficiary"})


def unit_key(unit: str) -> str:
    """A unit as compared: "Hours" and "hour", "people" and "person", "£" and "GBP" agree."""
    word = unit.strip().casefold().removeprefix("per ").strip()
    if word in _PEOPLE or word.rstrip("s") in _PEOPLE or word == "beneficiaries":
        return "person"
    if word in POUND_UNITS:
        return "pound"
    return word[:-1] if word.endswith("s") else word


def _refuse_entry_that_cannot_price(
    contract: Contract, route: str, measure_code: str | None, entry: ValueTableEntry
) -> None:
    """A route whose entry could never be valued was added, and said so only on the results
    page: a price year the contract's deflator series does not cover, or a value per
    something other than what the route counts (hours priced per person)."""
    series = current_assumptions(contract).valuation.series
    try:
        series.label(entry.price_year)
    except UnknownPriceYearError as exc:
        raise ValuationRefused(
            _(
                "The entry's price year cannot be used: %(problem)s. Pick another entry, or "
                "change the deflator series on the assumptions page first",
                problem=str(exc),
            ),
            "entry",
        ) from None
    if route == "counted":
        measure = outcome_map().measures.get(measure_code or "")
        wanted = measure.unit if measure else None
    else:
        wanted = "people"  # a band route counts people moving band
    if wanted is not None and unit_key(entry.unit) != unit_key(wanted):
        raise ValuationRefused(
            _(
                "The entry is a value per %(unit)s, but the route counts %(counted)s: pick an "
                "entry priced per %(wanted)s",
                unit=entry.unit,
                counted=wanted,
                wanted=unit_key(wanted),
            ),
            "entry",
        )


def _refuse_follow_up_before_baseline(baseline: Collection, follow_up: Collection) -> None:
    """A follow-up pairs only with a baseline that opened on the same UK day or an earlier
    one (`results.survey_pairings`), so a route the other way round could never be valued."""
    started, followed = opened_on(baseline), opened_on(follow_up)
    if followed < started:
        raise ValuationRefused(
            _(
                "The follow-up collection opened on %(follow_up)s, before the baseline "
                "collection (%(baseline)s), so no one's answers could be compared: select "
                "a follow-up that opened on the same day as the baseline or later",
                follow_up=followed.strftime("%-d %B %Y"),
                baseline=started.strftime("%-d %B %Y"),
            ),
            "follow_up",
        )


def counts_delivery(collection: Collection) -> bool:
    """Whether a counted route can count this collection: suppliers' delivery returns."""
    version = collection.questionnaire_version
    return collection.access == "supplier" and questionnaire_for(version).scorer == (
        "delivery_return"
    )


def add_route(
    user: User,
    contract: Contract,
    route: str,
    *,
    baseline: Collection | None = None,
    follow_up: Collection | None = None,
    measure_code: str | None = None,
    entry: ValueTableEntry | None = None,
) -> ValuationRoute:
    """Add a valuation route, refusing one that would value a change twice."""
    refuse_unless_buyer(user, contract, "add_route")
    refuse_if_kept(contract)
    if route not in ROUTE_KINDS:
        raise ValuationRefused(_("Select how to value the outcome"), "route")
    for name, collection in (("baseline", baseline), ("follow_up", follow_up)):
        if collection is not None and collection.contract_id != contract.id:
            raise ValuationRefused(_("Select collections from this contract"), name)
    if route in ("wellby", "band"):
        if baseline is None or follow_up is None:
            raise ValuationRefused(_("Select the baseline and follow-up collections"), "follow_up")
        wanted = ("ons4",) if route == "wellby" else ("wemwbs", "swemwbs")
        qids = {
            baseline.questionnaire_version.questionnaire_id,
            follow_up.questionnaire_version.questionnaire_id,
        }
        if len(qids) != 1 or not qids <= set(wanted):
            raise ValuationRefused(
                _(
                    "A WELLBY needs two ONS4 collections; a band value needs two WEMWBS or two "
                    "SWEMWBS collections"
                ),
                "follow_up",
            )
        if baseline.wave != "baseline":
            raise ValuationRefused(
                _("Select a collection opened as a baseline for the baseline"),
                "baseline",
            )
        if follow_up.wave == "baseline":
            raise ValuationRefused(
                _("Select a collection opened as a follow-up or annual wave for the follow-up"),
                "follow_up",
            )
        _refuse_follow_up_before_baseline(baseline, follow_up)
    if route in ("band", "counted") and entry is None:
        raise ValuationRefused(_("Select a value table entry"), "entry")
    if (
        entry is not None
        and user.role != "admin"
        and (entry.table.organisation_id != user.organisation_id)
    ):
        raise ValuationRefused(_("Select an entry from your organisation's value tables"), "entry")
    if route == "counted" and not measure_code:
        raise ValuationRefused(_("Select the measure being counted"), "measure_code")
    if route == "counted" and (follow_up is None or not counts_delivery(follow_up)):
        # Without one the route valued nothing, and said nothing (results._counted).
        raise ValuationRefused(
            _("Select the delivery-return collection whose figures are counted"), "follow_up"
        )
    if entry is not None:
        _refuse_entry_that_cannot_price(contract, route, measure_code, entry)
    record = ValuationRoute(
        contract_id=contract.id,
        route=route,
        baseline_collection_id=baseline.id if baseline else None,
        follow_up_collection_id=follow_up.id if follow_up else None,
        measure_code=measure_code,
        value_table_entry_id=entry.id if entry else None,
        created_by_id=user.id,
    )
    proposals = [_proposal(r) for r in routes_of(contract)] + [_proposal(record)]
    try:
        check_no_double_counting(proposals)
    except DoubleCountingError as error:
        raise ValuationRefused(str(error), "route") from None
    db.session.add(record)
    db.session.flush()
    audit.record(
        "valuation_route_added",
        actor=user,
        obj=record,
        organisation_id=contract.buyer_id,
        route=route,
    )
    db.session.commit()
    return record


def remove_route(user: User, contract: Contract, route_id: int) -> bool:
    """Remove one of the contract's valuation routes (one chosen by mistake, say, which
    would block the right one as double counting); False if it is not there (any more)."""
    refuse_unless_buyer(user, contract, "remove_route")
    refuse_if_kept(contract)
    record = db.session.get(ValuationRoute, route_id)
    if record is None or record.contract_id != contract.id:
        return False
    audit.record(
        "valuation_route_removed",
        actor=user,
        obj=record,
        organisation_id=contract.buyer_id,
        route=record.route,
        baseline=record.baseline_collection_id,
        follow_up=record.follow_up_collection_id,
        measure=record.measure_code,
        entry=record.value_table_entry_id,
    )
    db.session.delete(record)
    db.session.commit()
    return True
