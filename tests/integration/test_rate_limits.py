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
    answers = [client.get(f"/i/{'x' * 30}{n}") for n in range(5)]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:3] == [404, 404, 404]
    # Counted requests carry no rate-limit headers (they would cost a store round trip).
    assert not [k for k, _ in answers[0].headers.items() if k.lower().startswith("x-ratelimit")]
    assert statuses[3:] == [429, 429]
    refused = client.get("/i/another")
    assert "Too many attempts" in refused.get_data(as_text=True)
    # When to come back: the limit's whole window (a minute), not a guess.
    assert refused.headers["Retry-After"] == "60"


def test_repeated_submission_posts_are_limited_per_response(limited):
    collection = make_collection("ons4")
    client = limited.test_client()
    results = [client.post("/r/some-response-key/check").status_code for _ in range(4)]
    assert results[-1] == 429
    # Another response is not affected.
    assert client.post("/r/other-key/check").status_code != 429
    assert client.get(f"/s/{collection.public_id}").status_code == 200
