"""Load-test harness: databases, a gunicorn server we start and stop ourselves, machine load.

Everything here talks only to 127.0.0.1. Servers are started in their own process group
so that stopping one (or SIGKILLing it in the kill test) touches only processes we started.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
VENV_BIN = ROOT / ".venv" / "bin"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


# --- databases ---------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # "sqlite" or "postgres"
    url: str
    folder: Path
    drop: Callable[[], None] = lambda: None

    def cleanup(self) -> None:
        """Drop the PostgreSQL schema, if any, and delete the temporary folder."""
        try:
            self.drop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.split("sqlite:///", 1)[1])


def sqlite_database(name: str = "bench") -> Database:
    folder = Path(tempfile.mkdtemp(prefix=f"svcollect-load-{name}-"))
    return Database("sqlite", f"sqlite:///{folder / (name + '.sqlite3')}", folder)


def postgres_database(base_url: str = POSTGRES, name: str = "load") -> Database:
    """A fresh schema on the given server, dropped by `Database.cleanup`."""
    from sqlalchemy import create_engine, text

    folder = Path(tempfile.mkdtemp(prefix=f"svcollect-load-{name}-"))
    schema = f"{name}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()

    def drop() -> None:
        engine = create_engine(base_url)
        try:
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            engine.dispose()

    separator = "&" if "?" in base_url else "?"
    return Database(
        "postgres", f"{base_url}{separator}options=-csearch_path%3D{schema}", folder, drop
    )


def svcollect_env(
    database: Database, *, ratelimit: bool = True, redis_db: int = 13
) -> dict[str, str]:
    """The environment gunicorn runs svcollect with: production settings, as deployed.

    Rate limits: on, stored in Redis as in the README's deployment, with the per-response
    submit limit raised to 1000/min (each response is submitted once, so the default
    20/min is never reached either; raising it only removes doubt). `ratelimit=False`
    sets SVCOLLECT_RATELIMIT_ENABLED=false instead.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVCOLLECT_")}
    env.update(
        {
            "SVCOLLECT_ENV": "production",
            "SVCOLLECT_SECRET_KEY": "load-test-secret-key-" + "x" * 40,
            "SVCOLLECT_DATABASE_URL": database.url,
            "SVCOLLECT_ALLOW_SQLITE_IN_PRODUCTION": "true",
            "SVCOLLECT_UPLOAD_DIR": str(database.folder / "uploads"),
            "SVCOLLECT_EXPORT_DIR": str(database.folder / "exports"),
            "SVCOLLECT_SUBMIT_RATE_LIMIT": "1000 per minute",
            "SVCOLLECT_INVITATION_RATE_LIMIT": "1000 per minute",
        }
    )
    if ratelimit:
        env["SVCOLLECT_REDIS_URL"] = f"redis://127.0.0.1:6379/{redis_db}"
    else:
        env["SVCOLLECT_RATELIMIT_ENABLED"] = "false"
    return env


def prepare_svcollect(env: dict[str, str], questionnaire: str = "ons4") -> dict[str, Any]:
    """Run the migrations, release the questionnaires and open one collection (open link)."""
    from flask_migrate import upgrade

    from svcollect import create_app
    from svcollect.extensions import db
    from svcollect.services.questionnaires import registry, sync_releases
    from tests.integration.helpers import make_collection

    app = create_app({"ENVIRON": env})
    with app.app_context():
        upgrade()
        sync_releases(registry())
        collection = make_collection(questionnaire)
        info = {"public_id": collection.public_id, "collection_id": collection.id}
        db.session.remove()
        db.engine.dispose()
    info["app"] = app
    return info


# --- the server ---------------------------------------------------------------------------


@dataclass
class ServerConfig:
    app: str = "svcollect:create_app()"
    workers: int = 4
    worker_class: str = "sync"
    threads: int = 1
    timeout: int = 30
    health_path: str = "/health"

    def describe(self) -> str:
        extra = f" --threads {self.threads}" if self.worker_class == "gthread" else ""
        return f"gunicorn -w {self.workers} -k {self.worker_class}{extra} '{self.app}'"


#: sync workers, 2 per core: see README.md ("Server settings") for why
DEFAULT_SERVER = ServerConfig(workers=4, worker_class="sync", threads=1)


@dataclass
class Server:
    config: ServerConfig
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    log: Path = field(default_factory=lambda: Path(tempfile.mkstemp(suffix=".log")[1]))
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, wait: float = 60.0) -> None:
        c = self.config
        command = [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(c.workers),
            "--worker-class",
            c.worker_class,
            "--threads",
            str(c.threads),
            "--bind",
            f"{HOST}:{self.port}",
            "--timeout",
            str(c.timeout),
            "--graceful-timeout",
            "5",
            "--backlog",
            "2048",
            "--error-logfile",
            str(self.log),
            "--no-control-socket",
            "--chdir",
            str(ROOT),
            c.app,
        ]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        self.starts += 1
        self.wait_ready(wait)

    def wait_ready(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited; see {self.log}:\n{self.log.read_text()[-3000:]}"
                )
            up = health(self.port, self.config.health_path) == 200
            if up and len(self.worker_pids()) >= self.config.workers:
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn not ready after {wait} s; see {self.log}")

    @property
    def master_pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        return children_of(self.master_pid)

    def stop(self) -> None:
        """Graceful stop (SIGTERM to our own process group), SIGKILL after 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def kill_hard(self) -> None:
        """SIGKILL master and workers at once: a power-cut style stop of the whole server."""
        assert self.process is not None
        pids = [self.process.pid, *self.worker_pids()]
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{p}").exists() for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)


def health(port: int, path: str = "/health") -> int:
    """Status of one GET (0 when nothing answered), sent as the TLS proxy would send it."""
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        connection.close()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def process_cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


# --- machine load -------------------------------------------------------------------------


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies across all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


class LoadWatch:
    """Samples os.getloadavg() every few seconds and the CPU used by the whole machine,
    our server and this client, so figures can be read against what else was running."""

    def __init__(self, server_pids: Callable[[], list[int]], interval: float = 2.0) -> None:
        self.server_pids = server_pids
        self.interval = interval
        self.samples: list[tuple[float, float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LoadWatch:
        self.before = os.getloadavg()
        self.cpu0 = _machine_cpu()
        self.server0 = process_cpu_seconds(self.server_pids())
        self.client0 = time.process_time()
        self.t0 = time.monotonic()
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples.append(os.getloadavg())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.after = os.getloadavg()
        busy0, total0 = self.cpu0
        busy1, total1 = _machine_cpu()
        wall = time.monotonic() - self.t0
        cores = os.cpu_count() or 1
        server = process_cpu_seconds(self.server_pids()) - self.server0
        client = time.process_time() - self.client0
        machine = busy1 - busy0
        self.report = {
            "loadavg_before": [round(x, 2) for x in self.before],
            "loadavg_after": [round(x, 2) for x in self.after],
            "loadavg_1min_max": round(max([s[0] for s in self.samples] or [self.after[0]]), 2),
            "loadavg_1min_mean": round(
                sum(s[0] for s in self.samples) / max(1, len(self.samples)), 2
            ),
            "cores": cores,
            "wall_s": round(wall, 1),
            "machine_cpu_pct_of_all_cores": round(100 * machine / (total1 - total0), 1),
            "server_cpu_s": round(server, 1),
            "client_cpu_s": round(client, 1),
            "other_cpu_s": round(max(0.0, machine - server - client), 1),
        }

    def line(self) -> str:
        r = self.report
        return (
            f"loadavg before {r['loadavg_before']} after {r['loadavg_after']} "
            f"(1-min max {r['loadavg_1min_max']}); "
            f"machine CPU {r['machine_cpu_pct_of_all_cores']}% "
            f"of {r['cores']} cores over {r['wall_s']} s: server {r['server_cpu_s']} s, "
            f"load client {r['client_cpu_s']} s, everything else {r['other_cpu_s']} s"
        )
