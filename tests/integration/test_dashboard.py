"""Contract and portfolio dashboards: figures match the results, bad input renders, access."""

from __future__ import annotations

import html as html_lib
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest

from svcollect.extensions import db
from svcollect.models import Answer, Collection
from svcollect.models._types import utcnow
from svcollect.models.contract import ContractSupplier
from svcollect.services.commitments import add_commitment
from svcollect.services.declarations import invite_suppliers
from svcollect.services.portfolio import portfolio
from svcollect.services.results import compute_results
from svcollect.services.valuation import add_route, record_assumptions
from tests.integration.helpers import (
    ONS_OTHER,
    decide,
    make_collection,
    make_contract,
    make_organisation,
    make_user,
    seed_responses,
    signed_in,
)
from tests.integration.helpers import ons_pairs as _ons
from tests.integration.test_attestation import (  # noqa: F401 (world is a fixture)
    CORE,
    ENHANCED,
    _attest,
    _invite,
    _review,
    world,
)

SVG = re.compile(r"<svg\b.*?</svg>", re.S)
NS = "{http://www.w3.org/2000/svg}"
RTL_TITLE = "عقد خدمات الرفاهية — Ωmega café crème brûlée <script>alert(1)</script> " + "x" * 200


def _page(client, url: str) -> str:
    """GET a dashboard: 200, every SVG well-formed and labelled, no style attribute anywhere."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    assert "style=" not in page  # the CSP blocks inline styles
    for markup in SVG.findall(page):
        root = ET.fromstring(markup)
        assert root.get("role") == "img" and root.get("width") == "100%"
        assert root.find(f"{NS}title").text and root.find(f"{NS}desc").text
        for ref in root.get("aria-labelledby").split():
            assert f'id="{ref}"' in page
        heading = root.get("aria-labelledby").split()[0]
        assert re.search(rf'<h\d[^>]*id="{heading}"[^>]*>[^<]+</h\d>', page)
    return page


def _plain(page: str) -> str:
    text = re.sub(r"<svg\b.*?</svg>", " ", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html_lib.unescape(text))


def _money(stat: dict) -> str:
    return f"£{stat['value']:,.0f}"


@pytest.fixture
def setup(app):
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    return contract, manager


def _change(data: dict, measure: str) -> dict:
    return next(c for p in data["outcomes"] for c in p["changes"] if c["measure"] == measure)


def test_contract_dashboard_figures_match_the_results(app, setup):
    contract, manager = setup
    # 40 people in three bands each time (low 10, medium 20, high 10): nothing small
    baseline, follow_up = _ons(contract, 40, [0, 1], base=(4, 5, 6, 7))
    record_assumptions(manager, contract, {"duration_years": 0.5}, {}, read_version=0)
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    page = _page(signed_in(app, manager), f"/manage/contracts/{contract.id}/dashboard")
    text = _plain(page)
    data = compute_results(contract).to_dict()

    change = _change(data, "life_satisfaction")
    p = change["paired"]
    b, f = p["baseline_mean"]["value"], p["follow_up_mean"]["value"]
    lo, hi = p["ci_low"]["value"], p["ci_high"]["value"]
    assert (
        f"Life satisfaction (ONS4) rose from {b:.2f} to {f:.2f} (change "
        f"{p['mean_change']['value']:+.2f}, 95% CI {lo:.2f} to {hi:.2f}) among "
        f"{change['n_paired']} people." in text
    )
    assert f"95% CI, lower {lo:.2f} 95% CI, upper {hi:.2f}" in text

    for wave in ("baseline", "follow_up"):
        for cell in change[wave]["bands"]["cells"]:
            assert not cell["percent"]["suppressed"]
    assert "low 10 25% 10 25% medium 20 50% 20 50% high 10 25% 10 25%" in text

    paired = data["totals_by_grade"]["paired survey"]
    assert (
        f"Central values: {_money(paired['central'])} from paired survey evidence (low "
        f"{_money(paired['low'])}, high {_money(paired['high'])})" in text
    )
    assert "£130,000" in text  # 40 people x £3,250
    assert text.count("40 responses submitted by") == 2
    assert "No commitments were recorded at bid" in text
    assert "Show the data" in text


def test_suppressed_bands_are_marked_suppressed_not_zero(app, setup):
    contract, manager = setup
    # baseline bands: medium 20, high 10 (shown); follow-up: low 7, medium 15, high 8 ->
    # all cells hidden
    _ons(contract, 30, [-1] * 7 + [0] * 13 + [-1] * 2 + [0] * 8, base=(5,) * 20 + (7,) * 10)
    page = _page(signed_in(app, manager), f"/manage/contracts/{contract.id}/dashboard")
    data = compute_results(contract).to_dict()
    cells = _change(data, "life_satisfaction")["follow_up"]["bands"]["cells"]
    assert all(c["percent"]["suppressed"] for c in cells)
    text = _plain(page)
    assert "low 0 0% suppressed suppressed" in text
    assert "4 of 8 figures are suppressed" in text
    section = page[page.index('id="fig-bands-0-life_satisfaction"') :]
    svg = ET.fromstring(SVG.search(section).group(0))
    hatched = [e for e in svg.iter(f"{NS}rect") if e.get("class") == "app-chart__suppressed"]
    assert len(hatched) == 4


def _delivery_return(contract, manager, supplier, figures: dict[str, int]):
    collection = make_collection(
        "delivery-return", contract=contract, access="supplier", audience="supplier"
    )
    [declaration] = invite_suppliers(manager, collection)
    for question, value in figures.items():
        db.session.add(
            Answer(
                response_id=declaration.response_id,
                question_id=question,
                value_text=str(value),
                value_number=float(value),
            )
        )
    now = utcnow()
    declaration.response.status, declaration.response.submitted_at = "submitted", now
    declaration.status, declaration.submitted_at = "submitted", now
    db.session.commit()
    return declaration


def test_commitments_against_delivered_and_evidenced(app, setup):
    contract, manager = setup
    supplier = make_organisation("Prime Ltd", "supplier", employee_count=900)
    db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=supplier.id))
    db.session.commit()
    declaration = _delivery_return(
        contract,
        manager,
        supplier,
        {"mh_first_aiders_trained": 15, "volunteering_hours_local": 120},
    )
    decide(manager, declaration, "mh_first_aiders_trained", "accepted", "")
    known = {"mh_first_aiders_trained", "volunteering_hours_local", "life_satisfaction_ons4"}
    past, future = date.today() - timedelta(days=3), date.today() + timedelta(days=300)
    contract.starts_on = past - timedelta(days=30)  # a commitment falls due during the contract
    db.session.commit()
    add_commitment(manager, contract, "mh_first_aiders_trained", "people", Decimal(20), past, known)
    add_commitment(
        manager, contract, "volunteering_hours_local", "hours", Decimal(100), future, known
    )
    add_commitment(
        manager, contract, "life_satisfaction_ons4", "points", Decimal("0.5"), future, known
    )
    text = _plain(_page(signed_in(app, manager), f"/manage/contracts/{contract.id}/dashboard"))
    due = past.strftime("%-d %B %Y")
    assert f"Staff trained as mental health first aiders 20 people {due} 15 15 75% overdue" in text
    assert "Volunteering hours in the local community 100 hours" in text
    assert "120 0 0% not due yet" in text
    assert "survey measure: see the outcome charts" in text
    assert (
        "Of 2 counted commitments, 0 met on accepted evidence, 1 overdue and 1 not due yet" in text
    )


def test_an_adherence_commitment_is_compared_with_the_shares_adhering(app, world):  # noqa: F811
    manager = _invite(app, world)
    _, large = _attest(
        app, world["large_user"], world["large"], 900, {c: "in_place" for c in CORE + ENHANCED}
    )
    _attest(app, world["small_user"], world["small"], 40, {c: "in_place" for c in CORE})
    for code in CORE:
        _review(manager, large, code, "accepted")
    contract = world["contract"]
    known = {"supply_chain_mhaw_adherence"}
    due = date.today() + timedelta(days=300)
    add_commitment(
        world["manager"],
        contract,
        "supply_chain_mhaw_adherence",
        "percent",
        Decimal(80),
        due,
        known,
    )
    text = _plain(_page(manager, f"/manage/contracts/{contract.id}/dashboard"))
    # both declare all 6 (100%); one has its evidence accepted (50%)
    assert (
        "Suppliers meeting the 6 Mental Health at Work Commitment standards 80% "
        f"{due.strftime('%-d %B %Y')} 100 50 63% not due yet" in text
    )
    assert "survey measure: see the outcome charts" not in text


def test_adherence_declared_and_accepted_match_the_results(app, world):  # noqa: F811
    manager = _invite(app, world)
    _, large = _attest(
        app, world["large_user"], world["large"], 900, {c: "in_place" for c in CORE + ENHANCED}
    )
    small = {c: "in_place" for c in CORE} | {"mhaw_4": "partly"}
    _attest(app, world["small_user"], world["small"], 40, small)
    for code in CORE + ENHANCED:
        _review(manager, large, code, "accepted")
    contract = world["contract"]
    text = _plain(_page(manager, f"/manage/contracts/{contract.id}/dashboard"))
    figures = compute_results(contract).to_dict()["adherence"][str(world["collection"].id)]
    figures = figures["figures"]
    core_d, core_a = figures["core_declared"], figures["core_accepted"]
    assert (
        f"Of 2 suppliers with a submitted declaration, {core_d['numerator']['value']} of "
        f"{core_d['denominator']} declare all 6 Mental Health at Work standards and "
        f"{core_a['numerator']['value']} have that evidence accepted" in text
    )
    enhanced = figures["enhanced_declared"]
    assert (
        f"All 4 enhanced Thriving at Work standards (suppliers with 500 or more employees) "
        f"{enhanced['numerator']['value']} of {enhanced['denominator']} (100%)" in text
    )


def test_portfolio_counts_each_respondent_once_and_shows_only_own_contracts(app):
    first, second = make_contract(), make_contract()
    second.buyer_id = first.buyer_id
    second.respondent_salt = first.respondent_salt
    second.starts_on = date(first.starts_on.year + 1, 1, 1)
    second.ends_on = date(first.starts_on.year + 3, 1, 1)
    foreign = make_contract("FOREIGN-CONTRACT")
    db.session.commit()
    manager = make_user("contract_manager", first.buyer)
    shared = [f"P{i:03d}" for i in range(12)]
    for contract, codes in ((first, shared), (second, shared[:6] + [f"Q{i}" for i in range(6)])):
        record_assumptions(manager, contract, {"duration_years": 0.5}, {}, read_version=0)
        baseline = make_collection("ons4", contract=contract)
        follow_up = make_collection("ons4", contract=contract, wave="follow_up")
        seed_responses(baseline, [(c, {"life_satisfaction": 5, **ONS_OTHER}) for c in codes])
        seed_responses(
            follow_up,
            [(c, {"life_satisfaction": 5 + i % 2, **ONS_OTHER}) for i, c in enumerate(codes)],
        )
        add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    make_collection("ons4", contract=foreign)
    page = _page(signed_in(app, manager), "/manage/portfolio")
    text = _plain(page)
    total = portfolio(manager).total
    assert total.rule in text
    assert total.n_dropped == 6  # fewer than k (10): not shown exactly
    assert "Fewer than 10 figures for people already counted" in text
    central = total.totals["paired survey"]["central"].value
    assert f"£{central:,.0f} from paired survey evidence" in text
    assert first.reference in text and second.reference in text
    assert "FOREIGN-CONTRACT" not in page
    assert "48 survey responses in total across 2 contracts" in text
    assert "Life satisfaction (ONS4) rose in 2, fell in 0 and did not change in 0 of 2" in text


def test_dashboards_are_only_for_the_contracts_managers(app, setup):
    contract, manager = setup
    url = f"/manage/contracts/{contract.id}/dashboard"
    other = make_user("contract_manager", make_organisation("Other Council", "buyer"))
    assert signed_in(app, other).get(url).status_code == 404
    supplier = make_user("supplier_user", make_organisation("Supplier Ltd", "supplier"))
    supplier_client = signed_in(app, supplier)
    assert supplier_client.get(url).status_code == 404
    assert supplier_client.get("/manage/portfolio").status_code == 404
    assert app.test_client().get(url).status_code in (302, 401)
    assert signed_in(app, manager).get("/manage/contracts/999999/dashboard").status_code == 404
    own = _plain(_page(signed_in(app, other), "/manage/portfolio"))
    assert contract.reference not in own and "You have no contracts yet" in own
    assert "Nothing is valued yet on these contracts" in own


def test_long_right_to_left_and_accented_names_render(app, setup):
    contract, manager = setup
    contract.title = RTL_TITLE[:300]
    contract.reference = ("C-é-שלום-" + "R" * 100)[:100]
    supplier = make_organisation("شركة الموردين " + "Fournisseur général " * 12, "supplier")
    db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=supplier.id))
    db.session.commit()
    baseline, _ = _ons(contract, 12, [0, 1])
    baseline.label = ("مجموعة الأساس <b>café</b> " * 10)[:200]
    db.session.commit()
    make_collection("mhaw-standards", contract=contract, access="supplier", audience="supplier")
    client = signed_in(app, manager)
    for url in (f"/manage/contracts/{contract.id}/dashboard", "/manage/portfolio"):
        page = _page(client, url)
        assert "<script>alert(1)</script>" not in page and "<b>café</b>" not in page
        assert "عقد خدمات الرفاهية" in page
    page = _page(client, f"/manage/contracts/{contract.id}/dashboard")
    assert "No supplier has submitted a declaration yet" in page


def test_zero_responses_explain_themselves(app, setup):
    contract, manager = setup
    make_collection("ons4", contract=contract)
    text = _plain(_page(signed_in(app, manager), f"/manage/contracts/{contract.id}/dashboard"))
    assert "No responses have been submitted yet, so there is nothing to chart." in text
    assert "No responses have a score in either wave" in text
    assert "Nothing is valued yet" in text


def test_one_response_is_suppressed_with_an_explanation(app, setup):
    contract, manager = setup
    seed_responses(
        make_collection("ons4", contract=contract), [("ONE", {"life_satisfaction": 7, **ONS_OTHER})]
    )
    page = _page(signed_in(app, manager), f"/manage/contracts/{contract.id}/dashboard")
    text = _plain(page)
    assert "Fewer than 10 responses have been submitted, so the count is suppressed" in text
    assert "Band figures for Life satisfaction (ONS4) are suppressed" in text
    assert "1 response" not in text and "7.00" not in page and "100%" not in text
    section = page[page.index('id="fig-bands-0-life_satisfaction"') :]
    svg = ET.fromstring(SVG.search(section).group(0))
    hatched = [e for e in svg.iter(f"{NS}rect") if e.get("class") == "app-chart__suppressed"]
    assert len(hatched) == 4  # every band, at the one wave: hatched, not 0% or 100%


def test_a_baseline_without_a_follow_up_shows_the_baseline(app, setup):
    contract, manager = setup
    baseline = make_collection("ons4", contract=contract)
    seed_responses(
        baseline,
        [(f"B{i}", {"life_satisfaction": 5 if i < 14 else 7, **ONS_OTHER}) for i in range(24)],
    )
    make_collection("ons4", contract=contract, wave="follow_up")  # opened, nobody answered yet
    text = _plain(_page(signed_in(app, manager), f"/manage/contracts/{contract.id}/dashboard"))
    assert "No follow-up responses have a score for Life satisfaction (ONS4) yet" in text
    assert "The largest Life satisfaction (ONS4) band shown was “medium” at baseline (58%)" in text
    assert db.session.query(Collection).count() == 2


def test_a_contract_with_two_follow_ups_is_one_contract_in_the_portfolio(app):
    contract = make_contract()
    manager = make_user("contract_manager", contract.buyer)
    codes = [f"T{i:03d}" for i in range(12)]
    baseline = make_collection("ons4", contract=contract)
    before = {c: 5 + i % 2 for i, c in enumerate(codes)}
    seed_responses(baseline, [(c, {"life_satisfaction": before[c], **ONS_OTHER}) for c in codes])
    for label in ("Spring", "Autumn"):
        follow_up = make_collection("ons4", contract=contract, wave="follow_up")
        follow_up.label = label
        db.session.commit()
        seed_responses(
            follow_up,
            [
                (c, {"life_satisfaction": before[c] + 1 + i % 3, **ONS_OTHER})
                for i, c in enumerate(codes)
            ],
        )
    text = _plain(_page(signed_in(app, manager), "/manage/portfolio"))
    assert "of 2 baseline and follow-up pairs in 1 contract." in text
    assert f"{contract.reference}" in text and "to Spring)" in text and "to Autumn)" in text
