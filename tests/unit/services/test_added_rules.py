"""Released versions whose files leave a rule to the service layer get it, and only they."""

from __future__ import annotations

from pathlib import Path

from svcollect.questionnaires import load_directory
from svcollect.scoring import scorer_names
from svcollect.services.questionnaires import ADDED_RULES, with_added_rules

REPO = Path(__file__).resolve().parents[3]


def test_delivery_return_v1_ends_on_or_after_its_start_as_v2_does() -> None:
    shipped = load_directory(REPO / "questionnaires", scorer_names())
    app = with_added_rules(shipped)
    v1, v2 = app.get("delivery-return", 1), app.get("delivery-return", 2)
    end, end_v2 = v1.question("period_end"), v2.question("period_end")
    assert (end.not_before, end.message("too_early")) == (
        end_v2.not_before,
        end_v2.message("too_early"),
    )
    # The file is unchanged, so is its fingerprint: responses still match their release.
    assert v1.content_hash == shipped.get("delivery-return", 1).content_hash
    assert shipped.get("delivery-return", 1).question("period_end").not_before is None


def test_every_added_rule_is_for_a_shipped_file_as_released() -> None:
    shipped = load_directory(REPO / "questionnaires", scorer_names())
    for qid, version, content_hash in ADDED_RULES:
        assert shipped.get(qid, version).content_hash == content_hash, (qid, version)


def test_other_versions_and_other_files_are_left_alone(tmp_path: Path) -> None:
    shipped = load_directory(REPO / "questionnaires", scorer_names())
    app = with_added_rules(shipped)
    for questionnaire in shipped:
        if (questionnaire.id, questionnaire.version) != ("delivery-return", 1):
            assert app.get(questionnaire.id, questionnaire.version) is questionnaire
    # Another folder's delivery-return v1, with other content, gets no rule.
    folder = tmp_path / "delivery-return"
    folder.mkdir()
    text = (REPO / "questionnaires" / "delivery-return" / "v1.yaml").read_text(encoding="utf-8")
    (folder / "v1.yaml").write_text(text.replace("Delivery return", "Our return"), "utf-8")
    other = load_directory(tmp_path, scorer_names())
    assert with_added_rules(other).get("delivery-return", 1) is other.get("delivery-return", 1)
