"""What the service layer refuses with reaches pages in the page's language.

Views show a service's refusal as it is (str(refused)) in error summaries and banners, so
the services translate their own messages. Each test below gives a catalogue only the
message's msgid, placeholders and all, as a translator's catalogue would have it.
"""

from __future__ import annotations

from datetime import date
from html import unescape
from typing import Any

import pytest
from babel.dates import format_date as babel_format_date
from babel.messages.catalog import Catalog
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext

from svcollect import i18n
from svcollect.extensions import db
from svcollect.services.accounts import create_user
from svcollect.services.collections import close_early
from svcollect.services.contracts import long_day
from svcollect.services.questionnaires import registry, released_version
from tests.integration.helpers import (
    PASSWORD,
    csrf_token,
    make_collection,
    make_contract,
    make_user,
    post_form,
    translated_app,
)

pytestmark = pytest.mark.usefixtures("catalogues_read_afresh")

#: English words with Welsh month names: what a Welsh page writes dates with
WELSH_DATES = i18n.Translator(
    i18n.ENGLISH.gettext,
    i18n.ENGLISH.ngettext,
    lambda day, pattern: babel_format_date(day, pattern, locale="cy"),
)


def _welsh_app(database_url, tmp_path, messages: dict[Any, Any]) -> Flask:
    """The app with a Welsh catalogue of just `messages` (a plural's key is the pair of
    English forms, its value one Welsh form for every plural form Welsh has)."""
    catalog = Catalog(locale="cy")
    for msgid, msgstr in messages.items():
        if isinstance(msgid, tuple):
            msgstr = (msgstr,) * catalog.num_plurals
        catalog.add(msgid, msgstr)
    return translated_app(database_url, tmp_path, catalog)


def _in_welsh(welsh: Flask, user: Any | None = None) -> FlaskClient:
    """A client whose browser asks for Welsh, signed in as `user` if one is given."""
    client = welsh.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "cy"
    if user is not None:
        page = client.get("/sign-in").get_data(as_text=True)
        signed = client.post(
            "/sign-in",
            data={"csrf_token": csrf_token(page), "email": user.email, "password": PASSWORD},
        )
        assert signed.status_code in (302, 303), signed.get_data(as_text=True)[:500]
    return client


def _text(result: Any) -> str:
    return unescape(result.get_data(as_text=True))


DUE_AFTER_END = "The due date must be the same as or before the contract's end date, %(day)s"
OPENS_AFTER_END = "The opening date must be the same as or before the contract's end date, %(day)s"
ALREADY_CLOSED = "This collection is already closed: it closed on %(day)s"


def test_a_commitment_due_after_the_contract_is_refused_in_welsh_with_its_date(
    app, database_url, tmp_path
):
    contract = make_contract()
    contract.starts_on, contract.ends_on = date(2026, 4, 1), date(2028, 3, 31)
    db.session.commit()
    manager = make_user("contract_manager", contract.buyer)
    welsh = _welsh_app(
        database_url,
        tmp_path,
        {
            DUE_AFTER_END: (
                "Rhaid i'r dyddiad dyledus fod ar ddyddiad gorffen y contract, %(day)s, "
                "neu cyn hynny"
            )
        },
    )
    result = post_form(
        _in_welsh(welsh, manager),
        f"/manage/contracts/{contract.id}/commitments/new",
        {"measure_code": "mh_first_aiders_trained", "target": "20", "due_on": ["1", "1", "2040"]},
    )
    assert result.status_code == 422
    page = _text(result)
    # The date inside the sentence is Welsh too.
    assert "Rhaid i'r dyddiad dyledus fod ar ddyddiad gorffen y contract, 31 Mawrth 2028" in page
    assert "The due date must be" not in page


def test_collection_refusals_are_in_welsh_in_the_form_and_the_banner(app, database_url, tmp_path):
    contract = make_contract()
    contract.starts_on, contract.ends_on = date(2026, 4, 1), date(2029, 3, 31)
    db.session.commit()
    manager = make_user("contract_manager", contract.buyer)
    welsh = _welsh_app(
        database_url,
        tmp_path,
        {
            OPENS_AFTER_END: (
                "Rhaid i'r dyddiad agor fod ar ddyddiad gorffen y contract, %(day)s, neu cyn hynny"
            ),
            ALREADY_CLOSED: "Mae'r casgliad hwn wedi cau yn barod: fe gaeodd ar %(day)s",
        },
    )
    client = _in_welsh(welsh, manager)
    version = released_version("ons4", registry().latest("ons4").version)
    opened = post_form(
        client,
        f"/manage/contracts/{contract.id}/collections/new",
        {
            "questionnaire": str(version.id),
            "audience": "workforce",
            "wave": "baseline",
            "access": "open",
            "label": "ons4 baseline",
            "opens_on": ["1", "1", "2035"],
            "closes_on": ["1", "2", "2035"],
        },
    )
    assert opened.status_code == 422
    assert "Rhaid i'r dyddiad agor fod ar ddyddiad gorffen y contract, 31 Mawrth 2029" in _text(
        opened
    )
    # Closed here, then closed again from a page read before: the banner says when.
    collection = make_collection("ons4", contract=contract)
    page = f"/manage/collections/{collection.id}"
    read = client.get(page).get_data(as_text=True)
    close_early(manager, collection)
    closed_on = collection.closed_on
    again = client.post(f"{page}/close", data={"csrf_token": csrf_token(read)})
    assert again.status_code == 303
    shown = _text(client.get(page))
    with i18n.translating(WELSH_DATES):
        welsh_day = long_day(closed_on)
    assert welsh_day != long_day(closed_on)
    assert f"Mae'r casgliad hwn wedi cau yn barod: fe gaeodd ar {welsh_day}" in shown


def test_a_declaration_refusal_is_in_welsh(app, database_url, tmp_path):
    contract = make_contract()  # no suppliers on it
    collection = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    manager = make_user("contract_manager", contract.buyer)
    no_suppliers = "Add suppliers to the contract before inviting them to attest"
    welsh = _welsh_app(
        database_url,
        tmp_path,
        {no_suppliers: "Ychwanegwch gyflenwyr at y contract cyn eu gwahodd i ardystio"},
    )
    client = _in_welsh(welsh, manager)
    page = f"/manage/collections/{collection.id}"
    assert post_form(client, f"{page}/invite-suppliers", {}, page=page).status_code == 303
    shown = _text(client.get(page))
    assert "Ychwanegwch gyflenwyr at y contract cyn eu gwahodd i ardystio" in shown
    assert no_suppliers not in shown


def test_account_refusals_are_in_welsh_on_the_admin_and_password_pages(app, database_url, tmp_path):
    admin = make_user("admin", None)
    issued = create_user("newcomer@example.org", "Newcomer", "admin", None, actor=None)
    welsh = _welsh_app(
        database_url,
        tmp_path,
        {
            "An account with this email address already exists": (
                "Mae cyfrif gyda'r cyfeiriad e-bost hwn yn bodoli'n barod"
            ),
            (
                "Password must be %(num)d character or more",
                "Password must be %(num)d characters or more",
            ): "Rhaid i'r cyfrinair fod yn %(num)d nod neu fwy",
        },
    )
    client = _in_welsh(welsh, admin)
    duplicate = post_form(
        client,
        "/admin/users/new",
        {"email": admin.email, "name": "Copy", "role": "admin", "organisation_id": "none"},
    )
    assert duplicate.status_code == 422
    assert "Mae cyfrif gyda'r cyfeiriad e-bost hwn yn bodoli'n barod" in _text(duplicate)
    # The set-password page's form checks a password with the service's own words.
    short = post_form(
        _in_welsh(welsh),
        f"/set-password/{issued.token}",
        {"password": "too short", "confirm": "too short"},
    )
    assert short.status_code == 422
    page = _text(short)
    assert "Rhaid i'r cyfrinair fod yn 12 nod neu fwy" in page
    assert "Password must be 12 characters or more" not in page


def test_outside_a_request_messages_are_in_the_default_language(app):
    """CLI commands, the job thread and the RQ worker have an app context but no request,
    as this test does: a refusal is raised there in BABEL_DEFAULT_LOCALE, not an error
    for want of a request to read the browser's languages from."""
    assert gettext("Select a role") == "Select a role"
    admin = make_user("admin", None)
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", admin.email, "--name", "Copy", "--role", "admin"]
    )
    assert result.exit_code == 1
    assert "An account with this email address already exists" in result.output
