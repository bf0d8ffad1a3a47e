"""Rate limits on invitation redemption and submission (sign-in is covered with accounts)."""

from __future__ import annotations

import pytest

from svcollect import create_app
from svcollect.extensions import limiter
from tests.conftest import IsolatedClient, make_config
from tests.integration.helpers import make_collection


@pytest.fixture
def limited(app, database_url, tmp_path):
    other = create_app(
        make_config(
            database_url,
            tmp_path,
            RATELIMIT_ENABLED=True,
            SVCOLLECT_INVITATION_RATE_LIMIT="3 per minute",
            SVCOLLECT_SUBMIT_RATE_LIMIT="2 per minute",
        )
    )
    other.test_client_class = IsolatedClient
    try:
        yield other
    finally:
        limiter.enabled = False
        limiter.reset()


def test_guessing_invitation_tokens_is_slowed(limited):
    make_collection("ons4", access="invitation")
    client = limited.test_client()
    statuses = [client.get(f"/i/{'x' * 30}{n}").status_code for n in range(5)]
    assert statuses[:3] == [404, 404, 404]
    assert statuses[3:] == [429, 429]
    assert "Too many attempts" in client.get("/i/another").get_data(as_text=True)


def test_repeated_submission_posts_are_limited_per_response(limited):
    collection = make_collection("ons4")
    client = limited.test_client()
    results = [client.post("/r/some-response-key/check").status_code for _ in range(4)]
    assert results[-1] == 429
    # Another response is not affected.
    assert client.post("/r/other-key/check").status_code != 429
    assert client.get(f"/s/{collection.public_id}").status_code == 200
