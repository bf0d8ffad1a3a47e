"""Benchmark: 100,000 stored WEMWBS responses read from the database and scored.

Target (issue: scoring and valuation): read + score in 2 s or less on the 2-core machine.

    .venv/bin/python tests/bench/bench_db_scoring.py                 # SQLite (WAL), temp file
    .venv/bin/python tests/bench/bench_db_scoring.py --postgres      # PostgreSQL at 127.0.0.1

The database is built by the migrations, filled with bulk inserts (not timed), then the
collection is scored exactly as the app scores it (services.scores: chunks of whole responses,
each read and scored, the parts combined), and, for comparison, read as one frame and scored.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from tests.bench.scratch import scratch_database  # noqa: E402


def build_app(url: str, folder: Path):  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from svcollect import create_app
    from tests.conftest import make_config

    app = create_app(make_config(url, folder))
    with app.app_context():
        upgrade()
    return app


def fill(app, n: int) -> int:  # type: ignore[no-untyped-def]
    from svcollect.extensions import db
    from svcollect.models import Answer, Response
    from svcollect.services.questionnaires import registry, sync_releases
    from svcollect.services.respondents import respondent_ids
    from tests.integration.helpers import make_collection

    with app.app_context():
        sync_releases(registry())
        collection = make_collection("wemwbs")
        version = collection.questionnaire_version
        rng = np.random.default_rng(7)
        values = rng.integers(1, 6, size=(n, 14))
        batch = 5000
        started = time.perf_counter()
        for offset in range(0, n, batch):
            respondent_of = respondent_ids(secrets.token_hex(32) for _ in range(batch))
            people = iter(respondent_of.values())
            rows = [
                {
                    "collection_id": collection.id,
                    "questionnaire_version_id": version.id,
                    "questionnaire_id": "wemwbs",
                    "questionnaire_version": 1,
                    "questionnaire_hash": version.content_hash,
                    "idempotency_key": secrets.token_hex(32),
                    "resume_key_hash": secrets.token_hex(32),
                    "reference": f"SV-{offset + i:08d}",
                    "respondent_id": next(people),
                    "consent_given": True,
                    "status": "submitted",
                    "started_at": collection.opens_at,
                    "updated_at": collection.opens_at,
                    "submitted_at": collection.opens_at,
                }
                for i in range(min(batch, n - offset))
            ]
            ids = (
                db.session.execute(
                    Response.__table__.insert().returning(Response.__table__.c.id), rows
                )
                .scalars()
                .all()
            )
            answers = [
                {
                    "response_id": rid,
                    "question_id": f"wemwbs_{j + 1:02d}",
                    "value_text": str(int(values[offset + k, j])),
                    "value_number": float(values[offset + k, j]),
                    "answered_at": collection.opens_at,
                }
                for k, rid in enumerate(ids)
                for j in range(14)
            ]
            db.session.execute(Answer.__table__.insert(), answers)
            db.session.commit()
        print(
            f"filled {n:,} responses ({n * 14:,} answers) in {time.perf_counter() - started:.1f} s"
        )
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        return collection.id


def measure(app, collection_id: int, repeats: int) -> None:  # type: ignore[no-untyped-def]
    from svcollect.extensions import db
    from svcollect.models import Collection
    from svcollect.scoring import get_scorer
    from svcollect.services.answers import answers_frame
    from svcollect.services.scores import score_collection

    scorer = get_scorer("wemwbs")
    whole, chunked = [], []
    with app.app_context():
        collection = db.session.get(Collection, collection_id)
        for _ in range(repeats):
            t0 = time.perf_counter()
            result = score_collection(collection)  # what results, screens and packs do
            t1 = time.perf_counter()
            frame = answers_frame(collection_id)
            at_once = scorer(frame)
            t2 = time.perf_counter()
            chunked.append(t1 - t0)
            whole.append(t2 - t1)
        assert result.n_scored == at_once.n_scored == frame["response_id"].nunique()
    print(f"rows read: {len(frame):,}; responses scored: {result.n_scored:,}")
    print(
        f"read + score, chunk by chunk (the app's path): median {statistics.median(chunked):.2f} s "
        f"(min {min(chunked):.2f}); target <= 2 s"
    )
    print(
        f"read the whole frame, then score it at once: median {statistics.median(whole):.2f} s "
        f"(min {min(whole):.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL, not SQLite")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="svcollect-bench-"))
    with scratch_database(args.postgres, folder, "bench_scoring") as url:
        app = build_app(url, folder)
        collection_id = fill(app, args.responses)
        print(f"backend: {'PostgreSQL' if args.postgres else 'SQLite (WAL)'}")
        measure(app, collection_id, args.repeats)


if __name__ == "__main__":
    main()
