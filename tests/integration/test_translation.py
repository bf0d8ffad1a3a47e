"""A translation is added as a catalogue only: interface, questionnaire and chart text follow."""

from __future__ import annotations

import html
import os
import re
import shlex
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest
from babel.dates import get_month_names
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from svcollect.extensions import db
from svcollect.services.commitments import add_commitment
from svcollect.services.outcomes import outcome_map
from svcollect.services.results import compute_results
from svcollect.services.valuation import add_route, record_assumptions
from tests.conftest import ROOT
from tests.fake_translation import WIDE_LETTER, english_left, wide
from tests.integration.helpers import (
    make_collection,
    make_contract,
    make_user,
    ons_pairs,
    signed_in,
    translated_app,
)

MAKEFILE = ROOT / "Makefile"


pytestmark = pytest.mark.usefixtures("catalogues_read_afresh")


def test_welsh_catalogue_translates_interface_and_questionnaire(app, database_url, tmp_path):
    catalog = Catalog(locale="cy")
    catalog.add("Do you agree to take part?", "Ydych chi'n cytuno i gymryd rhan?")
    catalog.add("Personal wellbeing", "Llesiant personol")
    collection = make_collection("ons4")
    welsh = translated_app(database_url, tmp_path, catalog)
    html = (
        welsh.test_client()
        .get(f"/s/{collection.public_id}", headers={"Accept-Language": "cy"})
        .get_data(as_text=True)
    )
    assert 'lang="cy"' in html
    assert "Ydych chi" in html, html[html.find("legend") :][:300]
    assert "Llesiant personol" in html
    english = welsh.test_client().get(f"/s/{collection.public_id}").get_data(as_text=True)
    assert "Do you agree to take part?" in english


@pytest.fixture(scope="module")
def wide_welsh(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Every message `make translations-template` extracts, in the fake language, as Welsh.

    The template is extracted with the Makefile's own command, so a message it would miss
    (a keyword it does not know, a file babel.cfg leaves out) stays English here too.
    """
    folder = tmp_path_factory.mktemp("wide-welsh")
    pot = folder / "messages.pot"
    recipe = re.search(r"^translations-template:.*\n((?:\t.*\n)+)", MAKEFILE.read_text(), re.M)
    assert recipe, "the Makefile has no translations-template target"
    args = shlex.split(recipe.group(1).replace("\\\n", " ").replace("$(BIN)/", ""))
    args[args.index("-o") + 1] = str(pot)
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run(args)
    finally:
        os.chdir(here)
    with open(pot, "rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale="cy")
    for message in template:
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id
            forms = [wide(plural)] * catalog.num_plurals
            forms[1] = wide(singular)  # Welsh's form for 1 (n == 1 ? 1)
            catalog.add(message.id, tuple(forms), flags=message.flags)
        else:
            catalog.add(message.id, wide(message.id), flags=message.flags)
    return catalog


def _figures(page: str) -> list[str]:
    """The markup of each chart on a page (`dashboard/_figure.html`), nested divs and all."""
    blocks = []
    for start in re.finditer(r'<div class="app-chart" id="', page):
        depth = 0
        for tag in re.finditer(r"<(/?)div\b", page[start.start() :]):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                end = page.index(">", start.start() + tag.end()) + 1
                blocks.append(page[start.start() : end])
                break
    return blocks


def _texts(block: str) -> list[str]:
    """A chart's visible and announced text: the SVG's title, desc and text, then the rest."""
    out = []
    for markup in re.findall(r"<svg\b.*?</svg>", block, flags=re.S):
        root = ET.fromstring(markup)
        out += ["".join(e.itertext()) for e in root.iter() if e.tag.split("}")[1] in SVG_TEXT]
    rest = re.sub(r"<svg\b.*?</svg>", " ", block, flags=re.S)
    out += [html.unescape(t).strip() for t in re.split(r"<[^>]+>", rest) if t.strip()]
    return out


SVG_TEXT = {"title", "desc", "text"}
WELSH_MONTHS = [
    name
    for width in ("wide", "abbreviated")
    for context in ("format", "stand-alone")
    for name in get_month_names(width, context, locale="cy").values()
]


def test_a_catalogue_translates_every_chart_on_the_dashboards(
    app, database_url, tmp_path, wide_welsh
):
    """With every extracted message translated, no chart on either dashboard has English
    left (its titles, summaries, SVG text and tables), and English pages stay English."""
    contract = make_contract("CYF-1")
    contract.title = "Parciau"
    manager = make_user("contract_manager", contract.buyer)
    baseline, follow_up = ons_pairs(contract, 40, [0, 1], base=(4, 5, 6, 7))
    baseline.label, follow_up.label = "Gwanwyn", "Hydref"
    db.session.commit()
    record_assumptions(manager, contract, {"duration_years": 0.5}, {}, read_version=0)
    add_route(manager, contract, "wellby", baseline=baseline, follow_up=follow_up)
    due = date.today() + timedelta(days=300)
    known = {"volunteering_hours_local", "life_satisfaction_ons4"}
    add_commitment(manager, contract, "volunteering_hours_local", "hours", Decimal(100), due, known)
    add_commitment(manager, contract, "life_satisfaction_ons4", "points", Decimal(1), due, known)
    data = compute_results(contract).to_dict()
    changes = [c for p in data["outcomes"] for c in p["changes"]]
    measures = outcome_map().measures
    # what people named things, and the measures' and bands' names from the scoring data
    names = [
        contract.reference,
        contract.title,
        "Gwanwyn (baseline)",
        "Hydref (follow-up)",
        *(c["label"] for c in changes),
        *(cell["label"] for c in changes for cell in c["baseline"]["bands"]["cells"]),
        measures["volunteering_hours_local"].title,
        measures["life_satisfaction_ons4"].title,
        "hours",
        "points",
        *WELSH_MONTHS,
    ]
    welsh = translated_app(database_url, tmp_path, wide_welsh)
    client = signed_in(welsh, manager)
    pages = {}
    for url in (f"/manage/contracts/{contract.id}/dashboard", "/manage/portfolio"):
        response = client.get(url, headers={"Accept-Language": "cy"})
        assert response.status_code == 200
        pages[url] = page = response.get_data(as_text=True)
        texts = [t for f in _figures(page) for t in _texts(f)]
        assert len(_figures(page)) >= 5 and len(texts) > 100, url
        for text in texts:
            assert not english_left(text, names), f"{url}: English left in {text!r}"
        assert wide("Change in points; the line is the 95% confidence interval") in page
        english = client.get(url).get_data(as_text=True)
        assert "Change in points; the line is the 95% confidence interval" in english
        assert not any(WIDE_LETTER.search(t) for f in _figures(english) for t in _texts(f))
    # dates are the language's own (Flask-Babel's format_date), e.g. "2 Mawrth 2026"
    months = "|".join(get_month_names("wide", locale="cy").values())
    assert re.search(
        rf"\d+ ({months}) \d{{4}}", pages[f"/manage/contracts/{contract.id}/dashboard"]
    )
