"""svcollect's submit against the ceiling app in alternating turns: a fair ratio on a busy machine.

    .venv/bin/python tests/bench/load/bench_ratio.py                  # SQLite (WAL)
    .venv/bin/python tests/bench/load/bench_ratio.py --db postgres --clients 64

bench_journey.py measures the ceiling after svcollect, a minute apart; when other work
on the machine comes and goes, the two see different machines and their ratio is noise.
Here both servers run side by side and the same clients load one, then the other, in
--slice second turns (--slices in all, each with a 1 s warm-up not counted), so both see
the same mix of whatever else is running. svcollect's side is prewalked submits (the
submit-only figure); the ceiling is ceiling_app.py. Bounded by slices x time and count.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_journey import Turns, ceiling_server, ceiling_worker, fresh_svcollect, submit_worker
from client import print_table
from harness import DEFAULT_SERVER, Server
from prewalk import prewalk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--slices", type=int, default=8, help="turns in all (half each)")
    parser.add_argument("--slice", type=float, default=10.0, help="seconds per turn")
    parser.add_argument("--max-requests", type=int, default=100_000, help="per client per turn")
    parser.add_argument("--prewalked", type=int, default=30_000)
    parser.add_argument("--no-ratelimit", action="store_true")
    args = parser.parse_args()
    database, _env, info = fresh_svcollect(args.db, args)
    try:
        keys = iter(prewalk(info["app"], info["collection_id"], args.prewalked))
        lock, exhausted = threading.Lock(), []
        svcollect = Server(DEFAULT_SERVER, _env)
        svcollect.start()
        try:
            with ceiling_server(DEFAULT_SERVER, args.db) as ceiling:
                turns = Turns(["svcollect", "ceiling"])
                for turn in range(args.slices):
                    name = ("svcollect", "ceiling")[turn % 2]
                    server = svcollect if name == "svcollect" else ceiling
                    worker = (
                        submit_worker(svcollect, keys, lock, args, exhausted)
                        if name == "svcollect"
                        else ceiling_worker(ceiling, args)
                    )
                    turns.run(name, server, worker, args.clients, args.slice)
        finally:
            svcollect.stop()
    finally:
        database.cleanup()
    print(
        f"\n{args.db}, {DEFAULT_SERVER.describe()}, {args.clients} clients, "
        f"{args.slices // 2} turns of {args.slice:.0f} s each"
    )
    for name, stats in turns.totals.items():
        print_table(name, stats.table())
        print(
            f"  server CPU {turns.cpu_ms(name):.2f} ms per request "
            "(includes each turn's warm-up second)"
        )
    ours = turns.totals["svcollect"].table().get("submit_post", {}).get("per_s", 0.0)
    top = turns.totals["ceiling"].table().get("insert_post", {}).get("per_s", 0.0)
    print(f"\nsubmit rate / ceiling insert rate = {ours} / {top} = {ours / max(top, 0.1):.2f}")
    if exhausted:
        print(f"NOTE: prewalked responses ran out ({args.prewalked:,}); raise --prewalked")


if __name__ == "__main__":
    main()
