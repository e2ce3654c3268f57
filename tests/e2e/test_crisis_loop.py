"""The safety loop as its people live it, in Chromium against a real Daphne:
Sam writes a passive-ideation message and sees the support card with his own
safety plan first; Riley's crisis console shows the alert live (no reload)
with the badge in the header; Riley acknowledges; Sam is told who has seen it
and a private support conversation opens for both; Riley labels the alert.
And "talk to a moderator now" reaches the console live."""

import pytest
from playwright.sync_api import expect

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def send(page, text):
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def test_passive_ideation_reaches_a_moderator_and_opens_a_private_conversation(demo_server, browser):
    sam_context = browser.new_context(viewport={"width": 390, "height": 844})
    riley_context = browser.new_context(viewport={"width": 1280, "height": 900})
    sam, riley = sam_context.new_page(), riley_context.new_page()
    try:
        sign_in(sam, demo_server, "sam@example.org")
        sign_in(riley, demo_server, "riley@example.org")
        riley.goto(demo_server + "/moderation/crisis/")
        expect(riley.locator("[data-live-status]")).to_contain_text("Live")
        expect(riley.locator("[data-open-count]")).to_have_text("0")
        sam.goto(demo_server + "/rooms/welcome/")
        expect(sam.locator("[data-connection]")).to_have_text("Connected")

        send(sam, "honestly everyone would be better off if I just wasn't here anymore")

        # Sam: the support card, his own plan (reasons, people) before the program's resources.
        card = sam.locator(".crisis-card")
        expect(card).to_contain_text("You're not alone")
        plan = card.locator("[data-plan]")
        expect(plan).to_contain_text("My niece, who thinks I hang the moon")
        expect(plan.get_by_role("link", name="555-010-2233").first).to_have_attribute("href", "tel:5550102233")
        expect(card).to_contain_text("988")
        screenshot(sam, "crisis-card-with-plan-sam-phone")

        # Riley: the alert appears live on the console, and the header badge counts it.
        alert = riley.locator("[data-open-alerts] article", has_text="Sam")
        expect(alert).to_be_visible()
        expect(alert).to_contain_text("better off if I just wasn't here")
        expect(riley.locator("[data-open-count]")).to_have_text("1")
        expect(riley.locator("[data-crisis-count]")).to_contain_text("1")
        screenshot(riley, "crisis-console-live-riley")

        # Riley acknowledges: a private conversation opens, and Sam is told who saw it.
        alert.get_by_role("button", name="Acknowledge").click()
        riley.wait_for_url("**/rooms/support-*/")
        expect(riley.get_by_role("heading", level=1)).to_contain_text("Private support with Riley")
        expect(sam.locator("[data-support-status]")).to_contain_text(
            "has seen your message and opened a private conversation with you."
        )
        sam.locator("[data-support-status]").get_by_role("link", name="Open the private conversation").click()
        expect(sam.get_by_role("heading", level=1)).to_contain_text("Private support with Riley")
        expect(sam.locator("[data-connection]")).to_have_text("Connected")
        expect(riley.locator("[data-connection]")).to_have_text("Connected")
        send(riley, "Hi Sam, I'm here. Are you safe right now?")
        expect(sam.locator("[data-messages]")).to_contain_text("Are you safe right now?")
        screenshot(sam, "support-conversation-sam-phone")

        # Riley labels the alert from the console.
        riley.goto(demo_server + "/moderation/crisis/")
        followed = riley.locator("[data-followed-alerts] article", has_text="Sam")
        followed.get_by_label("Real crisis").check()
        followed.get_by_role("button", name="Save label").click()
        expect(riley.locator(".flash")).to_contain_text("Label saved")
        expect(riley.locator("[data-followed-alerts] article", has_text="Sam")).to_contain_text("Labelled")
    finally:
        sam_context.close()
        riley_context.close()


def test_talk_to_a_moderator_now_appears_live_on_the_console(demo_server, browser):
    jordan_context = browser.new_context(viewport={"width": 390, "height": 844})
    riley_context = browser.new_context(viewport={"width": 1280, "height": 900})
    jordan, riley = jordan_context.new_page(), riley_context.new_page()
    try:
        sign_in(jordan, demo_server, "jordan@example.org")
        sign_in(riley, demo_server, "riley@example.org")
        riley.goto(demo_server + "/rooms/welcome/")  # not on the console: the banner must reach her
        expect(riley.locator("[data-connection]")).to_have_text("Connected")
        jordan.goto(demo_server + "/crisis/")

        jordan.get_by_role("button", name="Talk to a moderator now").click()
        expect(jordan.locator(".flash")).to_contain_text("been paged and asked to reach out to you now")

        banner = riley.locator("[data-crisis-banners] [role=alert]", has_text="Jordan")
        expect(banner).to_contain_text("asked to talk to a moderator now")
        riley.goto(demo_server + "/moderation/crisis/")
        alert = riley.locator("[data-open-alerts] article", has_text="Jordan")
        expect(alert).to_contain_text("Asked for a moderator")
        screenshot(riley, "crisis-console-request-riley")
    finally:
        jordan_context.close()
        riley_context.close()
