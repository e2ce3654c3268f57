"""A moderator removes a message and both members see it go, live; a crisis
message shows its author the resource card and alerts the moderator live;
the moderator acknowledges and records a follow-up."""

import pytest
from playwright.sync_api import expect

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def send(page, text):
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def message_item(page, text):
    return page.locator("[data-messages] li.message", has_text=text)


def test_removal_and_crisis_loop_live(demo_server, browser):
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
        target.get_by_role("button", name="Remove").click()
        for page in (sam, jordan):
            expect(message_item(page, "off-topic sales pitch")).to_have_count(0)
            expect(page.locator(".removed").last).to_have_text("Removed by a moderator or its author.")

        # Crisis: the author's card, the moderator's live alert.
        send(sam, "Honestly I don't want to be alive anymore")
        card = sam.get_by_role("alert")
        expect(card).to_contain_text("You're not alone")
        expect(card).to_contain_text("988")
        expect(riley.locator("[data-toasts]")).to_contain_text("may be in crisis")
        expect(message_item(jordan, "don't want to be alive")).to_be_visible()
        expect(jordan.get_by_role("alert")).to_have_count(0)
        card.get_by_role("button", name="Talk to a moderator now").click()
        expect(card).to_contain_text("A moderator has been asked to reach out to you")
        screenshot(sam, "crisis-card-sam")

        # The moderator acknowledges and follows up.
        riley.goto(demo_server + "/moderation/crisis/")
        alert = riley.locator("article", has_text="Sam")
        alert.get_by_role("button", name="Acknowledge").click()
        expect(riley.locator("article", has_text="Sam")).to_contain_text("Acknowledged by Riley")
        riley.get_by_label("Follow-up note").fill("Called Sam; safe with a friend tonight, checking in tomorrow.")
        riley.get_by_label("The member is safe").check()
        riley.get_by_role("button", name="Record follow-up").click()
        recent = riley.get_by_role("table")
        expect(recent).to_contain_text("Sam")
        expect(recent).to_contain_text("safe with a friend tonight")
        screenshot(riley, "crisis-dashboard-riley")
    finally:
        for context in contexts:
            context.close()
