"""Choosing a reporting period for an evidence pack on the web: checked, kept, applied."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import ExportJob, Response
from tests.conftest import IsolatedClient, make_config
from tests.integration.export_world import rows_of
from tests.integration.helpers import (
    make_collection,
    make_contract,
    make_user,
    post_form,
    seed_responses,
    signed_in,
)

BLANK = ["", "", ""]


@pytest.fixture
def web_app(app, database_url, tmp_path) -> Any:
    from svcollect import create_app

    fresh = create_app(
        make_config(
            database_url,
            tmp_path,
            SVCOLLECT_UPLOAD_DIR=app.config["SVCOLLECT_UPLOAD_DIR"],
            SVCOLLECT_JOBS="inline",
        )
    )
    fresh.test_client_class = IsolatedClient
    yield fresh
    with fresh.app_context():
        db.engine.dispose()


@pytest.fixture
def manager_of() -> Any:
    contract = make_contract()
    return contract, make_user("contract_manager", contract.buyer)


def _start(client: Any, contract: Any, start: list[str], end: list[str]) -> Any:
    url = f"/manage/contracts/{contract.id}/exports"
    return post_form(client, url, {"period_start": start, "period_end": end})


def _jobs() -> int:
    return db.session.scalar(select(func.count()).select_from(ExportJob)) or 0


def test_the_period_is_stored_on_the_job_and_shown(web_app, manager_of):
    contract, manager = manager_of
    client = signed_in(web_app, manager)
    page = client.get(f"/manage/contracts/{contract.id}/exports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Period from" in html and "Period to" in html
    assert 'name="period_start"' in html and 'id="period_start-day"' in html

    started = _start(client, contract, ["1", "2", "2021"], ["31", "3", "2021"])
    assert started.status_code == 303
    job = db.session.scalar(select(ExportJob))
    assert (job.period_start, job.period_end) == (date(2021, 2, 1), date(2021, 3, 31))
    status = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "1 February 2021 to 31 March 2021" in status
    listing = client.get(f"/manage/contracts/{contract.id}/exports").get_data(as_text=True)
    assert "1 February 2021 to 31 March 2021" in listing


@pytest.mark.parametrize(
    ("start", "end", "stored", "shown"),
    [
        (BLANK, BLANK, (None, None), "Whole contract"),
        ([" 7 ", "04", "2021"], BLANK, (date(2021, 4, 7), None), "From 7 April 2021"),
        (BLANK, ["7", "4", "2021"], (None, date(2021, 4, 7)), "Up to 7 April 2021"),
        (["7", "4", "2021"], ["7", "4", "2021"], (date(2021, 4, 7),) * 2, "7 April 2021 to"),
    ],
)
def test_either_end_of_the_period_may_be_left_open(web_app, manager_of, start, end, stored, shown):
    contract, manager = manager_of
    client = signed_in(web_app, manager)
    started = _start(client, contract, start, end)
    assert started.status_code == 303
    job = db.session.scalar(select(ExportJob))
    assert (job.period_start, job.period_end) == stored
    assert shown in client.get(started.headers["Location"]).get_data(as_text=True)


def test_a_post_without_the_date_fields_builds_the_whole_contract(web_app, manager_of):
    contract, manager = manager_of
    client = signed_in(web_app, manager)
    url = f"/manage/contracts/{contract.id}/exports"
    assert post_form(client, url, {}).status_code == 303
    job = db.session.scalar(select(ExportJob))
    assert (job.period_start, job.period_end) == (None, None)


@pytest.mark.parametrize(
    ("start", "end", "field", "message", "box"),
    [
        (
            ["31", "2", "2021"],
            BLANK,
            "period_start",
            "The period's first day must be a real date",
            "day",
        ),
        (
            ["", "4", "2021"],
            BLANK,
            "period_start",
            "The period's first day must be a real date",
            "day",
        ),
        (
            BLANK,
            ["1", "13", "2021"],
            "period_end",
            "The period's last day must be a real date",
            "month",
        ),
        (
            BLANK,
            ["1", "1", "twenty"],
            "period_end",
            "The period's last day must be a real date",
            "year",
        ),
        (
            ["1", "4", "21"],
            ["31", "3", "2022"],
            "period_start",
            "The period's first day must include a year with 4 numbers",
            "year",
        ),
        (
            ["1", "4", "2021"],
            ["31", "3", "22"],
            "period_end",
            "The period's last day must include a year with 4 numbers",
            "year",
        ),
        (
            ["1", "4", "2021"],
            ["31", "3", "2021"],
            "period_end",
            "Period to must be the same as or after period from",
            "day",  # the date as a whole: its first box
        ),
    ],
)
def test_a_wrong_period_is_shown_again_with_what_was_typed(
    web_app, manager_of, start, end, field, message, box
):
    contract, manager = manager_of
    client = signed_in(web_app, manager)
    page = _start(client, contract, start, end)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "<title>Error: " in html
    assert "govuk-error-summary" in html and "There is a problem" in html
    assert f'href="#{field}-{box}"' in html  # the summary links to the box that is wrong
    assert html.count(message) == 2  # in the summary and beside the field
    assert f'aria-describedby="{field}-hint {field}-error"' in html
    assert "govuk-input--error" in _input(html, f"{field}-{box}")
    for name, typed in (("period_start", start), ("period_end", end)):
        for part, value in zip(("day", "month", "year"), typed, strict=True):
            if value:
                assert f'value="{value}"' in _input(html, f"{name}-{part}")
    assert _jobs() == 0


def _input(html: str, input_id: str) -> str:
    """The <input> tag with this id."""
    at = html.index(f'id="{input_id}"')
    return html[html.rfind("<input", 0, at) : html.index(">", at)]


def _responses_submitted_at(contract, moments: list[datetime]) -> list[int]:
    """One ONS4 response submitted at each moment; their ids in the same order."""
    collection = make_collection("ons4", contract=contract)
    people = [
        (f"CODE{i:04d}", {"life_satisfaction": 7, "worthwhile": 7}) for i in range(len(moments))
    ]
    seed_responses(collection, people)
    ids = list(db.session.scalars(select(Response.id).order_by(Response.id)))
    for rid, when in zip(ids, moments, strict=True):
        response = db.session.get(Response, rid)
        response.started_at = response.updated_at = response.submitted_at = when
    db.session.commit()
    return ids


def _pack_for(client, contract, start: list[str], end: list[str]):
    """Export the period through the web form; the pack's workbook."""
    started = _start(client, contract, start, end)
    assert started.status_code == 303
    job = db.session.scalar(select(ExportJob))
    assert job.status == "done", job.message
    download = client.get(f"{started.headers['Location']}/download")
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.data)) as pack:
        [name] = [n for n in pack.namelist() if n.endswith(".xlsx") and "/" not in n]
        return load_workbook(io.BytesIO(pack.read(name)))


def test_the_pack_holds_only_responses_submitted_in_the_period(web_app, manager_of, tmp_path):
    contract, manager = manager_of
    ids = _responses_submitted_at(
        contract,
        [
            datetime(2021, 1, 31, 23, 59, 59, tzinfo=UTC),  # the day before: out
            datetime(2021, 2, 1, 0, 0, tzinfo=UTC),  # the first moment: in
            datetime(2021, 3, 15, 12, 0, tzinfo=UTC),  # in
            # UK days: summer time began on 28 March 2021, so 31 March ends at 23:00 UTC.
            datetime(2021, 3, 31, 22, 59, 59, tzinfo=UTC),  # the last moment: in
            datetime(2021, 3, 31, 23, 0, tzinfo=UTC),  # the day after (00:00 BST): out
        ],
    )
    book = _pack_for(signed_in(web_app, manager), contract, ["1", "2", "2021"], ["31", "3", "2021"])
    responses = rows_of(book["Responses"])
    assert responses[0][0] == "Response"
    assert sorted(r[0] for r in responses[1:]) == ids[1:4]
    cover = {r[0]: r[1] for r in rows_of(book["Cover"]) if r[0]}
    assert cover["Period"] == "2021-02-01 to 2021-03-31"
    assert cover["Responses exported"] == 3
    notes = " ".join(str(v) for r in rows_of(book["Cover"]) for v in r if v)
    # What the period does not limit is said on the cover (and on the export page).
    assert "the results figures cover every collection on the contract" in notes
    # Every audit event was recorded today, outside the period.
    assert len(rows_of(book["Audit extract"])) == 1


def test_the_period_is_in_uk_days_in_summer_time(web_app, manager_of, tmp_path):
    contract, manager = manager_of
    ids = _responses_submitted_at(
        contract,
        [
            datetime(2021, 5, 31, 22, 59, 59, tzinfo=UTC),  # 23:59:59 BST on 31 May: out
            datetime(2021, 5, 31, 23, 0, tzinfo=UTC),  # 00:00 BST on 1 June: in
            datetime(2021, 6, 30, 22, 59, 59, tzinfo=UTC),  # 23:59:59 BST on 30 June: in
            datetime(2021, 6, 30, 23, 30, tzinfo=UTC),  # 00:30 BST on 1 July: out
        ],
    )
    book = _pack_for(signed_in(web_app, manager), contract, ["1", "6", "2021"], ["30", "6", "2021"])
    assert sorted(r[0] for r in rows_of(book["Responses"])[1:]) == ids[1:3]
