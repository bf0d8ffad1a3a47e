"""Load benchmark: the respondent journey against gunicorn, then submit alone, then the ceiling.

    .venv/bin/python tests/bench/load/bench_journey.py                     # SQLite (WAL)
    .venv/bin/python tests/bench/load/bench_journey.py --db postgres       # PostgreSQL 127.0.0.1
    .venv/bin/python tests/bench/load/bench_journey.py --clients 16,64 --duration 60

Three phases per client count, each against a freshly started server:
  journey  every client walks the whole ONS4 journey again and again as a new respondent
           (start, consent, code, 4 pages GET+POST, check, submit, confirmation); rate and
           latency are reported for each request type, submit included. This is the
           honest figure for a mixed load.
  submit   responses made ready beforehand (prewalk.py) are submitted at full speed by the
           same clients: POST /r/<key>/check with a real session and CSRF token, nothing
           else. This is the submit-only figure; it is NOT what a mixed load achieves.
  ceiling  the same clients POST to a minimal Flask + SQLAlchemy insert endpoint
           (ceiling_app.py) under the same gunicorn settings and database.
Every loop is bounded by time (warm-up + duration) and by count (--max-requests per client).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from client import (
    Browser,
    Journey,
    Stats,
    TimeUp,
    TransportError,
    Unexpected,
    print_table,
)
from harness import (
    DEFAULT_SERVER,
    HERE,
    HOST,
    Database,
    LoadWatch,
    Server,
    ServerConfig,
    postgres_database,
    prepare_svcollect,
    sqlite_database,
    svcollect_env,
)

TARGETS = {"sqlite": 600, "postgres": 450}
Worker = Callable[[int, Stats, float], None]
PAGE_GETS = ("start_get", "code_get", "page_get", "check_get", "done_get")


def run_clients(clients: int, target: Any, duration: float, warmup: float) -> Stats:
    """Start `clients` threads running target(index, stats, hard_stop); wait for them."""
    t0 = time.monotonic()
    stats = Stats(t0 + warmup, t0 + warmup + duration)
    hard_stop = stats.window_end
    threads = [
        threading.Thread(target=target, args=(i, stats, hard_stop), daemon=True)
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(warmup + duration + 60)
    return stats


class Turns:
    """Alternating turns (bench_ratio.py, bench_servers.py): the same clients load one
    server, then another, so all see the same machine; figures are summed per name."""

    def __init__(self, names: list[str]) -> None:
        self.totals = {name: Stats(0, 0) for name in names}
        self.cpu = dict.fromkeys(names, 0.0)
        self.count = 0

    def run(self, name: str, server: Server, worker: Worker, clients: int, seconds: float) -> None:
        """One turn: `seconds` counted after a 1 s warm-up."""
        with LoadWatch(server.worker_pids) as watch:
            part = run_clients(clients, worker, seconds, 1.0)
        self.totals[name].absorb(part)
        self.cpu[name] += watch.report["server_cpu_s"]
        self.count += 1
        print(
            f"  turn {self.count:>2} {name:<14} loadavg {watch.report['loadavg_after']}; "
            f"everything else {watch.report['other_cpu_s']} s CPU"
        )

    def cpu_ms(self, name: str) -> float:
        """Server CPU per answered request (each turn's warm-up second included)."""
        return 1000 * self.cpu[name] / max(1, self.totals[name].answered)


def summary(stats: Stats, watch: LoadWatch) -> dict[str, Any]:
    cpu_ms = 1000 * watch.report["server_cpu_s"] / max(1, stats.answered)
    return {
        "table": stats.table(),
        "failures": stats.failure_examples(),
        "load": watch.report,
        "server_cpu_ms_per_request": round(cpu_ms, 2),
        "load_line": watch.line() + f"; server CPU {cpu_ms:.2f} ms per answered request",
    }


def journey_worker(
    server: Server, public_id: str, args: argparse.Namespace, acked: list[str]
) -> Worker:
    """Clients that walk the whole journey again and again, each time a new respondent."""

    def worker(index: int, stats: Stats, hard_stop: float) -> None:
        rng = random.Random(index)
        for _ in range(args.max_requests // 17):
            if time.monotonic() >= hard_stop:
                return
            browser = Browser(HOST, server.port)
            journey = Journey(browser, stats, public_id, rng, stop_at=hard_stop)
            try:
                journey.walk()
                acked.append(journey.key)
            except (TransportError, Unexpected, TimeUp):
                pass
            finally:
                browser.close()

    return worker


def journey_phase(server: Server, public_id: str, args: argparse.Namespace, clients: int) -> dict:
    acked: list[str] = []
    worker = journey_worker(server, public_id, args, acked)
    with LoadWatch(server.worker_pids) as watch:
        stats = run_clients(clients, worker, args.duration, args.warmup)
    return {**summary(stats, watch), "acked_total": len(acked)}


def submit_worker(
    server: Server,
    keys: Iterator[str],
    lock: threading.Lock,
    args: argparse.Namespace,
    exhausted: list[float],
) -> Worker:
    """Clients that POST prewalked responses' submits back to back (one key each time)."""

    def next_key() -> str | None:
        with lock:
            return next(keys, None)

    def worker(index: int, stats: Stats, hard_stop: float) -> None:
        browser = Browser(HOST, server.port)
        key = next_key()
        if key is None:
            return
        # A real session and CSRF token, from the real check-your-answers page.
        journey = Journey(browser, Stats(0, 0), "", stop_at=hard_stop)
        journey.check_token = journey.token(
            journey.call("check_get", "GET", f"/r/{key}/check", None, 200)
        )
        for _ in range(args.max_requests):
            if key is None:
                exhausted.append(time.monotonic())
                break
            if time.monotonic() >= hard_stop:
                break
            started = time.monotonic()
            try:
                reply = browser.request(
                    "POST", f"/r/{key}/check", {"csrf_token": journey.check_token}
                )
            except TransportError as error:
                stats.fail("submit_post", started, f"transport {error}")
            else:
                if reply.status == 303 and reply.path == f"/r/{key}/done":
                    stats.ok("submit_post", started, time.monotonic() - started)
                else:
                    stats.fail("submit_post", started, f"HTTP {reply.status} {reply.path}")
            key = next_key()
        browser.close()

    return worker


def submit_phase(server: Server, keys: list[str], args: argparse.Namespace, clients: int) -> dict:
    exhausted: list[float] = []
    worker = submit_worker(server, iter(keys), threading.Lock(), args, exhausted)
    with LoadWatch(server.worker_pids) as watch:
        stats = run_clients(clients, worker, args.duration, args.warmup)
    result = summary(stats, watch)
    if exhausted:
        result["note"] = f"prewalked responses ran out ({len(keys):,}); raise --prewalked"
    return result


def ceiling_worker(server: Server, args: argparse.Namespace) -> Worker:
    def worker(index: int, stats: Stats, hard_stop: float) -> None:
        browser = Browser(HOST, server.port)
        for n in range(args.max_requests):
            if time.monotonic() >= hard_stop:
                break
            started = time.monotonic()
            try:
                reply = browser.request("POST", "/insert", {"answer": str(n % 11)})
            except TransportError as error:
                stats.fail("insert_post", started, f"transport {error}")
                continue
            if reply.status == 303:
                stats.ok("insert_post", started, time.monotonic() - started)
            else:
                stats.fail("insert_post", started, f"HTTP {reply.status}")
        browser.close()

    return worker


@contextmanager
def ceiling_server(config: ServerConfig, kind: str) -> Iterator[Server]:
    """The ceiling app under the same gunicorn settings, on a database of its own."""
    from ceiling_app import create_tables

    database = sqlite_database("ceiling") if kind == "sqlite" else postgres_database(name="ceil")
    try:
        create_tables(database.url)
        env = svcollect_env(database) | {
            "CEILING_DATABASE_URL": database.url,
            "PYTHONPATH": str(HERE),
        }
        server = Server(
            ServerConfig(
                "ceiling_app:create_app()",
                config.workers,
                config.worker_class,
                config.threads,
                health_path="/health",
            ),
            env,
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        database.cleanup()


def ceiling_phase(config: ServerConfig, kind: str, args: argparse.Namespace, clients: int) -> dict:
    with ceiling_server(config, kind) as server, LoadWatch(server.worker_pids) as watch:
        stats = run_clients(clients, ceiling_worker(server, args), args.duration, args.warmup)
    return summary(stats, watch)


def fresh_svcollect(kind: str, args: argparse.Namespace) -> tuple[Database, dict, dict]:
    database = sqlite_database() if kind == "sqlite" else postgres_database()
    env = svcollect_env(database, ratelimit=not args.no_ratelimit)
    return database, env, prepare_svcollect(env)


def verify_submitted(app: Any, expected_at_least: int) -> str:
    from sqlalchemy import func, select

    from svcollect.extensions import db
    from svcollect.models import Response

    with app.app_context():
        submitted = db.session.scalar(
            select(func.count()).select_from(Response).filter_by(status="submitted")
        )
        db.session.remove()
        db.engine.dispose()
    ok = "ok" if submitted >= expected_at_least else "MISSING SUBMISSIONS"
    return f"database: {submitted:,} submitted; clients saw {expected_at_least:,} confirmed ({ok})"


def verdicts(kind: str, clients: int, phase: str, table: dict) -> list[str]:
    submit = table.get("submit_post", {})
    failed = sum(row["failed"] for row in table.values())
    lines = [f"[{phase}, {clients} clients] failed requests: {failed} (target 0)"]
    if not submit:
        return lines
    if clients == 16:
        lines.append(
            f"[{phase}, 16] submit {submit['per_s']}/s (target >= {TARGETS[kind]}); "
            f"p95 {submit['p95_ms']} ms (<= 40); p99 {submit['p99_ms']} ms (<= 100)"
        )
    else:
        lines.append(f"[{phase}, {clients}] submit p99 {submit['p99_ms']} ms (<= 150 at 64)")
    for kind_get in PAGE_GETS:
        if kind_get in table:
            lines.append(
                f"[{phase}, {clients}] {kind_get} p95 {table[kind_get]['p95_ms']} ms (<= 20)"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", default="16,64", help="comma-separated client counts")
    parser.add_argument("--duration", type=float, default=60.0, help="timed window, seconds")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--phases", default="journey,submit,ceiling")
    parser.add_argument("--workers", type=int, default=DEFAULT_SERVER.workers)
    parser.add_argument("--worker-class", default=DEFAULT_SERVER.worker_class)
    parser.add_argument("--threads", type=int, default=DEFAULT_SERVER.threads)
    parser.add_argument("--max-requests", type=int, default=100_000, help="per client")
    parser.add_argument("--prewalked", type=int, default=30_000)
    parser.add_argument(
        "--no-ratelimit",
        action="store_true",
        help="SVCOLLECT_RATELIMIT_ENABLED=false instead of Redis-backed limits",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    config = ServerConfig(
        workers=args.workers, worker_class=args.worker_class, threads=args.threads
    )
    phases = args.phases.split(",")
    results: dict[str, Any] = {"db": args.db, "server": config.describe(), "runs": []}
    print(
        f"backend {args.db}; server: {config.describe()}; rate limits "
        f"{'disabled' if args.no_ratelimit else 'on (Redis), submit limit 1000/min per response'}"
    )
    for clients in [int(c) for c in args.clients.split(",")]:
        for phase in phases:
            if phase == "ceiling":
                outcome = ceiling_phase(config, args.db, args, clients)
            else:
                database, env, info = fresh_svcollect(args.db, args)
                try:
                    keys = []
                    if phase == "submit":
                        from prewalk import answer_shape, prewalk

                        keys = prewalk(info["app"], info["collection_id"], args.prewalked)
                    server = Server(config, env)
                    server.start()
                    try:
                        if phase == "submit":
                            walked = Journey(
                                Browser(HOST, server.port), Stats(0, 0), info["public_id"]
                            )
                            walked.walk(submit=False)
                            same = answer_shape(info["app"], walked.key) == answer_shape(
                                info["app"], keys[-1]
                            )
                            assert same, "prewalked rows differ from a walked response"
                            outcome = submit_phase(server, keys, args, clients)
                        else:
                            outcome = journey_phase(server, info["public_id"], args, clients)
                            outcome["verify"] = verify_submitted(
                                info["app"], outcome["acked_total"]
                            )
                    finally:
                        server.stop()
                finally:
                    database.cleanup()
            outcome.update({"phase": phase, "clients": clients})
            results["runs"].append(outcome)
            print_table(
                f"{phase} phase, {clients} clients, {args.duration:.0f} s window", outcome["table"]
            )
            print("  " + outcome["load_line"])
            for key in ("verify", "note"):
                if key in outcome:
                    print("  " + outcome[key])
            for kind, examples in outcome["failures"].items():
                print(f"  failures {kind}: {examples}")
    print("\nTargets")
    by = {(r["phase"], r["clients"]): r["table"] for r in results["runs"]}
    for (phase, clients), table in by.items():
        if phase != "ceiling":
            for line in verdicts(args.db, clients, phase, table):
                print("  " + line)
        ceiling = by.get(("ceiling", clients), {}).get("insert_post")
        if phase != "ceiling" and ceiling and "submit_post" in table:
            ratio = table["submit_post"]["per_s"] / max(ceiling["per_s"], 0.1)
            print(
                f"  [{phase}, {clients}] submit rate / ceiling insert rate = "
                f"{table['submit_post']['per_s']} / {ceiling['per_s']} = {ratio:.2f}"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
