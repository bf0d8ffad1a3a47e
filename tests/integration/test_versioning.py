"""Released questionnaire versions are never edited; broken files stop the app with a message."""

from __future__ import annotations

import contextvars
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from svcollect import create_app
from svcollect.cli import main
from svcollect.extensions import db
from svcollect.models import QuestionnaireVersion
from svcollect.questionnaires import QuestionnaireError
from svcollect.services.questionnaires import ReleasedVersionEdited
from tests.conftest import ROOT, make_config

INVALID = ROOT / "tests" / "fixtures" / "questionnaires" / "invalid"


@pytest.fixture
def own_questionnaires(tmp_path: Path) -> Path:
    folder = tmp_path / "questionnaires"
    shutil.copytree(ROOT / "questionnaires" / "ons4", folder / "ons4")
    return folder


def _app(database_url: str, folder: Path, tmp_path: Path):
    return create_app(make_config(database_url, tmp_path, SVCOLLECT_QUESTIONNAIRE_DIR=folder))


def test_sync_records_each_version_with_its_hash(app):
    rows = db.session.scalars(select(QuestionnaireVersion)).all()
    registry = app.extensions["svcollect.questionnaires"]
    assert {(r.questionnaire_id, r.version) for r in rows} == {(q.id, q.version) for q in registry}
    for row in rows:
        assert row.content_hash == registry.get(row.questionnaire_id, row.version).content_hash


def test_edited_release_is_refused_at_start_up_and_at_sync(
    app, database_url, own_questionnaires, tmp_path
):
    file = own_questionnaires / "ons4" / "v1.yaml"
    text = file.read_text()
    file.write_text(
        text.replace('title: "Personal wellbeing"', 'title: "Personal wellbeing (edited)"')
    )
    assert "(edited)" in file.read_text()
    with pytest.raises(ReleasedVersionEdited, match=r"ons4/v1.yaml.*create|v2\.yaml"):
        _app(database_url, own_questionnaires, tmp_path)
    # The same file as a new version is accepted and released by sync.
    file.write_text(text)
    shutil.copy(file, own_questionnaires / "ons4" / "v2.yaml")
    v2 = own_questionnaires / "ons4" / "v2.yaml"
    v2.write_text(
        text.replace("version: 1", "version: 2").replace(
            'title: "Personal wellbeing"', 'title: "Personal wellbeing (edited)"'
        )
    )
    second = _app(database_url, own_questionnaires, tmp_path)
    # Run the command outside the test's own app context, as a shell would.
    runner = second.test_cli_runner()
    result = contextvars.Context().run(runner.invoke, args=["questionnaires", "sync"])
    assert result.exit_code == 0, result.output
    assert "released ons4/v2" in result.output
    # Editing v2 after its release is now refused by sync as well.
    v2.write_text(v2.read_text().replace("(edited)", "(edited twice)"))
    third_registry_app = None
    with pytest.raises(ReleasedVersionEdited, match=r"v3\.yaml"):
        third_registry_app = _app(database_url, own_questionnaires, tmp_path)
    assert third_registry_app is None


def test_sync_command_refuses_edited_release(app, database_url, own_questionnaires, tmp_path):
    from svcollect.services.questionnaires import load_registry_into

    fresh = _app(database_url, own_questionnaires, tmp_path)
    file = own_questionnaires / "ons4" / "v1.yaml"
    file.write_text(file.read_text().replace('title: "Personal wellbeing"', 'title: "Changed"'))
    fresh.config["SVCOLLECT_QUESTIONNAIRE_DIR"] = own_questionnaires
    with pytest.raises(ReleasedVersionEdited):
        load_registry_into(fresh)


def test_broken_file_stops_the_app_naming_file_and_line(database_url, tmp_path):
    folder = INVALID / "undefined-scale"
    with pytest.raises(QuestionnaireError) as error:
        _app(database_url, folder, tmp_path)
    expected = (folder / "expected.txt").read_text().strip()
    assert str(error.value).strip().endswith(expected.splitlines()[-1].split(":", 2)[2].strip())


def test_validate_command_prints_file_line_problem():
    folder = INVALID / "undefined-scale"
    result = CliRunner().invoke(main, ["questionnaires", "validate", "--dir", str(folder)])
    assert result.exit_code == 1
    expected = (folder / "expected.txt").read_text().strip().splitlines()
    for line in expected:
        assert line in result.output
    ok = CliRunner().invoke(
        main, ["questionnaires", "validate", "--dir", str(ROOT / "questionnaires")]
    )
    assert ok.exit_code == 0, ok.output
