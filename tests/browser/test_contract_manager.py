"""A contract manager signs in, opens a collection on screen, reviews a supplier's evidence
(downloading the file) and reads the contract's results."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from svcollect.extensions import db
from svcollect.models import Collection, Contract, Declaration
from tests.browser.conftest import PDF, Attestation, Tab
from tests.integration.helpers import make_collection, seed_responses

pytestmark = pytest.mark.browser

ONS_OTHER = {"worthwhile": 7, "happiness": 7, "anxiety": 3}
PAIRED = 12


def _submit_declaration(attestation: Attestation) -> None:
    """The supplier's declaration, answered and submitted through the services."""
    from svcollect.models import User
    from svcollect.services.declarations import submit_declaration
    from svcollect.services.evidence import store_upload
    from svcollect.services.questionnaires import questionnaire_for
    from svcollect.services.responses import Progress, save_page, stored_values

    declaration = db.session.get(Declaration, attestation.declaration_id)
    user = db.session.scalar(select(User).filter_by(email=attestation.supplier_email))
    questionnaire = questionnaire_for(declaration.collection.questionnaire_version)
    response = declaration.response
    for page in Progress.of(questionnaire, response).visible_pages():
        data: dict[str, Any] = {}
        for question in page.questions:
            if question.id == "employee_count":
                data[question.id] = "40"
            elif question.id.endswith("_status"):
                data[question.id] = "in_place"
            elif question.id == "mhaw_1_evidence":
                upload = FileStorage(stream=io.BytesIO(PDF), filename="plan.pdf")
                data[question.id] = [store_upload(response, question, upload).id]
        save_page(response, page, stored_values(page.questions, data))
    submit_declaration(user, declaration, Progress.of(questionnaire, response))
    assert declaration.status == "submitted"


@pytest.fixture
def contract_with_evidence(live_server: Any, attestation: Attestation) -> Attestation:
    """The attestation submitted with one evidence file, and 12 people's ONS4 answers at
    baseline and follow-up (enough to show figures rather than suppress them)."""
    with live_server.seeding():
        _submit_declaration(attestation)
        contract = db.session.get(Contract, attestation.contract_id)
        baseline = make_collection("ons4", contract=contract)
        follow_up = make_collection("ons4", contract=contract, wave="follow_up")
        people = [f"CODE{i:04d}" for i in range(PAIRED)]
        seed_responses(baseline, [(c, {"life_satisfaction": 5, **ONS_OTHER}) for c in people])
        seed_responses(
            follow_up,
            [(c, {"life_satisfaction": 5 + i % 3, **ONS_OTHER}) for i, c in enumerate(people)],
        )
    return attestation


def follow(tab: Tab, name: str, **options: Any) -> None:
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name=name, **options).click()
    tab.check()


def press(tab: Tab, name: str) -> None:
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name=name).click()
    tab.check()


def fill_date(tab: Tab, legend: str, day: date) -> None:
    group = tab.page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


NARROW = pytest.mark.parametrize("narrow", [False, True], ids=["desktop", "320px"])


@NARROW
def test_contract_manager_opens_a_collection_reviews_evidence_and_reads_results(
    live_server: Any,
    open_tab: Any,
    sign_in: Any,
    contract_with_evidence: Attestation,
    tmp_path: Path,
    narrow: bool,
) -> None:
    attestation = contract_with_evidence
    tab = open_tab(narrow=narrow)
    page = tab.page
    sign_in(tab, attestation.manager_email, then="/manage/")
    follow(tab, attestation.contract_reference)
    assert page.url.endswith(f"/manage/contracts/{attestation.contract_id}")

    # Open a collection on screen; an empty form first shows every error in the summary.
    follow(tab, "Open a collection")
    press(tab, "Open collection")
    summary = page.locator(".govuk-error-summary")
    assert summary.evaluate("(el) => el === document.activeElement")
    assert "Select who answers" in summary.inner_text()
    assert summary.get_by_role("link", name="Enter the date it opens").get_attribute("href") == (
        "#opens_on-day"
    )
    page.get_by_label("Questionnaire").select_option(label="Personal wellbeing (v1)")
    page.get_by_role("radio", name="The contract's workforce").check()
    page.get_by_role("radio", name="Annual").check()
    page.get_by_role("radio", name="One open link for everyone").check()
    page.get_by_label("Name for this collection").fill("Annual wellbeing pulse")
    fill_date(tab, "Opens on", date.today())
    fill_date(tab, "Closes on", date.today() + timedelta(days=60))
    press(tab, "Open collection")
    assert "Collection opened" in page.get_by_role("alert").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Annual wellbeing pulse"
    open_link = page.locator("main code").inner_text()
    with live_server.seeding():
        opened = db.session.scalar(  # the newest: each run of this test opens one
            select(Collection)
            .filter_by(label="Annual wellbeing pulse")
            .order_by(Collection.id.desc())
            .limit(1)
        )
        assert opened is not None and opened.contract_id == attestation.contract_id
        assert open_link == f"{live_server.url}/s/{opened.public_id}"
    follow(tab, "Back to the contract")
    collections = page.get_by_role("table", name="Collections on this contract")
    assert collections.get_by_role("row", name="Annual wellbeing pulse").is_visible()

    # Review the supplier's evidence: download the file, then accept the standard.
    follow(tab, "Test mhaw-standards")
    follow(tab, attestation.supplier_name)
    standard = page.locator("#standard-mhaw_1")
    with page.expect_download() as downloading:
        standard.get_by_role("link", name="plan.pdf").click()
    download = downloading.value
    assert download.suggested_filename == "plan.pdf"
    saved = tmp_path / "plan.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == PDF
    standard.get_by_role("radio", name="Accept: the evidence shows the standard is met").check()
    with page.expect_navigation():
        standard.get_by_role("button", name="Save decision").click()
    tab.check()
    assert page.locator("#standard-mhaw_1 .govuk-tag").inner_text() == "Accepted"
    follow(tab, "Back to the collection")
    assert (
        "1 of 6 standards accepted"
        in page.get_by_role("listitem").filter(has_text=attestation.supplier_name).inner_text()
    )

    # The results page: paired ONS4 changes with their sample size.
    follow(tab, "Back to the contract")
    follow(tab, "See results")
    assert page.get_by_role("heading", level=1).inner_text() == "Results"
    changes = page.get_by_role("table", name="Change in each measure").first
    life = changes.get_by_role("row").filter(has_text=re.compile("life satisfaction", re.I))
    assert life.get_by_role("cell").first.inner_text() == str(PAIRED)
    follow(tab, "methodology page")


@NARROW
def test_contract_manager_reads_the_dashboard(
    open_tab: Any, sign_in: Any, contract_with_evidence: Attestation, narrow: bool
) -> None:
    attestation = contract_with_evidence
    tab = open_tab(narrow=narrow)
    page = tab.page
    sign_in(tab, attestation.manager_email, then=f"/manage/contracts/{attestation.contract_id}")
    follow(tab, "See the dashboard")
    assert page.url.endswith(f"/manage/contracts/{attestation.contract_id}/dashboard")
    charts = page.locator('svg[role="img"]')
    assert charts.count() >= 2, "the dashboard drew fewer charts than the seeded data allows"
    # Each chart's figures are also in a table, opened from the keyboard.
    first = page.locator("details.app-chart__data").first
    first.locator("summary").focus()
    page.keyboard.press("Enter")
    assert first.get_attribute("open") is not None
    assert first.get_by_role("table").is_visible()
    tab.check()  # the opened table too
    follow(tab, "Your portfolio")


@NARROW
def test_contract_manager_downloads_an_evidence_pack(
    live_server: Any,
    open_tab: Any,
    sign_in: Any,
    contract_with_evidence: Attestation,
    tmp_path: Path,
    narrow: bool,
) -> None:
    import hashlib
    import zipfile

    attestation = contract_with_evidence
    # Build the pack within the request so the status page shows it finished; the
    # background modes (thread and RQ) are covered by tests/integration/test_exports_jobs.py.
    previous = live_server.app.config.get("SVCOLLECT_JOBS")
    live_server.app.config["SVCOLLECT_JOBS"] = "inline"
    try:
        tab = open_tab(narrow=narrow)
        page = tab.page
        sign_in(tab, attestation.manager_email, then=f"/manage/contracts/{attestation.contract_id}")
        follow(tab, "Evidence packs")
        press(tab, "Build an evidence pack")
        assert page.get_by_role("heading", level=1).inner_text() == "Evidence pack"
        shown_hash = page.locator("main code").inner_text().strip()
        with page.expect_download() as downloading:
            page.get_by_role("link", name="Download the evidence pack").click()
        saved = tmp_path / "pack.zip"
        downloading.value.save_as(saved)
    finally:
        live_server.app.config["SVCOLLECT_JOBS"] = previous
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == shown_hash
    with zipfile.ZipFile(saved) as pack:
        names = pack.namelist()
    assert "manifest.json" in names
    assert any(name.endswith(".xlsx") for name in names)
