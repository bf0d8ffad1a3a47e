"""The demo's synthetic workforce and its paper returns: made up from a fixed seed.

No answer here comes from a real person. Each synthetic person has a respondent code (as
written on a paper form), a latent wellbeing level and a response to the contract's
wellbeing programme; their answers to each questionnaire at each wave are drawn from
those, so they vary from person to person (svcollect withholds any mean where everyone
answered alike) and improve a little between the waves. The same seed gives the same
people and the same answers on every run.

The returns are written as the paper-returns import template (``row_id``,
``respondent_code`` and one column per question), so the demo stores them through the
import that real paper returns take (``services.import_jobs``).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from svcollect.imports import template_columns
from svcollect.questionnaires import Questionnaire
from svcollect.services.respondent_codes import ALPHABET

#: the seed every synthetic answer comes from; change it and the demo's figures change
SEED = "svcollect demo 2026"
#: questionnaires the demo has answered in both waves
ANSWERED = ("ons4", "swemwbs", "loneliness")
#: people answering both waves, the first wave only (left the contract, or did not answer
#: again) and the second only (joined since): 10 or more in each group, so that no wave's
#: figures are withheld for the few people outside the pairs
BOTH, FIRST_ONLY, SECOND_ONLY = 44, 12, 10
WAVES = ("baseline", "follow_up")
_MEMORABLE_LETTERS = "ABCDEFGHJKLMNPRSTWY"


@dataclass(frozen=True)
class Person:
    """One synthetic member of the contract's workforce."""

    number: int
    #: the code as they write it on each wave's paper form (the same code, written as
    #: people do: some in lower case or with spaces the second time)
    codes: tuple[str, str]
    #: latent wellbeing, standard normal: higher answers better on every questionnaire
    wellbeing: float
    #: how much the contract's programme helped them (1 = the typical effect, 0 = none)
    benefit: float
    waves: frozenset[str]


def seeded(name: str) -> random.Random:
    """A generator for synthetic demo data only: the same ``name`` gives the same numbers
    on every run (a str seed is hashed with SHA-512, whatever PYTHONHASHSEED is). Never for
    anything secret: links, passwords and salts come from ``secrets``."""
    return random.Random(f"{SEED}:{name}")  # noqa: S311  # nosec B311


def _issued_code(rng: random.Random) -> str:
    chars = "".join(rng.choice(ALPHABET) for _ in range(9))
    return f"{chars[0:3]}-{chars[3:6]}-{chars[6:9]}"


def _memorable_code(rng: random.Random) -> str:
    """A self-generated code as written on paper: M: then the parts (see the codebook)."""
    first = "".join(rng.choice(_MEMORABLE_LETTERS) for _ in range(2))
    town = "".join(rng.choice(_MEMORABLE_LETTERS) for _ in range(2))
    return f"M:{first}{rng.randint(1, 28):02d}{town}"


def workforce() -> list[Person]:
    """The synthetic people, in a fixed order, each with a different code."""
    rng = seeded("people")
    total = BOTH + FIRST_ONLY + SECOND_ONLY
    groups = (
        [frozenset(WAVES)] * BOTH
        + [frozenset({"baseline"})] * FIRST_ONLY
        + [frozenset({"follow_up"})] * SECOND_ONLY
    )
    rng.shuffle(groups)
    people, seen = [], set()
    for number in range(1, total + 1):
        while True:
            code = _memorable_code(rng) if number % 7 == 0 else _issued_code(rng)
            if code not in seen:
                seen.add(code)
                break
        second = code.lower().replace("-", " ") if number % 5 == 0 else code
        people.append(
            Person(
                number=number,
                codes=(code, second),
                wellbeing=rng.gauss(0.0, 1.0),
                benefit=max(0.0, rng.gauss(1.0, 0.6)),
                waves=groups[number - 1],
            )
        )
    return people


def _between(value: float, low: int, high: int) -> int:
    return min(high, max(low, round(value)))


#: one person's answers: (person, the programme's effect so far: 0 at the baseline, 1 at
#: the follow-up, the generator) -> answers by question id, as written in the template
Answerer = Callable[[Person, float, random.Random], dict[str, str]]

# Mean at baseline, loading on wellbeing, change for a typical beneficiary: a modest
# improvement (anxiety falls), around the UK means in DOMAIN.md section 2.2.
_ONS4 = {
    "life_satisfaction": (6.9, 1.4, 0.55),
    "worthwhile": (7.3, 1.2, 0.3),
    "happiness": (7.0, 1.5, 0.35),
    "anxiety": (3.6, -1.4, -0.45),
}
_LONELY = ("never", "hardly_ever", "occasionally", "some_of_the_time", "often_always")
_UCLA = ("ucla_companionship", "ucla_left_out", "ucla_isolated")


def _ons4(person: Person, effect: float, rng: random.Random) -> dict[str, str]:
    return {
        qid: str(
            _between(
                mean
                + loading * person.wellbeing
                + effect * change * person.benefit
                + rng.gauss(0.0, 0.7),
                0,
                10,
            )
        )
        for qid, (mean, loading, change) in _ONS4.items()
    }


def _swemwbs(person: Person, effect: float, rng: random.Random) -> dict[str, str]:
    # Items 1 (none of the time) to 5 (all of the time); a raw sum near 24 at baseline.
    level = 3.4 + 0.7 * person.wellbeing + effect * 0.2 * person.benefit
    return {
        f"swemwbs_{i:02d}": str(_between(level + rng.gauss(0.0, 0.55), 1, 5)) for i in range(1, 8)
    }


def _loneliness(person: Person, effect: float, rng: random.Random) -> dict[str, str]:
    # Lower is better: loneliness falls a little for those the programme helped.
    direct = 2.5 - 0.8 * person.wellbeing - effect * 0.45 * person.benefit
    ucla = 1.6 - 0.45 * person.wellbeing - effect * 0.15 * person.benefit
    answers = {"lonely_direct": _LONELY[_between(direct + rng.gauss(0.0, 0.7), 1, 5) - 1]}
    for qid in _UCLA:
        answers[qid] = str(_between(ucla + rng.gauss(0.0, 0.4), 1, 3))
    return answers


ANSWERERS: dict[str, Answerer] = {"ons4": _ons4, "swemwbs": _swemwbs, "loneliness": _loneliness}


def paper_returns(
    questionnaire: Questionnaire, wave: str, people: list[Person], days: tuple[date, date]
) -> bytes:
    """One wave's returns as a CSV in the import template's columns, UTF-8 with a BOM as
    the template is; the same bytes on every run for the same ``days``. Each form is dated
    (``completed_on``) on a day from ``days`` (first, last), so the dashboard shows the
    wave when it ran, not when the demo imported it."""
    answerer = ANSWERERS[questionnaire.id]
    rng = seeded(f"{questionnaire.id}:{wave}")
    # Dates from a generator of their own: the answers stay those of earlier demos.
    dated = seeded(f"{questionnaire.id}:{wave}:completed_on")
    first, last = days
    span = max(0, (last - first).days)
    second = wave != "baseline"
    columns = template_columns(questionnaire)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for person in people:
        if wave not in person.waves:
            continue
        answers = answerer(person, 1.0 if second else 0.0, rng)
        row = {
            "row_id": f"form-{person.number:03d}",
            "respondent_code": person.codes[1 if second else 0],
            "completed_on": (first + timedelta(days=dated.randint(0, span))).isoformat(),
            **answers,
        }
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"{questionnaire.id} has no columns {sorted(unknown)}")
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode("utf-8-sig")


def file_name(questionnaire_id: str, wave: str) -> str:
    """The import's file name, which the collection page and the audit log show."""
    return f"demo-synthetic-paper-returns-{questionnaire_id}-{wave.replace('_', '-')}.csv"
