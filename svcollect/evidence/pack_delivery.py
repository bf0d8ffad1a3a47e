"""Delivery returns and Commitments sheets: suppliers' counted figures and promises (pure).

Delivery returns lists each supplier's newest submitted return in each delivery-return
collection, one row per measure, with its evidence review, note and evidence files (by
their path inside the pack), then the totals: per collection and measure (what a
counted-outcome valuation route prices) and per measure (the dashboard's delivered and
evidenced figures). Commitments lists each commitment made at bid with the dashboard's
delivered and evidenced amounts. The services gather every figure (services.export_delivery);
nothing is recalculated here. These are organisations' figures, not people's, so nothing
is suppressed (see people_counts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from svcollect.evidence.pack_tables import Cell, Sheet, Styled, header
from svcollect.scoring.grades import EvidenceGrade

DELIVERY_TITLE = "Delivery returns"
COMMITMENTS_TITLE = "Commitments"
ACCEPTED = EvidenceGrade.ACCEPTED_DECLARATION.value
DECLARED = EvidenceGrade.DECLARED.value
#: how each review state reads; only "accepted" counts as evidenced
REVIEW_LABELS = {
    None: "not reviewed",
    "accepted": "accepted",
    "queried": "queried",
    "rejected": "rejected",
    "answered": "queried, supplier answered (not reviewed again yet)",
}
RETURN_COLUMNS = (
    "Collection",
    "Supplier",
    "Edition",
    "Submitted at (UTC)",
    "Period start",
    "Period end",
    "Measure",
    "Measure title",
    "Unit",
    "Figure",
    "Evidence review",
    "Evidenced (accepted)",
    "Latest review comment",
    "Supplier's answer to it",
    "Note",
    "Evidence files",
    "Files in this pack",
    "Not counted because",
)


def review_label(review: str | None) -> str:
    return REVIEW_LABELS.get(review, review or "not reviewed")


def _text(value: Any) -> Cell:
    """Text people typed, kept as text (never a formula); long text wraps."""
    return Styled(value, "wrap") if isinstance(value, str) and value else None


def _day(value: Any) -> Cell:
    return Styled(value, "date") if isinstance(value, date) else value


def delivery_sheet(data: Mapping[str, Any]) -> Sheet:
    """`data`: rows, totals, by_measure and notes, as gathered by services.export_data."""
    sheet = Sheet(
        DELIVERY_TITLE,
        widths={1: 28, 2: 30, 4: 20, 7: 26, 8: 36, 13: 40, 14: 40, 15: 50, 16: 40, 17: 70, 18: 30},
    )
    sheet.add(Styled("Delivery returns: what suppliers reported and what was evidenced", "title"))
    sheet.add(
        Styled(
            "Each supplier's newest submitted return in each delivery-return collection (an "
            "earlier edition replaced by a re-attestation does not count), one row per "
            "measure: the returns and figures that the dashboard's commitments and the "
            "counted-outcome valuations use. A figure counts as evidenced only when a "
            "contract manager's latest decision on its evidence is 'accepted'. Evidence files "
            "are in this pack at the path given. These are organisations' figures, not "
            "people's, so none is suppressed.",
            "wrap",
        )
    )
    sheet.add()
    sheet.add(Styled("Totals by collection and measure (what valuation routes price)", "section"))
    sheet.add(
        *header(
            "Collection",
            "Measure",
            "Measure title",
            "Unit",
            "Returns counted",
            "Delivered",
            "Evidenced (accepted)",
            "Rejected (not valued)",
            "Declared only (not reviewed, queried or answered)",
            "Priced by",
        )
    )
    for t in data["totals"]:
        sheet.add(
            t["collection"],
            t["measure"],
            t["title"],
            t["unit"],
            t["returns"],
            t["delivered"],
            t["evidenced"],
            t["rejected"],
            t["declared_only"],
            _text("; ".join(t["routes"])),
        )
    if not data["totals"]:
        sheet.add("No supplier has submitted a delivery return on this contract.")
    sheet.add(
        Styled(
            "A counted-outcome route's Valuation rows take their Quantity (Q) from the row it "
            f"prices: 'Evidenced (accepted)' for the grade '{ACCEPTED}', 'Declared only' for "
            f"the grade '{DECLARED}'. A figure whose evidence was rejected is valued by "
            "neither until a contract manager accepts it or the supplier re-attests.",
            "wrap",
        )
    )
    for note in data.get("notes", ()):
        sheet.add(Styled(note, "wrap"))
    sheet.add()
    sheet.add(Styled("Totals by measure, every collection (as on the dashboard)", "section"))
    sheet.add(*header("Measure", "Measure title", "Unit", "Delivered", "Evidenced (accepted)"))
    for m in data["by_measure"]:
        sheet.add(m["measure"], m["title"], m["unit"], m["delivered"], m["evidenced"])
    if not data["by_measure"]:
        sheet.add("Nothing delivered has been reported yet.")
    sheet.add()
    sheet.add(Styled("Each return, figure by figure", "section"))
    sheet.add(*header(*RETURN_COLUMNS))
    for row in data["rows"]:
        files = row.get("files") or []
        sheet.add(
            row["collection"],
            row["supplier"],
            row["edition"],
            row["submitted_at"],
            _day(row["period_start"]),
            _day(row["period_end"]),
            row["measure"],
            row["title"],
            row["unit"],
            row["figure"],
            review_label(row["review"]),
            row["evidenced"],
            _text(row.get("comment")),
            _text(row.get("answer")),
            _text(row.get("note")),
            _text("\n".join(f["name"] for f in files)),
            _text("\n".join(f["path"] for f in files)),
            row.get("not_counted"),
        )
    return sheet


def _share(value: float | None) -> Cell:
    """A share given in percent (as on the dashboard), written as an Excel percentage."""
    return None if value is None else Styled(value / 100, "percent")


def commitments_sheet(items: Sequence[Mapping[str, Any]], as_of: date) -> Sheet:
    """Each commitment with the dashboard's delivered and evidenced amounts, as of a UK day."""
    sheet = Sheet(COMMITMENTS_TITLE, widths={1: 26, 2: 40, 3: 12, 10: 36})
    sheet.add(Styled("Commitments made at bid: delivered and evidenced so far", "title"))
    sheet.add(
        Styled(
            "Each commitment recorded on the contract, with what suppliers' newest submitted "
            "delivery returns report for its measure (delivered) and the part whose evidence a "
            "contract manager accepted (evidenced), summed over every delivery-return "
            "collection: the dashboard's figures (see 'Totals by measure' on Delivery returns). "
            "Survey measures are not counted here: see Summary and Outcomes.",
            "wrap",
        )
    )
    sheet.add(Styled("Status as of (UK date)", "header"), Styled(as_of, "date"))
    sheet.add()
    sheet.add(
        *header(
            "Measure",
            "Measure title",
            "Unit",
            "Target",
            "Due on",
            "Delivered",
            "Evidenced (accepted)",
            "Delivered, share of target",
            "Evidenced, share of target",
            "Status",
        )
    )
    for c in items:
        sheet.add(
            c["measure"],
            c["title"],
            c["unit"],
            c["target"],
            _day(c["due_on"]),
            c["delivered"],
            c["evidenced"],
            _share(c["delivered_share"]),
            _share(c["evidenced_share"]),
            c["status"],
        )
    if not items:
        sheet.add("No commitments were recorded at bid for this contract.")
    return sheet
