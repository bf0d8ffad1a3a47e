"""An export test world: a contract with valued survey answers, supplier declarations and
evidence files, with text that starts with formula characters wherever people type."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import zipfile
from pathlib import Path
from typing import Any

from flask import Flask
from openpyxl import load_workbook

from svcollect.extensions import db
from svcollect.models import (
    Answer,
    Contract,
    ContractSupplier,
    EvidenceFile,
    ExportJob,
    Response,
    StandardEvent,
)
from svcollect.models._types import utcnow
from svcollect.services.declarations import invite_suppliers
from svcollect.services.exports import run_job, start_export
from svcollect.services.valuation import add_route, record_assumptions
from tests.integration.helpers import (
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    ons_pairs,
    seed_responses,
)

INJECTIONS = ['=HYPERLINK("http://example.com","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]
SHEETS = [
    "Cover",
    "Summary",
    "Outcomes",
    "Valuation",
    "Assumptions and sources",
    "Inputs",
    "Supplier adherence",
    "Delivery returns",
    "Commitments",
    "Responses",
    "Codebook",
    "Audit extract",
]


def declarations_with_files(app: Flask, contract: Contract, manager: Any) -> list[EvidenceFile]:
    """Submitted MHAW declarations (straight into the database) with evidence files whose
    names, like the suppliers' names, start with formula characters."""
    collection = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    for i, name in enumerate(INJECTIONS[:3]):
        org = make_organisation(f"{name} Ltd", "supplier", employee_count=900 if i == 0 else 40)
        db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=org.id))
    db.session.commit()
    upload_dir = Path(app.config["SVCOLLECT_UPLOAD_DIR"])
    upload_dir.mkdir(parents=True, exist_ok=True)
    files = []
    now = utcnow()
    for n, declaration in enumerate(invite_suppliers(manager, collection)):
        rid = declaration.response_id
        answers = {"employee_count": 900 if n == 0 else 40}
        answers |= {f"mhaw_{k}_status": "in_place" for k in range(1, 7)}
        answers |= {f"tw_enh_{k}_status": "in_place" for k in range(1, 5)} if n == 0 else {}
        answers["mhaw_1_note"] = INJECTIONS[n]
        ids = []
        for name, data in (
            (f"{INJECTIONS[n]}plan.pdf", b"%PDF-1.4\n" + os.urandom(3000)),
            (f"{INJECTIONS[n + 3]}log.csv", b"a,b\n1,2\n" * 50),
        ):
            stored = f"{secrets.token_hex(16)}.bin"
            (upload_dir / stored).write_bytes(data)
            record = EvidenceFile(
                response_id=rid,
                question_id="mhaw_1_evidence",
                sha256=sha256(data),
                stored_name=stored,
                original_name=name,
                file_type=name.rsplit(".", 1)[1],
                size_bytes=len(data),
            )
            db.session.add(record)
            db.session.flush()
            ids.append(record.id)
            files.append(record)
        answers["mhaw_1_evidence"] = json.dumps(ids)
        for question, value in answers.items():
            number = float(value) if isinstance(value, int) else None
            db.session.add(
                Answer(
                    response_id=rid,
                    question_id=question,
                    value_text=str(value),
                    value_number=number,
                )
            )
        response = db.session.get(Response, rid)
        response.status, response.submitted_at = "submitted", now
        declaration.status, declaration.submitted_at = "submitted", now
        if n == 0:
            for k in range(1, 7):
                db.session.add(
                    StandardEvent(
                        declaration_id=declaration.id,
                        standard=f"mhaw_{k}",
                        kind="accepted",
                        comment=INJECTIONS[k - 1],
                        author_id=manager.id,
                    )
                )
    db.session.commit()
    return files


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_world(app: Flask) -> dict[str, Any]:
    """A contract with paired ONS4 answers valued as WELLBYs (12 people, £3,250 each), a
    loneliness collection whose answers start with formula characters, and supplier
    declarations with evidence files; its title and names start with formula characters."""
    contract = make_contract()
    contract.title = INJECTIONS[0]
    db.session.commit()
    manager = make_user("contract_manager", contract.buyer)
    baseline, follow_up = ons_pairs(contract, 12, [0, 1])  # mean change 0.5 points
    record_assumptions(manager, contract, {"duration_years": 0.5}, {}, read_version=0)
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    lonely = make_collection("loneliness", contract=contract)
    seed_responses(
        lonely,
        [
            (f"L{i}", {"lonely_direct": text, "ucla_left_out": 2})
            for i, text in enumerate(INJECTIONS)
        ],
    )
    files = declarations_with_files(app, contract, manager)
    return {"contract": contract, "manager": manager, "files": files}


def export(contract: Contract, user: Any = None, **kwargs: Any) -> ExportJob:
    job = start_export(user, contract)
    finished = run_job(job.id, **kwargs)
    assert finished is not None
    return finished


def pack_of(app: Flask, job: ExportJob) -> Path:
    assert job.status == "done", job.message
    return Path(app.config["SVCOLLECT_EXPORT_DIR"]) / (job.file_name or "")


def workbook_of(pack: Path, tmp_path: Path) -> Any:
    with zipfile.ZipFile(pack) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".xlsx") and "/" not in n]
        target = tmp_path / "book.xlsx"
        target.write_bytes(archive.read(name))
    return load_workbook(target)


def rows_of(ws: Any) -> list[list[Any]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def table_of(rows: list[list[Any]], *first: str) -> list[dict[str, Any]]:
    """The rows of the table whose header row starts with `first`, as dicts by header,
    up to the first row that is blank or a line of text."""
    start = next(i for i, r in enumerate(rows) if r[: len(first)] == list(first))
    titles = rows[start]
    out = []
    for row in rows[start + 1 :]:
        if row[0] is None or all(v is None for v in row[1 : len(titles)]):
            break
        out.append({t: v for t, v in zip(titles, row, strict=False) if t is not None})
    return out


def valuation_rows(book: Any) -> list[dict[str, Any]]:
    """The Valuation sheet's valued rows, by column title (the first of two equal titles)."""
    rows = rows_of(book["Valuation"])
    start = next(i for i, r in enumerate(rows) if r[:2] == ["Route", "Outcome"])
    titles = rows[start]
    out = []
    for row in rows[start + 1 :]:
        if row[0] is None or all(v is None for v in row[1:]):
            break  # the end, or the line saying nothing is valued
        record: dict[str, Any] = {}
        for title, value in zip(titles, row, strict=False):
            record.setdefault(title, value)
        out.append(record)
    return out
