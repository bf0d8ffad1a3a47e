"""Valuation set-up on screen: value tables, assumptions (versioned) and valuation routes."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql

from svcollect.extensions import db
from svcollect.models import (
    AssumptionSet,
    AuditEvent,
    Contract,
    ValuationRoute,
    ValueTable,
    ValueTableEntry,
)
from svcollect.scoring.assumptions import DEFAULT_SOURCES
from svcollect.services import valuation as valuation_svc
from tests.integration.helpers import (
    csrf_token,
    make_collection,
    make_organisation,
    make_user,
    post_form,
    signed_in,
)

HEADER = "outcome_code,description,unit,value,price_year,source,licence,deadweight_included\n"
GOOD = (
    HEADER + 'EMP-1,Into employment,person,"1,000.50",2019,Our evaluation 2025,'
    "Licensed to Northshire,no\n"
    "VOL-1,Regular volunteering,person,250,2019-20,Our evaluation 2025,Licensed to Northshire,yes\n"
)


@pytest.fixture
def council(app):
    buyer = make_organisation("Northshire Council", "buyer", wemwbs_licence_ref="LIC-1")
    manager = make_user("contract_manager", buyer)
    contract = Contract(
        reference="NC-VAL-1",
        title="Facilities management",
        buyer_id=buyer.id,
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=365),
    )
    db.session.add(contract)
    db.session.commit()
    return {
        "buyer": buyer,
        "manager": manager,
        "contract": contract,
        "client": signed_in(app, manager),
    }


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _import(client, content: bytes | str, filename: str = "table.csv", name: str = "Our bank"):
    if isinstance(content, str):
        content = content.encode()
    url = "/manage/value-tables/import"
    token = csrf_token(client.get(url).get_data(as_text=True))
    result = client.post(
        url,
        data={"csrf_token": token, "name": name, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    return result


def _text(result) -> str:
    return html.unescape(result.get_data(as_text=True))


# --- value tables ------------------------------------------------------------------------


def test_import_list_reimport_and_view_entries(app, council):
    client = council["client"]
    first = _import(client, GOOD)
    assert first.status_code == 303, _text(first)[:2000]
    table = db.session.scalar(select(ValueTable))
    assert (table.name, table.version, len(table.entries)) == ("Our bank", 1, 2)
    assert db.session.scalar(select(AuditEvent).filter_by(action="value_table_imported"))

    listing = _text(client.get("/manage/value-tables"))
    assert "Our bank" in listing
    assert "table.csv" in listing
    assert table.content_hash[:12] in listing
    assert "ships no HACT" in listing

    again = _import(client, GOOD.replace("250,", "260,"), filename="table-2026.csv")
    assert again.status_code == 303
    page = _text(client.get(again.headers["Location"]))
    assert "imported as version 2" in page
    assert "Version 1" in page  # the earlier version is kept and linked
    versions = db.session.scalars(select(ValueTable).order_by(ValueTable.version)).all()
    assert [v.version for v in versions] == [1, 2]
    assert [float(e.value) for e in versions[0].entries] == [1000.5, 250.0]  # never overwritten

    entries = _text(client.get(f"/manage/value-tables/{versions[1].id}"))
    for text in ("EMP-1", "Into employment", "£1,000.50", "£260.00", "2019-20", "Yes", "No"):
        assert text in entries
    assert "Licensed to Northshire" in entries


def test_template_downloads_as_an_attachment(app, council):
    result = council["client"].get("/manage/value-tables/template.csv")
    assert result.status_code == 200
    assert "attachment" in result.headers["Content-Disposition"]
    assert result.get_data(as_text=True).strip() == HEADER.strip()


def test_import_page_warns_about_licensed_values(app, council):
    page = _text(council["client"].get("/manage/value-tables/import"))
    assert "ships no HACT or National TOMs values" in page
    assert "licensed to use" in page
    assert "/manage/value-tables/template.csv" in page


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        (
            HEADER.replace(",licence", "") + "EMP-1,Job,person,10,2019,Src,no\n",
            ["Row 1: missing column(s): licence"],
        ),
        (
            HEADER + "EMP-1,Job,person,lots,2019,Src,Lic,no\nEMP-2,Job,person,x,2019,Src,Lic,no\n",
            [
                "Row 2, column value: 'lots' is not a number",
                "Row 3, column value: 'x' is not a number",
            ],
        ),
        (
            HEADER + "EMP-1,Job,person,10,2019,Src,Lic,no\nEMP-1,Job,person,12,2019,Src,Lic,no\n",
            ["Row 3, column outcome_code: outcome code 'EMP-1' is already used in row 2"],
        ),
        (
            HEADER + "EMP-1,Job,person,10,1990,Src,Lic,no\n",
            ["Row 2, column price_year: 1990 is not a year in the shipped GDP deflator series"],
        ),
        (b"", ["The selected file is empty"]),
        (PNG, ["The selected file is not a spreadsheet"]),
    ],
    ids=["missing-column", "text-value", "duplicate-code", "unknown-year", "empty", "png"],
)
def test_bad_tables_are_refused_with_row_and_column(app, council, content, messages):
    result = _import(council["client"], content)
    assert result.status_code == 422
    page = _text(result)
    assert "govuk-error-summary" in page
    for message in messages:
        assert message in page
    assert _count(ValueTable) == 0
    assert _count(ValueTableEntry) == 0


def test_a_value_too_long_to_store_is_refused_by_row(app, council, backend):
    result = _import(council["client"], HEADER + "X" * 70 + ",d,person,10,2019,s,l,no\n")
    assert result.status_code == 422
    assert "must be 60 characters or fewer" in _text(result)
    huge = _import(council["client"], HEADER + "big,d,person,99999999999999,2019,s,l,no\n")
    assert huge.status_code == 422
    assert "less than £" in _text(huge)
    pennies = _import(council["client"], HEADER + "odd,d,person,1.235,2019,s,l,no\n")
    assert pennies.status_code == 422
    assert "pounds and pence" in _text(pennies)
    assert _count(ValueTable) == 0


def test_import_needs_a_name_and_a_file(app, council):
    client = council["client"]
    url = "/manage/value-tables/import"
    result = post_form(client, url, {"name": ""})
    assert result.status_code == 422
    page = _text(result)
    assert "Enter a name for the table" in page
    assert "Select a CSV or XLSX file" in page
    assert _import(client, GOOD, filename="table.txt").status_code == 422
    assert _count(ValueTable) == 0


def test_another_organisation_cannot_see_the_table(app, council):
    assert _import(council["client"], GOOD).status_code == 303
    table = db.session.scalar(select(ValueTable))
    other = make_user("contract_manager", make_organisation("Other Council", "buyer"))
    client = signed_in(app, other)
    assert client.get(f"/manage/value-tables/{table.id}").status_code == 404
    assert "Our bank" not in client.get("/manage/value-tables").get_data(as_text=True)
    supplier = make_user("supplier_user", make_organisation("A Supplier", "supplier"))
    assert signed_in(app, supplier).get("/manage/value-tables").status_code == 404


# --- assumptions -------------------------------------------------------------------------


def _assumptions(**overrides):
    data = {
        "wellby_value_low": "10,000",
        "wellby_value_central": "£13,000",
        "wellby_value_high": "16000",
        "wellby_price_year": "2019",
        "reporting_price_year": "2024",
        "deflator_basis": "calendar",
        "duration_years": "1.5",
        "drop_off": "10",
        "deadweight": "25",
        "attribution": "0",
        "displacement": "0",
        "discount_rate": "3.5",
        "source_deadweight": "Northshire comparison group, 2025",
        "source_reporting_price_year": "Reported in 2024 prices, as the council asks",
        "source_duration_years": "Follow-up at 18 months in the pilot",
        "source_drop_off": "Pilot attrition, 2025",
        "threshold_wemwbs": "",
        "threshold_life_satisfaction": "0.5",
    }
    data.update(overrides)
    return data


def test_assumptions_are_saved_as_versions_and_prefilled(app, council):
    client = council["client"]
    url = f"/manage/contracts/{council['contract'].id}/assumptions"
    page = _text(client.get(url))
    assert "No assumptions saved yet" in page
    assert 'value="13,000"' in page and 'value="3.5"' in page  # the Green Book defaults
    assert "1.5%" in page and "unconfirmed" in page

    assert post_form(client, url, _assumptions()).status_code == 303
    current = valuation_svc.current_assumptions(council["contract"])
    assert current.record.version == 1
    values = current.valuation
    assert (values.deadweight, values.drop_off, values.discount_rate) == (0.25, 0.1, 0.035)
    assert values.duration_years == 1.5
    assert values.reporting_price_year == 2024
    assert values.sources["deadweight"] == "Northshire comparison group, 2025"
    assert current.thresholds == {"life_satisfaction": 0.5}

    page = _text(client.get(url))
    assert 'value="25"' in page and 'value="1.5"' in page and 'value="0.5"' in page
    assert "Northshire comparison group, 2025" in page

    assert post_form(client, url, _assumptions(deadweight="50")).status_code == 303
    history = _text(client.get(url))
    assert "version 2" in history
    records = db.session.scalars(select(AssumptionSet).order_by(AssumptionSet.version)).all()
    assert [r.version for r in records] == [1, 2]
    for record in records:
        assert record.sha256[:12] in history
    assert valuation_svc.current_assumptions(council["contract"]).valuation.deadweight == 0.5


@pytest.mark.parametrize(
    ("overrides", "messages", "kept"),
    [
        (
            {"deadweight": "150", "attribution": "-5", "discount_rate": "100.5%"},
            [
                "Deadweight must be from 0% to 100%",
                "Attribution must be from 0% to 100%",
                "Discount rate must be from 0% to 100%",
            ],
            ['value="150"', 'value="-5"', 'value="100.5%"'],
        ),
        ({"duration_years": "-1"}, ["Duration must be more than 0 years"], ['value="-1"']),
        ({"wellby_value_low": "-5"}, ["Low value per WELLBY must be £0 or more"], ['value="-5"']),
        ({"discount_rate": "lots"}, ["Enter a number"], ['value="lots"']),
        (
            {"wellby_value_low": "20000"},
            ["The low value per WELLBY must be no more than the central value"],
            ['value="20000"'],
        ),
        ({"reporting_price_year": "1850"}, ["Reporting price year"], ['value="1850"']),
        ({"reporting_price_year": "²"}, ["Reporting price year"], ['value="²"']),
        (
            {"threshold_wemwbs": "0"},
            ["The meaningful change for WEMWBS score must be a number more than 0"],
            [],
        ),
        (
            {"threshold_wemwbs": "100"},
            ["The meaningful change for WEMWBS score must be 56 points or fewer"],
            ['value="100"'],
        ),
        (
            {"source_drop_off": "x" * 501},
            ["The source for drop-off must be 500 characters or fewer"],
            [],
        ),
        ({"threshold_wemwbs": "inf"}, ["Enter a number"], ['value="inf"']),
    ],
)
def test_bad_assumptions_show_field_errors_and_keep_values(app, council, overrides, messages, kept):
    url = f"/manage/contracts/{council['contract'].id}/assumptions"
    result = post_form(council["client"], url, _assumptions(**overrides))
    assert result.status_code == 422
    page = _text(result)
    assert "govuk-error-summary" in page
    for text in (*messages, *kept):
        assert text in page
    assert "fraction" not in page  # the form speaks in the percentages people type
    assert "; got" not in page  # nor in the figures it was given back
    assert 'value="Northshire comparison group, 2025"' in page
    assert _count(AssumptionSet) == 0


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"wellby_value_low": "14000"},
            "wellby_value_low",
            "The low value per WELLBY must be no more than the central value",
        ),
        (
            {"wellby_value_high": "12000"},
            "wellby_value_high",
            "The high value per WELLBY must be no less than the central value",
        ),
    ],
)
def test_a_wellby_value_out_of_order_is_named_on_its_own_box(app, council, values, field, message):
    url = f"/manage/contracts/{council['contract'].id}/assumptions"
    result = post_form(council["client"], url, _assumptions(**values))
    assert result.status_code == 422
    page = _text(result)
    assert f'<a href="#{field}">{message}</a>' in page
    assert "<=" not in page and "&lt;=" not in page
    assert _count(AssumptionSet) == 0


@pytest.fixture
def prime(app, council):
    """The prime supplier's manager: sees the contract's valuation, sets none of it."""
    supplier = make_organisation("Acme Facilities", "prime_supplier")
    council["contract"].prime_supplier_id = supplier.id
    db.session.commit()
    user = make_user("contract_manager", supplier)
    return {"user": user, "client": signed_in(app, user)}


def test_the_prime_supplier_sees_but_does_not_set_the_assumptions(app, council, prime):
    contract = council["contract"]
    url = f"/manage/contracts/{contract.id}/assumptions"
    assert post_form(council["client"], url, _assumptions(deadweight="25")).status_code == 303
    shown = prime["client"].get(url)
    assert shown.status_code == 200
    page = _text(shown)
    assert "Only the buying organisation can change these assumptions" in page
    assert "Northshire comparison group, 2025" in page and "25%" in page  # read, not a form
    assert 'name="wellby_value_low"' not in page and "Save as a new version" not in page
    token = csrf_token(prime["client"].get("/manage/").get_data(as_text=True))
    sent = prime["client"].post(url, data={"csrf_token": token, **_assumptions(deadweight="0")})
    assert sent.status_code == 403
    assert _count(AssumptionSet) == 1
    with pytest.raises(valuation_svc.ValuationRefused, match="Only the buying organisation"):
        valuation_svc.record_assumptions(prime["user"], contract, {}, {}, read_version=1)
    assert _count(AssumptionSet) == 1


def test_the_prime_supplier_sees_but_does_not_choose_or_remove_routes(app, council, prime):
    contract = council["contract"]
    baseline, follow_up = _pair(contract, "ons4")
    assert _route(council["client"], contract, "wellby", baseline, follow_up).status_code == 303
    [route] = db.session.scalars(select(ValuationRoute.id)).all()
    url = f"/manage/contracts/{contract.id}/valuation-routes"
    page = _text(prime["client"].get(url))
    assert "WELLBY from life satisfaction" in page  # shown...
    assert f"{url}/{route}/remove" not in page and "Add a route" not in page  # ...with no actions
    token = csrf_token(prime["client"].get("/manage/").get_data(as_text=True))
    other_pair = _pair(contract, "ons4")
    added = prime["client"].post(
        url,
        data={"csrf_token": token, "route": "wellby", "baseline": str(other_pair[0].id)}
        | {"follow_up": str(other_pair[1].id), "measure_code": "", "entry": ""},
    )
    assert added.status_code == 403
    removed = prime["client"].post(f"{url}/{route}/remove", data={"csrf_token": token})
    assert removed.status_code == 403
    assert _count(ValuationRoute) == 1
    with pytest.raises(valuation_svc.ValuationRefused, match="Only the buying organisation"):
        valuation_svc.add_route(prime["user"], contract, "wellby", baseline=other_pair[0])
    with pytest.raises(valuation_svc.ValuationRefused, match="Only the buying organisation"):
        valuation_svc.remove_route(prime["user"], contract, route)
    assert _count(ValuationRoute) == 1
    # The contract page still links to both, to be read.
    contract_page = _text(prime["client"].get(f"/manage/contracts/{contract.id}"))
    assert "/valuation-routes" in contract_page and "/assumptions" in contract_page


def test_other_organisations_get_404_on_assumptions_and_routes(app, council):
    other = make_user("contract_manager", make_organisation("Other Council", "buyer"))
    client = signed_in(app, other)
    contract_id = council["contract"].id
    for url in (
        f"/manage/contracts/{contract_id}/assumptions",
        f"/manage/contracts/{contract_id}/valuation-routes",
    ):
        assert client.get(url).status_code == 404
    assert "/valuation-routes" in _text(council["client"].get(f"/manage/contracts/{contract_id}"))


# --- routes ------------------------------------------------------------------------------


def _pair(contract, questionnaire_id):
    baseline = make_collection(questionnaire_id, contract=contract, audience="workforce")
    follow_up = make_collection(
        questionnaire_id, contract=contract, audience="workforce", wave="follow_up"
    )
    return baseline, follow_up


def _route(
    client, contract, route, baseline=None, follow_up=None, measure="", entry=None, returns=None
):
    data = {
        "route": route,
        "baseline": str(baseline.id) if baseline else "",
        "follow_up": str(follow_up.id) if follow_up else "",
        "returns": str(returns.id) if returns else "",
        "measure_code": measure,
        "entry": str(entry.id) if entry else "",
    }
    return post_form(client, f"/manage/contracts/{contract.id}/valuation-routes", data)


DOUBLE = "One person's wellbeing change in one period is valued by one route only"


def test_wellby_route_is_added_and_a_second_is_refused(app, council):
    client, contract = council["client"], council["contract"]
    baseline, follow_up = _pair(contract, "ons4")
    added = _route(client, contract, "wellby", baseline, follow_up)
    assert added.status_code == 303, _text(added)[:3000]
    assert _count(ValuationRoute) == 1
    page = _text(client.get(added.headers["Location"]))
    assert "WELLBY from life satisfaction" in page
    assert "Test ons4" in page

    again = _route(client, contract, "wellby", baseline, follow_up)
    assert again.status_code == 422
    assert DOUBLE in _text(again)
    assert _count(ValuationRoute) == 1


def test_a_wrong_route_can_be_removed_so_the_right_one_can_be_added(app, council):
    client, contract = council["client"], council["contract"]
    baseline, follow_up = _pair(contract, "ons4")
    _, later = _pair(contract, "ons4")
    later_id = later.id
    assert _route(client, contract, "wellby", baseline, later).status_code == 303  # the wrong one
    assert _route(client, contract, "wellby", baseline, follow_up).status_code == 422
    wrong = db.session.scalars(select(ValuationRoute.id)).one()
    url = f"/manage/contracts/{contract.id}/valuation-routes"
    assert f"{url}/{wrong}/remove" in client.get(url).get_data(as_text=True)
    removed = post_form(client, f"{url}/{wrong}/remove", {}, page=url)
    assert removed.status_code == 303
    assert "Valuation route removed" in _text(client.get(removed.headers["Location"]))
    assert _count(ValuationRoute) == 0
    event = db.session.scalar(select(AuditEvent).filter_by(action="valuation_route_removed"))
    assert event is not None and json.loads(event.detail)["follow_up"] == later_id
    again = post_form(client, f"{url}/{wrong}/remove", {}, page=url)  # a repeat
    assert "That route was already removed" in _text(client.get(again.headers["Location"]))
    assert _route(client, contract, "wellby", baseline, follow_up).status_code == 303
    # another organisation can neither see nor remove it
    right = db.session.scalars(select(ValuationRoute.id)).one()
    other = signed_in(app, make_user("contract_manager", make_organisation("Other", "buyer")))
    token = csrf_token(other.get("/manage/").get_data(as_text=True))
    forged = other.post(f"{url}/{right}/remove", data={"csrf_token": token})
    assert forged.status_code == 404 and _count(ValuationRoute) == 1


def test_band_route_for_the_same_workforce_and_period_is_refused(app, council):
    client, contract = council["client"], council["contract"]
    assert _route(client, contract, "wellby", *_pair(contract, "ons4")).status_code == 303
    assert _import(client, GOOD).status_code == 303
    entry = db.session.scalar(select(ValueTableEntry).filter_by(outcome_code="VOL-1"))
    refused = _route(client, contract, "band", *_pair(contract, "wemwbs"), entry=entry)
    assert refused.status_code == 422
    page = _text(refused)
    assert DOUBLE in page
    assert "WEMWBS-based value" in page
    assert _count(ValuationRoute) == 1


def test_counted_route_uses_the_organisations_table_entry(app, council):
    client, contract = council["client"], council["contract"]
    assert _import(client, GOOD).status_code == 303
    entry = db.session.scalar(select(ValueTableEntry).filter_by(outcome_code="EMP-1"))
    returns = make_collection(
        "delivery-return", contract=contract, access="supplier", audience="supplier"
    )
    survey = make_collection("ons4", contract=contract)
    form = _text(client.get(f"/manage/contracts/{contract.id}/valuation-routes"))
    assert "Our bank v1 – EMP-1 – Into employment (£1,000.50, 2019)" in form
    offered = re.search(r'<select[^>]*name="returns".*?</select>', form, re.S).group(0)
    assert f'value="{returns.id}"' in offered and f'value="{survey.id}"' not in offered
    # Hours can't be priced per person, nor a financial-year price on the calendar series:
    # such routes valued nothing and said so only on the results page.
    hours = _route(
        client,
        contract,
        "counted",
        measure="volunteering_hours_local",
        entry=entry,
        returns=returns,
    )
    assert hours.status_code == 422
    assert "The entry is a value per person, but the route counts hours" in _text(hours)
    financial = db.session.scalar(select(ValueTableEntry).filter_by(outcome_code="VOL-1"))
    year = _route(
        client,
        contract,
        "counted",
        measure="mh_first_aiders_trained",
        entry=financial,
        returns=returns,
    )
    assert year.status_code == 422
    assert "The entry's price year cannot be used" in _text(year)
    measure = "mh_first_aiders_trained"
    missing = _route(client, contract, "counted", measure=measure, returns=returns)
    assert missing.status_code == 422
    assert "Select a value table entry" in _text(missing)
    # Without its delivery returns a counted route valued nothing, and said nothing.
    nowhere = _route(client, contract, "counted", measure=measure, entry=entry)
    assert nowhere.status_code == 422
    assert "Select the delivery-return collection whose figures are counted" in _text(nowhere)
    assert 'href="#returns"' in nowhere.get_data(as_text=True)
    added = _route(client, contract, "counted", measure=measure, entry=entry, returns=returns)
    assert added.status_code == 303
    route = db.session.scalar(select(ValuationRoute))
    assert (route.route, route.value_table_entry_id) == ("counted", entry.id)
    assert route.follow_up_collection_id == returns.id
    twice = _route(client, contract, "counted", measure=measure, entry=entry, returns=returns)
    assert twice.status_code == 422
    assert "twice" in _text(twice)


def test_forged_ids_are_refused(app, council):
    client, contract = council["client"], council["contract"]
    baseline, _follow = _pair(contract, "ons4")
    other_org = make_organisation("Other Council", "buyer")
    other_contract = Contract(
        reference="OC-1",
        title="Elsewhere",
        buyer_id=other_org.id,
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=365),
    )
    db.session.add(other_contract)
    db.session.commit()
    foreign = make_collection(
        "ons4", contract=other_contract, audience="workforce", wave="follow_up"
    )
    result = _route(client, contract, "wellby", baseline, foreign)
    assert result.status_code == 422
    assert "Select a collection from this contract" in _text(result)

    other_manager = make_user("contract_manager", other_org)
    foreign_table = valuation_svc.import_value_table(
        other_manager, "Their bank", "theirs.csv", GOOD.encode()
    )
    assert isinstance(foreign_table, ValueTable)
    result = _route(
        client,
        contract,
        "counted",
        measure="volunteering_hours_local",
        entry=foreign_table.entries[0],
    )
    assert result.status_code == 422
    assert "Select an entry from your organisation's value tables" in _text(result)
    bad_measure = _route(client, contract, "counted", measure="not_a_measure")
    assert "Select a counted measure" in _text(bad_measure)
    assert _count(ValuationRoute) == 0


def test_a_counted_route_is_named_by_its_measure_not_its_code(app):
    from svcollect.models import ValuationRoute
    from svcollect.services.outcomes import outcome_map

    route = ValuationRoute(id=2, route="counted", measure_code="mh_first_aiders_trained")
    title = outcome_map().measures["mh_first_aiders_trained"].title
    assert valuation_svc.describe_route(route) == f"counted outcome: {title} (route 2)"


def test_a_changed_value_needs_its_own_source_not_the_defaults_note(app, council):
    # The prefilled default note ("default: one year...") was recorded beside a duration
    # of 2 years: the pack's Assumptions and sources sheet then misdescribed the figure.
    url = f"/manage/contracts/{council['contract'].id}/assumptions"
    default_note = DEFAULT_SOURCES["duration_years"]
    sent = _assumptions(source_duration_years=default_note, duration_years="2")
    result = post_form(council["client"], url, {**sent, "wellby_value_low": "20000"})
    page = _text(result)
    assert result.status_code == 422
    assert "Enter where the duration you gave comes from" in page
    assert '<a href="#source_duration_years">' in page
    assert "must be no more than the central value" in page  # every problem at once
    unsourced = _assumptions(source_duration_years="", duration_years="2")
    blank = post_form(council["client"], url, unsourced)
    assert blank.status_code == 422
    assert "Enter where the duration you gave comes from" in _text(blank)
    assert _count(AssumptionSet) == 0
    assert post_form(council["client"], url, _assumptions(duration_years="2")).status_code == 303


ASSUMPTIONS_CONFLICT = "Someone else saved these assumptions since you opened this page"
HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|submission_key|version)"[^>]*value="([^"]*)"')


def _tab(client, url: str) -> dict[str, str]:
    """The assumptions page opened in a tab of its own: the hidden fields it sends back."""
    return dict(HIDDEN.findall(client.get(url).get_data(as_text=True)))


def test_assumptions_saved_from_a_page_opened_before_another_save_are_refused(app, council):
    client, contract = council["client"], council["contract"]
    url = f"/manage/contracts/{contract.id}/assumptions"
    one, two = _tab(client, url), _tab(client, url)
    assert one["version"] == two["version"] == "0"  # none saved yet
    assert client.post(url, data={**one, **_assumptions(deadweight="50")}).status_code == 303
    stale = client.post(url, data={**two, **_assumptions(deadweight="10")})
    assert stale.status_code == 422
    page = _text(stale)
    assert ASSUMPTIONS_CONFLICT in page and 'href="#version"' in page
    assert page.count('id="version"') == 1  # the box the link lands on; the input has none
    saved_now = page[page.index('id="version"') :].split("<form")[0]
    assert "What is saved now" in saved_now and "50%" in saved_now
    assert 'value="10"' in page  # what was typed is kept
    assert "Showing version 1" in page
    db.session.expire_all()
    records = db.session.scalars(select(AssumptionSet)).all()
    assert [r.version for r in records] == [1]
    assert valuation_svc.current_assumptions(contract).valuation.deadweight == 0.5
    # The refused page carries the version saved now: saving again is a choice made knowingly.
    again = dict(HIDDEN.findall(page))
    assert again["version"] == "1"
    assert client.post(url, data={**again, **_assumptions(deadweight="10")}).status_code == 303
    db.session.expire_all()
    assert valuation_svc.current_assumptions(contract).valuation.deadweight == 0.1


@pytest.mark.parametrize("version", [None, "", "x"])
def test_assumptions_without_the_version_they_were_read_at_are_refused(app, council, version):
    client, contract = council["client"], council["contract"]
    url = f"/manage/contracts/{contract.id}/assumptions"
    tab = _tab(client, url)
    if version is None:
        del tab["version"]
    else:
        tab["version"] = version
    result = client.post(url, data={**tab, **_assumptions()})
    assert result.status_code == 422 and ASSUMPTIONS_CONFLICT in _text(result)
    assert db.session.scalar(select(func.count()).select_from(AssumptionSet)) == 0


def test_two_assumption_saves_that_read_the_same_version_cannot_both_be_made(
    app, council, monkeypatch
):
    contract, manager = council["contract"], council["manager"]
    valuation_svc.record_assumptions(manager, contract, {}, {}, read_version=0)
    read_values = valuation_svc.ValuationAssumptions.from_mapping

    def saved_elsewhere_meanwhile(values):
        # Another request saves version 2 while this one is between its check and its write.
        with db.engine.begin() as connection:
            connection.execute(
                sql(
                    "INSERT INTO assumption_set (contract_id, version, values_json, sha256, "
                    "created_at) VALUES (:c, 2, '{}', :h, '2026-01-01 00:00:00')"
                ),
                {"c": contract.id, "h": "0" * 64},
            )
        return read_values(values)

    monkeypatch.setattr(
        valuation_svc.ValuationAssumptions, "from_mapping", staticmethod(saved_elsewhere_meanwhile)
    )
    with pytest.raises(valuation_svc.AssumptionsConflict):
        valuation_svc.record_assumptions(manager, contract, {"deadweight": 0.5}, {}, read_version=1)
    records = db.session.scalars(select(AssumptionSet).order_by(AssumptionSet.version)).all()
    assert [(r.version, r.created_by_id) for r in records] == [(1, manager.id), (2, None)]
    audited = select(func.count()).select_from(AuditEvent).filter_by(action="assumptions_recorded")
    assert db.session.scalar(audited) == 1


def test_a_routes_page_opened_before_a_removal_never_removes_the_route_added_since(app, council):
    """SQLite gave a new route the id of the last one removed: the remove button on a
    routes page opened before (another tab) then removed the new route, and the audit log
    named both routes by the one id."""
    client, contract = council["client"], council["contract"]
    baseline, follow_up = _pair(contract, "ons4")
    _, later = _pair(contract, "ons4")
    assert _route(client, contract, "wellby", baseline, later).status_code == 303  # the wrong one
    wrong = db.session.scalars(select(ValuationRoute.id)).one()
    url = f"/manage/contracts/{contract.id}/valuation-routes"
    tab = csrf_token(client.get(url).get_data(as_text=True))  # the routes, in a second tab
    assert post_form(client, f"{url}/{wrong}/remove", {}, page=url).status_code == 303
    assert _route(client, contract, "wellby", baseline, follow_up).status_code == 303
    right = db.session.scalars(select(ValuationRoute.id)).one()
    late = client.post(f"{url}/{wrong}/remove", data={"csrf_token": tab})
    assert "That route was already removed" in _text(client.get(late.headers["Location"]))
    db.session.expire_all()
    assert db.session.scalars(select(ValuationRoute.id)).all() == [right]
    removals = select(AuditEvent.object_id).filter_by(action="valuation_route_removed")
    assert db.session.scalars(removals).all() == [wrong]
    assert right > wrong
