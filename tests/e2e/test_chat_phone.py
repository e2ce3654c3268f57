"""The chat on a phone (390×844, touch) and at a laptop size: the composer in
view without scrolling, Return making a new line on a touch keyboard, the
"new messages" pill, unread badges that clear, live room state (a lock reaches
an open page without anyone sending), the "More" menu by keyboard, and
screenshots in light and dark."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}


def message_item(page, text):
    return page.locator("[data-messages] li.message", has_text=text)


def open_room(page, base, slug="welcome"):
    page.goto(f"{base}/rooms/{slug}/")
    expect(page.locator("[data-connection]")).to_have_text("Connected")


def send_desktop(page, text):
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def composer_in_view(page, height):
    box = page.get_by_label("Message", exact=True).bounding_box()
    send = page.get_by_role("button", name="Send").bounding_box()
    page_scrolls = page.evaluate("document.scrollingElement.scrollHeight > window.innerHeight + 1")
    return box["y"] >= 0 and send["y"] + send["height"] <= height and not page_scrolls


def test_phone_composer_in_view_return_makes_a_new_line_and_the_pill(demo_server, browser):
    phone = browser.new_context(**PHONE)
    laptop = browser.new_context(**LAPTOP)
    sam, jordan = phone.new_page(), laptop.new_page()
    try:
        sign_in(sam, demo_server, "sam@example.org")
        sign_in(jordan, demo_server, "jordan@example.org")
        open_room(sam, demo_server)
        open_room(jordan, demo_server)
        assert composer_in_view(sam, 844)
        assert composer_in_view(jordan, 800)
        screenshot(sam, "chat-phone")
        screenshot(jordan, "chat-laptop")

        # On a touch keyboard Return makes a new line; Send posts the paragraph.
        box = sam.get_by_label("Message", exact=True)
        box.tap()
        box.type("first line")
        box.press("Enter")
        box.type("second line")
        assert box.input_value() == "first line\nsecond line"
        expect(message_item(jordan, "first line")).to_have_count(0)
        sam.get_by_role("button", name="Send").tap()
        expect(message_item(jordan, "second line")).to_be_visible()
        expect(box).to_have_value("")

        # Scrolled up, a new message shows the pill instead of moving the page.
        for i in range(8):
            send_desktop(jordan, f"filler {i} " + "so many words to fill the screen " * 4)
        expect(message_item(sam, "filler 7")).to_be_visible()
        sam.locator("[data-messages]").evaluate("list => { list.scrollTop = 0; }")
        send_desktop(jordan, "are you still there?")
        pill = sam.get_by_role("button", name="New messages ↓")
        expect(pill).to_be_visible()
        assert sam.locator("[data-messages]").evaluate("list => list.scrollTop") < 50
        screenshot(sam, "chat-phone-new-messages-pill")
        pill.tap()
        expect(pill).to_be_hidden()
        expect(message_item(sam, "are you still there?")).to_be_in_viewport()
        # A screen reader hears the new message once, from its own announcer.
        expect(sam.locator("[data-announcer]")).to_have_text(re.compile(r"^Jordan: are you still there\?"))
        assert sam.locator("[data-messages]").get_attribute("aria-live") is None
    finally:
        phone.close()
        laptop.close()


def test_unread_badge_clears_when_the_room_is_opened(demo_server, browser):
    context = browser.new_context(**PHONE)
    other = browser.new_context(**LAPTOP)
    sam, jordan = context.new_page(), other.new_page()
    try:
        sign_in(sam, demo_server, "sam@example.org")
        sign_in(jordan, demo_server, "jordan@example.org")
        open_room(jordan, demo_server)
        send_desktop(jordan, "badge check")
        expect(message_item(jordan, "badge check")).to_have_count(1)
        sam.goto(demo_server + "/rooms/")
        card = sam.locator(".room-list li", has=sam.get_by_role("link", name="Welcome", exact=True))
        expect(card.locator(".badge")).to_be_visible()
        card.get_by_role("link", name="Welcome", exact=True).tap()
        expect(message_item(sam, "badge check")).to_be_visible()
        sam.goto(demo_server + "/rooms/")
        expect(card.locator(".badge")).to_have_count(0)
    finally:
        context.close()
        other.close()


def test_a_lock_reaches_an_open_page_without_sending(demo_server, browser):
    phone = browser.new_context(**PHONE)
    laptop = browser.new_context(**LAPTOP)
    sam, riley = phone.new_page(), laptop.new_page()
    try:
        sign_in(sam, demo_server, "sam@example.org")
        sign_in(riley, demo_server, "riley@example.org")
        open_room(sam, demo_server)
        box = sam.get_by_label("Message", exact=True)
        box.fill("a draft I have not sent")

        riley.goto(demo_server + "/moderation/rooms/welcome/")
        riley.get_by_label("Locked (read-only for members)").check()
        riley.get_by_role("button", name="Save").first.click()

        banner = sam.locator("[data-posting]")
        expect(banner).to_contain_text("A moderator has locked this room")
        expect(box).to_be_disabled()
        expect(sam.get_by_role("button", name="Send")).to_be_disabled()
        expect(box).to_have_value("a draft I have not sent")
        screenshot(sam, "chat-phone-locked")

        riley.goto(demo_server + "/moderation/rooms/welcome/")
        riley.get_by_label("Locked (read-only for members)").uncheck()
        riley.get_by_role("button", name="Save").first.click()
        expect(box).to_be_enabled()
        expect(banner).to_be_hidden()
        sam.get_by_role("button", name="Send").tap()
        expect(message_item(riley_room(riley, demo_server), "a draft I have not sent")).to_be_visible()
    finally:
        phone.close()
        laptop.close()


def riley_room(page, base):
    open_room(page, base)
    return page


def test_message_actions_are_one_menu_reachable_by_keyboard(demo_server, browser):
    context = browser.new_context(**LAPTOP)
    sam = context.new_page()
    try:
        sign_in(sam, demo_server, "sam@example.org")
        open_room(sam, demo_server)
        send_desktop(sam, "keyboard menu check")
        mine = message_item(sam, "keyboard menu check")
        expect(mine).not_to_have_class(re.compile("pending"))
        # One tab stop per message, not one per action.
        assert mine.locator("button:visible, summary:visible, a:visible").count() == 1
        more = mine.get_by_role("button", name=re.compile(r"^Actions for your message from \d"))
        more.focus()
        sam.keyboard.press("Enter")
        first = mine.get_by_role("menuitem").first
        expect(first).to_be_focused()
        expect(first).to_have_accessible_name(re.compile(r"^Reply to your message from"))
        sam.keyboard.press("End")
        expect(mine.get_by_role("menuitem").last).to_be_focused()
        sam.keyboard.press("Escape")
        expect(mine.get_by_role("menu")).to_be_hidden()
        expect(more).to_be_focused()

        # Reacting from the menu keeps focus on the same message.
        more.press("Enter")
        mine.get_by_role("menuitem", name="React with heart").press("Enter")
        expect(mine.locator(".reactions button")).to_have_count(1)
        expect(mine.get_by_role("button", name=re.compile(r"^Actions for your message"))).to_be_focused()
    finally:
        context.close()


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_dark_mode_screenshots(demo_server, browser, size):
    context = browser.new_context(color_scheme="dark", **(PHONE if size == "phone" else LAPTOP))
    page = context.new_page()
    try:
        sign_in(page, demo_server, "jordan@example.org")
        open_room(page, demo_server)
        red, green, blue = (
            int(v)
            for v in re.findall(r"\d+", page.evaluate("getComputedStyle(document.documentElement).backgroundColor"))[:3]
        )
        assert red + green + blue < 3 * 80, "the page follows the dark colour scheme"
        box = page.locator("[data-messages]").evaluate("e => getComputedStyle(e).backgroundColor")
        assert sum(int(v) for v in re.findall(r"\d+", box)[:3]) < 3 * 90, box
        screenshot(page, f"chat-{size}-dark")
    finally:
        context.close()


@pytest.mark.parametrize(("size", "scheme"), [("phone", "light"), ("laptop", "dark")])
def test_chat_with_a_menu_and_a_dialog_open_passes_axe(demo_server, browser, size, scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(color_scheme=scheme, **(PHONE if size == "phone" else LAPTOP))
    page = context.new_page()
    try:
        sign_in(page, demo_server, "sam@example.org")
        open_room(page, demo_server)
        others = page.locator("[data-messages] li.message").filter(has_not_text="Sam")
        item = others.last
        item.locator("[data-more]").click()
        expect(item.get_by_role("menu")).to_be_visible()
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()
        item.get_by_role("menuitem", name=re.compile("^Report")).click()
        expect(page.get_by_role("dialog")).to_be_visible()
        screenshot(page, f"chat-{size}-{scheme}-report-dialog")
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()


def test_mention_suggestions_from_people_on_the_page(demo_server, browser):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(**LAPTOP)
    sam = context.new_page()
    try:
        sign_in(sam, demo_server, "sam@example.org")
        open_room(sam, demo_server)
        box = sam.get_by_label("Message", exact=True)
        box.click()
        box.type("thank you @gab")
        options = sam.get_by_role("listbox", name="People to mention").get_by_role("option")
        expect(options).to_have_text(["Gabe"])
        assert Axe().run(sam).violations_count == 0
        box.press("Enter")  # chooses the suggestion; does not send
        expect(box).to_have_value("thank you @Gabe ")
        expect(sam.get_by_role("listbox", name="People to mention")).to_be_hidden()
        box.type("for sharing")
        box.press("Enter")
        sent = message_item(sam, "thank you @Gabe for sharing")
        expect(sent.locator(".mention")).to_have_text("@Gabe")
        # Escape closes the suggestions and leaves the text as typed.
        box.type("@ri")
        expect(options).to_have_count(1)
        box.press("Escape")
        expect(sam.get_by_role("listbox", name="People to mention")).to_be_hidden()
        expect(box).to_have_value("@ri")
    finally:
        context.close()
