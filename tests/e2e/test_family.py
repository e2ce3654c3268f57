"""Browser test of the families' side on the demo community:

- Kim (Sam's sister, a family member) signs in on a phone: her home shows the
  Families & friends room, the family meetups, Sam's shared milestones, the
  family resources and the crisis lines; she talks in the family room live;
  every page of the alumni side (rooms, members, mentors, Sam's recovery
  pages, search, staff) is refused and names nobody.
- Sam asks for his brother on My family; Morgan (staff) approves on the
  Families page; Sam stops sharing milestones and Kim's home no longer shows
  them.

Every page on the way passes axe. Screenshots: tests/artifacts/family-*.png.
"""

import pytest
from playwright.sync_api import expect

from .conftest import live_server, screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ALUMNI_SIDE = [
    "/rooms/welcome/",
    "/members/",
    "/mentors/",
    "/me/safety-plan/",
    "/me/check-in/",
    "/me/progress/",
    "/me/milestones/",
    "/me/family/",
    "/staff/",
    "/moderation/crisis/",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("e2e-family")) as base:
        yield base


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def no_axe_violations(axe, page) -> None:
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_family_member_reaches_her_side_and_nothing_of_the_alumni_side(browser, server, axe):
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    sign_in(page, server, "kim@example.org")
    page.goto(server + "/")
    expect(page.get_by_role("heading", name="Welcome, Kim")).to_be_visible()
    expect(page.get_by_role("link", name="Families & friends")).to_be_visible()
    expect(page.get_by_text("Family education evening")).to_be_visible()
    people = page.get_by_role("region", name="Your people")
    expect(people.get_by_text("Alcohol-free")).to_be_visible()
    expect(page.get_by_role("link", name="Mentors")).to_have_count(0)
    no_axe_violations(axe, page)
    screenshot(page, "family-home-phone")

    page.goto(server + "/family/resources/")
    expect(page.get_by_role("heading", name="Supporting without taking over")).to_be_visible()
    no_axe_violations(axe, page)
    screenshot(page, "family-resources-phone")

    page.goto(server + "/rooms/")
    expect(page.get_by_role("link", name="Families & friends", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Welcome")).to_have_count(0)

    page.goto(server + "/rooms/families-and-friends/")
    composer = page.get_by_label("Message", exact=True)
    expect(composer).to_be_enabled()
    composer.fill("Thank you all, this room helps.")
    page.get_by_role("button", name="Send").tap()
    expect(page.locator(".message").filter(has_text="this room helps")).to_be_visible()
    screenshot(page, "family-room-phone")

    for path in ALUMNI_SIDE:
        response = page.goto(server + path)
        assert response.status in (403, 404), (path, response.status)
        body = page.content()
        for name in ("Jordan", "Alex R.", "Devon"):
            assert name not in body, (path, name)
    context.close()


def test_an_alumnus_asks_staff_approve_and_sharing_stops_when_he_says(browser, server, axe):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, server, "sam@example.org")
    page.goto(server + "/me/family/")
    expect(page.get_by_role("heading", name="Kim (sister)")).to_be_visible()
    no_axe_violations(axe, page)
    page.get_by_label("Their e-mail address").fill("sams.brother@example.org")
    page.get_by_label("Who they are to you").fill("brother")
    page.get_by_role("button", name="Send to staff").click()
    expect(page.get_by_text("Your request went to staff")).to_be_visible()
    expect(page.get_by_text("Waiting for staff")).to_be_visible()
    screenshot(page, "family-my-family")

    staff = browser.new_context(viewport={"width": 1280, "height": 800})
    staff_page = staff.new_page()
    sign_in(staff_page, server, "morgan@example.org")
    staff_page.goto(server + "/staff/family/")
    no_axe_violations(axe, staff_page)
    staff_page.get_by_role("button", name="Approve and invite sams.brother@example.org").click()
    expect(staff_page.get_by_text("Invitation sent.")).to_be_visible()
    screenshot(staff_page, "family-staff")
    staff.close()

    page.reload()
    expect(page.get_by_text("Approved: invitation sent")).to_be_visible()
    page.get_by_role("button", name="Stop sharing my milestones with Kim").click()
    expect(page.get_by_text("Kim no longer sees your milestones.")).to_be_visible()
    context.close()

    kim = browser.new_context(viewport=PHONE)
    kim_page = kim.new_page()
    sign_in(kim_page, server, "kim@example.org")
    kim_page.goto(server + "/")
    expect(kim_page.get_by_text("haven't chosen to share milestones")).to_be_visible()
    expect(kim_page.get_by_text("Alcohol-free")).to_have_count(0)
    kim.close()
