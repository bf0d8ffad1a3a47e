"""Gathering the evidence pack's Delivery returns and Commitments sheets (plain dicts).

Read through the same services as the dashboard (`delivery_amounts`, `commitment_progress`)
and the counted-outcome valuations (`latest_submitted`, the delivery_return scorer,
`standard_states`), so the sheets add up to the figures those use; a pack whose rows would
not is refused rather than written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from svcollect.evidence.pack import PackError
from svcollect.extensions import db
from svcollect.models import Collection, Contract, ValueTableEntry
from svcollect.outcomes import Measure
from svcollect.services.commitments import commitments_of
from svcollect.services.dashboard import commitment_progress, delivery_amounts
from svcollect.services.declarations import (
    Standard,
    latest_submitted,
    standard_states,
    standards_of,
)
from svcollect.services.outcomes import outcome_map
from svcollect.services.questionnaires import questionnaire_for
from svcollect.services.responses import saved_rows
from svcollect.services.scores import score_collection
from svcollect.services.valuation import routes_of

DELIVERY_SCORER = "delivery_return"
#: question types whose answers are a supplier's note on a figure
NOTE_TYPES = ("long_text", "short_text")
NO_FIGURE = "no figure given"
REJECTED = "the buyer rejected its evidence, so no valuation counts it"


def _day(text: str | None) -> date | str | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return text  # shown as stored rather than dropped


def _figure(scores: pd.DataFrame, response_id: int, code: str) -> float | None:
    """The figure as the delivery_return scorer read it (None if it counted none)."""
    if response_id not in scores.index or code not in scores.columns:
        return None
    value: Any = scores.at[response_id, code]  # a float column: NaN where no number was given
    return None if pd.isna(value) else float(value)


def _unit(standard: Standard | None, measure: Measure | None) -> str | None:
    """The page's unit (kept equal to the measure's in the outcomes file), else the measure's."""
    unit = standard.page.meta.get("unit") if standard else None
    if isinstance(unit, str) and unit:
        return unit
    return measure.unit if measure else None


def _route_names(contract: Contract) -> tuple[dict[tuple[int, str], list[str]], list[str]]:
    """Counted-outcome routes by (collection, measure) they price, and notes on any that
    name no collection (svcollect values nothing for those)."""
    priced: dict[tuple[int, str], list[str]] = {}
    notes = []
    for route in routes_of(contract):
        if route.route != "counted":
            continue
        entry = db.session.get(ValueTableEntry, route.value_table_entry_id or 0)
        name = f"valuation route {route.id}"
        if entry is not None:
            name += f" ({entry.table.name} v{entry.table.version}, entry {entry.outcome_code})"
        if route.follow_up_collection_id is None:
            notes.append(
                f"The counted-outcome {name} for {route.measure_code} names no delivery-return "
                "collection, so svcollect values nothing for it."
            )
            continue
        key = (route.follow_up_collection_id, route.measure_code or "")
        priced.setdefault(key, []).append(name)
    return priced, notes


def is_delivery_return(collection: Collection) -> bool:
    questionnaire = questionnaire_for(collection.questionnaire_version)
    return collection.access == "supplier" and questionnaire.scorer == DELIVERY_SCORER


def delivery_returns(
    contract: Contract, collections: list[Collection], adherence: list[dict[str, Any]]
) -> dict[str, Any]:
    """The Delivery returns sheet: rows (supplier x measure), totals and notes.

    The same returns and figures as the dashboard's `delivery_amounts` and the
    counted-outcome valuations: each supplier's newest submitted return
    (`latest_submitted`), its figures as the delivery_return scorer reads them, evidenced
    when the measure's latest review is "accepted" (`standard_states`). Evidence files are
    named by their path in the pack, from `adherence` (the rows of `adherence_rows`, which
    claimed them). The totals by measure are `delivery_amounts` itself; the rows must add
    up to them, or nothing is exported.
    """
    paths = {f["id"]: f["path"] for row in adherence for f in row["files"]}
    measures = outcome_map().measures
    priced, notes = _route_names(contract)
    rows: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    units: dict[str, str | None] = {}
    for collection in collections:
        if not is_delivery_return(collection):
            continue
        questionnaire = questionnaire_for(collection.questionnaire_version)
        declarations = sorted(latest_submitted(collection), key=lambda d: d.supplier.name.lower())
        if not declarations:
            continue
        result = score_collection(collection, {d.response_id for d in declarations})
        scores = result.scores
        exclusions = result.exclusions
        why = {
            int(r): str(reason)
            for r, reason in zip(exclusions["response_id"], exclusions["reason"], strict=True)
        }
        pages = {s.code: s for s in standards_of(questionnaire) if s.page.meta.get("measure")}
        # Every number the scorer read is a delivered amount on the dashboard: a measure page's
        # figure, or (in a questionnaire with other number questions) the question's own id.
        extra = sorted(str(c) for c in scores.columns if c != "respondent" and c not in pages)
        codes = [*pages, *extra]
        label = f"{collection.id}: {collection.label}"
        # per code: returns counted, delivered, evidenced, rejected
        sums: dict[str, list[float]] = {code: [0, 0.0, 0.0, 0.0] for code in codes}
        for declaration in declarations:
            rid = declaration.response_id
            states = {s.standard.code: s for s in standard_states(declaration)}
            saved = saved_rows(declaration.response)
            for code in codes:
                standard, state = pages.get(code), states.get(code)
                figure = _figure(scores, rid, code)
                accepted = state is not None and state.accepted
                rejected = state is not None and state.rejected
                measure = measures.get(code)
                unit = _unit(standard, measure)
                units.setdefault(code, unit)
                note = [
                    text
                    for q in (standard.page.questions if standard else ())
                    if q.type in NOTE_TYPES and (text := saved.get(q.id, (None, None))[0])
                ]
                if figure is not None:
                    counted = sums[code]
                    counted[0] += 1
                    counted[1] += figure
                    counted[2] += figure if accepted else 0.0
                    counted[3] += figure if rejected else 0.0
                files = state.files if state else []
                rows.append(
                    {
                        "collection": label,
                        "supplier": declaration.supplier.name,
                        "edition": declaration.edition,
                        "submitted_at": declaration.submitted_at,
                        "period_start": _day(saved.get("period_start", (None, None))[0]),
                        "period_end": _day(saved.get("period_end", (None, None))[0]),
                        "measure": code,
                        "title": measure.title
                        if measure
                        else (standard.title if standard else code),
                        "unit": unit,
                        "figure": figure,
                        "review": state.review if state else None,
                        "evidenced": None if figure is None else figure if accepted else 0.0,
                        "comment": state.review_comment if state else None,
                        "answer": state.supplier_answer if state else None,
                        "note": "\n".join(note) or None,
                        "files": [
                            {"name": f.original_name, "path": paths.get(f.id, "")} for f in files
                        ],
                        "not_counted": (
                            why.get(rid, NO_FIGURE)
                            if figure is None
                            else REJECTED
                            if rejected
                            else None
                        ),
                    }
                )
        for code in codes:
            returns, delivered, evidenced, rejected_total = sums[code]
            returns = int(returns)
            measure = measures.get(code)
            totals.append(
                {
                    "collection": label,
                    "collection_id": collection.id,
                    "measure": code,
                    "title": measure.title if measure else code,
                    "unit": units.get(code),
                    "returns": returns,
                    "delivered": delivered,
                    "evidenced": evidenced,
                    "rejected": rejected_total,
                    "declared_only": delivered - evidenced - rejected_total,
                    "routes": priced.get((collection.id, code), []),
                }
            )
    amounts = delivery_amounts(contract)
    _check_adds_up(totals, amounts)
    by_measure = [
        {
            "measure": code,
            "title": measures[code].title if code in measures else code,
            "unit": units.get(code) or (measures[code].unit if code in measures else None),
            "delivered": delivered,
            "evidenced": evidenced,
        }
        for code, (delivered, evidenced) in sorted(amounts.items())
    ]
    return {"rows": rows, "totals": totals, "by_measure": by_measure, "notes": notes}


def _check_adds_up(totals: list[dict[str, Any]], amounts: dict[str, tuple[float, float]]) -> None:
    """The rows' totals per measure are the dashboard's delivered and evidenced amounts."""
    mine: dict[str, list[float]] = {}
    for t in totals:
        if t["returns"]:
            pair = mine.setdefault(t["measure"], [0.0, 0.0])
            pair[0] += t["delivered"]
            pair[1] += t["evidenced"]
    for code in sorted(set(mine) | set(amounts)):
        ours, theirs = mine.get(code, [0.0, 0.0]), amounts.get(code, (0.0, 0.0))
        if not all(
            math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
            for a, b in zip(ours, theirs, strict=True)
        ):
            raise PackError(
                f"The delivery returns for {code} do not add up to the figures the dashboard "
                "uses (they may have changed while the pack was built); nothing was exported. "
                "Try again."
            )


def commitment_items(
    contract: Contract, today: date, adherence: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Each commitment with the dashboard's `commitment_progress` figures, as of `today`
    (``adherence``: the results' adherence figures, as the dashboard reads them)."""
    commitments = commitments_of(contract)
    progress = commitment_progress(contract, today, adherence)
    if len(progress) != len(commitments):
        raise PackError("The contract's commitments changed while the pack was built: try again")
    return [
        {
            "measure": c.measure_code,
            "title": p.title,
            "unit": p.unit,
            "target": p.target,
            "due_on": p.due_on,
            "delivered": p.delivered,
            "evidenced": p.evidenced,
            "delivered_share": p.share(p.delivered),
            "evidenced_share": p.share(p.evidenced),
            "status": p.status,
        }
        for c, p in zip(commitments, progress, strict=True)
    ]
