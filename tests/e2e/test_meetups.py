"""Browser test: staff post a recurring meetup, an alumnus RSVPs, sees the
link and downloads the .ics. Runs a real Daphne on a temporary SQLite file
and drives Debian's Chromium through Playwright.

Screenshots of the meetup pages (desktop and a 375px phone) are written to
tests/artifacts/ for a human look.
"""

from datetime import date, timedelta
from pathlib import Path

import pytest

from .conftest import live_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "correct-horse-battery-7"
LINK = "https://meet.example.org/tuesday-alumni-7f3k"

SETUP = f"""
from allauth.account.models import EmailAddress
from community.models import Cohort, User
cohort = Cohort.objects.create(name="Spring cohort", slug="spring")
for email, name, role in [("morgan@example.org", "Morgan", "staff"), ("sam@example.org", "Sam", "alumnus")]:
    u = User.objects.create_user(email=email, password="{PASSWORD}", display_name=name, role=role,
                                 is_staff=role == "staff", cohort=cohort, time_zone="America/Chicago")
    EmailAddress.objects.create(user=u, email=email, verified=True, primary=True)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium_path):
    env = {"EMAIL_URL": "locmem://"}
    with live_server(tmp_path_factory.mktemp("meetups"), seed_demo=False, setup=SETUP, env_extra=env) as base:
        yield base


def _login(browser, base, email, **context_args):
    context = browser.new_context(accept_downloads=True, **context_args)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(base + "/")
    return context, page


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"meetups-{name}.png"), full_page=True)


def _next_tuesday() -> date:
    day = date.today() + timedelta(days=3)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def test_staff_post_recurring_meetup_and_alumnus_rsvps_sees_link_and_downloads_ics(server, browser):
    import icalendar

    first = _next_tuesday()

    # Staff post a weekly meetup, four Tuesdays, capacity 10.
    staff_ctx, page = _login(browser, server, "morgan@example.org")
    page.goto(server + "/meetups/")
    page.get_by_role("link", name="New meetup").click()
    page.get_by_label("Title").fill("Tuesday alumni group")
    page.get_by_label("Description").fill("Check-in round, then a **short** topic.")
    page.locator("#id_start_date").fill(first.isoformat())
    page.get_by_label("Start time").fill("19:00")
    page.get_by_label("End time").fill("20:30")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_label("Weekly", exact=True).check()
    page.get_by_label("Tuesday").check()
    page.get_by_label("After a number of times").check()
    page.get_by_role("spinbutton", name="Number of times").fill("4")
    page.get_by_label("Virtual", exact=True).check()
    expect_hidden = page.get_by_label("Address")
    assert not expect_hidden.is_visible()  # the form shows only what applies
    page.get_by_label("Meeting link").fill(LINK)
    page.get_by_label("Capacity").fill("10")
    _shot(page, "form")
    page.get_by_role("button", name="Post meetup").click()
    page.wait_for_selector("h1:has-text('Tuesday alumni group')")
    assert "Weekly on Tuesday, 4 times" in page.content()
    staff_ctx.close()

    # The alumnus finds it in the agenda; the link is not there.
    ctx, page = _login(browser, server, "sam@example.org", viewport={"width": 1280, "height": 900})
    page.goto(server + "/meetups/")
    assert LINK not in page.content()
    _shot(page, "agenda")
    page.goto(server + f"/meetups/month/{first.year}/{first.month}/")
    _shot(page, "month")
    page.goto(server + "/meetups/")
    page.get_by_role("link", name="Tuesday alumni group").first.click()
    page.wait_for_selector("h1:has-text('Tuesday alumni group')")
    assert LINK not in page.content()
    assert "7:00 PM–8:30 PM" in page.content()

    # RSVP with the keyboard.
    page.get_by_role("button", name="I'm going").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=You're going.")
    link = page.get_by_role("link", name=LINK)
    assert link.is_visible()
    _shot(page, "detail")

    # The .ics download parses, carries the zone and (for a going member) the link.
    with page.expect_download() as info:
        page.get_by_role("link", name="Apple Calendar or Outlook (.ics file)").click()
    download = info.value
    assert download.suggested_filename == f"tuesday-alumni-group-{first.isoformat()}.ics"
    cal = icalendar.Calendar.from_ical(Path(download.path()).read_bytes())
    [vevent] = cal.walk("VEVENT")
    start = vevent.decoded("DTSTART")
    assert (start.date(), start.hour, start.minute, start.tzinfo.key) == (first, 19, 0, "America/Chicago")
    assert str(vevent["SUMMARY"]) == "Tuesday alumni group"
    assert LINK in str(vevent["DESCRIPTION"])
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Chicago"]

    # My meetups lists it; the phone layout gets a look too.
    page.goto(server + "/meetups/mine/")
    assert "You're going" in page.content()
    ctx.close()

    phone, page = _login(browser, server, "sam@example.org", viewport={"width": 375, "height": 812})
    for name, url in [("agenda", "/meetups/"), ("month", f"/meetups/month/{first.year}/{first.month}/")]:
        page.goto(server + url)
        _shot(page, f"{name}-375")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto(server + "/meetups/")
    page.get_by_role("link", name="Tuesday alumni group").first.click()
    _shot(page, "detail-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    phone.close()
