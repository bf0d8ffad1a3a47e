"""Dashboards: a contract's and a portfolio's figures, gathered from results and the database.

Every figure comes from `results_of` (through `to_dict()`, so suppression and grades
are the results page's) or from counts that carry no answers; charts are drawn by the pure
`svcollect.charts` package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from flask import current_app
from sqlalchemy import select

from svcollect.charts import (
    Figure,
    Progress,
    adherence_figure,
    bands_figure,
    change_figure,
    commitments_figure,
    comparison_figure,
    counts_figure,
    figure_id,
    responses_figure,
    values_figure,
)
from svcollect.charts.supply import set_title
from svcollect.extensions import db
from svcollect.i18n import gettext, translated
from svcollect.models import AnswerDeletion, Collection, Contract, Response, User
from svcollect.models._types import UK, utcnow
from svcollect.scoring.grades import GRADE_ORDER
from svcollect.scoring.suppression import (
    REASON_TOTAL,
    Stat,
    SuppressionPolicy,
    count_stat,
    reason_small,
    suppress_distribution,
    withheld,
)
from svcollect.services.collections import collections_of, kept_counts, response_counts
from svcollect.services.commitments import commitments_of
from svcollect.services.declarations import latest_submitted, standard_states
from svcollect.services.outcomes import outcome_map
from svcollect.services.portfolio import portfolio
from svcollect.services.questionnaires import questionnaire_for
from svcollect.services.results import ContractResults, KeptResults, results_of
from svcollect.services.scores import score_collection

ADHERENCE_SCORERS = ("mhaw_standards", "supplier_adherence")


@dataclass(frozen=True)
class OutcomeSection:
    """One baseline and its follow-up: a change figure and a band figure per measure."""

    heading: str
    figures: list[Figure]
    flags: list[str]


@dataclass(frozen=True)
class ContractDashboard:
    contract: Contract
    k: int
    responses: list[Figure]
    outcomes: list[OutcomeSection]
    adherence: list[Figure]
    commitments: Figure
    values: Figure
    problems: list[str]
    #: set once the survey answers were deleted after retention: the figures are kept ones
    deletion: AnswerDeletion | None = None
    #: the results' provenance (what they were computed from, and what was left out)
    provenance: dict[str, Any] = field(default_factory=dict)


def _uk_day(moment: datetime) -> date:
    return moment.astimezone(UK).date()


def _people(collection: Collection) -> bool:
    """Survey responses are people; supplier declarations speak for organisations."""
    return collection.access != "supplier"


def submission_days(collection_ids: list[int]) -> dict[int, list[date]]:
    """The UK date of each submitted response per collection (no other detail is read)."""
    days: dict[int, list[date]] = {cid: [] for cid in collection_ids}
    if not collection_ids:
        return days
    rows = db.session.execute(
        select(Response.collection_id, Response.submitted_at).where(
            Response.collection_id.in_(collection_ids), Response.status == "submitted"
        )
    )
    for cid, submitted_at in rows:
        if submitted_at is not None:
            days[cid].append(_uk_day(submitted_at))
    for cid, counts in kept_counts(collection_ids).items():
        # Kept days replace the rows, some of which may still be waiting to be deleted.
        days[cid] = [
            date.fromisoformat(day)
            for day, n in sorted(counts.get("days", {}).items())
            for _ in range(int(n))
        ]
    return days


def _response_figures(collections: list[Collection], k: int) -> list[Figure]:
    ids = [c.id for c in collections]
    days = submission_days(ids)
    counts = response_counts(ids)
    now = utcnow()
    figures = []
    for collection in collections:
        people = _people(collection)
        last = min(
            collection.closed_early_at or collection.closes_at, max(now, collection.opens_at)
        )
        figures.append(
            responses_figure(
                gettext(
                    "%(collection)s: responses over time",
                    collection=_collection_name(collection, ""),
                ),
                days[collection.id],
                _uk_day(collection.opens_at),
                _uk_day(last),
                fig_id=figure_id("responses", collection.id),
                k=k if people else 1,
                declarations=not people,
                invitations=counts[collection.id].invitations,
            )
        )
    return figures


def _collection_name(collection: Collection | None, fallback: str) -> str:
    if collection is None:
        return fallback
    return f"{collection.label} ({collection.wave.replace('_', '-')})"


def _outcome_sections(data: dict[str, Any], by_id: dict[int, Collection]) -> list[OutcomeSection]:
    sections = []
    for index, pairing in enumerate(data["outcomes"]):
        baseline = by_id.get(pairing["baseline_collection"])
        follow = by_id.get(pairing["follow_up_collection"] or 0)
        title = (
            translated(questionnaire_for(baseline.questionnaire_version).title)
            if baseline
            else pairing["questionnaire"]
        )
        heading = gettext(
            "%(questionnaire)s: %(baseline)s to %(follow_up)s",
            questionnaire=title,
            baseline=_collection_name(baseline, gettext("baseline")),
            follow_up=_collection_name(follow, gettext("no follow-up yet")),
        )
        figures: list[Figure] = []
        flags: list[str] = []
        for change in pairing["changes"]:
            figures.append(
                change_figure(change, fig_id=figure_id("change", index, change["measure"]))
            )
            bands = bands_figure(change, fig_id=figure_id("bands", index, change["measure"]))
            if bands is not None:
                figures.append(bands)
            flags.extend(f for f in change.get("flags", []) if f not in flags)
        sections.append(OutcomeSection(heading, figures, flags))
    return sections


def _adherence_collections(collections: Iterable[Collection]) -> list[Collection]:
    return [
        c
        for c in collections
        if c.access == "supplier"
        and questionnaire_for(c.questionnaire_version).scorer in ADHERENCE_SCORERS
    ]


def _adherence_figures(data: dict[str, Any], collections: list[Collection]) -> list[Figure]:
    return [
        adherence_figure(
            data["adherence"].get(str(c.id), {}),
            fig_id=figure_id("adherence", c.id),
            context=f" – {c.label}",
        )
        for c in _adherence_collections(collections)
    ]


def delivery_amounts(contract: Contract) -> dict[str, tuple[float, float]]:
    """Per measure code: (delivered, evidenced) summed over every delivery-return collection.

    Delivered is what suppliers' newest submitted returns report; evidenced is the part
    whose evidence a contract manager accepted. Units, not people: nothing is suppressed.
    """
    amounts: dict[str, list[float]] = {}
    for collection in collections_of(contract):
        if collection.access != "supplier":
            continue
        questionnaire = questionnaire_for(collection.questionnaire_version)
        if questionnaire.scorer != "delivery_return":
            continue
        declarations = latest_submitted(collection)
        if not declarations:
            continue
        scores = score_collection(collection, {d.response_id for d in declarations}).scores
        for declaration in declarations:
            if declaration.response_id not in scores.index:
                continue
            row = scores.loc[declaration.response_id]
            accepted = {s.standard.code for s in standard_states(declaration) if s.accepted}
            for measure, value in row.items():
                if measure == "respondent" or pd.isna(value):
                    continue
                pair = amounts.setdefault(str(measure), [0.0, 0.0])
                pair[0] += float(value)
                if measure in accepted:
                    pair[1] += float(value)
    return {m: (d, e) for m, (d, e) in amounts.items()}


def adherence_shares(
    contract: Contract, adherence: Mapping[str, Any]
) -> dict[str, tuple[float, float]]:
    """Per adherence measure (a share of suppliers): (declared %, accepted %) now.

    ``adherence`` is the results' (``to_dict()["adherence"]``): the figures the dashboard's
    adherence section shows, from the newest supplier collection of the measure's
    questionnaire with a submitted declaration. Suppliers, not people: nothing is suppressed.
    """
    opened = {str(c.id): (c.opens_at, c.id) for c in collections_of(contract)}
    newest: dict[str, Mapping[str, Any]] = {}
    for cid in sorted((c for c in adherence if c in opened), key=opened.__getitem__):
        entry = adherence[cid]
        if entry.get("suppliers"):
            newest[entry["questionnaire"]] = entry.get("figures") or {}
    shares: dict[str, tuple[float, float]] = {}
    for measure in outcome_map().measures.values():
        score = measure.score or ""
        figures = newest.get(measure.questionnaire)
        if measure.kind != "survey" or not score.endswith("_accepted") or figures is None:
            continue
        accepted = (figures.get(score) or {}).get("share", {}).get("value")
        declared = (
            (figures.get(score.removesuffix("_accepted") + "_declared") or {})
            .get("share", {})
            .get("value")
        )
        if accepted is not None and declared is not None:  # None: applies to no supplier
            shares[measure.code] = (100 * float(declared), 100 * float(accepted))
    return shares


def commitment_progress(
    contract: Contract, today: date, adherence: Mapping[str, Any], context: str = ""
) -> list[Progress]:
    """Each commitment with the delivered and evidenced amounts of its measure so far.

    For a share of suppliers adhering (MHAW standards), "delivered" is the share that
    declared them and "evidenced" the share whose evidence was accepted, as the results'
    ``adherence`` give them.
    """
    measures = outcome_map().measures
    amounts = delivery_amounts(contract)
    shares = adherence_shares(contract, adherence)
    items = []
    for commitment in commitments_of(contract):
        measure = measures.get(commitment.measure_code)
        counted = measure is None or measure.kind == "counted" or measure.code in shares
        delivered, evidenced = amounts.get(commitment.measure_code) or shares.get(
            commitment.measure_code, (0.0, 0.0)
        )
        items.append(
            Progress(
                title=measure.title if measure else commitment.measure_code,
                unit=commitment.unit,
                target=float(commitment.target),
                due_on=commitment.due_on,
                delivered=delivered if counted else None,
                evidenced=evidenced if counted else None,
                today=today,
                context=context,
            )
        )
    return items


def _price_year(data: dict[str, Any]) -> str | None:
    years = {v["price_year"] for v in data["valuations"]}
    return years.pop() if len(years) == 1 else None


def contract_dashboard(
    contract: Contract,
    results: ContractResults | KeptResults | None = None,
    viewer: User | None = None,
) -> ContractDashboard:
    """Everything the contract dashboard shows, from the same results as the results page
    (those for ``viewer``: `results.results_of`)."""
    results = results or results_of(contract, viewer)
    data = results.to_dict()
    k = int(data["provenance"]["suppression_min_n"])
    collections = collections_of(contract)
    by_id = {c.id: c for c in collections}
    today = _uk_day(utcnow())
    return ContractDashboard(
        contract=contract,
        k=k,
        responses=_response_figures(collections, k),
        outcomes=_outcome_sections(data, by_id),
        adherence=_adherence_figures(data, collections),
        commitments=commitments_figure(
            commitment_progress(contract, today, data["adherence"]),
            fig_id=figure_id("commitments", contract.id),
        ),
        values=values_figure(
            data["totals_by_grade"],
            fig_id=figure_id("values", contract.id),
            price_year=_price_year(data),
        ),
        problems=list(data["problems"]),
        deletion=results.deletion,
        provenance=data["provenance"],
    )


@dataclass(frozen=True)
class ContractRow:
    """One contract in the portfolio table."""

    contract: Contract
    responses: dict[str, Any]
    paired_measures: int
    values: list[tuple[str, dict[str, Any]]]
    #: the response count is withheld for being 1 to k-1 (shown as "fewer than k"), not
    #: hidden so that another count cannot be worked out from it
    responses_small: bool = False


@dataclass(frozen=True)
class PortfolioDashboard:
    k: int
    rule: str
    #: how many figures for people already counted were left out (a count Stat dict:
    #: withheld when 1 to k-1), and per contract (a suppressed distribution's cells)
    dropped: dict[str, Any]
    dropped_by_contract: dict[str, dict[str, Any]]
    values: Figure
    contracts: list[ContractRow]
    responses: Figure
    outcomes: list[Figure]
    adherence: Figure
    commitments: Figure


def _label(contract: Contract) -> str:
    return f"{contract.reference} – {contract.title}"


def _total(parts: list[Stat], policy: SuppressionPolicy) -> Stat:
    """A total of counts: withheld if small, or if it would reveal the one withheld part."""
    raw = int(sum(int(s.raw or 0) for s in parts))
    total = count_stat(raw, policy)
    if not total.suppressed and sum(s.suppressed for s in parts) == 1:
        return withheld(raw, REASON_TOTAL, hidden=raw, n_disclosed=False)
    return total


def _ordered(totals: dict[str, Any]) -> dict[str, Any]:
    order = [g.value for g in GRADE_ORDER]
    return dict(sorted(totals.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))


def portfolio_dashboard(user: User) -> PortfolioDashboard:
    """The portfolio: its total counting each respondent code once, and per-contract figures."""
    result = portfolio(user)
    k = int(current_app.config["SVCOLLECT_SUPPRESSION_MIN_N"])
    policy = SuppressionPolicy(k=k)
    rows: list[ContractRow] = []
    counts: list[Stat] = []
    changes: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    sources: dict[str, set[int]] = {}  # the contracts each measure's rows come from
    mhaw: dict[str, Any] = {}
    titles: dict[str, str] = {}
    suppliers = 0
    progress: list[Progress] = []
    years: set[str] = set()
    today = _uk_day(utcnow())
    for results in result.results:
        contract, data = results.contract, results.to_dict()
        collections = collections_of(contract)
        submitted = response_counts([c.id for c in collections if _people(c)])
        count = _total([count_stat(c.submitted, policy) for c in submitted.values()], policy)
        counts.append(count)
        years |= {v["price_year"] for v in data["valuations"]}
        paired = 0
        names = {c.id: c.label for c in collections}
        compared = [p for p in data["outcomes"] if p["follow_up_collection"] is not None]
        for pairing in compared:
            row = _label(contract)
            if len(compared) > 1:  # name the waves, or one contract reads as several
                # TRANSLATORS: follows a contract's name: the collections its change is between
                row += gettext(
                    " (%(baseline)s to %(follow_up)s)",
                    baseline=names.get(pairing["baseline_collection"], gettext("baseline")),
                    follow_up=names.get(pairing["follow_up_collection"], gettext("follow-up")),
                )
            for change in pairing["changes"]:
                changes.setdefault(change["label"], []).append((row, change))
                sources.setdefault(change["label"], set()).add(contract.id)
                paired += (
                    change["method"] == "paired"
                    and not change["paired"]["mean_change"]["suppressed"]
                )
        for collection in _adherence_collections(collections):
            entry = data["adherence"].get(str(collection.id), {})
            if questionnaire_for(collection.questionnaire_version).scorer != "mhaw_standards":
                continue
            suppliers += int(entry.get("suppliers") or 0)
            for name, figure in (entry.get("figures") or {}).items():
                base = name.rsplit("_", 1)[0]
                mhaw[f"c{collection.id}-{name}"] = figure
                titles[f"c{collection.id}-{base}"] = (
                    f"{contract.reference}, {collection.label}: {set_title(base)}"
                )
        progress += commitment_progress(
            contract, today, data["adherence"], context=f"{contract.reference}: "
        )
        rows.append(
            ContractRow(
                contract,
                count.to_dict(),
                paired,
                [(g, levels["central"]) for g, levels in _ordered(data["totals_by_grade"]).items()],
                responses_small=count.suppressed and count.reason == reason_small(k),
            )
        )
    totals = {
        grade: {level: stat.to_dict() for level, stat in levels.items()}
        for grade, levels in result.total.totals.items()
    }
    references = {str(r.contract.id): r.contract.reference for r in result.results}
    dropped = result.total.dropped_by_contract
    by_contract = suppress_distribution(
        [references.get(cid, cid) for cid in dropped],
        list(dropped.values()),
        policy,
        answers=False,  # people per contract, not what they answered
    )
    return PortfolioDashboard(
        k=k,
        rule=result.total.rule,
        dropped=count_stat(result.total.n_dropped, policy).to_dict(),
        dropped_by_contract={
            label: cell.to_dict()
            for label, cell in zip(by_contract.labels, by_contract.counts, strict=True)
        },
        values=values_figure(
            _ordered(totals),
            fig_id="fig-portfolio-values",
            price_year=years.pop() if len(years) == 1 else None,
            # TRANSLATORS: follows "Value by evidence grade (£, low, central and high)"
            context=gettext(", each respondent counted once"),
            empty=gettext("Nothing is valued yet on these contracts."),
        ),
        contracts=rows,
        responses=counts_figure(
            gettext("Survey responses in each contract"),
            [(_label(r.contract), r.responses) for r in rows],
            _total(counts, policy).to_dict(),
            fig_id="fig-portfolio-responses",
            k=k,
        ),
        outcomes=[
            comparison_figure(
                label,
                items,
                fig_id=figure_id("compare", i),
                k=k,
                contracts=len(sources[label]),
            )
            for i, (label, items) in enumerate(sorted(changes.items()))
        ],
        adherence=adherence_figure(
            {"suppliers": suppliers, "figures": mhaw},
            fig_id="fig-portfolio-adherence",
            # TRANSLATORS: follows "Supplier adherence: declared and accepted"
            context=gettext(" across contracts"),
            titles=titles,
        ),
        commitments=commitments_figure(
            progress, fig_id="fig-portfolio-commitments", context=gettext(" across contracts")
        ),
    )
