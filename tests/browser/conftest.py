"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live_server.

Run them with plain static files storage (the manifest storage 404s under live_server):

    SECRET_KEY=x DEBUG=0 SECURE_SSL_REDIRECT=0 \
    STATICFILES_BACKEND=django.contrib.staticfiles.storage.StaticFilesStorage \
    DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/pytest tests/browser

The fixtures here have their own names (`chromium_browser`, `browser_page`, …): pytest-playwright's
`browser`/`page` fixtures would try to use a browser downloaded by `playwright install`.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARTIFACTS_DIR = Path(os.environ.get("TEST_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts")
SEED_SLUG = "barking-dagenham-ilacs-2019"
TIMEOUT_MS = 10_000


# --- The browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Chromium for the whole run; skipped (or, in CI, failed) without Debian's chromium."""
    if not CHROMIUM.exists():
        message = "Chromium not found at /usr/bin/chromium; install Debian's chromium to run browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)

    from playwright.sync_api import sync_playwright

    # Sync Playwright keeps an event loop running in this thread; Django's ORM refuses to run
    # under it unless told that is fine. Set for the rest of the session (the loop outlives the test).
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


# --- The server ----------------------------------------------------------------------------------


def _reload_live_server_middleware(live_server) -> None:
    """Rebuild the live server's middleware so SecurityMiddleware re-reads its settings.

    SecurityMiddleware reads SECURE_SSL_REDIRECT and SECURE_HSTS_* once, when the (session-wide)
    live server starts; changing them with the `settings` fixture alone would not stop the
    redirect to https.
    """
    # StaticFilesHandler → _MediaFilesHandler → WSGIHandler: _MediaFilesHandler runs the
    # middleware itself, so every handler in the chain reloads (StaticFilesHandler's is a no-op).
    handler = live_server.thread.httpd.get_app()
    while handler is not None:
        handler.load_middleware()
        handler = getattr(handler, "application", None)


@pytest.fixture
def _live_server_middleware_reset(live_server):
    """After the test, once `settings` has put things back, rebuild the middleware again."""
    yield
    _reload_live_server_middleware(live_server)


@pytest.fixture
def http_live_server(live_server, _live_server_middleware_reset, settings):
    """live_server with the production cookie and redirect settings relaxed for plain http."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # A browser refuses a __Host- cookie that is not Secure: plain names over plain http.
    settings.SESSION_COOKIE_NAME = "sessionid"
    settings.CSRF_COOKIE_NAME = "csrftoken"
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    _reload_live_server_middleware(live_server)
    return live_server


@pytest.fixture
def seed_plan_committed(transactional_db):
    """The seed plan, committed so the live server's thread can see it."""
    from plans.models import Plan

    call_command("loaddata", "seed_plan", verbosity=0)
    return Plan.objects.get(slug=SEED_SLUG)


# --- Pages ---------------------------------------------------------------------------------------


class ConsoleErrors:
    """Collects console errors and uncaught exceptions from a page (a CSP violation is one)."""

    def __init__(self, page):
        self.messages: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", self._on_pageerror)

    def _on_console(self, message) -> None:
        if message.type == "error":
            location = message.location or {}
            where = f" ({location.get('url')}:{location.get('lineNumber')})" if location.get("url") else ""
            self.messages.append(f"console.error: {message.text}{where}")

    def _on_pageerror(self, error) -> None:
        self.messages.append(f"pageerror: {error}")

    def assert_none(self, where: str) -> None:
        found, self.messages = self.messages, []
        if found:
            pytest.fail(f"Console errors on {where}:\n" + "\n".join(f"  - {m}" for m in found), pytrace=False)


@pytest.fixture
def browser_context(chromium_browser, http_live_server):
    context = chromium_browser.new_context(
        base_url=http_live_server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        timezone_id="Europe/London",
        service_workers="block",
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def browser_page(browser_context):
    page = browser_context.new_page()
    page.console_errors = ConsoleErrors(page)
    yield page
    page.close()


@pytest.fixture
def login_as(client, browser_context, http_live_server) -> Callable:
    """login_as(user): sign the browser context in without the login form (force_login + cookie).

    A plan manager's or superuser's session has passed two-factor sign-in already (tests/conftest.py's
    force_login gives them a confirmed authenticator app and django-otp's session key)."""
    from django.conf import settings

    def login(user) -> None:
        client.force_login(user)
        cookie_name = settings.SESSION_COOKIE_NAME
        host = urlsplit(http_live_server.url).hostname
        browser_context.add_cookies(
            [{"name": cookie_name, "value": client.cookies[cookie_name].value, "domain": host, "path": "/"}]
        )

    return login


def assert_accessible(page) -> None:
    """Run axe-core (WCAG 2.0–2.2 A and AA) on the page and fail listing every violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"axe found {len(violations)} accessibility violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(f"  - {violation['id']} [{violation['impact']}]: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:3]:
            lines.append(f"      at {' '.join(map(str, node['target']))}")
            if node.get("failureSummary"):
                lines.append("        " + node["failureSummary"].replace("\n", "\n        "))
        if len(violation["nodes"]) > 3:
            lines.append(f"      … and {len(violation['nodes']) - 3} more")
    pytest.fail("\n".join(lines), pytrace=False)


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / (re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def check_page(request) -> Iterator[Callable]:
    """check_page(page, step): screenshot the page, then require no console error and no axe violation."""
    counter = iter(range(1, 100))

    def check(page, step: str) -> None:
        page.wait_for_load_state("load")
        save_screenshot(page, f"{request.node.name}-{next(counter):02d}-{step}")
        page.console_errors.assert_none(f"{step} ({page.url})")
        assert_accessible(page)
        # axe itself must not have logged anything either.
        page.console_errors.assert_none(f"{step} after axe ({page.url})")

    yield check
