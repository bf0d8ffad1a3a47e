"""A respondent who keeps trying: the journey for the kill and outage tests.

Each step is resent, unchanged, after no answer or a 5xx (what a person does with the
browser's resend or the "try again" page), with a short back-off, for at most `retry_for`
seconds and never past the run's deadline. Every attempt is logged with its time and
outcome; what the server acknowledged (page saves, submissions with their reference) is
kept so the database can be checked against it afterwards.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from client import (
    CSRF,
    IDEMPOTENCY,
    ONS4_PAGES,
    REFERENCE,
    Browser,
    Reply,
    TransportError,
    Unexpected,
)

UNAVAILABLE_TITLE = "Sorry, the service is unavailable"
UNAVAILABLE_BODY = "Try again in a few minutes"
RETRYABLE = {500, 502, 503, 504}


class GaveUp(Exception):
    """Retried for as long as allowed without an answer."""


@dataclass
class Attempt:
    at: float
    kind: str
    outcome: str  # "200", "303", "503", "transport ConnectionRefusedError", ...
    clear_503: bool = False  # a 503 with the written "try again" page


@dataclass
class Ledger:
    """Everything the clients saw, shared by all client threads."""

    attempts: list[Attempt] = field(default_factory=list)
    #: resume key -> reference shown on the confirmation page after the acknowledged submit
    submitted: dict[str, str] = field(default_factory=dict)
    #: resume key -> (cookies, csrf token) to resend that submit at the end
    sessions: dict[str, tuple[dict[str, str], str]] = field(default_factory=dict)
    #: resume keys whose submit needed more than one attempt
    retried_submits: set[str] = field(default_factory=set)
    #: (resume key, question id, value) acknowledged by a 303 after a page POST
    saved: list[tuple[str, str, str]] = field(default_factory=list)
    idempotency_keys: list[str] = field(default_factory=list)
    gave_up: int = 0
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)


@dataclass
class Persistent:
    browser: Browser
    ledger: Ledger
    public_id: str
    deadline: float
    rng: random.Random
    retry_for: float = 30.0
    key: str = ""

    def call(
        self, kind: str, method: str, path: str, form: dict[str, str] | None, expect: int
    ) -> tuple[Reply, int]:
        first = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            now = time.monotonic()
            try:
                reply = self.browser.request(method, path, form)
            except TransportError as error:
                self.ledger.note(Attempt(now, kind, f"transport {error}"))
            else:
                clear = reply.status == 503 and (
                    UNAVAILABLE_TITLE in reply.body and UNAVAILABLE_BODY in reply.body
                )
                self.ledger.note(Attempt(now, kind, str(reply.status), clear))
                if reply.status == expect:
                    return reply, attempts
                if reply.status not in RETRYABLE:
                    raise Unexpected(f"{kind} {method} {path}: HTTP {reply.status}")
            if time.monotonic() - first > self.retry_for or time.monotonic() > self.deadline:
                raise GaveUp(kind)
            time.sleep(min(1.0, 0.1 * attempts) * (0.5 + self.rng.random()))

    @staticmethod
    def token(reply: Reply) -> str:
        match = CSRF.search(reply.body)
        if match is None:
            raise Unexpected("no CSRF token")
        return match.group(1)

    def walk(self) -> None:
        start = f"/s/{self.public_id}"
        page, _ = self.call("start_get", "GET", start, None, 200)
        idempotency = IDEMPOTENCY.search(page.body)
        assert idempotency is not None
        with self.ledger.lock:
            self.ledger.idempotency_keys.append(idempotency.group(1))
        form = {
            "csrf_token": self.token(page),
            "idempotency_key": idempotency.group(1),
            "consent": "yes",
        }
        consent, _ = self.call("consent_post", "POST", start, form, 303)
        self.key = consent.path.split("/r/")[1].strip("/")
        code_path = f"/r/{self.key}/code"
        code_page, _ = self.call("code_get", "GET", code_path, None, 200)
        form = {"csrf_token": self.token(code_page), "choice": "new"}
        self.call("code_post", "POST", code_path, form, 303)
        for page_id in ONS4_PAGES:
            path = f"/r/{self.key}/page/{page_id}"
            page, _ = self.call("page_get", "GET", path, None, 200)
            value = str(self.rng.randint(0, 10))
            self.call(
                "page_post", "POST", path, {"csrf_token": self.token(page), page_id: value}, 303
            )
            with self.ledger.lock:
                self.ledger.saved.append((self.key, page_id, value))
        check, _ = self.call("check_get", "GET", f"/r/{self.key}/check", None, 200)
        token = self.token(check)
        done, attempts = self.call(
            "submit_post", "POST", f"/r/{self.key}/check", {"csrf_token": token}, 303
        )
        if done.path != f"/r/{self.key}/done":
            raise Unexpected(f"submit went to {done.path}")
        with self.ledger.lock:
            self.ledger.submitted[self.key] = ""  # acknowledged; reference filled in below
            self.ledger.sessions[self.key] = (dict(self.browser.cookies), token)
            if attempts > 1:
                self.ledger.retried_submits.add(self.key)
        confirmation, _ = self.call("done_get", "GET", done.path, None, 200)
        match = REFERENCE.search(confirmation.body)
        with self.ledger.lock:
            self.ledger.submitted[self.key] = match.group(0) if match else "?"


def run_walkers(
    port: int,
    public_id: str,
    clients: int,
    deadline: float,
    ledger: Ledger,
    max_journeys: int = 10_000,
    retry_for: float = 30.0,
    grace: float = 30.0,
) -> list[threading.Thread]:
    """Start `clients` threads walking journeys until the deadline (or max_journeys each);
    a journey under way at the deadline may go on retrying for `grace` seconds more."""

    def worker(index: int) -> None:
        rng = random.Random(index)
        for _ in range(max_journeys):
            if time.monotonic() >= deadline:
                return
            browser = Browser("127.0.0.1", port, timeout=15)
            walker = Persistent(browser, ledger, public_id, deadline + grace, rng, retry_for)
            try:
                walker.walk()
            except GaveUp:
                with ledger.lock:
                    ledger.gave_up += 1
            except Unexpected as error:
                with ledger.lock:
                    ledger.unexpected.append(str(error))
            finally:
                browser.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def resend_submit(port: int, key: str, session: tuple[dict[str, str], str]) -> str:
    """Send an acknowledged submit again; returns the reference on the page it leads to."""
    browser = Browser("127.0.0.1", port, timeout=15)
    browser.cookies = dict(session[0])
    try:
        reply = browser.request("POST", f"/r/{key}/check", {"csrf_token": session[1]})
        if reply.status != 303 or reply.path != f"/r/{key}/done":
            return f"HTTP {reply.status} {reply.path}"
        page = browser.request("GET", reply.path)
        match = REFERENCE.search(page.body)
        return match.group(0) if page.status == 200 and match else f"HTTP {page.status}"
    except TransportError as error:
        return f"transport {error}"
    finally:
        browser.close()
