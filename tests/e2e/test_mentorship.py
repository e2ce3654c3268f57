"""Browser test: a mentee asks for a mentor, picks a suggestion, the mentor
accepts, and the mentee lands in their private mentorship room.

Runs on the shared `demo_server` (Daphne on a temporary SQLite file filled by
seed_demo, whose mentorship part adds approved mentors Jordan, Frankie and
Indigo) and drives Debian's Chromium through Playwright. Screenshots of each
page, desktop and a 375px phone, go to tests/artifacts/mentorship-*.png.
"""

import re

import pytest

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
GOALS = "Keeping my evenings steady now that I am back at work."


def _page(browser, base, email, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    sign_in(page, base, email)
    return context, page


def _ask_for_a_mentor(page, base):
    page.goto(base + "/mentors/")
    page.get_by_role("link", name="Ask for a mentor").click()
    page.get_by_label("Anxiety", exact=True).check()
    page.get_by_label("Work & school", exact=True).check()
    page.get_by_label("What would you like from a mentor?").fill(GOALS)
    page.get_by_label("English", exact=True).check()
    page.get_by_label("Tuesday evening", exact=True).check()
    page.get_by_label("Thursday evening", exact=True).check()
    page.get_by_label("Video call", exact=True).check()


def test_mentee_goes_from_request_to_an_active_mentorship_room(demo_server, browser):
    base = demo_server
    sam_ctx, sam = _page(browser, base, "sam@example.org", DESKTOP)

    # Asking with a missing field shows a clear error and keeps what was typed.
    _ask_for_a_mentor(sam, base)
    sam.get_by_label("Video call", exact=True).uncheck()
    sam.get_by_role("button", name="See my suggested mentors").click()
    assert sam.get_by_text("Choose at least one way to meet.").is_visible()
    assert sam.get_by_label("What would you like from a mentor?").input_value() == GOALS
    screenshot(sam, "mentorship-request-error-desktop")

    sam.get_by_label("Video call", exact=True).check()
    sam.get_by_role("button", name="See my suggested mentors").click()
    sam.wait_for_url(base + "/mentors/")
    suggestions = sam.locator(".mt-suggestion")
    assert 1 <= suggestions.count() <= 3
    assert suggestions.first.get_by_text("both free").is_visible()
    screenshot(sam, "mentorship-suggestions-desktop")

    mentor_name = suggestions.first.locator("h3").inner_text().strip()
    suggestions.first.get_by_role("button", name=f"Ask {mentor_name} to mentor me").click()
    sam.wait_for_url(re.compile(r".*/mentors/m/\d+/$"))
    assert sam.get_by_text("Proposed").first.is_visible()
    detail_url = sam.url
    screenshot(sam, "mentorship-ask-desktop")

    # The mentor answers: sees why, but not Sam's goals yet, and accepts.
    mentor_ctx, mentor = _page(browser, base, f"{mentor_name.lower()}@example.org", DESKTOP)
    mentor.goto(base + "/mentors/")
    assert mentor.get_by_text("Waiting for your answer").first.is_visible()
    mentor.goto(detail_url)
    assert GOALS not in mentor.content()
    assert mentor.get_by_role("heading", name="Why this match").is_visible()
    screenshot(mentor, "mentorship-mentor-answers-desktop")
    mentor.get_by_role("button", name="Accept").click()
    mentor.wait_for_url(re.compile(r".*/rooms/mentorship-.*"))
    mentor.goto(detail_url)
    assert mentor.get_by_text(GOALS).is_visible()
    mentor_ctx.close()

    # Sam finds the room from the mentors page.
    sam.goto(base + "/mentors/")
    assert sam.locator(".mt-pill-active").first.is_visible()
    screenshot(sam, "mentorship-hub-active-desktop")
    sam.get_by_role("link", name="Open your room").click()
    sam.wait_for_url(re.compile(r".*/rooms/mentorship-.*"))
    assert sam.get_by_role("heading", name=f"{mentor_name} & Sam").is_visible()
    screenshot(sam, "mentorship-room-desktop")

    # The same pages on a phone.
    phone = browser.new_context(viewport=PHONE, storage_state=sam_ctx.storage_state())
    page = phone.new_page()
    for name, path in [("hub", "/mentors/"), ("detail", detail_url.removeprefix(base))]:
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} scrolls sideways on a phone ({width}px)"
        screenshot(page, f"mentorship-{name}-phone")
    phone.close()
    sam_ctx.close()


def test_forms_and_staff_page_fit_a_phone(demo_server, browser):
    base = demo_server
    for email, path, name in [
        ("alex@example.org", "/mentors/request/", "request-form"),
        ("harper@example.org", "/mentors/", "suggestions"),
        ("morgan@example.org", "/mentors/staff/", "staff"),
    ]:
        for label, viewport in [("phone", PHONE), ("desktop", DESKTOP)]:
            context, page = _page(browser, base, email, viewport)
            page.goto(base + path)
            assert page.locator("h1").first.is_visible()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{path} scrolls sideways ({width}px)"
            screenshot(page, f"mentorship-{name}-{label}")
            context.close()
