"""Browser test on a 390x844 phone: a member completes the weekly check-in,
sees the trend on My progress, shares a summary with their mentor, who sees
it on the mentorship page's link — and stops seeing it the moment the member
stops sharing. Every recovery page on the way passes axe.

Runs on its own Daphne with the demo community (sam has months of check-ins;
the setup script makes jordan sam's active mentor and clears sam's check-in
for this week). Screenshots go to tests/artifacts/recovery-*.png.
"""

import re
import time
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, live_server, screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

SETUP = """
from django.utils import timezone
from community.models import User
from mentorship.models import MentorRequest, Mentorship
from recovery import dates
from recovery.models import CheckIn

sam = User.objects.get(email="sam@example.org")
jordan = User.objects.get(email="jordan@example.org")
request = MentorRequest.objects.create(
    mentee=sam, goals="Steady evenings", status="matched", languages=["en"],
    availability=["tue-evening"], time_zone=sam.time_zone, meeting_preferences=["chat"],
)
m = Mentorship.objects.create(
    mentor=jordan, mentee=sam, request=request, status="active", source="self", started_at=timezone.now()
)
CheckIn.objects.filter(member=sam, week_start=dates.current_week(sam)).delete()
print(m.pk)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("e2e-recovery"), setup=SETUP) as base:
        yield base


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def no_axe_violations(axe, page) -> None:
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def phone(browser, base, email):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    sign_in(page, base, email)
    return context, page


def choose(page, legend: str, option: str) -> None:
    # The input covers its whole label card: a tap anywhere on the card lands on it.
    page.get_by_role("group", name=legend, exact=True).get_by_label(option, exact=True).tap()


def test_check_in_trend_and_share_with_the_mentor_on_a_phone(server, browser, axe):
    base = server
    sam_ctx, sam = phone(browser, base, "sam@example.org")

    sam.get_by_role("link", name="Check in for this week").tap()
    sam.wait_for_url(base + "/me/check-in/")
    screenshot(sam, "recovery-checkin-phone")
    sam.screenshot(path=str(ARTIFACTS / "recovery-checkin-phone-first-screen.png"))  # what the phone shows first
    no_axe_violations(axe, sam)
    # Every answer is a big tap target, and no answer needs scrolling sideways.
    heights = sam.locator(".ci-option").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert min(heights) >= 44
    assert sam.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    started = time.monotonic()
    taps = 0
    for legend, option in [
        ("Little interest or pleasure in doing things", "Several days"),
        ("Feeling down, depressed or hopeless", "Not at all"),
        ("Feeling nervous, anxious or on edge", "Several days"),
        ("Not being able to stop or control worrying", "Not at all"),
        ("Craving, at its strongest this week", "1"),
        ("Sleep", "Good"),
        ("Stress", "Low"),
        ("This week I went to", "A meeting"),
        ("What helped most this week", "People I talked to"),
        ("Right now, do you feel safe?", "Yes, I feel safe"),
    ]:
        choose(sam, legend, option)
        taps += 1
    sam.get_by_role("button", name="Save my check-in").tap()
    sam.wait_for_url(base + "/me/check-in/done/")
    elapsed = time.monotonic() - started
    assert taps + 1 == 11  # ten answers and Save
    assert elapsed < 60
    assert sam.get_by_role("heading", name="Thank you for checking in").is_visible()
    assert sam.get_by_text("Talk to a moderator now").count() == 0
    screenshot(sam, "recovery-checkin-done-phone")

    sam.get_by_role("link", name="See my progress").tap()
    sam.wait_for_url(base + "/me/progress/")
    chart = sam.locator("figure", has=sam.locator("#chart-craving-t"))
    assert chart.locator("path.ci-line").count() >= 2  # sam's gaps break the line
    assert "latest 1" in chart.locator("desc").text_content()
    sam.get_by_text("The same numbers as a table").tap()
    assert sam.get_by_role("table").is_visible()
    screenshot(sam, "recovery-progress-phone")
    no_axe_violations(axe, sam)

    sam.get_by_role("link", name="Share a summary with your mentor").tap()
    sam.wait_for_url(base + "/me/check-in/sharing/")
    sam.get_by_role("button", name="Share with Jordan").tap()
    expect(sam.get_by_text("Jordan can now see a summary of your check-ins.")).to_be_visible()
    screenshot(sam, "recovery-sharing-phone")
    no_axe_violations(axe, sam)

    jordan_ctx, jordan = phone(browser, base, "jordan@example.org")
    jordan.goto(base + "/mentors/")
    jordan.get_by_role("link", name="Sam").first.tap()
    jordan.get_by_role("link", name="Sam's check-in summary").tap()
    expect(jordan.get_by_role("heading", name="Sam's check-in summary")).to_be_visible()
    assert jordan.locator("#chart-craving-t").is_visible()
    assert jordan.get_by_text("Good meeting on Tuesday.").count() == 0  # never the notes
    screenshot(jordan, "recovery-mentor-summary-phone")
    no_axe_violations(axe, jordan)

    sam.get_by_role("button", name="Stop sharing with Jordan").tap()
    expect(sam.get_by_text("Jordan can no longer see your summary.")).to_be_visible()
    jordan.reload()
    expect(jordan.get_by_text("Sam hasn't shared a check-in summary with you.")).to_be_visible()
    assert jordan.locator("#chart-craving-t").count() == 0

    sam_ctx.close()
    jordan_ctx.close()


def test_a_hard_week_shows_the_members_own_plan_and_a_milestone_is_shared_to_a_room(server, browser, axe):
    base = server
    ctx, page = phone(browser, base, "sam@example.org")

    # Sam changes this week's answers to a not-safe one: the concern card with the plan, and a person only if asked.
    page.goto(base + "/me/check-in/")
    for legend, option in [
        ("Little interest or pleasure in doing things", "Nearly every day"),
        ("Feeling down, depressed or hopeless", "Nearly every day"),
        ("Feeling nervous, anxious or on edge", "Nearly every day"),
        ("Not being able to stop or control worrying", "More than half the days"),
        ("Craving, at its strongest this week", "8"),
        ("Sleep", "Poor"),
        ("Stress", "Very high"),
        ("Right now, do you feel safe?", "Not really: I'm struggling"),
    ]:
        choose(page, legend, option)
    page.get_by_role("button", name=re.compile("Save")).tap()
    page.wait_for_url(base + "/me/check-in/done/")
    expect(page.get_by_role("heading", name="It sounds like this week has been hard")).to_be_visible()
    expect(page.get_by_role("button", name="Talk to a moderator now")).to_be_visible()
    expect(page.get_by_text("Work happy hour")).to_be_visible()  # sam's own relapse-prevention plan
    screenshot(page, "recovery-concern-card-phone")
    no_axe_violations(axe, page)
    page.emulate_media(color_scheme="dark")
    no_axe_violations(axe, page)
    screenshot(page, "recovery-concern-card-phone-dark")
    page.emulate_media(color_scheme="light")

    # A milestone: a date 31 days back, its 30 days shared to the welcome room (never on its own).
    page.goto(base + "/me/milestones/")
    page.get_by_label("What you are counting").fill("Smoke-free")
    page.get_by_label("Since").fill((date.today() - timedelta(days=31)).isoformat())
    page.get_by_role("button", name="Add", exact=True).tap()
    expect(page.get_by_role("heading", name="Smoke-free")).to_be_visible()
    screenshot(page, "recovery-milestones-phone")
    no_axe_violations(axe, page)
    page.locator("section", has=page.get_by_role("heading", name="Smoke-free")).get_by_role(
        "link", name="Share 30 days to a room"
    ).tap()
    page.get_by_label("Room").select_option(label="Welcome")
    page.get_by_role("button", name="Share to the room").tap()
    page.wait_for_url(re.compile(r"/rooms/welcome/"))
    expect(page.get_by_text("Celebrating 30 days — Smoke-free!").first).to_be_visible()
    screenshot(page, "recovery-milestone-shared-phone")
    ctx.close()
