"""Direct messages in two browsers: Jordan lets members who share a room with
him write; Sam asks from a message of Jordan's in Welcome; Jordan accepts and
they talk live. A declined request leaves the sender's pages as they were."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import live_server, message_action, screenshot, sign_in

pytestmark = pytest.mark.browser

# Casey lets members who share a room with her ask (for the decline test).
SETUP = """
from community.models import User
User.objects.filter(email="casey@example.org").update(direct_messages_from="shared_room")
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("dm"), setup=SETUP) as base:
        yield base


def send(page, text):
    # Submits the composer as its Send button does (on a touch screen Return
    # makes a new line, and a toast may lie over the button on a phone).
    page.get_by_label("Message", exact=True).fill(text)
    page.locator("[data-composer]").evaluate("form => form.requestSubmit()")


def message_item(page, text):
    return page.locator("[data-messages] li.message", has_text=text)


def test_sam_asks_jordan_accepts_and_they_talk_live(server, browser):
    sam_context = browser.new_context(viewport={"width": 1280, "height": 800})
    jordan_context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    sam, jordan = sam_context.new_page(), jordan_context.new_page()
    try:
        sign_in(sam, server, "sam@example.org")
        sign_in(jordan, server, "jordan@example.org")

        # Jordan opens up to members who share a room with him.
        jordan.goto(server + "/profile/")
        jordan.get_by_label("Members who share a room with me").check()
        jordan.get_by_role("button", name="Save profile").click()
        expect(jordan.locator(".flash")).to_contain_text("saved")
        jordan.goto(server + "/rooms/welcome/")
        expect(jordan.locator("[data-connection]")).to_have_text("Connected")
        send(jordan, "Anyone up for the Thursday walk?")
        expect(message_item(jordan, "Thursday walk")).not_to_have_class(re.compile("pending"))

        # Sam writes to him from his message's menu: a request, not a conversation.
        sam.goto(server + "/rooms/welcome/")
        message_action(message_item(sam, "Thursday walk"), "Send Jordan a private message")
        expect(sam.get_by_role("heading", name="Message Jordan")).to_be_visible()
        screenshot(sam, "dm-new-desktop")
        sam.get_by_label("Your message").fill("Hi Jordan, I'd love to join the walk. Can we talk?")
        sam.get_by_role("button", name="Send request").click()
        expect(sam.locator("main")).to_contain_text("Your message request was sent")

        # Jordan sees the request, with Sam's words, and accepts.
        jordan.goto(server + "/messages/requests/")
        expect(jordan.locator("main")).to_contain_text("I'd love to join the walk")
        screenshot(jordan, "dm-requests-phone")
        jordan.get_by_role("button", name="Accept Sam's request").click()
        expect(jordan.get_by_role("heading", name="Sam", exact=True)).to_be_visible()
        expect(message_item(jordan, "love to join the walk")).to_be_visible()
        expect(jordan.locator("[data-connection]")).to_have_text("Connected")

        # Sam was told; the conversation is on his Messages page, under Jordan's name.
        sam.goto(server + "/messages/")
        screenshot(sam, "dm-inbox-desktop")
        sam.get_by_role("link", name="Jordan").click()
        expect(sam.locator("[data-connection]")).to_have_text("Connected")

        send(jordan, "Yes! Meet at the park gate at 6?")
        expect(message_item(sam, "park gate at 6")).to_be_visible()
        # The conversation on screen is its own notice: no toast for it.
        sam.wait_for_timeout(500)
        expect(sam.locator(".toast", has_text="sent you a message")).to_have_count(0)
        expect(sam.get_by_role("link", name="Messages")).to_have_attribute("aria-current", "page")
        send(sam, "Perfect, see you there")
        expect(message_item(jordan, "see you there")).to_be_visible()
        screenshot(sam, "dm-room-desktop")
        screenshot(jordan, "dm-room-phone")
        jordan.goto(server + "/messages/")
        screenshot(jordan, "dm-inbox-phone")
    finally:
        sam_context.close()
        jordan_context.close()


def _main_text(page) -> str:
    # The page as its reader sees it, without the relative times.
    return re.sub(r"\d+\s+\w+ ago", "", page.locator("main").inner_text())


def test_a_declined_request_leaves_no_trace_for_the_sender(server, browser):
    sam_context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    casey_context = browser.new_context(viewport={"width": 1280, "height": 800})
    sam, casey = sam_context.new_page(), casey_context.new_page()
    try:
        sign_in(sam, server, "sam@example.org")
        sign_in(casey, server, "casey@example.org")
        casey.goto(server + "/rooms/welcome/")
        expect(casey.locator("[data-connection]")).to_have_text("Connected")
        send(casey, "Hello from Casey")
        expect(message_item(casey, "Hello from Casey")).not_to_have_class(re.compile("pending"))

        sam.goto(server + "/rooms/welcome/")
        message_action(message_item(sam, "Hello from Casey"), "Send Casey a private message")
        new_url = sam.url
        sam.get_by_label("Your message").fill("Hi Casey, could we talk some time?")
        sam.get_by_role("button", name="Send request").click()
        expect(sam.locator("main")).to_contain_text("Your message request was sent")
        sam.goto(server + "/messages/requests/")
        before_requests = _main_text(sam)
        sam.goto(new_url)
        before_new = _main_text(sam)
        unread_before = sam.locator("[data-unread]").inner_text()
        screenshot(sam, "dm-sent-phone")

        casey.goto(server + "/messages/requests/")
        casey.get_by_role("button", name="Decline Sam's request").click()
        expect(casey.locator(".flash")).to_contain_text("Nobody is told")
        expect(casey.locator("main")).to_contain_text("No requests are waiting")
        screenshot(casey, "dm-declined-desktop")

        sam.goto(server + "/messages/requests/")
        assert _main_text(sam) == before_requests
        sam.goto(new_url)
        assert _main_text(sam) == before_new
        assert sam.locator("[data-unread]").inner_text() == unread_before
        # Asking again changes nothing either.
        expect(sam.get_by_role("button", name="Send request")).to_have_count(0)
    finally:
        sam_context.close()
        casey_context.close()
