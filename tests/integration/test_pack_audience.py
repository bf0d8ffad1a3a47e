"""Individual answers in evidence packs go to the buyer's side only, never to the employer.

The prime supplier employs the contract's workforce; its contract managers see the
contract and build packs, but their packs hold no survey answers, and they can neither
list nor download a pack that does (DOMAIN.md section 5).
"""

from __future__ import annotations

import json
import zipfile
from typing import Any

import pytest

from svcollect.evidence.pack import MANIFEST
from svcollect.extensions import db
from svcollect.models import ExportJob
from tests.integration.export_world import (
    export,
    make_world,
    pack_of,
    rows_of,
    table_of,
    valuation_rows,
    workbook_of,
)
from tests.integration.helpers import csrf_token, make_organisation, make_user, signed_in


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    world = make_world(app)
    prime = make_organisation("Acme Facilities", "prime_supplier")
    world["contract"].prime_supplier_id = prime.id
    db.session.commit()
    world["employer"] = make_user("contract_manager", prime)
    return world


def _responses(app: Any, job: Any, tmp_path: Any) -> tuple[list[list[Any]], list[list[Any]]]:
    book = workbook_of(pack_of(app, job), tmp_path)
    return rows_of(book["Responses"]), rows_of(book["Cover"])


def _manifest(app: Any, job: Any) -> dict[str, Any]:
    with zipfile.ZipFile(pack_of(app, job)) as archive:
        return json.loads(archive.read(MANIFEST))


def _close_surveys(contract: Any) -> None:
    from svcollect.models import Collection
    from svcollect.models._types import utcnow

    for collection in db.session.scalars(db.select(Collection).filter_by(contract_id=contract.id)):
        if collection.access != "supplier":
            collection.closed_early_at = utcnow()
    db.session.commit()


def test_the_employers_pack_has_every_figure_and_no_answer(app, world, tmp_path):
    _close_surveys(world["contract"])  # open surveys are the employer's only once closed
    buyer_job = export(world["contract"], world["manager"])
    employer_job = export(world["contract"], world["employer"])
    assert buyer_job.individual_answers and not employer_job.individual_answers
    buyer_rows, _ = _responses(app, buyer_job, tmp_path)
    employer_rows, cover = _responses(app, employer_job, tmp_path)
    assert len(buyer_rows) > 20  # a header and every stored response
    assert employer_rows == buyer_rows[:1]  # the header only
    assert any("Individual answers are left out" in str(row[-1]) for row in cover)
    assert not any("Responses holds survey answers" in str(row[-1]) for row in cover)
    buyer, employer = _manifest(app, buyer_job), _manifest(app, employer_job)
    assert (buyer["individual_answers"], employer["individual_answers"]) == (True, False)
    assert employer["responses_exported"] == 0
    # the same results, to the fingerprint
    assert employer["results_sha256"] == buyer["results_sha256"]


def test_the_employers_pack_leaves_out_surveys_still_open_and_says_so(app, world, tmp_path):
    buyer_job = export(world["contract"], world["manager"])
    employer_job = export(world["contract"], world["employer"])
    buyer, employer = _manifest(app, buyer_job), _manifest(app, employer_job)
    assert employer["results_sha256"] != buyer["results_sha256"]
    _, cover = _responses(app, employer_job, tmp_path)
    assert any("still taking answers" in str(row[-1]) for row in cover)
    _, buyer_cover = _responses(app, buyer_job, tmp_path)
    assert not any("still taking answers" in str(row[-1]) for row in buyer_cover)
    valuation = rows_of(workbook_of(pack_of(app, employer_job), tmp_path)["Valuation"])
    assert not any("3,250" in str(cell) or cell == 39000 for row in valuation for cell in row)


def test_the_employers_inputs_list_no_open_survey_and_no_count_of_its_responses(
    app, world, tmp_path
):
    from svcollect.models import Collection

    contract = world["contract"]
    stored = list(db.session.scalars(db.select(Collection).filter_by(contract_id=contract.id)))
    surveys = {c.id for c in stored if c.access != "supplier"}
    book = workbook_of(pack_of(app, export(contract, world["employer"])), tmp_path)
    inputs = rows_of(book["Inputs"])
    listed = {r["Collection"] for r in table_of(inputs, "Collection", "Label")}
    assert listed == {c.id for c in stored} - surveys  # only the suppliers' collections
    assert any("still taking answers are left out" in str(r[0]) for r in inputs)
    [route] = table_of(inputs, "Route id", "Route")
    assert route["Rows on Valuation"] == 0
    assert "still taking answers" in route["Not valued because"]
    assert valuation_rows(book) == []
    # once they close, the employer's Inputs are the buyer's, to the cell
    _close_surveys(contract)
    buyer = rows_of(
        workbook_of(pack_of(app, export(contract, world["manager"])), tmp_path)["Inputs"]
    )
    employer = rows_of(
        workbook_of(pack_of(app, export(contract, world["employer"])), tmp_path)["Inputs"]
    )
    assert employer == buyer
    assert surveys <= {r["Collection"] for r in table_of(employer, "Collection", "Label")}


def test_the_employer_can_neither_list_nor_download_a_pack_with_answers(app, world):
    buyer_job = export(world["contract"], world["manager"])
    employer_job = export(world["contract"], world["employer"])
    employer = signed_in(app, world["employer"])
    listing = employer.get(f"/manage/contracts/{world['contract'].id}/exports")
    html = listing.get_data(as_text=True)
    assert f"/manage/exports/{employer_job.id}" in html
    assert f"/manage/exports/{buyer_job.id}" not in html
    assert "leave out individual survey answers" in html
    assert employer.get(f"/manage/exports/{buyer_job.id}").status_code == 404
    assert employer.get(f"/manage/exports/{buyer_job.id}/download").status_code == 404
    assert employer.get(f"/manage/exports/{employer_job.id}/download").status_code == 200
    # the buyer sees both, and may have either
    buyer = signed_in(app, world["manager"])
    buyer_html = buyer.get(f"/manage/contracts/{world['contract'].id}/exports").get_data(
        as_text=True
    )
    assert f"/manage/exports/{buyer_job.id}" in buyer_html
    assert f"/manage/exports/{employer_job.id}" in buyer_html
    assert buyer.get(f"/manage/exports/{buyer_job.id}/download").status_code == 200


def test_a_pack_started_on_the_employers_page_holds_no_answers(app, world, monkeypatch):
    started: list[int] = []
    monkeypatch.setattr("svcollect.web.exports.enqueue_export", started.append)
    employer = signed_in(app, world["employer"])
    url = f"/manage/contracts/{world['contract'].id}/exports"
    token = csrf_token(employer.get(url).get_data(as_text=True))
    assert employer.post(url, data={"csrf_token": token}).status_code == 303

    [job_id] = started
    assert db.session.get(ExportJob, job_id).individual_answers is False


def test_administrators_and_the_export_command_get_the_answers(app, world, tmp_path):
    admin_job = export(world["contract"], make_user("admin", None))
    command_job = export(world["contract"], None)
    assert admin_job.individual_answers and command_job.individual_answers
    rows, _ = _responses(app, admin_job, tmp_path)
    assert len(rows) > 20


def test_pack_times_are_shown_in_uk_time_like_every_other_page(app, world):
    from svcollect.web.template_helpers import long_datetime

    job = export(world["contract"], world["manager"])
    client = signed_in(app, world["manager"])
    status = client.get(f"/manage/exports/{job.id}").get_data(as_text=True)
    listing = client.get(f"/manage/contracts/{world['contract'].id}/exports").get_data(as_text=True)
    assert long_datetime(job.finished_at) in status and " UTC" not in status
    assert long_datetime(job.created_at) in listing and " UTC<" not in listing
