"""Browser tests for a member's own pages: the first-run welcome (with this
device's time zone offered) and the blocks page (unblock). Screenshots at
1280x800 and 390x844 go to tests/artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import live_server, screenshot, sign_in

pytestmark = pytest.mark.browser

SETUP = """
from community.models import User
from groups.actions import block_member
sam = User.objects.get(email="sam@example.org")
block_member(member=sam, other=User.objects.get(email="casey@example.org"))
block_member(member=sam, other=User.objects.get(email="devon@example.org"))
"""

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium_path):
    with live_server(tmp_path_factory.mktemp("member-pages"), setup=SETUP) as base:
        yield base


def test_welcome_offers_this_devices_zone_and_saves_it(browser, server):
    context = browser.new_context(viewport=VIEWPORTS["phone"], has_touch=True, timezone_id="Europe/Dublin")
    page = context.new_page()
    sign_in(page, server, "jordan@example.org")
    page.goto(server + "/welcome/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Jordan")
    expect(page.get_by_text("This device is set to Europe/Dublin.")).to_be_visible()

    page.get_by_role("button", name="Use this device's zone").click()
    expect(page.get_by_label("Your time zone")).to_have_value("Europe/Dublin")
    page.get_by_label("Meetup reminder").check()
    page.get_by_role("button", name="Save and go to my rooms").click()

    page.wait_for_url(server + "/")
    expect(page.get_by_role("status")).to_contain_text("You're all set.")
    page.goto(server + "/profile/")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Dublin")
    expect(page.get_by_label("Meetup reminder")).to_be_checked()
    context.close()


def test_welcome_screenshots(browser, server):
    for name, viewport in VIEWPORTS.items():
        for scheme in ["light", "dark"]:
            context = browser.new_context(viewport=viewport, color_scheme=scheme, timezone_id="America/New_York")
            page = context.new_page()
            sign_in(page, server, "sam@example.org")
            page.goto(server + "/welcome/")
            expect(page.get_by_role("heading", name="Where to go on a bad night")).to_be_visible()
            screenshot(page, f"welcome-{name}-{scheme}")
            context.close()


def test_blocks_page_lists_blocks_and_unblocks(browser, server):
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    sign_in(page, server, "sam@example.org")
    page.goto(server + "/profile/")
    page.get_by_role("link", name="People you've blocked").click()
    page.wait_for_url(server + "/profile/blocks/")
    expect(page.get_by_role("heading", level=2)).to_have_text(["Devon", "Casey"])
    screenshot(page, "blocks-desktop")

    page.get_by_role("button", name="Unblock Casey").click()

    page.wait_for_url(server + "/profile/blocks/")
    expect(page.get_by_role("status")).to_contain_text("You unblocked Casey.")
    expect(page.get_by_role("heading", level=2)).to_have_text(["Devon"])
    context.close()

    phone = browser.new_context(viewport=VIEWPORTS["phone"], has_touch=True)
    page = phone.new_page()
    sign_in(page, server, "sam@example.org")
    page.goto(server + "/profile/blocks/")
    screenshot(page, "blocks-phone")
    phone.close()


def test_feed_address_copy_button_and_calendar_links(browser, server):
    context = browser.new_context(viewport=VIEWPORTS["phone"], has_touch=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    sign_in(page, server, "sam@example.org")
    page.goto(server + "/meetups/calendar/")
    page.get_by_role("button", name="Create my subscription address").click()
    address = page.get_by_label("Or paste your private subscription address into any calendar app").input_value()
    assert address.startswith(server + "/meetups/feed/")

    page.get_by_role("button", name="Copy address").click()

    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == address
    webcal = page.get_by_role("link", name="Apple Calendar or Outlook").get_attribute("href")
    assert webcal == address.replace("http://", "webcal://")
    screenshot(page, "feed-settings-phone")

    page.goto(server + "/meetups/")
    page.locator("main a[href^='/meetups/'][href$='/']").filter(has_text="Weekly alumni group").first.click()
    calendar = page.get_by_role("list", name="Add to your calendar")
    expect(calendar.get_by_role("link", name="Google Calendar")).to_have_attribute(
        "href", re.compile(r"^https://calendar\.google\.com/calendar/render\?action=TEMPLATE&")
    )
    context.close()
