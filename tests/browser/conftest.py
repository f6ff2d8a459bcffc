"""Browser tests: pytest-playwright drives Debian's Chromium against the live server.

What the browser tests share: the Chromium they launch, signing a persona in through the
login form, a real Celery worker, and screenshots of each step kept as artifacts."""

import itertools
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import AxeWatch
from tests.factories import PASSWORD
from tests.workers import start_worker, stop_worker

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Where the screenshots go, a folder per test: CI keeps the folder BROWSER_ARTIFACTS names.
ARTIFACTS = Path(
    os.environ.get("BROWSER_ARTIFACTS")
    or Path(__file__).resolve().parents[2] / "var" / "browser-artifacts"
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def new_context(new_context):
    """Every browser context of a test, with axe-core checking each page it shows (see
    accessibility.py); the test fails on any serious or critical violation."""
    watches: list[AxeWatch] = []

    def watched_context(**kwargs):
        context = new_context(**kwargs)
        watch = AxeWatch(context)
        watch.install()
        watches.append(watch)
        return context

    yield watched_context
    report = "\n".join(filter(None, (watch.settle_and_report() for watch in watches)))
    assert not report, f"Accessibility (axe-core) found serious or critical problems:\n{report}"
    assert not watches or any(watch.checked for watch in watches), "axe-core checked no page"


@pytest.fixture
def sign_in(page: Page, live_server):
    """Sign a persona in through the login form, on the test's page or on another one (a
    second browser context, for a second person at work at the same time)."""

    def sign_in_as(username: str, on: Page | None = None) -> Page:
        target = on or page
        target.goto(live_server.url + "/accounts/login/")
        target.get_by_label("Username").fill(username)
        target.get_by_label("Password").fill(PASSWORD)
        target.get_by_role("button", name="Sign in").click()
        expect(target.get_by_text(f"Signed in as {username}")).to_be_visible()
        return target

    return sign_in_as


@pytest.fixture
def worker(sandbox):
    """A real Celery worker on the test database and the sandbox, for the flows whose work
    happens in the background (enrichment, imports, signal polls)."""
    process = start_worker()
    yield process
    stop_worker(process)


class Screenshots:
    """Numbered screenshots of a test's steps: `<folder>/01-signed-in.png`, ... Other files
    the test wants kept (a downloaded export) go in `folder` too."""

    def __init__(self, page: Page, folder: Path):
        self.page = page
        self.folder = folder
        self._numbers = itertools.count(1)

    def __call__(self, step: str, on: Page | None = None) -> Path:
        path = self.folder / f"{next(self._numbers):02d}-{step}.png"
        (on or self.page).screenshot(path=path, full_page=True)
        return path


@pytest.fixture
def screenshot(page: Page, request) -> Screenshots:
    """Screenshots of this test's steps, in a folder of its own emptied first (so what is
    there after a run is that run's)."""
    folder = ARTIFACTS / request.node.originalname
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Screenshots(page, folder)
