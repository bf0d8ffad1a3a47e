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
