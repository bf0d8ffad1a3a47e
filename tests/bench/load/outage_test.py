"""Database outage: stop PostgreSQL under load, start it again, check what respondents saw.

    .venv/bin/python tests/bench/load/outage_test.py                    # a private cluster
    .venv/bin/python tests/bench/load/outage_test.py --cluster main --port 5432

By default the test stops and starts a PostgreSQL cluster of its own ("svbench", port
5439, created with pg_createcluster on first use, trust authentication on 127.0.0.1) so
that nobody else's tests lose the shared `main` cluster; `--cluster main --port 5432`
stops the shared one as the issue describes. Whatever happens, the cluster is started
again at the end (try/finally) and `pg_isready` must answer.

For --duration seconds --clients respondents walk the journey (resending after a 5xx);
at --stop-at seconds the cluster is stopped (`pg_ctlcluster --skip-systemctl-redirect
VERSION CLUSTER stop`), --down seconds later started again; gunicorn is never restarted.
Checks (exit 1 on any failure): every 5xx was a 503 with the written "try again" page;
no 500s; every acknowledged page save and submission is in the database; requests succeed
again soon after PostgreSQL is back, with the same gunicorn master and no manual restart.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from checks import check_database, report_line
from harness import (
    DEFAULT_SERVER,
    LoadWatch,
    Server,
    ServerConfig,
    health,
    postgres_database,
    prepare_svcollect,
    svcollect_env,
)
from resilient import Ledger, run_walkers

VERSION = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]


def pg(action: str, cluster: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, cluster, action],
        capture_output=True,
        text=True,
        timeout=120,
    )


def ready(port: int) -> bool:
    done = subprocess.run(
        ["pg_isready", "-h", "127.0.0.1", "-p", str(port)], capture_output=True, timeout=10
    )
    return done.returncode == 0


def ensure_cluster(cluster: str, port: int) -> bool:
    """Create (once) and start our own cluster; True if this run created it."""
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True)
    exists = any(line.split()[:2] == [VERSION, cluster] for line in listed.stdout.splitlines())
    if not exists:
        subprocess.run(
            [
                "pg_createcluster",
                VERSION,
                cluster,
                "-p",
                str(port),
                "--start-conf=manual",
                "-o",
                "shared_buffers=64MB",
                "-o",
                "max_connections=60",
                "--",
                "--auth=trust",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    if not ready(port):
        pg("start", cluster)
    wait_ready(port, 60)
    return not exists


def wait_ready(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready(port):
            return True
        time.sleep(0.5)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", default="svbench")
    parser.add_argument("--port", type=int, default=5439)
    parser.add_argument(
        "--drop-cluster", action="store_true", help="drop our own cluster at the end (never `main`)"
    )
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--stop-at", type=float, default=20.0)
    parser.add_argument("--down", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--recover-within", type=float, default=15.0)
    args = parser.parse_args()
    if args.cluster == "main":
        print("WARNING: stopping the shared `main` cluster: other PostgreSQL users fail meanwhile")
    base = f"postgresql+psycopg://postgres@127.0.0.1:{args.port}/postgres"
    server = database = None
    timeline: list[str] = []
    try:
        if args.cluster != "main":
            created = ensure_cluster(args.cluster, args.port)
            timeline.append(
                f"cluster {VERSION}/{args.cluster} on {args.port}"
                + (" created" if created else " reused")
            )
        database = postgres_database(base, name="outage")
        env = svcollect_env(database)
        info = prepare_svcollect(env)
        server = Server(
            ServerConfig(
                DEFAULT_SERVER.app,
                DEFAULT_SERVER.workers,
                DEFAULT_SERVER.worker_class,
                DEFAULT_SERVER.threads,
            ),
            env,
        )
        server.start()
        master, workers_before = server.master_pid, sorted(server.worker_pids())
        print(
            f"outage test: {server.config.describe()}, {args.clients} clients, "
            f"{args.duration:.0f} s, PostgreSQL {VERSION}/{args.cluster} stopped at "
            f"{args.stop_at:.0f} s for {args.down:.0f} s"
        )
        ledger = Ledger()
        t0 = time.monotonic()
        deadline = t0 + args.duration
        health_log: list[tuple[float, int]] = []
        stopped_at = started_at = back_at = 0.0
        with LoadWatch(server.worker_pids) as watch:
            threads = run_walkers(
                server.port, info["public_id"], args.clients, deadline, ledger, retry_for=45.0
            )
            while time.monotonic() < deadline:
                now = time.monotonic() - t0
                if not stopped_at and now >= args.stop_at:
                    done = pg("stop", args.cluster)
                    stopped_at = time.monotonic()
                    timeline.append(
                        f"{stopped_at - t0:5.1f} s  PostgreSQL stopped "
                        f"(rc {done.returncode}) {done.stderr.strip()[:200]}"
                    )
                elif stopped_at and not started_at and time.monotonic() - stopped_at >= args.down:
                    done = pg("start", args.cluster)
                    started_at = time.monotonic()
                    timeline.append(
                        f"{started_at - t0:5.1f} s  PostgreSQL started "
                        f"(rc {done.returncode}) {done.stderr.strip()[:200]}"
                    )
                status = health(server.port)
                health_log.append((time.monotonic(), status))
                if started_at and not back_at and status == 200:
                    back_at = time.monotonic()
                    timeline.append(f"{back_at - t0:5.1f} s  /health 200 again")
                time.sleep(0.5)
            for thread in threads:
                thread.join(max(1.0, deadline - time.monotonic() + 50))
        same_master = server.master_pid == master and server.process.poll() is None
        workers_after = sorted(server.worker_pids())
        server.stop()
        server = None
        print("\n".join("  " + line for line in timeline))
        print("  " + watch.line().split("; machine CPU")[0])
        attempts = ledger.attempts
        during = [a for a in attempts if stopped_at <= a.at < (started_at or deadline)]
        outcomes: dict[str, int] = {}
        for a in attempts:
            outcomes[a.outcome] = outcomes.get(a.outcome, 0) + 1
        print(f"  attempts by outcome (whole run): {outcomes}")
        unclear = [a for a in attempts if a.outcome == "503" and not a.clear_503]
        clear = [a for a in attempts if a.clear_503]
        other_errors = [
            a
            for a in attempts
            if a.outcome in ("500", "502", "504") or a.outcome.startswith("transport")
        ]
        ok_after = [
            a
            for a in attempts
            if started_at and a.at >= started_at and a.outcome in ("200", "302", "303")
        ]
        first_ok = min((a.at for a in ok_after), default=0.0)
        late_503 = [a for a in attempts if a.outcome == "503" and a.at >= deadline - 10]
        recovery = first_ok - started_at if first_ok else float("inf")
        result = check_database(info["app"], ledger)
        checks = [
            (
                "respondents saw the written 503 'try again' page",
                bool(clear) and not unclear,
                f"{len(clear)} clear 503s ({sum(1 for a in during if a.clear_503)} while down), "
                f"{len(unclear)} 503s without the text",
            ),
            (
                "no 500s, no dropped connections",
                not other_errors,
                f"{len(other_errors)} {sorted({a.outcome for a in other_errors})}",
            ),
            (
                "acknowledged page saves kept",
                not result["saved_answers_lost"],
                f"{len(result['saved_answers_lost'])} lost of {result['acknowledged_page_saves']}",
            ),
            (
                "acknowledged submissions kept",
                not result["acknowledged_but_lost"],
                f"{len(result['acknowledged_but_lost'])} lost of {result['acknowledged_submits']}",
            ),
            (
                "no duplicates",
                not result["duplicate_responses_for_one_consent"]
                and not result["duplicate_answer_rows"],
                "responses per consent and answers per question",
            ),
            (
                "service recovered by itself",
                recovery <= args.recover_within and not late_503,
                f"first success {recovery:.2f} s after PostgreSQL start (limit "
                f"{args.recover_within:.0f} s); 503s in the last 10 s: {len(late_503)}",
            ),
            (
                "gunicorn not restarted",
                same_master,
                f"master {master} throughout; workers before {workers_before}, "
                f"after {workers_after}",
            ),
            (
                "journeys completed despite the outage",
                ledger.gave_up == 0 and not ledger.unexpected,
                f"gave up {ledger.gave_up}, unexpected {ledger.unexpected[:3]}",
            ),
        ]
        print("\n".join(report_line(*c) for c in checks))
        failed = [c for c in checks if not c[1]]
        print("outage test " + ("FAILED" if failed else "passed"))
        return 1 if failed else 0
    finally:
        if server is not None:
            server.stop()
        if not ready(args.port):
            print("starting PostgreSQL again:", pg("start", args.cluster).returncode)
        back = wait_ready(args.port, 60)
        state = "accepting connections" if back else "NOT READY"
        print(f"finally: pg_isready on {args.port}: {state}")
        if database is not None and back:
            database.cleanup()
        if args.drop_cluster and args.cluster != "main":
            subprocess.run(["pg_dropcluster", "--stop", VERSION, args.cluster], timeout=120)
            print(f"dropped cluster {VERSION}/{args.cluster}")


if __name__ == "__main__":
    sys.exit(main())
