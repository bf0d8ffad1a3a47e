"""Benchmark: deleting a large contract's survey answers at the end of retention.

No issue sets a target; this measures what `svcollect answers delete-expired` costs for
one contract so an operator can plan the nightly run. The contract is bench_pack's:
N WEMWBS responses (half baseline, half follow-up, paired, 14 answers each) and supplier
declarations with evidence files, filled by bulk inserts (not timed). The timed step is
`retention.delete_answers`: the results computed (reading only) and kept (one write
transaction), then every survey response, answer and respondent row deleted in batches
(one write transaction each). Each write transaction is timed from its first write to the
end of its commit, which on SQLite is how long other writers wait for the lock. It then
checks none is left.

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
        # Each write transaction, timed from its first write (a batch's delete, or the end of
        # the read-only calculation) to the end of its commit: on SQLite that is how long
        # the write lock is held and other writers wait.
        batches: list[float] = []
        keeping: list[float] = []
        opened: dict[str, float] = {}
        real_delete, real_compute = retention.delete_responses, retention.compute_results
        real_commit = db.session.commit

        def delete(ids: list[int]) -> Any:
            opened["batch"] = time.perf_counter()
            return real_delete(ids)

        def compute(contract: Any) -> Any:
            result = real_compute(contract)
            opened["keep"] = time.perf_counter()
            return result

        def commit() -> None:
            real_commit()
            for kind, into in (("batch", batches), ("keep", keeping)):
                if kind in opened:
                    into.append(time.perf_counter() - opened.pop(kind))

        retention.delete_responses = delete  # type: ignore[assignment]
        retention.compute_results = compute  # type: ignore[assignment]
        db.session.commit = commit  # type: ignore[method-assign]
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
            f"  write transactions: keeping the results {keeping[0]:.2f} s; {len(batches)} "
            f"batches of {retention.BATCH:,} responses, longest {max(batches):.2f} s, median "
            f"{sorted(batches)[len(batches) // 2]:.2f} s"
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
