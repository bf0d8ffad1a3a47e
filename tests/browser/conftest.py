"""Browser fixtures: the real app served on 127.0.0.1 and Debian's Chromium driven by Playwright.

The app is built by `create_app` on a SQLite file whose schema the migrations make, and is
served by werkzeug in a background thread. Data is seeded through the services inside an
app context. Chromium is the Debian package at /usr/bin/chromium: nothing here downloads a
browser. Without it the tests are skipped, except when CI=true, where they fail (as the
PostgreSQL tests do).

Every page a test opens goes through `Tab.check()`: axe-core finds no WCAG 2.2 A/AA
violation, the console shows no error (a CSP violation is one), every chart has an
accessible name, on narrow tabs the page reflows without horizontal scrolling (WCAG
1.4.10), and on text-spacing tabs nothing is cut off or pushed sideways by the reader's own
text spacing (WCAG 1.4.12). A page loaded but never checked fails the test.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask

from tests.conftest import IN_CI, make_config

CHROMIUM = Path("/usr/bin/chromium")
# The flags the machine's probe used: no sandbox as root, no GPU, and no background
# connections (this machine's closed network refuses them).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANY_TEXT = re.compile(r"\S")
#: each aria-describedby id that names no element, or one with no text: a screen reader
#: then announces nothing, or the field seems to have a description it has not
DESCRIBED_BY_NOTHING = """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(
  el => el.getAttribute('aria-describedby').split(/\\s+/).filter(Boolean).filter(id => {
    const target = document.getElementById(id);
    return !target || !target.textContent.trim();
  }).map(id => `${el.tagName.toLowerCase()}#${el.id || '?'} -> ${id}`))"""
#: ids that appear on more than one element
REPEATED_IDS = """() => {
  const seen = {};
  document.querySelectorAll('[id]').forEach(el => { seen[el.id] = (seen[el.id] || 0) + 1; });
  return Object.keys(seen).filter(id => seen[id] > 1);
}"""
OUTER = "(el) => el.outerHTML.slice(0, 200)"
DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 640}
# JavaScript: `name(el)`, an element as tag.class (for the messages below).
ELEMENT_NAME = """
    const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className ===
        'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
"""
# The innermost elements that reach past the viewport's right edge (a tag.class path each):
# by their box, or by text that overflows it (a long word). What sits in a region that
# scrolls on its own is not counted, unless it is positioned out of it (an absolutely
# positioned element whose containing block is outside the region escapes its scrolling).
TOO_WIDE = (
    """() => {
"""
    + ELEMENT_NAME
    + """
    const edge = document.documentElement.clientWidth + 0.5;
    const style = (el) => getComputedStyle(el);
    const scrolls = (el) => ['auto', 'scroll', 'hidden'].includes(style(el).overflowX);
    const contained = (el) => {
        let escaping = ['absolute', 'fixed'].includes(style(el).position);
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            if (escaping && style(a).position !== 'static') escaping = false;
            if (!escaping && scrolls(a)) return true;
        }
        return false;
    };
    const reach = (el) => {
        const box = el.getBoundingClientRect();
        const text = style(el).overflowX === 'visible' ? box.left + el.scrollWidth : 0;
        return Math.max(box.right, text);
    };
    const wide = [...document.body.querySelectorAll('*')].filter(
        (el) => reach(el) > edge && !contained(el));
    const innermost = wide.filter((el) => !wide.some((o) => o !== el && el.contains(o)));
    return innermost.slice(0, 5).map((el) => {
        const path = [];
        for (let n = el; n && n !== document.body && path.length < 3; n = n.parentElement) {
            path.unshift(name(n));
        }
        return path.join(' > ') + ' (' + Math.round(reach(el)) + ' px)';
    });
}"""
)
# WCAG 1.4.12 Text Spacing: with these set by the reader, no content may be lost. The
# style sheet is served on a same-origin address (as axe is), so the page's CSP stays on.
TEXT_SPACING_PATH = "/__browser-tests__/text-spacing.css"
TEXT_SPACING_CSS = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""
# Elements that cut their content off (overflow hidden or clip, content larger than the
# box), but for the 1-pixel boxes of text kept for screen readers only and form fields
# (whose text scrolls under the cursor, so none is lost).
CLIPPED = (
    """() => {
"""
    + ELEMENT_NAME
    + """
    const clips = (v) => v === 'hidden' || v === 'clip';
    const cut = [];
    for (const el of document.body.querySelectorAll('*:not(input, select, textarea)')) {
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        if (el.clientWidth <= 1 || el.clientHeight <= 1) continue;
        const x = clips(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
        const y = clips(style.overflowY) && el.scrollHeight > el.clientHeight + 1;
        if (x || y) {
            cut.push(name(el) + ' (' + el.scrollWidth + 'x' + el.scrollHeight + ' in ' +
                el.clientWidth + 'x' + el.clientHeight + '): ' + el.outerHTML.slice(0, 120));
        }
    }
    return cut.slice(0, 5);
}"""
)
# The element that has focus now, and whether it shows it (WCAG 2.4.7) and can be seen
# (2.4.11). Shown: some style of the element, or of its label's ::before (GOV.UK radios
# and checkboxes draw their focus ring there), differs from the same style with focus
# moved away. Seen: its box is in the viewport and its centre is not covered by another
# element (other than its own label or descendants).
FOCUS_STATE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const props = ['outlineStyle', 'outlineWidth', 'outlineColor', 'boxShadow',
        'backgroundColor', 'borderTopWidth', 'borderTopColor', 'color', 'textDecorationLine'];
    const label = el.id ? document.querySelector('label[for="' + CSS.escape(el.id) + '"]') : null;
    const styles = () => {
        const own = getComputedStyle(el);
        const mark = label ? getComputedStyle(label, '::before') : null;
        return props.map((p) => own[p]).concat(mark ? props.map((p) => mark[p]) : []);
    };
    const focused = styles();
    const box = el.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const top = document.elementFromPoint(x, y);
    const seen = box.width > 0 && box.height > 0 && y >= 0 && y <= innerHeight &&
        x >= 0 && x <= innerWidth &&
        (top === null || el.contains(top) || top.contains(el) || (label && label.contains(top)));
    el.blur();
    const blurred = styles();
    el.focus({preventScroll: true});
    const what = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' +
        (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40);
    return {what, shown: focused.some((v, i) => v !== blurred[i]), seen};
}"""
DOCUMENT_STATUS = "Failed to load resource: the server responded with a status of 4"
PASSWORD = "correct horse battery staple"  # as tests/integration/helpers.make_user sets


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message + " (CI=true: browser tests are required)", pytrace=False)
    pytest.skip(message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    # Let fixtures see whether the test body passed (the page audit is only reported then).
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- the app, served for real -----------------------------------------------------------


@dataclass
class LiveServer:
    app: Flask
    url: str

    @contextmanager
    def seeding(self) -> Iterator[None]:
        """An app context for seeding through the services; the session is removed after."""
        from svcollect.extensions import db

        with self.app.app_context():
            try:
                yield
            finally:
                db.session.remove()


@contextmanager
def serve(folder: Path, name: str, **config: Any) -> Iterator[LiveServer]:
    """svcollect on its own SQLite database in `folder`, built by the migrations with the
    questionnaires released, served on a free port in a thread until the block ends."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from svcollect import create_app
    from svcollect.extensions import db
    from svcollect.services.questionnaires import registry, sync_releases

    app = create_app(make_config(f"sqlite:///{folder / 'svcollect.sqlite3'}", folder, **config))
    with app.app_context():
        upgrade()
        sync_releases(registry())
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("browser"), "live-server") as server:
        yield server


# --- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_source() -> str:
    from tests.browser.axe import AXE_FILE

    if not AXE_FILE.is_file():
        pytest.fail(f"{AXE_FILE} is missing: run `npm ci` (axe-core is in package.json)")
    return AXE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium is not installed at {CHROMIUM}: run scripts/browser_deps.sh")
    # Only a missing browser skips; Playwright and axe-core come with `make install`.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Tab:
    """One page in its own browser context, checked on every document it loads."""

    page: Any
    base_url: str
    narrow: bool
    text_spacing: bool = False
    loads: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    checked_loads: int = 0
    console_errors: list[str] = field(default_factory=list)
    #: what took focus, in order, on the last `focus_problems()`
    focus_stops: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("load", self._loaded)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"{error}"))

    def _loaded(self, page: Any) -> None:
        if len(self.loads) > self.checked_loads:
            self.unchecked.append(self.loads[-1])
        self.loads.append(page.url)

    def _console(self, message: Any) -> None:
        if message.type not in ("error", "assert"):
            return
        url = message.location.get("url", "")
        # Chromium logs a page answered with 4xx (a form shown again with its errors is
        # 422) as a failed load of the document itself; the tests check what such a page
        # says. A failed style sheet, script or image is still an error.
        if message.text.startswith(DOCUMENT_STATUS) and url == self.page.url:
            return
        self.console_errors.append(f"{message.text} ({url})")

    def goto(self, path: str) -> Any:
        """Open an address as a person would by typing it."""
        response = self.page.goto(self.base_url + path)
        self.check()
        return response

    def check(self) -> None:
        """The page now shown passes axe, logs no error, names its charts and reflows.

        Every problem found is reported together, so one failure shows them all."""
        from playwright.sync_api import expect

        from tests.browser.axe import describe, run_axe

        page = self.page
        page.wait_for_load_state("load")
        page.evaluate("() => document.readyState")  # a round trip: pending events arrive
        where = page.url
        problems = []
        violations = run_axe(page, self.base_url)
        if violations:
            problems.append("axe found WCAG A/AA violations:\n" + describe(violations))
        if self.console_errors:
            problems.append(f"console errors: {self.console_errors}")
            self.console_errors.clear()
        described = page.evaluate(DESCRIBED_BY_NOTHING)
        if described:
            problems.append(f"aria-describedby names missing or empty elements: {described}")
        duplicated = page.evaluate(REPEATED_IDS)
        if duplicated:
            problems.append(f"ids used more than once: {duplicated}")
        for chart in page.locator('svg[role="img"]').all():
            try:
                expect(chart).to_have_accessible_name(ANY_TEXT, timeout=1_000)
            except AssertionError:
                problems.append(f"a chart has no accessible name: {chart.evaluate(OUTER)}")
        if self.narrow:
            scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
            if scroll_width > NARROW["width"]:
                problems.append(
                    f"does not reflow at {NARROW['width']} px: scrollWidth is {scroll_width}; "
                    f"the innermost elements past the edge: {page.evaluate(TOO_WIDE)}"
                )
        if self.text_spacing:
            problems.extend(self._text_spacing_problems())
        self.checked_loads = len(self.loads)
        assert not problems, f"{where}:\n" + "\n".join(problems)

    def _text_spacing_problems(self) -> list[str]:
        """WCAG 1.4.12: with the reader's text spacing, nothing is cut off or pushed sideways."""
        page = self.page
        if not page.evaluate(
            f"() => !!document.querySelector('link[href$=\"{TEXT_SPACING_PATH}\"]')"
        ):
            page.add_style_tag(url=self.base_url + TEXT_SPACING_PATH)
        problems = []
        clipped = page.evaluate(CLIPPED)
        if clipped:
            problems.append(f"with WCAG 1.4.12 text spacing, content is cut off: {clipped}")
        wide = page.evaluate(
            "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
        if wide:
            past = page.evaluate(TOO_WIDE)
            problems.append(f"with WCAG 1.4.12 text spacing, the page scrolls sideways: {past}")
        return problems

    def focus_problems(self, stops: int = 60) -> list[str]:
        """Tab through the page as a keyboard user would: every element that takes focus
        shows it (WCAG 2.4.7 Focus Visible) and is not hidden (2.4.11 Focus Not Obscured)."""
        page = self.page
        page.evaluate("() => { document.activeElement && document.activeElement.blur() }")
        problems, first = [], None
        self.focus_stops = []
        for _ in range(stops):
            page.keyboard.press("Tab")
            state = page.evaluate(FOCUS_STATE)
            if state is None or state["what"] == first:
                break  # off the end of the page, or round to the start again
            first = first or state["what"]
            self.focus_stops.append(state["what"])
            if not state["shown"]:
                problems.append(f"no visible focus on {state['what']!r}")
            if not state["seen"]:
                problems.append(f"focus hidden on {state['what']!r}")
        return problems

    def assert_every_page_checked(self) -> None:
        self.page.evaluate("() => document.readyState")
        unchecked = list(self.unchecked)
        if len(self.loads) > self.checked_loads:
            unchecked.append(self.loads[-1])
        assert not unchecked, f"pages loaded but never checked: {unchecked}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


@pytest.fixture
def open_tab(
    browser: Any, live_server: LiveServer, axe_source: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Tab]]:
    """`open_tab(narrow=False, text_spacing=False)`: a page in a fresh browser context (its
    own cookies), 320 px wide if narrow, with WCAG 1.4.12 text spacing if text_spacing."""
    from tests.browser.axe import serve_axe

    contexts: list[Any] = []
    tabs: list[Tab] = []

    def open_(narrow: bool = False, text_spacing: bool = False) -> Tab:
        context = browser.new_context(
            viewport=NARROW if narrow else DESKTOP,
            base_url=live_server.url,
            locale="en-GB",
            timezone_id="Europe/London",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        serve_axe(context, live_server.url, axe_source)
        context.route(
            live_server.url + TEXT_SPACING_PATH,
            lambda route: route.fulfill(status=200, content_type="text/css", body=TEXT_SPACING_CSS),
        )
        contexts.append(context)
        tab = Tab(
            page=context.new_page(),
            base_url=live_server.url,
            narrow=narrow,
            text_spacing=text_spacing,
        )
        tabs.append(tab)
        return tab

    yield open_
    passed = getattr(request.node, "report_call", None)
    try:
        if passed is not None and passed.passed:
            for tab in tabs:
                if not tab.page.is_closed():
                    tab.assert_every_page_checked()
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """`sign_in(tab, email, then="/")`: sign in through the real sign-in page."""

    def sign_in_(tab: Tab, email: str, then: str = "/") -> None:
        page = tab.page
        tab.goto(f"/sign-in?next={quote(then)}")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        tab.check()
        assert urlsplit(page.url).path == then
        assert page.get_by_text("Signed in as").is_visible()

    return sign_in_


# --- seeded through the services ----------------------------------------------------------


PDF = b"%PDF-1.4\n%wellbeing action plan\n%%EOF\n"


@dataclass(frozen=True)
class Attestation:
    """A contract with one small supplier invited to attest to the MHAW standards."""

    contract_id: int
    contract_reference: str
    collection_id: int
    declaration_id: int
    supplier_name: str
    manager_email: str
    supplier_email: str


@pytest.fixture
def attestation(live_server: LiveServer) -> Attestation:
    from sqlalchemy import select

    from svcollect.extensions import db
    from svcollect.models import Declaration
    from svcollect.models.contract import ContractSupplier
    from svcollect.services.declarations import invite_suppliers
    from tests.integration.helpers import (
        make_collection,
        make_contract,
        make_organisation,
        make_user,
    )

    with live_server.seeding():
        contract = make_contract()
        supplier = make_organisation(
            f"Small Supplier CIC {contract.reference}", "supplier", employee_count=40
        )
        db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=supplier.id))
        db.session.commit()
        collection = make_collection(
            "mhaw-standards", contract=contract, access="supplier", audience="supplier"
        )
        manager = make_user("contract_manager", contract.buyer)
        supplier_user = make_user("supplier_user", supplier)
        invite_suppliers(manager, collection)
        declaration = db.session.scalar(
            select(Declaration).filter_by(collection_id=collection.id, supplier_id=supplier.id)
        )
        assert declaration is not None
        return Attestation(
            contract_id=contract.id,
            contract_reference=contract.reference,
            collection_id=collection.id,
            declaration_id=declaration.id,
            supplier_name=supplier.name,
            manager_email=manager.email,
            supplier_email=supplier_user.email,
        )


def answer_every_page(
    response: Any, text: str, files: Callable[[Any], list[int]] = lambda question: []
) -> None:
    """Answer every visible page of `response` through the services, in order: choices
    take their first option, text questions take `text`, file questions `files(question)`."""
    from svcollect.services.questionnaires import questionnaire_for
    from svcollect.services.responses import Progress, save_page, stored_values

    questionnaire = questionnaire_for(response.collection.questionnaire_version)
    for _ in range(60):
        progress = Progress.of(questionnaire, response)
        page = progress.first_incomplete_page()
        if page is None:
            return
        questions = progress.visible_questions(page)
        save_page(response, page, stored_values(questions, _answers(questions, text, files)))
    raise AssertionError("the questionnaire never completed")


def _answers(questions: Sequence[Any], text: str, files: Callable[[Any], list[int]]) -> dict:
    data: dict[str, Any] = {}
    for q in questions:
        if q.type in ("short_text", "long_text"):
            data[q.id] = text
        elif q.type == "number":
            data[q.id] = "40"
        elif q.type == "date":
            data[q.id] = date(2026, 3, 31) if "end" in q.id else date(2026, 1, 1)
        elif q.type == "yes_no":
            data[q.id] = "no"
        elif q.type in ("single_choice", "scale"):
            data[q.id] = str(q.options[0].value)
        elif q.type == "multiple_choice":
            data[q.id] = [str(q.options[0].value)]
        elif q.type == "file":
            data[q.id] = files(q)
    return data
