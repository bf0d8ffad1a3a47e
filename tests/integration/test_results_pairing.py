"""Which baseline a later wave is paired with: by the UK day each collection opened."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from svcollect.models import Collection, Contract
from svcollect.models._types import UK
from svcollect.services.collections import (
    CollectionRequest,
    collections_of,
    open_collection,
    uk_midnight,
)
from svcollect.services.questionnaires import registry, released_version
from svcollect.services.results import compute_results, survey_pairings
from tests.integration.helpers import ONS_OTHER, make_contract, seed_responses


def _opened(
    contract: Contract,
    wave: str,
    opens_at: datetime,
    questionnaire_id: str = "ons4",
    audience: str | None = None,
) -> Collection:
    """A collection opened at exactly ``opens_at`` (the web form uses UK midnight; the
    CLI, imports and scripts may use any time of day)."""
    questionnaire = registry().latest(questionnaire_id)
    version = released_version(questionnaire.id, questionnaire.version)
    assert version is not None
    return open_collection(
        CollectionRequest(
            contract=contract,
            version=version,
            audience=audience or questionnaire.audience[0],
            wave=wave,
            label=f"{wave} {opens_at.isoformat()}",
            opens_at=opens_at,
            closes_at=opens_at + timedelta(days=30),
        ),
        licensee=contract.buyer,
        allow_past=True,
    )


def _pairs(collections: list[Collection]) -> list[tuple[int, int | None]]:
    return [
        (p.baseline.id, p.follow_up.id if p.follow_up else None)
        for p in survey_pairings(collections)
    ]


def test_a_follow_up_opened_earlier_on_the_baseline_s_uk_day_is_paired(app):
    contract = make_contract()
    # The follow-up is opened first (lower id) and at an earlier time on the same UK day.
    follow_up = _opened(contract, "follow_up", datetime(2025, 1, 15, 9, 0, tzinfo=UK))
    baseline = _opened(contract, "baseline", datetime(2025, 1, 15, 14, 30, tzinfo=UK))
    codes = [f"SAME{i:03d}" for i in range(12)]
    seed_responses(baseline, [(c, {"life_satisfaction": 5, **ONS_OTHER}) for c in codes])
    seed_responses(
        follow_up,
        [(c, {"life_satisfaction": 5 + i % 2, **ONS_OTHER}) for i, c in enumerate(codes)],
    )

    results = compute_results(contract)

    [pairing] = results.pairings
    assert (pairing.baseline.id, pairing.follow_up and pairing.follow_up.id) == (
        baseline.id,
        follow_up.id,
    )
    change = next(c for c in pairing.changes if c.measure == "life_satisfaction")
    assert (change.method, change.n_paired) == ("paired", 12)
    assert results.to_dict()["outcomes"][0]["follow_up_collection"] == follow_up.id


def test_the_uk_day_decides_not_the_utc_date(app):
    # 1 July 2025 is in British Summer Time (UTC+1), so UK and UTC dates differ at night.
    contract = make_contract()
    baseline = _opened(contract, "baseline", datetime(2025, 7, 1, 8, 0, tzinfo=UK))
    # 00:15 on 1 July in the UK is 23:15 on 30 June UTC: the same UK day as the baseline.
    same_day = _opened(contract, "follow_up", datetime(2025, 7, 1, 0, 15, tzinfo=UK))
    assert same_day.opens_at.date() != baseline.opens_at.date()  # UTC dates differ
    assert _pairs(collections_of(contract)) == [(baseline.id, same_day.id)]

    other = make_contract()
    # 00:30 on 1 July in the UK and 23:45 on 30 June in the UK share a UTC date (30 June)
    # but not a UK day: the follow-up opened the day before the baseline.
    late_baseline = _opened(other, "baseline", datetime(2025, 7, 1, 0, 30, tzinfo=UK))
    day_before = _opened(other, "follow_up", datetime(2025, 6, 30, 23, 45, tzinfo=UK))
    assert day_before.opens_at.date() == late_baseline.opens_at.date()  # same UTC date
    assert _pairs(collections_of(other)) == [(late_baseline.id, None)]


def test_no_follow_up_is_paired_with_a_baseline_that_opened_on_a_later_day(app):
    contract = make_contract()
    first = _opened(contract, "baseline", uk_midnight(datetime(2025, 3, 1).date()))
    # opened at the last moment of 10 March, so its timestamp is close to the next baseline
    follow_up = _opened(contract, "follow_up", datetime(2025, 3, 10, 23, 59, 59, tzinfo=UK))
    second = _opened(contract, "baseline", uk_midnight(datetime(2025, 3, 11).date()))
    annual = _opened(contract, "annual", datetime(2026, 3, 11, 10, 0, tzinfo=UK))

    assert _pairs(collections_of(contract)) == [
        (first.id, follow_up.id),
        (first.id, annual.id),
        (second.id, annual.id),
    ]
    results = compute_results(contract).to_dict()
    assert [(o["baseline_collection"], o["follow_up_collection"]) for o in results["outcomes"]] == [
        (first.id, follow_up.id),
        (first.id, annual.id),
        (second.id, annual.id),
    ]


def test_a_workforce_baseline_is_not_paired_with_a_community_follow_up(app):
    contract = make_contract()
    day = datetime(2025, 3, 1).date()
    staff = _opened(contract, "baseline", uk_midnight(day), audience="workforce")
    public = _opened(contract, "baseline", uk_midnight(day), audience="community")
    staff_later = _opened(
        contract, "follow_up", uk_midnight(day + timedelta(days=90)), audience="workforce"
    )
    public_later = _opened(
        contract, "follow_up", uk_midnight(day + timedelta(days=90)), audience="community"
    )
    assert sorted(_pairs(collections_of(contract))) == sorted(
        [(staff.id, staff_later.id), (public.id, public_later.id)]
    )
    # a community baseline with no community follow-up waits for one
    contract = make_contract()
    public = _opened(contract, "baseline", uk_midnight(day), audience="community")
    staff_later = _opened(
        contract, "follow_up", uk_midnight(day + timedelta(days=90)), audience="workforce"
    )
    assert _pairs(collections_of(contract)) == [(public.id, None)]


def test_pairings_come_in_the_same_order_whatever_order_collections_are_given(app):
    contract = make_contract()
    day = uk_midnight(datetime(2025, 5, 6).date())  # as the web form opens collections
    base_a = _opened(contract, "baseline", day)
    follow_a = _opened(contract, "follow_up", day)
    base_b = _opened(contract, "baseline", day)
    annual = _opened(contract, "annual", day)
    wemwbs_base = _opened(contract, "baseline", day, "swemwbs")
    wemwbs_follow = _opened(contract, "follow_up", day - timedelta(hours=3), "swemwbs")
    expected = [
        (base_a.id, follow_a.id),
        (base_a.id, annual.id),
        (base_b.id, follow_a.id),
        (base_b.id, annual.id),
        (wemwbs_base.id, None),  # its follow-up opened on the day before
    ]
    collections = collections_of(contract)
    for order in itertools.permutations(collections):
        assert _pairs(list(order)) == expected
    assert wemwbs_follow.id not in {f for _, f in expected}


def test_a_baseline_paired_with_two_follow_ups_keeps_the_two_who_left_hidden(app):
    # 20 answer the baseline and the six-month survey, 18 of them the year's: the year's
    # pairing leaves 2 unpaired, so the baseline's own mean is withheld in both pairings
    # (the first pairing's paired baseline mean is the same 20 people, so it goes too)
    contract = make_contract()
    start = datetime(2025, 1, 6, tzinfo=UK)
    baseline = _opened(contract, "baseline", start)
    six = _opened(contract, "follow_up", start + timedelta(days=180))
    year = _opened(contract, "follow_up", start + timedelta(days=360))
    codes = [f"TWO{i:03d}" for i in range(20)]
    for collection, people, step in ((baseline, codes, 1), (six, codes, 2), (year, codes[:18], 3)):
        seed_responses(
            collection,
            [
                (c, {"life_satisfaction": 3 + i * step % 6, **ONS_OTHER})
                for i, c in enumerate(people)
            ],
        )

    outcomes = compute_results(contract).to_dict()["outcomes"]

    changes = [
        next(c for c in pairing["changes"] if c["measure"] == "life_satisfaction")
        for pairing in outcomes
    ]
    assert [pairing["follow_up_collection"] for pairing in outcomes] == [six.id, year.id]
    assert [c["baseline"]["mean"]["value"] for c in changes] == [None, None]
    assert changes[0]["paired"]["baseline_mean"]["value"] is None
    assert all(c["paired"]["mean_change"]["value"] is not None for c in changes)
