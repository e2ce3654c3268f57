"""Dark mode: the page follows the system's colour scheme until the member
picks with the header's switch; the pick survives a reload and a new page,
and picking what the system already says forgets the pick. Screenshots of
the home page, the calendar and a meetup in both themes at both widths."""

import pytest

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def theme_of(page) -> str:
    return page.evaluate("getComputedStyle(document.documentElement).colorScheme")


def test_dark_follows_the_system_until_the_member_picks(browser, demo_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark", has_touch=True)
    page = context.new_page()
    sign_in(page, demo_server, "sam@example.org")
    switch = page.get_by_role("button", name="Dark theme")

    assert theme_of(page) == "dark"
    assert switch.get_attribute("aria-pressed") == "true"

    switch.click()
    assert theme_of(page) == "light"
    assert switch.get_attribute("aria-pressed") == "false"
    assert page.evaluate("localStorage.getItem('theme')") == "light"

    page.goto(demo_server + "/meetups/")
    assert theme_of(page) == "light"
    assert page.get_by_role("button", name="Dark theme").get_attribute("aria-pressed") == "false"

    # Back to what the system says: the pick is forgotten.
    page.get_by_role("button", name="Dark theme").click()
    assert theme_of(page) == "dark"
    assert page.evaluate("localStorage.getItem('theme')") is None
    context.close()


def test_a_light_system_can_pick_dark(browser, demo_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="light")
    page = context.new_page()
    sign_in(page, demo_server, "sam@example.org")
    page.get_by_role("button", name="Dark theme").click()
    page.reload()

    assert theme_of(page) == "dark"
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(18, 20, 23)"  # --bg of the dark set
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_in_both_themes(browser, demo_server, scheme):
    for name, viewport in {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}.items():
        context = browser.new_context(viewport=viewport, color_scheme=scheme)
        page = context.new_page()
        sign_in(page, demo_server, "sam@example.org")
        screenshot(page, f"theme-home-{name}-{scheme}")
        page.goto(demo_server + "/meetups/month/")
        screenshot(page, f"theme-month-{name}-{scheme}")
        page.goto(demo_server + "/meetups/")
        page.locator("main a[href^='/meetups/'][href$='/']").filter(has_text="Alumni").first.click()
        page.wait_for_load_state("networkidle")
        screenshot(page, f"theme-meetup-{name}-{scheme}")
        context.close()
