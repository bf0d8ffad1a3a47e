"""Inputs sheet: the collections, valuation routes and value-table versions behind the figures.

Each Valuation row names its route, its baseline and follow-up collections and its value-table
version; this sheet lists every one of them, as the results recorded them (a pack made from
kept results shows the routes and tables those results used, not today's). The survey
responses each collection counted are counts of people: 1 to k-1 read "fewer than k"
(people_counts). Suppliers' returns are organisations', so they are exact. Pure: the services
gather each collection's label and dates (services.export_data.collection_inputs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from svcollect.evidence.pack_tables import Cell, Sheet, Styled, header, measure_of
from svcollect.evidence.pack_valuation import NOT_RECORDED
from svcollect.evidence.people_counts import disclose_people_counts

INPUTS_TITLE = "Inputs"
NOT_SCORED = (
    "not scored: no baseline of the same questionnaire and audience opened on or before "
    "it, so no figure uses its answers"
)
SUPPLIER_COUNT = "suppliers' newest submitted returns (organisations, not people)"
STATES = {"open": "open", "not_open": "not open yet", "closed": "closed"}
ROUTE_NAMES = {"wellby": "WELLBY", "band": "band movement", "counted": "counted outcome"}


def _text(value: Any) -> Cell:
    """Text people typed (labels, table names, sources): always a string cell that wraps."""
    return Styled(str(value), "wrap") if value not in (None, "") else None


def _day(value: Any) -> Cell:
    return Styled(value, "date") if value is not None else None


def _collections(
    sheet: Sheet, results: Mapping[str, Any], collections: Sequence[Mapping[str, Any]]
) -> None:
    provenance = results["provenance"]
    counted = provenance.get("responses_counted")
    sheet.add(Styled("Collections that fed the results", "section"))
    sheet.add(
        *header(
            "Collection",
            "Label",
            "Questionnaire",
            "Questionnaire version",
            "Questionnaire content hash",
            "Audience",
            "Wave",
            "Access",
            "Opened (UK date)",
            "Closed, or closes (UK date)",
            "State when exported",
            "Responses counted",
            "What is counted",
        )
    )
    for c in collections:
        cid = str(c["id"])
        if c.get("missing"):
            sheet.add(c["id"], "This collection is no longer stored.")
            continue
        if c["access"] == "supplier":
            block = results["adherence"].get(cid) or {}
            n: Cell = block.get("suppliers")
            what = SUPPLIER_COUNT
        elif counted is None:
            n, what = NOT_RECORDED, "these kept results did not record it"
        elif cid in counted:
            n, what = counted[cid], "submitted survey responses scored"
        else:
            n, what = None, NOT_SCORED
        state = "closed early" if c["closed_early"] else STATES.get(c["state"], c["state"])
        sheet.add(
            c["id"],
            _text(c["label"]),
            c["questionnaire"],
            c["version"],
            c["content_hash"],
            c["audience"],
            c["wave"],
            c["access"],
            _day(c["opened_on"]),
            _day(c["closes_on"]),
            state,
            n,
            what,
        )
    if not collections:
        sheet.add("No collection fed these results.")
    left_out = provenance.get("open_collections_left_out") or []
    if left_out:
        sheet.add(
            Styled(
                "Survey collections still taking answers are left out of these results (see "
                "the Cover), so they are not listed here.",
                "wrap",
            )
        )


def _routes(
    sheet: Sheet, results: Mapping[str, Any], measures: Mapping[str, tuple[str, str]]
) -> list[Mapping[str, Any]]:
    routes: list[Mapping[str, Any]] = results["provenance"].get("routes") or []
    sheet.add(Styled("Valuation routes", "section"))
    sheet.add(
        *header(
            "Route id",
            "Route",
            "Measure",
            "Measure code",
            "Baseline collection",
            "Follow-up or delivery-return collection",
            "Value table",
            "Value table version",
            "Value table row (outcome code)",
            "Rows on Valuation",
            "Not valued because",
        )
    )
    rows: dict[Any, int] = {}
    for v in results["valuations"]:
        rid = (v.get("route_ref") or {}).get("id")
        rows[rid] = rows.get(rid, 0) + 1
    for route in routes:
        table = route.get("value_table") or {}
        prefix = f"Route {route['id']}:"
        problems = [p[len(prefix) :].strip() for p in results["problems"] if p.startswith(prefix)]
        sheet.add(
            route["id"],
            ROUTE_NAMES.get(route["route"], route["route"]),
            *measure_of(route.get("measure"), measures),
            route.get("baseline_collection"),
            route.get("follow_up_collection"),
            _text(table.get("name")),
            table.get("version"),
            _text(table.get("outcome_code")),
            rows.get(route["id"], 0),
            _text("; ".join(problems)),
        )
    if "routes" not in results["provenance"]:
        sheet.add(
            Styled(
                "These results were kept before svcollect recorded their valuation routes; "
                "the value tables they used are listed below as the results recorded them.",
                "wrap",
            )
        )
    elif not routes:
        sheet.add("No valuation routes are set for this contract.")
    return routes


def _tables(sheet: Sheet, results: Mapping[str, Any], routes: Sequence[Mapping[str, Any]]) -> None:
    sheet.add(Styled("Value table versions used", "section"))
    sheet.add(
        *header(
            "Value table",
            "Version",
            "SHA-256 of the imported file",
            "File imported",
            "Row used (outcome code)",
            "Description",
            "Source",
            "Licence",
            "Deadweight included in the value",
            "Routes",
            "Rows on Valuation",
        )
    )
    left_out = set(results["provenance"].get("open_collections_left_out") or [])
    sources: dict[tuple[str, str], Mapping[str, Any]] = {}
    priced: dict[tuple[Any, ...], int] = {}
    for v in results["valuations"]:
        table = (v.get("route_ref") or {}).get("value_table")
        if table:
            key = (table["sha256"], table["version"], table["outcome_code"])
            sources[(table["sha256"], table["outcome_code"])] = v.get("value_source") or {}
            priced[key] = priced.get(key, 0) + 1
    used: dict[tuple[Any, ...], tuple[Mapping[str, Any], list[str]]] = {}
    for route in routes:
        table = route.get("value_table")
        if not table or {route.get("baseline_collection"), route.get("follow_up_collection")} & (
            left_out
        ):
            continue
        key = (table["sha256"], table["version"], table["outcome_code"])
        used.setdefault(key, (table, []))[1].append(str(route["id"]))
    for key, (table, ids) in sorted(used.items(), key=lambda i: (i[1][0]["name"], i[0])):
        source = sources.get((table["sha256"], table["outcome_code"]), {})
        included = source.get("deadweight_included")
        sheet.add(
            _text(table["name"]),
            table["version"],
            table["sha256"],
            _text(table.get("file_name")),
            _text(table["outcome_code"]),
            _text(source.get("description")),
            _text(source.get("source")),
            _text(source.get("licence")),
            None if included is None else "yes" if included else "no",
            ", ".join(ids),
            priced.get(key, 0),
        )
    if "routes" not in results["provenance"]:
        for text in results["provenance"].get("value_tables") or ():
            sheet.add(_text(text))
    elif not used:
        sheet.add("No value table was used.")
    wellby = next((v for v in results["valuations"] if v["route"] == "wellby"), None)
    if wellby is not None:
        name = (wellby.get("value_source") or {}).get("name", "")
        sheet.add(
            Styled(
                f"WELLBY rows take their values per WELLBY from the assumptions (source: {name}; "
                "see Assumptions and sources), not from a value table.",
                "wrap",
            )
        )


def inputs_sheet(
    results: Mapping[str, Any],
    collections: Sequence[Mapping[str, Any]],
    measures: Mapping[str, tuple[str, str]],
) -> Sheet:
    """`collections`: each collection in the results' provenance, as gathered by
    services.export_data.collection_inputs; `measures`: code -> (code, title)."""
    results = disclose_people_counts(results)
    k = results["provenance"].get("suppression_min_n")
    sheet = Sheet(
        INPUTS_TITLE,
        widths={1: 14, 2: 34, 3: 30, 4: 14, 5: 24, 7: 30, 9: 22, 10: 22, 11: 30, 12: 16, 13: 44},
    )
    sheet.add(Styled("Inputs: what the figures were calculated from", "title"))
    sheet.add(
        Styled(
            "Every collection whose responses or returns fed the results, every valuation "
            "route, and every value table version the routes used. Each row on the Valuation "
            "sheet names its route id, collections and value table version, listed here. "
            f"Counts of fewer than {k} people read 'fewer than {k}'.",
            "wrap",
        )
    )
    sheet.add()
    _collections(sheet, results, collections)
    sheet.add()
    routes = _routes(sheet, results, measures)
    sheet.add()
    _tables(sheet, results, routes)
    return sheet
