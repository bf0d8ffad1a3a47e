"""A contract's results: outcome changes, adherence, valuations and totals, with provenance.

Everything a screen, the CLI or an export shows comes from `results_of`: `compute_results`
while the contract's answers are held, so the same rules (suppression, grades) apply
everywhere and recomputing gives the same hash; once they are deleted at the end of their
retention period, the `KeptResults` computed just before.

`to_dict()` keeps every count exact: it is what screens render (each applying the
small-number rule as it shows a count), what a `ResultSnapshot` stores (kept results are
rendered the same way once the answers are gone) and what the results fingerprint hashes.
Anything that takes the results out of svcollect as data uses `public_dict`, where counts
of 1 to k-1 people read "fewer than k".
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
from flask import current_app
from sqlalchemy import select

from svcollect.evidence.people_counts import disclose_people_counts
from svcollect.extensions import db
from svcollect.models import (
    AnswerDeletion,
    Collection,
    Contract,
    ResultSnapshot,
    User,
    ValueTableEntry,
)
from svcollect.models._types import utcnow
from svcollect.scoring import ScoreResult
from svcollect.scoring.change import OutcomeChange, outcome_change
from svcollect.scoring.delivery import delivery_totals
from svcollect.scoring.differences import secure_shared_waves
from svcollect.scoring.grades import EvidenceGrade
from svcollect.scoring.provenance import canonical_json
from svcollect.scoring.suppression import SuppressionPolicy, people_count
from svcollect.scoring.totals import totals_by_grade, totals_to_dict
from svcollect.scoring.valuation import (
    Valuation,
    value_band_movement,
    value_counted_outcome,
    value_wellby,
)
from svcollect.services.contracts import deletion_for, sees_individual_answers
from svcollect.services.declarations import adherence_summary, latest_submitted, standard_states
from svcollect.services.scores import score_collection
from svcollect.services.valuation import (
    Assumptions,
    current_assumptions,
    opened_on,
    pure_table,
    routes_of,
)

SURVEY_WAVES_AFTER = ("follow_up", "annual")


@dataclass
class Pairing:
    """A baseline and a later collection of the same questionnaire, and each measure's change."""

    questionnaire_id: str
    baseline: Collection
    follow_up: Collection | None
    changes: list[OutcomeChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "questionnaire": self.questionnaire_id,
            "baseline_collection": self.baseline.id,
            "follow_up_collection": self.follow_up.id if self.follow_up else None,
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass
class ContractResults:
    contract: Contract
    pairings: list[Pairing]
    adherence: dict[int, dict[str, Any]]
    valuations: list[Valuation]
    problems: list[str]
    provenance: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The results with exact counts, for screens, snapshots and the fingerprint; never
        output as they are (see `public_dict`)."""
        return {
            "contract": self.contract.reference,
            "outcomes": [p.to_dict() for p in self.pairings],
            "adherence": {str(k): v for k, v in sorted(self.adherence.items())},
            "valuations": [v.to_dict() for v in self.valuations],
            "totals_by_grade": totals_to_dict(totals_by_grade(self.valuations))
            if self.valuations
            else {},
            "problems": self.problems,
            "provenance": self.provenance,
        }

    @property
    def sha256(self) -> str:
        return results_fingerprint(self.contract, self.to_dict())

    @property
    def deletion(self) -> AnswerDeletion | None:
        """Computed results come from answers that are still held."""
        return None


class _Scores:
    """Scores each collection once per computation."""

    def __init__(self) -> None:
        self._cache: dict[int, ScoreResult] = {}
        self.used: dict[str, str] = {}

    def of(self, collection: Collection, response_ids: set[int] | None = None) -> ScoreResult:
        """The collection's scores; with ``response_ids``, only theirs (not cached)."""
        if response_ids is None and collection.id in self._cache:
            return self._cache[collection.id]
        result = score_collection(collection, response_ids)
        self.used[result.scorer] = result.version
        if response_ids is None:
            self._cache[collection.id] = result
        return result

    def counted(self) -> dict[str, int]:
        """Collection id -> responses scored for it (every whole collection scored)."""
        return {str(cid): r.n_responses for cid, r in sorted(self._cache.items())}


def survey_pairings(collections: list[Collection]) -> list[Pairing]:
    """Each baseline paired with each later wave of the same questionnaire and audience.

    A later wave (follow-up or annual) is paired with a baseline that opened on the same UK
    day or an earlier one, never a later one. Days, not timestamps, decide: collections
    are opened for UK days, and the time of day says nothing about which came first (the
    web form opens them at UK midnight; the CLI, imports and scripts at any time), so a
    follow-up opened the same day at an earlier time is still the baseline's follow-up.
    Pairings come in a fixed order whatever order ``collections`` are in: by questionnaire
    and audience, then baseline, then later wave, each by opening time and then id.
    """
    surveys = [c for c in collections if c.access != "supplier"]
    # A workforce baseline is never paired with a community follow-up: different people.
    by_questionnaire: dict[tuple[str, str], list[Collection]] = {}
    for collection in sorted(surveys, key=lambda c: (c.opens_at, c.id)):
        qid = collection.questionnaire_version.questionnaire_id
        by_questionnaire.setdefault((qid, collection.audience), []).append(collection)
    pairings = []
    for (qid, _audience), group in sorted(by_questionnaire.items()):
        baselines = [c for c in group if c.wave == "baseline"]
        later = [c for c in group if c.wave in SURVEY_WAVES_AFTER]
        for baseline in baselines:
            day = opened_on(baseline)
            followers = [c for c in later if opened_on(c) >= day]
            if not followers:
                pairings.append(Pairing(qid, baseline, None))
            for follow_up in followers:
                pairings.append(Pairing(qid, baseline, follow_up))
    return pairings


def _changes(
    pairing: Pairing, scores: _Scores, assumptions: Assumptions, policy: SuppressionPolicy
) -> list[OutcomeChange]:
    baseline = scores.of(pairing.baseline)
    follow_up = scores.of(pairing.follow_up) if pairing.follow_up else _empty_like(baseline)
    changes = []
    for measure in baseline.measures:
        changes.append(
            outcome_change(
                baseline,
                follow_up,
                measure.name,
                threshold=assumptions.thresholds.get(measure.name),
                policy=policy,
            )
        )
    return changes


def _secure_shared_waves(pairings: list[Pairing], policy: SuppressionPolicy) -> None:
    """A collection in several pairings shows the same figures in each, and no two paired
    means of it give away the few people between them (`differences.secure_shared_waves`)."""
    keyed = [
        (p.baseline.id, p.follow_up.id if p.follow_up else None, change)
        for p in pairings
        for change in p.changes
    ]
    secured = iter(secure_shared_waves(keyed, policy))
    for pairing in pairings:
        pairing.changes = [next(secured) for _ in pairing.changes]


def _empty_like(result: ScoreResult) -> pd.DataFrame:
    return result.scores.iloc[0:0]


def compute_results(contract: Contract, *, closed_only: bool = False) -> ContractResults:
    """The contract's results from the answers held now.

    ``closed_only`` leaves out every survey collection still taking answers: the results
    the workforce's employer sees (`results_of`). Figures that move as each person
    answers would let someone who knows when a colleague answered work out that
    colleague's answers from the difference; once a collection closes, its figures hold.
    """
    policy = SuppressionPolicy(k=current_app.config["SVCOLLECT_SUPPRESSION_MIN_N"])
    assumptions = current_assumptions(contract)
    collections = list(
        db.session.scalars(
            select(Collection).filter_by(contract_id=contract.id).order_by(Collection.id)
        )
    )
    left_out: list[int] = []
    if closed_only:
        now = utcnow()
        left_out = [
            c.id for c in collections if c.access != "supplier" and c.state(now) != "closed"
        ]
        collections = [c for c in collections if c.id not in left_out]
    scores = _Scores()
    pairings = survey_pairings(collections)
    for pairing in pairings:
        pairing.changes = _changes(pairing, scores, assumptions, policy)
    _secure_shared_waves(pairings, policy)
    adherence = {}
    for collection in collections:
        if collection.access != "supplier":
            continue
        summary = adherence_summary(collection)
        adherence[collection.id] = {
            "questionnaire": collection.questionnaire_version.questionnaire_id,
            "suppliers": summary.suppliers,
            "figures": {name: p.to_dict() for name, p in summary.figures.items()},
        }
    valuations, problems, tables, routes = _valuations(
        contract, pairings, scores, assumptions, set(left_out)
    )
    provenance = {
        "scorers": dict(sorted(scores.used.items())),
        "questionnaires": {
            str(c.id): f"{c.questionnaire_version.questionnaire_id}/v"
            f"{c.questionnaire_version.version} {c.questionnaire_version.content_hash}"
            for c in collections
        },
        "value_tables": sorted(tables),
        # every route with its collections and value-table version; the survey responses
        # each scored collection counted (exact: exports pass them through people_counts)
        "routes": routes,
        "responses_counted": scores.counted(),
        "assumptions_sha256": assumptions.sha256,
        "assumption_set_version": assumptions.record.version if assumptions.record else None,
        "suppression_min_n": policy.k,
        "svcollect_version": current_app.config["SVCOLLECT_VERSION"],
    }
    if left_out:  # only then: with nothing left out the results are everyone's, to the print
        provenance["open_collections_left_out"] = left_out
    return ContractResults(contract, pairings, adherence, valuations, problems, provenance)


def _change_for(
    pairings: list[Pairing], baseline_id: int | None, follow_up_id: int | None, measure: str
) -> OutcomeChange | None:
    for pairing in pairings:
        if (
            pairing.baseline.id == baseline_id
            and pairing.follow_up is not None
            and pairing.follow_up.id == follow_up_id
        ):
            return next((c for c in pairing.changes if c.measure == measure), None)
    return None


def _route_ref(route: Any, entry: ValueTableEntry | None, measure: str | None) -> dict[str, Any]:
    """Which stored route a valuation came from: its id, collections and value-table version
    (what an evidence pack's Valuation and Inputs sheets trace each figure back to)."""
    table = entry.table if entry is not None else None
    return {
        "id": route.id,
        "route": route.route,
        "measure": measure,
        "baseline_collection": route.baseline_collection_id,
        "follow_up_collection": route.follow_up_collection_id,
        "value_table": None
        if entry is None or table is None
        else {
            "id": table.id,
            "name": table.name,
            "version": table.version,
            "sha256": table.content_hash,
            "file_name": table.file_name,
            "entry_id": entry.id,
            "outcome_code": entry.outcome_code,
        },
    }


def _band_measure(pairings: list[Pairing], route: Any) -> str:
    """The band route's questionnaire (and measure): WEMWBS or SWEMWBS."""
    qids = _qids(pairings, route)
    if not qids:  # its baseline is not in these results (still open for the employer)
        baseline = db.session.get(Collection, route.baseline_collection_id or 0)
        qids = {baseline.questionnaire_version.questionnaire_id} if baseline else set()
    return "wemwbs" if "wemwbs" in qids else "swemwbs"


def _valuations(
    contract: Contract,
    pairings: list[Pairing],
    scores: _Scores,
    assumptions: Assumptions,
    left_out: set[int],
) -> tuple[list[Valuation], list[str], set[str], list[dict[str, Any]]]:
    """The valuations, the problems, the value tables used and every route as recorded."""
    valuations: list[Valuation] = []
    problems: list[str] = []
    tables: set[str] = set()
    refs: list[dict[str, Any]] = []
    a = assumptions.valuation
    for route in routes_of(contract):
        entry = db.session.get(ValueTableEntry, route.value_table_entry_id or 0)
        if route.route == "wellby":
            measure: str | None = "life_satisfaction"
        elif route.route == "band":
            measure = _band_measure(pairings, route)
        else:
            measure = route.measure_code
        ref = _route_ref(route, entry, measure)
        refs.append(ref)
        if {route.baseline_collection_id, route.follow_up_collection_id} & left_out:
            # The true reason, not "no paired responses yet": there may be many.
            problems.append(
                f"Route {route.id}: not valued here while its survey collections are still "
                "taking answers (figures are shown once they close)."
            )
            continue
        table = pure_table(entry.table) if entry else None
        if entry is not None:
            tables.add(f"{entry.table.name} v{entry.table.version} {entry.table.content_hash}")
        made: list[Valuation] = []
        try:
            if route.route == "wellby":
                change = _change_for(
                    pairings,
                    route.baseline_collection_id,
                    route.follow_up_collection_id,
                    "life_satisfaction",
                )
                if change is None or change.method != "paired":
                    problems.append(_no_pairs(route.id, "life satisfaction", change))
                    continue
                made.append(value_wellby(change, a))
            elif route.route == "band" and table is not None and entry is not None:
                qid = measure or "swemwbs"
                change = _change_for(
                    pairings, route.baseline_collection_id, route.follow_up_collection_id, qid
                )
                if change is None or change.method != "paired":
                    problems.append(_no_pairs(route.id, qid.upper(), change))
                    continue
                made.append(value_band_movement(change, table, entry.outcome_code, a))
            elif route.route == "counted" and table is not None and entry is not None:
                made.extend(_counted(route, table, entry, scores, a))
        except ValueError as error:
            problems.append(f"Route {route.id}: {error}")
        valuations.extend(replace(v, route_ref=ref) for v in made)
    return valuations, problems, tables, refs


def _qids(pairings: list[Pairing], route: Any) -> set[str]:
    return {p.questionnaire_id for p in pairings if p.baseline.id == route.baseline_collection_id}


def _no_pairs(route_id: int, measure: str, change: OutcomeChange | None) -> str:
    why = change.reason if change is not None and change.reason else "no paired responses yet"
    return f"Route {route_id}: {measure} is not valued because {why}."


def _counted(
    route: Any, table: Any, entry: ValueTableEntry, scores: _Scores, a: Any
) -> list[Valuation]:
    """Delivery-return totals split into evidence accepted and declared only.

    A figure whose evidence the buyer rejected is valued by neither grade: the Delivery
    returns sheet lists it as not counted.
    """
    collection = db.session.get(Collection, route.follow_up_collection_id or 0)
    if collection is None:
        return []
    accepted_ids: set[int] = set()
    declared_ids: set[int] = set()
    for declaration in latest_submitted(collection):
        states = {s.standard.code: s for s in standard_states(declaration)}
        state = states.get(route.measure_code)
        if state is not None and state.rejected:
            continue
        target = accepted_ids if state is not None and state.accepted else declared_ids
        target.add(declaration.response_id)
    figures = []
    for ids, grade in (
        (accepted_ids, EvidenceGrade.ACCEPTED_DECLARATION),
        (declared_ids, EvidenceGrade.DECLARED),
    ):
        if not ids:
            continue
        totals = delivery_totals(scores.of(collection, ids))
        row = totals[totals["question_id"] == route.measure_code]
        quantity = float(row["total"].iloc[0]) if len(row) else 0.0
        figures.append(
            value_counted_outcome(
                table, entry.outcome_code, quantity, a, n_responses=len(ids), grade=grade
            )
        )
    return figures


def results_fingerprint(contract: Contract, data: dict[str, Any]) -> str:
    """The results' fingerprint: equal results give equal fingerprints, on every page, pack
    and snapshot, so a figure can be matched to the computation it came from.

    It is an HMAC-SHA256 under the contract's own secret (the one respondent codes are kept
    under), not a plain hash: the results hold exact counts that every screen and export
    suppresses, and a plain hash beside the published figures would let anyone test each
    guess at a hidden count (1 to k-1, a few hundred tries) until one matched.
    """
    message = b"svcollect results fingerprint\n" + canonical_json(data).encode("utf-8")
    return hmac.new(contract.respondent_salt.encode("utf-8"), message, hashlib.sha256).hexdigest()


def snapshot_of(results: ContractResults) -> ResultSnapshot:
    """The results as computed, with their provenance, added to the session (not committed)."""
    payload = results.to_dict()
    snapshot = ResultSnapshot(
        contract_id=results.contract.id,
        results_sha256=results_fingerprint(results.contract, payload),
        provenance_json=canonical_json(results.provenance),
        results_json=canonical_json(payload),
    )
    db.session.add(snapshot)
    return snapshot


def store_snapshot(results: ContractResults) -> ResultSnapshot:
    """Keep the results as computed, with their provenance, for later comparison."""
    snapshot = snapshot_of(results)
    db.session.commit()
    return snapshot


@dataclass
class KeptResults:
    """A contract's results kept when its raw survey answers were deleted after retention.

    They are the snapshot computed just before the deletion, read back unchanged: nothing
    can be recomputed, so every screen and export shows exactly these figures and says why.
    """

    contract: Contract
    deletion: AnswerDeletion
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.data

    @property
    def sha256(self) -> str:
        return self.deletion.snapshot.results_sha256


def results_of(
    contract: Contract, viewer: User | None = None, *, employer: bool | None = None
) -> ContractResults | KeptResults:
    """The contract's results: computed from its answers, or kept once they were deleted.

    For a ``viewer`` at the workforce's employer (who may not see individual answers:
    `contracts.sees_individual_answers`) surveys still open are left out
    (`compute_results`); everyone else, and the command line (no viewer), sees them live.
    ``employer`` says so outright (an evidence pack, by the audience it was made for).
    """
    deletion = deletion_for(contract.id)
    if deletion is None:
        if employer is None:
            employer = viewer is not None and not sees_individual_answers(viewer, contract)
        return compute_results(contract, closed_only=employer)
    return KeptResults(contract, deletion, json.loads(deletion.snapshot.results_json))


def public_dict(results: ContractResults | KeptResults) -> dict[str, Any]:
    """The results as data leaving svcollect (``svcollect score --json``, files).

    ``to_dict()`` with every count of 1 to k-1 people (per-wave n, n_paired, unpaired and
    dropped counts, the n of each statistic) written "fewer than k", k being the threshold
    the results were computed with. Stored snapshots and ``sha256`` keep the exact counts.
    """
    return disclose_people_counts(results.to_dict())


def _fmt(stat: dict[str, Any], pattern: str = "{:.2f}") -> str:
    if stat.get("suppressed"):
        return "suppressed"
    value = stat.get("value")
    return "–" if value is None else pattern.format(value)


def render_text(results: ContractResults | KeptResults) -> str:
    """A plain table of the headline figures for the command line."""
    data = results.to_dict()
    policy = SuppressionPolicy(k=int(data["provenance"]["suppression_min_n"]))
    lines = [f"Contract {data['contract']}  (results sha256 {results.sha256[:16]})", ""]
    lines.append("Outcome changes (paired baseline -> follow-up):")
    for pairing in data["outcomes"]:
        follow = pairing["follow_up_collection"] or "none yet"
        lines.append(
            f"  {pairing['questionnaire']}: collection {pairing['baseline_collection']} -> {follow}"
        )
        for change in pairing["changes"]:
            paired = change.get("paired") or {}
            if change["method"] == "paired" and paired:
                lines.append(
                    f"    {change['measure']:<20} "
                    f"n={people_count(int(change['n_paired']), policy):<6} change "
                    f"{_fmt(paired['mean_change'])} (95% CI {_fmt(paired['ci_low'])} to "
                    f"{_fmt(paired['ci_high'])})  [{change['evidence_grade']}]"
                )
            else:
                reason = change.get("reason") or change["method"]
                lines.append(f"    {change['measure']:<20} {reason}")
    lines.append("")
    lines.append("Valuations (low / central / high):")
    if not data["valuations"]:
        lines.append("  none: no valuation routes set, or nothing to value yet")
    for valuation in data["valuations"]:
        total = valuation["total"]
        lines.append(
            f"  {valuation['route']:<16} {valuation['outcome']:<20} "
            f"£{_fmt(total['low'], '{:,.0f}')} / £{_fmt(total['central'], '{:,.0f}')} / "
            f"£{_fmt(total['high'], '{:,.0f}')}  {valuation['price_year']} prices  "
            f"[{valuation['evidence_grade']}]"
        )
    for problem in data["problems"]:
        lines.append(f"  ! {problem}")
    lines.append("")
    lines.append(f"Assumptions sha256: {data['provenance']['assumptions_sha256']}")
    return "\n".join(lines)
