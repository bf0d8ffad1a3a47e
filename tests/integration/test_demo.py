"""The demo data the README's first command creates: links that work, accounts that sign in."""

from __future__ import annotations

from sqlalchemy import func, select

from svcollect.extensions import db
from svcollect.models import Collection, Declaration
from svcollect.services.demo import seed_demo
from tests.integration.helpers import csrf_token


def test_demo_is_idempotent_and_usable(app):
    first = seed_demo()
    collections = db.session.scalar(select(func.count()).select_from(Collection))
    second = seed_demo()
    assert db.session.scalar(select(func.count()).select_from(Collection)) == collections
    assert [link.path for link in first.links] == [link.path for link in second.links]
    registry = app.extensions["svcollect.questionnaires"]
    assert collections == len(registry.ids())  # one collection per shipped questionnaire
    assert db.session.scalar(select(func.count()).select_from(Declaration)) > 0
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
