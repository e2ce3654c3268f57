"""A moderator removes a message and both members see it go, live (the crisis
loop in the browser is tests/e2e/test_crisis_loop.py)."""

import pytest
from playwright.sync_api import expect

from .conftest import message_action, sign_in

pytestmark = pytest.mark.browser


def send(page, text):
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def message_item(page, text):
    return page.locator("[data-messages] li.message", has_text=text)


def test_removal_live(demo_server, browser):
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(3)]
    sam, jordan, riley = (c.new_page() for c in contexts)
    try:
        sign_in(sam, demo_server, "sam@example.org")
        sign_in(jordan, demo_server, "jordan@example.org")
        sign_in(riley, demo_server, "riley@example.org")
        for page in (sam, jordan, riley):
            page.goto(demo_server + "/rooms/welcome/")
            expect(page.locator("[data-connection]")).to_have_text("Connected")

        # Removal, live on both members' pages.
        send(jordan, "Totally off-topic sales pitch")
        target = message_item(riley, "off-topic sales pitch")
        expect(target).to_be_visible()
        riley.once("dialog", lambda dialog: dialog.accept("Off topic for this room"))
        message_action(target, "Remove")
        for page in (sam, jordan):
            expect(message_item(page, "off-topic sales pitch")).to_have_count(0)
            expect(page.locator(".removed").last).to_have_text("This message was removed.")
        # Only the author is told why, privately; the room sees the same words live and after a reload.
        expect(jordan.locator("[data-toasts]")).to_contain_text("Off topic for this room")
        expect(sam.locator("[data-toasts]")).not_to_contain_text("Off topic for this room")
        sam.reload()
        expect(sam.locator(".removed").last).to_have_text("This message was removed.")

    finally:
        for context in contexts:
            context.close()
