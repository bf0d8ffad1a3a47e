"""Benchmark: deleting a large contract's survey answers at the end of retention.

No issue sets a target; this measures what `svcollect answers delete-expired` costs for
one contract so an operator can plan the nightly run. The contract is bench_pack's:
N WEMWBS responses (half baseline, half follow-up, paired, 14 answers each) and supplier
declarations with evidence files, filled by bulk inserts (not timed). The timed step is
`retention.delete_answers`: the results computed and kept (one transaction), then every
survey response, answer and respondent row deleted in batches (one transaction each; the
longest is how long SQLite's write lock is held at once). It then checks none is left.

    .venv/bin/python tests/bench/bench_retention.py                   # SQLite (WAL), 100,000
    .venv/bin/python tests/bench/bench_retention.py --postgres        # PostgreSQL at 127.0.0.1
    .venv/bin/python tests/bench/bench_retention.py --responses 10000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from tests.bench.bench_pack import REFERENCE, fill, make_app  # noqa: E402
from tests.bench.scratch import scratch_database  # noqa: E402


def measure(url: str, folder: Path) -> None:
    from svcollect.extensions import db
    from svcollect.models import Answer, Contract, Respondent, Response
    from svcollect.services import retention

    app = make_app(url, folder)
    with app.app_context():
        contract = db.session.scalar(select(Contract).filter_by(reference=REFERENCE))
        day = retention.kept_until(contract) + timedelta(days=1)
        batches: list[float] = []
        real = retention.delete_responses

        def timed(ids: list[int]) -> Any:
            began = time.perf_counter()
            result = real(ids)
            batches.append(time.perf_counter() - began)
            return result

        retention.delete_responses = timed  # type: ignore[assignment]
        started = time.perf_counter()
        record = retention.delete_answers(contract, now=retention.moment_on(day))
        elapsed = time.perf_counter() - started
        left = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Response, Answer, Respondent)
        }
        print(
            f"  deleted {record.responses_deleted:,} responses, {record.answers_deleted:,} "
            f"answers and {record.respondents_deleted:,} respondent rows in {elapsed:.2f} s "
            f"(results kept: snapshot {record.snapshot_id})"
        )
        print(
            f"  {len(batches)} batches of {retention.BATCH:,} responses: longest "
            f"{max(batches):.2f} s, median {sorted(batches)[len(batches) // 2]:.2f} s (each "
            f"its own transaction); keeping the results and the rest {elapsed - sum(batches):.2f} s"
        )
        print(f"  left (supplier declarations stay): {left}")
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL, not SQLite")
    parser.add_argument("--responses", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="svcollect-bench-retention-"))
    try:
        with scratch_database(args.postgres, folder, "bench_retention") as url:
            backend = "PostgreSQL" if args.postgres else "SQLite"
            print(f"{args.responses:,} responses on {backend}")
            fill(url, folder, args.responses, 10, 20)
            measure(url, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
