"""gunicorn settings compared on the respondent journey, in alternating turns.

    .venv/bin/python tests/bench/load/bench_servers.py                         # SQLite (WAL)
    .venv/bin/python tests/bench/load/bench_servers.py --db postgres --clients 64
    .venv/bin/python tests/bench/load/bench_servers.py --servers sync:4,gthread:2x4

Every setting in --servers (`sync:W` for W sync workers, `gthread:WxT` for W workers of T
threads) runs at once as its own gunicorn on one shared database. The same clients then
walk the whole journey (bench_journey.py's journey phase) against one server, then the
next, in --slice second turns (--rounds turns each, a 1 s warm-up per turn not counted),
so every setting sees the same mix of whatever else runs on the machine: on a shared
2-core machine, settings measured a minute apart are not comparable. Bounded by
rounds x settings x slice and by count (--max-requests per client per turn).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_journey import PAGE_GETS, Turns, fresh_svcollect, journey_worker, verify_submitted
from client import Stats
from harness import Server, ServerConfig


def parse_setting(text: str) -> ServerConfig:
    """`sync:4` or `gthread:2x4` → the server configuration it names."""
    kind, _, size = text.partition(":")
    if kind == "sync" and size.isdigit():
        return ServerConfig(workers=int(size), worker_class="sync", threads=1)
    workers, _, threads = size.partition("x")
    if kind == "gthread" and workers.isdigit() and threads.isdigit():
        return ServerConfig(workers=int(workers), worker_class="gthread", threads=int(threads))
    raise argparse.ArgumentTypeError(f"{text!r}: expected sync:W or gthread:WxT")


def row(name: str, stats: Stats, cpu_ms: float) -> str:
    table = stats.table()
    submit = table.get("submit_post", {})
    gets = [table[k] for k in PAGE_GETS if k in table]
    get_p95 = max((g["p95_ms"] for g in gets), default=0.0)
    failed = sum(r["failed"] for r in table.values())
    return (
        f"{name:<14} {submit.get('per_s', 0.0):>9} {submit.get('p50_ms', 0.0):>8} "
        f"{submit.get('p95_ms', 0.0):>8} {submit.get('p99_ms', 0.0):>8} "
        f"{table.get('page_get', {}).get('p95_ms', 0.0):>9} {get_p95:>9} "
        f"{cpu_ms:>8.2f} {failed:>6}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--servers", default="sync:4,sync:2,gthread:2x4,gthread:4x2")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4, help="turns per setting")
    parser.add_argument("--slice", type=float, default=10.0, help="seconds per turn")
    parser.add_argument("--max-requests", type=int, default=100_000, help="per client per turn")
    parser.add_argument("--no-ratelimit", action="store_true")
    args = parser.parse_args()
    settings = {text: parse_setting(text) for text in args.servers.split(",")}
    database, env, info = fresh_svcollect(args.db, args)
    acked: list[str] = []
    turns = Turns(list(settings))
    try:
        servers = {name: Server(config, env) for name, config in settings.items()}
        try:
            for server in servers.values():
                server.start()
            for turn in range(args.rounds * len(servers)):
                name = list(servers)[turn % len(servers)]
                server = servers[name]
                worker = journey_worker(server, info["public_id"], args, acked)
                turns.run(name, server, worker, args.clients, args.slice)
        finally:
            for server in servers.values():
                server.stop()
        check = verify_submitted(info["app"], len(acked))
    finally:
        database.cleanup()
    print(
        f"\n{args.db}, {args.clients} clients, journey, {args.rounds} turns of "
        f"{args.slice:.0f} s per setting"
    )
    print(
        f"{'setting':<14} {'submits/s':>9} {'sub p50':>8} {'sub p95':>8} {'sub p99':>8} "
        f"{'page p95':>9} {'GET p95*':>9} {'CPU ms':>8} {'failed':>6}"
    )
    for name, stats in turns.totals.items():
        print(row(name, stats, turns.cpu_ms(name)))
    print(
        "  ms; GET p95* = the worst p95 of the page GETs; CPU ms = server CPU per answered "
        "request (including each turn's warm-up second)"
    )
    print("  " + check)


if __name__ == "__main__":
    main()
