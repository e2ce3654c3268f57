"""A graduate joins: staff invite an address, the email arrives, the invitee
opens the link in Chromium, picks a display name and a password, and lands
on the home page signed in."""

import re
import time

import pytest
from playwright.sync_api import expect

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

STAFF_EMAIL = "morgan@example.org"  # seed_demo's staff account
INVITEE = "river.new-grad@example.org"


@pytest.fixture(scope="module")
def server(demo_server):
    return demo_server, demo_server.log_path


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
    path = link[link.index("/invite/") :]

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

    page.wait_for_url(base + "/welcome/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, River")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("River")
    screenshot(page, "invitation-home-375")

    # The link was single-use.
    other = browser.new_context().new_page()
    other.goto(base + path)
    expect(other.get_by_role("heading", level=1)).to_have_text("This invitation link is not valid")
    context.close()
