"""CPU time per request type, in-process: the before/after measure for performance changes.

    .venv/bin/python tests/bench/load/bench_cpu.py                 # SQLite (WAL)
    .venv/bin/python tests/bench/load/bench_cpu.py --db postgres

Throughput on a shared 2-core machine moves with whatever else is running; the CPU time
this process spends per request (time.process_time, one thread, Flask test client, the same
production settings and Redis-backed rate limits as the load test) moves far less. It walks
--journeys whole ONS4 journeys, then submits --submits prewalked responses, --repeats times,
and prints the median CPU microseconds per request type. Not a latency figure.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from client import Journey, Reply, Stats
from harness import postgres_database, prepare_svcollect, sqlite_database, svcollect_env

# A/B runs: SVCOLLECT_BENCH_ROOT=/path/to/a/copy (holding svcollect/, with questionnaires/,
# data/ and migrations/ beside it) measures that copy instead of the editable install.
if os.environ.get("SVCOLLECT_BENCH_ROOT"):
    sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in repr(f)]
    sys.path.insert(0, os.environ["SVCOLLECT_BENCH_ROOT"])


class InProcessBrowser:
    """The Browser interface over Flask's test client (its cookie jar keeps the session)."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Reply:
        response = self.client.open(
            path, method=method, data=form, headers={"X-Forwarded-Proto": "https"}
        )
        return Reply(
            response.status_code,
            response.headers.get("Location", ""),
            response.get_data(as_text=True),
        )

    def close(self) -> None:
        pass


def one_round(app: Any, public_id: str, keys: list[str], journeys: int) -> dict[str, float]:
    stats = Stats(0, float("inf"))
    rng = random.Random(3)
    for _ in range(journeys):
        Journey(InProcessBrowser(app), stats, public_id, rng, clock=time.process_time).walk()
    browser = InProcessBrowser(app)
    submitter = Journey(browser, stats, public_id, clock=time.process_time)
    check = submitter.call("prewalked_check_get", "GET", f"/r/{keys[0]}/check", None, 200)
    submitter.check_token = submitter.token(check)
    for key in keys:
        submitter.call(
            "prewalked_submit",
            "POST",
            f"/r/{key}/check",
            {"csrf_token": submitter.check_token},
            303,
        )
    return {kind: statistics.mean(values) for kind, values in stats.latency.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--journeys", type=int, default=100)
    parser.add_argument("--submits", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-ratelimit", action="store_true")
    args = parser.parse_args()
    from prewalk import prewalk

    database = sqlite_database() if args.db == "sqlite" else postgres_database()
    try:
        env = svcollect_env(database, ratelimit=not args.no_ratelimit)
        info = prepare_svcollect(env)
        app = info["app"]
        keys = prewalk(app, info["collection_id"], args.submits * (args.repeats + 1))
        rounds = []
        for n in range(args.repeats + 1):
            batch = keys[n * args.submits : (n + 1) * args.submits]
            result = one_round(app, info["public_id"], batch, args.journeys)
            if n:  # the first round warms caches and is not counted
                rounds.append(result)
    finally:
        database.cleanup()
    import svcollect

    print(f"svcollect from {Path(svcollect.__file__).parent}")
    print(
        f"backend {args.db}; rate limits {'off' if args.no_ratelimit else 'on (Redis)'}; "
        f"median of {args.repeats} rounds of {args.journeys} journeys + {args.submits} submits"
    )
    print(f"  {'request':<22}{'CPU us':>9}{'min':>9}{'max':>9}")
    for kind in sorted(rounds[0]):
        values = [r[kind] * 1e6 for r in rounds]
        print(
            f"  {kind:<22}{statistics.median(values):>9.0f}{min(values):>9.0f}{max(values):>9.0f}"
        )
    journey = sum(
        statistics.median([r[k] for r in rounds]) * n
        for k, n in (
            ("start_get", 1),
            ("consent_post", 1),
            ("resume_get", 2),
            ("code_get", 1),
            ("code_post", 1),
            ("page_get", 4),
            ("page_post", 4),
            ("check_get", 1),
            ("submit_post", 1),
            ("done_get", 1),
        )
    )
    print(f"  whole journey (17 requests): {journey * 1000:.1f} ms CPU")


if __name__ == "__main__":
    main()
