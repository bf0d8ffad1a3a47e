"""Evidence packs: suppliers' delivery returns and the contract's commitments.

The Delivery returns sheet must add up to exactly what the dashboard and the counted-outcome
valuation use (the newest submitted edition of each return, evidenced only when accepted),
name each evidence file by its path in the pack, keep supplier text as text, and be in the
employer's pack as well as the buyer's.
"""

from __future__ import annotations

import json
import os
import secrets
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from svcollect.evidence.pack import MANIFEST, README, verify_pack
from svcollect.extensions import db
from svcollect.models import (
    Answer,
    ContractSupplier,
    EvidenceFile,
    ValuationRoute,
    ValueTable,
    ValueTableEntry,
)
from svcollect.models._types import UK, utcnow
from svcollect.scoring.grades import EvidenceGrade
from svcollect.services.commitments import add_commitment
from svcollect.services.dashboard import commitment_progress, delivery_amounts
from svcollect.services.declarations import (
    answer_query,
    invite_suppliers,
    latest_submitted,
    reattest,
)
from svcollect.services.export_delivery import REJECTED
from svcollect.services.results import compute_results
from svcollect.services.valuation import add_route, import_value_table
from tests.integration.export_world import (
    INJECTIONS,
    export,
    pack_of,
    rows_of,
    sha256,
    table_of,
    valuation_rows,
    workbook_of,
)
from tests.integration.helpers import (
    ONS_OTHER,
    decide,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    seed_responses,
)

MEASURES = [
    "mh_first_aiders_trained",
    "wellbeing_sessions_delivered",
    "volunteering_hours_local",
    "apprenticeship_weeks",
    "spend_local_vcse",
    "spend_local_sme",
    "staff_living_wage",
]
VALUES = (
    b"outcome_code,description,unit,value,price_year,source,licence,deadweight_included\n"
    b"VOL-H,Hours volunteered,hour,17.50,2024,Our own estimate,Internal,no\n"
)


DECLARED_ONLY = "Declared only (not reviewed, queried or answered)"


def approx(value: float | None) -> Any:
    return None if value is None else pytest.approx(value, rel=1e-14, abs=1e-14)


SUPPLIERS = [f"{INJECTIONS[0]} Ltd", "Beta Ltd", "Gamma Ltd"]


def _figures(base: float) -> dict[str, float]:
    return {m: base + i for i, m in enumerate(MEASURES)} | {"spend_local_vcse": base * 100 + 0.37}


def _fill(app: Any, declaration: Any, period: tuple[date, date], figures: dict[str, float]) -> None:
    """Answers straight into the database, with a note and an evidence file per figure; the
    notes and file names start with formula characters. Then submitted."""
    upload_dir = Path(app.config["SVCOLLECT_UPLOAD_DIR"])
    upload_dir.mkdir(parents=True, exist_ok=True)
    rid = declaration.response_id
    # a re-attestation starts as a copy: replace its answers and evidence files
    db.session.query(Answer).filter_by(response_id=rid).delete()
    db.session.query(EvidenceFile).filter_by(response_id=rid).delete()
    answers: dict[str, tuple[str, float | None]] = {
        "period_start": (period[0].isoformat(), None),
        "period_end": (period[1].isoformat(), None),
    }
    for i, (measure, value) in enumerate(figures.items()):
        answers[measure] = (repr(value), value)
        answers[f"{measure}_note"] = (f"{INJECTIONS[i % len(INJECTIONS)]} note {measure}", None)
        data = b"%PDF-1.4\n" + os.urandom(200)
        stored = f"{secrets.token_hex(16)}.bin"
        (upload_dir / stored).write_bytes(data)
        record = EvidenceFile(
            response_id=rid,
            question_id=f"{measure}_evidence",
            sha256=sha256(data),
            stored_name=stored,
            original_name=f"{INJECTIONS[(i + 1) % len(INJECTIONS)]}{measure}.pdf",
            file_type="pdf",
            size_bytes=len(data),
        )
        db.session.add(record)
        db.session.flush()
        answers[f"{measure}_evidence"] = (json.dumps([record.id]), None)
    for question, (text, number) in answers.items():
        db.session.add(
            Answer(response_id=rid, question_id=question, value_text=text, value_number=number)
        )
    now = utcnow()
    declaration.response.status, declaration.response.submitted_at = "submitted", now
    declaration.status, declaration.submitted_at = "submitted", now
    db.session.commit()


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    prime = make_organisation("Acme Facilities", "prime_supplier")
    contract.prime_supplier_id = prime.id
    seed_responses(
        make_collection("ons4", contract=contract),
        [(f"P{i}", {"life_satisfaction": 6, **ONS_OTHER}) for i in range(12)],
    )
    orgs = [make_organisation(name, "supplier", employee_count=50) for name in SUPPLIERS]
    for org in orgs:
        db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=org.id))
    db.session.commit()
    first, second = (
        make_collection("delivery-return", contract=contract, access="supplier") for _ in range(2)
    )
    first.label, second.label = "Returns 2026 Q1", "Returns 2026 Q2"
    db.session.commit()
    q1, q2 = (date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30))
    by_name: dict[tuple[int, str], Any] = {}
    for collection, period, base in ((first, q1, 10.0), (second, q2, 20.0)):
        for declaration in invite_suppliers(manager, collection):
            _fill(
                app,
                declaration,
                period,
                _figures(base + SUPPLIERS.index(declaration.supplier.name)),
            )
            by_name[(collection.id, declaration.supplier.name)] = declaration
    alpha, beta, gamma = (by_name[(first.id, name)] for name in SUPPLIERS)
    decide(manager, alpha, "volunteering_hours_local", "accepted", "")
    decide(manager, alpha, "mh_first_aiders_trained", "queried", INJECTIONS[2])
    decide(manager, beta, "volunteering_hours_local", "queried", "Which groups?")
    answer_query(manager, beta, "volunteering_hours_local", "Food bank", [])
    decide(manager, gamma, "volunteering_hours_local", "accepted", "")
    # Gamma re-attests with a corrected figure: only the newer edition counts, and the
    # acceptance given to the first edition does not carry over to it.
    _fill(app, reattest(manager, gamma), q1, _figures(99.0))
    # Beta starts a re-attestation but never submits it: its submitted edition still counts.
    reattest(manager, beta)
    decide(manager, by_name[(second.id, "Beta Ltd")], "spend_local_vcse", "accepted", "")
    table = import_value_table(manager, "Local values", "values.csv", VALUES)
    assert not isinstance(table, list), table
    add_route(
        manager,
        contract,
        "counted",
        follow_up=first,
        measure_code="volunteering_hours_local",
        entry=table.entries[0],
    )
    known = {*MEASURES, "life_satisfaction_ons4"}
    due = date.today() + timedelta(days=90)
    for measure, target in (("volunteering_hours_local", "60"), ("spend_local_vcse", "1000")):
        add_commitment(manager, contract, measure, "unit", Decimal(target), due, known)
    add_commitment(
        manager, contract, "life_satisfaction_ons4", "points", Decimal("0.5"), due, known
    )
    return {
        "contract": contract,
        "manager": manager,
        "employer": make_user("contract_manager", prime),
        "collections": (first, second),
    }


def _section(rows: list[list[Any]], first_header: str, second: str) -> list[dict[str, Any]]:
    """The rows of the table whose header row starts (first_header, second), as dicts."""
    start = next(i for i, r in enumerate(rows) if r[:2] == [first_header, second])
    titles = [t for t in rows[start] if t is not None]
    out = []
    for row in rows[start + 1 :]:
        if row[0] is None or (len(row) > 1 and all(v is None for v in row[1 : len(titles)])):
            break
        out.append(dict(zip(titles, row, strict=False)))
    return out


def _sheet(app: Any, job: Any, tmp_path: Path, title: str) -> list[list[Any]]:
    return rows_of(workbook_of(pack_of(app, job), tmp_path)[title])


def alpha_reply_free(rows: list[dict[str, Any]]) -> bool:
    """No reply where the supplier has not answered the latest query."""
    return all(
        not r["Supplier's answer to it"]
        for r in rows
        if not str(r["Evidence review"]).startswith("queried, supplier answered")
    )


def test_one_row_per_newest_submitted_return_and_measure(app, world, tmp_path):
    first, _ = world["collections"]
    q1 = f"{first.id}: Returns 2026 Q1"
    rows = _section(
        _sheet(app, export(world["contract"], world["manager"]), tmp_path, "Delivery returns"),
        "Collection",
        "Supplier",
    )
    assert len(rows) == 2 * len(SUPPLIERS) * len(MEASURES)
    keys = {(r["Collection"], r["Supplier"], r["Measure"]) for r in rows}
    assert len(keys) == len(rows)
    gamma = [r for r in rows if r["Supplier"] == "Gamma Ltd" and r["Collection"] == q1]
    assert {r["Edition"] for r in gamma} == {2}
    volunteering = next(r for r in gamma if r["Measure"] == "volunteering_hours_local")
    assert volunteering["Figure"] == 101.0  # the corrected figure, not edition 1's 14
    assert volunteering["Evidence review"] == "not reviewed"  # edition 1's acceptance stays there
    assert volunteering["Evidenced (accepted)"] == 0
    beta = {r["Measure"]: r for r in rows if r["Supplier"] == "Beta Ltd" and r["Collection"] == q1}
    assert beta["volunteering_hours_local"]["Edition"] == 1  # its draft edition 2 is not counted
    assert beta["volunteering_hours_local"]["Evidence review"].startswith(
        "queried, supplier answered"
    )
    # the reviewer's question, and the supplier's reply in its own column
    assert beta["volunteering_hours_local"]["Latest review comment"] == "Which groups?"
    assert beta["volunteering_hours_local"]["Supplier's answer to it"] == "Food bank"
    assert alpha_reply_free(rows)
    alpha = {
        r["Measure"]: r for r in rows if r["Supplier"] == SUPPLIERS[0] and r["Collection"] == q1
    }
    accepted = alpha["volunteering_hours_local"]
    assert accepted["Evidence review"] == "accepted"
    assert accepted["Evidenced (accepted)"] == accepted["Figure"] == 12.0
    assert alpha["mh_first_aiders_trained"]["Evidence review"] == "queried"
    assert alpha["mh_first_aiders_trained"]["Evidenced (accepted)"] == 0
    assert alpha["apprenticeship_weeks"]["Evidence review"] == "not reviewed"
    assert accepted["Measure title"] == "Volunteering hours in the local community"
    assert accepted["Unit"] == "hours" and alpha["spend_local_vcse"]["Unit"] == "GBP"
    assert alpha["spend_local_vcse"]["Figure"] == 1000.37
    assert accepted["Period start"].date() == date(2026, 1, 1)
    assert accepted["Period end"].date() == date(2026, 3, 31)
    assert accepted["Note"] == f"{INJECTIONS[2]} note volunteering_hours_local"
    assert accepted["Evidence files"] == f"{INJECTIONS[3]}volunteering_hours_local.pdf"
    assert accepted["Files in this pack"].startswith(f"evidence/{first.id} Returns 2026 Q1/")
    assert accepted["Not counted because"] is None


def test_totals_are_the_figures_the_dashboard_and_the_valuation_use(app, world, tmp_path):
    contract = world["contract"]
    first, _ = world["collections"]
    book = workbook_of(pack_of(app, export(contract, world["manager"])), tmp_path)
    sheet = rows_of(book["Delivery returns"])
    rows = _section(sheet, "Collection", "Supplier")
    amounts = delivery_amounts(contract)
    assert set(amounts) == set(MEASURES)
    for measure, (delivered, evidenced) in amounts.items():
        mine = [r for r in rows if r["Measure"] == measure]
        assert sum(r["Figure"] for r in mine) == approx(delivered)
        assert sum(r["Evidenced (accepted)"] for r in mine) == approx(evidenced)
    by_measure = {r["Measure"]: r for r in _section(sheet, "Measure", "Measure title")}
    for measure, (delivered, evidenced) in amounts.items():
        assert (by_measure[measure]["Delivered"], by_measure[measure]["Evidenced (accepted)"]) == (
            approx(delivered),
            approx(evidenced),
        )
    assert amounts["spend_local_vcse"][1] == pytest.approx(2100.37)  # accepted in Q2 only
    # The counted route prices collection 1's volunteering hours: its Quantity (Q) on the
    # Valuation sheet is this collection's evidenced and declared-only totals.
    totals = _section(sheet, "Collection", "Measure")
    [priced] = [
        t
        for t in totals
        if t["Measure"] == "volunteering_hours_local" and t["Collection"].startswith(f"{first.id}:")
    ]
    assert "valuation route" in priced["Priced by"] and "VOL-H" in priced["Priced by"]
    grades = {
        v["evidence_grade"]: v["quantity"]["value"]
        for v in compute_results(contract).to_dict()["valuations"]
        if v["route"] == "counted_outcome"
    }
    assert grades == {
        EvidenceGrade.ACCEPTED_DECLARATION.value: approx(priced["Evidenced (accepted)"]),
        EvidenceGrade.DECLARED.value: approx(priced[DECLARED_ONLY]),
    }
    assert priced["Evidenced (accepted)"] == 12.0  # only the first supplier's is accepted
    assert priced["Delivered"] == 12.0 + 13.0 + 101.0
    assert priced["Returns counted"] == 3
    valuation = rows_of(book["Valuation"])
    quantities = sorted(r[4] for r in valuation if r[0] == "counted_outcome")
    assert quantities == sorted([priced["Evidenced (accepted)"], priced[DECLARED_ONLY]])


def test_each_counted_valuation_row_names_its_route_collection_and_value_table(
    app, world, tmp_path
):
    contract = world["contract"]
    first, _ = world["collections"]
    book = workbook_of(pack_of(app, export(contract, world["manager"])), tmp_path)
    [route] = db.session.scalars(db.select(ValuationRoute).filter_by(contract_id=contract.id))
    entry = db.session.get(ValueTableEntry, route.value_table_entry_id)
    table = db.session.get(ValueTable, entry.value_table_id)
    inputs = rows_of(book["Inputs"])
    routes = {r["Route id"]: r for r in table_of(inputs, "Route id", "Route")}
    tables = {
        (r["Value table"], r["Version"], r["Row used (outcome code)"]): r
        for r in table_of(inputs, "Value table", "Version")
    }
    collections = {r["Collection"]: r for r in table_of(inputs, "Collection", "Label")}
    rows = valuation_rows(book)
    assert len(rows) == 2  # evidence accepted, and declared only
    for row in rows:
        # the stored route, collection and value table version that priced it
        assert row["Route id"] == route.id
        assert row["Baseline collection"] is None
        assert row["Follow-up or delivery-return collection"] == first.id
        assert (row["Value table"], row["Value table version"]) == (table.name, table.version)
        assert row["Value table SHA-256"] == table.content_hash
        assert row["Value table row (outcome code)"] == entry.outcome_code == "VOL-H"
        assert (row["Source of the value"], row["Licence"]) == ("Our own estimate", "Internal")
        assert row["Deadweight included in the value"] == "no"
        # ... each on the Inputs sheet, where it matches too
        listed = routes[row["Route id"]]
        assert listed["Follow-up or delivery-return collection"] == first.id
        assert (listed["Value table"], listed["Value table version"]) == (table.name, 1)
        assert listed["Measure code"] == route.measure_code == "volunteering_hours_local"
        assert listed["Rows on Valuation"] == 2
        used = tables[(row["Value table"], row["Value table version"], "VOL-H")]
        assert used["SHA-256 of the imported file"] == table.content_hash
        assert used["File imported"] == "values.csv" and used["Routes"] == str(route.id)
        assert first.id in collections
    # the delivery-return collection counts suppliers' returns, exactly (organisations)
    assert collections[first.id]["Responses counted"] == 3
    assert collections[first.id]["Questionnaire"] == "delivery-return"
    # Summary: the measure's title and code (not the value table's code) and the returns
    summary = table_of(rows_of(book["Summary"]), "Route", "Measure")
    counted = [r for r in summary if r["Route"] == "counted_outcome"]
    assert {(r["Measure"], r["Measure code"]) for r in counted} == {
        ("Volunteering hours in the local community", "volunteering_hours_local")
    }
    returns = {r["Evidence grade"]: r["Returns counted"] for r in counted}
    assert returns == {
        EvidenceGrade.ACCEPTED_DECLARATION.value: 1,  # only the first supplier's accepted
        EvidenceGrade.DECLARED.value: 2,
    }
    assert all(r["People (n)"] is None for r in counted)
    [priced] = [
        t
        for t in table_of(rows_of(book["Delivery returns"]), "Collection", "Measure")
        if t["Measure"] == "volunteering_hours_local" and t["Collection"].startswith(f"{first.id}:")
    ]
    assert sum(returns.values()) == priced["Returns counted"] == 3


def test_a_figure_whose_evidence_was_rejected_is_not_valued(app, world, tmp_path):
    contract, manager = world["contract"], world["manager"]
    first, _ = world["collections"]
    [beta] = [d for d in latest_submitted(first) if d.supplier.name == "Beta Ltd"]
    decide(manager, beta, "volunteering_hours_local", "rejected", "No register kept")
    book = workbook_of(pack_of(app, export(contract, manager)), tmp_path)
    sheet = rows_of(book["Delivery returns"])
    q1 = f"{first.id}: {first.label}"
    [row] = [
        r
        for r in _section(sheet, "Collection", "Supplier")
        if r["Supplier"] == "Beta Ltd"
        and r["Collection"] == q1
        and r["Measure"] == "volunteering_hours_local"
    ]
    assert row["Evidence review"] == "rejected"
    assert row["Not counted because"] == REJECTED
    [priced] = [
        t
        for t in _section(sheet, "Collection", "Measure")
        if t["Measure"] == "volunteering_hours_local" and t["Collection"] == q1
    ]
    assert priced["Rejected (not valued)"] == row["Figure"]
    assert priced[DECLARED_ONLY] == approx(
        priced["Delivered"] - priced["Evidenced (accepted)"] - row["Figure"]
    )
    grades = {
        v["evidence_grade"]: v["quantity"]["value"]
        for v in compute_results(contract).to_dict()["valuations"]
        if v["route"] == "counted_outcome"
    }
    assert grades[EvidenceGrade.DECLARED.value] == approx(priced[DECLARED_ONLY])
    # the buyer looks again and accepts it: valued as accepted evidence
    decide(manager, beta, "volunteering_hours_local", "accepted", "")
    grades = {
        v["evidence_grade"]: v["quantity"]["value"]
        for v in compute_results(contract).to_dict()["valuations"]
        if v["route"] == "counted_outcome"
    }
    assert grades[EvidenceGrade.ACCEPTED_DECLARATION.value] == approx(
        priced["Evidenced (accepted)"] + row["Figure"]
    )


def test_commitments_sheet_has_the_dashboards_figures(app, world, tmp_path):
    contract = world["contract"]
    job = export(contract, world["manager"])
    sheet = _sheet(app, job, tmp_path, "Commitments")
    rows = _section(sheet, "Measure", "Measure title")
    today = job.started_at.astimezone(UK).date()
    expected = commitment_progress(
        contract, today, compute_results(contract).to_dict()["adherence"]
    )
    assert len(rows) == len(expected) == 3
    for row, p in zip(rows, expected, strict=True):
        assert (row["Measure title"], row["Unit"], row["Target"]) == (p.title, p.unit, p.target)
        assert row["Due on"].date() == p.due_on
        # Excel keeps 15 significant digits (openpyxl writes what Excel would keep)
        assert (row["Delivered"], row["Evidenced (accepted)"]) == (
            approx(p.delivered),
            approx(p.evidenced),
        )
        assert row["Status"] == p.status
    volunteering = next(r for r in rows if r["Measure"] == "volunteering_hours_local")
    delivered, evidenced = delivery_amounts(contract)["volunteering_hours_local"]
    assert (volunteering["Delivered"], volunteering["Evidenced (accepted)"]) == (
        approx(delivered),
        approx(evidenced),
    )
    assert volunteering["Evidenced, share of target"] == pytest.approx(evidenced / 60)
    survey = next(r for r in rows if r["Measure"] == "life_satisfaction_ons4")
    assert survey["Delivered"] is None and survey["Status"].startswith("survey measure")


def test_supplier_text_is_text_and_every_file_named_is_in_the_pack(app, world, tmp_path):
    job = export(world["contract"], world["manager"])
    pack = pack_of(app, job)
    assert verify_pack(pack) == []
    book = workbook_of(pack, tmp_path)
    ws = book["Delivery returns"]
    flagged = 0
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str) and cell.value.startswith(tuple(INJECTIONS[:4])):
                assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
                flagged += 1
    assert flagged > 20  # supplier names, notes, comments and file names
    rows = _section(rows_of(ws), "Collection", "Supplier")
    with zipfile.ZipFile(pack) as archive:
        listed = {f["path"] for f in json.loads(archive.read(MANIFEST))["files"]}
        readme = archive.read(README).decode()
    named = [p for r in rows for p in (r["Files in this pack"] or "").split("\n") if p]
    assert len(named) == len(rows) and set(named) <= listed
    # each file once in the pack, and the returns' measures not listed again as standards
    assert len([p for p in listed if p.startswith("evidence/")]) == len(named) == len(set(named))
    adherence = " ".join(str(v) for r in rows_of(book["Supplier adherence"]) for v in r if v)
    assert not any(p in adherence for p in named)
    assert not any(r["Measure"] in adherence.split() for r in rows)
    assert "Delivery returns" in readme and "Commitments" in readme
    cover = " ".join(str(v) for r in rows_of(book["Cover"]) for v in r if v)
    assert "Delivery returns lists each supplier's newest" in cover
    assert "Commitments lists each commitment" in cover


def test_the_employers_pack_has_the_same_delivery_sheets_and_no_answers(app, world, tmp_path):
    buyer = workbook_of(pack_of(app, export(world["contract"], world["manager"])), tmp_path)
    buyer_rows = {t: rows_of(buyer[t]) for t in ("Delivery returns", "Commitments", "Responses")}
    employer_job = export(world["contract"], world["employer"])
    assert not employer_job.individual_answers
    employer = workbook_of(pack_of(app, employer_job), tmp_path)
    assert rows_of(employer["Responses"]) == buyer_rows["Responses"][:1]
    assert len(buyer_rows["Responses"]) == 13
    for title in ("Delivery returns", "Commitments"):
        assert rows_of(employer[title]) == buyer_rows[title]


def test_a_pack_whose_returns_do_not_add_up_is_not_written(app, world, monkeypatch):
    real = delivery_amounts

    def drifted(contract: Any) -> dict[str, tuple[float, float]]:
        amounts = real(contract)
        delivered, evidenced = amounts["volunteering_hours_local"]
        return {**amounts, "volunteering_hours_local": (delivered + 1, evidenced)}

    monkeypatch.setattr("svcollect.services.export_delivery.delivery_amounts", drifted)
    job = export(world["contract"], world["manager"])
    assert job.status == "failed" and job.file_name is None
    assert "volunteering_hours_local do not add up" in job.message
