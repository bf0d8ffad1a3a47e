"""The questionnaire files we ship: they load, and their wording matches DOMAIN.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcollect.questionnaires import Registry, validate_directory

WEMWBS_NOTICE = (
    "Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS) © NHS Health Scotland, The University "
    "of Warwick and University of Edinburgh, 2006, all rights reserved."
)
WEMWBS_STEM = (
    "Below are some statements about feelings and thoughts. Please select the answer that "
    "best describes your experience of each over the last 2 weeks."
)
WEMWBS_ITEMS = [
    "I've been feeling optimistic about the future",
    "I've been feeling useful",
    "I've been feeling relaxed",
    "I've been feeling interested in other people",
    "I've had energy to spare",
    "I've been dealing with problems well",
    "I've been thinking clearly",
    "I've been feeling good about myself",
    "I've been feeling close to other people",
    "I've been feeling confident",
    "I've been able to make up my own mind about things",
    "I've been feeling loved",
    "I've been interested in new things",
    "I've been feeling cheerful",
]
SWEMWBS_FROM_WEMWBS = [1, 2, 3, 6, 7, 9, 11]
FREQUENCY = [
    (1, "None of the time"),
    (2, "Rarely"),
    (3, "Some of the time"),
    (4, "Often"),
    (5, "All of the time"),
]
SHIPPED = [
    "delivery-return",
    "loneliness",
    "mhaw-standards",
    "ons4",
    "supplier-adherence",
    "swemwbs",
    "wemwbs",
]


def test_every_shipped_file_loads_with_no_problems(
    shipped_root: Path, known_scorers: frozenset[str]
) -> None:
    assert validate_directory(shipped_root, known_scorers) == []


def test_shipped_ids_and_versions(shipped: Registry) -> None:
    assert list(shipped.ids()) == SHIPPED
    versions = {qid: shipped.versions(qid) for qid in SHIPPED}
    assert versions == {qid: (1, 2) if qid == "delivery-return" else (1,) for qid in SHIPPED}


@pytest.mark.parametrize(
    ("qid", "scorer", "audience"),
    [
        ("wemwbs", "wemwbs", ("workforce", "community")),
        ("swemwbs", "swemwbs", ("workforce", "community")),
        ("ons4", "ons4", ("workforce", "community")),
        ("loneliness", "loneliness", ("workforce", "community")),
        ("mhaw-standards", "mhaw_standards", ("supplier",)),
        ("supplier-adherence", "supplier_adherence", ("supplier",)),
        ("delivery-return", "delivery_return", ("supplier",)),
    ],
)
def test_scorer_and_audience(
    shipped: Registry, qid: str, scorer: str, audience: tuple[str]
) -> None:
    questionnaire = shipped.latest(qid)
    assert questionnaire.scorer == scorer
    assert questionnaire.audience == audience


def test_wemwbs_items_scale_layout_and_licence(shipped: Registry) -> None:
    wemwbs = shipped.get("wemwbs", 1)
    assert len(wemwbs.pages) == 1, "WEMWBS layout must not change: all items on one page"
    page = wemwbs.pages[0]
    assert page.intro == WEMWBS_STEM
    questions = wemwbs.questions()
    assert [q.id for q in questions] == [f"wemwbs_{n:02d}" for n in range(1, 15)]
    assert [q.text for q in questions] == WEMWBS_ITEMS
    for question in questions:
        assert question.type == "scale"
        assert question.required
        assert [(o.value, o.label) for o in question.options] == FREQUENCY
    assert wemwbs.licence is not None
    assert wemwbs.licence.notice == WEMWBS_NOTICE
    assert wemwbs.licence.registration_required
    assert wemwbs.registration_required


def test_swemwbs_has_the_seven_short_form_items(shipped: Registry) -> None:
    swemwbs = shipped.get("swemwbs", 1)
    assert len(swemwbs.pages) == 1
    assert swemwbs.pages[0].intro == WEMWBS_STEM
    questions = swemwbs.questions()
    assert [q.id for q in questions] == [f"swemwbs_{n:02d}" for n in range(1, 8)]
    assert [q.text for q in questions] == [WEMWBS_ITEMS[n - 1] for n in SWEMWBS_FROM_WEMWBS]
    assert all([(o.value, o.label) for o in q.options] == FREQUENCY for q in questions)
    assert swemwbs.licence == shipped.get("wemwbs", 1).licence


def test_ons4_wording_and_scales(shipped: Registry) -> None:
    ons4 = shipped.get("ons4", 1)
    texts = {q.id: q.text for q in ons4.questions()}
    assert texts == {
        "life_satisfaction": "Overall, how satisfied are you with your life nowadays?",
        "worthwhile": (
            "Overall, to what extent do you feel that the things you do in your life "
            "are worthwhile?"
        ),
        "happiness": "Overall, how happy did you feel yesterday?",
        "anxiety": (
            "On a scale where nought is 'not at all anxious' and 10 is 'completely anxious', "
            "overall, how anxious did you feel yesterday?"
        ),
    }
    assert [len(page.questions) for page in ons4.pages] == [1, 1, 1, 1]
    for question in ons4.questions():
        assert question.type == "scale"
        assert question.option_values == tuple(range(11))
    life = ons4.scales[ons4.question("life_satisfaction").scale or ""]
    anxious = ons4.scales[ons4.question("anxiety").scale or ""]
    assert (life.min_label, life.max_label) == ("Not at all", "Completely")
    assert (anxious.min_label, anxious.max_label) == ("Not at all anxious", "Completely anxious")
    assert ons4.licence is not None and not ons4.registration_required
    assert "Open Government Licence v3.0" in ons4.licence.notice


def test_loneliness_items(shipped: Registry) -> None:
    loneliness = shipped.get("loneliness", 1)
    direct = loneliness.question("lonely_direct")
    assert direct.type == "single_choice"
    assert direct.option_values == (
        "often_always",
        "some_of_the_time",
        "occasionally",
        "hardly_ever",
        "never",
    )
    assert [q.id for q in loneliness.questions()[1:]] == [
        "ucla_companionship",
        "ucla_left_out",
        "ucla_isolated",
    ]
    for question in loneliness.questions()[1:]:
        assert [(o.value, o.label) for o in question.options] == [
            (1, "Hardly ever or never"),
            (2, "Some of the time"),
            (3, "Often"),
        ]
    assert loneliness.page_index("ucla") == 1


def test_loneliness_file_says_ucla_is_unconfirmed(shipped_root: Path) -> None:
    text = (shipped_root / "loneliness" / "v1.yaml").read_text(encoding="utf-8")
    assert "UNCONFIRMED" in text
    assert "copyright" in text


def test_mhaw_standards_structure(shipped: Registry) -> None:
    mhaw = shipped.get("mhaw-standards", 1)
    count = mhaw.question("employee_count")
    assert (count.type, count.integer, count.min) == ("number", True, 0)
    core = [p for p in mhaw.pages if p.meta.get("set") == "core"]
    enhanced = [p for p in mhaw.pages if p.meta.get("set") == "enhanced"]
    assert [p.meta["standard"] for p in core] == [f"mhaw_{n}" for n in range(1, 7)]
    assert [p.meta["standard"] for p in enhanced] == [f"tw_enh_{n}" for n in range(1, 5)]
    for page in core + enhanced:
        code = page.meta["standard"]
        assert [q.id for q in page.questions] == [
            f"{code}_status",
            f"{code}_note",
            f"{code}_evidence",
        ]
        status, note, evidence = page.questions
        assert status.option_values == ("in_place", "partly", "not_yet")
        assert [o.label for o in status.options] == [
            "In place",
            "Partly in place",
            "Not yet in place",
        ]
        assert (note.type, note.required) == ("long_text", False)
        assert (evidence.type, evidence.required) == ("file", False)
    for page in enhanced:
        assert page.show_if is not None
        assert (page.show_if.question, page.show_if.operator, page.show_if.value) == (
            "employee_count",
            "at_least",
            500,
        )


@pytest.mark.parametrize(
    ("employees", "pages"),
    [(None, 7), (0, 7), (499, 7), (500, 11), (12000, 11)],
)
def test_mhaw_enhanced_pages_show_from_500_employees(
    shipped: Registry, employees: int | None, pages: int
) -> None:
    mhaw = shipped.get("mhaw-standards", 1)
    answers = {} if employees is None else {"employee_count": employees}
    visible = mhaw.visible_pages(answers)
    assert len(visible) == pages
    enhanced_ids = {q.id for q in mhaw.visible_questions(answers) if q.id.startswith("tw_enh_")}
    assert len(enhanced_ids) == (12 if pages == 11 else 0)


def test_supplier_adherence_ids_match_the_contract(shipped: Registry) -> None:
    supplier = shipped.get("supplier-adherence", 1)
    profile = supplier.page("profile")
    assert [(q.id, q.type) for q in profile.questions] == [
        ("employee_count", "number"),
        ("is_sme", "yes_no"),
        ("is_vcse", "yes_no"),
        ("location", "short_text"),
    ]
    codes = [
        "living_wage",
        "modern_slavery",
        "prompt_payment",
        "cyber_essentials",
        "diversity_training",
        "mental_health_pledge",
        "local_spend",
    ]
    assert [p.meta.get("standard") for p in supplier.pages[1:]] == codes
    for code in codes:
        status = supplier.question(f"{code}_status")
        assert status.option_values == ("in_place", "partly", "not_yet", "not_applicable")
        assert supplier.question(f"{code}_note").type == "long_text"
        assert supplier.question(f"{code}_evidence").type == "file"
    percent = supplier.question("local_spend_percent")
    assert (percent.type, percent.min, percent.max, percent.integer, percent.required) == (
        "number",
        0,
        100,
        False,
        False,
    )
    assert percent.page_id == "local_spend"
    assert "Time to Change" not in str(supplier.question("mental_health_pledge_status"))


def test_every_shipped_question_has_messages_for_people(shipped: Registry) -> None:
    for questionnaire in shipped:
        for question in questionnaire.questions():
            message = question.message("required")
            assert message[0].isupper(), message
            assert not message.endswith("."), message
