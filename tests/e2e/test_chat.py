"""Two people chat in two browsers: message, reply, reaction, edit, delete,
and a network drop that loses nothing."""

import contextlib
import re
import socket
import threading

import pytest
from playwright.sync_api import expect

from .conftest import message_action, screenshot, sign_in

pytestmark = pytest.mark.browser


class DroppableProxy:
    """A TCP proxy in front of the server for one browser: `cut()` drops its
    connections and refuses new ones until `restore()` — a real network drop."""

    def __init__(self, target_port: int, listen_port: int = 0):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", listen_port))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.connections += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pipe(source, destination):
        try:
            while data := source.recv(65536):
                destination.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, destination):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self):
        self.up = False
        with self.lock:
            for s in self.connections:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            self.connections.clear()

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        self.listener.close()


def message_item(page, text):
    return page.locator("[data-messages] li.message", has_text=text)


def send(page, text):
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def test_two_people_chat_live_and_lose_nothing_on_a_drop(demo_server, browser):
    port = int(demo_server.rsplit(":", 1)[1])
    proxy = DroppableProxy(port, demo_server.proxy_port)
    jordan_base = f"http://127.0.0.1:{proxy.port}"
    sam_context = browser.new_context(viewport={"width": 1280, "height": 900})
    jordan_context = browser.new_context(viewport={"width": 390, "height": 844})
    sam, jordan = sam_context.new_page(), jordan_context.new_page()
    try:
        sign_in(sam, demo_server, "sam@example.org")
        sign_in(jordan, jordan_base, "jordan@example.org")
        sam.goto(demo_server + "/rooms/welcome/")
        jordan.goto(jordan_base + "/rooms/welcome/")
        expect(sam.locator("[data-connection]")).to_have_text("Connected")
        expect(jordan.locator("[data-connection]")).to_have_text("Connected")
        expect(sam.locator("[data-online]")).to_contain_text("Jordan")

        # Message
        send(sam, "Morning Jordan, how did the **interview** go?")
        incoming = message_item(jordan, "how did the interview go?")
        expect(incoming).to_be_visible()
        expect(incoming.locator("strong")).to_have_text("interview")

        # Reply (quoted)
        message_action(incoming, "Reply to message from Sam")
        send(jordan, "It went well, thank you!")
        reply = message_item(sam, "It went well, thank you!")
        expect(reply.locator(".quote")).to_contain_text("Sam: Morning Jordan")

        # Reaction
        message_action(reply, "React with heart")
        expect(
            message_item(jordan, "It went well").get_by_role("button", name=re.compile("heart reaction, 1"))
        ).to_be_visible()

        # Edit
        mine = message_item(sam, "how did the interview go?")
        message_action(mine, "Edit your message")
        sam.get_by_label("Edit message").fill("Morning Jordan, how did the job interview go?")
        sam.get_by_role("button", name="Save").click()
        edited = message_item(jordan, "how did the job interview go?")
        expect(edited.locator(".edited")).to_have_text("(edited)")

        # Delete
        sam.once("dialog", lambda dialog: dialog.accept())
        message_action(message_item(sam, "how did the job interview go?"), "Delete")
        expect(message_item(jordan, "how did the job interview go?")).to_have_count(0)
        expect(jordan.locator(".removed").last).to_be_visible()
        screenshot(sam, "chat-sam-desktop")

        # Jordan's network drops. Sam keeps talking; Jordan writes while offline.
        proxy.cut()
        expect(jordan.locator("[data-connection]")).to_contain_text("Disconnected")
        send(sam, "Are you still there? (1)")
        send(sam, "Are you still there? (2)")
        send(jordan, "Sorry, my train went into a tunnel")
        expect(message_item(jordan, "my train went into a tunnel")).to_have_class(re.compile("pending"))
        proxy.restore()

        expect(jordan.locator("[data-connection]")).to_have_text("Connected", timeout=20000)
        for text in ("Are you still there? (1)", "Are you still there? (2)"):
            expect(message_item(jordan, text)).to_have_count(1)
        expect(message_item(sam, "my train went into a tunnel")).to_have_count(1)
        expect(message_item(jordan, "my train went into a tunnel")).not_to_have_class(re.compile("pending"))
        order = jordan.locator("[data-messages] li.message .body").all_inner_texts()
        tail = [t for t in order if "still there" in t or "tunnel" in t]
        assert tail[:2] == ["Are you still there? (1)", "Are you still there? (2)"]
        screenshot(jordan, "chat-jordan-phone")
    finally:
        sam_context.close()
        jordan_context.close()
        proxy.close()
