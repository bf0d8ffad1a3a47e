"""Where a gunicorn worker's time goes under load: py-spy on one worker, summarised.

    .venv/bin/pip install py-spy
    .venv/bin/python tests/bench/load/profile_server.py --phase submit     # prewalked submits
    .venv/bin/python tests/bench/load/profile_server.py --phase journey    # the whole journey

One sync worker, 4 clients, py-spy samples the worker for --seconds (bounded); prints the
functions with the most inclusive and self time and leaves the collapsed stacks (for a
flame graph) where it says.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from client import Browser, Journey, Stats, TimeUp, TransportError, Unexpected
from harness import (
    HOST,
    VENV_BIN,
    Server,
    ServerConfig,
    postgres_database,
    prepare_svcollect,
    sqlite_database,
    svcollect_env,
)


def summarise(collapsed: Path, top: int) -> None:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        total += count
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1] for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    print(f"\n{total} samples; inclusive (share of worker time in the function and below):")
    for frame, count in inclusive.most_common(top):
        print(f"  {100 * count / total:5.1f}%  {frame}")
    print("\nself time:")
    for frame, count in own.most_common(top):
        print(f"  {100 * count / total:5.1f}%  {frame}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=("submit", "journey"), default="submit")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()
    database = sqlite_database() if args.db == "sqlite" else postgres_database()
    try:
        env = svcollect_env(database)
        info = prepare_svcollect(env)
        keys: list[str] = []
        if args.phase == "submit":
            from prewalk import prewalk

            keys = prewalk(info["app"], info["collection_id"], 20_000)
        server = Server(ServerConfig(workers=1), env)
        server.start()
        stop_at = time.monotonic() + args.seconds + 8
        lock = threading.Lock()
        queue = iter(keys)

        def submitter() -> None:
            browser = Browser(HOST, server.port)
            with lock:
                key = next(queue, None)
            journey = Journey(browser, Stats(0, 0), "", stop_at=stop_at)
            journey.check_token = journey.token(
                journey.call("check_get", "GET", f"/r/{key}/check", None, 200)
            )
            while key is not None and time.monotonic() < stop_at:
                browser.request("POST", f"/r/{key}/check", {"csrf_token": journey.check_token})
                with lock:
                    key = next(queue, None)

        def walker() -> None:
            rng = random.Random()
            while time.monotonic() < stop_at:
                journey = Journey(
                    Browser(HOST, server.port), Stats(0, 0), info["public_id"], rng, stop_at=stop_at
                )
                with contextlib.suppress(TransportError, Unexpected, TimeUp):
                    journey.walk()

        target = submitter if args.phase == "submit" else walker
        threads = [threading.Thread(target=target, daemon=True) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(3)
        out = Path(tempfile.mkstemp(prefix=f"pyspy-{args.phase}-", suffix=".txt")[1])
        worker = server.worker_pids()[0]
        subprocess.run(
            [
                str(VENV_BIN / "py-spy"),
                "record",
                "--pid",
                str(worker),
                "--duration",
                str(args.seconds),
                "--format",
                "raw",
                "--output",
                str(out),
                "--nonblocking",
            ],
            check=True,
            timeout=args.seconds + 30,
            capture_output=True,
        )
        for thread in threads:
            thread.join(30)
        server.stop()
        summarise(out, args.top)
        print(f"\ncollapsed stacks: {out}")
    finally:
        database.cleanup()


if __name__ == "__main__":
    main()
