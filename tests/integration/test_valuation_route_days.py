"""Valuation routes and UK days: a follow-up that opened before its baseline's UK day is
refused, and the double-counting periods are UK days, not UTC dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from svcollect.models import Collection, Contract
from svcollect.models._types import UK
from svcollect.services.collections import CollectionRequest, open_collection, uk_day_bounds
from svcollect.services.questionnaires import registry, released_version
from svcollect.services.results import survey_pairings
from svcollect.services.valuation import ValuationRefused, add_route, routes_of
from tests.integration.helpers import make_contract, make_user


def _collection(
    contract: Contract, wave: str, opens_at: datetime, closes_at: datetime | None = None
) -> Collection:
    questionnaire = registry().latest("ons4")
    version = released_version(questionnaire.id, questionnaire.version)
    assert version is not None
    return open_collection(
        CollectionRequest(
            contract=contract,
            version=version,
            audience="workforce",
            wave=wave,
            label=f"{wave} {opens_at.isoformat()}",
            opens_at=opens_at,
            closes_at=closes_at or opens_at + timedelta(days=30),
        ),
        licensee=contract.buyer,
        allow_past=True,
    )


def _days(contract: Contract, wave: str, first: date, last: date) -> Collection:
    """A collection as the web form opens it: from UK midnight to the end of its last day."""
    return _collection(contract, wave, *uk_day_bounds(first, last))


@pytest.fixture
def setup(app):
    contract = make_contract()
    return contract, make_user("contract_manager", contract.buyer)


def test_a_follow_up_opened_on_an_earlier_uk_day_is_refused(app, setup):
    contract, manager = setup
    baseline = _collection(contract, "baseline", datetime(2025, 3, 3, 9, 0, tzinfo=UK))
    follow_up = _collection(contract, "follow_up", datetime(2025, 3, 1, 9, 0, tzinfo=UK))
    with pytest.raises(ValuationRefused) as refused:
        add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    assert refused.value.field == "follow_up"
    message = str(refused.value)
    assert "1 March 2025" in message and "3 March 2025" in message
    assert "same day as the baseline or later" in message
    assert routes_of(contract) == []
    assert [p.follow_up for p in survey_pairings([baseline, follow_up])] == [None]


def test_the_uk_day_decides_as_it_does_for_pairing(app, setup):
    contract, manager = setup
    # 1 July 2025 is in British Summer Time. 00:15 UK on 1 July is 23:15 UTC on 30 June:
    # the baseline's UK day, so it is the baseline's follow-up although its UTC date is earlier.
    baseline = _collection(contract, "baseline", datetime(2025, 7, 1, 8, 0, tzinfo=UK))
    same_day = _collection(contract, "follow_up", datetime(2025, 7, 1, 0, 15, tzinfo=UK))
    assert same_day.opens_at.date() < baseline.opens_at.date()
    assert add_route(manager, contract, "wellby", baseline=baseline, follow_up=same_day).id
    assert [p.follow_up for p in survey_pairings([baseline, same_day])] == [same_day]

    other = make_contract()
    manager = make_user("contract_manager", other.buyer)
    # 23:45 UK on 30 June and 00:30 UK on 1 July share a UTC date but not a UK day
    late_baseline = _collection(other, "baseline", datetime(2025, 7, 1, 0, 30, tzinfo=UK))
    day_before = _collection(other, "follow_up", datetime(2025, 6, 30, 23, 45, tzinfo=UK))
    assert day_before.opens_at.date() == late_baseline.opens_at.date()
    with pytest.raises(ValuationRefused) as refused:
        add_route(manager, other, "wellby", baseline=late_baseline, follow_up=day_before)
    assert refused.value.field == "follow_up" and "30 June 2025" in str(refused.value)
    assert [p.follow_up for p in survey_pairings([late_baseline, day_before])] == [None]


def test_a_follow_up_opened_earlier_the_same_uk_day_is_accepted(app, setup):
    contract, manager = setup
    baseline = _collection(contract, "baseline", datetime(2025, 1, 15, 14, 30, tzinfo=UK))
    follow_up = _collection(contract, "follow_up", datetime(2025, 1, 15, 9, 0, tzinfo=UK))
    assert add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up).id


@pytest.mark.parametrize(
    ("first", "last", "next_day"),
    [
        # British Summer Time: the next route's baseline opens at UK midnight on 1 July,
        # which is 23:00 UTC on 30 June, the last day of the first route's follow-up.
        (date(2025, 6, 1), date(2025, 6, 30), date(2025, 7, 1)),
        # Greenwich Mean Time: the first follow-up closes at UK midnight at the end of
        # 15 January, which is 00:00 UTC on 16 January, the day the next baseline opens.
        (date(2025, 1, 1), date(2025, 1, 15), date(2025, 1, 16)),
    ],
)
def test_routes_on_consecutive_uk_days_are_not_double_counting(app, setup, first, last, next_day):
    contract, manager = setup
    baseline = _days(contract, "baseline", first - timedelta(days=30), first)
    follow_up = _days(contract, "follow_up", first, last)
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    # the next year's pair starts the UK day after the first follow-up's last day
    later_baseline = _days(contract, "baseline", next_day, next_day + timedelta(days=10))
    later_follow_up = _days(
        contract, "follow_up", next_day + timedelta(days=20), next_day + timedelta(days=40)
    )
    added = add_route(
        manager, contract, "wellby", baseline=later_baseline, follow_up=later_follow_up
    )
    assert [r.id for r in routes_of(contract)][-1] == added.id

    # a pair whose baseline opens on the first follow-up's last UK day does overlap
    overlapping = _days(contract, "baseline", last, last + timedelta(days=5))
    overlapping_follow_up = _days(
        contract, "follow_up", last + timedelta(days=6), last + timedelta(days=9)
    )
    with pytest.raises(ValuationRefused, match="valued by one route only"):
        add_route(
            manager, contract, "wellby", baseline=overlapping, follow_up=overlapping_follow_up
        )


@pytest.mark.parametrize(
    ("waves", "field", "words"),
    [
        (("follow_up", "follow_up"), "baseline", "opened as a baseline for the baseline"),
        (("baseline", "baseline"), "follow_up", "opened as a follow-up or annual wave"),
        (("annual", "follow_up"), "baseline", "opened as a baseline for the baseline"),
    ],
)
def test_a_route_needs_a_baseline_then_a_later_wave(app, setup, waves, field, words):
    contract, manager = setup
    first = _collection(contract, waves[0], datetime(2025, 3, 3, 9, 0, tzinfo=UK))
    second = _collection(contract, waves[1], datetime(2025, 9, 3, 9, 0, tzinfo=UK))
    with pytest.raises(ValuationRefused) as refused:
        add_route(manager, contract, "wellby", baseline=first, follow_up=second)
    assert refused.value.field == field and words in str(refused.value)
    assert routes_of(contract) == []


def test_the_route_form_offers_baselines_as_baselines_and_later_waves_as_follow_ups(app, setup):
    import re

    from tests.integration.helpers import signed_in

    contract, manager = setup
    first = _collection(contract, "baseline", datetime(2025, 3, 3, 9, 0, tzinfo=UK))
    later = _collection(contract, "follow_up", datetime(2025, 9, 3, 9, 0, tzinfo=UK))
    html = signed_in(app, manager).get(f"/manage/contracts/{contract.id}/valuation-routes")
    page = html.get_data(as_text=True)

    def offered(name: str) -> set[str]:
        select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
        assert select, name
        return set(re.findall(r'<option value="(\d+)"', select.group(0)))

    assert offered("baseline") == {str(first.id)}
    assert offered("follow_up") == {str(later.id)}
