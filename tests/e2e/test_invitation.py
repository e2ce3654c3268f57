"""A graduate joins: staff invite an address, the email arrives, the invitee
opens the link in Chromium, picks a display name and a password, and lands
on the home page signed in."""

import re
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, free_port, screenshot, server_env, sign_in

pytestmark = pytest.mark.browser

STAFF_EMAIL = "morgan@example.org"  # seed_demo's staff account
INVITEE = "river.new-grad@example.org"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Daphne on a seeded SQLite file; the console email backend writes the
    invitation into the log file, which the test reads like an inbox."""
    tmp = tmp_path_factory.mktemp("invite")
    env = server_env(tmp / "db.sqlite3")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    log_path = tmp / "daphne.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed in teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "community.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("Daphne did not start: " + log_path.read_text()[-2000:])
        time.sleep(0.2)
    yield base, log_path
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def invitation_link(log_path, address: str, timeout: float = 10) -> str:
    """The /invite/ URL from the last email to `address` in the server log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text()
        start = text.rfind(f"To: {address}")
        if start != -1:
            match = re.search(r"https?://\S+/invite/[\w-]+/", text[start:])
            if match:
                return match.group(0)
        time.sleep(0.2)
    raise AssertionError(f"No invitation email to {address} in the server log")


def test_invited_graduate_signs_up_and_lands_home(server, browser):
    base, log_path = server
    staff_context = browser.new_context()
    staff_page = staff_context.new_page()
    sign_in(staff_page, base, STAFF_EMAIL)

    staff_page.goto(base + "/staff/invitations/")
    staff_page.get_by_label("Email address").fill(INVITEE)
    staff_page.get_by_role("button", name="Send invitation").click()
    expect(staff_page.locator(".flash")).to_contain_text(f"Invitation sent to {INVITEE}")
    expect(staff_page.locator("table")).to_contain_text(INVITEE)
    staff_context.close()

    link = invitation_link(log_path, INVITEE)
    # SITE_URL in the email is the production address; the path is what matters.
    path = link[link.index("/invite/"):]

    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(base + path)
    page.wait_for_url(base + "/accounts/signup/")
    email_box = page.get_by_label("Your email address")
    expect(email_box).to_have_value(INVITEE)
    expect(email_box).to_have_attribute("readonly", "")
    assert INVITEE not in page.url
    page.get_by_label("Display name").fill("River")
    page.get_by_label(re.compile(r"^Password:?$")).fill("river-runs-2026-long")
    page.get_by_label("Password (again)").fill("river-runs-2026-long")
    screenshot(page, "invitation-signup-375")
    page.get_by_role("button", name="Create account").click()

    page.wait_for_url(base + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome back, River")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("River")
    screenshot(page, "invitation-home-375")

    # The link was single-use.
    other = browser.new_context().new_page()
    other.goto(base + path)
    expect(other.get_by_role("heading", level=1)).to_have_text("This invitation link is not valid")
    context.close()
