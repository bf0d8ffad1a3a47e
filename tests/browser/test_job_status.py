"""Status pages of background jobs keep themselves up to date without ever reloading.

A page that reloads itself fails WCAG 2.2.1 (W3C failure F41): a screen reader starts
again from the top each time. svcollect's evidence pack and import status pages instead
update their progress line in place (a polite live region) and, when the job has
finished, show the outcome and move focus to it (js/job-status.js). These tests open a
page while its job waits, move the job on through the services, and watch the same
document change: a marker set on the window survives, so the page was never reloaded.
"""

from __future__ import annotations

from typing import Any

import pytest

from svcollect.extensions import db
from tests.browser.conftest import Attestation, Tab

pytestmark = pytest.mark.browser

WAIT = 15_000  # ms: the page checks every 3 s


def _open(open_tab: Any, sign_in: Any, email: str, path: str, narrow: bool) -> Tab:
    tab = open_tab(narrow=narrow)
    sign_in(tab, email, then=path)
    tab.page.evaluate("() => { window.__sameDocument = true }")
    return tab


def _same_document(tab: Tab) -> bool:
    return bool(tab.page.evaluate("() => window.__sameDocument === true"))


def _focused(tab: Tab) -> str:
    return str(tab.page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)"))


@pytest.mark.parametrize("narrow", [True, False], ids=["320px", "desktop"])
def test_an_evidence_pack_page_follows_its_job_to_the_download(
    live_server: Any, open_tab: Any, sign_in: Any, attestation: Attestation, narrow: bool
) -> None:
    from playwright.sync_api import expect

    from svcollect.models import Contract, ExportJob, User
    from svcollect.services import exports

    with live_server.seeding():
        contract = db.session.get(Contract, attestation.contract_id)
        manager = db.session.scalar(db.select(User).filter_by(email=attestation.manager_email))
        job_id = exports.start_export(manager, contract).id  # queued: no worker takes it
    tab = _open(open_tab, sign_in, attestation.manager_email, f"/manage/exports/{job_id}", narrow)
    page = tab.page
    progress = page.get_by_role("status")
    expect(progress).to_have_text("0% done: Waiting to start")
    expect(page.get_by_role("link", name="Check progress")).to_have_attribute(
        "href", f"/manage/exports/{job_id}"
    )

    # A worker takes the job and gets part way.
    with live_server.seeding():
        job = db.session.get(ExportJob, job_id)
        job.status, job.progress, job.message = "running", 40, "Writing the workbook"
        db.session.commit()
    expect(progress).to_have_text("40% done: Writing the workbook", timeout=WAIT)
    expect(page.locator("[data-app-job-part=tag]")).to_have_text("Being built")
    assert _same_document(tab), "the page reloaded itself"
    tab.check()

    # It finishes (run_job takes only a queued job, so it goes back to the queue first).
    with live_server.seeding():
        job = db.session.get(ExportJob, job_id)
        job.status = "queued"
        db.session.commit()
        assert exports.run_job(job_id).status == "done"
    download = page.get_by_role("link", name="Download the evidence pack")
    expect(download).to_be_visible(timeout=WAIT)
    assert _same_document(tab), "the page reloaded itself"
    assert _focused(tab).startswith("<h1"), _focused(tab)
    assert page.get_by_role("link", name="Check progress").count() == 0
    expect(page.locator("[data-app-job-part=tag]")).to_have_text("Ready")
    tab.check()


def test_an_import_page_shows_the_problems_it_found_and_focuses_them(
    live_server: Any, open_tab: Any, sign_in: Any, attestation: Attestation
) -> None:
    from playwright.sync_api import expect

    from svcollect.models import Contract, User
    from svcollect.services import import_jobs
    from tests.integration.helpers import make_collection

    with live_server.seeding():
        contract = db.session.get(Contract, attestation.contract_id)
        manager = db.session.scalar(db.select(User).filter_by(email=attestation.manager_email))
        collection = make_collection("ons4", contract=contract)
        rows = b"row_id,life_satisfaction,worthwhile,happiness,anxiety\nP1,11,8,6,2\n"
        job_id = import_jobs.start_import(manager, collection, "returns.csv", rows).id
    tab = _open(
        open_tab, sign_in, attestation.manager_email, f"/manage/imports/{job_id}", narrow=True
    )
    page = tab.page
    expect(page.get_by_role("status")).to_have_text("0% done: Waiting to start")
    with live_server.seeding():
        assert import_jobs.run_import(job_id).status == "failed"
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible(timeout=WAIT)
    expect(summary).to_contain_text("nothing was imported")
    assert _same_document(tab), "the page reloaded itself"
    assert "govuk-error-summary" in _focused(tab), _focused(tab)
    assert page.title().startswith("Error: ")
    tab.check()
