"""Every page of svcollect passes the page checks on a 320 px phone and on a desktop.

The journey tests (respondent, supplier attestation, contract manager) walk the main paths
with the keyboard and mouse. This module opens every other page as well: each endpoint in
the app's URL map that answers GET is either visited here, as the user who would see it,
or named in NOT_PAGES with the reason (a download, a redirect-only address, a static
file). A new page that is in neither fails `test_every_page_is_visited_or_excused`.

Every page is opened three times: on a 320 px phone, on a desktop, and on a desktop with
the reader's own text spacing. Every visit goes through `Tab.check()`: axe-core (WCAG 2.2
A/AA), no console error (a CSP violation is one), named charts, on the phone no horizontal
scrolling (WCAG 1.4.10 Reflow), and with the text spacing nothing cut off or pushed
sideways (WCAG 1.4.12). On the desktop each page is also walked with the Tab key: every
element that takes focus must show it (2.4.7) and not be covered (2.4.11). Forms are also
sent empty once, so their error summaries are checked too.

The data is what real buyers hold, and long where real data is long: an email address of
69 characters, organisations named with one 58-letter word (a Welsh place name), a
reference of 28 characters with no space, and evidence file names of 50 and more. Every
questionnaire in `questionnaires/` is answered, so each of its pages can be opened.

The module serves its own database, so what it seeds reaches no other browser test.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import PASSWORD, PDF, LiveServer, Tab, answer_every_page, serve

pytestmark = pytest.mark.browser

# Long where real data is long.
LONG_WORD = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"
ADMIN_EMAIL = "information.governance.administrator@northumberland-tyne-wear-icb.nhs.uk"
MANAGER_EMAIL = "social.value.contract.manager@llanfairpwllgwyngyll-community-council.gov.uk"
SUPPLIER_EMAIL = "wellbeing.lead@cymorth-iechyd-meddwl-cymunedol-cyfyngedig.co.uk"
PRIME_EMAIL = "social.value.manager@cymorth-iechyd-meddwl-cymunedol-cyfyngedig.co.uk"
REFERENCE = "NHSE-2026-ICB-0000123-LOT-04"
FILE_NAME = "Mental_health_at_work_plan_2026-27_final_v3_signed_by_the_board.pdf"
CONTRACT_TITLE = "Community mental health and wellbeing support services across the county"
VALUE_TABLE = (
    b"outcome_code,description,unit,value,price_year,source,licence,deadweight_included\n"
    b"volunteering_hours,Hours volunteered by staff in the community,hour,17.50,2024,"
    b"Our own estimate from the 2024 volunteering survey,Internal,no\n"
)

#: GET endpoints that are not HTML pages for a person to read, and why
NOT_PAGES = {
    "static": "static files (style sheet, scripts, fonts, images)",
    "main.favicon": "the icon file",
    "main.health": "JSON for load balancers and monitoring",
    "evidence.download": "a download: the evidence file itself",
    "exports.download": "a download: the evidence pack zip",
    "imports.template": "a download: the import template",
    "manage.invitation_links": "a download: the invitation links",
    "valuation.value_table_template": "a download: the value table template",
}


@dataclass(frozen=True)
class Visit:
    endpoint: str
    user: str  # "anonymous", "admin", "manager", "prime" or "supplier"
    path: str
    status: int = 200  # an error page's own status (403, 404, 409, 410)


@dataclass(frozen=True)
class EmptyForm:
    user: str
    path: str
    button: str  # the name of the button that sends it


@dataclass
class World:
    visits: list[Visit] = field(default_factory=list)
    empty_forms: list[EmptyForm] = field(default_factory=list)

    def add(self, endpoint: str, user: str, path: str, status: int = 200) -> None:
        self.visits.append(Visit(endpoint, user, path, status))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Its own server and database (this module's data reaches no other test)."""
    with serve(tmp_path_factory.mktemp("every-page"), "every-page", SVCOLLECT_JOBS="inline") as s:
        yield s


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> World:
    with live_server.seeding():
        return _seed()


def _seed() -> World:
    from flask import current_app
    from sqlalchemy import select
    from werkzeug.datastructures import FileStorage

    from svcollect.extensions import db
    from svcollect.models import Declaration, EvidenceFile
    from svcollect.models._types import utcnow
    from svcollect.services import (
        accounts,
        declarations,
        exports,
        import_jobs,
        organisations,
        valuation,
    )
    from svcollect.services import collections as collections_svc
    from svcollect.services import commitments as commitments_svc
    from svcollect.services import contracts as contracts_svc
    from svcollect.services import responses as responses_svc
    from svcollect.services.evidence import store_upload
    from svcollect.services.organisations import OrganisationDetails
    from svcollect.services.outcomes import outcome_map
    from svcollect.services.questionnaires import questionnaire_for, registry, released_version
    from svcollect.services.respondent_codes import issued_code, normalise_code
    from tests.integration.helpers import decide, make_user, seed_responses

    w = World()
    outcomes = outcome_map()
    first_admin = make_user("admin", None)
    buyer = organisations.create_organisation(
        OrganisationDetails(
            f"{LONG_WORD} Community Council", "buyer", 40, wemwbs_licence_ref="WEMWBS-2026-0042"
        ),
        actor=first_admin,
    )
    prime = organisations.create_organisation(
        OrganisationDetails("Cymorth Iechyd Meddwl Cymunedol Cyf", "prime_supplier", 250),
        actor=first_admin,
    )
    supplier = organisations.create_organisation(
        OrganisationDetails(f"{LONG_WORD} Wellbeing CIC", "supplier", 40), actor=first_admin
    )

    def staff(email: str, name: str, role: str, organisation_id: int | None) -> Any:
        issued = accounts.create_user(email, name, role, organisation_id, actor=first_admin)
        return accounts.set_password(issued.token, PASSWORD)

    admin = staff(ADMIN_EMAIL, "Angharad Rhys-Llewellyn", "admin", None)
    manager = staff(MANAGER_EMAIL, "Siôn Pritchard-Williams", "contract_manager", buyer.id)
    supplier_user = staff(SUPPLIER_EMAIL, "Ffion Hughes", "supplier_user", supplier.id)
    # The prime supplier's manager sees the contract's terms and valuation, changes none.
    staff(PRIME_EMAIL, "Gethin Rhys", "contract_manager", prime.id)
    unused = accounts.create_user(
        "new.starter@northumberland-tyne-wear-icb.nhs.uk",
        "New Starter",
        "contract_manager",
        buyer.id,
        actor=admin,
    )

    contract = contracts_svc.create_contract(
        manager,
        contracts_svc.ContractDetails(
            reference=REFERENCE,
            title=CONTRACT_TITLE,
            buyer_id=buyer.id,
            prime_supplier_id=prime.id,
            starts_on=date.today(),
            ends_on=date.today() + timedelta(days=730),
            value_gbp=Decimal("1250000"),
        ),
        set(outcomes.outcomes),
    )
    contracts_svc.add_supplier(manager, contract, supplier.id)
    measure = next(m for m in outcomes.measures.values() if m.kind == "counted")
    commitment = commitments_svc.add_commitment(
        manager, contract, measure.code, measure.unit, Decimal(120), date.today(), {measure.code}
    )

    def collection(qid: str, wave: str = "baseline", access: str = "open") -> Any:
        questionnaire = registry().latest(qid)
        version = released_version(qid, questionnaire.version)
        assert version is not None
        audience = questionnaire.audience[0]
        now = utcnow()
        request = collections_svc.CollectionRequest(
            contract=contract,
            version=version,
            audience=audience,
            wave=wave,
            label=f"{questionnaire.title} ({wave.replace('_', '-')}), {REFERENCE}",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
            access="supplier" if audience == "supplier" else access,
        )
        return collections_svc.open_collection(request, licensee=buyer, actor=manager)

    def started(c: Any) -> tuple[str, Any]:
        questionnaire = questionnaire_for(c.questionnaire_version)
        key = responses_svc.start_response(c, questionnaire, responses_svc.new_token())
        response = responses_svc.response_by_resume_key(key)
        assert response is not None
        return key, response

    def with_code(c: Any) -> tuple[str, Any]:
        key, response = started(c)
        code = issued_code(current_app.config["SECRET_KEY"], key)
        responses_svc.set_respondent_code(response, normalise_code(code) or code, "issued")
        return key, response

    def every_page(response: Any) -> list[str]:
        questionnaire = questionnaire_for(response.collection.questionnaire_version)
        progress = responses_svc.Progress.of(questionnaire, response)
        return [page.id for page in progress.visible_pages()]

    # Managers: the preview of every questionnaire's latest version.
    for qid in sorted(registry().ids()):
        latest = registry().latest(qid)
        released = released_version(qid, latest.version)
        assert released is not None
        w.add("questionnaires.preview", "manager", f"/manage/questionnaires/{released.id}")

    # Respondents: every page of every questionnaire, answered so that each can be opened.
    respondent_collections = {}
    for qid in sorted(registry().ids()):
        questionnaire = registry().latest(qid)
        if questionnaire.audience[0] == "supplier":
            continue
        c = collection(qid)
        respondent_collections[qid] = c
        w.add("respond.start_open", "anonymous", f"/s/{c.public_id}")
        key, response = with_code(c)
        answer_every_page(response, "Walking group on Tuesdays")
        for page_id in every_page(response):
            w.add("respond.question_page", "anonymous", f"/r/{key}/page/{page_id}")
        w.add("respond.check", "anonymous", f"/r/{key}/check")
        key, response = with_code(c)
        answer_every_page(response, "Walking group on Tuesdays")
        questionnaire = questionnaire_for(c.questionnaire_version)
        responses_svc.submit_response(response, responses_svc.Progress.of(questionnaire, response))
        w.add("respond.done", "anonymous", f"/r/{key}/done")
        if qid == "ons4":
            w.add("respond.withdraw", "anonymous", f"/r/{key}/withdraw")  # after submitting
    ons4 = respondent_collections["ons4"]
    key, _ = started(ons4)
    w.add("respond.withdraw", "anonymous", f"/r/{key}/withdraw")  # part way
    w.add("respond.withdrawn", "anonymous", "/withdrawn")
    w.add("respond.resume", "anonymous", f"/r/{key}")
    w.add("respond.code_choice", "anonymous", f"/r/{key}/code")
    w.add("respond.code_enter", "anonymous", f"/r/{key}/code/enter")
    w.add("respond.code_memorable", "anonymous", f"/r/{key}/code/memorable")
    invited = collection("swemwbs", access="invitation")
    batch = collections_svc.issue_invitations(invited, 1, actor=manager)
    [token] = collections_svc.tokens_of(batch)
    w.add("respond.start_invitation", "anonymous", f"/i/{token}")
    follow_up = collection("ons4", "follow_up")
    people = [f"PERSON{i:04d}" for i in range(12)]
    scores = {"worthwhile": 7, "happiness": 7, "anxiety": 3}
    seed_responses(ons4, [(p, {"life_satisfaction": 5, **scores}) for p in people])
    seed_responses(follow_up, [(p, {"life_satisfaction": 7, **scores}) for p in people])

    # Suppliers: every supplier questionnaire, one draft answered in full (so each page
    # opens) and the standards' declaration submitted with a long-named evidence file.
    def declaration_of(c: Any) -> Declaration:
        declarations.invite_suppliers(manager, c)
        found = db.session.scalar(
            select(Declaration).filter_by(collection_id=c.id, supplier_id=supplier.id)
        )
        assert found is not None
        return found

    def upload(response: Any) -> Any:
        def files(question: Any) -> list[int]:
            stream = FileStorage(io.BytesIO(PDF), FILE_NAME)
            return [store_upload(response, question, stream).id]

        return files

    submitted = None
    for qid in sorted(registry().ids()):
        if registry().latest(qid).audience[0] != "supplier":
            continue
        draft = declaration_of(collection(qid))
        answer_every_page(draft.response, "Quarterly wellbeing check-ins", upload(draft.response))
        for page_id in every_page(draft.response):
            w.add("supplier.page", "supplier", f"/supplier/declarations/{draft.id}/page/{page_id}")
        w.add("supplier.check", "supplier", f"/supplier/declarations/{draft.id}/check")
        w.add("supplier.resume", "supplier", f"/supplier/declarations/{draft.id}/resume")
        if qid != "mhaw-standards":  # a draft that stays one: its files can be removed
            questionnaire = questionnaire_for(draft.collection.questionnaire_version)
            evidence = db.session.scalars(
                select(EvidenceFile).filter_by(response_id=draft.response_id)
            ).first()
            assert evidence is not None
            [on] = [
                p.id
                for p in questionnaire.pages
                if evidence.question_id in {q.id for q in p.questions}
            ]
            w.add(
                "supplier.remove_file",
                "supplier",
                f"/supplier/declarations/{draft.id}/page/{on}/files/{evidence.id}/remove",
            )
        if qid == "mhaw-standards":
            questionnaire = questionnaire_for(draft.collection.questionnaire_version)
            progress = responses_svc.Progress.of(questionnaire, draft.response)
            declarations.submit_declaration(supplier_user, draft, progress)
            decide(manager, draft, "mhaw_1", "queried", "Please add the board minute approving it.")
            submitted = draft
    assert submitted is not None
    w.add("supplier.declarations", "supplier", "/supplier/")
    w.add("supplier.declaration", "supplier", f"/supplier/declarations/{submitted.id}")

    # Contract management, evidence, results, valuation, imports and packs.
    table = valuation.import_value_table(
        manager, "Volunteering values agreed with the council", "values.csv", VALUE_TABLE
    )
    assert not isinstance(table, list), table
    valuation.add_route(
        manager,
        contract,
        "counted",
        follow_up=collection("delivery-return"),
        measure_code=next(
            m.code for m in outcomes.measures.values() if m.kind == "counted" and m.unit == "hours"
        ),  # the table's entry is a value per hour
        entry=table.entries[0],
    )
    valuation.add_route(manager, contract, "wellby", baseline=ons4, follow_up=follow_up)
    job = import_jobs.start_import(
        manager,
        follow_up,
        "paper-returns-from-the-community-centre-drop-in-sessions-march.csv",
        b"respondent_code,life_satisfaction,worthwhile,happiness,anxiety\n"
        b"7KQ-2MX-9PD,7,8,6,2\n,11,8,6,2\n,seven,8,6,2\n",
    )
    import_jobs.run_import(job.id)
    pack = exports.start_export(manager, contract)
    exports.run_job(pack.id)
    # And one of each still waiting (no worker takes them): the pages that watch their job.
    waiting_pack = exports.start_export(manager, contract)
    waiting_import = import_jobs.start_import(manager, ons4, "returns.csv", b"row_id\n")

    m, cid = "manager", contract.id
    for endpoint, path in (
        ("manage.contracts", "/manage/"),
        ("questionnaires.index", "/manage/questionnaires/"),
        ("auth.account", "/account"),
        ("auth.change_password", "/account/password"),
        ("manage.new_contract", "/manage/contracts/new"),
        ("manage.contract", f"/manage/contracts/{cid}"),
        ("manage.new_collection", f"/manage/contracts/{cid}/collections/new"),
        ("manage.add_commitment", f"/manage/contracts/{cid}/commitments/new"),
        ("manage.add_supplier", f"/manage/contracts/{cid}/suppliers/new"),
        ("manage.withdraw", f"/manage/contracts/{cid}/withdraw"),
        ("manage.change_contract", f"/manage/contracts/{cid}/change"),
        ("manage.change_commitment", f"/manage/commitments/{commitment.id}/change"),
        ("manage.remove_commitment", f"/manage/commitments/{commitment.id}/remove"),
        ("manage.collection", f"/manage/collections/{ons4.id}"),
        ("manage.collection", f"/manage/collections/{submitted.collection_id}"),
        ("manage.collection", f"/manage/collections/{invited.id}"),
        ("manage.invitation_batch", f"/manage/collections/{invited.id}/invitations/{batch.id}"),
        ("manage.licence", "/manage/licence"),
        ("review.declaration", f"/manage/declarations/{submitted.id}"),
        ("results.contract_results", f"/manage/contracts/{cid}/results"),
        ("dashboard.contract", f"/manage/contracts/{cid}/dashboard"),
        ("dashboard.portfolio", "/manage/portfolio"),
        ("valuation.value_tables", "/manage/value-tables"),
        ("valuation.import_table", "/manage/value-tables/import"),
        ("valuation.value_table", f"/manage/value-tables/{table.id}"),
        ("valuation.assumptions", f"/manage/contracts/{cid}/assumptions"),
        ("valuation.routes", f"/manage/contracts/{cid}/valuation-routes"),
        ("imports.upload", f"/manage/collections/{follow_up.id}/import"),
        ("imports.status", f"/manage/imports/{job.id}"),
        ("exports.contract_exports", f"/manage/contracts/{cid}/exports"),
        ("exports.status", f"/manage/exports/{pack.id}"),
        ("exports.status", f"/manage/exports/{waiting_pack.id}"),
        ("imports.status", f"/manage/imports/{waiting_import.id}"),
    ):
        w.add(endpoint, m, path)
    for endpoint, path in (
        ("manage.contract", f"/manage/contracts/{cid}"),
        ("valuation.assumptions", f"/manage/contracts/{cid}/assumptions"),
        ("valuation.routes", f"/manage/contracts/{cid}/valuation-routes"),
    ):
        w.add(endpoint, "prime", path)  # the pages without their forms and buttons
    a = "admin"
    for endpoint, path in (
        ("admin.users", "/admin/users"),
        ("admin.new_user", "/admin/users/new"),
        ("admin.user", f"/admin/users/{manager.id}"),
        ("admin.new_link", f"/admin/users/{manager.id}/new-link"),
        ("admin.deactivate", f"/admin/users/{manager.id}/deactivate"),
        ("admin.organisations", "/admin/organisations"),
        ("admin.new_organisation", "/admin/organisations/new"),
        ("admin.edit_organisation", f"/admin/organisations/{buyer.id}/edit"),
    ):
        w.add(endpoint, a, path)
    for endpoint, path in (
        ("main.index", "/"),
        ("main.accessibility", "/accessibility"),
        ("main.privacy", "/privacy"),
        ("results.methodology", "/methodology"),
        ("auth.sign_in", "/sign-in"),
        ("auth.signed_out", "/signed-out"),
        ("auth.password_set", "/password-set"),
        ("auth.set_password", f"/set-password/{unused.token}"),
    ):
        w.add(endpoint, "anonymous", path)

    # Error pages: each kind a person can reach, as the person who reaches it.
    removed = commitments_svc.add_commitment(
        manager,
        contract,
        measure.code,
        measure.unit,
        Decimal(60),
        date.today() + timedelta(days=1),
        {measure.code},
    )
    commitments_svc.remove_commitment(manager, removed, read_version=removed.version)
    w.add("manage.change_commitment", m, f"/manage/commitments/{removed.id}/change", 410)
    w.add("manage.contract", m, "/manage/contracts/999999", 404)
    w.add("manage.add_commitment", "prime", f"/manage/contracts/{cid}/commitments/new", 403)
    w.add("respond.start_open", "anonymous", "/s/no-such-survey", 404)
    w.add("respond.resume", "anonymous", "/r/no-such-key", 404)
    not_open = collection("loneliness", "follow_up")
    closed = collection("loneliness", "annual")
    not_open.opens_at = utcnow() + timedelta(days=7)
    closed.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    w.add("respond.start_open", "anonymous", f"/s/{not_open.public_id}", 403)
    w.add("respond.start_open", "anonymous", f"/s/{closed.public_id}", 410)
    used = collections_svc.issue_invitations(invited, 1, actor=manager)
    [used_token] = collections_svc.tokens_of(used)
    invited_questionnaire = questionnaire_for(invited.questionnaire_version)
    key = responses_svc.start_response(
        invited,
        invited_questionnaire,
        responses_svc.new_token(),
        responses_svc.invitation_state(used_token),
    )
    used_response = responses_svc.response_by_resume_key(key)
    assert used_response is not None
    answer_every_page(used_response, "Walking group on Tuesdays")
    responses_svc.submit_response(
        used_response, responses_svc.Progress.of(invited_questionnaire, used_response)
    )
    w.add("respond.start_invitation", "anonymous", f"/i/{used_token}", 410)
    w.add("auth.set_password", "anonymous", "/set-password/no-such-link", 404)

    w.empty_forms = [
        EmptyForm("manager", "/manage/contracts/new", "Add contract"),
        EmptyForm("manager", "/account/password", "Change password"),
        EmptyForm("manager", f"/manage/contracts/{cid}/collections/new", "Open collection"),
        EmptyForm("manager", f"/manage/contracts/{cid}/commitments/new", "Add commitment"),
        EmptyForm("manager", "/manage/value-tables/import", "Import table"),
        EmptyForm("manager", f"/manage/contracts/{cid}/withdraw", "Find their answers"),
        EmptyForm("manager", f"/manage/collections/{follow_up.id}/import", "Check and import"),
        EmptyForm("admin", "/admin/users/new", "Create account"),
        EmptyForm("admin", "/admin/organisations/new", "Save organisation"),
        EmptyForm("anonymous", "/sign-in", "Sign in"),
        EmptyForm("anonymous", f"/s/{ons4.public_id}", "Continue"),
    ]
    return w


EMAILS = {
    "admin": ADMIN_EMAIL,
    "manager": MANAGER_EMAIL,
    "prime": PRIME_EMAIL,
    "supplier": SUPPLIER_EMAIL,
}


def _signed_in(open_tab: Any, user: str, mode: str) -> Tab:
    tab = open_tab(narrow=mode == "320px", text_spacing=mode == "text-spacing")
    if user != "anonymous":
        page = tab.page
        tab.goto("/sign-in")
        page.get_by_label("Email address").fill(EMAILS[user])
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        tab.check()
    return tab


def _by_user(items: list[Any]) -> dict[str, list[Any]]:
    """Visits or forms grouped by who opens them (one signed-in tab each)."""
    grouped: dict[str, list[Any]] = {}
    for item in items:
        grouped.setdefault(item.user, []).append(item)
    return grouped


#: a 320 px phone (WCAG 1.4.10 Reflow), a desktop, and a desktop with the reader's own text
#: spacing (WCAG 1.4.12)
MODES = pytest.mark.parametrize("mode", ["320px", "desktop", "text-spacing"])


@MODES
def test_every_page_passes_the_page_checks(open_tab: Any, world: World, mode: str) -> None:
    problems = []
    for user, visits in _by_user(world.visits).items():
        tab = _signed_in(open_tab, user, mode)
        for visit in visits:
            try:
                response = tab.goto(visit.path)
            except AssertionError as failed:
                problems.append(f"{visit.endpoint} as {user}: {failed}")
                tab.checked_loads = len(tab.loads)
                continue
            if response is None or response.status != visit.status:
                status = response.status if response else "no response"
                problems.append(
                    f"{visit.endpoint} as {user} {visit.path}: status {status}, not {visit.status}"
                )
            if mode == "desktop":
                for problem in tab.focus_problems():
                    problems.append(f"{visit.endpoint} as {user} {visit.path}: {problem}")
    assert not problems, f"{len(problems)} page(s) failed:\n" + "\n\n".join(problems)


@MODES
def test_every_form_sent_empty_shows_its_errors_and_passes(
    open_tab: Any, world: World, mode: str
) -> None:
    problems = []
    for user, forms in _by_user(world.empty_forms).items():
        tab = _signed_in(open_tab, user, mode)
        for form in forms:
            path, page = form.path, tab.page
            try:
                tab.goto(path)
                with (
                    page.expect_response(lambda r: r.request.method == "POST") as posted,
                    page.expect_navigation(),
                ):
                    page.locator("main").get_by_role("button", name=form.button).click()
                tab.check()
            except AssertionError as failed:
                problems.append(f"{path} as {user}: {failed}")
                tab.checked_loads = len(tab.loads)
                continue
            summary = page.locator(".govuk-error-summary")
            if posted.value.status != 422 or summary.count() != 1:
                problems.append(
                    f"{path} as {user}: sent empty, answered {posted.value.status} "
                    f"with {summary.count()} error summary"
                )
            elif not page.title().startswith("Error: "):
                problems.append(f"{path} as {user}: the title does not start 'Error: '")
    assert not problems, f"{len(problems)} form(s) failed:\n" + "\n\n".join(problems)


def test_every_page_is_visited_or_excused(live_server: LiveServer, world: World) -> None:
    pages = {
        rule.endpoint
        for rule in live_server.app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
    }
    visited = {visit.endpoint for visit in world.visits}
    assert not visited - pages, f"visits to endpoints that do not exist: {visited - pages}"
    assert not set(NOT_PAGES) - pages, (
        f"excused endpoints that do not exist: {set(NOT_PAGES) - pages}"
    )
    missing = pages - visited - set(NOT_PAGES)
    assert not missing, f"pages neither visited nor excused in NOT_PAGES: {sorted(missing)}"
    # Each visit's path really is the endpoint it claims (a typo would hide a page).
    adapter = live_server.app.url_map.bind("localhost")
    for visit in world.visits:
        endpoint, _ = adapter.match(urlsplit(visit.path).path, method="GET")
        assert endpoint == visit.endpoint, (visit.path, endpoint)


def test_the_long_values_are_really_on_the_pages(open_tab: Any, world: World) -> None:
    """The reflow checks mean something only if the long values were shown."""
    shown = {
        "/admin/users": [ADMIN_EMAIL, MANAGER_EMAIL],
        "/admin/organisations": [LONG_WORD],
        "/manage/": [REFERENCE],
    }
    tab = _signed_in(open_tab, "admin", "320px")
    for path, texts in shown.items():
        tab.goto(path)
        body = tab.page.locator("main").inner_text()
        for text in texts:
            assert text in body, (path, text)
    supplier = _signed_in(open_tab, "supplier", "320px")
    declaration = next(v.path for v in world.visits if v.endpoint == "supplier.declaration")
    supplier.goto(declaration)
    assert re.sub(r"\s", "", FILE_NAME) in supplier.page.locator("main").inner_text()
