"""Kill test: SIGKILL gunicorn workers and restart the whole server under load; nothing
acknowledged may be lost or doubled. A script, not part of the CI suite.

    .venv/bin/python tests/bench/load/kill_test.py                  # SQLite (WAL)
    .venv/bin/python tests/bench/load/kill_test.py --db postgres

For --duration seconds, --clients respondents walk the whole journey (resending a step
after no answer or a 5xx, as a person would). Meanwhile --kills times, at random moments, a
random worker gets SIGKILL (gunicorn starts a new one), and once the whole server (master
and workers) gets SIGKILL and is started again. Then it checks, exiting 1 on any failure:
  - every submit that got its 303 is in the database as submitted, with the reference the
    confirmation page showed, exactly once;
  - no duplicates: one response per consent idempotency key, one answer row per question;
    every acknowledged submit sent again (same key, session and token) leads to the
    original confirmation (303 to /done, same reference);
  - every acknowledged page save is in the database;
  - SQLite: PRAGMA integrity_check is "ok" and PRAGMA foreign_key_check finds nothing;
    PostgreSQL: amcheck's bt_index_check (heap included) passes on every index.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from checks import (
    check_database,
    outcome_counts,
    postgres_integrity,
    report_line,
    sqlite_integrity,
)
from harness import (
    DEFAULT_SERVER,
    LoadWatch,
    Server,
    ServerConfig,
    postgres_database,
    prepare_svcollect,
    sqlite_database,
    svcollect_env,
)
from resilient import Ledger, resend_submit, run_walkers


def chaos_plan(rng: random.Random, duration: float, kills: int) -> list[tuple[float, str]]:
    """Kill moments spread over the run, 1.5 s apart at least, and one restart mid-run."""
    restart = rng.uniform(0.4, 0.6) * duration
    moments: list[float] = []
    while len(moments) < kills:
        t = rng.uniform(3, duration - 6)
        if all(abs(t - m) > 1.5 for m in moments) and abs(t - restart) > 6:
            moments.append(t)
    return sorted([(t, "kill_worker") for t in moments] + [(restart, "restart_server")])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--workers", type=int, default=DEFAULT_SERVER.workers)
    parser.add_argument("--worker-class", default=DEFAULT_SERVER.worker_class)
    parser.add_argument("--threads", type=int, default=DEFAULT_SERVER.threads)
    parser.add_argument(
        "--resend-sample",
        type=int,
        default=500,
        help="acknowledged submits sent again at the end (all retried ones too)",
    )
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    database = sqlite_database("kill") if args.db == "sqlite" else postgres_database(name="kill")
    server = None
    try:
        env = svcollect_env(database)
        info = prepare_svcollect(env)
        config = ServerConfig(
            workers=args.workers, worker_class=args.worker_class, threads=args.threads
        )
        server = Server(config, env)
        server.start()
        print(
            f"kill test: {args.db}, {config.describe()}, {args.clients} clients, "
            f"{args.duration:.0f} s, seed {seed}"
        )
        ledger = Ledger()
        events: list[str] = []
        t0 = time.monotonic()
        deadline = t0 + args.duration
        with LoadWatch(lambda: [server.master_pid, *server.worker_pids()]) as watch:
            threads = run_walkers(
                server.port, info["public_id"], args.clients, deadline, ledger, retry_for=90.0
            )
            for at, action in chaos_plan(rng, args.duration, args.kills):
                time.sleep(max(0.0, t0 + at - time.monotonic()))
                if action == "kill_worker":
                    workers = server.worker_pids()
                    if not workers:
                        events.append(f"{at:5.1f} s  no worker to kill (all restarting)")
                        continue
                    victim = rng.choice(workers)
                    os.kill(victim, signal.SIGKILL)
                    events.append(f"{at:5.1f} s  SIGKILL worker {victim}")
                else:
                    began = time.monotonic()
                    server.kill_hard()
                    server.start()
                    events.append(
                        f"{at:5.1f} s  SIGKILL whole server; back after "
                        f"{time.monotonic() - began:.1f} s"
                    )
            for thread in threads:
                thread.join(max(1.0, deadline - time.monotonic() + 45))
        print("\n".join("  " + e for e in events))
        print("  " + watch.line().split("; machine CPU")[0])
        counts = outcome_counts(ledger, t0, time.monotonic())
        print(f"  attempts by outcome: {dict(counts.most_common())}")
        print(
            f"  journeys that gave up after 90 s of retries: {ledger.gave_up}; "
            f"unexpected answers: {len(ledger.unexpected)} {ledger.unexpected[:3]}"
        )

        keys = list(ledger.sessions)
        sample = set(rng.sample(keys, min(args.resend_sample, len(keys)))) | (
            ledger.retried_submits & set(keys)
        )
        resend_bad = []
        for key in sorted(sample):
            got = resend_submit(server.port, key, ledger.sessions[key])
            if got != ledger.submitted.get(key):
                resend_bad.append((key, ledger.submitted.get(key), got))
        server.stop()
        server = None
        result = check_database(info["app"], ledger)
        checks = [
            (
                "acknowledged submissions lost",
                not result["acknowledged_but_lost"],
                f"{len(result['acknowledged_but_lost'])} of {result['acknowledged_submits']} "
                f"acknowledged ({result['submitted_in_db']} submitted in the database)",
            ),
            (
                "confirmation reference matches the database",
                not result["confirmation_reference_differs"],
                f"{len(result['confirmation_reference_differs'])} differ",
            ),
            (
                "acknowledged submit sent again -> original confirmation",
                not resend_bad,
                f"{len(sample) - len(resend_bad)} of {len(sample)} resent (all "
                f"{len(ledger.retried_submits)} that needed retries + a random sample) "
                f"{resend_bad[:3]}",
            ),
            (
                "duplicate responses for one consent",
                not result["duplicate_responses_for_one_consent"],
                f"{len(result['duplicate_responses_for_one_consent'])}; "
                f"{result['responses_in_db']} responses from {len(ledger.idempotency_keys)} starts",
            ),
            (
                "duplicate answer rows",
                not result["duplicate_answer_rows"],
                f"{len(result['duplicate_answer_rows'])}",
            ),
            (
                "acknowledged page saves lost",
                not result["saved_answers_lost"],
                f"{len(result['saved_answers_lost'])} of {result['acknowledged_page_saves']}",
            ),
        ]
        if args.db == "sqlite":
            integrity, foreign = sqlite_integrity(database.sqlite_path)
            checks.append(("PRAGMA integrity_check", integrity == "ok", integrity))
            checks.append(("PRAGMA foreign_key_check", not foreign, f"{len(foreign)} problems"))
        else:
            count, problems = postgres_integrity(database.url)
            checks.append(
                (
                    "amcheck bt_index_check (heap included)",
                    count > 0 and not problems,
                    f"{count} indexes, {len(problems)} problems {problems[:3]}",
                )
            )
        print("\n".join(report_line(*c) for c in checks))
        failed = [c for c in checks if not c[1]]
        print("kill test " + ("FAILED" if failed else "passed"))
        return 1 if failed else 0
    finally:
        if server is not None:
            server.stop()
        database.cleanup()


if __name__ == "__main__":
    sys.exit(main())
