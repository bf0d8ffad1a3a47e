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
from svcollect.models import Collection, QuestionnaireVersion
from svcollect.questionnaires import QuestionnaireError, load_directory
from svcollect.scoring import scorer_names
from svcollect.services.questionnaires import (
    ReleasedVersionEdited,
    ReleasedVersionMissing,
    is_loaded,
    released_version,
    sync_releases,
    with_added_rules,
)
from tests.conftest import ROOT, IsolatedClient, make_config
from tests.integration.helpers import make_collection, make_contract, make_user, signed_in

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


# --- a released file that collections use is never removed or renamed --------------------


@pytest.fixture
def all_questionnaires(tmp_path: Path) -> Path:
    folder = tmp_path / "all-questionnaires"
    shutil.copytree(ROOT / "questionnaires", folder)
    return folder


def _uses_ons4(label: str) -> Collection:
    collection = make_collection("ons4", contract=make_contract("REF-ONS-1"))
    collection.label = label
    db.session.commit()
    return collection


def test_a_missing_file_that_collections_use_stops_start_up_and_sync(
    app, database_url, all_questionnaires, tmp_path
):
    collection = _uses_ons4("Staff wellbeing, spring")
    file = all_questionnaires / "ons4" / "v1.yaml"
    text = file.read_text()
    file.unlink()
    with pytest.raises(ReleasedVersionMissing) as refused:
        _app(database_url, all_questionnaires, tmp_path)
    message = str(refused.value)
    assert message.startswith(f"{file}: ons4 version 1 was released on ")
    assert (
        f"and 1 collection uses it, but there is no file for it: collection {collection.id} "
        "'Staff wellbeing, spring' (contract REF-ONS-1). Restore ons4/v1.yaml exactly as it "
        "was released" in message
    )
    # Renaming the version is refused the same way: v1 is still missing.
    (all_questionnaires / "ons4" / "v2.yaml").write_text(text.replace("version: 1", "version: 2"))
    with pytest.raises(ReleasedVersionMissing, match=r"ons4 version 1 .* no file for it"):
        _app(database_url, all_questionnaires, tmp_path)
    # Sync refuses, and records nothing, even when given a registry that lacks the file.
    registry = with_added_rules(load_directory(all_questionnaires, scorer_names()))
    with pytest.raises(ReleasedVersionMissing, match=r"Restore ons4/v1\.yaml"):
        sync_releases(registry)
    assert released_version("ons4", 2) is None
    # The command says so and stops, without a traceback.
    result = _cli(["questionnaires", "sync"], database_url, all_questionnaires, tmp_path)
    assert result.exit_code == 2, result.output
    assert "svcollect cannot start:" in result.output
    assert f"collection {collection.id} 'Staff wellbeing, spring' (contract REF-ONS-1)" in (
        result.output
    )
    assert "Traceback" not in result.output
    # Restored, it starts again.
    (all_questionnaires / "ons4" / "v2.yaml").unlink()
    file.write_text(text)
    assert _app(database_url, all_questionnaires, tmp_path) is not None


def _cli(args: list[str], database_url: str, folder: Path, tmp_path: Path):
    env = {
        "SVCOLLECT_DATABASE_URL": database_url,
        "SVCOLLECT_QUESTIONNAIRE_DIR": str(folder),
        "SVCOLLECT_SECRET_KEY": "test-secret-key-that-is-long-enough-for-production-use",
        "SVCOLLECT_UPLOAD_DIR": str(tmp_path / "uploads"),
        "SVCOLLECT_EXPORT_DIR": str(tmp_path / "exports"),
    }
    return contextvars.Context().run(CliRunner().invoke, main, args, env=env)


def test_many_collections_are_counted_not_all_listed(
    app, database_url, all_questionnaires, tmp_path
):
    contract = make_contract("REF-MANY")
    for _ in range(12):
        make_collection("ons4", contract=contract)
    (all_questionnaires / "ons4" / "v1.yaml").unlink()
    with pytest.raises(ReleasedVersionMissing) as refused:
        _app(database_url, all_questionnaires, tmp_path)
    message = str(refused.value)
    assert "12 collections use it" in message
    assert message.count("(contract REF-MANY)") == 10
    assert "; and 2 more. Restore" in message


def test_a_missing_file_no_collection_uses_is_not_offered(
    app, database_url, all_questionnaires, tmp_path, caplog
):
    (all_questionnaires / "ons4" / "v1.yaml").unlink()
    with caplog.at_level("WARNING", logger="svcollect.services.questionnaires"):
        other = _app(database_url, all_questionnaires, tmp_path)
    assert "ons4 version 1 was released but its file is missing" in caplog.text
    with other.app_context():
        assert not is_loaded(released_version("ons4", 1))
        assert is_loaded(released_version("wemwbs", 1))


def test_a_page_needing_a_missing_file_says_so_plainly(
    app, database_url, all_questionnaires, tmp_path
):
    """Start-up could not refuse (here the file went before any collection used it, as
    when the database is down at start-up): the page is a plain one, not a stack trace."""
    (all_questionnaires / "ons4" / "v1.yaml").unlink()
    other = _app(database_url, all_questionnaires, tmp_path)
    other.test_client_class = IsolatedClient
    collection = _uses_ons4("Staff wellbeing")
    version_id = collection.questionnaire_version_id
    survey = other.test_client().get(f"/s/{collection.public_id}")
    assert survey.status_code == 503
    page = survey.get_data(as_text=True)
    assert "Sorry, this questionnaire is not available" in page
    assert "Traceback" not in page and "KeyError" not in page
    manager = make_user("contract_manager", collection.contract.buyer)
    client = signed_in(other, manager)
    listed = client.get("/manage/questionnaires/").get_data(as_text=True)
    assert f"/manage/questionnaires/{version_id}" not in listed
    assert "/manage/questionnaires/" in listed
    preview = client.get(f"/manage/questionnaires/{version_id}")
    assert preview.status_code == 503
    assert "Sorry, this questionnaire is not available" in preview.get_data(as_text=True)
