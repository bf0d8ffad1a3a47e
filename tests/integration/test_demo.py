"""The demo the README's first command creates: a contract part-way through, shown as it is.

Links that work and accounts that sign in, and behind them what months of work leave: paired
survey waves imported as paper returns, commitments, reviewed supplier evidence, values
with their assumptions and an evidence pack, on the buyer's screens and (figures only,
closed surveys only) the employer's. Seeding twice adds nothing.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import zipfile
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import (
    AssumptionSet,
    AuditEvent,
    Collection,
    Commitment,
    Contract,
    Declaration,
    EvidenceFile,
    ImportBatch,
    Response,
    StandardEvent,
    User,
    ValuationRoute,
    ValueTable,
)
from svcollect.models._types import UK
from svcollect.models.jobs import ImportJob
from svcollect.services.declarations import standard_states
from svcollect.services.demo import DEMO_REFERENCE, Demo, seed_demo
from svcollect.services.demo_answers import ANSWERED, paper_returns, workforce
from svcollect.services.demo_suppliers import evidence_pdf
from svcollect.services.exports import run_job, start_export
from svcollect.services.questionnaires import registry
from svcollect.services.results import results_of
from tests.integration.export_world import pack_of, rows_of, workbook_of
from tests.integration.helpers import Respondent, csrf_token

#: people in each synthetic wave: 44 answered both, 12 the first only, 10 the second only
PAIRED, BASELINE, FOLLOW_UP = 44, 56, 54
#: the days a wave of paper returns is dated within, for the file checks
SPRING = (date(2026, 4, 6), date(2026, 5, 3))
COUNTED = (
    Collection,
    Response,
    ImportJob,
    ImportBatch,
    Commitment,
    Declaration,
    StandardEvent,
    EvidenceFile,
    ValuationRoute,
    ValueTable,
    AssumptionSet,
    User,
)


def _counts() -> dict[str, int]:
    return {
        model.__name__: int(db.session.scalar(select(func.count()).select_from(model)) or 0)
        for model in COUNTED
    }


def _signed_in(app: Flask, demo: Demo, local: str) -> FlaskClient:
    """A client signed in through the sign-in page with the password the demo printed."""
    [(_, email, password)] = [a for a in demo.accounts if a[1].startswith(f"{local}@")]
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    result = client.post(
        "/sign-in", data={"csrf_token": csrf_token(page), "email": email, "password": password}
    )
    assert result.status_code in (302, 303), result.get_data(as_text=True)[:300]
    return client


def _contract() -> Contract:
    contract = db.session.scalar(select(Contract).filter_by(reference=DEMO_REFERENCE))
    assert contract is not None
    return contract


def _page(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return page.get_data(as_text=True)


def _text(page: str) -> str:
    """What a person reads: no tags (nor the charts' drawing), entities decoded."""
    page = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def _section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def _pairing(data: dict[str, Any], qid: str) -> dict[str, Any]:
    """The demo's past pair of this questionnaire's waves (the only one with a follow-up)."""
    [pairing] = [
        p
        for p in data["outcomes"]
        if p["questionnaire"] == qid and p["follow_up_collection"] is not None
    ]
    return pairing


def _change(data: dict[str, Any], qid: str, measure: str) -> dict[str, Any]:
    return next(c for c in _pairing(data, qid)["changes"] if c["measure"] == measure)


def test_demo_is_idempotent_and_usable(app):
    first = seed_demo()
    counts = _counts()
    second = seed_demo()
    assert _counts() == counts  # nothing made twice: answers, imports, reviews, routes...
    assert [link.path for link in first.links] == [link.path for link in second.links]
    registry_ = app.extensions["svcollect.questionnaires"]
    # one collection per shipped questionnaire, and a past baseline and follow-up for each
    # questionnaire answered in both waves
    assert counts["Collection"] == len(registry_.ids()) + 2 * len(ANSWERED)
    survey = db.session.scalar(
        select(func.count())
        .select_from(Response)
        .join(Collection, Collection.id == Response.collection_id)
        .where(Collection.access != "supplier", Response.status == "submitted")
    )
    assert survey == len(ANSWERED) * (BASELINE + FOLLOW_UP)
    assert counts["ImportJob"] == counts["ImportBatch"] == 2 * len(ANSWERED)
    assert counts["Commitment"] == 3 and counts["ValuationRoute"] == 2
    assert counts["Declaration"] > 0 and counts["StandardEvent"] > 0
    client = app.test_client()
    for link in second.links:
        assert client.get(link.path).status_code == 200
    # Passwords are regenerated each run: the latest ones work.
    role, email, password = second.accounts[1]
    assert role == "contract_manager"
    page = client.get("/sign-in").get_data(as_text=True)
    result = client.post(
        "/sign-in", data={"csrf_token": csrf_token(page), "email": email, "password": password}
    )
    assert result.status_code in (302, 303)
    assert "DEMO-001" in client.get("/manage/").get_data(as_text=True)
    assert any("synthetic" in note for note in second.notes)


def test_seeding_again_after_a_new_version_adds_no_collection(app):
    from svcollect.models import QuestionnaireVersion

    seed_demo()
    v1 = db.session.scalar(
        select(QuestionnaireVersion).filter_by(questionnaire_id="delivery-return", version=1)
    )
    [collection] = [
        c
        for c in db.session.scalars(select(Collection))
        if c.questionnaire_version.questionnaire_id == "delivery-return"
    ]
    # As if the demo had been seeded before v2 was released.
    collection.questionnaire_version_id = v1.id
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Collection))
    seed_demo()
    assert db.session.scalar(select(func.count()).select_from(Collection)) == before


def test_results_page_shows_each_paired_change_with_its_interval(app):
    demo = seed_demo()
    manager = _signed_in(app, demo, "contract-manager")
    contract = _contract()
    data = results_of(contract).to_dict()
    for qid in ANSWERED:
        for change in _pairing(data, qid)["changes"]:
            assert change["method"] == "paired", (qid, change["measure"], change["reason"])
            assert change["n_paired"] == PAIRED >= 30  # no "indicative only" warning
            assert change["n_unpaired_baseline"] == BASELINE - PAIRED >= 10
            assert change["n_unpaired_follow_up"] == FOLLOW_UP - PAIRED >= 10
            for stat in ("baseline_mean", "follow_up_mean", "mean_change", "ci_low", "ci_high"):
                assert not change["paired"][stat]["suppressed"], (qid, change["measure"], stat)
    life = _change(data, "ons4", "life_satisfaction")["paired"]
    # a modest improvement whose interval is above zero
    assert 0 < life["ci_low"]["value"] < life["mean_change"]["value"] < 1
    text = _text(_page(manager, f"/manage/contracts/{contract.id}/results"))
    row = re.search(r"Life satisfaction \(ONS4\) (\S+) (\S+) (\S+) (\S+) \((\S+) to (\S+)\)", text)
    assert row is not None, text[:2000]
    assert row.groups() == (
        str(PAIRED),
        f"{life['baseline_mean']['value']:.2f}",
        f"{life['follow_up_mean']['value']:.2f}",
        f"{life['mean_change']['value']:+.2f}",
        f"{life['ci_low']['value']:.2f}",
        f"{life['ci_high']['value']:.2f}",
    )
    assert "first survey (synthetic answers)" in text and "six months on (synthetic" in text
    # Only the open collections, which nobody has answered yet, have no responses.
    assert text.count("No responses have a score in either wave") == sum(
        len(p["changes"]) for p in data["outcomes"] if p["follow_up_collection"] is None
    )


def test_dashboard_and_portfolio_show_commitments_values_and_adherence(app):
    demo = seed_demo()
    manager = _signed_in(app, demo, "contract-manager")
    contract = _contract()
    data = results_of(contract).to_dict()
    text = _text(_page(manager, f"/manage/contracts/{contract.id}/dashboard"))
    for qid in ANSWERED:
        collection = db.session.get(Collection, _pairing(data, qid)["baseline_collection"])
        assert f"{collection.label} (baseline): responses over time {BASELINE} responses" in text
    life = _change(data, "ons4", "life_satisfaction")["paired"]
    assert (
        f"Life satisfaction (ONS4) rose from {life['baseline_mean']['value']:.2f} to "
        f"{life['follow_up_mean']['value']:.2f}" in text
    )
    commitments = _section(text, "Commitments made at bid: delivered and evidenced", "Value by")
    assert "Of 3 counted commitments" in commitments
    for title, target in (
        ("Staff trained as mental health first aiders", "12 people"),
        ("Suppliers meeting the 6 Mental Health at Work Commitment standards", "75%"),
        ("Volunteering hours in the local community", "1,200 hours"),
    ):
        assert f"{title} {target}" in commitments
    # Delivered as declared by both suppliers; evidenced as accepted (the larger's only).
    assert "Staff trained as mental health first aiders 12 people" in commitments
    assert re.search(r"mental health first aiders 12 people \S+ \S+ \S+ 9 7 58%", commitments)
    assert "Volunteering hours in the local community 1,200 hours" in commitments
    assert re.search(r"1,200 hours \S+ \S+ \S+ 250\.5 186\.5 16%", commitments)
    wellby = next(v for v in data["valuations"] if v["route"] == "wellby")
    central = f"£{wellby['total']['central']['value']:,.0f}"
    assert f"Central values: {central} from paired survey evidence" in text
    adherence = _section(text, "Supplier adherence", "Commitments made at bid")
    assert "2 of 2 (100%)" in adherence and "1 of 2 (50%)" in adherence  # declared, accepted
    portfolio = _text(_page(manager, "/manage/portfolio"))
    assert f"DEMO-001 Demo facilities management contract {3 * (BASELINE + FOLLOW_UP)}" in (
        portfolio
    )
    assert f"paired survey: {central}" in portfolio
    assert "Life satisfaction (ONS4): change in each contract" in portfolio
    assert "No survey responses have been submitted" not in portfolio


def test_wellby_value_shows_with_the_assumptions_it_was_computed_under(app):
    demo = seed_demo()
    manager = _signed_in(app, demo, "contract-manager")
    contract = _contract()
    data = results_of(contract).to_dict()
    wellby = next(v for v in data["valuations"] if v["route"] == "wellby")
    text = _text(_page(manager, f"/manage/contracts/{contract.id}/results"))
    values = _section(text, "Monetised values, low, central and high", "Where these figures")
    low, central, high = (
        f"£{wellby['total'][k]['value']:,.0f}" for k in ("low", "central", "high")
    )
    assert f"Life satisfaction (WELLBY) (2024 prices) {low} {central} {high} paired survey" in (
        values
    )
    # The calculation names each assumption: the Green Book value uplifted to 2024 prices
    # and the demo's (invented, labelled) 25% deadweight.
    assert f"How: {PAIRED} people x " in values and "x £16,027.91 x 0.75 (adjustments)" in values
    assert "(version 1)" in text  # the assumptions were recorded, not left as defaults
    # The assumptions page shows the recorded values and their sources in its form.
    assumptions = html_lib.unescape(_page(manager, f"/manage/contracts/{contract.id}/assumptions"))
    assert "Showing version 1" in assumptions
    assert re.search(r'name="deadweight"[^>]*value="25"', assumptions)
    assert re.search(r'name="reporting_price_year"[^>]*value="2024"', assumptions)
    assert 'value="Demo assumption, invented for illustration:' in assumptions
    # The counted route's value table is invented and says so; nothing from HACT or TOMs.
    [table] = db.session.scalars(select(ValueTable))
    assert table.name == "Demo values — invented for illustration, not HACT or TOMs"
    [entry] = table.entries
    assert entry.source.startswith("svcollect demo data") and "invented" in entry.licence
    counted = [v for v in data["valuations"] if v["route"] == "counted_outcome"]
    assert {v["evidence_grade"] for v in counted} == {
        "supplier declaration accepted on evidence",
        "declared, not yet accepted",
    }


def test_supplier_declarations_carry_evidence_and_the_managers_review(app):
    demo = seed_demo()
    manager = _signed_in(app, demo, "contract-manager")
    by_supplier: dict[str, dict[str, Declaration]] = {}
    for declaration in db.session.scalars(select(Declaration).order_by(Declaration.id)):
        qid = declaration.collection.questionnaire_version.questionnaire_id
        by_supplier.setdefault(qid, {})[declaration.supplier.name] = declaration
    mhaw = by_supplier["mhaw-standards"]
    cleaning = mhaw["Demo Cleaning Services Ltd"]
    assert cleaning.status == "submitted"
    states = {s.standard.code: s for s in standard_states(cleaning)}
    assert {c for c, s in states.items() if s.accepted} == {
        *(f"mhaw_{i}" for i in range(1, 7)),
        "tw_enh_1",
        "tw_enh_3",
        "tw_enh_4",
    }
    assert states["tw_enh_2"].review == "queried" and not states["tw_enh_2"].files
    for code, state in states.items():
        if state.accepted:
            [evidence] = state.files  # accepted on evidence, a PDF each
            assert evidence.file_type == "pdf", code
    catering = mhaw["Demo Community Catering CIC"]
    assert catering.status == "submitted"
    assert all(s.review is None for s in standard_states(catering))  # awaiting review
    assert mhaw["Demo Facilities Ltd"].status == "draft"  # invited, not yet answered
    text = _text(_page(manager, f"/manage/declarations/{cleaning.id}"))
    assert text.count("Queried") >= 1 and text.count("Accepted") >= 9
    assert "Please upload the board minute" in text and "Synthetic demo answer" in text
    returns = by_supplier["delivery-return"]
    assert returns["Demo Cleaning Services Ltd"].status == "submitted"
    reviewed = {
        s.standard.code: s.review for s in standard_states(returns["Demo Cleaning Services Ltd"])
    }
    assert reviewed["mh_first_aiders_trained"] == reviewed["volunteering_hours_local"] == "accepted"
    # The evidence a manager downloads is a whole PDF that says it is synthetic.
    [plan] = states["mhaw_1"].files
    download = manager.get(f"/evidence/{plan.id}")
    assert download.status_code == 200
    pdf = download.get_data()
    assert pdf == evidence_pdf(
        "Mental health at work plan", ("Supplier: Demo Cleaning Services Ltd", "For: mhaw_1")
    )
    assert b"SYNTHETIC DEMO EVIDENCE" in pdf
    _check_pdf_cross_references(pdf)


def _check_pdf_cross_references(pdf: bytes) -> None:
    """Each object's offset in the xref table is where the object starts (a reader's check)."""
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert pdf[start:].startswith(b"xref\n")
    lines = pdf[start:].split(b"\n")
    count = int(lines[1].split()[1])
    for number in range(1, count):
        offset = int(lines[2 + number].split()[0])
        assert pdf[offset:].startswith(f"{number} 0 obj".encode()), number


def test_paper_returns_were_imported_with_their_provenance(app):
    seed_demo()
    data = results_of(_contract()).to_dict()
    for qid in ANSWERED:
        pairing = _pairing(data, qid)
        for key, wave, rows in (
            ("baseline_collection", "baseline", BASELINE),
            ("follow_up_collection", "follow-up", FOLLOW_UP),
        ):
            [batch] = db.session.scalars(select(ImportBatch).filter_by(collection_id=pairing[key]))
            assert batch.file_name == f"demo-synthetic-paper-returns-{qid}-{wave}.csv"
            assert (batch.rows_imported, batch.rows_already_imported) == (rows, 0)
            assert batch.imported_by_id is not None  # the contract manager
            [job] = db.session.scalars(select(ImportJob).filter_by(collection_id=pairing[key]))
            assert job.status == "done" and job.batch_id == batch.id
    events = db.session.scalars(select(AuditEvent).filter_by(action="responses_imported")).all()
    assert len(events) == 2 * len(ANSWERED)
    # The answers vary from person to person, so nothing is withheld for being alike.
    for qid in ANSWERED:
        questionnaire = registry().latest(qid)
        for wave in ("baseline", "follow_up"):
            made = paper_returns(questionnaire, wave, workforce(), SPRING)
            lines = made.decode("utf-8-sig").split("\n")
            assert lines[0].split(",")[:3] == ["row_id", "respondent_code", "completed_on"]
            answers = {line.split(",", 3)[3] for line in lines[1:] if line}
            assert len(answers) > 20, (qid, wave)


def test_paper_returns_are_dated_when_their_wave_ran_not_when_the_demo_imported_them(app):
    """The dashboard shows each past wave when it was open (`completed_on`), so its
    responses-over-time chart is not one bar on the day the demo ran."""
    seed_demo()
    data = results_of(_contract()).to_dict()
    for qid in ANSWERED:
        pairing = _pairing(data, qid)
        for key in ("baseline_collection", "follow_up_collection"):
            collection = db.session.get(Collection, pairing[key])
            days = {
                at.astimezone(UK).date()
                for at in db.session.scalars(
                    select(Response.submitted_at).filter_by(collection_id=collection.id)
                )
            }
            opened = collection.opens_at.astimezone(UK).date()
            closed = collection.closes_at.astimezone(UK).date()
            assert len(days) > 5, (qid, key)  # spread over the weeks it was open
            assert all(opened <= day < closed for day in days), (qid, key, sorted(days))


def test_synthetic_answers_are_the_same_on_every_run_and_backend(app):
    people = workforce()
    assert people == workforce()
    assert len({p.codes[0] for p in people}) == len(people)
    for qid in ANSWERED:
        questionnaire = registry().latest(qid)
        assert paper_returns(questionnaire, "baseline", people, SPRING) == paper_returns(
            questionnaire, "baseline", workforce(), SPRING
        )
    seed_demo()
    life = _change(results_of(_contract()).to_dict(), "ons4", "life_satisfaction")["paired"]
    assert round(life["mean_change"]["value"], 2) == 0.48


def test_evidence_pack_holds_the_figures_answers_and_evidence(app, tmp_path):
    seed_demo()
    contract = _contract()
    manager = db.session.scalar(
        select(User).filter_by(email="contract-manager@demo.svcollect.invalid")
    )
    job = run_job(start_export(manager, contract).id)
    assert job is not None
    pack = pack_of(app, job)
    data = results_of(contract, manager).to_dict()
    book = workbook_of(pack, tmp_path)
    summary = rows_of(book["Summary"])
    life = _change(data, "ons4", "life_satisfaction")
    [row] = [r for r in summary if r[0] == "ons4" and r[3] == life["label"] and r[4] == "paired"]
    assert row[6] == PAIRED
    assert row[9] == pytest.approx(life["paired"]["mean_change"]["value"], rel=1e-12)
    [wellby] = [r for r in summary if r[0] == "wellby"]
    assert wellby[8] == pytest.approx(
        next(v for v in data["valuations"] if v["route"] == "wellby")["total"]["central"]["value"],
        rel=1e-12,
    )
    cover = dict((r[0], r[1]) for r in rows_of(book["Cover"]) if r[0])
    assert cover["Responses exported"] == len(ANSWERED) * (BASELINE + FOLLOW_UP)
    with zipfile.ZipFile(pack) as archive:
        evidence = [n for n in archive.namelist() if n.startswith("evidence/")]
        manifest = json.loads(archive.read("manifest.json"))
    assert len(evidence) == db.session.scalar(select(func.count()).select_from(EvidenceFile))
    assert manifest["individual_answers"] is True


def test_the_employer_sees_closed_figures_never_answers(app, tmp_path):
    demo = seed_demo()
    contract = _contract()
    employer_user = db.session.scalar(
        select(User).filter_by(email="facilities-manager@demo.svcollect.invalid")
    )
    assert employer_user.organisation_id == contract.prime_supplier_id
    # Someone tries the printed ONS4 link: one answer in an open collection.
    [link] = [link for link in demo.links if link.questionnaire == "Personal wellbeing"]
    person = Respondent(app.test_client(), app)
    assert person.start(link.path).status_code == 303
    assert person.new_code().status_code == 303
    for page, value in {"life_satisfaction": "9", "worthwhile": "8", "happiness": "9"}.items():
        assert person.answer(page, {page: value}).status_code == 303
    assert person.answer("anxiety", {"anxiety": "1"}).status_code == 303
    assert person.submit().status_code == 303

    buyer = results_of(contract).to_dict()
    [tried] = [
        p
        for p in buyer["outcomes"]
        if p["questionnaire"] == "ons4" and p["follow_up_collection"] is None
    ]
    assert tried["changes"][0]["baseline"]["n"] == 1
    employer = _signed_in(app, demo, "facilities-manager")
    text = _text(_page(employer, f"/manage/contracts/{contract.id}/results"))
    # The closed waves' figures, as the buyer sees them; the open ones are left out.
    life = _change(buyer, "ons4", "life_satisfaction")["paired"]
    assert f"Life satisfaction (ONS4) {PAIRED} {life['baseline_mean']['value']:.2f}" in text
    assert "survey collections are still taking answers, so their figures are not shown" in text
    assert "open link to try" not in text
    assert "Life satisfaction (WELLBY) (2024 prices)" in text
    dashboard = _text(_page(employer, f"/manage/contracts/{contract.id}/dashboard"))
    # Bands with fewer than 10 people are withheld for the employer as for everyone.
    bands = _section(dashboard, "Life satisfaction (ONS4): people in each band", "Worthwhile")
    assert "low suppressed suppressed suppressed suppressed" in bands
    assert "open link to try (baseline) to" not in dashboard
    # Nothing on the employer's screens names a response or a respondent code.
    codes = {p.codes[0] for p in workforce()}
    references = set(db.session.scalars(select(Response.reference)))
    for shown in (text, dashboard):
        assert not any(code in shown for code in codes)
        assert not any(reference in shown for reference in references)
    # The employer's pack has every figure and no answers.
    job = run_job(start_export(employer_user, contract).id)
    assert job is not None and job.individual_answers is False
    book = workbook_of(pack_of(app, job), tmp_path)
    cover = rows_of(book["Cover"])
    assert dict((r[0], r[1]) for r in cover if r[0])["Responses exported"] == 0
    assert any("Individual answers are left out" in str(cell) for r in cover for cell in r)
    summary = rows_of(book["Summary"])
    life = [r for r in summary if r[0] == "ons4" and r[3] == "Life satisfaction (ONS4)"]
    assert [(r[4], r[6]) for r in life] == [("paired", PAIRED)]  # the open wave left out


def test_demo_command_prints_links_accounts_and_that_the_answers_are_synthetic(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    links = re.findall(r"\[workforce\]: http://127\.0\.0\.1:5000(/s/\S+)", result.output)
    assert len(links) == 4  # one open link per workforce questionnaire
    client = app.test_client()
    assert all(client.get(path).status_code == 200 for path in links)
    assert len(re.findall(r"password: \S+", result.output)) == 5
    assert "facilities-manager@demo.svcollect.invalid" in result.output
    assert "already in the demo are synthetic" in result.output


def test_a_demo_the_services_refuse_to_complete_says_why(app):
    """A database changed by hand since (here: the WELLBY route swapped for a band route
    over the same people and months) stops the demo with the refusal, not a traceback."""
    from svcollect.services.valuation import add_route, import_value_table, remove_route

    seed_demo()
    contract = _contract()
    manager = db.session.scalar(
        select(User).filter_by(email="contract-manager@demo.svcollect.invalid")
    )
    [wellby] = db.session.scalars(select(ValuationRoute).filter_by(route="wellby"))
    assert remove_route(manager, contract, wellby.id)
    table = import_value_table(
        manager,
        "Test band values",
        "band.csv",
        b"outcome_code,description,unit,value,price_year,source,licence,deadweight_included\n"
        b"band_up,Moving up a band,person,100,2024,test,test,no\n",
    )
    assert not isinstance(table, list)
    data = results_of(contract).to_dict()
    swemwbs = _pairing(data, "swemwbs")
    add_route(
        manager,
        contract,
        "band",
        baseline=db.session.get(Collection, swemwbs["baseline_collection"]),
        follow_up=db.session.get(Collection, swemwbs["follow_up_collection"]),
        entry=table.entries[0],
    )
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1
    assert "The demo could not be completed: ValuationRefused:" in result.output
    assert "Traceback" not in result.output
