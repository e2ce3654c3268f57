"""Nothing stale after a drop: while Sam's phone is offline a moderator removes
a message and Jordan edits one; back online, Sam's page shows both changes,
and the report Sam filed while offline reaches the review queue."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import message_action, screenshot, sign_in
from .test_chat import DroppableProxy, message_item, send

pytestmark = pytest.mark.browser


def test_changes_made_while_offline_show_on_return_and_an_offline_report_arrives(demo_server, browser):
    port = int(demo_server.rsplit(":", 1)[1])
    proxy = DroppableProxy(port, demo_server.proxy_port)
    sam_base = f"http://127.0.0.1:{proxy.port}"
    contexts = [
        browser.new_context(viewport={"width": 390, "height": 844}),
        browser.new_context(viewport={"width": 1280, "height": 900}),
        browser.new_context(viewport={"width": 1280, "height": 900}),
    ]
    sam, jordan, riley = (c.new_page() for c in contexts)
    try:
        sign_in(sam, sam_base, "sam@example.org")
        sign_in(jordan, demo_server, "jordan@example.org")
        sign_in(riley, demo_server, "riley@example.org")
        sam.goto(sam_base + "/rooms/welcome/")
        jordan.goto(demo_server + "/rooms/welcome/")
        riley.goto(demo_server + "/rooms/welcome/")
        for page in (sam, jordan, riley):
            expect(page.locator("[data-connection]")).to_have_text("Connected")

        send(jordan, "Selling concert tickets, DM me")
        send(jordan, "first draft of my step four")
        send(jordan, "rough night, but I'm okay")
        for text in ("Selling concert tickets", "first draft of my step four", "rough night, but I'm okay"):
            expect(message_item(sam, text)).to_be_visible()

        proxy.cut()
        expect(sam.locator("[data-connection]")).to_contain_text("Disconnected")

        # Offline: Sam reports a message; it waits in the outbox and Sam is told.
        worry = message_item(sam, "rough night, but I'm okay")
        message_action(worry, "Report")
        sam.get_by_label("I'm worried about this person").check()
        sam.get_by_role("button", name="Send report").click()
        expect(sam.locator("[data-toasts]")).to_contain_text("will be sent when the connection is back")

        # Meanwhile a moderator removes one message and Jordan edits another.
        riley.once("dialog", lambda dialog: dialog.accept("No sales here"))
        message_action(message_item(riley, "Selling concert tickets"), "Remove")
        expect(message_item(jordan, "Selling concert tickets")).to_have_count(0)
        mine = message_item(jordan, "first draft of my step four")
        message_action(mine, "Edit")
        jordan.get_by_label("Edit message").fill("final draft of my step four, thanks for the help")
        jordan.get_by_role("button", name="Save").click()
        expect(message_item(riley, "final draft of my step four")).to_be_visible()
        # Still offline, Sam's page shows the old state.
        expect(message_item(sam, "Selling concert tickets")).to_have_count(1)

        proxy.restore()
        expect(sam.locator("[data-connection]")).to_have_text("Connected", timeout=20000)
        expect(message_item(sam, "Selling concert tickets")).to_have_count(0)
        expect(message_item(sam, "final draft of my step four, thanks for the help")).to_have_count(1)
        expect(message_item(sam, "first draft of my step four")).to_have_count(0)
        expect(sam.locator("[data-toasts]")).to_contain_text(re.compile("Back online: sent 1 waiting action"))
        screenshot(sam, "offline-return-sam-phone")

        # The report reached the review queue.
        riley.goto(demo_server + "/moderation/")
        expect(riley.locator("main")).to_contain_text("rough night, but I'm okay")
        expect(riley.locator("main")).to_contain_text("worried about this person")
    finally:
        for context in contexts:
            context.close()
        proxy.close()
