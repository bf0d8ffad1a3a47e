"""A small load client: one persistent connection and cookie jar per virtual respondent.

Built on the standard library's http.client with threads rather than Locust: on a 2-core
machine every CPU second the client spends is taken from the server, and http.client costs
a fraction of what requests or Locust cost per request. The client's own CPU time is
measured and reported with every run (harness.LoadWatch).
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'<input[^>]*name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"')
IDEMPOTENCY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')
REFERENCE = re.compile(r"SV-[0-9A-Z]{8}")
ONS4_PAGES = ("life_satisfaction", "worthwhile", "happiness", "anxiety")
#: sent on every request: the app runs with production settings (HTTPS forced) behind an
#: imagined TLS proxy, as the README's deployment describes
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


class TransportError(Exception):
    """No HTTP response at all: refused, reset, timed out or closed mid-request."""


@dataclass
class Reply:
    status: int
    location: str
    body: str

    @property
    def path(self) -> str:
        return urlsplit(self.location).path


class Browser:
    """One respondent's connection and cookies. Not thread-safe: one per thread."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Reply:
        headers = dict(PROXY_HEADERS)
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        reused = self.conn is not None
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
            self.close()
            if reused:
                # The server closed an idle keep-alive connection just as we reused it:
                # nothing reached the application; a browser resends on a new connection.
                self.reconnects += 1
                return self.request(method, path, form)
            raise TransportError(type(error).__name__) from error
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise TransportError(type(error).__name__) from error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in header or "expires=Thu, 01 Jan 1970" in header:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        if response.will_close:
            self.close()
        return Reply(response.status, response.getheader("Location", ""), data.decode())


class Stats:
    """Latencies per request type, kept only for requests started inside the window."""

    def __init__(self, window_start: float, window_end: float) -> None:
        self.window_start, self.window_end = window_start, window_end
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()
        #: every answered request, in the window or not (for CPU time per request)
        self.answered = 0

    def in_window(self, started: float) -> bool:
        return self.window_start <= started < self.window_end

    def ok(self, kind: str, started: float, elapsed: float) -> None:
        self.answered += 1  # a lost increment under a thread race only blurs a CPU average
        if self.in_window(started):
            with self.lock:
                self.latency[kind].append(elapsed)

    def fail(self, kind: str, started: float, why: str) -> None:
        if self.in_window(started):
            with self.lock:
                self.failures[kind].append(why)

    def table(self) -> dict[str, dict[str, float]]:
        window = self.window_end - self.window_start
        result = {}
        for kind in sorted(set(self.latency) | set(self.failures)):
            values = sorted(self.latency.get(kind, []))
            result[kind] = {
                "count": len(values),
                "per_s": round(len(values) / window, 1),
                "p50_ms": round(percentile(values, 50) * 1000, 1),
                "p95_ms": round(percentile(values, 95) * 1000, 1),
                "p99_ms": round(percentile(values, 99) * 1000, 1),
                "max_ms": round((values[-1] if values else 0) * 1000, 1),
                "failed": len(self.failures.get(kind, [])),
            }
        return result

    def absorb(self, part: Stats) -> None:
        """Add another window's figures to these (alternating turns kept as one total)."""
        for kind, values in part.latency.items():
            self.latency[kind].extend(values)
        for kind, reasons in part.failures.items():
            self.failures[kind].extend(reasons)
        self.window_end += part.window_end - part.window_start
        self.answered += part.answered

    def failure_examples(self, limit: int = 5) -> dict[str, list[str]]:
        return {k: sorted(set(v))[:limit] for k, v in self.failures.items()}


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(
        f"  {'request':<16}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}{'failed':>8}"
    )
    for kind, row in table.items():
        print(
            f"  {kind:<16}{row['count']:>8}{row['per_s']:>9}{row['p50_ms']:>9}"
            f"{row['p95_ms']:>9}{row['p99_ms']:>9}{row['max_ms']:>9}{row['failed']:>8}"
        )


class Unexpected(Exception):
    """The server answered, but not with what the journey expects next."""


class TimeUp(Exception):
    """The run's time is over: stop this journey where it is (not a failure)."""


@dataclass
class Journey:
    """Walks the whole ONS4 open-link journey once, timing each request by type."""

    browser: Browser
    stats: Stats
    public_id: str
    rng: random.Random = field(default_factory=random.Random)
    stop_at: float = float("inf")
    #: time.monotonic for latency; time.process_time to count CPU in-process (bench_cpu.py)
    clock: Callable[[], float] = time.monotonic
    key: str = ""
    reference: str = ""
    check_token: str = ""

    def call(
        self, kind: str, method: str, path: str, form: dict[str, str] | None, expect: int
    ) -> Reply:
        if time.monotonic() >= self.stop_at:
            raise TimeUp
        started, cpu0 = time.monotonic(), self.clock()
        try:
            reply = self.browser.request(method, path, form)
        except TransportError as error:
            self.stats.fail(kind, started, f"transport {error}")
            raise
        elapsed = self.clock() - cpu0
        if reply.status != expect:
            self.stats.fail(kind, started, f"HTTP {reply.status} (wanted {expect})")
            raise Unexpected(f"{kind} {method} {path}: {reply.status}")
        self.stats.ok(kind, started, elapsed)
        return reply

    def token(self, reply: Reply) -> str:
        match = CSRF.search(reply.body)
        if match is None:
            raise Unexpected("no CSRF token")
        return match.group(1)

    def walk(self, submit: bool = True) -> None:
        start = f"/s/{self.public_id}"
        page = self.call("start_get", "GET", start, None, 200)
        key = IDEMPOTENCY.search(page.body)
        assert key is not None
        form = {"csrf_token": self.token(page), "idempotency_key": key.group(1), "consent": "yes"}
        consent = self.call("consent_post", "POST", start, form, 303)
        self.key = consent.path.split("/r/")[1].strip("/")
        resume = self.call("resume_get", "GET", consent.path, None, 302)
        code_page = self.call("code_get", "GET", resume.path, None, 200)
        form = {"csrf_token": self.token(code_page), "choice": "new"}
        after_code = self.call("code_post", "POST", resume.path, form, 303)
        where = self.call("resume_get", "GET", after_code.path, None, 302).path
        for page_id in ONS4_PAGES:
            assert where.endswith(f"/page/{page_id}"), where
            page = self.call("page_get", "GET", where, None, 200)
            form = {"csrf_token": self.token(page), page_id: str(self.rng.randint(0, 10))}
            where = self.call("page_post", "POST", where, form, 303).path
        assert where.endswith("/check"), where
        check = self.call("check_get", "GET", where, None, 200)
        self.check_token = self.token(check)
        if submit:
            self.submit()

    def submit(self) -> None:
        done = self.call(
            "submit_post", "POST", f"/r/{self.key}/check", {"csrf_token": self.check_token}, 303
        )
        confirmation = self.call("done_get", "GET", done.path, None, 200)
        match = REFERENCE.search(confirmation.body)
        self.reference = match.group(0) if match else ""


def wait_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
