"""Evidence packs from stored data: sheets, figures, suppression, safe cells, the zip."""

from __future__ import annotations

import contextvars
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from svcollect.cli_exports import export_command, verify_pack_command
from svcollect.evidence.pack import MANIFEST, verify_pack
from svcollect.evidence.pack_tables import Formula, Styled
from svcollect.evidence.pack_valuation import valuation_sheet
from svcollect.extensions import db
from svcollect.models import AuditEvent, Collection, Response, ValuationRoute
from svcollect.services.results import compute_results
from svcollect.services.valuation import add_route
from tests.integration.export_world import (
    INJECTIONS,
    SHEETS,
    export,
    make_world,
    pack_of,
    rows_of,
    sha256,
    table_of,
    valuation_rows,
    workbook_of,
)
from tests.integration.helpers import make_contract, make_user, ons_pairs
from tests.unit.evidence.test_pack_valuation import Evaluator


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    return make_world(app)


def test_pack_holds_every_sheet_the_evidence_and_a_true_manifest(app, world, tmp_path):
    job = export(world["contract"], world["manager"])
    pack = pack_of(app, job)
    assert job.sha256 == sha256(pack.read_bytes()) and job.size_bytes == pack.stat().st_size
    assert verify_pack(pack) == []
    with zipfile.ZipFile(pack) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        listed = {f["path"]: f for f in manifest["files"]}
        assert set(archive.namelist()) == set(listed) | {MANIFEST}
        for name, entry in listed.items():
            data = archive.read(name)
            assert (sha256(data), len(data)) == (entry["sha256"], entry["size"])
            assert not name.startswith("/") and ".." not in name.split("/")
        evidence = [n for n in listed if n.startswith("evidence/")]
        assert len(evidence) == len(world["files"])
        assert {sha256(archive.read(n)) for n in evidence} == {f.sha256 for f in world["files"]}
        for name in evidence:
            expected = zipfile.ZIP_STORED if name.endswith(".pdf") else zipfile.ZIP_DEFLATED
            assert archive.getinfo(name).compress_type == expected
        assert "README.txt" in listed and "verify-pack" in archive.read("README.txt").decode()
        with zipfile.ZipFile(io.BytesIO(archive.read(manifest["workbook"]))) as book:
            charts = [n for n in book.namelist() if n.startswith("xl/charts/chart")]
            assert len(charts) == 2  # means before and after; adherence declared and accepted
    wb = workbook_of(pack, tmp_path)
    assert wb.sheetnames == SHEETS
    event = db.session.scalar(select(AuditEvent).filter_by(action="pack_exported"))
    assert event is not None and event.actor_id == world["manager"].id
    assert json.loads(event.detail)["sha256"] == job.sha256


def test_summary_figures_are_the_results_figures(app, world, tmp_path):
    data = compute_results(world["contract"]).to_dict()
    wb = workbook_of(pack_of(app, export(world["contract"])), tmp_path)
    rows = rows_of(wb["Summary"])
    ons = next(p for p in data["outcomes"] if p["questionnaire"] == "ons4")
    change = next(c for c in ons["changes"] if c["measure"] == "life_satisfaction")
    [row] = [r for r in rows if r[3] == change["label"] and r[0] == "ons4"]
    paired = change["paired"]
    assert row[6] == change["n_paired"] == 12
    for column, key in (
        (7, "baseline_mean"),
        (8, "follow_up_mean"),
        (9, "mean_change"),
        (10, "ci_low"),
        (11, "ci_high"),
    ):
        # Excel keeps 15 significant digits; openpyxl writes 16.
        assert row[column] == pytest.approx(paired[key]["value"], rel=1e-14, abs=1e-14)
    assert row[5] == change["evidence_grade"]
    [valuation] = data["valuations"]
    [value_row] = [r for r in rows if r[0] == "wellby"]
    assert value_row[7:10] == pytest.approx(
        [valuation["total"][k]["value"] for k in ("low", "central", "high")], rel=1e-14
    )
    assert value_row[9] == pytest.approx(12 * 3250 * 16 / 13)  # high: £16,000 a WELLBY
    figures = [r for r in rows if r[2] and "Mental Health at Work" in str(r[2])]
    assert figures, "adherence shares are on the summary"
    cover = dict((r[0], r[1]) for r in rows_of(wb["Cover"]) if r[0])
    assert cover["Results fingerprint (SHA-256)"] == compute_results(world["contract"]).sha256
    assert (
        cover["Responses exported"]
        == db.session.scalar(
            select(func.count()).select_from(Response).where(Response.status == "submitted")
        )
        - len(world["files"]) // 2
    )  # supplier declarations are not survey responses


def test_the_wellby_row_names_its_route_collections_and_green_book_source(app, world, tmp_path):
    contract = world["contract"]
    [route] = db.session.scalars(select(ValuationRoute).filter_by(contract_id=contract.id))
    book = workbook_of(pack_of(app, export(contract)), tmp_path)
    [row] = valuation_rows(book)
    assert row["Route"] == "wellby" and row["Route id"] == route.id
    assert row["Baseline collection"] == route.baseline_collection_id
    assert row["Follow-up or delivery-return collection"] == route.follow_up_collection_id
    assert row["Source of the value"].startswith("HM Treasury Green Book")
    assert row["Value table"].startswith("none: the values per WELLBY are assumptions")
    assert row["Deadweight included in the value"] == "no"
    inputs = rows_of(book["Inputs"])
    [listed] = table_of(inputs, "Route id", "Route")
    assert (listed["Route id"], listed["Route"], listed["Rows on Valuation"]) == (
        route.id,
        "WELLBY",
        1,
    )
    assert (listed["Baseline collection"], listed["Follow-up or delivery-return collection"]) == (
        route.baseline_collection_id,
        route.follow_up_collection_id,
    )
    assert (listed["Measure"], listed["Measure code"]) == (
        "Life satisfaction (ONS4)",
        "life_satisfaction_ons4",
    )
    collections = {r["Collection"]: r for r in table_of(inputs, "Collection", "Label")}
    assert {route.baseline_collection_id, route.follow_up_collection_id} <= set(collections)
    summary = table_of(rows_of(book["Summary"]), "Route", "Measure")
    [value] = [r for r in summary if r["Route"] == "wellby"]
    assert (value["Measure"], value["Measure code"], value["People (n)"]) == (
        "Life satisfaction (ONS4)",
        "life_satisfaction_ons4",
        12,
    )
    assert value["Returns counted"] is None


@pytest.mark.parametrize("k", [10, 5])
def test_inputs_lists_every_collection_with_the_responses_it_counted(
    app, world, tmp_path, monkeypatch, k
):
    monkeypatch.setitem(app.config, "SVCOLLECT_SUPPRESSION_MIN_N", k)
    contract = world["contract"]
    book = workbook_of(pack_of(app, export(contract)), tmp_path)
    rows = {r["Collection"]: r for r in table_of(rows_of(book["Inputs"]), "Collection", "Label")}
    stored = list(db.session.scalars(select(Collection).filter_by(contract_id=contract.id)))
    assert set(rows) == {c.id for c in stored}
    for collection in stored:
        row = rows[collection.id]
        version = collection.questionnaire_version
        assert (row["Label"], row["Audience"], row["Wave"]) == (
            collection.label,
            collection.audience,
            collection.wave,
        )
        assert (row["Questionnaire"], row["Questionnaire version"]) == (
            version.questionnaire_id,
            version.version,
        )
        assert row["Opened (UK date)"].date() <= row["Closed, or closes (UK date)"].date()
    by_questionnaire = {r["Questionnaire"]: r for r in rows.values() if r["Wave"] == "baseline"}
    # six loneliness answers: people, so under the threshold they read "fewer than k"
    assert by_questionnaire["loneliness"]["Responses counted"] == (
        "fewer than 10" if k == 10 else 6
    )
    assert by_questionnaire["ons4"]["Responses counted"] == 12
    # three suppliers' declarations: organisations, counted exactly
    assert by_questionnaire["mhaw-standards"]["Responses counted"] == 3


def test_figures_about_fewer_than_ten_people_are_written_suppressed(app, tmp_path):
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    baseline, follow_up = ons_pairs(contract, 6, [0, 1])
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    wb = workbook_of(pack_of(app, export(contract)), tmp_path)
    summary = rows_of(wb["Summary"])
    label = next(
        c["label"]
        for c in compute_results(contract).to_dict()["outcomes"][0]["changes"]
        if c["measure"] == "life_satisfaction"
    )
    [row] = [r for r in summary if r[3] == label and r[0] == "ons4"]
    assert row[7:12] == ["suppressed"] * 5
    assert "fewer than 10 people" in row[12]
    [value_row] = [r for r in summary if r[0] == "wellby"]
    assert value_row[7:10] == ["suppressed"] * 3
    for sheet in ("Summary", "Outcomes", "Valuation"):
        for r in rows_of(wb[sheet]):
            assert 5.5 not in r, f"the follow-up mean of 6 people is on {sheet}"
    outcome_rows = [r for r in rows_of(wb["Outcomes"]) if r[3] == "life_satisfaction"]
    mean = next(r for r in outcome_rows if r[6] == "paired / mean_change")
    assert mean[7] == "suppressed" and mean[7] != 0


def test_valuation_formula_recomputes_3250_per_person_to_the_penny(app, world, tmp_path):
    wb = workbook_of(pack_of(app, export(world["contract"])), tmp_path)
    ws = wb["Valuation"]
    header = next(r for r in range(1, 30) if ws.cell(r, 1).value == "Route")
    titles = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
    row = next(r for r in range(header, ws.max_row + 1) if ws.cell(r, 1).value == "wellby")
    evaluator = Evaluator(wb)
    for title in ("Per unit, central (formula)", "Total, central (formula)"):
        column = titles[title]
        excel = evaluator.cell("Valuation", ws.cell(row, column).coordinate)
        svcollect = ws.cell(row, column + 1).value
        assert round(excel, 2) == round(svcollect, 2)
    per_wellby = evaluator.cell(
        "Valuation", ws.cell(row, titles["Per unit, central (formula)"]).coordinate
    )
    total = evaluator.cell("Valuation", ws.cell(row, titles["Total, central (formula)"]).coordinate)
    quantity = ws.cell(row, titles["Quantity (Q)"]).value
    # Per unit is per WELLBY (0.5 points for each person): £6,500, £3,250 a person, and
    # per unit x quantity is the total.
    assert round(per_wellby, 2) == 6500.00
    assert round(per_wellby * quantity, 2) == round(total, 2)
    assert round(total / 12, 2) == 3250.00


def test_text_from_people_is_never_a_formula(app, world, tmp_path):
    data = compute_results(world["contract"]).to_dict()
    cells = [c.value if isinstance(c, Styled) else c for r in valuation_sheet(data).rows for c in r]
    ours = {c.text for c in cells if isinstance(c, Formula)}
    wb = workbook_of(pack_of(app, export(world["contract"])), tmp_path)
    seen: dict[str, Any] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert ws.title == "Valuation", (ws.title, cell.coordinate, cell.value)
                    assert cell.value in ours
                elif isinstance(cell.value, str):
                    for text in INJECTIONS:
                        if cell.value.startswith(text):
                            seen.setdefault(ws.title, cell)
                            assert cell.data_type == "s"
                            assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
    # answers, supplier names, file names, review comments and the contract title
    assert {"Cover", "Supplier adherence", "Responses"} <= set(seen)


def test_responses_continue_on_further_sheets_and_none_is_lost(app, world, tmp_path):
    stored = db.session.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.status == "submitted", Response.collection.has(access="open"))
    )
    job = export(world["contract"], row_limit=5)
    wb = workbook_of(pack_of(app, job), tmp_path)
    parts = [ws for ws in wb.worksheets if ws.title.startswith("Responses")]
    assert [p.title for p in parts][:3] == ["Responses", "Responses (2)", "Responses (3)"]
    exported = []
    for ws in parts:
        rows = rows_of(ws)
        assert len(rows) <= 5 and rows[0][0] == "Response"
        exported += [r[0] for r in rows[1:]]
    assert len(exported) == len(set(exported)) == stored == 30
    cover = " ".join(str(v) for r in rows_of(wb["Cover"]) for v in r if v)
    assert "Responses continue on further sheets" in cover and "Responses (8)" in cover
    codebook = {r[0] for r in rows_of(wb["Codebook"])}
    header = rows_of(parts[0])[0]
    assert set(header) <= codebook
    assert all(len(str(v)) != 64 or v not in cover for v in header)


def test_a_failed_export_leaves_no_file_and_says_why(app, world):
    victim = world["files"][-1]
    (Path(app.config["SVCOLLECT_UPLOAD_DIR"]) / victim.stored_name).write_bytes(b"tampered")
    export_dir = Path(app.config["SVCOLLECT_EXPORT_DIR"])
    before = set(export_dir.iterdir()) if export_dir.exists() else set()
    job = export(world["contract"])
    assert job.status == "failed" and job.file_name is None
    assert "has changed since it was uploaded" in job.message
    assert set(export_dir.iterdir()) == before  # no pack, no partial file, no scratch folder
    (Path(app.config["SVCOLLECT_UPLOAD_DIR"]) / victim.stored_name).unlink()
    job = export(world["contract"])
    assert job.status == "failed" and "missing from the file store" in job.message
    assert set(export_dir.iterdir()) == before


def _rewrite(pack: Path, target: Path, change: str) -> None:
    with zipfile.ZipFile(pack) as source, zipfile.ZipFile(target, "w") as out:
        names = source.namelist()
        evidence = [n for n in names if n.startswith("evidence/")]
        for name in names:
            data = source.read(name)
            if change == "changed" and name == evidence[0]:
                data += b"!"
            if change == "missing" and name == evidence[0]:
                continue
            out.writestr(name, data)
        if change == "extra":
            out.writestr("evidence/smuggled.pdf", b"%PDF-1.4 not in the manifest")


@pytest.mark.parametrize("change", ["changed", "missing", "extra"])
def test_verify_pack_finds_what_changed(app, world, tmp_path, change):
    pack = pack_of(app, export(world["contract"]))
    altered = tmp_path / "altered.zip"
    _rewrite(pack, altered, change)
    problems = verify_pack(altered)
    assert problems and all(p.startswith(f"{change}: evidence/") for p in problems), problems
    runner = app.test_cli_runner()
    ok = contextvars.Context().run(runner.invoke, verify_pack_command, [str(pack)])
    assert ok.exit_code == 0 and "Every file matches" in ok.output
    bad = contextvars.Context().run(runner.invoke, verify_pack_command, [str(altered)])
    assert bad.exit_code == 1 and change in bad.output


def test_export_command_prints_the_pack_and_its_hash(app, world, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "packs"
    result = contextvars.Context().run(
        runner.invoke, export_command, [world["contract"].reference, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    [pack] = list(out.glob("*.zip"))
    assert f"Pack:    {pack}" in result.output and sha256(pack.read_bytes()) in result.output
    later = contextvars.Context().run(
        runner.invoke,
        export_command,
        [world["contract"].reference, "--out", str(out), "--from", "2999-01-01"],
    )
    assert later.exit_code == 0
    newest = max(out.glob("*.zip"), key=lambda p: p.stat().st_mtime_ns)
    cover = {r[0]: r[1] for r in rows_of(workbook_of(newest, tmp_path)["Cover"]) if r[0]}
    assert cover["Responses exported"] == 0
    assert cover["Period"] == "2999-01-01 to now"
    missing = contextvars.Context().run(runner.invoke, export_command, ["NOPE"])
    assert missing.exit_code == 1


def test_only_answers_under_codes_never_names(app, world, tmp_path):
    wb = workbook_of(pack_of(app, export(world["contract"], world["manager"])), tmp_path)
    text = io.StringIO()
    for ws in ("Responses", "Codebook"):
        for row in rows_of(wb[ws]):
            text.write(" ".join(str(v) for v in row if v is not None))
    content = text.getvalue()
    assert world["manager"].email not in content and world["manager"].name not in content
    assert "CODE0001" not in content  # only the keyed hash of a code is stored and exported
