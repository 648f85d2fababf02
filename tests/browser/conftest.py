"""Browser journeys: headless Debian Chromium driven by Playwright against Django's live server.

Every test under tests/browser/ gets the `browser` marker. Without Chromium those tests are
skipped, unless REQUIRE_BROWSER=1 (as in CI), where a missing browser stops the run.
CHROMIUM_PATH points the tests at another Chromium binary.

A journey takes the `page`, `live_server` and `transactional_db` fixtures (the live server runs
in another thread, so the rows a test creates must be committed), creates its people with
tests/factories.py and uses the helpers below:

    from tests.browser.conftest import axe_check, screenshot, sign_in

`look(page, name)` does both checks every page gets (screenshot, then axe); `run_worker()` runs
the background tasks that are due (emails land in `mail.outbox`); the others below (sign_out,
open_user_menu, session_row, expect_toast, ...) are shared by the session journeys.
"""

import os
import shutil
import signal
import zoneinfo
from datetime import date
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import Locator, Page, expect

from tests.factories import MembershipFactory, UserFactory

REPO_ROOT = Path(__file__).resolve().parents[2]
BROWSER_TESTS_DIR = Path(__file__).resolve().parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
SKIP_REASON = "Chromium not installed: apt-get install chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}
TIME_ZONE = "Europe/Paris"
BLOCKING_IMPACTS = {"serious", "critical"}


def chromium_path() -> str | None:
    """The Chromium to drive: $CHROMIUM_PATH if set, else /usr/bin/chromium, else `chromium` on PATH."""
    override = os.environ.get("CHROMIUM_PATH")
    candidates = [override] if override else [DEFAULT_CHROMIUM, shutil.which("chromium")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def pytest_configure(config: pytest.Config) -> None:
    # pytest-playwright's own fallback `base_url` fixture triggers this; nothing to fix on our side.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    browser_items = []
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS_DIR):
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("browser"):
            browser_items.append(item)
    if not browser_items or chromium_path():
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        where = os.environ.get("CHROMIUM_PATH") or f"{DEFAULT_CHROMIUM} or `chromium` on PATH"
        raise pytest.UsageError(
            f"REQUIRE_BROWSER=1 but there is no Chromium at {where}, "
            f"so {len(browser_items)} browser test(s) cannot run. {SKIP_REASON}"
        )
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": VIEWPORT, "timezone_id": TIME_ZONE}


def wait_until_time_zone_known(page: Page) -> None:
    """Wait out the page script's one-off reload that tells the server the browser's time zone.

    Without the `tz` cookie, a page sets it and reloads once; typing before that would be lost.
    """
    page.wait_for_function("document.body && document.body.dataset.timezoneKnown === 'true'")
    page.wait_for_load_state("load")


def goto_sign_in(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    wait_until_time_zone_known(page)
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def sign_in(page: Page, live_server, email: str, password: str) -> None:
    """Sign in through the real form at /accounts/login/ and wait for the signed-in page."""
    goto_sign_in(page, live_server)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    try:
        expect(page.locator(".usermenu")).to_be_attached()
    except AssertionError:
        errors = page.locator(".alert-error, .error").all_inner_texts()
        raise AssertionError(f"Signing in as {email} failed on {page.url}: {errors}") from None


_axe = Axe()


def axe_check(page: Page) -> None:
    """Fail on any accessibility violation that axe rates serious or critical.

    Lesser ones are printed (visible with `pytest -s`) but do not fail the test.
    """
    violations = _axe.run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    for violation in violations:
        if violation not in blocking:
            print(f"axe {violation['impact']}: {violation['id']} on {page.url}: {violation['help']}")
    if not blocking:
        return
    lines = [f"axe found serious or critical violations on {page.url}:"]
    for violation in blocking:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  at {' '.join(map(str, node['target']))}")
            summary = node.get("failureSummary", "").splitlines()
            lines.extend(f"      {line.strip()}" for line in summary)
    raise AssertionError("\n".join(lines))


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as <name>.png in $SCREENSHOT_DIR (default var/screenshots/, git-ignored)."""
    directory = Path(os.environ.get("SCREENSHOT_DIR") or REPO_ROOT / "var" / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def look(page: Page, name: str) -> Path:
    """What every journey does on every page it visits: a screenshot, then the axe check."""
    path = screenshot(page, name)
    axe_check(page)
    return path


def open_user_menu(page: Page, name: str) -> Locator:
    """Open the menu under the person's name in the header and return it."""
    page.get_by_role("banner").get_by_text(name, exact=True).click()
    menu = page.get_by_role("navigation", name="Switch dashboard")
    expect(menu).to_be_visible()
    return menu


def sign_out(page: Page, name: str) -> None:
    """Sign out through the menu under the person's name."""
    open_user_menu(page, name).get_by_role("button", name="Sign out").click()
    expect(page.locator(".usermenu")).not_to_be_attached()


def program_member(program, role: str, full_name: str, **kwargs):
    """A person in the program with that role, in the browser's time zone unless told otherwise."""
    user = UserFactory(full_name=full_name, time_zone=kwargs.pop("time_zone", TIME_ZONE), **kwargs)
    MembershipFactory(program=program, user=user, role=role)
    return user


def next_month_day(day: int = 15) -> date:
    """That day of next month (in the browser's zone): a start time comfortably in the future."""
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(TIME_ZONE))
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(year, month, day)


def session_row(page: Page, title: str) -> Locator:
    """The entry of a Sessions list (personal, manager or program page) with that title."""
    return page.locator(".session-list > li").filter(has=page.get_by_role("heading", name=title))


def expect_toast(page: Page, text: str) -> None:
    """A toast with that text shows in the bottom-left corner."""
    toast = page.get_by_role("status").filter(has_text=text)
    expect(toast).to_be_visible()
    box = toast.get_by_text(text).bounding_box()
    assert box is not None
    assert box["x"] < VIEWPORT["width"] / 2, f"the toast is not on the left: {box}"
    assert box["y"] > VIEWPORT["height"] / 2, f"the toast is not at the bottom: {box}"


def rsvp_box(page: Page) -> Locator:
    """The session page's box that says where the viewer stands (Join, You're registered...)."""
    return page.get_by_role("region", name="Your place")


def run_worker() -> None:
    """Run every background task that is due, as `manage.py db_worker --batch` would.

    The live server and the test share the database, so what a page enqueued runs here. A task
    that fails fails the test with its traceback.
    """
    signals = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else [])
    handlers = {sig: signal.getsignal(sig) for sig in signals}  # the worker installs its own
    failed_before = set(DBTaskResult.objects.failed().values_list("pk", flat=True))
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    failed = DBTaskResult.objects.failed().exclude(pk__in=failed_before)
    if failed:
        raise AssertionError("\n\n".join(f"{task.task_path} failed:\n{task.traceback}" for task in failed))
