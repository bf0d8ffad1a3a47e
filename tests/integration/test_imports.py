"""Importing paper returns from XLSX and CSV: all or nothing, once per row, scored as usual."""

from __future__ import annotations

import html as html_lib
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select, text

from svcollect import create_app
from svcollect.charts.figure import long_date
from svcollect.cli_imports import import_responses_command
from svcollect.extensions import db
from svcollect.models import Answer, AuditEvent, ImportBatch, Response
from svcollect.models._types import UK, utcnow
from svcollect.models.jobs import ImportJob
from svcollect.scoring import get_scorer
from svcollect.services import imports as imports_svc
from svcollect.services.answers import answers_frame
from svcollect.services.collections import uk_today
from svcollect.services.exports import run_job, start_export
from svcollect.services.questionnaires import registry, sync_releases
from svcollect.services.respondent_codes import hash_code
from svcollect.web.imports import bp as imports_bp
from tests.conftest import IsolatedClient, make_config
from tests.integration.export_world import pack_of, rows_of, workbook_of
from tests.integration.helpers import (
    csrf_token,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    signed_in,
)
from tests.unit.imports.conftest import (
    BRANCHING,
    BRANCHING_HEADER,
    branching_row,
    csv_bytes,
    xlsx_bytes,
)

WEMWBS_HEADER = ["row_id", "respondent_code", *(f"wemwbs_{i:02d}" for i in range(1, 15))]
#: the template's columns: completed_on is optional, so files made before it still import
TEMPLATE_HEADER = [*WEMWBS_HEADER[:2], "completed_on", *WEMWBS_HEADER[2:]]
UPLOAD_LIMIT = 200_000


def _with_blueprint(database_url, tmp_path, **extra):
    app = create_app(
        make_config(
            database_url,
            tmp_path,
            SVCOLLECT_MAX_UPLOAD_BYTES=UPLOAD_LIMIT,
            MAX_CONTENT_LENGTH=2 * UPLOAD_LIMIT,
            **{"SVCOLLECT_JOBS": "inline", **extra},
        )
    )
    if "imports" not in app.blueprints:  # until svcollect/__init__.py registers it
        app.register_blueprint(imports_bp)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def web(app, database_url, tmp_path):
    other = _with_blueprint(database_url, tmp_path)
    with other.app_context():
        yield other
        db.session.remove()


@pytest.fixture
def branching_app(app, database_url, tmp_path):
    folder = tmp_path / "questionnaires" / "branching"
    folder.mkdir(parents=True)
    (folder / "v1.yaml").write_text(BRANCHING, encoding="utf-8")
    other = _with_blueprint(
        database_url, tmp_path, SVCOLLECT_QUESTIONNAIRE_DIR=tmp_path / "questionnaires"
    )
    with other.app_context():
        sync_releases(registry())
        yield other
        db.session.remove()


@pytest.fixture
def wemwbs(web):
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    collection = make_collection("wemwbs", contract=contract)
    return {"collection": collection, "client": signed_in(web, manager), "manager": manager}


def _wemwbs_rows(count, start=0, code="7KQ-2MX-9PD"):
    return [WEMWBS_HEADER] + [
        [f"P{i:04d}", code if i == start else "", *[(i + j) % 5 + 1 for j in range(14)]]
        for i in range(start, start + count)
    ]


def _upload(client, collection, data, name="returns.xlsx", consent="y"):
    page = client.get(f"/manage/collections/{collection.id}/import").get_data(as_text=True)
    body = {"csrf_token": csrf_token(page), "file": (io.BytesIO(data), name)}
    if consent:
        body["consent"] = consent
    result = client.post(
        f"/manage/collections/{collection.id}/import",
        data=body,
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    return result


def _status(client, result):
    """The import status page an upload redirected to (the job ran inline)."""
    assert result.status_code == 303, result.get_data(as_text=True)[:2000]
    assert "/manage/imports/" in result.headers["Location"]
    page = client.get(result.headers["Location"])
    assert page.status_code == 200
    db.session.expire_all()
    return page


def _count(model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_template_downloads_for_the_collections_questionnaire(wemwbs):
    client, collection = wemwbs["client"], wemwbs["collection"]
    xlsx = client.get(f"/manage/collections/{collection.id}/import-template.xlsx")
    assert xlsx.status_code == 200
    assert "attachment" in xlsx.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert workbook.sheetnames == ["Responses", "Codebook"]
    assert [c.value for c in workbook["Responses"][1]] == TEMPLATE_HEADER
    codebook = [[c.value for c in row] for row in workbook["Codebook"].iter_rows()]
    completed = next(row for row in codebook if row[0] == "completed_on")
    assert completed[1].startswith("The date the respondent filled in the paper form")
    csv_file = client.get(f"/manage/collections/{collection.id}/import-template.csv")
    assert csv_file.data.decode("utf-8-sig").strip() == ",".join(TEMPLATE_HEADER)
    page = client.get(f"/manage/collections/{collection.id}/import").get_data(as_text=True)
    assert "completed_on" in page and "filled in the paper form" in page


def test_page_asks_for_consent_and_refuses_without_it(wemwbs):
    client, collection = wemwbs["client"], wemwbs["collection"]
    page = client.get(f"/manage/collections/{collection.id}/import").get_data(as_text=True)
    assert "gave their consent" in page
    refused = _upload(client, collection, xlsx_bytes(_wemwbs_rows(3)), consent=None)
    assert refused.status_code == 422
    assert "Confirm that consent was given" in refused.get_data(as_text=True)
    assert _count(Response) == 0


def test_xlsx_import_stores_submitted_responses_that_score(wemwbs):
    client, collection, manager = wemwbs["client"], wemwbs["collection"], wemwbs["manager"]
    result = _upload(client, collection, xlsx_bytes(_wemwbs_rows(12)))
    page = _status(client, result).get_data(as_text=True)
    assert "12 paper returns imported" in page and "0 already imported" in page
    assert f"/manage/collections/{collection.id}" in page
    responses = db.session.scalars(select(Response)).all()
    assert len(responses) == 12
    version = collection.questionnaire_version
    for response in responses:
        assert (response.status, response.consent_given) == ("submitted", True)
        assert response.submitted_at.tzinfo is not None
        assert response.started_at == response.submitted_at
        assert (response.questionnaire_id, response.questionnaire_version) == ("wemwbs", 1)
        assert response.questionnaire_hash == version.content_hash
    coded = [r for r in responses if r.respondent]
    assert len(coded) == 1
    salt = collection.contract.respondent_salt
    assert coded[0].respondent.code_hash == hash_code(salt, "7KQ2MX9PD")
    assert coded[0].code_source == "entered"
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.rows_imported, batch.rows_already_imported) == (12, 0)
    assert batch.imported_by_id == manager.id and len(batch.sha256) == 64
    event = db.session.scalar(select(AuditEvent).filter_by(action="responses_imported"))
    assert event.actor_id == manager.id and event.object_id == batch.id
    # Stored exactly as the ORM stores timestamps (SQLite keeps them as text).
    raw = db.session.execute(
        text(
            "SELECT answer.answered_at, response.submitted_at, import_batch.imported_at "
            "FROM answer, response, import_batch"
        )
    ).first()
    assert {type(value) for value in raw} == {type(raw[2])}
    if isinstance(raw[2], str):
        assert {len(value) for value in raw} == {len(raw[2])} and "+" not in raw[0]
    frame = answers_frame(collection.id)
    assert len(frame) == 12 * 14
    scored = get_scorer("wemwbs")(frame)
    assert scored.n_scored == 12
    expected = sorted(sum((i + j) % 5 + 1 for j in range(14)) for i in range(12))
    assert sorted(scored.scores["wemwbs"].tolist()) == expected


def test_uploading_again_adds_nothing_twice(wemwbs):
    collection = wemwbs["collection"]
    first = imports_svc.import_responses(collection, "a.csv", csv_bytes(_wemwbs_rows(5)))
    again = imports_svc.import_responses(collection, "a.csv", csv_bytes(_wemwbs_rows(5)))
    more = imports_svc.import_responses(collection, "b.csv", csv_bytes(_wemwbs_rows(6)))
    assert (first.imported, again.imported, again.already_imported) == (5, 0, 5)
    assert (more.imported, more.already_imported) == (1, 5)
    assert _count(Response) == 6 and _count(Answer) == 6 * 14
    assert _count(ImportBatch) == 3


def test_rows_stored_by_a_simultaneous_upload_make_this_one_store_nothing(wemwbs, monkeypatch):
    collection = wemwbs["collection"]
    imports_svc.import_responses(collection, "a.csv", csv_bytes(_wemwbs_rows(1)))
    monkeypatch.setattr(imports_svc, "_existing", lambda keys: set())  # as if not seen yet
    outcome = imports_svc.import_responses(collection, "b.csv", csv_bytes(_wemwbs_rows(3)))
    assert [p.message for p in outcome.problems] == [imports_svc.RACE_MESSAGE]
    assert _count(Response) == 1 and _count(Answer) == 14 and _count(ImportBatch) == 1
    answered = db.session.scalar(select(Answer.answered_at))
    assert answered.tzinfo is not None


def test_one_bad_row_stores_nothing_and_every_problem_is_listed(wemwbs):
    client, collection = wemwbs["client"], wemwbs["collection"]
    rows = _wemwbs_rows(40)
    rows[30][5] = 7
    rows[35][3] = "often"
    result = _upload(client, collection, xlsx_bytes(rows))
    html = _status(client, result).get_data(as_text=True)
    assert "nothing was imported" in html
    assert "Row 31, column wemwbs_04: \u20187\u2019 is not an allowed answer" in html
    assert "Row 36, column wemwbs_02" in html
    assert _count(Response) == 0 and _count(Answer) == 0 and _count(ImportBatch) == 0
    assert _count(AuditEvent, action="responses_imported") == 0
    job = db.session.scalar(select(ImportJob))
    assert (job.status, job.problem_count, job.batch_id) == ("failed", 2, None)


def test_long_problem_lists_are_cut_to_500_with_a_count(wemwbs):
    rows = _wemwbs_rows(60)
    for row in rows[1:]:
        row[2:] = ["x"] * 14
    result = _upload(wemwbs["client"], wemwbs["collection"], csv_bytes(rows), "bad.csv")
    html = _status(wemwbs["client"], result).get_data(as_text=True)
    assert "Problems found: 840" in html
    assert html.count('<tr class="govuk-table__row">') == 500 + 1  # and the header row
    assert "340 more problems are not shown" in html


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("missing.csv", csv_bytes([WEMWBS_HEADER[:-1], ["P1", "", *[3] * 13]]), "is missing"),
        (
            "extra.csv",
            csv_bytes([[*WEMWBS_HEADER, "notes"], ["P1", "", *[3] * 14, "x"]]),
            "not a column",
        ),
        (
            "types.csv",
            csv_bytes([WEMWBS_HEADER, ["P1", "", "3.5", *[3] * 13]]),
            "not an allowed answer",
        ),
        ("twice.csv", csv_bytes([*_wemwbs_rows(2), _wemwbs_rows(1)[1]]), "is also on row 2"),
        ("code.csv", csv_bytes(_wemwbs_rows(1, code="ABC")), "not a respondent code"),
        ("empty.csv", b"", "is empty"),
        ("header.csv", csv_bytes([WEMWBS_HEADER]), "no answers under the header"),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(64), "not a spreadsheet"),
        ("ansi.csv", csv_bytes(_wemwbs_rows(1, code="caf\u00e9"), "cp1252"), "CSV UTF-8"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(wemwbs, name, data, words):
    outcome = imports_svc.import_responses(wemwbs["collection"], name, data)
    assert not outcome.ok
    assert words in " ".join(p.message for p in outcome.problems)
    assert _count(Response) == 0 and _count(ImportBatch) == 0


def test_blank_rows_are_skipped_and_counted(wemwbs):
    rows = _wemwbs_rows(3)
    rows.insert(2, [""] * 16)
    outcome = imports_svc.import_responses(wemwbs["collection"], "gaps.csv", csv_bytes(rows))
    assert (outcome.imported, outcome.blank_rows) == (3, 1)


def test_merged_cells_are_refused(wemwbs):
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(_wemwbs_rows(3))))
    workbook.active.merge_cells("D2:D3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = imports_svc.import_responses(wemwbs["collection"], "m.xlsx", buffer.getvalue())
    assert "Cells D2:D3 are merged" in outcome.problems[0].message
    assert _count(Response) == 0


def test_too_many_rows_and_too_large_files_are_refused(wemwbs, monkeypatch):
    client, collection = wemwbs["client"], wemwbs["collection"]
    monkeypatch.setattr(imports_svc, "MAX_ROWS", 10)
    outcome = imports_svc.import_responses(collection, "big.csv", csv_bytes(_wemwbs_rows(11)))
    assert "import at most 10 rows at a time" in outcome.problems[0].message
    over_setting = b"row_id\n" + b"x" * (UPLOAD_LIMIT + 10)
    assert _upload(client, collection, over_setting, "big.csv").status_code == 413
    over_request = b"row_id\n" + b"x" * (3 * UPLOAD_LIMIT)
    assert _upload(client, collection, over_request, "big.csv").status_code == 413
    assert _count(Response) == 0 and _count(ImportJob) == 0


def test_another_organisations_manager_gets_404(wemwbs, web):
    collection = wemwbs["collection"]
    stranger = make_user("contract_manager", make_organisation("Elsewhere", "buyer"))
    client = signed_in(web, stranger)
    base = f"/manage/collections/{collection.id}"
    for url in (f"{base}/import", f"{base}/import-template.xlsx", f"{base}/import-template.csv"):
        assert client.get(url).status_code == 404
    token = csrf_token(client.get("/manage/licence").get_data(as_text=True))
    post = client.post(
        f"{base}/import",
        data={"csrf_token": token, "consent": "y", "file": (io.BytesIO(b"row_id\nx\n"), "a.csv")},
        content_type="multipart/form-data",
    )
    assert post.status_code == 404
    assert _count(Response) == 0


def test_the_prime_supplier_neither_imports_answers_nor_reads_an_imports_problems(wemwbs, web):
    # It employs the people answering: an import's problems quote their cells, and it must
    # not add answers to the surveys that value its own work.
    collection = wemwbs["collection"]
    result = _upload(wemwbs["client"], collection, xlsx_bytes(_wemwbs_rows(2)))
    employer = make_organisation("Employer Ltd", "supplier")
    collection.contract.prime_supplier_id = employer.id
    db.session.commit()
    client = signed_in(web, make_user("contract_manager", employer))
    base = f"/manage/collections/{collection.id}"
    for url in (f"{base}/import", f"{base}/import-template.csv", result.headers["Location"]):
        assert client.get(url).status_code == 403, url
    assert "Import paper returns" not in client.get(base).get_data(as_text=True)
    token = csrf_token(client.get("/manage/licence").get_data(as_text=True))
    before = _count(Response)
    post = client.post(
        f"{base}/import",
        data={"csrf_token": token, "consent": "y", "file": (io.BytesIO(b"row_id\nx\n"), "a.csv")},
        content_type="multipart/form-data",
    )
    assert post.status_code == 403 and _count(Response) == before


def test_supplier_collections_cannot_be_imported(web):
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    collection = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    client = signed_in(web, manager)
    page = client.get(f"/manage/collections/{collection.id}/import")
    assert page.status_code == 200 and "cannot be imported" in page.get_data(as_text=True)
    assert (
        client.get(f"/manage/collections/{collection.id}/import-template.xlsx").status_code == 404
    )
    with pytest.raises(imports_svc.ImportRefused):
        imports_svc.import_responses(collection, "a.csv", b"row_id\nx\n")


def test_conditional_questions_and_plain_text_formulas(branching_app):
    collection = make_collection("branching")
    rows = [
        BRANCHING_HEADER,
        branching_row("A1", comments="=cmd|' /C calc'!A0"),
        branching_row(
            "A2", team_size="60", has_policy="yes", policy_date="2026-03-27", supported="3"
        ),
    ]
    hidden = [*rows, branching_row("A3", supported="2")]
    refused = imports_svc.import_responses(collection, "b.csv", csv_bytes(hidden))
    assert [(p.row, p.column) for p in refused.problems] == [(4, "supported")]
    assert "only asked when team_size is 50 or more" in refused.problems[0].message
    outcome = imports_svc.import_responses(collection, "b.xlsx", xlsx_bytes(rows))
    assert outcome.imported == 2, outcome.problems
    chosen = Answer.question_id.in_(["comments", "policy_date"])
    saved = dict(
        db.session.execute(select(Answer.question_id, Answer.value_text).where(chosen)).all()
    )
    assert saved == {"comments": "=cmd|' /C calc'!A0", "policy_date": "2026-03-27"}
    assert _count(Answer, question_id="supported") == 1
    assert _count(Answer, question_id="policy_file") == 0


def test_command_line_import_prints_problems_or_counts(wemwbs, web, tmp_path):
    collection = wemwbs["collection"]
    runner = web.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([WEMWBS_HEADER, ["P1", "", "9", *[3] * 13]]))
    failed = runner.invoke(import_responses_command, [str(collection.id), str(bad)])
    assert failed.exit_code == 1
    assert "Row 2, column wemwbs_01: \u20189\u2019 is not an allowed answer" in failed.output
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx_bytes(_wemwbs_rows(4)))
    done = runner.invoke(import_responses_command, [str(collection.id), str(good)])
    assert done.exit_code == 0, done.output
    assert "4 imported" in done.output and "0 already imported" in done.output
    again = runner.invoke(import_responses_command, [str(collection.id), str(good)])
    assert "0 imported" in again.output and "4 already imported" in again.output
    missing = runner.invoke(import_responses_command, ["999999", str(good)])
    assert missing.exit_code == 1
    db.session.expire_all()
    assert _count(Response) == 4


# --- completed_on: the day the paper form was filled in -----------------------------------


def _dated_rows(days):
    """WEMWBS rows with completed_on, one per entry of ``days`` (text or a date cell)."""
    return [TEMPLATE_HEADER] + [
        [f"D{i:04d}", "", day, *[(i + j) % 5 + 1 for j in range(14)]] for i, day in enumerate(days)
    ]


@pytest.fixture
def dated(web):
    """A collection that opened 200 days ago, for forms filled in months before import."""
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    collection = make_collection("wemwbs", contract=contract, opens_in_days=-200)
    return {"collection": collection, "client": signed_in(web, manager), "contract": contract}


def test_completed_on_dates_the_responses_and_the_dashboard_shows_them(dated):
    client, collection = dated["client"], dated["collection"]
    april, june = uk_today() - timedelta(days=150), uk_today() - timedelta(days=100)
    # As text both ways, and once as a date cell Excel made.
    days = [april.isoformat()] * 6 + [june.strftime("%d/%m/%Y")] * 5 + [june]
    before = utcnow()
    _status(client, _upload(client, collection, xlsx_bytes(_dated_rows(days))))
    responses = {r.idempotency_key: r for r in db.session.scalars(select(Response))}
    assert len(responses) == 12
    for i in range(12):
        response = responses[imports_svc.import_key(collection, f"D{i:04d}")]
        written = april if i < 6 else june
        assert response.submitted_at.astimezone(UK).date() == written
        assert response.submitted_at.date() == written  # the same day in UTC
        assert response.started_at == response.submitted_at
        assert response.updated_at >= before  # when the record was written
    page = client.get(f"/manage/contracts/{dated['contract'].id}/dashboard")
    text = re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page.get_data(True))))
    assert f"12 responses submitted by {long_date(june)}" in text


def test_completed_on_refusals_name_row_and_column_and_import_nothing(dated):
    client, collection = dated["client"], dated["collection"]
    opened = collection.opens_at.astimezone(UK).date()
    days = [
        uk_today().isoformat(),
        "30/02/2026",
        (uk_today() + timedelta(days=1)).isoformat(),
        (opened - timedelta(days=1)).strftime("%d/%m/%Y"),
        opened.isoformat(),
    ]
    result = _upload(client, collection, csv_bytes(_dated_rows(days)), name="returns.csv")
    html = html_lib.unescape(_status(client, result).get_data(as_text=True))
    assert "nothing was imported" in html
    assert "Row 3, column completed_on: The date the form was filled in must be a real date" in html
    assert (
        "Row 4, column completed_on: The date the form was filled in must be today or in the past"
        in html
    )
    assert (
        "Row 5, column completed_on: The date the form was filled in must be the same as or "
        f"after {long_date(opened)}, the day the collection opened" in html
    )
    assert "Row 2," not in html and "Row 6," not in html
    assert _count(Response) == 0 and _count(Answer) == 0 and _count(ImportBatch) == 0
    job = db.session.scalar(select(ImportJob))
    assert (job.status, job.problem_count) == ("failed", 3)


def test_without_completed_on_a_response_is_submitted_at_the_import_time(dated):
    """A blank completed_on, or a file made before the column, imports as it always did."""
    collection = dated["collection"]
    before = utcnow()
    old_file = imports_svc.import_responses(collection, "a.csv", csv_bytes(_wemwbs_rows(3)))
    blank = imports_svc.import_responses(collection, "b.csv", csv_bytes(_dated_rows(["", ""])))
    assert (old_file.imported, blank.imported) == (3, 2)
    responses = db.session.scalars(select(Response)).all()
    assert len(responses) == 5
    for response in responses:
        assert response.submitted_at >= before
        assert response.started_at == response.updated_at == response.submitted_at


def test_an_evidence_pack_counts_dated_paper_returns_in_the_period_written(dated, web, tmp_path):
    contract, collection = dated["contract"], dated["collection"]
    written = uk_today() - timedelta(days=150)
    rows = _dated_rows([written.strftime("%d/%m/%Y")] * 3)
    assert imports_svc.import_responses(collection, "a.csv", csv_bytes(rows)).imported == 3

    def submitted_on(start, end):
        job = run_job(start_export(None, contract, start, end).id)
        book = workbook_of(pack_of(web, job), tmp_path)
        return [row[5] for row in rows_of(book["Responses"])[1:] if row[0] is not None]

    assert [day.date() for day in submitted_on(written, written)] == [written] * 3
    assert submitted_on(uk_today() - timedelta(days=7), uk_today()) == []
