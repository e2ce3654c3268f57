"""The page never lets an older copy of a message undo a newer one.

A copy of a message can reach the page after a change to it: a backlog read
just before an edit, a duplicate after a reconnect. The server orders its
frames so this should not happen; the page also refuses a copy whose change
number is older than what it shows. Here the socket goes through Playwright's
WebSocket route, which forwards every frame and lets the test replay an old
one — the same frame the server sent earlier, byte for byte."""

import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import message_action, sign_in

pytestmark = pytest.mark.browser


def test_an_older_copy_of_a_message_does_not_undo_its_edit_or_removal(demo_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sockets = []
    from_server: list[str] = []

    def forward(ws):
        server = ws.connect_to_server()
        ws.on_message(lambda message: server.send(message))

        def to_page(message):
            from_server.append(message)
            ws.send(message)

        server.on_message(to_page)
        sockets.append(ws)

    try:
        sign_in(page, demo_server, "sam@example.org")
        page.route_web_socket(re.compile(r".*/ws/rooms/.*"), forward)
        page.goto(demo_server + "/rooms/welcome/")
        expect(page.locator("[data-connection]")).to_have_text("Connected")
        box = page.get_by_label("Message", exact=True)
        box.fill("First words about the weekend")
        box.press("Enter")
        mine = page.locator("[data-messages] li.message", has_text="First words about the weekend")
        expect(mine).not_to_have_class(re.compile("pending"))

        def original():
            for text in from_server:
                frame = json.loads(text)
                if frame["type"] == "message" and frame["message"]["body"] == "First words about the weekend":
                    return text
            return None

        page.wait_for_function("() => true")  # let the route's callbacks run
        stale = original()
        assert stale is not None, "the server's copy of the new message passed through the route"

        message_action(mine, "Edit your message")
        page.get_by_label("Edit message").fill("Second words about the weekend")
        page.get_by_role("button", name="Save").click()
        edited = page.locator("[data-messages] li.message", has_text="Second words about the weekend")
        expect(edited.locator(".edited")).to_have_text("(edited)")

        sockets[-1].send(stale)  # the old copy arrives late
        page.wait_for_timeout(300)
        expect(edited).to_have_count(1)
        expect(page.locator("[data-messages] li.message", has_text="First words about the weekend")).to_have_count(0)

        page.once("dialog", lambda dialog: dialog.accept())
        message_action(edited, "Delete")
        expect(page.locator("[data-messages] li.message", has_text="Second words about the weekend")).to_have_count(0)
        removed = page.locator(f"#m{json.loads(stale)['message']['id']} .removed")
        expect(removed).to_be_visible()

        sockets[-1].send(stale)
        page.wait_for_timeout(300)
        expect(removed).to_be_visible()
        expect(page.locator("[data-messages] li.message", has_text="First words about the weekend")).to_have_count(0)
    finally:
        context.close()
