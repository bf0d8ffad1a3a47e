"""A staff form whose page timed out (stale or missing CSRF token) comes back with what was
typed and a fresh token; nothing is written, and selecting the button again works.

Views marked `checks_own_token` (svcollect/web/form_pages.py) leave the token to their form.
The first test walks every one of them, so a view marked by mistake (one that acts on a
POST without validating its form) fails here the day it is marked.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import Contract, Organisation, StandardEvent
from svcollect.services import accounts
from svcollect.web.form_pages import OWN_TOKEN_VIEWS
from tests.integration.helpers import (
    contract_form,
    csrf_token,
    make_organisation,
    make_user,
    signed_in,
)
from tests.integration.test_attestation import _attest, _declaration, _invite, world  # noqa: F401
from tests.integration.test_authorisation import _url, victim  # noqa: F401  (a fixture)

TIMED_OUT = "Your page timed out"


def _rows() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def _marked_rules(app):
    marked = set(OWN_TOKEN_VIEWS)
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if f"{view.__module__}.{view.__name__}" in marked and "POST" in rule.methods:
            yield rule


def _client_for(app, endpoint: str, people: dict):
    blueprint = endpoint.split(".")[0]
    if endpoint in ("auth.sign_in", "auth.set_password"):
        return app.test_client()
    if blueprint == "admin":
        return signed_in(app, make_user("admin", None))
    if blueprint == "supplier":
        return signed_in(app, people["supplier_user"])
    return signed_in(app, people["manager"])


def test_every_view_that_checks_its_own_token_refuses_a_missing_one(app, victim):  # noqa: F811
    link = accounts.issue_set_password_link(make_user("admin", None), actor=None)
    ids = {**victim, "token": link.token}
    before = _rows()
    walked = []
    for rule in _marked_rules(app):
        client = _client_for(app, rule.endpoint, victim)
        rows = _rows()
        result = client.post(_url(rule, ids), data={})
        html = result.get_data(as_text=True)
        assert result.status_code == 400, (rule.endpoint, result.status_code)
        assert TIMED_OUT in html, rule.endpoint
        assert csrf_token(html), rule.endpoint  # a fresh one, to select the button again
        # Signing the client in wrote its own rows (session, audit); the POST wrote none.
        assert _rows() == rows, rule.endpoint
        walked.append(rule.endpoint)
    assert len(walked) == len(set(OWN_TOKEN_VIEWS)) >= 20, walked
    assert set(_rows()) == set(before)


def _field_value(html: str, name: str, by: str = "name", of: str | None = None) -> str:
    """The value an input is shown with, found by its name (or, for a date part, its id)."""
    match = re.search(rf'<input[^>]*{by}="{of or name}"[^>]*value="([^"]*)"', html)
    assert match, f"no {of or name} field with a value"
    return unescape(match.group(1))


@pytest.mark.parametrize("token", [None, "stale-token-from-an-hour-ago"])
def test_a_new_contract_typed_before_the_page_timed_out_is_kept(app, token):
    buyer = make_organisation("Token Council", "buyer")
    client = signed_in(app, make_user("contract_manager", buyer))
    typed = contract_form(
        buyer, "TC-2027-014", title="Grounds & <parks> maintenance", value_gbp="1250000"
    )
    data = typed if token is None else {**typed, "csrf_token": token}
    result = client.post("/manage/contracts/new", data=data)
    html = result.get_data(as_text=True)
    assert result.status_code == 400
    assert TIMED_OUT in html and "There is a problem" in html
    for name in ("reference", "title", "value_gbp"):
        assert _field_value(html, name) == typed[name], name
    assert _field_value(html, "starts_on", by="id", of="starts_on-year") == "2027"
    assert _field_value(html, "ends_on", by="id", of="ends_on-day") == "31"
    assert db.session.scalars(select(Contract)).all() == []

    again = client.post("/manage/contracts/new", data={**typed, "csrf_token": csrf_token(html)})
    assert again.status_code == 303
    [contract] = db.session.scalars(select(Contract)).all()
    assert contract.title == "Grounds & <parks> maintenance"


def test_an_organisation_typed_before_the_page_timed_out_is_kept(app):
    client = signed_in(app, make_user("admin", None))
    before = len(db.session.scalars(select(Organisation)).all())
    typed = {"name": "Harbour Care Ltd", "kind": "supplier", "employee_count": "85"}
    result = client.post("/admin/organisations/new", data=typed)
    html = result.get_data(as_text=True)
    assert result.status_code == 400 and TIMED_OUT in html
    assert _field_value(html, "name") == "Harbour Care Ltd"
    assert _field_value(html, "employee_count") == "85"
    assert len(db.session.scalars(select(Organisation)).all()) == before


def test_a_review_comment_typed_before_the_page_timed_out_is_kept(app, world):  # noqa: F811
    manager = _invite(app, world)
    statuses = {f"mhaw_{i}": "in_place" for i in range(1, 7)}
    _attest(app, world["small_user"], world["small"], 40, statuses)
    declaration = _declaration(world["small"])
    comment = "Please send the policy signed by the board, not the draft."
    url = f"/manage/declarations/{declaration.id}/standards/mhaw_1"
    result = manager.post(url, data={"mhaw_1-decision": "queried", "mhaw_1-comment": comment})
    html = result.get_data(as_text=True)
    assert result.status_code == 400 and TIMED_OUT in html
    assert comment in unescape(html)
    db.session.expire_all()
    assert db.session.scalars(select(StandardEvent)).all() == []


def test_a_supplier_answer_typed_before_the_page_timed_out_is_kept(app, world):  # noqa: F811
    _invite(app, world)
    client = signed_in(app, world["large_user"])
    declaration = _declaration(world["large"])
    url = f"/supplier/declarations/{declaration.id}/page/organisation"
    result = client.post(url, data={"employee_count": "957"})
    html = result.get_data(as_text=True)
    assert result.status_code == 400 and TIMED_OUT in html
    assert _field_value(html, "employee_count") == "957"
    again = client.post(url, data={"employee_count": "957", "csrf_token": csrf_token(html)})
    assert again.status_code == 303


def test_sign_in_after_a_timed_out_page_keeps_the_email(app):
    user = make_user("contract_manager", make_organisation("Sign Council", "buyer"))
    client = app.test_client()
    result = client.post("/sign-in", data={"email": user.email, "password": "wrong"})
    html = result.get_data(as_text=True)
    assert result.status_code == 400 and TIMED_OUT in html
    assert _field_value(html, "email") == user.email
    assert 'name="password" value' not in html  # a password is never sent back


def test_a_file_form_that_timed_out_asks_for_the_file_again(app):
    client = signed_in(app, make_user("contract_manager", make_organisation("File Co", "buyer")))
    result = client.post("/manage/value-tables/import", data={"name": "Our table"})
    html = result.get_data(as_text=True)
    assert result.status_code == 400
    assert "choose any files again" in html
    assert _field_value(html, "name") == "Our table"


def test_a_button_without_typed_input_keeps_the_app_wide_check(app, victim):  # noqa: F811
    client = signed_in(app, victim["manager"])
    result = client.post(f"/manage/collections/{victim['collection_id']}/close", data={})
    assert result.status_code == 400
    assert "There is a problem with your request" in result.get_data(as_text=True)
