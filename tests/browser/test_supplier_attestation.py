"""A supplier attests to the MHAW standards with evidence; the contract manager queries one,
the supplier answers with a comment and another file, and the manager accepts it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from svcollect.extensions import db
from svcollect.models import StandardEvent
from tests.browser.conftest import PDF, Attestation, Tab

pytestmark = pytest.mark.browser

CORE = [f"mhaw_{i}" for i in range(1, 7)]


def submit(tab: Tab, name: str) -> None:
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name=name).click()
    tab.check()


def decide(tab: Tab, code: str, decision: str, comment: str = "") -> None:
    section = tab.page.locator(f"#standard-{code}")
    section.get_by_role("radio", name=decision, exact=True).check()
    if comment:
        section.get_by_label("Comment for the supplier").fill(comment)
    with tab.page.expect_navigation():
        section.get_by_role("button", name="Save decision").click()
    tab.check()


def tag(tab: Tab, code: str) -> str:
    text: str = tab.page.locator(f"#standard-{code} .govuk-tag").first.inner_text()
    return text.strip()


@pytest.mark.parametrize("narrow", [False, True], ids=["desktop", "320px"])
def test_supplier_attests_with_evidence_and_answers_a_query(
    live_server: Any, open_tab: Any, sign_in: Any, attestation: Attestation, narrow: bool
) -> None:
    supplier = open_tab(narrow=narrow)
    page = supplier.page
    sign_in(supplier, attestation.supplier_email, then="/supplier/")
    row = page.get_by_role("row").filter(has_text=attestation.contract_reference)
    assert "To complete" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("link", name="Workplace mental health standards").click()
    supplier.check()
    assert page.url.endswith(f"/declarations/{attestation.declaration_id}/page/organisation")

    page.get_by_label("How many people does your organisation employ?").fill("40")
    submit(supplier, "Save and continue")
    for code in CORE:
        assert page.url.endswith(f"/page/{code}"), page.url
        status = "Partly in place" if code == "mhaw_4" else "In place"
        page.get_by_role("radio", name=status, exact=True).check()
        if code == "mhaw_1":
            page.get_by_label("What have you done to meet this standard?").fill(
                "A wellbeing action plan owned by the board since 2025."
            )
            page.get_by_label("Upload evidence for this standard").set_input_files(
                {"name": "wellbeing-plan.pdf", "mimeType": "application/pdf", "buffer": PDF}
            )
        submit(supplier, "Save and continue")
    assert page.url.endswith("/check")
    # One list per standard under its title, the files by name.
    assert page.locator(".govuk-summary-list").count() == 1 + len(CORE)
    assert "wellbeing-plan.pdf" in page.locator(".govuk-summary-list").nth(1).inner_text()
    submit(supplier, "Submit your answers")
    assert page.url.endswith(f"/supplier/declarations/{attestation.declaration_id}")
    assert [tag(supplier, code) for code in CORE] == ["Awaiting review"] * 6
    assert page.locator("#standard-mhaw_1").get_by_role("link").inner_text() == (
        "wellbeing-plan.pdf"
    )

    # The contract manager reviews: accepts five standards, queries one.
    manager = open_tab(narrow=narrow)
    review = f"/manage/declarations/{attestation.declaration_id}"
    sign_in(
        manager, attestation.manager_email, then=f"/manage/collections/{attestation.collection_id}"
    )
    with manager.page.expect_navigation():
        manager.page.get_by_role("link", name=attestation.supplier_name).click()
    manager.check()
    assert manager.page.url.endswith(review)
    for code in CORE[:-1]:
        decide(manager, code, "Accept: the evidence shows the standard is met")
        assert "Decision saved" in manager.page.get_by_role("alert").inner_text()
        assert tag(manager, code) == "Accepted"
    # A query without a comment is refused with an error summary that leads to the field.
    decide(manager, "mhaw_6", "Query: ask the supplier a question or for more evidence")
    summary = manager.page.locator(".govuk-error-summary")
    assert summary.evaluate("(el) => el === document.activeElement")
    assert summary.get_by_role("link").get_attribute("href") == "#mhaw_6-comment"
    decide(
        manager,
        "mhaw_6",
        "Query: ask the supplier a question or for more evidence",
        "Send the board minutes that approved the reporting",
    )
    assert tag(manager, "mhaw_6") == "Queried"

    # The supplier answers the query with a comment and another file.
    supplier.goto(f"/supplier/declarations/{attestation.declaration_id}")
    section = page.locator("#standard-mhaw_6")
    assert tag(supplier, "mhaw_6") == "Queried – please answer"
    assert "Send the board minutes that approved the reporting" in section.inner_text()
    section.get_by_label("Your answer").fill("The minutes of the March board are attached.")
    section.get_by_label("Upload more evidence (optional)").set_input_files(
        {"name": "board-minutes.pdf", "mimeType": "application/pdf", "buffer": PDF + b"%minutes"}
    )
    with page.expect_navigation():
        section.get_by_role("button", name="Send answer").click()
    supplier.check()
    assert "Your answer has been sent" in page.get_by_role("alert").inner_text()
    assert tag(supplier, "mhaw_6") == "Answered – awaiting review"

    # The manager sees the answer and the new file, and accepts.
    manager.goto(review)
    section = manager.page.locator("#standard-mhaw_6")
    assert tag(manager, "mhaw_6") == "Supplier answered – to review"
    assert "The minutes of the March board are attached." in section.inner_text()
    assert section.get_by_role("link", name="board-minutes.pdf").is_visible()
    decide(manager, "mhaw_6", "Accept: the evidence shows the standard is met")
    assert [tag(manager, code) for code in CORE] == ["Accepted"] * 6

    supplier.goto(f"/supplier/declarations/{attestation.declaration_id}")
    assert [tag(supplier, code) for code in CORE] == ["Accepted"] * 6
    with live_server.seeding():
        history = db.session.scalars(
            select(StandardEvent.kind)
            .filter_by(declaration_id=attestation.declaration_id, standard="mhaw_6")
            .order_by(StandardEvent.id)
        ).all()
    assert history == ["queried", "answered", "accepted"]
