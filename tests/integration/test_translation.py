"""A translation is added as a catalogue only: interface and questionnaire text both follow."""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from svcollect import create_app
from tests.conftest import IsolatedClient, make_config
from tests.integration.helpers import make_collection


def test_welsh_catalogue_translates_interface_and_questionnaire(app, database_url, tmp_path):
    catalog = Catalog(locale="cy")
    catalog.add("Do you agree to take part?", "Ydych chi'n cytuno i gymryd rhan?")
    catalog.add("Personal wellbeing", "Llesiant personol")
    folder = tmp_path / "translations" / "cy" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    collection = make_collection("ons4")
    welsh = create_app(
        make_config(
            database_url, tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations")
        )
    )
    welsh.test_client_class = IsolatedClient
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
