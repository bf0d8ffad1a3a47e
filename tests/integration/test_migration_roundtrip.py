"""The import-jobs migration downgrades cleanly (keeping export jobs and their constraints)
and upgrades again to a schema that matches the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from svcollect import create_app
from svcollect.extensions import db
from svcollect.models import ExportJob
from svcollect.models._types import utcnow
from tests.conftest import POSTGRES_URL, make_config
from tests.integration.helpers import make_contract

BEFORE = "95ded680774a"
BEFORE_RESPONDENTS = "4f7c2a9e1b6d"


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own (the shared one stays at the latest migration)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
        return
    schema = f"svc_roundtrip_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _columns(table: str) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns(table)}


def test_import_jobs_migration_goes_down_and_up_again(empty_database, tmp_path):
    from flask_migrate import downgrade, upgrade

    app = create_app(make_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        contract = make_contract()
        job = ExportJob(contract_id=contract.id, status="running", heartbeat_at=utcnow())
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.remove()

        downgrade(revision=BEFORE)
        assert "import_job" not in inspect(db.engine).get_table_names()
        assert {"heartbeat_at", "deleted_at"}.isdisjoint(_columns("export_job"))
        with db.engine.connect() as connection:
            kept = connection.execute(
                text("SELECT status FROM export_job WHERE id = :id"), {"id": job_id}
            )
            assert kept.scalar() == "running"
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text("UPDATE export_job SET status = 'lost' WHERE id = :id"), {"id": job_id}
            )

        upgrade()
        assert {"heartbeat_at", "deleted_at"} <= _columns("export_job")
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, db.metadata) == []
        db.session.remove()
        db.engine.dispose()


def _answering(collection) -> dict[str, object]:
    version = collection.questionnaire_version
    return {
        "c": collection.id,
        "v": version.id,
        "q": version.questionnaire_id,
        "n": version.version,
        "h": version.content_hash,
    }


def _insert_response(connection, answering: dict[str, object], code: str | None) -> None:
    connection.execute(
        text(
            "INSERT INTO response (collection_id, questionnaire_version_id, questionnaire_id, "
            "questionnaire_version, questionnaire_hash, idempotency_key, resume_key_hash, "
            "reference, respondent_code, consent_given, status, started_at, updated_at) "
            "VALUES (:c, :v, :q, :n, :h, :k, :r, :ref, :code, TRUE, 'in_progress', "
            "'2026-11-01 10:00:00', '2026-11-01 10:00:00')"
        ),
        answering
        | {
            "k": secrets.token_hex(32),
            "r": secrets.token_hex(32),
            "ref": secrets.token_hex(6),
            "code": code,
        },
    )


def _codes_by_response() -> list[tuple[int, object]]:
    with db.engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(
                text("SELECT id, respondent_code FROM response ORDER BY id")
            )
        ]


def test_respondent_migration_moves_codes_to_respondent_rows_and_back(empty_database, tmp_path):
    from flask_migrate import downgrade, upgrade

    from svcollect.services.questionnaires import registry, sync_releases
    from tests.integration.helpers import make_collection

    app = create_app(make_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        sync_releases(registry())
        first = make_collection("ons4")
        baseline = _answering(first)
        follow_up = _answering(make_collection("ons4", contract=first.contract, wave="follow_up"))
        db.session.remove()
        downgrade(revision=BEFORE_RESPONDENTS)
        one, two = "a" * 64, "b" * 64
        with db.engine.begin() as connection:
            for collection, code in [
                (baseline, one),
                (baseline, None),
                (baseline, two),
                (follow_up, one),
                (follow_up, None),
            ]:
                _insert_response(connection, collection, code)
        before = _codes_by_response()

        upgrade()
        assert "respondent_code" not in _columns("response")
        with db.engine.connect() as connection:
            respondents = dict(
                connection.execute(text("SELECT code_hash, id FROM respondent")).all()
            )
            pointers = connection.execute(text("SELECT respondent_id FROM response ORDER BY id"))
            assert [p for (p,) in pointers] == [
                respondents[code] if code else None for _, code in before
            ]
        assert sorted(respondents) == [one, two]
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(text("INSERT INTO respondent (code_hash) VALUES (:h)"), {"h": one})

        downgrade(revision=BEFORE_RESPONDENTS)
        assert "respondent" not in inspect(db.engine).get_table_names()
        assert _codes_by_response() == before
        upgrade()
        db.session.remove()
        db.engine.dispose()


def test_reference_migration_keys_each_buyers_references_and_keeps_every_contract(
    empty_database, tmp_path
):
    from flask_migrate import downgrade, upgrade

    app = create_app(make_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        first = make_contract("seed")  # a buyer, and an export job pointing at its contract
        db.session.add(ExportJob(contract_id=first.id, status="done"))
        db.session.commit()
        buyer, other = first.buyer_id, make_contract("other-seed").buyer_id
        db.session.remove()
        downgrade(revision="c4d1a7e09f3b")
        with db.engine.begin() as connection:
            for reference, buyer_id in [("CON-1", buyer), ("con-1", buyer), ("con-2", other)]:
                connection.execute(
                    text(
                        "INSERT INTO contract (reference, title, buyer_id, starts_on, ends_on, "
                        "respondent_salt, created_at) VALUES (:r, 'T', :b, '2026-01-01', "
                        "'2027-01-01', :s, '2026-01-01 00:00:00')"
                    ),
                    {"r": reference, "b": buyer_id, "s": secrets.token_hex(32)},
                )
        upgrade()
        with db.engine.connect() as connection:
            keys = dict(
                connection.execute(text("SELECT reference, reference_key FROM contract")).all()
            )
            kept = connection.execute(text("SELECT count(*) FROM export_job")).scalar()
        later_id = int(keys["con-1"].rsplit("#", 1)[1])
        assert keys == {
            "seed": "seed",
            "other-seed": "other-seed",
            "CON-1": "con-1",
            "con-1": f"con-1 #{later_id}",
            "con-2": "con-2",
        }
        assert kept == 1
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO contract (reference, reference_key, title, buyer_id, starts_on, "
                    "ends_on, respondent_salt, created_at) VALUES ('Con-1', 'con-1', 'T', :b, "
                    "'2026-01-01', '2027-01-01', 'x', '2026-01-01 00:00:00')"
                ),
                {"b": buyer},
            )
        db.session.remove()
        db.engine.dispose()


def test_organisation_name_migration_keys_each_kinds_names_and_keeps_every_organisation(
    empty_database, tmp_path
):
    from flask_migrate import downgrade, upgrade

    app = create_app(make_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        seeded = make_contract("seed").id  # its buyer, and a contract pointing at it
        db.session.remove()
        downgrade(revision="e8b3f2a61c57")
        assert "name_key" not in _columns("organisation")
        ids = {}
        with db.engine.begin() as connection:
            for name, kind in [
                ("Demo Borough Council", "buyer"),
                (" demo  borough council", "buyer"),  # the same buyer, typed again
                ("DEMO BOROUGH COUNCIL", "buyer"),  # and again
                ("Demo Borough Council", "supplier"),  # another kind may share the name
                ("Cafe\u0301 Ltd", "supplier"),
                ("Café Ltd", "supplier"),  # the same name in another Unicode form
            ]:
                ids[(name, kind)] = connection.execute(
                    text(
                        "INSERT INTO organisation (name, kind, is_sme, is_vcse, created_at) "
                        "VALUES (:n, :k, :f, :f, '2026-01-01 00:00:00') RETURNING id"
                    ),
                    {"n": name, "k": kind, "f": False},
                ).scalar_one()
            duplicate = ids[(" demo  borough council", "buyer")]
            connection.execute(
                text("UPDATE contract SET prime_supplier_id = NULL, buyer_id = :b WHERE id = :c"),
                {"b": duplicate, "c": seeded},
            )
        upgrade()
        with db.engine.connect() as connection:
            keys = {
                (name, kind): key
                for name, kind, key in connection.execute(
                    text("SELECT name, kind, name_key FROM organisation")
                ).all()
            }
            buyer_of_seed = connection.execute(
                text("SELECT buyer_id FROM contract WHERE id = :c"), {"c": seeded}
            ).scalar_one()
        assert len(keys) == 7  # every organisation kept (the seed's own buyer too)
        assert keys[("Demo Borough Council", "buyer")] == "demo borough council"
        assert keys[(" demo  borough council", "buyer")] == f"demo borough council #{duplicate}"
        third = ids[("DEMO BOROUGH COUNCIL", "buyer")]
        assert keys[("DEMO BOROUGH COUNCIL", "buyer")] == f"demo borough council #{third}"
        assert keys[("Demo Borough Council", "supplier")] == "demo borough council"
        assert keys[("Cafe\u0301 Ltd", "supplier")] == "café ltd"
        later = ids[("Café Ltd", "supplier")]
        assert keys[("Café Ltd", "supplier")] == f"café ltd #{later}"
        assert buyer_of_seed == duplicate  # what pointed at a duplicate still does
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisation (name, name_key, kind, is_sme, is_vcse, created_at) "
                    "VALUES ('Demo borough council', 'demo borough council', 'buyer', :f, :f, "
                    "'2026-01-01 00:00:00')"
                ),
                {"f": False},
            )
        downgrade(revision="e8b3f2a61c57")
        assert "name_key" not in _columns("organisation")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM organisation")).scalar() == 7
        upgrade()
        db.session.remove()
        db.engine.dispose()


def test_edit_versions_migration_starts_every_row_at_1_and_goes_down_again(
    empty_database, tmp_path
):
    from flask_migrate import downgrade, upgrade

    from svcollect.models import Commitment

    app = create_app(make_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        contract = make_contract("seed")
        contract_id = contract.id
        db.session.remove()
        downgrade(revision="b7e4d2c9a1f0")
        assert "version" not in _columns("contract") | _columns("commitment")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO commitment (contract_id, measure_code, unit, target, due_on, "
                    "created_at) VALUES (:c, 'mh_first_aiders_trained', 'people', 20, "
                    "'2027-03-31', '2026-01-01 00:00:00')"
                ),
                {"c": contract_id},
            )
        upgrade()
        with db.engine.connect() as connection:
            for table in ("contract", "commitment"):
                versions = connection.execute(text(f"SELECT version FROM {table}")).scalars()
                assert list(versions) == [1], table
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, db.metadata) == []
        commitment = db.session.scalar(select(Commitment))
        commitment.version, commitment.target = 2, 25  # a save, as the services count it
        db.session.commit()
        downgrade(revision="b7e4d2c9a1f0")
        assert "version" not in _columns("contract") | _columns("commitment")
        with db.engine.connect() as connection:
            kept = connection.execute(text("SELECT target FROM commitment")).scalar_one()
            assert int(kept) == 25
        upgrade()
        db.session.remove()
        db.engine.dispose()


def test_review_and_settings_versions_migration_starts_at_1_and_goes_down_again(
    empty_database, tmp_path
):
    from flask_migrate import downgrade, upgrade

    app = create_app(make_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        make_contract("seed")  # its buyer organisation
        db.session.remove()
        downgrade(revision="9c3e5a7d1f20")
        assert "version" not in _columns("organisation") | _columns("declaration")
        upgrade()
        with db.engine.connect() as connection:
            versions = connection.execute(text("SELECT version FROM organisation")).scalars()
            assert list(versions) == [1]
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="9c3e5a7d1f20")
        assert "version" not in _columns("organisation") | _columns("declaration")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM organisation")).scalar() == 1
        upgrade()
        db.session.remove()
        db.engine.dispose()


def test_commitment_ids_migration_keeps_every_commitment_and_goes_down_again(
    empty_database, tmp_path
):
    from flask_migrate import downgrade, upgrade

    app = create_app(make_config(empty_database, tmp_path))
    insert = text(
        "INSERT INTO commitment (contract_id, measure_code, unit, target, due_on, created_at) "
        "VALUES (:c, 'mh_first_aiders_trained', 'people', :t, '2027-03-31', "
        "'2026-01-01 00:00:00')"
    )

    def add(connection: Any, target: int) -> int:
        connection.execute(insert, {"c": contract_id, "t": target})
        return connection.execute(text("SELECT max(id) FROM commitment")).scalar_one()

    with app.app_context():
        upgrade(revision="1f3b6d59daf6")
        contract_id = make_contract("seed").id
        db.session.remove()
        with db.engine.begin() as connection:
            first, last = add(connection, 20), add(connection, 30)
        upgrade()
        with db.engine.begin() as connection:
            kept = connection.execute(text("SELECT id, target FROM commitment ORDER BY id"))
            assert [(i, int(t)) for i, t in kept] == [(first, 20), (last, 30)]
            connection.execute(text("DELETE FROM commitment WHERE id = :i"), {"i": last})
            assert add(connection, 40) > last  # the removed one's id is not handed out again
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, db.metadata) == []
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            add(connection, -1)  # the table's constraints came across
        downgrade(revision="1f3b6d59daf6")
        with db.engine.connect() as connection:
            targets = connection.execute(text("SELECT target FROM commitment ORDER BY id"))
            assert [int(t) for t in targets.scalars()] == [20, 40]
        upgrade()
        db.session.remove()
        db.engine.dispose()


#: the tables d11a191904df gives AUTOINCREMENT on SQLite
NEVER_REUSED = ("response", "evidence_file", "valuation_route")
#: ...and the tables whose references to a response must hold while it is copied
POINTING = ("answer", "declaration")


def _shape(table: str) -> dict[str, Any]:
    """What a copy of the table must keep: columns, keys, references, indexes, checks."""
    seen = inspect(db.engine)
    return {
        "columns": [
            (c["name"], str(c["type"]), c["nullable"], c["default"])
            for c in seen.get_columns(table)
        ],
        "primary key": seen.get_pk_constraint(table)["constrained_columns"],
        "foreign keys": sorted(
            (
                fk["name"],
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
                tuple(sorted(fk["options"].items())),
            )
            for fk in seen.get_foreign_keys(table)
        ),
        "indexes": sorted(
            (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
            for ix in seen.get_indexes(table)
        ),
        "unique": sorted(
            (u["name"], tuple(u["column_names"])) for u in seen.get_unique_constraints(table)
        ),
        "checks": sorted(
            (c["name"], " ".join(c["sqltext"].split())) for c in seen.get_check_constraints(table)
        ),
    }


def _autoincrement(table: str) -> bool:
    with db.engine.connect() as connection:
        made = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}
        ).scalar_one()
    return "AUTOINCREMENT" in made.upper()


def _ids(table: str) -> list[int]:
    with db.engine.connect() as connection:
        return list(connection.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars())


def test_ids_never_reused_migration_keeps_every_row_and_reference_and_goes_down_again(
    empty_database, tmp_path, backend
):
    from flask_migrate import downgrade, upgrade

    from svcollect.models import Declaration, EvidenceFile, Response, ValuationRoute
    from svcollect.services.questionnaires import registry, sync_releases
    from tests.integration.helpers import make_collection, make_organisation, seed_responses

    app = create_app(make_config(empty_database, tmp_path))
    copies = {
        "response": text(
            "INSERT INTO response (collection_id, questionnaire_version_id, questionnaire_id, "
            "questionnaire_version, questionnaire_hash, idempotency_key, resume_key_hash, "
            "reference, consent_given, status, started_at, updated_at) SELECT collection_id, "
            "questionnaire_version_id, questionnaire_id, questionnaire_version, "
            "questionnaire_hash, :k, :r, :ref, consent_given, :status, started_at, updated_at "
            "FROM response WHERE id = :of"
        ),
        "evidence_file": text(
            "INSERT INTO evidence_file (response_id, question_id, sha256, stored_name, "
            "original_name, file_type, size_bytes, uploaded_at) SELECT response_id, "
            "question_id, sha256, stored_name, original_name, file_type, :size, uploaded_at "
            "FROM evidence_file WHERE id = :of"
        ),
        "valuation_route": text(
            "INSERT INTO valuation_route (contract_id, route, baseline_collection_id, "
            "follow_up_collection_id, created_at) SELECT contract_id, :route, "
            "baseline_collection_id, follow_up_collection_id, created_at FROM valuation_route "
            "WHERE id = :of"
        ),
    }
    fine = {
        "response": {"status": "in_progress"},
        "evidence_file": {"size": 10},
        "valuation_route": {"route": "band"},
    }
    refused = {
        "response": {"status": "lost"},
        "evidence_file": {"size": 0},
        "valuation_route": {"route": "guess"},
    }

    def again(connection: Any, table: str, of: int, values: dict[str, Any]) -> int:
        """A new row like row `of`, with `values`: its id."""
        if table == "response":  # each response's keys and reference are its own
            keys = {"k": secrets.token_hex(32), "r": secrets.token_hex(32)}
            values = {**keys, "ref": secrets.token_hex(6), **values}
        connection.execute(copies[table], {"of": of, **values})
        return connection.execute(text(f"SELECT max(id) FROM {table}")).scalar_one()

    with app.app_context():
        upgrade(revision="3f6b8d2e4a17")
        sync_releases(registry())
        baseline = make_collection("ons4")
        follow_up = make_collection("ons4", contract=baseline.contract, wave="follow_up")
        seed_responses(baseline, [("P1", {"life_satisfaction": 7}), ("P2", {"happiness": 6})])
        first, last = db.session.scalars(select(Response.id).order_by(Response.id)).all()
        supplier = make_organisation("Roundtrip Supplier Ltd", "supplier")
        for response_id, name in ((first, "plan.pdf"), (last, "minutes.pdf")):
            db.session.add(
                EvidenceFile(
                    response_id=response_id,
                    question_id="evidence",
                    sha256=secrets.token_hex(32),
                    stored_name=secrets.token_hex(16),
                    original_name=name,
                    file_type="pdf",
                    size_bytes=100,
                )
            )
        # a declaration pointing at the first response: its reference must hold
        db.session.add(
            Declaration(collection_id=baseline.id, supplier_id=supplier.id, response_id=first)
        )
        for route in ("wellby", "counted"):
            db.session.add(
                ValuationRoute(
                    contract_id=baseline.contract_id,
                    route=route,
                    baseline_collection_id=baseline.id,
                    follow_up_collection_id=follow_up.id,
                )
            )
        db.session.commit()
        db.session.remove()
        before = {table: _shape(table) for table in (*NEVER_REUSED, *POINTING)}
        rows = {table: _ids(table) for table in (*NEVER_REUSED, *POINTING)}

        upgrade()
        assert {table: _ids(table) for table in rows} == rows  # every row, under its own id
        assert {table: _shape(table) for table in (*NEVER_REUSED, *POINTING)} == before
        if backend == "sqlite":
            assert all(_autoincrement(table) for table in NEVER_REUSED)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, db.metadata) == []
        with db.engine.begin() as connection:
            for table in NEVER_REUSED:
                highest = max(rows[table])
                connection.execute(text(f"DELETE FROM {table} WHERE id = :i"), {"i": highest})
                # (the response's answer and evidence file went with it: ON DELETE CASCADE)
                assert again(connection, table, min(rows[table]), fine[table]) > highest, table
            answered = connection.execute(text("SELECT response_id FROM answer")).scalars()
            assert list(answered) == [first]
            files = connection.execute(text("SELECT response_id FROM evidence_file"))
            assert sorted(files.scalars()) == [first, first]
        for table in NEVER_REUSED:  # the tables' checks came across
            with pytest.raises(IntegrityError), db.engine.begin() as connection:
                again(connection, table, min(rows[table]), refused[table])
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            # the declaration's reference came across (and is still enforced)
            connection.execute(text("DELETE FROM response WHERE id = :i"), {"i": first})

        kept = {table: _ids(table) for table in (*NEVER_REUSED, *POINTING)}
        downgrade(revision="3f6b8d2e4a17")
        assert {table: _ids(table) for table in kept} == kept
        assert {table: _shape(table) for table in (*NEVER_REUSED, *POINTING)} == before
        if backend == "sqlite":
            assert not any(_autoincrement(table) for table in NEVER_REUSED)
        upgrade()
        db.session.remove()
        db.engine.dispose()
